"""Namespaces that hold other people's workloads: created only when asked for, forgotten (never
deleted) when no longer created, and their deletion refused while planning unless allowed. The
deploys that prove it: ``rehearsal.changes.namespace_edits`` (``make rehearse
CONFIGS=examples/many-secrets.tfvars``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aks_workload_identity.namespace_guard import MANAGED_BY, MANAGED_BY_LABEL, OWNER_LABEL
from aks_workload_identity.namespace_ownership import namespace_ownership
from aks_workload_identity.settings import Settings
from aks_workload_identity.walkthrough import mappings_of
from tests.conftest import (
    EXAMPLES_DIR,
    REQUIRED,
    config_problems,
    one_block,
    resources,
    synth_config,
    write_config,
)

MANY_SECRETS = EXAMPLES_DIR / "many-secrets.tfvars"
BASE = {"aks_resource_group_name": "rg-aks", "aks_cluster_name": "aks-1"}
NAMES = st.sampled_from(["orders", "shipping", "billing", "apps", "tools", "rotation", "web"])
DISTINCT = st.lists(NAMES, unique=True, max_size=4)


def _namespaces(stack: dict) -> dict[str, dict]:
    """Each created namespace's name -> its metadata."""
    return {
        one_block(body["metadata"])["name"]: one_block(body["metadata"])
        for body in resources(stack, "kubernetes_namespace_v1").values()
    }


def _ownership(**keys: object):
    settings_ = Settings.model_validate({**BASE, **keys}, strict=True)
    return namespace_ownership(settings_, mappings_of(settings_))


def test_the_walkthrough_creates_only_esos_namespace(synth) -> None:
    cluster = synth["cluster"]
    assert set(_namespaces(cluster)) == {"external-secrets"}
    assert "labels" not in _namespaces(cluster)["external-secrets"]
    assert "removed" not in cluster


def test_a_namespace_is_created_only_when_asked_for() -> None:
    used = _ownership(external_secret_namespace="orders")
    assert (used.created, used.forgotten) == (("external-secrets",), ("orders",))
    asked = _ownership(external_secret_namespace="orders", created_namespaces=["orders"])
    assert (asked.created, asked.forgotten) == (("external-secrets", "orders"), ())


def test_namespaces_asked_for_carry_this_deployments_labels() -> None:
    cluster = synth_config(MANY_SECRETS)["cluster"]
    owner = next(n for n in resources(cluster, "terraform_data") if "namespace-guard_owner" in n)
    namespaces = _namespaces(cluster)
    for name in ("orders", "shipping"):
        assert namespaces[name]["labels"] == {
            MANAGED_BY_LABEL: MANAGED_BY,
            OWNER_LABEL: f"${{terraform_data.{owner}.id}}",
        }
    assert "labels" not in namespaces["external-secrets"]  # ESO's own: not guarded


def test_a_used_namespace_not_created_is_forgotten_at_the_address_it_had() -> None:
    """existing-identities only uses orders (an existing service account's namespace): its
    removed block has the address existing-vault's created orders namespace has, so a namespace
    an earlier deploy created is dropped from the state, not deleted."""
    (removed,) = synth_config(EXAMPLES_DIR / "existing-identities.tfvars")["cluster"]["removed"]
    assert removed["lifecycle"] == {"destroy": False}
    created = resources(
        synth_config(EXAMPLES_DIR / "existing-vault.tfvars")["cluster"], "kubernetes_namespace_v1"
    )
    (address,) = [
        f"kubernetes_namespace_v1.{name}"
        for name, body in created.items()
        if one_block(body["metadata"])["name"] == "orders"
    ]
    assert removed["from"] == address


def test_the_guard_refuses_a_labelled_namespace_the_config_no_longer_keeps() -> None:
    cluster = synth_config(MANY_SECRETS)["cluster"]
    (read,) = cluster["data"]["kubernetes_resources"].values()
    assert read["kind"] == "Namespace"
    assert read["label_selector"].startswith(f"{MANAGED_BY_LABEL}={MANAGED_BY},{OWNER_LABEL}=")
    check = next(b for n, b in resources(cluster, "terraform_data").items() if "check" in n)
    (precondition,) = check["lifecycle"]["precondition"]
    kept = '["external-secrets", "orders", "payments", "shipping"]'
    assert f"!contains({kept}, o.metadata.name)" in precondition["condition"]
    assert "namespace_deletion_allowed = true" in precondition["error_message"]
    assert "created_namespaces" in precondition["error_message"]


def test_with_deletion_allowed_there_is_no_check_but_the_labels_stay(tmp_path) -> None:
    allowed = write_config(
        tmp_path, MANY_SECRETS.read_text() + "\nnamespace_deletion_allowed = true\n"
    )
    cluster = synth_config(allowed)["cluster"]
    assert "kubernetes_resources" not in cluster.get("data", {})
    assert [n for n in resources(cluster, "terraform_data") if "namespace-guard" in n] == [
        next(n for n in resources(cluster, "terraform_data") if "namespace-guard_owner" in n)
    ]
    assert OWNER_LABEL in _namespaces(cluster)["orders"]["labels"]


@settings(max_examples=40, deadline=None)
@given(asked=DISTINCT, existing=DISTINCT, used=NAMES)
def test_asked_created_and_forgotten_never_overlap(asked, existing, used) -> None:
    existing = [n for n in existing if n not in asked]
    owned = _ownership(
        created_namespaces=asked, existing_namespaces=existing, external_secret_namespace=used
    )
    assert owned.requested == tuple(asked)
    assert owned.created == ("external-secrets", *asked)
    assert not set(owned.created) & set(owned.forgotten)
    assert set(existing) <= set(owned.forgotten)
    assert (used in owned.forgotten) == (used not in asked)


@settings(max_examples=20, deadline=None)
@given(both=NAMES, asked=DISTINCT)
def test_a_namespace_both_asked_for_and_existing_is_an_error(both, asked) -> None:
    with pytest.raises(ValueError, match=f"created_namespaces: '{both}' is also in existing"):
        _ownership(created_namespaces=[*{*asked, both}], existing_namespaces=[both])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('created_namespaces = ["default"]', "'default' is built in"),
        ('created_namespaces = ["kube-tools"]', "must not start with 'kube-'"),
        ('created_namespaces = ["Orders"]', "DNS-1123 label"),
        ('created_namespaces = ["a", "a"]', "same namespace as created_namespaces[0]"),
        ('namespace_deletion_allowed = "yes"', "namespace_deletion_allowed"),
    ],
)
def test_created_namespaces_are_validated(tmp_path, text, message) -> None:
    (line,) = config_problems(write_config(tmp_path, REQUIRED + text + "\n"))
    assert message in line


WORKLOADS = """
identities = { eso = { name = "umi-eso" } }
workloads = {
  eso = { service_account = "eso-sa", namespace = "external-secrets", identity = "eso" }
  app = { service_account = "app-sa", namespace = "apps", identity = "eso", %s }
}
cluster_secret_stores = { azure-cluster-store = { workload = "eso" } }
created_namespaces = ["apps"]
"""


@pytest.mark.parametrize(
    ("workload", "message"),
    [
        ("create_namespace = false", "workloads.app, which has create_namespace = false"),
        ("create_service_account = false", "holds the existing service account of workloads.app"),
    ],
)
def test_asking_for_a_namespace_a_workload_says_exists_is_an_error(
    tmp_path, workload, message
) -> None:
    (line,) = config_problems(write_config(tmp_path, REQUIRED + WORKLOADS % workload))
    assert message in line


def test_create_namespace_true_asks_for_it(tmp_path) -> None:
    text = REQUIRED + (WORKLOADS % "create_namespace = true").replace(
        'created_namespaces = ["apps"]', ""
    )
    from aks_workload_identity.config import load_config

    owned = load_config(write_config(tmp_path, text)).namespaces
    assert owned.requested == ("apps",)


@pytest.mark.parametrize(
    ("said", "warned"),
    [
        ("", True),
        ('created_namespaces = ["orders"]', False),
        ('existing_namespaces = ["orders"]', False),
    ],
)
def test_a_used_namespace_nothing_says_exists_is_warned_about(tmp_path, said, warned) -> None:
    from aks_workload_identity.config import load_config

    text = REQUIRED + f'external_secret_namespace = "orders"\n{said}\n'
    warnings = load_config(write_config(tmp_path, text)).warnings
    assert bool(warnings) == warned
    if warned:
        (warning,) = warnings
        assert warning.startswith("namespace 'orders' is used but not created, so it must exist")
        assert "list it in created_namespaces to keep it managed" in warning
