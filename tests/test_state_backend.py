"""Where each synthesized stack keeps its state, and where the others read its outputs from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aks_workload_identity.config import load_config
from tests.conftest import EXAMPLES_DIR

STACKS = ("identity", "cluster", "secrets")
AZURERM = {
    "storage_account_name": "sttfstateazwidemo",
    "container_name": "tfstate",
    "resource_group_name": "rg-tfstate",
    "use_azuread_auth": True,
}


def app_synth(config: Path, outdir: Path) -> dict[str, dict]:
    """Each stack as the app writes it: with the cross-stack reads, unlike ``Testing.synth``."""
    from aks_workload_identity.cdk import App
    from aks_workload_identity.stacks import build_stacks

    app = App(outdir=str(outdir))
    build_stacks(app, load_config(config))
    app.synth()
    return {s: json.loads((outdir / "stacks" / s / "cdk.tf.json").read_text()) for s in STACKS}


@pytest.fixture(scope="module")
def remote(tmp_path_factory):
    return app_synth(EXAMPLES_DIR / "remote-state.tfvars", tmp_path_factory.mktemp("remote"))


def test_each_stack_has_its_own_blob_signed_in_with_entra_id(remote) -> None:
    for name in STACKS:
        backend = remote[name]["terraform"]["backend"]
        assert backend == {
            "azurerm": {**AZURERM, "key": f"aks-workload-identity/{name}.tfstate"}
        }, name


def test_cross_stack_reads_follow_the_remote_backend(remote) -> None:
    for name in ("cluster", "secrets"):
        reads = remote[name]["data"]["terraform_remote_state"]
        assert {read["backend"] for read in reads.values()} == {"azurerm"}
        keys = {read["config"]["key"] for read in reads.values()}
        assert keys == {"aks-workload-identity/identity.tfstate"}, name
        assert all(read["config"]["use_azuread_auth"] for read in reads.values())


def test_no_stack_writes_a_credential_for_the_backend(remote) -> None:
    text = repr(remote)
    for argument in ("access_key", "sas_token", "client_secret", "use_msi"):
        assert argument not in text


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_an_environment_has_local_state_files_of_its_own(tmp_path, environment) -> None:
    stacks = app_synth(EXAMPLES_DIR / f"environment-{environment}.tfvars", tmp_path)
    for name in STACKS:
        path = f"../../../terraform.{environment}.{name}.tfstate"
        assert stacks[name]["terraform"]["backend"] == {"local": {"path": path}}
    reads = stacks["secrets"]["data"]["terraform_remote_state"].values()
    assert {r["config"]["path"] for r in reads} == {
        f"../../../terraform.{environment}.identity.tfstate"
    }
