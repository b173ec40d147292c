"""The app's entry point: load the configuration, build the three stacks, synthesize (all of
them or, on an error or Ctrl-C, none: ``atomic_output``)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from aks_workload_identity.atomic_output import OutputError, staged_output
from aks_workload_identity.config import load_from_environment
from aks_workload_identity.problems import ConfigError
from aks_workload_identity.runtime import configure_jsii_runtime

EXIT_INVALID_CONFIG = 2
EXIT_OUTPUT_FAILED = 1
# Where the CLIs (and make synth) ask for the output; the CDK's own default otherwise.
OUTDIR_ENV = "CDKTF_OUTDIR"
DEFAULT_OUTDIR = "cdktf.out"


def state_directory(project_dir: Path) -> Path:
    """Where the state files are: beside the cdktf.json the CLI runs (its working directory),
    else beside this app's; never beside the output directory, which a flag can move."""
    here = Path.cwd()
    return here if (here / "cdktf.json").is_file() else project_dir


_interrupts: list[int] = []


def _note_interrupt(signum: int, frame: object) -> None:
    _interrupts.append(signum)
    raise KeyboardInterrupt


def main(project_dir: Path) -> int:
    signal.signal(signal.SIGINT, _note_interrupt)
    configure_jsii_runtime()
    try:
        config = load_from_environment(project_dir)
    except ConfigError as error:
        error.report("nothing was synthesized")
        return EXIT_INVALID_CONFIG
    for warning in config.warnings:
        print(f"azwi: warning: {warning}", file=sys.stderr)
    outdir = Path(os.environ.get(OUTDIR_ENV) or DEFAULT_OUTDIR)
    try:
        with staged_output(outdir) as staging:  # before the CDK's imports: fail in a moment
            from aks_workload_identity.cdk import App
            from aks_workload_identity.configured_stack import (
                REQUIRED_TERRAFORM_VERSION,
                STATE_DIRECTORY_CONTEXT,
            )
            from aks_workload_identity.hcl_output import (
                write_removed_blocks,
                write_required_version,
            )
            from aks_workload_identity.stacks import build_stacks

            state = os.path.relpath(state_directory(project_dir), outdir.resolve() / "stacks" / "x")
            app = App(outdir=str(staging), context={STATE_DIRECTORY_CONTEXT: state})
            stacks = build_stacks(app, config)
            app.synth()
            write_required_version(app, stacks, REQUIRED_TERRAFORM_VERSION)
            write_removed_blocks(app, stacks)
    except BrokenPipeError:
        # The CDK's Node process is gone: a Ctrl-C reaches the whole process group, and Node may
        # stop before Python sees its KeyboardInterrupt. jsii's exit hook would then fail on the
        # same pipe with a traceback, so nothing more runs.
        if _interrupts:
            raise KeyboardInterrupt from None
        print(
            "azwi: the CDK's Node process stopped; nothing was synthesized "
            "(the previous output is kept)",
            file=sys.stderr,
            flush=True,
        )
        os._exit(EXIT_OUTPUT_FAILED)
    except (OutputError, OSError) as error:
        reason = error if isinstance(error, OutputError) else f"{error.filename}: {error.strerror}"
        print(f"azwi: {reason}; nothing was synthesized", file=sys.stderr)
        return EXIT_OUTPUT_FAILED
    return 0
