"""What Azure or Kubernetes would refuse at deploy is refused at synth: tag limits, names equal
but for case where Azure compares them so, Secret keys Kubernetes refuses, kube-* namespaces."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aks_workload_identity import rules
from aks_workload_identity.azure_limits import same_but_for_case
from aks_workload_identity.config import load_config
from tests.conftest import REQUIRED, config_problems, write_config

FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEY_CHARS = string.ascii_letters + string.digits + "-_."


def problems(tmp_path: Path, text: str) -> list[str]:
    return config_problems(write_config(tmp_path, REQUIRED + text))


def loads(tmp_path: Path, text: str) -> bool:
    return load_config(write_config(tmp_path, REQUIRED + text)) is not None


def mappings(identities: str, workloads: str) -> str:
    return (
        f"identities = {{\n{identities}}}\nworkloads = {{\n{workloads}}}\n"
        'cluster_secret_stores = { s = { workload = "a" } }\n'
    )


@FAST
@given(st.text(KEY_CHARS, min_size=1, max_size=253).filter(lambda k: k not in (".", "..")))
def test_secret_keys_kubernetes_accepts_pass_unless_they_start_with_two_dots(key: str) -> None:
    assert rules.SECRET_DATA_KEY.ok(key) is not key.startswith("..")


@FAST
@given(
    st.one_of(
        st.sampled_from([".", ".."]),
        st.text(KEY_CHARS, max_size=20).map(lambda k: ".." + k),
        st.text(KEY_CHARS, min_size=254, max_size=300),
        st.tuples(st.text(KEY_CHARS, min_size=1), st.characters(exclude_characters=KEY_CHARS)).map(
            "".join
        ),
    )
)
def test_secret_keys_kubernetes_refuses_are_refused(key: str) -> None:
    assert not rules.SECRET_DATA_KEY.ok(key)


def test_a_secret_key_of_two_dots_is_refused_in_the_file(tmp_path) -> None:
    (line,) = problems(tmp_path, 'external_secret_key = ".."\n')
    assert line.endswith(f'external_secret_key = "..": {rules.SECRET_DATA_KEY.message}')
    assert loads(tmp_path, 'external_secret_key = ".dotfile"\n')


@FAST
@given(st.text(string.ascii_lowercase + string.digits + "-", min_size=1, max_size=58))
def test_only_the_built_in_kube_namespaces_are_allowed(rest: str) -> None:
    name = "kube-" + rest
    assert rules.KUBE_NAMESPACE.ok(name) is (name in rules.BUILTIN_NAMESPACES)
    assert rules.KUBE_NAMESPACE.ok("x" + name)  # "kube-" elsewhere than at the start


@pytest.mark.parametrize(
    "text",
    [
        'eso_namespace = "kube-tools"\n',
        'external_secrets = [{ name = "a", namespace = "kube-apps", data = '
        '[{ secret_key = "k", remote_key = "r" }] }]\n',
    ],
)
def test_a_kube_namespace_the_project_would_create_or_write_into_is_refused(tmp_path, text) -> None:
    (line,) = problems(tmp_path, text)
    assert line.endswith(rules.KUBE_NAMESPACE.message)


def test_writing_into_kube_system_stays_allowed(tmp_path) -> None:
    assert loads(tmp_path, 'external_secret_namespace = "kube-system"\n')


@pytest.mark.parametrize(
    ("tags", "rule"),
    [
        ('{ "a/b" = "x" }', rules.AZURE_TAG_NAME),
        ('{ "50%" = "x" }', rules.AZURE_TAG_NAME),
        ('{ "%s" = "x" }' % ("k" * 513), rules.AZURE_TAG_NAME),
        ('{ team = "%s" }' % ("v" * 257), rules.AZURE_TAG_VALUE),
    ],
)
def test_a_tag_azure_refuses_is_refused(tmp_path, tags, rule) -> None:
    (line,) = problems(tmp_path, f"tags = {tags}\n")
    assert rule.message in line


def test_tags_at_the_limits_pass(tmp_path) -> None:
    tags = {f"k{i}": "" for i in range(rules.MAX_AZURE_TAGS - 1)} | {"k" * 512: "v" * 256}
    text = "tags = {\n" + "".join(f'  "{k}" = "{v}"\n' for k, v in tags.items()) + "}\n"
    assert loads(tmp_path, text)


def test_more_tags_than_azure_allows_are_refused(tmp_path) -> None:
    text = "tags = {\n" + "".join(f'  k{i} = ""\n' for i in range(51)) + "}\n"
    (line,) = problems(tmp_path, text)
    assert line.endswith("tags has 51 entries: Azure allows at most 50 tags per resource")


@FAST
@given(st.lists(st.text(string.ascii_letters, min_size=1, max_size=4), max_size=6))
def test_names_equal_but_for_case_are_found_and_only_those(names: list[str]) -> None:
    found = same_but_for_case(names)
    for name in names:
        twins = {n for n in names if n.casefold() == name.casefold()}
        assert (name in found) is (len(twins) > 1)


def test_tag_names_equal_but_for_case_are_refused(tmp_path) -> None:
    (line,) = problems(tmp_path, 'tags = { Env = "a", env = "b" }\n')
    assert line.endswith(
        "tags 'Env', 'env' differ only in case; Azure tag names are case-insensitive: "
        "use one spelling"
    )


def test_identity_names_equal_but_for_case_are_refused(tmp_path) -> None:
    text = mappings(
        '  a = { name = "umi-app" }\n  b = { name = "UMI-App" }\n',
        '  a = { service_account = "a", namespace = "apps", identity = "a" }\n'
        '  b = { service_account = "b", namespace = "apps", identity = "b" }\n',
    )
    (line,) = problems(tmp_path, text)
    assert "identities: names 'umi-app', 'UMI-App' differ only in case" in line
    assert loads(tmp_path, text.replace("UMI-App", "umi-other"))


def test_federated_credential_names_equal_but_for_case_are_refused(tmp_path) -> None:
    text = mappings(
        '  a = { name = "umi-app" }\n',
        '  a = { service_account = "a", namespace = "apps", identity = "a", '
        'federated_credential_name = "Cred" }\n'
        '  b = { service_account = "b", namespace = "apps", identity = "a", '
        'federated_credential_name = "cred" }\n',
    )
    (line,) = problems(tmp_path, text)
    assert "identities.a: federated credential names 'Cred', 'cred' differ only in case" in line


def test_vault_secret_names_equal_but_for_case_are_refused(tmp_path) -> None:
    text = (
        'external_secrets = [{ name = "a", namespace = "apps", data = [\n'
        '  { secret_key = "x", remote_key = "db-password" },\n'
        '  { secret_key = "y", remote_key = "DB-Password" },\n'
        "] }]\n"
    )
    (line,) = problems(tmp_path, text)
    assert "secret names read from the vault 'db-password', 'DB-Password' differ" in line
