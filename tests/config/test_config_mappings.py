"""Configuration of identities, workloads, stores and ExternalSecrets: each mistake is stopped
with a message that names the key and what is valid."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aks_workload_identity import rules
from aks_workload_identity.config import load_config
from aks_workload_identity.secret_data import Extract, Find
from aks_workload_identity.walkthrough import MAPPING_NAMES, WALKTHROUGH_NAMES
from tests.conftest import EXAMPLE_CONFIG, REQUIRED, config_problems, write_config

MAPPINGS = """
identities = {
  eso = { name = "umi-eso" }
  app = { name = "umi-app", key_vault_role = "Key Vault Secrets Officer" }
}
workloads = {
  eso = { service_account = "eso-sa", namespace = "external-secrets", identity = "eso" }
  app = {
    service_account       = "app-sa"
    namespace             = "apps"
    identity              = "app"
    additional_identities = ["eso"]
  }
}
cluster_secret_stores = { azure-cluster-store = { workload = "eso" } }
"""


def write(tmp_path: Path, text: str) -> Path:
    return write_config(tmp_path, REQUIRED + text)


def _external_secret(body: str) -> str:
    return f'external_secrets = [{{ name = "es", namespace = "apps", {body} }}]\n'


def problems(tmp_path: Path, text: str) -> list[str]:
    return config_problems(write(tmp_path, text))


def one_problem(tmp_path: Path, text: str) -> str:
    (line,) = problems(tmp_path, text)
    return line


def test_walkthrough_keys_still_describe_one_identity_workload_and_store() -> None:
    config = load_config(EXAMPLE_CONFIG)
    assert config.names is WALKTHROUGH_NAMES
    (identity,) = config.identities
    assert identity.name == "umi-external-secrets"
    assert [f.subject for f in identity.federations] == [
        "system:serviceaccount:external-secrets:workload-identity-sa"
    ]
    (store,) = config.cluster_secret_stores
    assert (store.name, store.namespace, store.service_account) == (
        "azure-cluster-store",
        "external-secrets",
        "workload-identity-sa",
    )
    (external_secret,) = config.external_secrets
    assert external_secret.store == "azure-cluster-store"


def test_mappings_derive_federations_per_identity_in_workload_order(tmp_path) -> None:
    config = load_config(write(tmp_path, MAPPINGS))
    assert config.names is MAPPING_NAMES
    federations = {i.key: [f.subject for f in i.federations] for i in config.identities}
    assert federations == {
        "eso": [
            "system:serviceaccount:external-secrets:eso-sa",
            "system:serviceaccount:apps:app-sa",
        ],
        "app": ["system:serviceaccount:apps:app-sa"],
    }
    roles = {i.key: i.key_vault_role for i in config.identities}
    assert roles == {"eso": "Key Vault Secrets User", "app": "Key Vault Secrets Officer"}
    (app,) = [w for w in config.workloads if w.key == "app"]
    assert app.additional_identities == ("eso",)
    # One store: ExternalSecrets without a store use it.
    (external_secret,) = config.external_secrets
    assert external_secret.store == "azure-cluster-store"
    # Only ESO's namespace is created; the workload's is used, not asked for.
    assert config.namespaces.created == ("external-secrets",)
    assert config.namespaces.forgotten == ("apps",)


@pytest.mark.parametrize(
    ("flat", "mapping"),
    [
        ('identity_name = "umi-x"\n', "identities"),
        ('service_account_namespace = "apps"\n', "workloads"),
        ('cluster_secret_store_name = "store"\n', "cluster_secret_stores"),
    ],
)
def test_flat_key_and_its_mapping_together_is_an_error(tmp_path, flat, mapping) -> None:
    line = one_problem(tmp_path, MAPPINGS + flat)
    assert f"{mapping} replaces {flat.split()[0]}" in line
    assert "not both" in line


def test_mappings_are_declared_together(tmp_path) -> None:
    line = one_problem(tmp_path, 'identities = { eso = { name = "umi-eso" } }\n')
    assert "identities set without workloads, cluster_secret_stores" in line


def test_unknown_identity_names_the_valid_ones(tmp_path) -> None:
    text = MAPPINGS.replace('identity = "eso" }', 'identity = "esso" }')
    line = one_problem(tmp_path, text)
    assert "workloads.eso.identity: 'esso' is not a key of identities" in line
    assert "(valid: 'eso', 'app')" in line


def test_unknown_additional_identity_names_the_valid_ones(tmp_path) -> None:
    line = one_problem(tmp_path, MAPPINGS.replace('["eso"]', '["writer"]'))
    assert "workloads.app.additional_identities: 'writer' is not a key of identities" in line


def test_unknown_store_workload_names_the_valid_ones(tmp_path) -> None:
    line = one_problem(tmp_path, MAPPINGS.replace('{ workload = "eso" }', '{ workload = "x" }'))
    assert "cluster_secret_stores.azure-cluster-store.workload: 'x' is not a key of workloads" in (
        line
    )
    assert "(valid: 'eso', 'app')" in line


def test_external_secret_with_unknown_store_names_the_valid_ones(tmp_path) -> None:
    text = _external_secret('store = "other", data = [{ secret_key = "k", remote_key = "r" }]')
    line = one_problem(tmp_path, text)
    assert "external_secrets[0] (apps/es): store 'other' is not declared" in line
    assert "(valid: 'azure-cluster-store')" in line


def test_several_stores_need_a_store_per_external_secret(tmp_path) -> None:
    stores = MAPPINGS.replace(
        '{ azure-cluster-store = { workload = "eso" } }',
        '{\n  a = { workload = "eso" }\n  b = { workload = "app" }\n}',
    )
    line = one_problem(tmp_path, stores)
    assert "with 2 cluster_secret_stores, declare external_secrets" in line
    text = stores + (
        'external_secrets = [{ name = "x", namespace = "apps", '
        'data = [{ secret_key = "k", remote_key = "r" }] }]\n'
    )
    assert "external_secrets[0] (apps/x): set store, one of 'a', 'b'" in one_problem(tmp_path, text)


def test_an_identity_used_by_no_workload_is_an_error(tmp_path) -> None:
    text = MAPPINGS.replace(
        '  app = { name = "umi-app"', '  spare = { name = "umi-spare" }\n  app = { name = "umi-app"'
    )
    assert "identities.spare is used by no workload" in one_problem(tmp_path, text)


def test_same_azure_name_for_two_identities_is_an_error(tmp_path) -> None:
    line = one_problem(tmp_path, MAPPINGS.replace('"umi-app"', '"umi-eso"'))
    assert "name ['umi-eso'] is used by more than one identity" in line


def test_same_service_account_twice_is_an_error(tmp_path) -> None:
    text = MAPPINGS.replace('service_account       = "app-sa"', 'service_account = "eso-sa"')
    text = text.replace('namespace             = "apps"', 'namespace = "external-secrets"')
    line = one_problem(tmp_path, text)
    assert "workloads eso and app are both service account external-secrets/eso-sa" in line


CHART_SERVICE_ACCOUNTS = (
    "external-secrets",
    "external-secrets-webhook",
    "external-secrets-cert-controller",
)


def _taken(tmp_path: Path, name: str, namespace: str = "external-secrets") -> str:
    return (
        f'{tmp_path / "test.tfvars"}: {{key}} = "{name}": the External Secrets chart creates '
        'service accounts "external-secrets", "external-secrets-webhook" and '
        f'"external-secrets-cert-controller" in its namespace "{namespace}": a second one of the '
        'same name there fails the deploy (rename it, e.g. "workload-identity-sa", or use another '
        "namespace)"
    )


@pytest.mark.parametrize("name", CHART_SERVICE_ACCOUNTS)
def test_a_workload_may_not_take_a_service_account_the_eso_chart_creates(tmp_path, name) -> None:
    text = MAPPINGS.replace('service_account = "eso-sa"', f'service_account = "{name}"')
    assert problems(tmp_path, text) == [
        _taken(tmp_path, name).format(key="workloads.eso.service_account")
    ]
    flat = f'service_account_name = "{name}"\n'
    assert problems(tmp_path, flat) == [_taken(tmp_path, name).format(key="service_account_name")]


def test_the_chart_names_are_free_outside_its_namespace_and_follow_it(tmp_path) -> None:
    elsewhere = 'service_account_name = "external-secrets"\nservice_account_namespace = "apps"\n'
    (workload,) = load_config(write(tmp_path, elsewhere)).workloads
    assert workload.service_account == "external-secrets"
    moved = (
        'eso_namespace = "eso"\nservice_account_namespace = "eso"\n'
        'service_account_name = "external-secrets-webhook"\n'
    )
    assert problems(tmp_path, moved) == [
        _taken(tmp_path, "external-secrets-webhook", "eso").format(key="service_account_name")
    ]


def test_identity_listed_twice_by_one_workload_is_an_error(tmp_path) -> None:
    line = one_problem(tmp_path, MAPPINGS.replace('["eso"]', '["app"]'))
    assert "workloads.app" in line
    assert "identity 'app' is listed more than once" in line


def _many_workloads(count: int) -> str:
    entries = "\n".join(
        f'  w{i} = {{ service_account = "sa-{i}", namespace = "apps", identity = "shared" }}'
        for i in range(count)
    )
    return (
        'identities = { shared = { name = "umi-shared" } }\n'
        f"workloads = {{\n{entries}\n}}\n"
        'cluster_secret_stores = { azure-cluster-store = { workload = "w0" } }\n'
    )


def test_twenty_credentials_per_identity_are_allowed(tmp_path) -> None:
    (identity,) = load_config(write(tmp_path, _many_workloads(20))).identities
    assert len(identity.federations) == 20


def test_more_than_twenty_credentials_per_identity_is_an_error(tmp_path) -> None:
    line = one_problem(tmp_path, _many_workloads(21))
    assert "identities.shared (umi-shared) is used by 21 workloads" in line
    assert "at most 20 federated credentials per identity" in line


def test_clashing_derived_credential_names_ask_for_an_explicit_name(tmp_path) -> None:
    text = (
        'identities = { shared = { name = "umi-shared" } }\n'
        "workloads = {\n"
        '  a = { service_account = "b.c", namespace = "a", identity = "shared" }\n'
        '  b = { service_account = "c", namespace = "a-b", identity = "shared" }\n'
        "}\n"
        'cluster_secret_stores = { s = { workload = "a" } }\n'
    )
    line = one_problem(tmp_path, text)
    assert "workloads a, b would get the same federated credential name 'a-b-c'" in line
    assert "set federated_credential_name on one" in line
    fixed = text.replace(
        'identity = "shared" }\n  b',
        'identity = "shared", federated_credential_name = "a-bc" }\n  b',
    )
    (identity,) = load_config(write(tmp_path, fixed)).identities
    assert [f.name for f in identity.federations] == ["a-bc", "a-b-c"]


def test_namespaces_follow_create_namespace(tmp_path) -> None:
    text = MAPPINGS.replace(
        'identity              = "app"', 'identity = "app"\n    create_namespace = true'
    )
    namespaces = load_config(write(tmp_path, text)).namespaces
    assert namespaces.created == ("external-secrets", "apps")
    assert namespaces.requested == ("apps",)


def test_create_namespace_true_for_an_existing_namespace_is_an_error(tmp_path) -> None:
    text = MAPPINGS.replace(
        'identity              = "app"', 'identity = "app"\n    create_namespace = true'
    )
    line = one_problem(tmp_path, text + 'existing_namespaces = ["apps"]\n')
    assert (
        "workloads.app.create_namespace = true, but namespace 'apps' is in existing_namespaces"
        in line
    )


def test_workloads_disagreeing_on_a_namespace_is_an_error(tmp_path) -> None:
    text = MAPPINGS.replace(
        'namespace = "external-secrets", identity = "eso" }',
        'namespace = "apps", identity = "eso", create_namespace = true }',
    ).replace('identity              = "app"', 'identity = "app"\n    create_namespace = false')
    assert "workloads eso and app disagree on create_namespace for namespace 'apps'" in (
        one_problem(tmp_path, text)
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            MAPPINGS.replace('identity = "eso" }', 'identity = "eso", typo = 1 }'),
            "workloads.eso.typo = 1: unknown key",
        ),
        (
            MAPPINGS.replace('{ name = "umi-eso" }', '{ name = "umi-eso", role = "x" }'),
            'identities.eso.role = "x": unknown key',
        ),
        (
            MAPPINGS.replace('{ workload = "eso" }', '{ workload = "eso", sa = "x" }'),
            "cluster_secret_stores.azure-cluster-store.sa",
        ),
        (
            MAPPINGS.replace(
                '{ name = "umi-eso" }', '{ name = "umi-eso", key_vault_role = "Owner" }'
            ),
            "identities.eso.key_vault_role",
        ),
        (MAPPINGS.replace("  eso = { name", "  Eso = { name"), "Key must be 1-63 characters"),
        (
            MAPPINGS.replace('service_account = "eso-sa"', 'service_account = "Eso_SA"'),
            "workloads.eso.service_account",
        ),
        (
            MAPPINGS.replace('namespace = "external-secrets"', 'namespace = "ns.with.dots"'),
            "DNS-1123 label",
        ),
        (
            MAPPINGS.replace(
                'identity              = "app"', 'identity = "app"\n    create_namespace = "yes"'
            ),
            "workloads.app.create_namespace",
        ),
    ],
    ids=[
        "unknown-workload-key",
        "unknown-identity-key",
        "unknown-store-key",
        "role",
        "map-key",
        "service-account",
        "namespace",
        "bool",
    ],
)
def test_nested_values_are_validated(tmp_path, text, message) -> None:
    assert any(message in line for line in problems(tmp_path, text)), problems(tmp_path, text)


def test_data_from_extract_and_find_are_read(tmp_path) -> None:
    text = _external_secret(
        'data_from = [{ extract = { key = "db" } }, '
        '{ find = { name_regexp = "^app-", tags = { team = "a" } } }]'
    )
    (spec,) = load_config(write(tmp_path, text)).external_secrets
    assert spec.data == ()
    assert spec.data_from == (Extract("db"), Find(name_regexp="^app-", tags={"team": "a"}))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "apps/es needs data, data_from or both"),
        ("data = [], data_from = []", "apps/es needs data, data_from or both"),
        (
            'data_from = [{ extract = { key = "a" }, find = { tags = { t = "v" } } }]',
            "exactly one of extract and find",
        ),
        ("data_from = [{}]", "exactly one of extract and find"),
        ("data_from = [{ find = {} }]", "find needs name_regexp, tags or both"),
        ('data_from = [{ find = { name_regexp = "(" } }]', "does not compile"),
        ('data_from = [{ find = { name_regexp = "^(?!dev)" } }]', "RE2"),
        ('data_from = [{ find = { name_regexp = "(a)\\\\1" } }]', "RE2"),
        ('data_from = [{ extract = { key = "not_valid" } }]', "Key Vault secret name"),
        ('data_from = [{ extract = { key = "a", version = "1" } }]', "unknown key"),
        (
            'data = [{ secret_key = "k", remote_key = "a" }, '
            '{ secret_key = "k", remote_key = "b" }]',
            'external_secrets[0].data[1].secret_key = "k": same secret_key as '
            "external_secrets[0].data[0]; each must be unique",
        ),
    ],
    ids=[
        "nothing",
        "empty",
        "both",
        "neither",
        "empty-find",
        "bad-regexp",
        "lookahead",
        "backreference",
        "extract-key",
        "unknown-extract-key",
        "duplicate-secret-key",
    ],
)
def test_external_secret_sources_are_validated(tmp_path, body, message) -> None:
    lines = problems(tmp_path, _external_secret(body))
    assert any(message in line for line in lines), lines


@pytest.mark.parametrize("regexp", ["^orders-", "db-(prod|dev)$", r"\(?=x", "[a-z]+\\d{2}"])
def test_re2_compatible_expressions_pass(regexp) -> None:
    assert rules.GO_REGEXP.check(regexp) == regexp


@given(st.from_regex(r"[a-z][a-z0-9_-]{0,62}", fullmatch=True))
def test_every_valid_config_key_passes(key) -> None:
    assert rules.CONFIG_KEY.ok(key)


@given(
    st.one_of(
        st.from_regex(r"[^a-z][a-z0-9_-]{0,10}", fullmatch=True),
        st.from_regex(r"[a-z][a-z0-9_-]{0,10}[^a-z0-9_-][a-z0-9_-]{0,5}", fullmatch=True),
        st.from_regex(r"[a-z][a-z0-9_-]{63,80}", fullmatch=True),
        st.just(""),
    )
)
def test_every_invalid_config_key_is_rejected(key) -> None:
    with pytest.raises(ValueError, match="Key must be 1-63 characters"):
        rules.CONFIG_KEY.check(key)


def test_unknown_nested_key_suggests_the_closest_nested_key(tmp_path) -> None:
    text = MAPPINGS.replace("additional_identities", "additional_identity")
    line = one_problem(tmp_path, text)
    assert 'workloads.app.additional_identity = ["eso"]: unknown key' in line
    assert "did you mean 'additional_identities'?" in line


def test_a_bad_map_key_is_named_in_the_path(tmp_path) -> None:
    line = one_problem(tmp_path, MAPPINGS.replace("  eso = { name", "  Eso = { name"))
    assert line.endswith(
        'identities.Eso = "Eso": Key must be 1-63 characters of lowercase '
        "letters, digits, '-' and '_', starting with a letter (try \"eso\")"
    )
