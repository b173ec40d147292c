"""The security tests' real synthesis of every example and its checkov run, in the background.

``start`` runs this module in a process of its own (the suite's interpreter, without ``-O``: the
bindings check every argument): it synthesizes every example with a real ``App`` into
``<root>/synth/<example>/``, then runs checkov once over a copy of every stack that it can read
(in ``<root>/checkov/``) and writes checkov's report there, ``report.json``. ``conftest.py``
starts it with the session, so its ~30 s of CPU (half synthesis, half checkov) run beside the
other tests, as the rehearsals do; ``tests/test_security.py`` waits for it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import PROJECT_DIR, example_configs, example_id

CHECKOV = PROJECT_DIR / ".venv" / "checkov" / "bin" / "checkov"


def synth_root(root: Path) -> Path:
    return root / "synth"


def checkov_root(root: Path) -> Path:
    return root / "checkov"


def checkov_report(root: Path) -> Path:
    return checkov_root(root) / "report.json"


def start(root: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("NODE_OPTIONS", "AZWI_CONFIG")}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.security_scan", str(root)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def finish(process: subprocess.Popen[bytes]) -> None:
    log, _ = process.communicate(timeout=600)
    assert process.returncode == 0, log.decode(errors="replace")


def stack_paths(synthesized: Path) -> dict[tuple[str, str], Path]:
    """(example, stack) -> its cdk.tf.json in ``synth_root``."""
    from aks_workload_identity.config import load_config

    return {
        (example_id(config), stack): synthesized
        / example_id(config)
        / "stacks"
        / stack
        / "cdk.tf.json"
        for config in example_configs()
        for stack in load_config(config).stack_ids
    }


def checkov_readable(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` without ``terraform.required_version`` and ``removed``: checkov 3.3.30's
    terraform_json parser raises on any string directly in the terraform block and on a block
    type written as a list ("this method receives only dicts", ``hclify``), and then scans
    nothing in the file. No check reads either."""
    terraform = {k: v for k, v in document["terraform"].items() if k != "required_version"}
    kept = {k: v for k, v in document.items() if k != "removed"}
    return {**kept, "terraform": terraform}


def _synthesize(root: Path) -> None:
    from aks_workload_identity.cdk import App
    from aks_workload_identity.config import load_config
    from aks_workload_identity.stacks import build_stacks

    for config in example_configs():
        outdir = synth_root(root) / example_id(config)
        outdir.mkdir(parents=True)
        app = App(outdir=str(outdir))
        build_stacks(app, load_config(config))
        app.synth()


def _checkov(root: Path) -> None:
    """One checkov run over every stack (it is slow to start); its JSON report as it is."""
    scanned = checkov_root(root)
    command = [str(CHECKOV), "--framework", "terraform_json", "--output", "json", "--compact"]
    command += ["--skip-download", "--soft-fail"]  # offline; failures are judged by the tests
    for path in stack_paths(synth_root(root)).values():
        relative = path.relative_to(synth_root(root))
        (scanned / relative).parent.mkdir(parents=True)
        (scanned / relative).write_text(json.dumps(checkov_readable(json.loads(path.read_text()))))
        command += ["--file", str(relative)]
    run = subprocess.run(
        command, cwd=scanned, capture_output=True, text=True, timeout=300, check=False
    )
    if run.returncode != 0:
        sys.exit(f"checkov failed to run:\n{run.stdout}\n{run.stderr}")
    checkov_report(root).write_text(run.stdout)


def main(root: Path) -> None:
    _synthesize(root)
    if CHECKOV.is_file():  # else the tests that need it fail, naming it
        _checkov(root)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
