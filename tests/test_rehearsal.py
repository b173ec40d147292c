"""The offline deploy rehearsal: `cdktf deploy '*'`, again, then `cdktf destroy '*'` (or the
same with cdktn), with the real CLI and Terraform against stand-in providers (``rehearsal/``)."""

from __future__ import annotations

import pytest

from tests.conftest import example_id
from tests.rehearsals import REHEARSED


@pytest.mark.parametrize(
    ("config_file", "flavour"),
    REHEARSED,
    ids=[f"{example_id(config)}-{flavour}" for config, flavour in REHEARSED],
)
def test_deploy_redeploy_destroy(background_rehearsals, config_file, flavour) -> None:
    """Deploys in order with the cross-stack values in place and no secret in state; the second
    deploy changes nothing; destroy empties every state (``rehearsal.rehearse`` says how)."""
    rehearsal = background_rehearsals[config_file, flavour].result(timeout=600)
    assert [step.command for step in rehearsal.steps] == [
        f"{flavour} deploy *",
        f"{flavour} deploy *",
        f"{flavour} destroy *",
    ]
