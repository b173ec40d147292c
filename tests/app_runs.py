"""The app as subprocesses: the way cdktf runs it, and the most ordinary way.

``tests/test_providers.py`` compares what the two write. The ordinary run takes ~25 s on one core,
so ``conftest.py`` starts both before the first test, on the core the rest of the suite leaves
mostly idle (it alternates between Python and the jsii Node process); the test only waits.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from aks_workload_identity import runtime
from tests.conftest import EXAMPLES_DIR, PROJECT_DIR

AZURERM = "cdktf_cdktf_provider_azurerm"
CONFIG = EXAMPLES_DIR / "many-secrets.tfvars"
BYTE_IDENTITY_TEST = (
    "tests/test_providers.py::test_fast_and_ordinary_imports_synthesize_byte_identical_files"
)
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


def start(root: Path, *, fast: bool) -> AppRun:
    """The fast run has the shipped interpreter flags (cdktf.json: ``-O``, which drops the
    bindings' argument type checks); the ordinary run has eager imports and the checks on."""
    name = "fast" if fast else "ordinary"
    outdir, log = root / name, root / f"{name}.log"
    # NODE_OPTIONS here carries this process's lazy-index preload; the app sets its own. Byte code
    # may be written, so only the first ordinary run compiles modules the install did not.
    unset = {"NODE_OPTIONS", runtime.FAST_IMPORTS_ENV, "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDKTF_") and k not in unset}
    env.update(AZWI_CONFIG=str(CONFIG), CDKTF_OUTDIR=str(outdir), CHECKPOINT_DISABLE="1")
    if not fast:
        env[runtime.FAST_IMPORTS_ENV] = "0"
    flags = SHIPPED_PYTHON_FLAGS if fast else []
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, *flags, "-c", _COUNTING_MAIN, str(PROJECT_DIR / "main.py")],
            cwd=PROJECT_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return AppRun(process, outdir, log)


def azurerm_submodules(output: str) -> int:
    return int(output.rsplit("azurerm submodules:", 1)[1].split()[0])
