"""The state keys: ``environment`` and ``remote_state``, their error lines and the state names
they derive."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from aks_workload_identity import rules
from aks_workload_identity.config import load_config
from aks_workload_identity.config_model import RemoteStateConfig, StateConfig
from tests.conftest import REQUIRED, config_problems, write_config

REMOTE = 'remote_state = {\n  storage_account_name = "sttfstate01"\n  container_name = "tfstate"\n'


def test_without_state_keys_the_state_is_local_with_the_names_before_environments(
    tmp_path,
) -> None:
    state = load_config(write_config(tmp_path, REQUIRED)).state

    assert state == StateConfig()
    assert state.local_file("identity") == "terraform.identity.tfstate"


def test_an_environment_names_the_local_files_and_the_remote_keys(tmp_path) -> None:
    text = f'{REQUIRED}environment = "prod"\n{REMOTE}  key_prefix = "teams/azwi"\n}}\n'
    state = load_config(write_config(tmp_path, text)).state

    assert state.local_file("cluster") == "terraform.prod.cluster.tfstate"
    assert state.remote_key("cluster") == "teams/azwi/prod/cluster.tfstate"
    assert state.remote == RemoteStateConfig("sttfstate01", "tfstate", key_prefix="teams/azwi")


def test_remote_keys_without_prefix_or_environment_are_the_stack_names() -> None:
    assert StateConfig(remote=RemoteStateConfig("a01", "tfstate")).remote_key("secrets") == (
        "secrets.tfstate"
    )


def test_each_bad_value_is_one_line(tmp_path) -> None:
    text = (
        f'{REQUIRED}environment = "Prod_1"\nremote_state = {{\n  storage_account_name = "St-tf"\n'
        '  container_name = "tf--state"\n  key_prefix = "/azwi/"\n  tenant_id = "nope"\n}\n'
    )

    lines = config_problems(write_config(tmp_path, text))

    assert lines == [
        f'{tmp_path}/test.tfvars: environment = "Prod_1": {rules.ENVIRONMENT_NAME.message} '
        '(try "prod-1")',
        f'{tmp_path}/test.tfvars: remote_state.storage_account_name = "St-tf": '
        f"{rules.STORAGE_ACCOUNT_NAME.message}",
        f'{tmp_path}/test.tfvars: remote_state.container_name = "tf--state": '
        f"{rules.STORAGE_CONTAINER_NAME.message}",
        f'{tmp_path}/test.tfvars: remote_state.key_prefix = "/azwi/": '
        f'{rules.STATE_KEY_PREFIX.message} (try "azwi")',
        f'{tmp_path}/test.tfvars: remote_state.tenant_id = "nope": {rules.UUID.message}',
    ]


def test_the_container_is_required(tmp_path) -> None:
    text = f'{REQUIRED}remote_state = {{ storage_account_name = "sttfstate01" }}\n'

    assert config_problems(write_config(tmp_path, text)) == [
        f"{tmp_path}/test.tfvars: remote_state.container_name: required key is missing"
    ]


def test_an_access_key_or_sas_token_is_refused_without_showing_it(tmp_path) -> None:
    key = "c2VjcmV0LXN0b3JhZ2Uta2V5LWRvLW5vdC1lY2hv"
    text = f'{REQUIRED}{REMOTE}  access_key = "{key}"\n  sas_token = "sv=2022"\n}}\n'

    lines = config_problems(write_config(tmp_path, text))

    hint = "sign in with az login, or set ARM_USE_OIDC and ARM_CLIENT_ID in the pipeline"
    assert lines == [
        f"{tmp_path}/test.tfvars: remote_state.{name}: not accepted: remote state is read with "
        f"Entra ID only (use_azuread_auth is always on) ({hint})"
        for name in ("access_key", "sas_token")
    ]
    assert not any(key in line or "sv=2022" in line for line in lines)


def test_use_azuread_auth_cannot_be_turned_off(tmp_path) -> None:
    text = f"{REQUIRED}{REMOTE}  use_azuread_auth = false\n}}\n"

    (line,) = config_problems(write_config(tmp_path, text))

    assert "remote_state.use_azuread_auth: not accepted" in line


SEGMENT = st.from_regex(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,9}", fullmatch=True)


@given(st.lists(SEGMENT, min_size=1, max_size=5))
def test_a_key_prefix_is_slash_separated_segments(segments) -> None:
    prefix = "/".join(segments)

    assert rules.STATE_KEY_PREFIX.ok(prefix)
    assert not rules.STATE_KEY_PREFIX.ok(f"/{prefix}")
    assert not rules.STATE_KEY_PREFIX.ok(f"{prefix}/")
    assert not rules.STATE_KEY_PREFIX.ok(prefix.replace("/", "//") if "/" in prefix else "a//b")
    assert not rules.STATE_KEY_PREFIX.ok(f"{prefix}/..")
