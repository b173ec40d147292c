"""A snapshot per stack per example: a changed snapshot is a changed deployment; review it."""

from __future__ import annotations

from pathlib import Path

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import example_configs, example_id

STACKS = ("identity", "cluster", "secrets")


@pytest.fixture
def json_snapshot(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("path", example_configs(), ids=example_id)
@pytest.mark.parametrize("stack", STACKS)
def test_stack_matches_snapshot(path: Path, stack: str, synth_of, json_snapshot) -> None:
    assert synth_of(path)[stack] == json_snapshot
