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
    commands = [step.command for step in rehearsal.steps]
    assert commands[:2] == [f"{flavour} deploy *", f"{flavour} deploy *"]
    assert commands[-1] == f"{flavour} destroy *"


def test_each_output_line_is_read_as_the_stack_that_printed_it() -> None:
    """cdktf names the stack on the first line of each chunk it relays; how Terraform's output
    is split into chunks varies from run to run, so a result may come on a continuation line."""
    from rehearsal.checks import _first

    output = (
        "identity  Creating...\n"
        "          Apply complete! Resources: 3 added\n"
        "cluster  Apply complete! Resources: 1 added\n"
        "secrets  Plan: 2 to add\n"
        "         Apply complete! Resources: 2 added\n"
    )
    assert [_first(output, s, "Apply complete!") for s in ("identity", "cluster", "secrets")] == [
        1,
        2,
        4,
    ]
    assert _first(output, "secrets", "Creating") == -1


def test_make_rehearse_reports_a_bad_configuration_in_one_line(tmp_path) -> None:
    import subprocess
    import sys

    from tests.conftest import PROJECT_DIR

    bad = tmp_path / "bad.tfvars"
    bad.write_text('eso_namespace = "External"\n')
    done = subprocess.run(
        [sys.executable, "-m", "rehearsal", str(bad)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f'rehearse: {bad}: eso_namespace = "External": Kubernetes name' in done.stderr
    assert "0 of 1 configuration(s) passed" in done.stdout
