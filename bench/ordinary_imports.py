"""The fast imports against the most ordinary run, byte for byte (moved here from ``make test``).

``main.py`` as ``cdktf.json`` runs it (fast imports, ``-O``) and as plainly as Python runs it
(``AZWI_FAST_IMPORTS=0``: every provider module imported, Python and Node; no ``-O``: every
argument type-checked) synthesize ``examples/many-secrets.tfvars``; every file must be equal. The
ordinary cdktf run costs ~25 s of CPU, which is why ``make bench`` does it and ``make test`` checks
what makes the two equal instead (``tests/test_providers.py``).
"""

from __future__ import annotations

import filecmp
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
CONFIG = PROJECT_DIR / "examples" / "many-secrets.tfvars"
FAST_IMPORTS_ENV = "AZWI_FAST_IMPORTS"


def _synth(cdk: str, outdir: Path, *, ordinary: bool) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDKTF_")}
    env.pop("NODE_OPTIONS", None)
    env.update(AZWI_CONFIG=str(CONFIG), CDKTF_OUTDIR=str(outdir), AZWI_CDK=cdk)
    env.update(CHECKPOINT_DISABLE="1")
    python = PROJECT_DIR / ".venv" / ("cdktn" if cdk == "cdktn" else "") / "bin" / "python"
    if ordinary:
        env[FAST_IMPORTS_ENV] = "0"
        command = [str(python), str(PROJECT_DIR / "main.py")]
    else:
        env.pop(FAST_IMPORTS_ENV, None)
        command = [str(python), "-O", str(PROJECT_DIR / "main.py")]
    done = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        failed = f"ordinary_imports: {shlex.join(command)} exited {done.returncode}"
        sys.exit(f"{failed}:\n{done.stderr}")


def _different(left: Path, right: Path) -> list[str]:
    names = {p.relative_to(root) for root in (left, right) for p in root.rglob("*") if p.is_file()}
    return sorted(
        str(name)
        for name in names
        if not ((left / name).is_file() and (right / name).is_file())
        or not filecmp.cmp(left / name, right / name, shallow=False)
    )


def check(cdk: str) -> None:
    """Exit with the differing files unless both runs of ``cdk`` write the same."""
    with tempfile.TemporaryDirectory(prefix="ordinary-imports-") as tmp:
        shipped, ordinary = Path(tmp) / "shipped", Path(tmp) / "ordinary"
        _synth(cdk, shipped, ordinary=False)
        _synth(cdk, ordinary, ordinary=True)
        differ = _different(shipped, ordinary)
        if differ:
            sys.exit(f"ordinary_imports: FAIL: {cdk}: the ordinary run wrote other files: {differ}")
    print(f"ordinary_imports: {cdk}: the shipped and the ordinary run wrote the same files")


if __name__ == "__main__":
    for flavour in sys.argv[1:] or ["cdktf", "cdktn"]:
        check(flavour)
