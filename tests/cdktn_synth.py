"""The cdktn flavour's synthesis for the tests, in its own environment.

cdktf and cdktn cannot share a process (each flavour has its own jsii packages and constructs
version), so ``start`` runs this module with ``.venv/cdktn``'s Python: it synthesizes every
example with ``Testing.synth``, as ``conftest.synth_config`` does for cdktf, and writes them as
one JSON file. ``conftest.py`` starts it with the session; it takes ~10 s on one core.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from aks_workload_identity import runtime
from rehearsal.mirror import FLAVOUR_PYTHON
from tests.conftest import PROJECT_DIR, Synth, example_configs, example_id


def start(output: Path) -> subprocess.Popen[bytes]:
    # The bindings' argument type checks stay on (no -O): a wrong argument type fails here.
    env = {k: v for k, v in os.environ.items() if k not in ("NODE_OPTIONS", "AZWI_CONFIG")}
    env[runtime.CDK_ENV] = "cdktn"
    return subprocess.Popen(
        [str(FLAVOUR_PYTHON["cdktn"]), "-m", "tests.cdktn_synth", str(output)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def finish(process: subprocess.Popen[bytes], output: Path) -> dict[Path, Synth]:
    log, _ = process.communicate(timeout=300)
    assert process.returncode == 0, log.decode(errors="replace")
    by_id = json.loads(output.read_text())
    return {path: by_id[example_id(path)] for path in example_configs()}


def main(output: Path) -> None:
    from tests.conftest import synth_config

    output.write_text(json.dumps({example_id(p): synth_config(p) for p in example_configs()}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
