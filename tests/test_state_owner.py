"""A second configuration file never plans against the first one's state: the state records the
file that deployed it, and real terraform refuses another file's plan (``state_owner.py``).

The record is a ``terraform_data``, built into Terraform: a stack of it alone needs no provider,
so init, apply and plan run offline in about a second each. The whole deployment's refusal is
rehearsed in ``rehearsal/state_moves.py`` (``make rehearse``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aks_workload_identity import cdk
from aks_workload_identity.config import load_config
from aks_workload_identity.state_owner import StateOwner, StateOwnerProps
from tests.conftest import EXAMPLE_CONFIG, synth_config
from tests.test_terraform_validation import needs_terraform, terraform

STATE = "terraform.identity.tfstate"


def owner_stack(directory: Path, configuration: str, *, allowed: bool = False) -> Path:
    """A root module with only the record, for ``configuration``, in ``directory``."""
    stack = cdk.TerraformStack(cdk.Testing.app(), "identity")
    props = StateOwnerProps(configuration, STATE, "state_owner_change_allowed", "environment")
    StateOwner(stack, "state-owner", StateOwnerProps(**{**vars(props), "allowed": allowed}))
    synthesized = json.loads(cdk.Testing.synth(stack))
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "main.tf.json").write_text(json.dumps({"resource": synthesized["resource"]}))
    return directory


def run(directory: Path, *args: str) -> tuple[int, str]:
    done = terraform(directory, *args, "-input=false", "-state=../terraform.tfstate")
    return done.returncode, " ".join((done.stdout + done.stderr).split())


@needs_terraform
def test_another_file_is_refused_and_a_renamed_one_takes_the_state_over(tmp_path) -> None:
    first = owner_stack(tmp_path / "first", "my.auto.tfvars")
    assert terraform(first, "init", "-input=false").returncode == 0
    assert run(first, "apply", "-auto-approve")[0] == 0
    assert run(first, "plan", "-detailed-exitcode")[0] == 0  # its own file: no change

    second = owner_stack(tmp_path / "second", "prod.tfvars")
    assert terraform(second, "init", "-input=false").returncode == 0
    status, said = run(second, "plan")
    assert status == 1
    assert (
        "terraform.identity.tfstate belongs to my.auto.tfvars, not to prod.tfvars: this plan "
        "would change what that file deployed. Give this file a state of its own "
        "(set environment in it, docs/teams.md), or, if prod.tfvars is my.auto.tfvars "
        "renamed, set state_owner_change_allowed = true for one deploy."
    ) in said

    renamed = owner_stack(tmp_path / "renamed", "prod.tfvars", allowed=True)
    assert terraform(renamed, "init", "-input=false").returncode == 0
    status, said = run(renamed, "apply", "-auto-approve")
    assert (status, "0 added, 1 changed, 0 destroyed" in said) == (0, True)  # in place
    assert run(second, "plan", "-detailed-exitcode")[0] == 0  # the new name owns it now
    assert run(first, "plan")[0] == 1  # and the old one is refused


@pytest.mark.parametrize("stack", ["identity", "cluster", "secrets"])
def test_every_stack_records_its_file(stack) -> None:
    (record,) = [
        body
        for name, body in synth_config(EXAMPLE_CONFIG)[stack]["resource"]["terraform_data"].items()
        if name.startswith("state-owner_record_")
    ]
    assert record["input"] == {"configuration": "my.auto.tfvars.example"}
    (check,) = record["lifecycle"]["postcondition"]
    assert f"terraform.{stack}.tfstate belongs to" in check["error_message"]


def test_a_template_in_the_file_name_stays_text(tmp_path) -> None:
    path = tmp_path / "${var.x}.tfvars"
    path.write_text(EXAMPLE_CONFIG.read_text())
    stack = owner_stack(tmp_path / "out", load_config(path).source.name)
    (record,) = json.loads((stack / "main.tf.json").read_text())["resource"][
        "terraform_data"
    ].values()
    assert record["input"] == {"configuration": "$${var.x}.tfvars"}
    assert '== "$${var.x}.tfvars"' in record["lifecycle"]["postcondition"][0]["condition"]
