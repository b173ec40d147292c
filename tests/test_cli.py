"""The real toolchain: cdktf.json, the cdktf CLI, main.py, the pinned Node."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aks_workload_identity.config import load_config
from aks_workload_identity.problems import ConfigError
from tests.conftest import EXAMPLE_CONFIG, PROJECT_DIR

CDKTF = PROJECT_DIR / "node_modules" / ".bin" / "cdktf"
EOL_BANNER = "end-of-life"


def _env(**extra: str) -> dict[str, str]:
    # NODE_OPTIONS here carries this process's jsii preload; the app sets its own. A configured
    # but missing TF_CLI_CONFIG_FILE only makes the terraform that cdktf runs print warnings.
    dropped = ("NODE_OPTIONS", "TF_CLI_CONFIG_FILE", "AZWI_CONFIG")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDKTF_") and k not in dropped}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(CHECKPOINT_DISABLE="1", DISABLE_VERSION_CHECK="1", CI="1", **extra)
    return env


def _run(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """``command`` in the project directory with ``_env(**env)``, output captured."""
    return subprocess.run(
        command,
        cwd=PROJECT_DIR,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def cli_synth(tmp_path_factory) -> Path:
    """``cdktf synth`` of the example: its output directory."""
    out = tmp_path_factory.mktemp("cli") / "cdktf.out"
    result = _run([str(CDKTF), "synth", "--output", str(out)], AZWI_CONFIG=str(EXAMPLE_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    assert EOL_BANNER not in (result.stdout + result.stderr).lower()
    return out


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_cdktf_synth_writes_three_stacks_without_node_warnings(cli_synth) -> None:
    out = cli_synth
    assert sorted(p.name for p in (out / "stacks").iterdir()) == ["cluster", "identity", "secrets"]
    for stack in ("identity", "cluster", "secrets"):
        synthesized = json.loads((out / "stacks" / stack / "cdk.tf.json").read_text())
        # The state stays beside the project's cdktf.json wherever --output puts the stacks.
        state = synthesized["terraform"]["backend"]["local"]["path"]
        assert (
            out / "stacks" / stack / state
        ).resolve() == PROJECT_DIR / f"terraform.{stack}.tfstate"


def test_make_synth_writes_what_cdktf_synth_writes_without_the_cli(tmp_path, cli_synth) -> None:
    out = tmp_path / "cdktf.out"
    (out / "stacks" / "renamed-stack").mkdir(parents=True)  # the CLI would remove it too
    result = _run(
        ["make", "--no-print-directory", "synth", f"OUT={out}"], AZWI_CONFIG=str(EXAMPLE_CONFIG)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert _files(out) == _files(cli_synth)


def test_make_synth_with_cdk_cdktn_runs_the_cdktn_flavour(tmp_path) -> None:
    out = tmp_path / "cdktf.out"
    result = _run(
        ["make", "--no-print-directory", "synth", "CDK=cdktn", f"OUT={out}"],
        AZWI_CONFIG=str(EXAMPLE_CONFIG),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    identity = json.loads((out / "stacks" / "identity" / "cdk.tf.json").read_text())
    assert identity["//"]["metadata"]["version"] == "0.24.0"  # cdktn's, not cdktf's 0.21.0
    assert identity["terraform"]["required_providers"]["azurerm"]["version"] == "5.10.0"


# Several problems at once: an unknown key (and so a missing one), a bad name, a nested bad name.
INVALID = """
aks_cluser_name = "aks-demo"
aks_resource_group_name = "rg-aks-demo"
eso_namespace = "External_Secrets"
external_secrets = [
  { name = "app", namespace = "apps", data = [{ secret_key = "k", remote_key = "db_password" }] },
]
"""


@pytest.fixture
def invalid_config(tmp_path) -> tuple[Path, list[str]]:
    """The invalid file and the lines synth must print for it, one per problem."""
    path = tmp_path / "invalid.tfvars"
    path.write_text(INVALID)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    lines = [f"azwi: {problem}" for problem in caught.value.problems]
    assert len(lines) == 4
    assert "did you mean 'aks_cluster_name'?" in lines[0]
    assert "external_secrets[0].data[0].remote_key" in lines[3 - 1]
    return path, lines


def _assert_stopped_cleanly(result: subprocess.CompletedProcess[str], lines: list[str]) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for line in lines:
        assert line in output.splitlines() or f"    {line}" in output.splitlines(), line
    assert "Traceback" not in output
    assert "jsii" not in output.lower()


def test_invalid_config_through_main_py_exits_2_and_writes_nothing(
    tmp_path, invalid_config
) -> None:
    path, lines = invalid_config
    out = tmp_path / "cdktf.out"
    result = _run(
        [sys.executable, str(PROJECT_DIR / "main.py")], AZWI_CONFIG=str(path), CDKTF_OUTDIR=str(out)
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        *lines,
        f"azwi: {len(lines)} configuration problem(s); nothing was synthesized",
    ]
    _assert_stopped_cleanly(result, lines)
    assert not out.exists()


def test_invalid_config_through_cdktf_synth_fails_and_writes_nothing(
    tmp_path, invalid_config
) -> None:
    path, lines = invalid_config
    out = tmp_path / "cdktf.out"
    result = _run([str(CDKTF), "synth", "--output", str(out)], AZWI_CONFIG=str(path))
    _assert_stopped_cleanly(result, lines)
    assert not (out / "stacks").exists()


def test_invalid_config_through_make_synth_fails_and_writes_nothing(
    tmp_path, invalid_config
) -> None:
    path, lines = invalid_config
    out = tmp_path / "cdktf.out"
    result = _run(
        ["make", "--no-print-directory", "synth", f"OUT={out}"],
        AZWI_CONFIG=str(path),
    )
    _assert_stopped_cleanly(result, lines)
    assert not (out / "stacks").exists()
