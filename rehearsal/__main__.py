"""``python -m rehearsal [CONFIG ...]``: rehearse each configuration (default: every example,
then the state moves), with the CDK flavour ``AZWI_CDK`` names (``make rehearse CDK=cdktn``),
default cdktf. ``--state-moves`` rehearses the state moves (``state_moves.py``),
``--cluster-moves`` a cluster added and removed (``cluster_moves.py``): alone, or after the
configurations given; a move's name after its option rehearses only the moves named."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from aks_workload_identity.problems import ConfigError
from aks_workload_identity.runtime import cdk_flavour
from rehearsal import mirror, zygote
from rehearsal.changes import EDITS
from rehearsal.checks import RehearsalError
from rehearsal.cluster_moves import CLUSTER_MOVES
from rehearsal.rehearse import PROJECT_DIR, rehearse
from rehearsal.state_moves import STATE_MOVES

SHIPPED_DIRS = (PROJECT_DIR, PROJECT_DIR / "examples")


def shipped_configs() -> list[Path]:
    return [
        PROJECT_DIR / "my.auto.tfvars.example",
        *sorted((PROJECT_DIR / "examples").glob("*.tfvars")),
    ]


# Scenarios beside the examples, each also alone by its option: name -> move(workdir, config).
MOVES = {"--state-moves": STATE_MOVES, "--cluster-moves": CLUSTER_MOVES}


def main(argv: list[str]) -> int:
    options = [a for a in argv if a in MOVES]
    named = {name: move for moves in MOVES.values() for name, move in moves.items()}
    picked = [a for a in argv if a in named]
    paths = [a for a in argv if a not in MOVES and a not in named]
    configs = [Path(a).resolve() for a in paths] or ([] if options else shipped_configs())
    chosen = options if options or argv else list(MOVES)
    moves = {name: move for option in chosen for name, move in MOVES[option].items()}
    if picked:
        moves = {name: named[name] for name in picked}
    flavour = cdk_flavour()
    with tempfile.TemporaryDirectory(prefix="rehearsal-") as tmp:
        mirror_config = mirror.build(Path(tmp) / "mirror", (flavour,))
        with zygote.running(mirror_config.parent):
            failures = _rehearse_all(configs, Path(tmp), mirror_config, flavour)
            failed_moves = _rehearse_moves(moves, Path(tmp), mirror_config)
    if configs:
        print(f"rehearse: {len(configs) - failures} of {len(configs)} configuration(s) passed")
    if moves:
        print(f"rehearse: {len(moves) - failed_moves} of {len(moves)} scenario(s) passed")
    return 1 if failures or failed_moves else 0


def _rehearse_moves(moves: dict, tmp: Path, mirror_config: Path) -> int:
    failures = 0
    for name, move in moves.items():
        start = time.monotonic()
        try:
            move(tmp / name, mirror_config)
        except RehearsalError as failure:
            failures += 1
            print(f"rehearse: {name}: FAILED: {failure}", file=sys.stderr)
            continue
        print(f"rehearse: {name}: ok in {time.monotonic() - start:.0f} s")
    return failures


def _rehearse_all(configs: list[Path], tmp: Path, mirror_config: Path, flavour: str) -> int:
    failures = 0
    for config in configs:
        start = time.monotonic()
        try:
            edits = EDITS.get(config.name) if config.parent in SHIPPED_DIRS else None
            r = rehearse(config, tmp / config.stem, mirror_config, edits, flavour)
        except ConfigError as error:
            failures += 1
            for problem in error.problems:
                print(f"rehearse: {problem}", file=sys.stderr)
            continue
        except RehearsalError as failure:
            failures += 1
            print(f"rehearse: {config.name}: FAILED: {failure}", file=sys.stderr)
            continue
        steps = ", ".join(f"{s.command} {s.seconds:.0f} s" for s in r.steps)
        print(f"rehearse: {config.name}: ok in {time.monotonic() - start:.0f} s ({steps})")
    return failures


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
