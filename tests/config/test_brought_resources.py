"""An existing vault (``key_vault_resource_id``) and an ESO already installed
(``eso_install_enabled = false``): the keys of what is then not created are errors, one line
each."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aks_workload_identity import brought_resources, rules
from aks_workload_identity.config import load_config
from tests.conftest import REQUIRED, config_problems, write_config

VAULT_ID = (
    "/subscriptions/5e2b8a39-0d1c-4d0c-9b7e-1f3a2c4d5e6f/resourceGroups/rg-platform-secrets"
    "/providers/Microsoft.KeyVault/vaults/kv-platform-shared"
)
EXISTING_VAULT = f'key_vault_resource_id = "{VAULT_ID}"\n'
SET_TO = {
    "key_vault_name_prefix": '"kv-other-"',
    "key_vault_purge_protection_enabled": "true",
    "key_vault_purge_on_destroy_enabled": "false",
    "key_vault_replacement_allowed": "true",
    "key_vault_prevent_destroy_enabled": "true",
    "key_vault_public_network_access_enabled": "true",
    "key_vault_allowed_ip_ranges": '["203.0.113.7"]',
    "key_vault_allowed_subnet_ids": "[]",
    "key_vault_rbac_propagation_wait": '"60s"',
    "key_vault_secret_content_type": '"text/plain"',
    "key_vault_secret_expiration_date": '"2027-12-31T00:00:00Z"',
    "eso_namespace": '"eso"',
    "eso_chart_version": '"2.9.0"',
    "eso_reinstall_allowed": "false",
    "eso_keep_crds_enabled": "true",
}


def _load(tmp_path: Path, text: str):
    return load_config(write_config(tmp_path, REQUIRED + text))


def _problems(tmp_path: Path, text: str) -> list[str]:
    return config_problems(write_config(tmp_path, REQUIRED + text))


@pytest.mark.parametrize("key", [*brought_resources.CREATED_VAULT_ONLY])
def test_a_created_vaults_key_is_an_error_with_an_existing_vault(tmp_path, key) -> None:
    (line,) = _problems(tmp_path, f"{EXISTING_VAULT}{key} = {SET_TO[key]}\n")
    assert f"{key} = " in line
    assert "applies only to what this deployment creates: key_vault_resource_id names an " in line
    assert line.endswith("(remove it)"), line


@pytest.mark.parametrize("key", [*brought_resources.WRITTEN_SECRETS_ONLY])
def test_a_written_secrets_key_needs_placeholders_in_an_existing_vault(tmp_path, key) -> None:
    (line,) = _problems(tmp_path, f"{EXISTING_VAULT}{key} = {SET_TO[key]}\n")
    assert "key_vault_placeholder_secrets_enabled is not true, so no secret is written" in line
    written = f"{EXISTING_VAULT}key_vault_placeholder_secrets_enabled = true\n"
    assert _load(
        tmp_path, f"{written}{key} = {SET_TO[key]}\n"
    ).key_vault_placeholder_secrets_enabled


@pytest.mark.parametrize("key", [*brought_resources.INSTALLED_ESO_ONLY])
def test_a_releases_key_is_an_error_without_installing_eso(tmp_path, key) -> None:
    (line,) = _problems(tmp_path, f"eso_install_enabled = false\n{key} = {SET_TO[key]}\n")
    assert f"{key} = " in line
    assert "eso_install_enabled = false: ESO is already installed, no release is made" in line


def test_every_such_key_gets_a_line_of_its_own(tmp_path) -> None:
    text = EXISTING_VAULT + "eso_install_enabled = false\n"
    text += "".join(f"{key} = {value}\n" for key, value in SET_TO.items())
    problems = _problems(tmp_path, text)
    assert len(problems) == len(SET_TO)
    for key, line in zip(SET_TO, problems, strict=True):
        assert f": {key} = " in line, line


def test_placeholders_default_to_the_vault_being_created(tmp_path) -> None:
    assert _load(tmp_path, "").key_vault_placeholder_secrets_enabled is True
    assert _load(tmp_path, EXISTING_VAULT).key_vault_placeholder_secrets_enabled is False
    chosen = "key_vault_placeholder_secrets_enabled = false\n"
    assert _load(tmp_path, chosen).key_vault_placeholder_secrets_enabled is False


def test_without_installing_eso_its_namespace_is_not_created(tmp_path) -> None:
    assert "external-secrets" in _load(tmp_path, "").namespaces.created
    text = 'eso_install_enabled = false\nexisting_namespaces = ["external-secrets"]\n'
    assert _load(tmp_path, text).namespaces.created == ()


def test_the_eso_charts_service_accounts_are_free_without_installing_it(tmp_path) -> None:
    taken = 'service_account_name = "external-secrets"\n'
    assert _problems(tmp_path, taken)
    assert _load(tmp_path, f"eso_install_enabled = false\n{taken}").eso_install_enabled is False


@pytest.mark.parametrize(
    "wrong",
    [
        VAULT_ID.replace("Microsoft.KeyVault/vaults", "Microsoft.KeyVault/managedHSMs"),
        VAULT_ID.replace("/subscriptions/5e2b8a39", "/subscriptions/nope"),
        VAULT_ID.replace("kv-platform-shared", "kv"),
        VAULT_ID + "/secrets/db",
    ],
)
def test_a_key_vault_resource_id_is_checked(tmp_path, wrong) -> None:
    (line,) = _problems(tmp_path, f'key_vault_resource_id = "{wrong}"\n')
    assert "key_vault_resource_id" in line
    assert "must be a Key Vault's resource ID" in line


@given(
    group=st.from_regex(r"[-A-Za-z0-9_.()]{0,20}[-A-Za-z0-9_()]", fullmatch=True),
    name=st.from_regex(r"[A-Za-z][-A-Za-z0-9]{1,22}[A-Za-z0-9]", fullmatch=True),
    spelling=st.sampled_from(["resourceGroups", "resourcegroups", "RESOURCEGROUPS"]),
)
def test_key_vault_ids_are_accepted_in_any_case(group, name, spelling) -> None:
    resource_id = VAULT_ID.replace("resourceGroups/rg-platform-secrets", f"{spelling}/{group}")
    resource_id = resource_id.replace("kv-platform-shared", name)
    assert rules.KEY_VAULT_ID.allows(resource_id)
    assert not rules.KEY_VAULT_ID.allows(resource_id + "/")


def test_the_seed_secrets_name_is_an_error_when_nothing_reads_it(tmp_path) -> None:
    named = 'key_vault_secret_name = "db-password"\n'
    assert _load(tmp_path, EXISTING_VAULT + named).key_vault_secret_name == "db-password"
    (line,) = _problems(tmp_path, f"{EXISTING_VAULT}{named}external_secrets = []\n")
    assert "key_vault_secret_name = " in line
    assert "gets no seed secret, and external_secrets replaces the walkthrough's" in line
