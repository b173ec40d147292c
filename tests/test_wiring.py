"""Behaviour: the resources are wired to each other the way the walkthrough needs, in both
flavours (``synth`` here is the example synthesized by cdktf, then by cdktn)."""

from __future__ import annotations

import json
import re

import pytest

from aks_workload_identity.settings import Settings
from aks_workload_identity.variables import DECLARED_WHEN_SET
from tests.conftest import (
    EXAMPLE_CONFIG,
    PROJECT_DIR,
    example_configs,
    example_id,
    one_block,
    only,
    output_value,
    resources,
)

SECRETS_USER = "Key Vault Secrets User"
SECRETS_OFFICER = "Key Vault Secrets Officer"
# How a federated credential names its identity: azurerm 4 (cdktf) and azurerm 5 (cdktn).
CREDENTIAL_IDENTITY = {"cdktf": "parent_id", "cdktn": "user_assigned_identity_id"}


@pytest.fixture(params=["cdktf", "cdktn"])
def flavour(request) -> str:
    return request.param


@pytest.fixture
def synth(flavour, synth_of, cdktn_synth):
    return synth_of(EXAMPLE_CONFIG) if flavour == "cdktf" else cdktn_synth[EXAMPLE_CONFIG]


def _namespace_name(cluster: dict, reference: str) -> str:
    match = re.fullmatch(r"\$\{kubernetes_namespace_v1\.([^.]+)\.metadata\[0\]\.name\}", reference)
    if not match:
        return reference
    return one_block(resources(cluster, "kubernetes_namespace_v1")[match[1]]["metadata"])["name"]


def test_federated_credential_trusts_the_annotated_service_account(synth, flavour) -> None:
    identity, cluster = synth["identity"], synth["cluster"]
    _, credential = only(identity, "azurerm_federated_identity_credential")
    _, service_account = only(cluster, "kubernetes_service_account_v1")
    metadata = service_account["metadata"]
    namespace = _namespace_name(cluster, metadata["namespace"])
    assert credential["subject"] == f"system:serviceaccount:{namespace}:{metadata['name']}"
    assert credential["audience"] == ["api://AzureADTokenExchange"]
    (cluster_name,) = identity["data"]["azurerm_kubernetes_cluster"]
    assert credential["issuer"] == (
        f"${{data.azurerm_kubernetes_cluster.{cluster_name}.oidc_issuer_url}}"
    )
    identity_name, _ = only(identity, "azurerm_user_assigned_identity")
    assert credential[CREDENTIAL_IDENTITY[flavour]] == (
        f"${{azurerm_user_assigned_identity.{identity_name}.id}}"
    )


def test_service_account_annotation_is_the_identity_client_id(synth) -> None:
    identity, cluster = synth["identity"], synth["cluster"]
    identity_name, _ = only(identity, "azurerm_user_assigned_identity")
    _, service_account = only(cluster, "kubernetes_service_account_v1")
    annotations = service_account["metadata"]["annotations"]
    client_id = annotations["azure.workload.identity/client-id"]
    assert output_value(identity, client_id) == (
        f"${{azurerm_user_assigned_identity.{identity_name}.client_id}}"
    )
    tenant_id = annotations["azure.workload.identity/tenant-id"]
    assert output_value(identity, tenant_id) == "${data.azurerm_client_config.client.tenant_id}"


def _manifests(secrets: dict, kind: str) -> list[dict]:
    return [
        body["manifest"]
        for body in resources(secrets, "kubernetes_manifest").values()
        if body["manifest"]["kind"] == kind
    ]


def test_store_reads_the_vault_as_the_service_account_with_the_tenant_set_once(synth) -> None:
    identity, cluster, secrets = synth["identity"], synth["cluster"], synth["secrets"]
    vault_name, _ = only(identity, "azurerm_key_vault")
    (store,) = _manifests(secrets, "ClusterSecretStore")
    azurekv = store["spec"]["provider"]["azurekv"]
    assert azurekv["authType"] == "WorkloadIdentity"
    assert output_value(identity, azurekv["vaultUrl"]) == (
        f"${{azurerm_key_vault.{vault_name}.vault_uri}}"
    )
    _, service_account = only(cluster, "kubernetes_service_account_v1")
    assert azurekv["serviceAccountRef"] == {
        "name": service_account["metadata"]["name"],
        "namespace": _namespace_name(cluster, service_account["metadata"]["namespace"]),
    }
    # ESO fails with "multiple tenantID found" when both carry the tenant.
    assert "tenantId" not in azurekv
    assert "azure.workload.identity/tenant-id" in service_account["metadata"]["annotations"]


def test_external_secret_syncs_the_seed_secret_through_the_store(synth, config) -> None:
    identity, secrets = synth["identity"], synth["secrets"]
    (store,) = _manifests(secrets, "ClusterSecretStore")
    (external_secret,) = _manifests(secrets, "ExternalSecret")
    spec = external_secret["spec"]
    assert spec["secretStoreRef"] == {
        "kind": "ClusterSecretStore",
        "name": store["metadata"]["name"],
    }
    assert spec["refreshInterval"] == "1m"
    assert spec["target"]["creationPolicy"] == "Owner"
    _, seed = only(identity, "azurerm_key_vault_secret")
    assert spec["data"] == [
        {
            "secretKey": config.variable_values["external_secret_key"],
            "remoteRef": {"key": seed["name"]},
        }
    ]
    assert seed["name"] == "external-keyvault-secret"
    assert external_secret["metadata"]["namespace"] == "default"


def test_every_manifest_uses_the_served_v1_api_and_waits_for_ready(synth) -> None:
    manifests = resources(synth["secrets"], "kubernetes_manifest")
    assert len(manifests) == 2
    for body in manifests.values():
        assert body["manifest"]["apiVersion"] == "external-secrets.io/v1"
        assert body["wait"] == {"condition": [{"status": "True", "type": "Ready"}]}


def test_external_secret_is_created_after_its_store(synth) -> None:
    manifests = resources(synth["secrets"], "kubernetes_manifest")
    store = next(n for n, b in manifests.items() if b["manifest"]["kind"] == "ClusterSecretStore")
    for body in manifests.values():
        if body["manifest"]["kind"] == "ExternalSecret":
            assert f"kubernetes_manifest.{store}" in body["depends_on"]


def test_roles_are_least_privilege_and_scoped_to_the_vault(synth) -> None:
    identity = synth["identity"]
    vault_name, _ = only(identity, "azurerm_key_vault")
    identity_name, _ = only(identity, "azurerm_user_assigned_identity")
    by_principal = {
        body["principal_id"]: body
        for body in resources(identity, "azurerm_role_assignment").values()
    }
    workload = by_principal[f"${{azurerm_user_assigned_identity.{identity_name}.principal_id}}"]
    deployer = by_principal["${data.azurerm_client_config.client.object_id}"]
    assert workload["role_definition_name"] == SECRETS_USER
    assert workload["principal_type"] == "ServicePrincipal"
    assert deployer["role_definition_name"] == SECRETS_OFFICER
    for body in by_principal.values():
        assert body["scope"] == f"${{azurerm_key_vault.{vault_name}.id}}"
    assert len(by_principal) == 2


def test_key_vault_is_rbac_standard_seven_day_soft_delete_without_purge_protection(synth) -> None:
    identity = synth["identity"]
    _, vault = only(identity, "azurerm_key_vault")
    suffix_name, suffix = only(identity, "random_string")
    assert vault["rbac_authorization_enabled"] is True
    assert "enable_rbac_authorization" not in vault
    assert vault["sku_name"] == "standard"
    assert vault["soft_delete_retention_days"] == 7
    assert vault["purge_protection_enabled"] is False
    assert vault["name"] == f"kv-azwi-eso-${{random_string.{suffix_name}.result}}"
    assert suffix["length"] == 5
    assert suffix["upper"] is False
    assert suffix["special"] is False


def test_seed_secret_waits_for_rbac_and_holds_no_literal_value(synth) -> None:
    identity = synth["identity"]
    _, seed = only(identity, "azurerm_key_vault_secret")
    sleep_name, sleep = next(
        (n, b)
        for n, b in resources(identity, "time_sleep").items()
        if "role_assignment_id" in b.get("triggers", {})
    )
    assert seed["depends_on"] == [f"time_sleep.{sleep_name}"]
    deployer = next(
        n
        for n, b in resources(identity, "azurerm_role_assignment").items()
        if b["role_definition_name"] == SECRETS_OFFICER
    )
    assert sleep["triggers"]["role_assignment_id"] == f"${{azurerm_role_assignment.{deployer}.id}}"
    assert "value" not in seed
    password_name, _ = only(identity, "random_password")
    assert seed["value_wo"] == f"${{random_password.{password_name}.result}}"
    assert seed["value_wo_version"] == 1


def test_deploy_waits_out_rbac_propagation_and_esos_retries_by_default(synth) -> None:
    # Microsoft documents up to 10 minutes for RBAC; ESO's backoff retries at ~255 s, then ~511 s.
    (rbac_wait,) = [
        b
        for b in resources(synth["identity"], "time_sleep").values()
        if "role_assignment_id" in b["triggers"]
    ]
    assert rbac_wait["create_duration"] == "300s"
    manifests = resources(synth["secrets"], "kubernetes_manifest").values()
    assert {m["manifest"]["kind"] for m in manifests} == {"ClusterSecretStore", "ExternalSecret"}
    for body in manifests:
        assert body["timeouts"] == {"create": "10m", "update": "10m"}, body["manifest"]["kind"]


def test_both_waits_are_configurable(tmp_path, synth_of) -> None:
    path = tmp_path / "waits.tfvars"
    path.write_text(
        (PROJECT_DIR / "my.auto.tfvars.example").read_text()
        + 'key_vault_rbac_propagation_wait = "600s"\neso_ready_timeout = "16m"\n'
    )
    synthesized = synth_of(path)
    waits = {
        b["create_duration"]
        for b in resources(synthesized["identity"], "time_sleep").values()
        if "role_assignment_id" in b["triggers"]
    }
    assert waits == {"600s"}
    for body in resources(synthesized["secrets"], "kubernetes_manifest").values():
        assert body["timeouts"] == {"create": "16m", "update": "16m"}


def test_federated_credential_propagation_is_awaited(synth) -> None:
    identity = synth["identity"]
    credential_name, _ = only(identity, "azurerm_federated_identity_credential")
    waits = [
        b
        for b in resources(identity, "time_sleep").values()
        if "role_assignment_id" not in b.get("triggers", {})
    ]
    assert len(waits) == 1
    assert list(waits[0]["triggers"].values()) == [
        f"${{azurerm_federated_identity_credential.{credential_name}.id}}"
    ]


def test_helm_release_is_pinned_with_crds_waits_and_uses_the_created_namespace(synth) -> None:
    cluster = synth["cluster"]
    _, release = only(cluster, "helm_release")
    assert release["chart"] == "external-secrets"
    assert release["repository"] == "https://charts.external-secrets.io"
    assert re.fullmatch(r"2\.\d+\.\d+", release["version"])
    assert release["wait"] is True
    assert release["create_namespace"] is False
    assert "installCRDs: true" in release["values"][0]
    assert _namespace_name(cluster, release["namespace"]) == "external-secrets"
    assert release["namespace"].startswith("${kubernetes_namespace_v1.")


def test_namespaces_are_created_except_built_in_ones(synth) -> None:
    names = [
        one_block(b["metadata"])["name"]
        for b in resources(synth["cluster"], "kubernetes_namespace_v1").values()
    ]
    assert names == ["external-secrets"]


def test_every_config_key_is_a_variable_in_every_stack(synth, config) -> None:
    values = config.variable_values
    for stack in synth.values():
        declared = stack["variable"]
        for key in Settings.model_fields:
            if key in DECLARED_WHEN_SET and values[key] is None:
                assert key not in declared, key
                continue
            assert declared[key]["default"] == values[key], key  # None: unset, declared as null
            *rule_checks, staleness = declared[key]["validation"]
            assert staleness["condition"].startswith(f"${{jsonencode(var.{key}) == ")
            assert all(f"var.{key}" in check["condition"] for check in rule_checks)


def test_stacks_keep_state_in_the_project_directory(synth) -> None:
    for name, stack in synth.items():
        assert stack["terraform"]["backend"] == {
            "local": {"path": f"../../../terraform.{name}.tfstate"}
        }


@pytest.mark.parametrize("path", example_configs(), ids=example_id)
def test_every_stack_requires_a_terraform_with_write_only_arguments(path, synth_of) -> None:
    for name, stack in synth_of(path).items():
        assert stack["terraform"]["required_version"] == ">= 1.11", name


def test_stack_dependencies_order_deploy_and_destroy(tmp_path) -> None:
    from aks_workload_identity.cdk import App
    from aks_workload_identity.config import load_config
    from aks_workload_identity.stacks import build_stacks

    app = App(outdir=str(tmp_path))
    build_stacks(app, load_config(PROJECT_DIR / "my.auto.tfvars.example"))
    app.synth()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    dependencies = {name: set(s["dependencies"]) for name, s in manifest["stacks"].items()}
    assert dependencies == {
        "identity": set(),
        "cluster": {"identity"},
        "secrets": {"cluster", "identity"},
    }
    # In the real synth the client ID crosses stacks through the identity stack's state.
    identity = json.loads((tmp_path / "stacks/identity/cdk.tf.json").read_text())
    cluster = json.loads((tmp_path / "stacks/cluster/cdk.tf.json").read_text())
    (remote,) = cluster["data"]["terraform_remote_state"].values()
    assert remote["config"] == {"path": "../../../terraform.identity.tfstate"}
    service_account = next(iter(cluster["resource"]["kubernetes_service_account_v1"].values()))
    client_id = service_account["metadata"]["annotations"]["azure.workload.identity/client-id"]
    assert output_value(identity, client_id).endswith(".client_id}")
    assert "data.terraform_remote_state" in client_id
