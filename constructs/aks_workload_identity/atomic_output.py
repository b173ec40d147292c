"""A synth's output written completely or not at all.

The stacks are synthesized into a sibling directory of the output directory, which then takes
the output directory's place in one ``rename``: two synths into one directory never mix, and an
interrupted or failed one leaves the previous output as it was (its staging directory is
removed). The CLI reads ``manifest.json`` in the output directory after the app exits, so it
finds the new one. Terraform's own files in a stack directory (``.terraform/`` with the
providers, ``.terraform.lock.hcl``: its dot files) are moved into the new output first, so a
deploy does not run ``init`` from scratch. A stack directory the new output has no stack for (a
cluster removed from ``clusters``) is moved along as it is, as the CDK's own synth leaves it: the
CLI lists the stack directories before the app runs and deletes those of no stack after it,
failing on one that is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

# renameat2's flag that swaps two paths in one step (Linux >= 3.15); elsewhere two renames.
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class OutputError(Exception):
    """The output directory cannot be written: one line says why."""


@contextlib.contextmanager
def staged_output(outdir: Path) -> Iterator[Path]:
    """A new directory to synthesize into; on success it becomes ``outdir``."""
    staging = outdir.parent / f".{outdir.name}.synth-{os.getpid()}"
    try:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
    except FileNotFoundError:
        raise OutputError(f"cannot write {outdir}: {outdir.parent} does not exist") from None
    except OSError as error:
        raise OutputError(f"cannot write {outdir} in {outdir.parent}: {error.strerror}") from None
    try:
        yield staging
        _keep_terraform_files(outdir, staging)
        _swap_in(staging, outdir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _keep_terraform_files(outdir: Path, staging: Path) -> None:
    stacks, new_stacks = outdir / "stacks", staging / "stacks"
    for stack in new_stacks.iterdir() if stacks.is_dir() else ():
        old = stacks / stack.name
        for entry in old.glob(".*") if old.is_dir() else ():
            if not (stack / entry.name).exists():
                entry.rename(stack / entry.name)
    for old in stacks.iterdir() if stacks.is_dir() and new_stacks.is_dir() else ():
        if old.is_dir() and not (new_stacks / old.name).exists():
            old.rename(new_stacks / old.name)


def _swap_in(staging: Path, outdir: Path) -> None:
    """``staging`` becomes ``outdir``; the previous ``outdir`` ends up at ``staging``."""
    if not outdir.exists():
        staging.rename(outdir)
        return
    if not outdir.is_dir() or outdir.is_symlink():
        raise OutputError(f"cannot write {outdir}: it exists and is not a directory")
    if _exchange(staging, outdir):
        return
    previous = staging.with_name(staging.name + ".previous")
    outdir.rename(previous)
    staging.rename(outdir)
    previous.rename(staging)


def _exchange(first: Path, second: Path) -> bool:
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    done = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return done == 0
