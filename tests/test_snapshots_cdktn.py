"""A snapshot per stack per example for the cdktn flavour (``__snapshots__/test_snapshots_cdktn``);
``tests/test_flavours.py`` says how they may differ from the cdktf ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import example_stacks


@pytest.fixture
def json_snapshot(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize(("path", "stack"), example_stacks())
def test_cdktn_stack_matches_snapshot(path: Path, stack: str, cdktn_synth, json_snapshot) -> None:
    assert cdktn_synth[path][stack] == json_snapshot
