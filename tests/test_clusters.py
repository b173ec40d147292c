"""Behaviour: several clusters (``examples/two-clusters.tfvars``): a cluster and a secrets stack
per cluster after the identity stack, each reaching its own cluster and keeping its own state;
one federated credential per (cluster, service account) with that cluster's issuer; and a
cluster added to the configuration leaves every resource of the other one as it was."""

from __future__ import annotations

import re

import pytest

from aks_workload_identity.config import load_config
from tests.conftest import EXAMPLES_DIR, one_block, resources, synth_config

TWO_CLUSTERS = EXAMPLES_DIR / "two-clusters.tfvars"
CLUSTERS = ("blue", "green")


@pytest.fixture(scope="module")
def two(synth_of):
    return synth_of(TWO_CLUSTERS)


@pytest.fixture(scope="module")
def blue_only(tmp_path_factory):
    """The example before green was added: the same file without green's entry."""
    text = TWO_CLUSTERS.read_text()
    start = text.index("  green = {")
    path = tmp_path_factory.mktemp("blue-only") / "two-clusters.tfvars"
    path.write_text(text[:start] + text[text.index("  }\n", start) + 4 :])
    assert [c.key for c in load_config(path).clusters] == ["blue"]
    return synth_config(path)


def test_each_cluster_has_its_stacks_after_the_identity_stack(two) -> None:
    from aks_workload_identity.cdk import Testing
    from aks_workload_identity.stacks import build_stacks

    stacks = build_stacks(Testing.app(), load_config(TWO_CLUSTERS))
    depends = {s.node.id: sorted(d.node.id for d in s.dependencies) for s in stacks}
    assert depends == {
        "identity": [],
        "cluster-blue": ["identity"],
        "secrets-blue": ["cluster-blue"],
        "cluster-green": ["identity"],
        "secrets-green": ["cluster-green"],
    }
    assert list(two) == list(depends)


def test_each_cluster_stack_reaches_its_own_cluster_and_keeps_its_own_state(two) -> None:
    for cluster in CLUSTERS:
        for stack in (f"cluster-{cluster}", f"secrets-{cluster}"):
            (provider,) = two[stack]["provider"]["kubernetes"]
            assert provider["config_context"] == f"aks-{cluster}", stack
            assert two[stack]["terraform"]["backend"] == {
                "local": {"path": f"../../../terraform.{stack}.tfstate"}
            }


def test_every_cluster_gets_the_service_account_eso_and_the_store(two) -> None:
    def kubernetes_objects(stack: dict) -> dict:
        kinds = ("kubernetes_service_account_v1", "kubernetes_namespace_v1", "helm_release")
        return {kind: resources(stack, kind) for kind in kinds} | {
            "manifests": sorted(
                (body["manifest"]["kind"], body["manifest"]["metadata"]["name"])
                for body in resources(stack, "kubernetes_manifest").values()
            )
        }

    blue, green = (kubernetes_objects(two[f"cluster-{c}"]) for c in CLUSTERS)
    assert blue == green
    assert blue["kubernetes_service_account_v1"]
    assert blue["helm_release"]
    stores = [kubernetes_objects(two[f"secrets-{c}"])["manifests"] for c in CLUSTERS]
    assert (
        stores[0]
        == stores[1]
        == [
            ("ClusterSecretStore", "azure-cluster-store"),
            ("ExternalSecret", "external-secret"),
        ]
    )


def test_one_credential_per_cluster_and_service_account_with_that_clusters_issuer(two) -> None:
    identity = two["identity"]
    lookups = {
        body["name"]: name for name, body in identity["data"]["azurerm_kubernetes_cluster"].items()
    }
    credentials = resources(identity, "azurerm_federated_identity_credential").values()
    subject = "system:serviceaccount:external-secrets:workload-identity-sa"
    assert sorted((c["name"], c["subject"], c["issuer"]) for c in credentials) == [
        (
            f"external-secrets-workload-identity-sa-{cluster}",
            subject,
            f"${{data.azurerm_kubernetes_cluster.{lookups[f'aks-{cluster}']}.oidc_issuer_url}}",
        )
        for cluster in CLUSTERS
    ]
    # One wait per cluster, each triggered by that cluster's credentials only.
    waits = {
        name: sorted(body["triggers"])
        for name, body in resources(identity, "time_sleep").items()
        if "credential-propagation" in name
    }
    assert sorted(waits.values()) == [
        [f"external-secrets-workload-identity-sa-{cluster}"] for cluster in CLUSTERS
    ]


def test_the_identity_and_the_vault_stay_where_the_configuration_says(two) -> None:
    identity = two["identity"]
    for kind in ("azurerm_user_assigned_identity", "azurerm_key_vault"):
        for body in resources(identity, kind).values():
            assert body["resource_group_name"] == "rg-workload-identity", kind
            assert body["location"] == "westeurope", kind


def test_adding_a_cluster_leaves_every_resource_of_the_other_one_as_it_was(two, blue_only):
    assert list(blue_only) == ["identity", "cluster-blue", "secrets-blue"]
    for stack in ("cluster-blue", "secrets-blue"):
        assert {k: v for k, v in two[stack].items() if k != "variable"} == {
            k: v for k, v in blue_only[stack].items() if k != "variable"
        }, stack
    for block in ("resource", "data"):
        before, after = blue_only["identity"][block], two["identity"][block]
        for kind, named in before.items():
            for name, body in named.items():
                assert after[kind][name] == _without_new_dependencies(body, after[kind][name])
    added = {
        f"{kind}.{name}"
        for block in ("resource", "data")
        for kind, named in two["identity"][block].items()
        for name in named
        if name not in blue_only["identity"][block].get(kind, {})
    }
    assert {re.sub(r"_[0-9A-F]{8}$", "", a) for a in added} == {
        "azurerm_federated_identity_credential."
        "workload-identity_credential-external-secrets-workload-identity-sa-green",
        "time_sleep.workload-identity_credential-propagation-green",
        "azurerm_kubernetes_cluster.cluster-green_aks",
    }


def _without_new_dependencies(before: dict, after: dict) -> dict:
    """``before`` with ``after``'s ``depends_on`` (ordering only: a plan changes no attribute
    for it)."""
    return {**before, **({"depends_on": after["depends_on"]} if "depends_on" in after else {})}


def test_the_stacks_of_several_clusters_declare_the_clusters_variable(two) -> None:
    for stack in two.values():
        variable = stack["variable"]["clusters"]
        assert variable["default"] is None
        assert "with a different clusters." in variable["validation"][-1]["error_message"]
        key_rule = one_block(variable["validation"][1:2])
        assert "Cluster key must be" in key_rule["error_message"]
