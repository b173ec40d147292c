"""Every Key Vault secret an ExternalSecret reads by name is seeded by the deployment, so every
shipped example deploys on a fresh subscription: no vault secret an ExternalSecret waits for is
missing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from aks_workload_identity.config import load_config
from tests.conftest import (
    EXAMPLE_CONFIG,
    EXAMPLES_DIR,
    PROJECT_DIR,
    REQUIRED,
    example_configs,
    example_id,
    first_cluster_stack,
    resources,
)

ONE_TO_ONE = EXAMPLES_DIR / "one-to-one.tfvars"
MANY_SECRETS = EXAMPLES_DIR / "many-secrets.tfvars"
ONE_TO_MANY = EXAMPLES_DIR / "one-to-many.tfvars"


def read_by_name(secrets_stack: dict[str, Any]) -> dict[str, bool]:
    """What the synthesized ExternalSecrets read by name: secret name → read by an extract."""
    found: dict[str, bool] = {}
    for body in resources(secrets_stack, "kubernetes_manifest").values():
        spec = body["manifest"]["spec"]
        for item in spec.get("data", []):
            found.setdefault(item["remoteRef"]["key"], False)
        for source in spec.get("dataFrom", []):
            if "extract" in source:
                found[source["extract"]["key"]] = True
    return found


def seeded(identity: dict[str, Any]) -> dict[str, bool]:
    """What the identity stack writes into the vault: secret name → holds a JSON object."""
    found = {}
    for body in resources(identity, "azurerm_key_vault_secret").values():
        if "for_each" in body:
            found |= {name: each["json"] for name, each in body["for_each"].items()}
        else:
            found[body["name"]] = body["value_wo"].startswith("${jsonencode(")
    return found


def placeholders(identity: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    (name, body), *others = (
        (n, b)
        for n, b in resources(identity, "azurerm_key_vault_secret").items()
        if "for_each" in b
    )
    assert not others
    return name, body


@pytest.mark.parametrize("path", example_configs(), ids=example_id)
def test_every_secret_an_example_reads_by_name_is_seeded_as_it_is_read(path: Path, synth_of):
    synthesized = synth_of(path)
    wanted = read_by_name(synthesized[first_cluster_stack(path, "secrets")])
    found = seeded(synthesized["identity"])
    if load_config(path).key_vault_resource_id:  # its secrets exist: none written unless asked
        assert found == {}
        return
    assert {name: found.get(name) for name in wanted} == wanted
    # Nothing else but the seed secret: a placeholder nobody reads would be clutter to rotate.
    assert len(set(found) - set(wanted)) <= 1
    assert load_config(path).key_vault_secret_name in found


def test_the_mapping_examples_need_placeholders_and_get_them(synth_of) -> None:
    for path, expected in (
        (ONE_TO_ONE, {"billing-db": True}),
        (MANY_SECRETS, {"orders-db-username": False, "orders-config": True, "payments-db": True}),
    ):
        _, body = placeholders(synth_of(path)["identity"])
        assert expected.items() <= {n: e["json"] for n, e in body["for_each"].items()}.items()


def test_placeholders_are_written_like_the_seed_secret(synth_of) -> None:
    identity = synth_of(MANY_SECRETS)["identity"]
    name, body = placeholders(identity)
    (values,) = (n for n, b in resources(identity, "random_password").items() if b.get("for_each"))
    password = resources(identity, "random_password")[values]
    assert password["for_each"] == body["for_each"]
    assert (password["length"], password["special"]) == (32, True)
    value = f"random_password.{values}[each.key].result"
    assert body["value_wo"] == (
        f'${{each.value.json ? jsonencode({{"placeholder" = {value}}}) : {value}}}'
    )
    assert "value" not in body
    # A fixed version: a value the user sets later is never written over.
    assert body["value_wo_version"] == 1
    assert body["name"] == "${each.key}"
    seed = next(
        b for b in resources(identity, "azurerm_key_vault_secret").values() if b is not body
    )
    assert body["depends_on"] == seed["depends_on"]  # after the deployer's RBAC wait
    assert body["key_vault_id"] == seed["key_vault_id"]
    assert body["content_type"] == "${each.value.content_type}"
    types = {n: e["content_type"] for n, e in body["for_each"].items()}
    assert types["orders-config"] == "application/json"
    assert types["orders-db-username"] == "text/plain"
    assert name.startswith("key-vault_placeholders_secrets_")


def test_find_names_no_secret_and_seeds_none(synth_of) -> None:
    identity = synth_of(ONE_TO_MANY)["identity"]
    assert [b["name"] for b in resources(identity, "azurerm_key_vault_secret").values()] == [
        "external-keyvault-secret"
    ]
    assert len(resources(identity, "random_password")) == 1


def _configured(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "placeholders.tfvars"
    path.write_text(REQUIRED + text)
    load_config(path)
    return path


def test_an_extracted_seed_secret_holds_a_json_object(tmp_path, synth_of) -> None:
    path = _configured(
        tmp_path,
        'external_secrets = [{ name = "app", namespace = "apps", '
        'data_from = [{ extract = { key = "external-keyvault-secret" } }] }]\n',
    )
    identity = synth_of(path)["identity"]
    ((password, _),) = resources(identity, "random_password").items()
    ((_, seed),) = resources(identity, "azurerm_key_vault_secret").items()
    assert seed["name"] == "external-keyvault-secret"
    assert seed["value_wo"] == (
        f'${{jsonencode({{"placeholder" = random_password.{password}.result}})}}'
    )
    assert seed["content_type"] == "application/json"


def test_placeholders_carry_the_configured_metadata(tmp_path, synth_of) -> None:
    path = _configured(
        tmp_path,
        'key_vault_secret_content_type = "application/x-password"\n'
        'key_vault_secret_expiration_date = "2027-06-30T00:00:00Z"\n'
        'external_secrets = [{ name = "app", namespace = "apps", '
        'data = [{ secret_key = "k", remote_key = "app-password" }] }]\n',
    )
    _, body = placeholders(synth_of(path)["identity"])
    assert body["for_each"] == {
        "app-password": {"content_type": "application/x-password", "json": False}
    }
    assert body["expiration_date"] == "2027-06-30T00:00:00Z"


def test_seeding_can_be_turned_off_for_a_vault_filled_between_stacks(tmp_path, synth_of) -> None:
    path = tmp_path / "unseeded.tfvars"
    path.write_text(MANY_SECRETS.read_text() + "key_vault_placeholder_secrets_enabled = false\n")
    identity = synth_of(path)["identity"]
    assert [b["name"] for b in resources(identity, "azurerm_key_vault_secret").values()] == [
        "external-keyvault-secret"
    ]
    assert not any("for_each" in b for b in resources(identity, "random_password").values())


def test_the_docs_say_the_secrets_are_seeded_and_how_to_rotate_them() -> None:
    deploy = (PROJECT_DIR / "docs" / "deploy.md").read_text()
    section = deploy.split("### Placeholder secrets", 1)[1].split("\n## ", 1)[0]
    for words in (
        "az keyvault secret set",
        "never reverted",
        "key_vault_placeholder_secrets_enabled = false",
        '{"placeholder":',
        "find",
    ):
        assert words in section, words
    assert re.search(r"secret retained due to DeletionPolicy=Retain", section)


def test_no_example_comment_says_a_secret_must_be_created_by_hand() -> None:
    for path in (EXAMPLE_CONFIG, *EXAMPLES_DIR.glob("*.tfvars")):
        assert "must exist in the vault" not in path.read_text(), path.name
