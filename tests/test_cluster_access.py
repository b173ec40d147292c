"""Behaviour: how the providers reach the cluster in each access mode, the OIDC issuer preflight,
clusters that are not AKS, and the self-managed workload identity webhook."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from aks_workload_identity.config import load_config
from aks_workload_identity.kubelogin import LOGIN_MODES
from tests.conftest import EXAMPLE_CONFIG, EXAMPLES_DIR, output_value, resources

KUBECONFIG_CONTEXT = EXAMPLES_DIR / "kubeconfig-context.tfvars"
AKS_ADMIN_CREDENTIALS = EXAMPLES_DIR / "aks-credentials.tfvars"
KUBELOGIN = EXAMPLES_DIR / "kubelogin.tfvars"
NON_AKS = EXAMPLES_DIR / "non-aks.tfvars"
KUBERNETES_STACKS = ("cluster", "secrets")
AKS_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"
EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"


@pytest.fixture(scope="session")
def user_credentials(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("configs") / "aks-user-credentials.tfvars"
    path.write_text(
        'aks_resource_group_name = "rg-aks-demo"\n'
        'aks_cluster_name = "aks-demo"\n'
        'kubernetes_auth = "aks_credentials"\n'
    )
    return path


def connections(stack: dict[str, Any]) -> list[dict[str, Any]]:
    """The kubernetes provider block and, where present, the helm provider's kubernetes object."""
    providers = stack["provider"]
    (kubernetes,) = providers["kubernetes"]
    found = [kubernetes]
    if "helm" in providers:
        (helm,) = providers["helm"]
        found.append(helm["kubernetes"])
    return found


def aks_lookup(stack: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The stack's single AKS data source (name, body)."""
    found = stack.get("data", {}).get("azurerm_kubernetes_cluster", {})
    assert len(found) == 1, f"expected one AKS data source, found {sorted(found)}"
    return next(iter(found.items()))


def without_exec(connection: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in connection.items() if k != "exec"}


def certificate_connection(data_source: str, credentials: str) -> dict[str, str]:
    config = f"data.azurerm_kubernetes_cluster.{data_source}.{credentials}[0]"
    return {
        "host": f"${{{config}.host}}",
        "cluster_ca_certificate": f"${{base64decode({config}.cluster_ca_certificate)}}",
        "client_certificate": f"${{base64decode({config}.client_certificate)}}",
        "client_key": f"${{base64decode({config}.client_key)}}",
    }


# --- kubeconfig --------------------------------------------------------------------------------


def test_kubeconfig_mode_reads_only_the_configured_file_and_context(synth_of, synth) -> None:
    for stack in KUBERNETES_STACKS:
        assert connections(synth[stack]) == [{"config_path": "~/.kube/config"}] * (
            2 if stack == "cluster" else 1
        )
        for connection in connections(synth_of(KUBECONFIG_CONTEXT)[stack]):
            assert connection == {
                "config_path": "~/.kube/aks-demo.config",
                "config_context": "aks-demo",
            }


def test_kubeconfig_mode_makes_no_azure_lookup_in_the_kubernetes_stacks(synth_of) -> None:
    for stack in KUBERNETES_STACKS:
        synthesized = synth_of(KUBECONFIG_CONTEXT)[stack]
        assert "azurerm" not in synthesized["provider"]
        assert "data" not in synthesized or "azurerm_kubernetes_cluster" not in synthesized["data"]


# --- aks_credentials ---------------------------------------------------------------------------


def test_aks_admin_credentials_come_from_kube_admin_config(synth_of) -> None:
    config = load_config(AKS_ADMIN_CREDENTIALS)
    for stack in KUBERNETES_STACKS:
        synthesized = synth_of(AKS_ADMIN_CREDENTIALS)[stack]
        name, lookup = aks_lookup(synthesized)
        assert (lookup["name"], lookup["resource_group_name"]) == (
            config.aks_cluster_name,
            config.aks_resource_group_name,
        )
        assert "azurerm" in synthesized["provider"]
        for connection in connections(synthesized):
            assert connection == certificate_connection(name, "kube_admin_config")
        (check,) = lookup["lifecycle"]["postcondition"]
        assert check["condition"] == (
            '${try(self.kube_admin_config[0].client_certificate, "") != ""}'
        )
        assert "local accounts" in check["error_message"]


def test_aks_user_credentials_come_from_kube_config_and_never_the_admin_one(
    synth_of, user_credentials
) -> None:
    for stack in KUBERNETES_STACKS:
        synthesized = synth_of(user_credentials)[stack]
        name, lookup = aks_lookup(synthesized)
        for connection in connections(synthesized):
            assert connection == certificate_connection(name, "kube_config")
        assert "kube_admin_config" not in json.dumps(synthesized)
        (check,) = lookup["lifecycle"]["postcondition"]
        assert check["condition"] == '${try(self.kube_config[0].client_certificate, "") != ""}'
        assert 'kubernetes_auth = "kubelogin"' in check["error_message"]


# --- kubelogin ---------------------------------------------------------------------------------


def test_kubelogin_takes_host_and_ca_from_the_cluster_and_a_token_from_kubelogin(synth_of) -> None:
    expected_exec = {
        "api_version": EXEC_API_VERSION,
        "command": "kubelogin",
        "args": ["get-token", "--login", "azurecli", "--server-id", AKS_SERVER_APP_ID],
    }
    for stack in KUBERNETES_STACKS:
        synthesized = synth_of(KUBELOGIN)[stack]
        name, _ = aks_lookup(synthesized)
        config = f"data.azurerm_kubernetes_cluster.{name}.kube_config[0]"
        kubernetes, *helm = connections(synthesized)
        # kubernetes 2.x: exec is a block list; helm 3.x: an object.
        assert kubernetes["exec"] == [expected_exec]
        for helm_connection in helm:
            assert helm_connection["exec"] == expected_exec
        for connection in connections(synthesized):
            assert without_exec(connection) == {
                "host": f"${{{config}.host}}",
                "cluster_ca_certificate": f"${{base64decode({config}.cluster_ca_certificate)}}",
            }


def test_kubelogin_mode_has_no_client_certificate_anywhere(synth_of) -> None:
    for stack in KUBERNETES_STACKS:
        text = json.dumps(synth_of(KUBELOGIN)[stack])
        assert "client_certificate" not in text
        assert "client_key" not in text
        assert "kube_admin_config" not in text


def test_kubelogin_preflight_names_the_role_the_deployer_lacks(synth_of) -> None:
    _, lookup = aks_lookup(synth_of(KUBELOGIN)["cluster"])
    (check,) = lookup["lifecycle"]["postcondition"]
    assert check["condition"] == '${try(self.kube_config[0].host, "") != ""}'
    assert "aks-prod" in check["error_message"]
    assert "Azure Kubernetes Service Cluster User Role" in check["error_message"]


@pytest.mark.parametrize("login_mode", LOGIN_MODES)
def test_every_kubelogin_login_mode_reaches_both_providers(login_mode: str) -> None:
    from aks_workload_identity.cdk import TerraformStack, Testing
    from aks_workload_identity.cluster import ClusterAccess, ClusterAccessProps

    stack = TerraformStack(Testing.app(), "access")
    ClusterAccess(
        stack,
        "access",
        ClusterAccessProps(
            kubernetes_auth="kubelogin",
            aks_cluster_name="aks-1",
            aks_resource_group_name="rg-1",
            kubelogin_login_mode=login_mode,
            helm_enabled=True,
        ),
    )
    synthesized = json.loads(Testing.synth(stack))
    kubernetes, helm = connections(synthesized)
    args = ["get-token", "--login", login_mode, "--server-id", AKS_SERVER_APP_ID]
    clients = synthesized.get("data", {}).get("azurerm_client_config", {})
    # kubelogin's spn and workloadidentity logins refuse to start without a tenant ID.
    if login_mode in ("spn", "workloadidentity"):
        (client,) = clients
        args += ["--tenant-id", f"${{data.azurerm_client_config.{client}.tenant_id}}"]
    else:
        assert not clients
    assert kubernetes["exec"][0]["args"] == args
    assert helm["exec"]["args"] == args


# --- the AKS cluster's OIDC issuer -------------------------------------------------------------


def test_oidc_issuer_preflight_fails_the_plan_with_the_fix(synth, config) -> None:
    identity = synth["identity"]
    name, lookup = aks_lookup(identity)
    (check,) = lookup["lifecycle"]["postcondition"]
    assert check["condition"] == "${self.oidc_issuer_enabled}"
    message = check["error_message"]
    assert f"AKS cluster {config.aks_cluster_name} " in message
    assert message.endswith(
        f"az aks update --resource-group {config.aks_resource_group_name} "
        f"--name {config.aks_cluster_name} --enable-oidc-issuer"
    )
    (credential,) = resources(identity, "azurerm_federated_identity_credential").values()
    assert credential["issuer"] == f"${{data.azurerm_kubernetes_cluster.{name}.oidc_issuer_url}}"


def test_identity_and_vault_default_to_the_clusters_resource_group_and_location(synth) -> None:
    identity = synth["identity"]
    name, lookup = aks_lookup(identity)
    for kind in ("azurerm_user_assigned_identity", "azurerm_key_vault"):
        for body in resources(identity, kind).values():
            assert body["resource_group_name"] == lookup["resource_group_name"]
            assert body["location"] == f"${{data.azurerm_kubernetes_cluster.{name}.location}}"


def test_resource_group_and_location_override_where_identity_and_vault_go(synth_of) -> None:
    config = load_config(KUBELOGIN)
    identity = synth_of(KUBELOGIN)["identity"]
    for kind in ("azurerm_user_assigned_identity", "azurerm_key_vault"):
        for body in resources(identity, kind).values():
            assert body["resource_group_name"] == config.resource_group_name
            assert body["location"] == config.location
    _, lookup = aks_lookup(identity)
    assert (
        lookup["resource_group_name"]
        == config.aks_resource_group_name
        != (config.resource_group_name)
    )


# --- clusters that are not AKS -----------------------------------------------------------------


def test_non_aks_cluster_makes_no_aks_lookup_in_any_stack(synth_of) -> None:
    synthesized = synth_of(NON_AKS)
    for name, stack in synthesized.items():
        assert "azurerm_kubernetes_cluster" not in json.dumps(stack.get("data", {})), name
        if name in KUBERNETES_STACKS:
            assert "azurerm" not in stack["provider"]
            for connection in connections(stack):
                assert connection == {"config_path": "~/.kube/config", "config_context": "k3s-lab"}


def test_non_aks_cluster_trusts_the_configured_issuer_and_places_resources_as_configured(
    synth_of,
) -> None:
    config = load_config(NON_AKS)
    identity = synth_of(NON_AKS)["identity"]
    (credential,) = resources(identity, "azurerm_federated_identity_credential").values()
    assert credential["issuer"] == config.oidc_issuer_url
    for kind in ("azurerm_user_assigned_identity", "azurerm_key_vault"):
        for body in resources(identity, kind).values():
            assert (body["resource_group_name"], body["location"]) == (
                config.resource_group_name,
                config.location,
            )


# --- the self-managed workload identity webhook ------------------------------------------------


def _release(cluster: dict[str, Any], chart: str) -> tuple[str, dict[str, Any]]:
    releases = resources(cluster, "helm_release").items()
    (found,) = [(name, body) for name, body in releases if body["chart"] == chart]
    return found


def test_webhook_is_installed_pinned_into_its_own_namespace_before_eso(synth_of) -> None:
    config = load_config(NON_AKS)
    cluster = synth_of(NON_AKS)["cluster"]
    webhook_name, webhook = _release(cluster, "workload-identity-webhook")
    assert webhook["repository"] == "https://azure.github.io/azure-workload-identity/charts"
    assert webhook["version"] == config.workload_identity_webhook_chart_version == "1.6.0"
    assert webhook["wait"] is True
    assert webhook["create_namespace"] is False
    namespaces = resources(cluster, "kubernetes_namespace_v1")
    namespace_resource = webhook["namespace"].split(".")[1]
    assert namespaces[namespace_resource]["metadata"]["name"] == (
        config.workload_identity_webhook_namespace
    )
    _, operator = _release(cluster, "external-secrets")
    assert operator["depends_on"] == [f"helm_release.{webhook_name}"]


def test_webhook_gets_the_tenant_of_the_identity_stack(synth_of) -> None:
    synthesized = synth_of(NON_AKS)
    _, webhook = _release(synthesized["cluster"], "workload-identity-webhook")
    (values,) = webhook["values"]
    tenant = yaml.safe_load(values)["azureTenantID"]
    assert output_value(synthesized["identity"], tenant) == (
        "${data.azurerm_client_config.client.tenant_id}"
    )


def test_no_webhook_by_default(synth) -> None:
    cluster = synth["cluster"]
    assert [b["chart"] for b in resources(cluster, "helm_release").values()] == ["external-secrets"]
    _, operator = _release(cluster, "external-secrets")
    assert "depends_on" not in operator


def test_examples_cover_every_access_mode() -> None:
    configs = (EXAMPLE_CONFIG, *EXAMPLES_DIR.glob("*.tfvars"))
    modes = {load_config(path).kubernetes_auth for path in configs}
    assert modes == {"kubeconfig", "aks_credentials", "kubelogin"}
