"""Loading the tfvars file: defaults, literal parsing, and the basic failure modes."""

from __future__ import annotations

from pathlib import Path

import pytest

from aks_workload_identity.config import (
    ConfigError,
    load_config,
    resolve_config_path,
)

REQUIRED = 'aks_resource_group_name = "rg-aks"\naks_cluster_name = "aks-1"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "test.tfvars"
    path.write_text(text)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return [str(p) for p in caught.value.problems]


def test_required_keys_alone_give_the_walkthrough_defaults(tmp_path) -> None:
    config = load_config(write(tmp_path, REQUIRED))
    assert config.aks_cluster_name == "aks-1"
    assert config.identity_key_vault_role == "Key Vault Secrets User"
    assert config.service_account_name == "workload-identity-sa"
    assert config.eso_namespace == config.service_account_namespace == "external-secrets"
    assert config.key_vault_secret_name == "external-keyvault-secret"
    assert config.federation.subject == (
        "system:serviceaccount:external-secrets:workload-identity-sa"
    )
    assert config.federation.name == "external-secrets-workload-identity-sa"


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
    assert config.existing_namespaces == ["apps"]


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


def test_expressions_are_not_values(tmp_path) -> None:
    (line,) = problems(write(tmp_path, REQUIRED + "identity_name = var.name\n"))
    assert "identity_name" in line
    assert "literal" in line


def test_config_path_prefers_env_then_user_file_then_example(tmp_path) -> None:
    assert resolve_config_path({"AZWI_CONFIG": "x.tfvars"}, tmp_path)[0] == Path("x.tfvars")
    assert resolve_config_path({}, tmp_path)[0] == tmp_path / "my.auto.tfvars.example"
    (tmp_path / "my.auto.tfvars").write_text(REQUIRED)
    assert resolve_config_path({}, tmp_path)[0] == tmp_path / "my.auto.tfvars"
