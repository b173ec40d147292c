"""Existing managed identities (``identities.<key>.resource_id``): read, federated and granted
the vault role, never created; and each way of naming one wrongly, with its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aks_workload_identity.config import load_config
from aks_workload_identity.federation import Federation
from tests.conftest import (
    EXAMPLES_DIR,
    REQUIRED,
    config_problems,
    output_value,
    resources,
    write_config,
)

EXAMPLE = EXAMPLES_DIR / "existing-identities.tfvars"
ORDERS_ID = (
    "/subscriptions/3f2b7c1e-8d4a-4b6e-9c0f-5a1d2e3f4a5b/resourceGroups/rg-orders-identities"
    "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/umi-orders"
)
CLIENT_ID = "azure.workload.identity/client-id"


def _mappings(identity: str) -> str:
    return f"""
identities = {{
  orders = {identity}
}}
workloads = {{
  orders = {{ service_account = "orders-api", namespace = "orders", identity = "orders" }}
}}
cluster_secret_stores = {{ azure-cluster-store = {{ workload = "orders" }} }}
"""


def _problems(tmp_path: Path, text: str) -> list[str]:
    return config_problems(write_config(tmp_path, REQUIRED + text))


def _existing(identity_stack: dict) -> tuple[str, dict]:
    (found,) = identity_stack["data"]["azurerm_user_assigned_identity"].items()
    return found


def test_existing_identity_is_read_by_a_data_source_and_not_created(synth_of) -> None:
    identity = synth_of(EXAMPLE)["identity"]
    _, lookup = _existing(identity)
    assert lookup == {"name": "umi-orders", "resource_group_name": "rg-orders-identities"}
    created = [b["name"] for b in resources(identity, "azurerm_user_assigned_identity").values()]
    assert created == ["umi-external-secrets"]


def test_credentials_are_added_to_the_existing_identity_by_its_id(synth_of) -> None:
    identity = synth_of(EXAMPLE)["identity"]
    credentials = {
        body["subject"]: (name, body)
        for name, body in resources(identity, "azurerm_federated_identity_credential").items()
        if body["parent_id"] == ORDERS_ID
    }
    assert sorted(credentials) == [
        "system:serviceaccount:orders:orders-api",
        "system:serviceaccount:orders:orders-worker",
    ]
    for _, body in credentials.values():
        assert body["resource_group_name"] == "rg-orders-identities"
        assert body["audience"] == ["api://AzureADTokenExchange"]
    # Still one after another: Azure rejects concurrent writes on one identity, existing or not.
    first, _ = credentials["system:serviceaccount:orders:orders-api"]
    _, second = credentials["system:serviceaccount:orders:orders-worker"]
    assert second["depends_on"] == [f"azurerm_federated_identity_credential.{first}"]


def test_annotation_and_role_use_the_existing_identitys_ids(synth_of) -> None:
    synthesized = synth_of(EXAMPLE)
    identity, cluster = synthesized["identity"], synthesized["cluster"]
    lookup_name, _ = _existing(identity)
    lookup = f"data.azurerm_user_assigned_identity.{lookup_name}"
    # The orders service accounts exist: annotated, not created (see below).
    annotations = {
        body["metadata"]["name"]: body["annotations"][CLIENT_ID]
        for body in resources(cluster, "kubernetes_annotations").values()
    }
    for account in ("orders-api", "orders-worker"):
        assert output_value(identity, annotations[account]) == f"${{{lookup}.client_id}}"
    roles = {
        a["principal_id"]: a["role_definition_name"]
        for a in resources(identity, "azurerm_role_assignment").values()
    }
    assert roles[f"${{{lookup}.principal_id}}"] == "Key Vault Secrets User"
    assert identity["output"]["identity_client_ids"]["value"]["orders"] == (
        f"${{{lookup}.client_id}}"
    )


def test_resource_id_in_other_spelling_is_written_as_azurerm_reads_it_back(tmp_path) -> None:
    from cdktf import Testing

    from aks_workload_identity.stacks import build_stacks

    as_written = ORDERS_ID.replace("/resourceGroups/", "/resourcegroups/").replace(
        "3f2b7c1e-8d4a-4b6e-9c0f-5a1d2e3f4a5b", "3F2B7C1E-8D4A-4B6E-9C0F-5A1D2E3F4A5B"
    )
    path = tmp_path / "test.tfvars"
    path.write_text(REQUIRED + _mappings(f'{{ resource_id = "{as_written}" }}'))
    identity, _, _ = build_stacks(Testing.app(), load_config(path))
    document = json.loads(Testing.synth(identity))
    (credential,) = resources(document, "azurerm_federated_identity_credential").values()
    assert credential["parent_id"] == ORDERS_ID


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        (
            f'{{ name = "umi-orders", resource_id = "{ORDERS_ID}" }}',
            # The value is shortened to 80 characters.
            'test.tfvars: identities.orders = {"name": "umi-orders", "resource_id": '
            '"/subscriptions/3f2b7c1e-8d4a-4b6e-9c0f-5…: set exactly one of name (an identity to '
            "create) and resource_id (an existing identity to federate)",
        ),
        (
            '{ key_vault_role = "Key Vault Secrets User" }',
            'test.tfvars: identities.orders = {"key_vault_role": "Key Vault Secrets User"}: set '
            "exactly one of name (an identity to create) and resource_id (an existing identity "
            "to federate)",
        ),
        (
            '{ resource_id = "umi-orders" }',
            'test.tfvars: identities.orders.resource_id = "umi-orders": Managed identity '
            "resource ID must be a user-assigned managed identity's resource ID such as "
            "'/subscriptions/<subscription id>/resourceGroups/<group>/providers/"
            "Microsoft.ManagedIdentity/userAssignedIdentities/<name>'",
        ),
    ],
    ids=["both", "neither", "not-an-id"],
)
def test_identity_is_named_or_given_by_resource_id(tmp_path, identity, expected) -> None:
    (line,) = _problems(tmp_path, _mappings(identity))
    assert line.endswith(expected), line


def test_wrong_kind_of_resource_id_is_rejected(tmp_path) -> None:
    subnet = ORDERS_ID.replace(
        "Microsoft.ManagedIdentity/userAssignedIdentities/umi-orders",
        "Microsoft.Network/virtualNetworks/vnet/subnets/orders",
    )
    (line,) = _problems(tmp_path, _mappings(f'{{ resource_id = "{subnet}" }}'))
    assert "identities.orders.resource_id" in line
    assert "must be a user-assigned managed identity's resource ID" in line


def test_one_existing_identity_is_named_once(tmp_path) -> None:
    text = f"""
identities = {{
  orders   = {{ resource_id = "{ORDERS_ID}" }}
  shipping = {{ resource_id = "{ORDERS_ID.replace("/resourceGroups/", "/resourcegroups/")}" }}
}}
workloads = {{
  orders   = {{ service_account = "orders-api", namespace = "orders", identity = "orders" }}
  shipping = {{ service_account = "shipping", namespace = "shipping", identity = "shipping" }}
}}
cluster_secret_stores = {{ azure-cluster-store = {{ workload = "orders" }} }}
"""
    (line,) = _problems(tmp_path, text)
    assert "is used by more than one identity; name each existing identity once" in line
    assert ORDERS_ID.lower() in line


def test_more_than_twenty_workloads_name_the_existing_identity(tmp_path) -> None:
    workloads = "\n".join(
        f'  w{i} = {{ service_account = "sa-{i}", namespace = "apps", identity = "orders" }}'
        for i in range(21)
    )
    text = f"""
identities = {{ orders = {{ resource_id = "{ORDERS_ID}" }} }}
workloads = {{
{workloads}
}}
cluster_secret_stores = {{ azure-cluster-store = {{ workload = "w0" }} }}
"""
    (line,) = _problems(tmp_path, text)
    assert "identities.orders (umi-orders) is used by 21 workloads" in line


# --- the construct ------------------------------------------------------------------------------


def _props(**values):
    from aks_workload_identity.identity import WorkloadIdentityProps

    return WorkloadIdentityProps(
        oidc_issuer_url="https://issuer.example/",
        federations=[Federation("apps-api", "apps", "api")],
        **values,
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"existing_identity_id": ORDERS_ID, "name": "umi-orders", "location": "westeurope"},
            "existing_identity_id excludes name, location: an existing identity is used as it is",
        ),
        ({"existing_identity_id": ORDERS_ID, "tags": {"a": "b"}}, "existing_identity_id excludes"),
        ({"existing_identity_id": "umi-orders"}, "Managed identity resource ID must be"),
        ({"name": "umi-app", "resource_group_name": "rg"}, "location required to create"),
        ({}, "name, resource_group_name, location required to create an identity"),
    ],
    ids=["existing-and-created", "existing-with-tags", "not-an-id", "no-location", "nothing"],
)
def test_props_create_or_bring_an_identity_never_both(values, message) -> None:
    with pytest.raises(ValueError, match=message):
        _props(**values)


def test_existing_identity_given_by_reference_is_split_by_terraform() -> None:
    from cdktf import TerraformStack, TerraformVariable, Testing

    from aks_workload_identity.identity import WorkloadIdentity
    from aks_workload_identity.providers import AzurermProvider, AzurermProviderFeatures

    stack = TerraformStack(Testing.app(), "platform")
    AzurermProvider(stack, "azurerm", features=[AzurermProviderFeatures()])
    given = TerraformVariable(stack, "identity_id", type="string")
    identity = WorkloadIdentity(stack, "orders", _props(existing_identity_id=given.string_value))
    assert identity.identity is None
    assert identity.existing_identity is not None
    document = json.loads(Testing.synth(stack))
    (lookup,) = document["data"]["azurerm_user_assigned_identity"].values()
    assert lookup == {
        "name": '${element(split("/", var.identity_id), 8)}',
        "resource_group_name": '${element(split("/", var.identity_id), 4)}',
    }
    (credential,) = resources(document, "azurerm_federated_identity_credential").values()
    assert credential["parent_id"] == "${var.identity_id}"
    assert credential["resource_group_name"] == lookup["resource_group_name"]
    assert "azurerm_user_assigned_identity" not in document.get("resource", {})


# --- existing service accounts ------------------------------------------------------------------


def test_existing_service_accounts_are_annotated_not_created(synth_of) -> None:
    synthesized = synth_of(EXAMPLE)
    identity, cluster = synthesized["identity"], synthesized["cluster"]
    created = {
        body["metadata"]["name"]
        for body in resources(cluster, "kubernetes_service_account_v1").values()
    }
    assert created == {"workload-identity-sa"}
    annotated = {
        body["metadata"]["name"]: body
        for body in resources(cluster, "kubernetes_annotations").values()
    }
    assert sorted(annotated) == ["orders-api", "orders-worker"]
    lookup_name, _ = _existing(identity)
    for body in annotated.values():
        assert (body["api_version"], body["kind"]) == ("v1", "ServiceAccount")
        # Literal: the namespace exists, so it is neither created nor referenced.
        assert body["metadata"]["namespace"] == "orders"
        assert "force" not in body
        annotations = body["annotations"]
        assert sorted(annotations) == [CLIENT_ID, "azure.workload.identity/tenant-id"]
        assert output_value(identity, annotations[CLIENT_ID]) == (
            f"${{data.azurerm_user_assigned_identity.{lookup_name}.client_id}}"
        )


def test_an_existing_service_accounts_namespace_is_not_created(synth_of) -> None:
    cluster = synth_of(EXAMPLE)["cluster"]
    namespaces = {
        body["metadata"]["name"] for body in resources(cluster, "kubernetes_namespace_v1").values()
    }
    assert namespaces == {"external-secrets"}


def test_existing_service_account_in_a_namespace_to_create_is_rejected(tmp_path) -> None:
    text = _mappings(f'{{ resource_id = "{ORDERS_ID}" }}').replace(
        'identity = "orders" }',
        'identity = "orders", create_namespace = true, create_service_account = false }',
    )
    (line,) = _problems(tmp_path, text)
    assert line.endswith(
        "workloads.orders: create_namespace = true, but create_service_account = false: an "
        "existing service account's namespace exists already"
    ), line
