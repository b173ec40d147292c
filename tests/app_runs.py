"""The app's entry point two ways: as a subprocess the way cdktf runs it, and in the test process.

``tests/test_providers.py`` compares what the two write; ``tests/test_input_limits.py`` runs in
the test process the refusals that need no process boundary.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from aks_workload_identity import runtime
from tests.conftest import PROJECT_DIR

AZURERM = "cdktf_cdktf_provider_azurerm"
# cdktf.json's app is "<python> <flags> main.py".
_, *SHIPPED_PYTHON_FLAGS, _ = shlex.split(
    json.loads((PROJECT_DIR / "cdktf.json").read_text())["app"]
)

# Runs main.py and, on exit, reports how many azurerm submodules Python imported.
_COUNTING_MAIN = f"""
import atexit, runpy, sys
main = sys.argv[1]
atexit.register(lambda: print(
    "azurerm submodules:", sum(m.startswith("{AZURERM}.") for m in sys.modules), file=sys.stderr
))
sys.argv = [main]
runpy.run_path(main, run_name="__main__")
"""


@dataclass
class AppRun:
    """A running ``main.py``; ``outdir`` gets its stacks, ``log`` its output."""

    process: subprocess.Popen[bytes]
    outdir: Path
    log: Path

    def finish(self, timeout: float = 300) -> tuple[int, str]:
        """Wait for it: its exit status and its output."""
        status = self.process.wait(timeout=timeout)
        return status, self.log.read_text()


def start_shipped(config: Path, outdir: Path) -> AppRun:
    """``main.py`` as cdktf.json runs it: the shipped interpreter flags (``-O``, which drops the
    bindings' argument type checks) and the fast imports."""
    log = outdir.with_name(f"{outdir.name}.log")
    # NODE_OPTIONS here carries this process's lazy-index preload; the app sets its own.
    unset = {"NODE_OPTIONS", runtime.FAST_IMPORTS_ENV}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDKTF_") and k not in unset}
    env.update(AZWI_CONFIG=str(config), CDKTF_OUTDIR=str(outdir), CHECKPOINT_DISABLE="1")
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                *SHIPPED_PYTHON_FLAGS,
                "-c",
                _COUNTING_MAIN,
                str(PROJECT_DIR / "main.py"),
            ],
            cwd=PROJECT_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return AppRun(process, outdir, log)


def azurerm_submodules(output: str) -> int:
    return int(output.rsplit("azurerm submodules:", 1)[1].split()[0])


def main_in_process(
    monkeypatch: pytest.MonkeyPatch, config: Path | str, outdir: Path
) -> tuple[int, str]:
    """``aks_workload_identity.app.main`` here, as ``main.py`` calls it with ``AZWI_CONFIG`` and
    ``CDKTF_OUTDIR`` set: its exit status and standard error. An exception propagates, as it
    would print a traceback from ``main.py``."""
    from aks_workload_identity.app import main

    for name in [k for k in os.environ if k.startswith("CDKTF_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AZWI_CONFIG", str(config))
    monkeypatch.setenv("CDKTF_OUTDIR", str(outdir))
    monkeypatch.chdir(PROJECT_DIR)
    errors = io.StringIO()
    # main() takes over Ctrl-C for the app; the test session gets its own handler back.
    session_handler = signal.getsignal(signal.SIGINT)
    try:
        with contextlib.redirect_stderr(errors):
            status = main(PROJECT_DIR)
    finally:
        signal.signal(signal.SIGINT, session_handler)
    return status, errors.getvalue()
