"""Behaviour of the identity mappings (one-to-one, many-to-one, one-to-many) and of many
ExternalSecrets: credentials, their order, annotations, outputs, stores and namespaces."""

from __future__ import annotations

import re

import pytest

from aks_workload_identity.config import load_config
from tests.conftest import (
    EXAMPLES_DIR,
    example_configs,
    example_id,
    first_cluster_stack,
    output_value,
    resources,
)

ONE_TO_ONE = EXAMPLES_DIR / "one-to-one.tfvars"
MANY_TO_ONE = EXAMPLES_DIR / "many-to-one.tfvars"
ONE_TO_MANY = EXAMPLES_DIR / "one-to-many.tfvars"
MANY_SECRETS = EXAMPLES_DIR / "many-secrets.tfvars"
CLIENT_ID = "azure.workload.identity/client-id"
REFERENCE = re.compile(r"\$\{(\w+)\.([^.]+)\.(.+)\}")


def _identities(identity_stack: dict) -> dict[str, str]:
    """Azure identity name → its resource name in the stack."""
    return {
        body["name"]: name
        for name, body in resources(identity_stack, "azurerm_user_assigned_identity").items()
    }


def _credentials_of(identity_stack: dict, resource_name: str) -> list[tuple[str, dict]]:
    parent = f"${{azurerm_user_assigned_identity.{resource_name}.id}}"
    return [
        (name, body)
        for name, body in resources(identity_stack, "azurerm_federated_identity_credential").items()
        if body["parent_id"] == parent
    ]


def _resolve_namespace(cluster: dict, value: str) -> str:
    match = REFERENCE.fullmatch(value)
    if not match:
        return value
    assert match[1] == "kubernetes_namespace_v1"
    return resources(cluster, "kubernetes_namespace_v1")[match[2]]["metadata"]["name"]


def _service_accounts(cluster: dict) -> dict[tuple[str, str], dict]:
    """(namespace, name) → metadata of each service account."""
    found = {}
    for body in resources(cluster, "kubernetes_service_account_v1").values():
        metadata = body["metadata"]
        found[(_resolve_namespace(cluster, metadata["namespace"]), metadata["name"])] = metadata
    return found


def _manifests(secrets: dict, kind: str) -> list[dict]:
    return [
        body["manifest"]
        for body in resources(secrets, "kubernetes_manifest").values()
        if body["manifest"]["kind"] == kind
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            ONE_TO_ONE,
            {
                "umi-external-secrets": ["external-secrets:workload-identity-sa"],
                "umi-billing": ["billing:billing-secrets"],
            },
        ),
        (
            MANY_TO_ONE,
            {
                "umi-shared-reader": [
                    "external-secrets:workload-identity-sa",
                    "orders:orders-api",
                    "shipping:shipping-worker",
                    "payments:payments-api",
                ]
            },
        ),
        (
            ONE_TO_MANY,
            {
                "umi-secrets-reader": ["rotation:secret-rotator"],
                "umi-secrets-writer": ["rotation:secret-rotator"],
            },
        ),
    ],
    ids=["one-to-one", "many-to-one", "one-to-many"],
)
def test_each_identity_trusts_exactly_its_service_accounts(path, expected, synth_of) -> None:
    identity = synth_of(path)["identity"]
    by_name = _identities(identity)
    assert sorted(by_name) == sorted(expected)
    (cluster_name,) = identity["data"]["azurerm_kubernetes_cluster"]
    issuer = f"${{data.azurerm_kubernetes_cluster.{cluster_name}.oidc_issuer_url}}"
    for identity_name, accounts in expected.items():
        credentials = _credentials_of(identity, by_name[identity_name])
        subjects = sorted(body["subject"] for _, body in credentials)
        assert subjects == sorted(f"system:serviceaccount:{a}" for a in accounts)
        for _, body in credentials:
            assert body["audience"] == ["api://AzureADTokenExchange"]
            assert body["issuer"] == issuer
        names = [body["name"] for _, body in credentials]
        assert len(set(names)) == len(names)
    total = sum(len(a) for a in expected.values())
    assert len(resources(identity, "azurerm_federated_identity_credential")) == total


def test_credentials_on_one_identity_are_written_one_after_another(synth_of) -> None:
    identity = synth_of(MANY_TO_ONE)["identity"]
    (resource_name,) = _identities(identity).values()
    credentials = dict(_credentials_of(identity, resource_name))
    assert len(credentials) >= 3
    # Follow depends_on from the one credential without it: a single line through all of them.
    (first,) = [name for name, body in credentials.items() if "depends_on" not in body]
    after = {}
    for name, body in credentials.items():
        if "depends_on" in body:
            (previous,) = body["depends_on"]
            after[previous.removeprefix("azurerm_federated_identity_credential.")] = name
    chain = [first]
    while chain[-1] in after:
        chain.append(after[chain[-1]])
    assert sorted(chain) == sorted(credentials)
    # In the order of the workloads in the file.
    assert [credentials[name]["subject"] for name in chain] == [
        "system:serviceaccount:external-secrets:workload-identity-sa",
        "system:serviceaccount:orders:orders-api",
        "system:serviceaccount:shipping:shipping-worker",
        "system:serviceaccount:payments:payments-api",
    ]
    (wait,) = [
        b
        for b in resources(identity, "time_sleep").values()
        if "role_assignment_id" not in b.get("triggers", {})
    ]
    assert set(wait["triggers"].values()) == {
        f"${{azurerm_federated_identity_credential.{name}.id}}" for name in credentials
    }


def test_credentials_of_different_identities_are_not_chained(synth_of) -> None:
    identity = synth_of(ONE_TO_MANY)["identity"]
    for body in resources(identity, "azurerm_federated_identity_credential").values():
        assert "depends_on" not in body


@pytest.mark.parametrize("path", [ONE_TO_ONE, MANY_TO_ONE, ONE_TO_MANY], ids=example_id)
def test_service_account_annotation_names_its_default_identity(path, synth_of) -> None:
    synthesized = synth_of(path)
    identity, cluster = synthesized["identity"], synthesized["cluster"]
    by_name = _identities(identity)
    config = load_config(path)
    names = {identity.key: identity.name for identity in config.identities}
    accounts = _service_accounts(cluster)
    assert len(accounts) == len(config.workloads)
    for workload in config.workloads:
        metadata = accounts[(workload.namespace, workload.service_account)]
        default = by_name[names[workload.identity]]
        assert output_value(identity, metadata["annotations"][CLIENT_ID]) == (
            f"${{azurerm_user_assigned_identity.{default}.client_id}}"
        )


def test_additional_identities_client_ids_are_outputs(synth_of) -> None:
    identity = synth_of(ONE_TO_MANY)["identity"]
    by_name = _identities(identity)
    outputs = identity["output"]
    assert outputs["additional_client_ids"]["value"] == {
        "rotator": {
            "writer": f"${{azurerm_user_assigned_identity.{by_name['umi-secrets-writer']}"
            ".client_id}"
        }
    }
    assert outputs["identity_client_ids"]["value"] == {
        key: f"${{azurerm_user_assigned_identity.{by_name[name]}.client_id}}"
        for key, name in (("reader", "umi-secrets-reader"), ("writer", "umi-secrets-writer"))
    }
    assert "identity_client_id" not in outputs


def test_walkthrough_keeps_its_single_client_id_output(synth) -> None:
    outputs = synth["identity"]["output"]
    assert "identity_client_id" in outputs
    assert "identity_client_ids" not in outputs
    assert "additional_client_ids" not in outputs


def test_each_identity_gets_its_own_key_vault_role(synth_of) -> None:
    identity = synth_of(ONE_TO_MANY)["identity"]
    by_name = _identities(identity)
    roles = {
        body["principal_id"]: body["role_definition_name"]
        for body in resources(identity, "azurerm_role_assignment").values()
    }
    principal = "${{azurerm_user_assigned_identity.{}.principal_id}}"
    assert roles[principal.format(by_name["umi-secrets-reader"])] == "Key Vault Secrets User"
    assert roles[principal.format(by_name["umi-secrets-writer"])] == "Key Vault Secrets Officer"


def test_each_store_authenticates_as_its_workloads_service_account(synth_of) -> None:
    synthesized = synth_of(ONE_TO_ONE)
    accounts = _service_accounts(synthesized["cluster"])
    stores = {
        s["metadata"]["name"]: s["spec"]["provider"]["azurekv"]["serviceAccountRef"]
        for s in _manifests(synthesized["secrets"], "ClusterSecretStore")
    }
    assert stores == {
        "azure-cluster-store": {"name": "workload-identity-sa", "namespace": "external-secrets"},
        "billing-store": {"name": "billing-secrets", "namespace": "billing"},
    }
    for ref in stores.values():
        assert (ref["namespace"], ref["name"]) in accounts


@pytest.mark.parametrize("path", example_configs(), ids=example_id)
def test_every_external_secret_reads_through_a_store_created_before_it(path, synth_of) -> None:
    secrets = synth_of(path)[first_cluster_stack(path, "secrets")]
    manifests = resources(secrets, "kubernetes_manifest")
    # A SecretStore is found in the ExternalSecret's namespace, a ClusterSecretStore anywhere.
    store_resources = {
        (m["kind"], m["metadata"].get("namespace"), m["metadata"]["name"]): name
        for name, body in manifests.items()
        if (m := body["manifest"])["kind"] in ("ClusterSecretStore", "SecretStore")
    }
    external_secrets = [b for b in manifests.values() if b["manifest"]["kind"] == "ExternalSecret"]
    assert external_secrets
    for body in external_secrets:
        ref = body["manifest"]["spec"]["secretStoreRef"]
        namespace = body["manifest"]["metadata"]["namespace"]
        key = (ref["kind"], namespace if ref["kind"] == "SecretStore" else None, ref["name"])
        assert key in store_resources
        assert body["depends_on"] == [f"kubernetes_manifest.{store_resources[key]}"]


def test_many_secrets_mixes_data_and_data_from_across_namespaces(synth_of) -> None:
    external_secrets = _manifests(synth_of(MANY_SECRETS)["secrets"], "ExternalSecret")
    assert len(external_secrets) >= 10
    assert len({m["metadata"]["namespace"] for m in external_secrets}) >= 3
    specs = [m["spec"] for m in external_secrets]
    sources = [e for s in specs for e in s.get("dataFrom", [])]
    assert {"extract": {"key": "orders-config"}} in sources
    assert {"find": {"name": {"regexp": "^orders-api-"}}} in sources
    assert {"find": {"tags": {"env": "prod", "team": "payments"}}} in sources
    assert {"find": {"name": {"regexp": "^shipping-"}, "tags": {"env": "prod"}}} in sources
    assert any("data" in s and "dataFrom" in s for s in specs)
    for spec in specs:
        assert spec.get("data") or spec.get("dataFrom")
        assert spec["target"]["creationPolicy"] == "Owner"


def test_data_from_only_secret_has_no_empty_data_list(synth_of) -> None:
    external_secrets = _manifests(synth_of(ONE_TO_MANY)["secrets"], "ExternalSecret")
    (spec,) = [m["spec"] for m in external_secrets]
    assert "data" not in spec
    assert spec["dataFrom"] == [{"find": {"tags": {"rotated-by": "secret-rotator"}}}]


def _namespace_names(cluster: dict) -> set[str]:
    return {b["metadata"]["name"] for b in resources(cluster, "kubernetes_namespace_v1").values()}


def test_workload_namespaces_are_created_unless_they_exist(synth_of) -> None:
    cluster = synth_of(MANY_TO_ONE)["cluster"]
    assert _namespace_names(cluster) == {"external-secrets", "orders", "shipping"}
    accounts = {
        body["metadata"]["name"]: body["metadata"]["namespace"]
        for body in resources(cluster, "kubernetes_service_account_v1").values()
    }
    # An existing namespace is named literally; a created one by reference (created first).
    assert accounts["payments-api"] == "payments"
    assert accounts["orders-api"].startswith("${kubernetes_namespace_v1.")


def test_external_secret_namespaces_are_created_unless_they_exist(synth_of) -> None:
    cluster = synth_of(MANY_SECRETS)["cluster"]
    # default is built in; payments is in existing_namespaces.
    assert _namespace_names(cluster) == {"external-secrets", "orders", "shipping"}
