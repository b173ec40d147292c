"""``make destroy`` refuses to destroy a state that another configuration file deployed.

Terraform evaluates no condition while it destroys, so the state owner's check
(``state_owner.py``) cannot stop ``AZWI_CONFIG=prod.tfvars make destroy`` from destroying what
``my.auto.tfvars`` deployed into the same local state files. Before the CLI destroys anything,
this reads each stack's local state file and refuses when its record names another file.
Remote state is read by Terraform alone, signed in: there, ``make diff`` first (docs/teams.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from aks_workload_identity.app import state_directory
from aks_workload_identity.config import Config, load_from_environment
from aks_workload_identity.problems import ConfigError

EXIT_REFUSED = 2
# The owner's record in a stack's state: ``StateOwner(stack, "state-owner", ...).record``.
RECORD_PREFIX = "state-owner_record_"


def recorded_owner(state_file: Path) -> str | None:
    """The configuration file a local state file's record names; None without a record."""
    try:
        state = json.loads(state_file.read_text())
    except (OSError, ValueError):
        return None
    for resource in state.get("resources", []):
        if resource.get("type") != "terraform_data":
            continue
        if not resource.get("name", "").startswith(RECORD_PREFIX):
            continue
        for instance in resource.get("instances", []):
            output = instance.get("attributes", {}).get("output") or {}
            value = output.get("value", output)  # a dynamic value is stored with its type
            if isinstance(value, dict) and isinstance(value.get("configuration"), str):
                return value["configuration"]
    return None


def refusals(config: Config, directory: Path) -> list[str]:
    """One line per local state file in ``directory`` that another configuration file owns."""
    if config.state.remote is not None or config.state_owner_change_allowed:
        return []
    mine = config.source.name
    found = []
    for stack in config.stack_ids:
        state_file = directory / config.state.local_file(stack)
        owner = recorded_owner(state_file)
        if owner is not None and owner != mine:
            found.append(
                f"{state_file.name} belongs to {owner}, not to {mine}: make destroy would "
                f"destroy what {owner} deployed. Destroy with that file (AZWI_CONFIG={owner}), "
                f"give {mine} a state of its own (set environment in it, docs/teams.md), or, if "
                f"{mine} is {owner} renamed, set state_owner_change_allowed = true"
            )
    return found


def main(project_dir: Path) -> int:
    try:
        config = load_from_environment(project_dir)
    except ConfigError:
        return 0  # the CLI's synth reports the problems, and destroys nothing
    found = refusals(config, state_directory(project_dir))
    for line in found:
        print(f"azwi: {line}", file=sys.stderr)
    return EXIT_REFUSED if found else 0


if __name__ == "__main__":
    sys.exit(main(Path.cwd()))
