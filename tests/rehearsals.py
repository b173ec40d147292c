"""The stand-in providers for the tests, and the rehearsals ``make test`` runs in the background.

A full rehearsal (three CLI commands) takes ~30 s, mostly CPU in the cdktf CLI, Terraform and
the app; ``conftest.py`` starts them before the first test, two at a time, so they run while the
rest of the suite does. Each rehearsal test only waits for its configuration's result.
"""

from __future__ import annotations

import re
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from rehearsal import mirror, zygote
from rehearsal.changes import data_safety_edits
from rehearsal.rehearse import Rehearsal, rehearse
from tests.conftest import EXAMPLE_CONFIG, EXAMPLES_DIR

# (configuration, flavour): the default configuration (with the data-safety edits) with cdktf, and
# the example with two identities, two stores and an extracted secret with cdktn, into which the
# fragment `make migrate` writes is merged (below). ~25-35 s of CPU each is what `make test`
# affords; `make rehearse [CDK=cdktn]` runs every example, many-to-one among them.
ONE_TO_ONE = EXAMPLES_DIR / "one-to-one.tfvars"
REHEARSED = (
    (EXAMPLE_CONFIG, "cdktf"),
    (ONE_TO_ONE, "cdktn"),
)
FLAVOURS = ("cdktf", "cdktn")
# Edits that must not lose data, made on the deployed default configuration before its destroy.
EDITS = {(EXAMPLE_CONFIG, "cdktf"): data_safety_edits}
REHEARSAL_TESTS = (
    "tests/test_rehearsal.py::test_deploy_redeploy_destroy",
    "tests/test_data_safety.py::test_a_config_edit_does_not_lose_data",
    "tests/test_pod_identity.py::test_a_migrated_fragment_deploys_redeploys_and_destroys",
)


@dataclass
class StandIns:
    """The mirror's Terraform CLI configuration, with a zygote serving its providers."""

    cli_config: Path
    stack: ExitStack

    @classmethod
    def start(cls, directory: Path) -> StandIns:
        cli_config = mirror.build(directory, FLAVOURS)
        stack = ExitStack()
        stack.enter_context(zygote.running(directory))
        return cls(cli_config, stack)


# A fragment `make migrate` writes from a fixture, merged into one-to-one as its docstring tells a
# user: it deploys, redeploys and destroys beside what one-to-one makes, and destroy leaves the
# identity it reuses and the service accounts it annotates as they were.
MIGRATED = EXAMPLES_DIR.parent / "tests" / "fixtures" / "pod_identity" / "several-workloads.yaml"
_ASSIGNMENT = re.compile(r"^(\w+)\s*=\s*(.*)$")


def _assignments(text: str) -> dict[str, list[str]]:
    """Each top-level key of a tfvars file and the lines of its value (comments left out)."""
    values: dict[str, list[str]] = {}
    for line in text.splitlines():
        if found := _ASSIGNMENT.match(line):
            key = found[1]
            values[key] = [found[2]]
        elif values and line.strip() and not line.lstrip().startswith("#"):
            values[key].append(line)
    return values


def merged(base: str, fragment: str) -> str:
    """``fragment``'s keys merged into ``base``: a key it adds is appended, the entries of a map
    both set are added to base's, an empty or equal value leaves base's."""
    lines = base.splitlines()
    current = _assignments(base)
    for key, value in _assignments(fragment).items():
        if key not in current:
            lines += [f"{key} = {value[0]}", *value[1:]]
        elif value[0] == "{" and current[key][0] == "{":
            opening = next(
                i
                for i, line in enumerate(lines)
                if _ASSIGNMENT.match(line) and line.startswith(f"{key} ")
            )
            closing = lines.index("}", opening)
            lines[closing:closing] = value[1:-1]
        elif value not in (["[]"], ["{}"], current[key]):
            raise ValueError(f"{key}: cannot merge {value} into {current[key]}")
    return "\n".join(lines) + "\n"


def _rehearse_migrated(root: Path, cli_config: Path) -> Rehearsal:
    from aks_workload_identity.pod_identity.cli import main as migrate

    root.mkdir(parents=True)
    fragment = root / "pod-identity.tfvars"
    flags = ["--aks-resource-group-name", "rg-aks-demo", "--aks-cluster-name", "aks-demo"]
    status = migrate([str(MIGRATED), *flags, "-o", str(fragment), "--report", str(root / "r.md")])
    assert status == 0, f"make migrate exited {status}"
    config = root / "one-to-one-migrated.tfvars"
    config.write_text(merged(ONE_TO_ONE.read_text(), fragment.read_text()))
    return rehearse(config, root / "rehearsal", cli_config, flavour="cdktn")


def start_rehearsals(standins: StandIns, root: Path) -> dict[object, Future[Rehearsal]]:
    """The default configuration's rehearsal and one-to-one's with the migrated fragment, by
    (configuration, flavour); the latter by the fragment's fixture too."""
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="rehearsal")
    standins.stack.callback(pool.shutdown, wait=True, cancel_futures=True)
    default = pool.submit(
        rehearse,
        EXAMPLE_CONFIG,
        root / "default-cdktf",
        standins.cli_config,
        EDITS[EXAMPLE_CONFIG, "cdktf"],
    )
    migrated = pool.submit(_rehearse_migrated, root / "migrated", standins.cli_config)
    return {(EXAMPLE_CONFIG, "cdktf"): default, (ONE_TO_ONE, "cdktn"): migrated, MIGRATED: migrated}
