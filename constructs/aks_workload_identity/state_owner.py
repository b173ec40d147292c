"""Refuse, while planning, a configuration file that is not the one whose state this is.

Two configuration files in one checkout without ``environment`` (``my.auto.tfvars`` and
``AZWI_CONFIG=prod.tfvars``, say) have the same state file names: the second one's plan would
update, replace or delete what the first one deployed. Each stack records, in its own state, the
name of the file that deployed it, and a plan from another file fails before anything changes,
saying whose state it is and how to give the file a state of its own.

How: a ``terraform_data`` records the file's name on the first deploy and ignores later changes
to it; its postcondition compares the recorded name with the planning file's. A stack deployed
before this record existed gets it on its next deploy, from the file that deploys it. With the
change allowed (a renamed file), the record follows the new name, in place. Terraform evaluates
no condition while it destroys: ``destroy`` is not refused (docs/teams.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from aks_workload_identity.cdk import DataResource, Postcondition, TerraformResourceLifecycle
from aks_workload_identity.checks import hcl_string
from aks_workload_identity.hcl_output import write_conditions_as_blocks
from aks_workload_identity.literals import literal

_RECORDED = 'lookup(self.output, "configuration", "")'


@dataclass(frozen=True)
class StateOwnerProps:
    """``configuration``: the planning file's name, as written (not a template); ``state``: where
    the stack's state is, for the message; ``allow_key``: the switch that lets the record follow
    a renamed file; ``allowed``: it is set."""

    configuration: str
    state: str
    allow_key: str
    environment_key: str
    allowed: bool = False


class StateOwner(Construct):
    """Creates ``record``, holding the name of the file this stack's state belongs to."""

    def __init__(self, scope: Construct, id_: str, props: StateOwnerProps) -> None:
        super().__init__(scope, id_)
        name = literal(props.configuration)
        checks = [] if props.allowed else [_same_file(props)]
        self.record = DataResource(
            self,
            "record",
            input={"configuration": name},
            lifecycle=TerraformResourceLifecycle(
                ignore_changes=None if props.allowed else ["input"],
                postcondition=checks or None,
            ),
        )
        write_conditions_as_blocks(self.record, "postcondition", checks, ignore_changes=["input"])


def _same_file(props: StateOwnerProps) -> Postcondition:
    name = literal(props.configuration)
    return Postcondition(
        condition=f"${{{_RECORDED} == {hcl_string(props.configuration)}}}",
        error_message=(
            f"{props.state} belongs to ${{{_RECORDED}}}, not to {name}: this plan would change "
            "what that file deployed. Give this file a state of its own "
            f"(set {props.environment_key} in it, docs/teams.md), or, if {name} is "
            f"${{{_RECORDED}}} renamed, set {props.allow_key} = true for one deploy."
        ),
    )
