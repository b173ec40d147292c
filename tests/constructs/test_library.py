"""The constructs as a library: props validated up front, and examples/library_usage.py runs."""

from __future__ import annotations

import importlib.util
import json
import os

import pytest

from aks_workload_identity.federation import Federation
from aks_workload_identity.secret_data import DataItem, Extract, Find
from tests.conftest import EXAMPLES_DIR, only, output_value, resources


def _identity_props(federations, **overrides):
    from aks_workload_identity.identity import WorkloadIdentityProps

    values = {
        "name": "umi-app",
        "resource_group_name": "rg",
        "location": "westeurope",
        "oidc_issuer_url": "https://issuer.example/",
        "federations": federations,
        **overrides,
    }
    return WorkloadIdentityProps(**values)


def _federations(count: int) -> list[Federation]:
    return [Federation(f"apps-sa-{i}", "apps", f"sa-{i}") for i in range(count)]


def test_identity_takes_up_to_twenty_federations() -> None:
    assert len(_identity_props(_federations(20)).federations) == 20


@pytest.mark.parametrize(
    ("federations", "overrides", "message"),
    [
        (_federations(21), {}, "21 federated credentials, Azure allows at most 20 per identity"),
        ([], {}, "at least one federation is required"),
        (_federations(1) * 2, {}, "federated credential names must be unique"),
        (
            [Federation("one", "apps", "sa"), Federation("two", "apps", "sa")],
            {},
            "each service account can be federated once",
        ),
        (
            [Federation("x", "apps", "sa")],
            {},
            "credential 'x': Federated credential name must be 3-120",
        ),
        (_federations(1), {"name": "u"}, "name must be 3-128 characters"),
        (_federations(1), {"propagation_wait": "soon"}, "'soon': Duration must be a Go duration"),
    ],
    ids=["21", "none", "same-name", "same-subject", "credential-name", "name", "wait"],
)
def test_identity_props_are_validated(federations, overrides, message) -> None:
    with pytest.raises(ValueError, match=message):
        _identity_props(federations, **overrides)


def test_identity_props_accept_values_known_only_at_apply_time() -> None:
    props = _identity_props(_federations(1), name="${var.identity_name}")
    assert props.name == "${var.identity_name}"


def _external_secret_props(**overrides):
    from aks_workload_identity.external_secrets import ExternalSecretProps

    values = {"name": "app", "namespace": "apps", "store": "store", **overrides}
    return ExternalSecretProps(**values)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "needs data, data_from or both"),
        ({"data_from": [Find()]}, "Find needs name_regexp, tags or both"),
        ({"data_from": [Find(name_regexp="(?<=x)")]}, "RE2"),
        ({"data_from": ["extract me"]}, "data_from takes Extract and Find"),
        ({"data": [DataItem("k", "a"), DataItem("k", "b")]}, "each secret_key can appear once"),
        ({"data": [DataItem("k/v", "a")]}, "'k/v': Kubernetes Secret key must be 1-253"),
        ({"data_from": [Extract("a")], "refresh_interval": "1 minute"}, "refresh_interval"),
        ({"data_from": [Extract("a")], "namespace": "Apps"}, "namespace = 'Apps'"),
        ({"data_from": [Extract("a")], "ready_timeout": "ten minutes"}, "ready_timeout"),
    ],
    ids=[
        "empty",
        "empty-find",
        "lookbehind",
        "not-a-source",
        "twice",
        "key",
        "interval",
        "ns",
        "timeout",
    ],
)
def test_external_secret_props_are_validated(overrides, message) -> None:
    with pytest.raises(ValueError, match=message):
        _external_secret_props(**overrides)


def test_external_secret_defaults_to_esos_refresh_interval() -> None:
    assert _external_secret_props(data_from=[Extract("a")]).refresh_interval == "1h"


def test_store_and_service_account_props_are_validated() -> None:
    from aks_workload_identity.external_secrets import ClusterSecretStoreProps
    from aks_workload_identity.service_account import WorkloadServiceAccountProps

    with pytest.raises(ValueError, match="vault_url = 'http://vault': URL must be an https:// URL"):
        ClusterSecretStoreProps("store", "http://vault", "sa", "apps")
    with pytest.raises(ValueError, match="ready_timeout = '5 min': Duration must be a Go"):
        ClusterSecretStoreProps("store", "https://vault/", "sa", "apps", ready_timeout="5 min")
    with pytest.raises(ValueError, match="client_id = 'app': UUID must be 32 hexadecimal digits"):
        WorkloadServiceAccountProps("sa", "apps", "app", "${var.tenant}")


def _library_example():
    path = EXAMPLES_DIR / "library_usage.py"
    spec = importlib.util.spec_from_file_location("library_usage", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_library_example_synthesizes_a_wired_stack_of_its_own() -> None:
    from aks_workload_identity.cdk import Testing

    platform, apps = _library_example().build(Testing.app())
    azure = json.loads(Testing.synth(platform))
    cluster = json.loads(Testing.synth(apps))

    identity_name, _ = only(azure, "azurerm_user_assigned_identity")
    credentials = resources(azure, "azurerm_federated_identity_credential").values()
    assert sorted(c["subject"] for c in credentials) == [
        "system:serviceaccount:orders:orders-api",
        "system:serviceaccount:orders:orders-worker",
    ]
    assert sum("depends_on" in c for c in credentials) == 1
    roles = resources(azure, "azurerm_role_assignment").values()
    assert {
        "principal_id": f"${{azurerm_user_assigned_identity.{identity_name}.principal_id}}",
        "role": "Key Vault Secrets User",
    } in [{"principal_id": r["principal_id"], "role": r["role_definition_name"]} for r in roles]

    accounts = resources(cluster, "kubernetes_service_account_v1").values()
    assert len(accounts) == 2
    for account in accounts:
        client_id = account["metadata"]["annotations"]["azure.workload.identity/client-id"]
        assert output_value(azure, client_id) == (
            f"${{azurerm_user_assigned_identity.{identity_name}.client_id}}"
        )
    manifests = {
        b["manifest"]["kind"]: b for b in resources(cluster, "kubernetes_manifest").values()
    }
    vault_name, _ = only(azure, "azurerm_key_vault")
    store = manifests["ClusterSecretStore"]
    assert store["manifest"]["spec"]["provider"]["azurekv"]["vaultUrl"] == (
        f"${{azurerm_key_vault.{vault_name}.vault_uri}}"
    )
    assert store["depends_on"][0].startswith("kubernetes_service_account_v1.")
    spec = manifests["ExternalSecret"]["manifest"]["spec"]
    assert spec["secretStoreRef"]["name"] == store["manifest"]["metadata"]["name"]
    assert spec["dataFrom"] == [{"find": {"tags": {"team": "orders"}}}]
    assert spec["data"] == [{"secretKey": "password", "remoteRef": {"key": "orders-db-password"}}]


def test_importing_the_package_leaves_the_environment_alone() -> None:
    """The jsii runtime is set up by an explicit call (the app's, or a library user's)."""
    import subprocess
    import sys

    code = (
        "import os; before = dict(os.environ); "
        "import aks_workload_identity.config, aks_workload_identity.runtime; "
        "assert dict(os.environ) == before, 'an import changed the environment'"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("NODE_OPTIONS", "JSII_NODE")}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
