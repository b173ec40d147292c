"""The flat walkthrough keys rewritten as the maps, and back, rehearsed on a deployment: the
file ``walkthrough_to_maps`` prints deploys with nothing created, replaced or deleted (the same
client ID, the same world), and so does the flat file after it."""

from __future__ import annotations

from pathlib import Path

from aks_workload_identity.runtime import cdk_flavour
from aks_workload_identity.walkthrough_to_maps import maps_configuration
from rehearsal.changes import written
from rehearsal.checks import check_deployed, check_destroyed, check_kept, require
from rehearsal.rehearse import Rehearsal


def flat_to_maps_and_back(config: Path, workdir: Path, mirror_config: Path) -> Rehearsal:
    """Deploy ``config`` (flat), then its maps form, then ``config`` again; destroy."""
    r = Rehearsal(config, workdir, mirror_config, flavour=cdk_flavour())
    r.prepare()
    check_deployed(r, r.deploy())
    deployed, client_ids = r.world.read(), _client_ids(r)
    # The file keeps its name: it is the same configuration, rewritten (state_owner.py).
    maps = written(workdir / "maps" / config.name, maps_configuration(config))
    for form in (maps, config):
        r.use_config(form)
        step = r.deploy()
        check_kept(step, f"{form.parent.name}/{form.name}")
        require(r.world.read() == deployed, f"deploying {form} changed the world")
        require(_client_ids(r) == client_ids, f"deploying {form} changed the client ID")
    check_destroyed(r, r.destroy())
    return r


def _client_ids(r: Rehearsal) -> list[str]:
    return sorted(i["client_id"] for i in r.resources("identity", "azurerm_user_assigned_identity"))
