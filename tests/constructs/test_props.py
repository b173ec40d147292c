"""The construct layer on its own: Props report every problem at once, and no construct module
reads the app's configuration."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import PROJECT_DIR

PACKAGE = PROJECT_DIR / "constructs" / "aks_workload_identity"
CONSTRUCTS = (
    "identity",
    "key_vault",
    "placeholders",
    "replacement_guard",
    "cluster",
    "namespaces",
    "namespace_guard",
    "service_account",
    "helm_chart",
    "external_secrets",
    "workload_identity_webhook",
)
CONFIGURATION = {
    "config",
    "config_model",
    "cross_checks",
    "entry_settings",
    "settings",
    "settings_fields",
    "tfvars",
    "walkthrough",
}


def _imported(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n.removeprefix("aks_workload_identity.") for n in names}
    return found


@pytest.mark.parametrize("module", CONSTRUCTS)
def test_constructs_import_no_configuration_module(module) -> None:
    assert not _imported(module) & CONFIGURATION


def test_props_report_every_problem_at_once() -> None:
    from aks_workload_identity.external_secrets import ClusterSecretStoreProps

    with pytest.raises(ValueError, match="ClusterSecretStore 'Store_1'") as caught:
        ClusterSecretStoreProps(
            name="Store_1", vault_url="http://vault", service_account="sa", namespace="Apps"
        )
    message = str(caught.value)
    for field_name in ("name = 'Store_1'", "vault_url = 'http://vault'", "namespace = 'Apps'"):
        assert field_name in message
    assert message.count("; ") == 2


def test_a_store_widened_by_labels_checks_their_syntax() -> None:
    from aks_workload_identity.external_secrets import ClusterSecretStoreProps

    fine = {"name": "store", "vault_url": "https://v.vault.azure.net/", "service_account": "sa"}
    ClusterSecretStoreProps(**fine, namespace="apps", serves_labelled={"example.com/team": ""})
    with pytest.raises(ValueError, match="ClusterSecretStore 'store'") as caught:
        ClusterSecretStoreProps(**fine, namespace="apps", serves_labelled={"-team": "a b"})
    message = str(caught.value)
    assert "serves_labelled = '-team'" in message
    assert "serves_labelled['-team'] = 'a b'" in message


def test_a_namespace_is_created_or_forgotten_and_only_a_created_one_labelled() -> None:
    from aks_workload_identity.namespaces import NamespacesProps

    with pytest.raises(ValueError, match=r"\['orders'\] both created and forgotten"):
        NamespacesProps(created=["orders"], forgotten=["orders", "payments"])
    with pytest.raises(ValueError, match=r"labelled \['billing'\] are not created"):
        NamespacesProps(created=["orders"], labelled=["billing"])
