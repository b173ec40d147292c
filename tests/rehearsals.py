"""The stand-in providers for the tests, and the rehearsals ``make test`` runs in the background.

A full rehearsal (three cdktf commands) takes ~30 s, mostly CPU in the cdktf CLI, Terraform and
the app; ``conftest.py`` starts them before the first test, two at a time, so they run while the
rest of the suite does. Each rehearsal test only waits for its configuration's result.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from rehearsal import mirror, zygote
from rehearsal.changes import rehearse_data_safety
from rehearsal.rehearse import Rehearsal, rehearse
from tests.conftest import EXAMPLE_CONFIG, EXAMPLES_DIR

# The default configuration and the mapping examples; `make rehearse` runs every example.
REHEARSED = (
    EXAMPLE_CONFIG,
    EXAMPLES_DIR / "one-to-one.tfvars",
    EXAMPLES_DIR / "one-to-many.tfvars",
    EXAMPLES_DIR / "many-to-one.tfvars",
)
# Edits that must not lose data, each rehearsed on the default configuration.
CHANGES = {"vault-and-eso": rehearse_data_safety}
REHEARSAL_TESTS = (
    "tests/test_rehearsal.py::test_deploy_redeploy_destroy",
    "tests/test_data_safety.py::test_a_config_edit_does_not_lose_data",
)


@dataclass
class StandIns:
    """The mirror's Terraform CLI configuration, with a zygote serving its providers."""

    cli_config: Path
    stack: ExitStack

    @classmethod
    def start(cls, directory: Path) -> StandIns:
        cli_config = mirror.build(directory)
        stack = ExitStack()
        stack.enter_context(zygote.running(directory))
        return cls(cli_config, stack)


def start_rehearsals(standins: StandIns, root: Path) -> dict[object, Future[Rehearsal]]:
    """Each configuration's rehearsal (keyed by its path) and each edit's (keyed by name)."""
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="rehearsal")
    standins.stack.callback(pool.shutdown, wait=True, cancel_futures=True)
    jobs: dict[object, Future[Rehearsal]] = {
        config: pool.submit(rehearse, config, root / config.stem, standins.cli_config)
        for config in REHEARSED
    }
    for name, scenario in CHANGES.items():
        jobs[name] = pool.submit(scenario, EXAMPLE_CONFIG, root / name, standins.cli_config)
    return jobs
