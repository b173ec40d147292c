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
from rehearsal.rehearse import Rehearsal, rehearse
from tests.conftest import EXAMPLE_CONFIG, EXAMPLES_DIR

# (configuration, flavour): the default configuration and the mapping examples with cdktf, the
# default configuration with cdktn; `make rehearse [CDK=cdktn]` runs every example.
REHEARSED = (
    (EXAMPLE_CONFIG, "cdktf"),
    (EXAMPLES_DIR / "one-to-many.tfvars", "cdktf"),
    (EXAMPLES_DIR / "many-to-one.tfvars", "cdktf"),
    (EXAMPLE_CONFIG, "cdktn"),
)
FLAVOURS = ("cdktf", "cdktn")
REHEARSAL_TEST = "tests/test_rehearsal.py::test_deploy_redeploy_destroy"


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


def start_rehearsals(standins: StandIns, root: Path) -> dict[tuple[Path, str], Future[Rehearsal]]:
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="rehearsal")
    standins.stack.callback(pool.shutdown, wait=True, cancel_futures=True)
    return {
        (config, flavour): pool.submit(
            rehearse, config, root / f"{config.stem}-{flavour}", standins.cli_config, flavour
        )
        for config, flavour in REHEARSED
    }
