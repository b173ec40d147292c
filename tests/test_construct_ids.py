"""Construct ids made from user strings are distinct for distinct entries (a repeat crashed
synth with a jsii stack trace), and the ids of the examples' resources are the ones they had."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aks_workload_identity.config import load_config
from aks_workload_identity.construct_ids import external_secret_ids
from tests.conftest import REQUIRED, resources, write_config

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Short names over few letters, so that "a-b"/"c" and "a"/"b-c" come up often.
labels = st.lists(st.sampled_from("ab"), min_size=1, max_size=3).map("".join)
namespaces = st.lists(labels, min_size=1, max_size=3).map("-".join)
names = st.lists(labels, min_size=1, max_size=3).flatmap(
    lambda parts: st.sampled_from(["-", "."]).map(lambda sep: sep.join(parts))
)
pairs = st.lists(st.tuples(namespaces, names), unique=True, max_size=8)


@FAST
@given(pairs)
def test_distinct_external_secrets_get_distinct_ids(entries: list[tuple[str, str]]) -> None:
    ids = external_secret_ids(entries)
    assert len(set(ids)) == len(entries)


@FAST
@given(pairs)
def test_an_id_changes_only_where_the_old_one_is_shared(entries: list[tuple[str, str]]) -> None:
    old = [f"external-secret-{namespace}-{name}" for namespace, name in entries]
    for (namespace, _), before, after in zip(
        entries, old, external_secret_ids(entries), strict=True
    ):
        if old.count(before) == 1 or "-" not in namespace:
            assert after == before


def test_external_secrets_whose_old_ids_collide_synthesize(tmp_path, synth_of) -> None:
    entries = [("a-b", "c"), ("a", "b-c"), ("a-b-c", "d"), ("a-b", "c-d"), ("a", "b-c-d")]
    text = "external_secrets = [\n" + "".join(
        f'  {{ name = "{name}", namespace = "{namespace}", '
        'data = [{ secret_key = "k", remote_key = "r" }] },\n'
        for namespace, name in entries
    )
    synthesized = synth_of(write_config(tmp_path, REQUIRED + text + "]\n"))
    manifests = [
        body["manifest"]["metadata"]
        for body in resources(synthesized["secrets"], "kubernetes_manifest").values()
        if body["manifest"]["kind"] == "ExternalSecret"
    ]
    assert sorted((m["namespace"], m["name"]) for m in manifests) == sorted(entries)
    addresses = set(resources(synthesized["secrets"], "kubernetes_manifest"))
    assert any(a.startswith("external-secret-a-b-c_manifest_") for a in addresses)
    assert any(a.startswith("external-secret-a-b_c_manifest_") for a in addresses)


keys = st.lists(st.sampled_from(["a", "b", "a-b", "a_b", "ab", "b-a"]), min_size=1, unique=True)


def _workload(key: str, identities: list[str]) -> str:
    label = key.replace("_", "u")
    others = json.dumps([i for i in identities if i != key])
    return (
        f'  {key} = {{ service_account = "sa-{label}", namespace = "ns-{label}", '
        f'identity = "{key}", additional_identities = {others} }}\n'
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(keys)
def test_identities_workloads_stores_and_credentials_get_distinct_ids(
    tmp_path_factory, chosen: list[str]
) -> None:
    """Their ids embed map keys and per-identity credential names, unique already."""
    identities = "".join(f'  {k} = {{ name = "umi-{k}" }}\n' for k in chosen)
    workloads = "".join(_workload(k, chosen) for k in chosen)
    stores = "".join(f'  s-{i} = {{ workload = "{k}" }}\n' for i, k in enumerate(chosen))
    text = (
        f"identities = {{\n{identities}}}\nworkloads = {{\n{workloads}}}\n"
        f"cluster_secret_stores = {{\n{stores}}}\nexternal_secrets = []\n"
    )
    config = load_config(write_config(tmp_path_factory.mktemp("ids"), REQUIRED + text))
    for part in (config.identities, config.workloads, config.cluster_secret_stores):
        ids = [p.construct_id for p in part]
        assert len(set(ids)) == len(ids) == len(chosen)
    for identity in config.identities:
        credentials = [f"credential-{f.name}" for f in identity.federations]
        assert len(set(credentials)) == len(credentials) == len(chosen)
