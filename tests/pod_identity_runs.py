"""The pod identity migration run in-process on the fixtures in tests/fixtures/pod_identity."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR

FIXTURES = PROJECT_DIR / "tests" / "fixtures" / "pod_identity"
CLUSTER_FLAGS = ["--aks-resource-group-name", "rg-aks-demo", "--aks-cluster-name", "aks-demo"]
FRAGMENT = "pod-identity.tfvars"


@dataclass(frozen=True)
class Migration:
    status: int
    fragment_path: Path
    report: str
    stderr: str

    @property
    def fragment(self) -> str:
        return self.fragment_path.read_text()

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.splitlines()


def migrate(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *fixtures: str,
    args: tuple[str, ...] = tuple(CLUSTER_FLAGS),
) -> Migration:
    """Copies ``fixtures`` into ``tmp_path`` and runs the command there, so every path it prints
    is the bare file name."""
    from aks_workload_identity.pod_identity.cli import main

    for name in fixtures:
        shutil.copy(FIXTURES / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    status = main([*fixtures, *args])
    captured = capsys.readouterr()
    return Migration(status, tmp_path / FRAGMENT, captured.out, captured.err)
