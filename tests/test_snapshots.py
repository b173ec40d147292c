"""A snapshot per stack per example: a changed snapshot is a changed deployment; review it."""

from __future__ import annotations

from pathlib import Path

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import example_stacks


@pytest.fixture
def json_snapshot(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize(("path", "stack"), example_stacks())
def test_stack_matches_snapshot(path: Path, stack: str, synth_of, json_snapshot) -> None:
    assert synth_of(path)[stack] == json_snapshot
