"""Loading the tfvars file: defaults, literal parsing, and every kind of configuration error."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

import pytest

from aks_workload_identity import config as config_module
from aks_workload_identity import rules
from aks_workload_identity.config import load_config, load_from_environment, resolve_config_path
from aks_workload_identity.settings import Settings
from tests.conftest import REQUIRED, config_problems, write_config

write = write_config
problems = config_problems


def test_required_keys_alone_give_the_walkthrough_defaults(tmp_path) -> None:
    config = load_config(write(tmp_path, REQUIRED))
    assert config.aks_cluster_name == "aks-1"
    (identity,) = config.identities
    assert identity.key_vault_role == "Key Vault Secrets User"
    (workload,) = config.workloads
    assert workload.service_account == "workload-identity-sa"
    assert config.eso_namespace == workload.namespace == "external-secrets"
    assert config.key_vault_secret_name == "external-keyvault-secret"
    (federation,) = identity.federations
    assert federation.subject == "system:serviceaccount:external-secrets:workload-identity-sa"
    assert federation.name == "external-secrets-workload-identity-sa"


def test_lists_maps_and_quoted_keys_are_read_as_literals(tmp_path) -> None:
    config = load_config(
        write(
            tmp_path,
            REQUIRED
            + 'tags = { env = "dev", "cost-center" = "42" }\n'
            + 'existing_namespaces = ["apps"]\n',
        )
    )
    assert config.tags == {"env": "dev", "cost-center": "42"}
    assert config.existing_namespaces == ("apps",)


def test_missing_file_suggests_copying_the_example(tmp_path) -> None:
    (line,) = problems(tmp_path / "my.auto.tfvars")
    assert "file not found" in line
    assert "cp my.auto.tfvars.example my.auto.tfvars" in line


def test_syntax_error_names_the_line(tmp_path) -> None:
    (line,) = problems(write(tmp_path, REQUIRED + "identity_name = \n"))
    assert "test.tfvars:3:" in line
    assert "syntax error" in line


def test_missing_required_key(tmp_path) -> None:
    (line,) = problems(write(tmp_path, 'aks_cluster_name = "aks-1"\n'))
    assert "aks_resource_group_name" in line
    assert "required" in line


def test_unknown_key_suggests_the_closest_known_key(tmp_path) -> None:
    (line,) = problems(write(tmp_path, REQUIRED + 'aks_cluser_name = "x"\n'))
    assert "aks_cluser_name" in line
    assert "did you mean 'aks_cluster_name'?" in line


def test_unknown_key_without_a_close_match_lists_the_known_ones(tmp_path) -> None:
    entry_with_extra = '{ name = "a", namespace = "b", data = [], colour = "red" }'
    lines = problems(write(tmp_path, REQUIRED + f"external_secrets = [{entry_with_extra}]\n"))
    assert (
        f'{tmp_path / "test.tfvars"}: external_secrets[0].colour = "red": unknown key '
        "(known keys: name, namespace, data, data_from, store, refresh_interval)"
    ) in lines
    (line,) = problems(write(tmp_path, REQUIRED + 'colour = "red"\n'))
    assert line.endswith('colour = "red": unknown key (see my.auto.tfvars.example for keys)')


def test_expressions_are_not_values(tmp_path) -> None:
    (line,) = problems(write(tmp_path, REQUIRED + "identity_name = var.name\n"))
    assert "identity_name" in line
    assert "literal" in line


def test_only_the_fallback_to_the_example_is_announced(tmp_path, monkeypatch, capsys) -> None:
    (tmp_path / "my.auto.tfvars.example").write_text(REQUIRED)
    monkeypatch.delenv("AZWI_CONFIG", raising=False)
    load_from_environment(tmp_path)
    assert capsys.readouterr().err == (
        "azwi: using my.auto.tfvars.example (my.auto.tfvars not found)\n"
    )
    monkeypatch.setenv("AZWI_CONFIG", str(tmp_path / "my.auto.tfvars.example"))
    load_from_environment(tmp_path)
    (tmp_path / "my.auto.tfvars").write_text(REQUIRED)
    monkeypatch.delenv("AZWI_CONFIG")
    load_from_environment(tmp_path)
    assert capsys.readouterr() == ("", "")


def test_config_path_prefers_env_then_user_file_then_example(tmp_path) -> None:
    assert resolve_config_path({"AZWI_CONFIG": "x.tfvars"}, tmp_path)[0] == Path("x.tfvars")
    assert resolve_config_path({}, tmp_path)[0] == tmp_path / "my.auto.tfvars.example"
    (tmp_path / "my.auto.tfvars").write_text(REQUIRED)
    assert resolve_config_path({}, tmp_path)[0] == tmp_path / "my.auto.tfvars"


# --- Configuration errors: one line per problem, with the key's path, the value and the rule ---

LINE = re.compile(
    r"(?P<file>[^:]+(?::\d+){0,2}): (?P<key>[\w.\[\]-]+)(?: = (?P<value>.+?))?: (?P<rule>.+?)"
    r"(?: \((?P<hint>[^()]+)\))?"
)


def hcl(value: object) -> str:
    """A Python literal as HCL (JSON strings and lists read the same in HCL)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {hcl(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(hcl(v) for v in value) + "]"
    return json.dumps(value)


def entry(**fields: object) -> dict[str, object]:
    """One external_secrets entry: valid unless ``fields`` say otherwise."""
    return {"name": "app", "namespace": "apps", "data": [item()], **fields}


def item(**fields: object) -> dict[str, object]:
    return {"secret_key": "k", "remote_key": "r", **fields}


def one_problem(tmp_path: Path, text: str) -> str:
    """The one problem in ``text`` plus whichever required keys it does not set itself."""
    required = [line for line in REQUIRED.splitlines() if not text.startswith(line.split()[0])]
    (line,) = problems(write(tmp_path, "\n".join([*required, text]) + "\n"))
    assert LINE.fullmatch(line), line
    return line


def test_unknown_key_inside_a_list_of_objects_suggests_the_closest_field(tmp_path) -> None:
    typo = {"nmae": "b", "namespace": "apps", "data": [{"secret_key": "k", "remote_kye": "r"}]}
    lines = problems(write(tmp_path, REQUIRED + f"external_secrets = {hcl([entry(), typo])}\n"))
    source = tmp_path / "test.tfvars"
    assert lines == [
        f"{source}: external_secrets[1].name: required key is missing",
        f"{source}: external_secrets[1].data[0].remote_key: required key is missing",
        f'{source}: external_secrets[1].data[0].remote_kye = "r": unknown key '
        "(did you mean 'remote_key'?)",
        f"{source}: external_secrets[1].nmae = \"b\": unknown key (did you mean 'name'?)",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "aks_cluster_name = 5",
            'aks_cluster_name = 5: must be a string, got number 5 (quote it: "5")',
        ),
        (
            "aks_cluster_name = true",
            'aks_cluster_name = true: must be a string, got bool true (quote it: "true")',
        ),
        ('aks_cluster_name = ["a"]', 'aks_cluster_name = ["a"]: must be a string, got a list'),
        ("identity_name = null", "identity_name = null: must be a string, got null"),
        (
            'existing_namespaces = "apps"',
            'existing_namespaces = "apps": must be a list, got string "apps" '
            '(a list of one is written ["apps"])',
        ),
        (
            "existing_namespaces = [1]",
            'existing_namespaces[0] = 1: must be a string, got number 1 (quote it: "1")',
        ),
        ('tags = ["env"]', 'tags = ["env"]: must be a map, got a list'),
        (
            "tags = { env = 1.5 }",
            'tags.env = 1.5: must be a string, got number 1.5 (quote it: "1.5")',
        ),
        (
            'external_secrets = ["app"]',
            'external_secrets[0] = "app": must be an object with keys name, namespace, data, '
            'data_from, store, refresh_interval, got string "app"',
        ),
        (
            f"external_secrets = {hcl([entry(data={})])}",
            "external_secrets[0].data = {}: must be a list, got a map",
        ),
    ],
)
def test_wrong_type_names_the_expected_and_the_given_type(tmp_path, text, expected) -> None:
    assert one_problem(tmp_path, text) == f"{tmp_path / 'test.tfvars'}: {expected}"


class _SettingsWithScalars(Settings):
    """Kinds of field other issues add (switches, counts, choices): strict like the rest."""

    feature_enabled: bool = False
    replicas: int = 1
    mode: Literal["kubeconfig", "kubelogin"] = "kubeconfig"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'feature_enabled = "true"',
            'feature_enabled = "true": must be true or false, got string "true" '
            "(remove the quotes: true)",
        ),
        ("feature_enabled = 1", "feature_enabled = 1: must be true or false, got number 1"),
        (
            'replicas = "3"',
            'replicas = "3": must be a whole number, got string "3" (remove the quotes: 3)',
        ),
        ("replicas = 2.5", "replicas = 2.5: must be a whole number, got number 2.5"),
        (
            'mode = "kubelogn"',
            'mode = "kubelogn": must be "kubeconfig" or "kubelogin" (did you mean "kubelogin"?)',
        ),
    ],
)
def test_no_silent_coercion_for_switches_numbers_and_choices(
    tmp_path, monkeypatch, text, expected
) -> None:
    monkeypatch.setattr(config_module, "Settings", _SettingsWithScalars)
    assert one_problem(tmp_path, text) == f"{tmp_path / 'test.tfvars'}: {expected}"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('identity_name = ""', "identity_name"),
        ('kubeconfig_path = "   "', "kubeconfig_path"),
        ('existing_namespaces = [""]', "existing_namespaces[0]"),
        (f"external_secrets = {hcl([entry(store='')])}", "external_secrets[0].store"),
        (
            f"external_secrets = {hcl([entry(data=[item(remote_key='')])])}",
            "external_secrets[0].data[0].remote_key",
        ),
    ],
)
def test_empty_strings_are_rejected(tmp_path, text, key) -> None:
    parsed = LINE.fullmatch(one_problem(tmp_path, text))
    assert (parsed["key"], parsed["rule"]) == (key, "must not be empty")


K8S_LABEL = rules.DNS1123_LABEL
K8S_SUBDOMAIN = rules.DNS1123_SUBDOMAIN
VAULT_PREFIX = rules.KEY_VAULT_NAME.with_suffix(5)
SECRET_KEY = rules.SECRET_DATA_KEY
VAULT_SECRET = rules.KEY_VAULT_SECRET_NAME
CREDENTIAL = rules.FEDERATED_CREDENTIAL_NAME


@pytest.mark.parametrize(
    ("key", "value", "rule", "hint"),
    [
        (
            "key_vault_name_prefix",
            "kv-azwi-eso-too-long",
            VAULT_PREFIX,
            'try "kv-azwi-eso-too-lon"',
        ),
        ("key_vault_name_prefix", "1kv-", VAULT_PREFIX, None),
        ("key_vault_name_prefix", "kv--azwi-", VAULT_PREFIX, 'try "kv-azwi"'),
        ("key_vault_name_prefix", "kv_azwi_", VAULT_PREFIX, 'try "kv-azwi"'),
        ("key_vault_secret_name", "my_secret", VAULT_SECRET, 'try "my-secret"'),
        ("key_vault_secret_name", "s" * 128, VAULT_SECRET, f'try "{"s" * 127}"'),
        ("federated_credential_name", "ab", CREDENTIAL, None),
        ("federated_credential_name", "f" * 121, CREDENTIAL, f'try "{"f" * 120}"'),
        ("federated_credential_name", "-abc", CREDENTIAL, 'try "abc"'),
        ("identity_name", "id.1", rules.MANAGED_IDENTITY_NAME, 'try "id-1"'),
        ("aks_cluster_name", "-aks", rules.AKS_CLUSTER_NAME, 'try "aks"'),
        ("aks_resource_group_name", "rg.", rules.RESOURCE_GROUP_NAME, 'try "rg"'),
        ("eso_namespace", "External-Secrets", K8S_LABEL, 'try "external-secrets"'),
        ("service_account_namespace", "a.b", K8S_LABEL, 'try "a-b"'),
        ("external_secret_namespace", "n" * 64, K8S_LABEL, f'try "{"n" * 63}"'),
        ("service_account_name", "Workload_SA", K8S_SUBDOMAIN, 'try "workload-sa"'),
        ("cluster_secret_store_name", "store-", K8S_SUBDOMAIN, 'try "store"'),
        ("external_secret_name", ".secret", K8S_SUBDOMAIN, 'try "secret"'),
        ("external_secret_key", "my key", SECRET_KEY, 'try "my-key"'),
        ("refresh_interval", "5 minutes", rules.GO_DURATION, 'try "5m"'),
        ("refresh_interval", "60", rules.GO_DURATION, 'try "60s"'),
        ("refresh_interval", "1d", rules.GO_DURATION, None),
        ("key_vault_rbac_propagation_wait", "5 minutes", rules.GO_DURATION, 'try "5m"'),
        ("eso_ready_timeout", "600", rules.GO_DURATION, 'try "600s"'),
        ("eso_chart_version", "v2.9.0", rules.SEMVER, 'try "2.9.0"'),
        ("eso_chart_version", "2.9", rules.SEMVER, 'try "2.9.0"'),
        ("eso_chart_version", "latest", rules.SEMVER, None),
        (
            "identity_key_vault_role",
            "Key Vault Reader",
            rules.KEY_VAULT_SECRETS_ROLE,
            'did you mean "Key Vault Secrets User"?',
        ),
        ("identity_key_vault_role", "Owner", rules.KEY_VAULT_SECRETS_ROLE, None),
        (
            "identity_key_vault_role",
            "key vault secrets officer",
            rules.KEY_VAULT_SECRETS_ROLE,
            'did you mean "Key Vault Secrets Officer"?',
        ),
    ],
)
def test_values_that_break_azure_kubernetes_helm_or_go_rules(
    tmp_path, key, value, rule, hint
) -> None:
    line = one_problem(tmp_path, f"{key} = {hcl(value)}")
    assert LINE.fullmatch(line).group("key", "value", "rule", "hint") == (
        key,
        json.dumps(value) if len(json.dumps(value)) <= 80 else json.dumps(value)[:79] + "…",
        rule.message,
        hint,
    )


@pytest.mark.parametrize(
    ("entries", "key", "rule"),
    [
        ([entry(name="App")], "external_secrets[0].name", K8S_SUBDOMAIN),
        (
            [entry(), entry(name="b", namespace="apps_1")],
            "external_secrets[1].namespace",
            K8S_LABEL,
        ),
        ([entry(store="Store")], "external_secrets[0].store", K8S_SUBDOMAIN),
        (
            [entry(refresh_interval="1 hour")],
            "external_secrets[0].refresh_interval",
            rules.GO_DURATION,
        ),
        (
            [entry(data=[item(), item(secret_key="a/b")])],
            "external_secrets[0].data[1].secret_key",
            SECRET_KEY,
        ),
        (
            [entry(data=[item(remote_key="db_password")])],
            "external_secrets[0].data[0].remote_key",
            VAULT_SECRET,
        ),
    ],
)
def test_names_inside_external_secrets_carry_their_path(tmp_path, entries, key, rule) -> None:
    parsed = LINE.fullmatch(one_problem(tmp_path, f"external_secrets = {hcl(entries)}"))
    assert (parsed["key"], parsed["rule"]) == (key, rule.message)


def test_key_vault_prefix_is_judged_with_its_suffix(tmp_path) -> None:
    longest = "kv" + "x" * 17  # 19 + 5 suffix characters = 24, the maximum
    config = load_config(write(tmp_path, REQUIRED + f'key_vault_name_prefix = "{longest}"\n'))
    assert config.key_vault_name_prefix == longest
    line = one_problem(tmp_path, f'key_vault_name_prefix = "{longest}x"')
    assert "Key Vault name (this prefix + 5 random characters) must be 3-24 characters" in line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'existing_namespaces = ["apps", "tools", "apps"]',
            'existing_namespaces[2] = "apps": same namespace as existing_namespaces[0]; '
            "each must be unique",
        ),
        (
            f"external_secrets = {hcl([entry(), entry(name='other'), entry()])}",
            'external_secrets[2].name = "app": same namespace and name as external_secrets[0]; '
            "each must be unique",
        ),
        (
            f"external_secrets = {hcl([entry(data=[item(), item(remote_key='s')])])}",
            'external_secrets[0].data[1].secret_key = "k": same secret_key as '
            "external_secrets[0].data[0]; each must be unique",
        ),
    ],
)
def test_duplicate_names_are_reported_where_they_repeat(tmp_path, text, expected) -> None:
    assert one_problem(tmp_path, text) == f"{tmp_path / 'test.tfvars'}: {expected}"


def test_same_name_in_different_namespaces_is_fine(tmp_path) -> None:
    entries = [entry(), entry(namespace="other")]
    config = load_config(write(tmp_path, REQUIRED + f"external_secrets = {hcl(entries)}\n"))
    assert [(e.namespace, e.name) for e in config.external_secrets] == [
        ("apps", "app"),
        ("other", "app"),
    ]


def test_a_key_set_twice_is_an_error_as_in_terraform(tmp_path) -> None:
    (line,) = problems(write(tmp_path, REQUIRED + 'identity_name = "a-1"\nidentity_name = "b-2"\n'))
    assert line == (
        f"{tmp_path / 'test.tfvars'}:4: identity_name: is set twice: first on line 3 "
        "(keep one of them)"
    )


def test_external_secrets_and_the_single_secret_keys_are_exclusive(tmp_path) -> None:
    line = one_problem(tmp_path, f'external_secret_name = "x"\nexternal_secrets = {hcl([entry()])}')
    assert line.endswith(
        'external_secret_name = "x": external_secrets replaces this key: set one or the other, '
        "not both (move it into external_secrets)"
    )


def test_templates_are_not_values(tmp_path) -> None:
    line = one_problem(tmp_path, 'identity_name = "id-${var.env}"')
    assert line.endswith(
        'identity_name = "id-${var.env}": templates are not allowed in a tfvars file'
    )


def test_long_values_are_shortened(tmp_path) -> None:
    parsed = LINE.fullmatch(one_problem(tmp_path, f'eso_namespace = "{"N" * 100}"'))
    assert len(parsed["value"]) == 80
    assert parsed["value"].endswith("…")


def test_every_problem_is_reported_at_once_in_file_order(tmp_path) -> None:
    text = "\n".join(
        [
            'aks_cluser_name = "aks-1"',  # unknown key (and so aks_cluster_name is missing)
            "identity_name = var.name",  # expression
            'eso_namespace = "External"',  # DNS label
            'refresh_interval = "soon"',  # Go duration
            'existing_namespaces = ["apps", "apps"]',  # duplicate
            'identity_key_vault_role = "Owner"',  # not a data-plane role
            "tags = { env = 5 }",  # wrong type
            f"external_secrets = {hcl([entry(data=[item(remote_key='a_b')])])}",
            'eso_chart_version = "two"',  # not semver
            'aks_resource_group_name = "rg-aks"',
        ]
    )
    lines = problems(write(tmp_path, text + "\n"))
    keys = [LINE.fullmatch(line)["key"] for line in lines]
    assert keys == [
        "aks_cluser_name",
        "identity_name",
        "eso_namespace",
        "refresh_interval",
        "existing_namespaces[1]",
        "identity_key_vault_role",
        "tags.env",
        "external_secrets[0].data[0].remote_key",
        "eso_chart_version",
        "aks_cluster_name",
    ]
    # an expression's line also names its line and column
    assert all(
        LINE.fullmatch(line)["file"].startswith(str(tmp_path / "test.tfvars")) for line in lines
    )
