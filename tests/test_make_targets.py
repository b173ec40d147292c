"""What the Makefile refuses before anything is installed or deployed."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import PROJECT_DIR


@pytest.fixture
def checkout(tmp_path):
    """The files make reads, and no my.auto.tfvars."""
    for name in (
        "Makefile",
        "requirements.lock",
        "pyproject.toml",
        "package.json",
        "package-lock.json",
    ):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    return tmp_path


def make(checkout, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(checkout), **env}
    return subprocess.run(
        ["make", *args], cwd=checkout, env=environment, capture_output=True, text=True
    )


@pytest.mark.parametrize("target", ["deploy", "destroy"])
def test_deploy_and_destroy_refuse_the_examples_demo_values(checkout, target) -> None:
    done = make(checkout, target)
    assert done.returncode == 2
    assert f"make {target} needs your configuration" in done.stderr
    assert "cp my.auto.tfvars.example my.auto.tfvars" in done.stderr
    assert not (checkout / ".venv").exists()  # refused before any set-up


@pytest.mark.parametrize("target", ["deploy", "destroy"])
def test_a_configuration_of_your_own_passes_the_guard(checkout, target) -> None:
    (checkout / "my.auto.tfvars").write_text('aks_cluster_name = "aks"\n')
    own = make(checkout, "-n", target)
    assert own.returncode == 0, own.stderr
    assert f"AZWI_CONFIG=my.auto.tfvars {checkout}/node_modules/.bin/cdktf {target}" in own.stdout
    guard = (
        "AZWI_CONFIG=my.auto.tfvars "
        f"{checkout}/.venv/bin/python -m aks_workload_identity.destroy_guard"
    )
    assert (guard in own.stdout) == (target == "destroy")
    named = make(checkout, "-n", target, AZWI_CONFIG="prod.tfvars")
    assert named.returncode == 0, named.stderr
    assert f"--var-file={checkout}/prod.tfvars" in named.stdout
