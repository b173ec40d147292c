"""``clusters``: its entries mean what the top-level cluster keys mean, the two forms exclude each
other, every problem is one line and all come at once, and the 20 federated credentials of an
identity are counted over every cluster."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aks_workload_identity import rules
from aks_workload_identity.cluster_settings import CLUSTER_KEYS, ClusterSettings
from aks_workload_identity.config import load_config
from aks_workload_identity.settings import Settings
from tests.conftest import EXAMPLES_DIR, config_problems, write_config

HOME = 'resource_group_name = "rg-identity"\nlocation = "westeurope"\n'


def _clusters(*keys: str) -> str:
    entries = "\n".join(
        f'  {key} = {{ aks_resource_group_name = "rg-aks", aks_cluster_name = "aks-{key}", '
        f'kubeconfig_context = "aks-{key}" }}'
        for key in keys
    )
    return f"clusters = {{\n{entries}\n}}\n"


def test_each_entry_key_means_what_the_top_level_key_means() -> None:
    for key, field in ClusterSettings.model_fields.items():
        top = Settings.model_fields[key]
        assert field.annotation == top.annotation, key
        assert field.metadata == top.metadata, key
        assert field.default == top.default, key


def test_the_two_clusters_example_makes_one_cluster_per_entry() -> None:
    config = load_config(EXAMPLES_DIR / "two-clusters.tfvars")
    assert [c.key for c in config.clusters] == ["blue", "green"]
    assert [c.kubeconfig_context for c in config.clusters] == ["aks-blue", "aks-green"]
    assert config.stack_ids == (
        "identity",
        "cluster-blue",
        "secrets-blue",
        "cluster-green",
        "secrets-green",
    )
    (identity,) = config.identities
    assert [(f.cluster, f.name) for f in identity.federations] == [
        ("blue", "external-secrets-workload-identity-sa-blue"),
        ("green", "external-secrets-workload-identity-sa-green"),
    ]


def test_without_clusters_the_one_cluster_keeps_its_names(tmp_path) -> None:
    config = load_config(
        write_config(tmp_path, 'aks_resource_group_name = "g"\naks_cluster_name = "c"\n')
    )
    (cluster,) = config.clusters
    assert cluster.key is None
    assert config.stack_ids == ("identity", "cluster", "secrets")
    assert [f.name for f in config.identities[0].federations] == [
        "external-secrets-workload-identity-sa"
    ]


def test_top_level_cluster_keys_beside_clusters_are_one_line_each(tmp_path) -> None:
    text = 'aks_cluster_name = "aks-1"\nkubelogin_login_mode = "spn"\n' + HOME + _clusters("blue")
    lines = config_problems(write_config(tmp_path, text))
    assert lines == [
        f'{tmp_path / "test.tfvars"}: {key} = "{value}": clusters replaces this key: set it in '
        "each entry of clusters, not both"
        for key, value in (("aks_cluster_name", "aks-1"), ("kubelogin_login_mode", "spn"))
    ]


def test_every_problem_of_every_entry_comes_at_once(tmp_path) -> None:
    text = (
        "clusters = {\n"
        '  Blue = { aks_resource_group_name = "rg", aks_cluster_name = "aks-blue" }\n'
        '  green = { aks_cluster_name = "aks-green", kubernetes_auth = "kubelogin", '
        'kubeconfig_context = "x" }\n'
        '  grey = { oidc_issuer_url = "https://issuer.example/", aks_cluster_name = "x", '
        'kubernetes_auth = "aks_credentials" }\n'
        "}\n"
    )
    lines = [line.split(": ", 1)[1] for line in config_problems(write_config(tmp_path, text))]
    assert lines == [
        f'clusters.Blue = "Blue": {rules.CLUSTER_KEY.message} (try "blue")',
        "clusters.green.aks_resource_group_name: required key is missing (for a cluster that is "
        "not AKS, set oidc_issuer_url instead)",
        'clusters.green.kubeconfig_context = "x": only used with kubernetes_auth = "kubeconfig" '
        '(set kubernetes_auth = "kubeconfig" or remove kubeconfig_context)',
        'clusters.grey.aks_cluster_name = "x": oidc_issuer_url is set, so no AKS cluster is '
        "looked up",
        'clusters.grey.kubernetes_auth = "aks_credentials": reads the AKS cluster, but '
        'oidc_issuer_url is set (a cluster that is not AKS) (use kubernetes_auth = "kubeconfig")',
        *(
            f"{key}: required key is missing (with clusters, where the identities and the Key "
            "Vault are created: they must not move when a cluster is removed)"
            for key in ("resource_group_name", "location")
        ),
    ]


@pytest.mark.parametrize(
    ("blue", "green", "message"),
    [
        (
            'aks_resource_group_name = "RG", aks_cluster_name = "aks-1", kubeconfig_context = "a"',
            'aks_resource_group_name = "rg", aks_cluster_name = "AKS-1", kubeconfig_context = "b"',
            "clusters blue and green are the same cluster (aks cluster rg/aks-1): list each "
            "cluster once",
        ),
        (
            'oidc_issuer_url = "https://issuer.example/k3s/", kubeconfig_context = "a"',
            'oidc_issuer_url = "https://issuer.example/k3s", kubeconfig_context = "b"',
            "clusters blue and green are the same cluster (issuer https://issuer.example/k3s): "
            "list each cluster once",
        ),
        (
            'aks_resource_group_name = "rg", aks_cluster_name = "aks-1"',
            'aks_resource_group_name = "rg", aks_cluster_name = "aks-2"',
            "clusters blue and green are both reached through ~/.kube/config, the current "
            "context: set each one's kubeconfig_context (or kubeconfig_path)",
        ),
    ],
)
def test_two_entries_for_one_cluster_are_refused(tmp_path, blue, green, message) -> None:
    text = HOME + f"clusters = {{\n  blue = {{ {blue} }}\n  green = {{ {green} }}\n}}\n"
    (line,) = config_problems(write_config(tmp_path, text))
    assert line.endswith(message)


def test_the_clusters_form_replaces_exactly_the_per_cluster_keys() -> None:
    assert set(CLUSTER_KEYS) == {
        "aks_resource_group_name",
        "aks_cluster_name",
        "oidc_issuer_url",
        "kubernetes_auth",
        "kubeconfig_path",
        "kubeconfig_context",
        "aks_admin_credentials",
        "kubelogin_login_mode",
    }


@given(st.from_regex(r"[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?", fullmatch=True))
def test_a_valid_cluster_key_names_stacks_and_state_files(key: str) -> None:
    assert rules.CLUSTER_KEY.allows(key)
    assert rules.ENVIRONMENT_NAME.allows(key)  # as safe in a state file name as an environment


@given(st.text(min_size=1, max_size=25))
def test_a_cluster_key_is_refused_unless_a_lowercase_dns_label(key: str) -> None:
    label = rules.CLUSTER_KEY.allows(key)
    assert label == (
        len(key) <= 20
        and key[0].isascii()
        and key[0].islower()
        and key[-1] in "abcdefghijklmnopqrstuvwxyz0123456789"
        and all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in key)
    )


def test_the_walkthrough_identity_counts_one_credential_per_cluster(tmp_path) -> None:
    keys = [f"c{i}" for i in range(21)]
    (line,) = config_problems(write_config(tmp_path, HOME + _clusters(*keys)))
    assert line.endswith(
        "identity_name (umi-external-secrets) needs 21 federated credentials (1 workload(s) in "
        "each of 21 clusters): Azure allows at most 20 per identity; split the workloads across "
        "more identities, or deploy fewer clusters at once"
    )
    assert load_config(write_config(tmp_path, HOME + _clusters(*keys[:20])))


def test_an_identity_of_the_maps_counts_its_workloads_in_every_cluster(tmp_path) -> None:
    workloads = "\n".join(
        f'  w{i} = {{ service_account = "sa-{i}", namespace = "apps", identity = "shared" }}'
        for i in range(11)
    )
    text = (
        HOME
        + 'identities = { shared = { name = "umi-shared" } }\n'
        + f"workloads = {{\n{workloads}\n}}\n"
        + 'cluster_secret_stores = { azure-cluster-store = { workload = "w0" } }\n'
    )
    assert len(load_config(write_config(tmp_path, text + _clusters("one"))).identities) == 1
    (line,) = config_problems(write_config(tmp_path, text + _clusters("blue", "green")))
    assert "identities.shared (umi-shared) needs 22 federated credentials (11 workload(s) in " in (
        line
    )
    assert "each of 2 clusters): Azure allows at most 20 per identity" in line
