"""Configuration of cluster access, clusters that are not AKS, and the webhook: defaults and the
message each invalid combination gets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aks_workload_identity.cluster import (
    ClusterAccessProps,
    KubernetesClusterProps,
)
from aks_workload_identity.config import load_config
from aks_workload_identity.kubelogin import INTERACTIVE_MODES, LOGIN_MODES, NOT_INTERACTIVE
from aks_workload_identity.settings import Settings
from tests.conftest import config_problems, write_config

AKS = 'aks_resource_group_name = "rg-aks"\naks_cluster_name = "aks-1"\n'
NON_AKS = (
    'oidc_issuer_url = "https://oidc.example.com/k3s"\n'
    'resource_group_name = "rg-k3s"\n'
    'location = "westeurope"\n'
)


def load(tmp_path, text: str):
    return load_config(write_config(tmp_path, text))


def problems(tmp_path, text: str) -> list[str]:
    return config_problems(write_config(tmp_path, text))


def test_defaults_use_the_kubeconfig_and_no_webhook(tmp_path) -> None:
    config = load(tmp_path, AKS)
    assert config.kubernetes_auth == "kubeconfig"
    assert config.kubeconfig_path == "~/.kube/config"
    assert config.aks_admin_credentials is False
    assert config.kubelogin_login_mode == "azurecli"
    assert config.oidc_issuer_url is None
    assert config.install_workload_identity_webhook is False
    assert config.workload_identity_webhook_chart_version == "1.6.0"
    assert config.workload_identity_webhook_namespace == "azure-workload-identity-system"
    assert "azure-workload-identity-system" not in config.namespaces.created


def test_non_aks_cluster_needs_no_aks_keys(tmp_path) -> None:
    config = load(tmp_path, NON_AKS + "install_workload_identity_webhook = true\n")
    assert config.aks_cluster_name is None
    assert config.namespaces.created[-1] == "azure-workload-identity-system"


def test_aks_keys_are_required_without_an_issuer_url(tmp_path) -> None:
    lines = problems(tmp_path, 'location = "westeurope"\n')
    assert len(lines) == 2
    for key, line in zip(("aks_resource_group_name", "aks_cluster_name"), lines, strict=True):
        assert f"{key}: required key is missing" in line
        assert "set oidc_issuer_url instead" in line


@pytest.mark.parametrize("missing", ["resource_group_name", "location"])
def test_non_aks_cluster_requires_where_the_azure_resources_go(tmp_path, missing) -> None:
    text = "".join(line + "\n" for line in NON_AKS.splitlines() if not line.startswith(missing))
    (line,) = problems(tmp_path, text)
    assert f"{missing} is required" in line
    assert "oidc_issuer_url is set" in line


def test_non_aks_cluster_rejects_the_aks_keys_it_would_ignore(tmp_path) -> None:
    (line,) = problems(tmp_path, NON_AKS + 'aks_cluster_name = "aks-1"\n')
    assert "aks_cluster_name would be ignored" in line


@pytest.mark.parametrize("mode", ["aks_credentials", "kubelogin"])
def test_non_aks_cluster_needs_the_kubeconfig(tmp_path, mode) -> None:
    (line,) = problems(tmp_path, NON_AKS + f'kubernetes_auth = "{mode}"\n')
    assert f'kubernetes_auth = "{mode}" reads the AKS cluster' in line
    assert 'use kubernetes_auth = "kubeconfig"' in line


@pytest.mark.parametrize(
    "url", ["http://oidc.example.com/k3s", "oidc.example.com", "https://", "https://a b"]
)
def test_issuer_url_must_be_https(tmp_path, url) -> None:
    (line,) = problems(tmp_path, NON_AKS.replace("https://oidc.example.com/k3s", url))
    assert "oidc_issuer_url" in line
    assert "https:// URL" in line


def test_unknown_access_mode_lists_the_known_ones(tmp_path) -> None:
    (line,) = problems(tmp_path, AKS + 'kubernetes_auth = "token"\n')
    assert "kubernetes_auth" in line
    assert 'must be "kubeconfig", "aks_credentials" or "kubelogin"' in line


@given(st.text(min_size=1, max_size=20).filter(lambda m: m.strip()))
def test_only_the_known_kubelogin_login_modes_are_accepted(mode: str) -> None:
    raw = {
        "aks_resource_group_name": "rg",
        "aks_cluster_name": "aks",
        "kubernetes_auth": "kubelogin",
        "kubelogin_login_mode": mode,
    }
    if mode in LOGIN_MODES:
        assert Settings.model_validate(raw).kubelogin_login_mode == mode
    else:
        expected = 'kubelogin_login_mode must be "azurecli", "spn", "msi"'
        if mode in INTERACTIVE_MODES:
            expected = "needs nobody at a prompt"
        with pytest.raises(ValueError, match=expected):
            Settings.model_validate(raw)


@pytest.mark.parametrize("mode", LOGIN_MODES)
def test_every_documented_login_mode_is_accepted(tmp_path, mode) -> None:
    text = AKS + f'kubernetes_auth = "kubelogin"\nkubelogin_login_mode = "{mode}"\n'
    assert load(tmp_path, text).kubelogin_login_mode == mode


@pytest.mark.parametrize("mode", INTERACTIVE_MODES)
def test_a_login_that_waits_for_a_person_is_rejected_naming_one_that_does_not(
    tmp_path, mode
) -> None:
    text = AKS + f'kubernetes_auth = "kubelogin"\nkubelogin_login_mode = "{mode}"\n'
    (problem,) = problems(tmp_path, text)
    assert problem == (
        f'{tmp_path / "test.tfvars"}: kubelogin_login_mode = "{mode}": '
        f"{NOT_INTERACTIVE.message} "
        '(use "azurecli" after az login; in CI "spn", "workloadidentity" or "msi")'
    )
    assert "Terraform runs kubelogin without a terminal" in problem
    with pytest.raises(ValueError, match="needs nobody at a prompt"):
        ClusterAccessProps(
            kubernetes_auth="kubelogin",
            aks_cluster_name="aks-1",
            aks_resource_group_name="rg-1",
            kubelogin_login_mode=mode,
        )


@pytest.mark.parametrize(
    ("line", "switch"),
    [
        ('kubeconfig_context = "aks-1"', 'kubernetes_auth = "kubeconfig"'),
        ('kubeconfig_path = "~/.kube/aks"', 'kubernetes_auth = "kubeconfig"'),
        ("aks_admin_credentials = true", 'kubernetes_auth = "aks_credentials"'),
        ('workload_identity_webhook_chart_version = "1.6.0"', "install_workload_identity_webhook"),
    ],
)
def test_a_key_the_chosen_mode_ignores_is_an_error(tmp_path, line, switch) -> None:
    (problem,) = problems(tmp_path, AKS + 'kubernetes_auth = "kubelogin"\n' + line + "\n")
    key = line.split(" ")[0]
    assert f"{key} is only used with {switch}" in problem


def test_kubelogin_login_mode_without_kubelogin_is_an_error(tmp_path) -> None:
    (problem,) = problems(tmp_path, AKS + 'kubelogin_login_mode = "spn"\n')
    assert 'kubelogin_login_mode is only used with kubernetes_auth = "kubelogin"' in problem


@pytest.mark.parametrize(
    "line",
    ['aks_admin_credentials = "true"', "install_workload_identity_webhook = 1"],
)
def test_switches_must_be_booleans(tmp_path, line) -> None:
    (problem,) = problems(tmp_path, AKS + 'kubernetes_auth = "aks_credentials"\n' + line + "\n")
    assert "must be true or false" in problem


def test_webhook_chart_version_and_namespace_are_validated(tmp_path) -> None:
    found = problems(
        tmp_path,
        AKS
        + "install_workload_identity_webhook = true\n"
        + 'workload_identity_webhook_chart_version = "1.6"\n'
        + 'workload_identity_webhook_namespace = "Azure_WI"\n',
    )
    assert len(found) == 2
    assert "workload_identity_webhook_chart_version" in found[0]
    assert "semantic version" in found[0]
    assert "workload_identity_webhook_namespace" in found[1]
    assert "DNS-1123 label" in found[1]


def test_construct_props_reject_what_they_cannot_build() -> None:
    with pytest.raises(ValueError, match="aks_cluster_name and aks_resource_group_name"):
        ClusterAccessProps(kubernetes_auth="kubelogin")
    with pytest.raises(ValueError, match="kubelogin_login_mode 'ropc'"):
        ClusterAccessProps(kubelogin_login_mode="ropc")
    with pytest.raises(ValueError, match="aks_admin_credentials needs"):
        ClusterAccessProps(aks_admin_credentials=True)
    with pytest.raises(ValueError, match="not both"):
        KubernetesClusterProps(
            aks_cluster_name="aks", aks_resource_group_name="rg", oidc_issuer_url="https://x"
        )
    with pytest.raises(ValueError, match="needs aks_cluster_name"):
        KubernetesClusterProps()
