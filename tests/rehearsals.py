"""The stand-in providers for the tests, and the rehearsals ``make test`` runs in the background.

A full rehearsal (three CLI commands) takes ~30 s, mostly CPU in the cdktf CLI, Terraform and
the app; ``conftest.py`` starts them before the first test, two at a time, so they run while the
rest of the suite does. Each rehearsal test only waits for its configuration's result.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from rehearsal import mirror, zygote
from rehearsal.changes import data_safety_edits
from rehearsal.rehearse import Rehearsal, rehearse
from tests.conftest import EXAMPLE_CONFIG, EXAMPLES_DIR

# (configuration, flavour): the default configuration (with the data-safety edits) and the
# example with the most credentials on one identity with cdktf, the example with two identities,
# two stores and an extracted secret with cdktn. These three and the migrated fragment's (below),
# ~25 s of CPU each, are what `make test` affords; `make rehearse [CDK=cdktn]` runs every example.
REHEARSED = (
    (EXAMPLE_CONFIG, "cdktf"),
    (EXAMPLES_DIR / "many-to-one.tfvars", "cdktf"),
    (EXAMPLES_DIR / "one-to-one.tfvars", "cdktn"),
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


# A fragment `make migrate` writes from a fixture: it deploys, redeploys and destroys too, and
# destroy leaves the identity it reuses and the service account it annotates as they were.
MIGRATED = EXAMPLES_DIR.parent / "tests" / "fixtures" / "pod_identity" / "several-workloads.yaml"


def _rehearse_migrated(root: Path, cli_config: Path) -> Rehearsal:
    from aks_workload_identity.pod_identity.cli import main as migrate

    root.mkdir(parents=True)
    fragment = root / "pod-identity.tfvars"
    flags = ["--aks-resource-group-name", "rg-aks-demo", "--aks-cluster-name", "aks-demo"]
    status = migrate([str(MIGRATED), *flags, "-o", str(fragment), "--report", str(root / "r.md")])
    assert status == 0, f"make migrate exited {status}"
    return rehearse(fragment, root / "rehearsal", cli_config)


def start_rehearsals(standins: StandIns, root: Path) -> dict[object, Future[Rehearsal]]:
    """Each (configuration, flavour) rehearsal, and the migrated fragment's (by its path)."""
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="rehearsal")
    standins.stack.callback(pool.shutdown, wait=True, cancel_futures=True)
    jobs: dict[object, Future[Rehearsal]] = {
        (config, flavour): pool.submit(
            rehearse,
            config,
            root / f"{config.stem}-{flavour}",
            standins.cli_config,
            EDITS.get((config, flavour)),
            flavour,
        )
        for config, flavour in REHEARSED
    }
    jobs[MIGRATED] = pool.submit(_rehearse_migrated, root / "migrated", standins.cli_config)
    return jobs
