"""Configuration edits that would delete user data are refused, proven with the rehearsal (real
cdktf and Terraform; see ``rehearsal/changes.py``), and the switches that allow them on purpose."""

from __future__ import annotations

from tests.conftest import EXAMPLE_CONFIG, EXAMPLES_DIR, only, resources, synth_config


def _guard_record(stack: dict) -> dict:
    """The vault's replacement guard record (each stack also has its state-owner record)."""
    return resources(stack, "terraform_data")["key-vault_replacement-guard_record_AB75A0D8"]


def test_a_config_edit_does_not_lose_data(background_rehearsals) -> None:
    """On the deployed default configuration: a new vault name prefix with a change of case of
    the resource group (each named) and a new ESO namespace are refused while planning, naming
    what and the key, and nothing changes; with key_vault_replacement_allowed the vault is
    replaced; then the destroy leaves nothing (``rehearsal.changes.data_safety_edits``)."""
    rehearsal = background_rehearsals[EXAMPLE_CONFIG, "cdktf"].result(timeout=600)
    refused = [s for s in rehearsal.steps if s.returncode != 0]
    assert len(refused) == 2


def test_the_vault_is_guarded_unless_replacement_is_allowed(synth) -> None:
    _, vault = only(synth["identity"], "azurerm_key_vault")
    (check,) = vault["lifecycle"]["precondition"]
    assert "key_vault_replacement_allowed = true" in check["error_message"]
    record = _guard_record(synth["identity"])
    assert record["lifecycle"] == {"ignore_changes": ["input"]}
    assert set(record["input"]) == {"name", "name_prefix", "resource_group_name", "location"}
    assert "prevent_destroy" not in vault["lifecycle"]  # a demo destroys cleanly


def test_production_protects_the_vault_from_any_delete() -> None:
    _, vault = only(
        synth_config(EXAMPLES_DIR / "hardened-key-vault.tfvars")["identity"], "azurerm_key_vault"
    )
    assert vault["lifecycle"]["prevent_destroy"] is True


def test_an_allowed_replacement_records_the_new_values(tmp_path) -> None:
    from aks_workload_identity.config import load_config

    config = EXAMPLES_DIR.parent / "my.auto.tfvars.example"
    allowed = tmp_path / "allowed.tfvars"
    allowed.write_text(config.read_text() + "\nkey_vault_replacement_allowed = true\n")
    assert load_config(allowed).key_vault_replacement_allowed is True
    stack = synth_config(allowed)["identity"]
    _, vault = only(stack, "azurerm_key_vault")
    assert "precondition" not in vault.get("lifecycle", {})
    record = _guard_record(stack)
    # Replaced with the vault, so the next deploy guards the new values.
    assert record["triggers_replace"] == {
        key: record["input"][key] for key in ("name_prefix", "resource_group_name", "location")
    }


def test_shared_clusters_can_keep_esos_crds(tmp_path) -> None:
    config = EXAMPLES_DIR.parent / "my.auto.tfvars.example"
    kept = tmp_path / "kept.tfvars"
    kept.write_text(config.read_text() + "\neso_keep_crds_enabled = true\n")
    _, release = only(synth_config(kept)["cluster"], "helm_release")
    assert "helm.sh/resource-policy: keep" in release["values"][0]
    _, default = only(synth_config(config)["cluster"], "helm_release")
    assert "resource-policy" not in default["values"][0]
    (check,) = default["lifecycle"]["precondition"]
    assert "eso_reinstall_allowed = true" in check["error_message"]
