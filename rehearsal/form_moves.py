"""The flat walkthrough keys rewritten as the maps, and back, rehearsed on a deployment: the
file ``walkthrough_to_maps`` prints deploys with nothing created, replaced or deleted (the same
client ID, the same world), and so does the flat file after it. On the way, the maps form's
``moved`` blocks (``former_addresses.py``) take a state from before, with the entries at the
mapping ids, to the walkthrough's ids, replacing nothing either."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from aks_workload_identity.runtime import cdk_flavour
from aks_workload_identity.walkthrough_to_maps import maps_configuration
from rehearsal.changes import written
from rehearsal.checks import STACKS, check_deployed, check_destroyed, check_kept, require
from rehearsal.rehearse import Rehearsal


def flat_to_maps_and_back(config: Path, workdir: Path, mirror_config: Path) -> Rehearsal:
    """Deploy ``config`` (flat), then its maps form, then ``config`` again; destroy."""
    r = Rehearsal(config, workdir, mirror_config, flavour=cdk_flavour())
    r.prepare()
    check_deployed(r, r.deploy())
    deployed, client_ids = r.world.read(), _client_ids(r)
    # The file keeps its name: it is the same configuration, rewritten (state_owner.py).
    maps = written(workdir / "maps" / config.name, maps_configuration(config))
    for form, before in ((maps, None), (maps, _at_former_ids), (config, None)):
        r.use_config(form)
        if before:
            before(r)
        step = r.deploy()
        check_kept(step, f"{form.parent.name}/{form.name}")
        require(r.world.read() == deployed, f"deploying {form} changed the world")
        require(_client_ids(r) == client_ids, f"deploying {form} changed the client ID")
    check_destroyed(r, r.destroy())
    return r


def _at_former_ids(r: Rehearsal) -> None:
    """The state as a maps deployment from before has it: each resource a ``moved`` block
    names at its ``from`` address (``terraform state mv`` in each stack)."""
    stacks = {stack: r.workdir / r.output / "stacks" / stack for stack in STACKS}
    moves = {
        stack: json.loads((directory / "cdk.tf.json").read_text()).get("moved", [])
        for stack, directory in stacks.items()
    }
    require(any(moves.values()), "the maps form has no moved blocks to rehearse")
    for stack, directory in stacks.items():
        for move in moves[stack]:
            done = subprocess.run(
                ["terraform", "state", "mv", move["to"], move["from"]],
                cwd=directory,
                env=r.environment(),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            require(done.returncode == 0, f"{stack}: state mv failed:\n{done.stderr}")


def _client_ids(r: Rehearsal) -> list[str]:
    return sorted(i["client_id"] for i in r.resources("identity", "azurerm_user_assigned_identity"))
