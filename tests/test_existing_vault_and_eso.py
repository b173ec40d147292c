"""An existing Key Vault and an ESO already installed: what the stacks then make, and what they
leave alone (the examples, synthesized)."""

from __future__ import annotations

import pytest

from aks_workload_identity.existing_key_vault import ExistingKeyVaultProps
from tests.conftest import EXAMPLES_DIR, REQUIRED, output_value, resources, write_config

VAULT_EXAMPLE = EXAMPLES_DIR / "existing-vault.tfvars"
ESO_EXAMPLE = EXAMPLES_DIR / "existing-eso.tfvars"
VAULT_ID = (
    "/subscriptions/5e2b8a39-0d1c-4d0c-9b7e-1f3a2c4d5e6f/resourceGroups/rg-platform-secrets"
    "/providers/Microsoft.KeyVault/vaults/kv-platform-shared"
)
LOOKUP = "data.azurerm_key_vault.key-vault_existing-vault_1123DD62"


def _lookup(identity: dict) -> dict:
    (found,) = identity["data"]["azurerm_key_vault"].values()
    return found


def test_an_existing_vault_is_read_and_nothing_of_it_is_created(synth_of) -> None:
    identity = synth_of(VAULT_EXAMPLE)["identity"]
    lookup = _lookup(identity)
    assert (lookup["name"], lookup["resource_group_name"]) == (
        "kv-platform-shared",
        "rg-platform-secrets",
    )
    for kind in (
        "azurerm_key_vault",
        "azurerm_key_vault_secret",
        "random_string",
    ):
        assert not resources(identity, kind), kind
    # No replacement guard: the only record is whose state this is (state_owner.py).
    assert [n for n in resources(identity, "terraform_data") if "state-owner" not in n] == []
    assert identity["output"]["key_vault_uri"]["value"] == f"${{{LOOKUP}.vault_uri}}"


def test_the_identitys_role_is_granted_on_the_existing_vault_and_nothing_else(synth_of) -> None:
    identity = synth_of(VAULT_EXAMPLE)["identity"]
    (role,) = resources(identity, "azurerm_role_assignment").values()
    assert role["scope"] == f"${{{LOOKUP}.id}}"
    assert role["role_definition_name"] == "Key Vault Secrets User"
    assert "azurerm_user_assigned_identity" in role["principal_id"]  # not the deployer


def test_the_store_reads_the_existing_vaults_uri(synth_of) -> None:
    synthesized = synth_of(VAULT_EXAMPLE)
    (store,) = [
        m["manifest"]
        for m in resources(synthesized["secrets"], "kubernetes_manifest").values()
        if m["manifest"]["kind"] == "ClusterSecretStore"
    ]
    url = store["spec"]["provider"]["azurekv"]["vaultUrl"]
    assert output_value(synthesized["identity"], url) == f"${{{LOOKUP}.vault_uri}}"


def test_the_vault_found_must_use_rbac_and_be_the_one_named(synth_of) -> None:
    conditions = [
        p["condition"]
        for p in _lookup(synth_of(VAULT_EXAMPLE)["identity"])["lifecycle"]["postcondition"]
    ]
    assert conditions == [
        "${self.rbac_authorization_enabled}",
        f'${{lower(self.id) == lower("{VAULT_ID}")}}',
    ]


def test_destroy_never_purges_in_an_existing_vault(synth_of) -> None:
    provider = synth_of(VAULT_EXAMPLE)["identity"]["provider"]["azurerm"][0]
    features = provider["features"][0]["key_vault"][0]
    assert features["purge_soft_delete_on_destroy"] is False
    assert features["purge_soft_deleted_secrets_on_destroy"] is False


def test_placeholders_in_an_existing_vault_only_when_asked(tmp_path, synth_of) -> None:
    asked = write_config(
        tmp_path,
        VAULT_EXAMPLE.read_text() + "key_vault_placeholder_secrets_enabled = true\n",
    )
    identity = synth_of(asked)["identity"]
    (secrets,) = resources(identity, "azurerm_key_vault_secret").values()
    assert set(secrets["for_each"]) == {"orders-db-password", "orders-db-username"}
    assert secrets["key_vault_id"] == f"${{{LOOKUP}.id}}"
    roles = {
        r["role_definition_name"]: r
        for r in resources(identity, "azurerm_role_assignment").values()
    }
    assert roles["Key Vault Secrets Officer"]["principal_id"] == (
        "${data.azurerm_client_config.client.object_id}"
    )
    assert roles["Key Vault Secrets Officer"]["scope"] == f"${{{LOOKUP}.id}}"


def test_the_walkthroughs_secret_is_no_seed_in_an_existing_vault(tmp_path, synth_of) -> None:
    text = REQUIRED + f'key_vault_resource_id = "{VAULT_ID}"\n'
    identity = synth_of(write_config(tmp_path, text))["identity"]
    assert not resources(identity, "azurerm_key_vault_secret")
    assert not resources(identity, "random_password")
    roles = resources(identity, "azurerm_role_assignment").values()
    assert [r["role_definition_name"] for r in roles] == ["Key Vault Secrets User"]


def test_without_installing_eso_no_release_and_no_namespace(synth_of) -> None:
    synthesized = synth_of(ESO_EXAMPLE)
    cluster = synthesized["cluster"]
    assert not resources(cluster, "helm_release")
    assert not resources(cluster, "kubernetes_namespace_v1")
    assert len(resources(cluster, "kubernetes_service_account_v1")) == 1
    kinds = sorted(
        m["manifest"]["kind"]
        for m in resources(synthesized["secrets"], "kubernetes_manifest").values()
    )
    assert kinds == ["ClusterSecretStore", "ExternalSecret"]


def test_an_existing_vault_props_check_the_id() -> None:
    with pytest.raises(ValueError, match="Key Vault resource ID must be a Key Vault's resource ID"):
        ExistingKeyVaultProps(resource_id=VAULT_ID.replace("vaults", "managedHSMs"))
    assert ExistingKeyVaultProps(resource_id="${var.vault_id}").deployer_object_id is None


def test_the_rehearsal_world_starts_with_the_existing_vault_and_eso(tmp_path) -> None:
    """What destroy must leave as it was (``rehearsal.checks.check_destroyed`` compares)."""
    from rehearsal import facts
    from rehearsal.rehearse import Rehearsal

    vault = Rehearsal(VAULT_EXAMPLE, tmp_path / "vault", tmp_path / "cli.tfrc")
    vault.prepare()
    made_up = facts.COMPUTED["azurerm_key_vault"](
        {"name": "kv-platform-shared", "resource_group_name": "rg-platform-secrets"}
    )
    assert made_up["id"].lower() == VAULT_ID.lower()  # the example's vault is the world's
    (seeded,) = vault.before["vaults"].values()
    assert sorted(seeded["secrets"]) == ["orders-db-password", "orders-db-username"]
    assert not vault.before["releases"]
    assert not vault.before["crds"]

    eso = Rehearsal(ESO_EXAMPLE, tmp_path / "eso", tmp_path / "cli.tfrc")
    eso.prepare()
    (release,) = eso.before["releases"].values()
    assert release == {"chart": "external-secrets", "namespace": "external-secrets"}
    assert {"ClusterSecretStore.external-secrets.io", "ExternalSecret.external-secrets.io"} <= set(
        eso.before["crds"]
    )
    assert "external-secrets" in eso.before["namespaces"]
