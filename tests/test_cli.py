"""The real toolchain: cdktf.json, the cdktf CLI, main.py, the pinned Node."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLE_CONFIG, PROJECT_DIR

CDKTF = PROJECT_DIR / "node_modules" / ".bin" / "cdktf"
EOL_BANNER = "end-of-life"


def _env(**extra: str) -> dict[str, str]:
    # NODE_OPTIONS here carries this process's jsii preload; the app sets its own.
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("CDKTF_") and k != "NODE_OPTIONS"
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(CHECKPOINT_DISABLE="1", DISABLE_VERSION_CHECK="1", CI="1", **extra)
    return env


def test_cdktf_synth_writes_three_stacks_without_node_warnings(tmp_path) -> None:
    out = tmp_path / "cdktf.out"
    result = subprocess.run(
        [str(CDKTF), "synth", "--output", str(out)],
        cwd=PROJECT_DIR,
        env=_env(AZWI_CONFIG=str(EXAMPLE_CONFIG)),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert EOL_BANNER not in (result.stdout + result.stderr).lower()
    assert sorted(p.name for p in (out / "stacks").iterdir()) == ["cluster", "identity", "secrets"]
    for stack in ("identity", "cluster", "secrets"):
        synthesized = json.loads((out / "stacks" / stack / "cdk.tf.json").read_text())
        assert synthesized["terraform"]["backend"]["local"]["path"] == (
            f"../../../terraform.{stack}.tfstate"
        )


def test_invalid_config_exits_non_zero_and_writes_nothing(tmp_path) -> None:
    bad = tmp_path / "bad.tfvars"
    bad.write_text('aks_cluser_name = "x"\n')
    out = tmp_path / "cdktf.out"
    result = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "main.py")],
        cwd=PROJECT_DIR,
        env=_env(AZWI_CONFIG=str(bad), CDKTF_OUTDIR=str(out)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert not out.exists()
    assert "Traceback" not in result.stderr
    assert "did you mean 'aks_cluster_name'?" in result.stderr
    assert result.stdout == ""
