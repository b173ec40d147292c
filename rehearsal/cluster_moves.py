"""Clusters coming and going, rehearsed (docs/clusters.md): green added beside a deployed blue
creates only green's stacks and green's federated credentials; green removed (its stacks
destroyed first, then its entry removed and the identity stack deployed) deletes only green's
credentials. Nothing of blue, the identity or the vault changes in either."""

from __future__ import annotations

import json
import re
from pathlib import Path

from aks_workload_identity.runtime import cdk_flavour
from rehearsal import mirror, world
from rehearsal.changes import written
from rehearsal.checks import (
    RehearsalError,
    _stack_lines,
    _tail,
    check_deployed,
    check_destroyed,
    require,
)
from rehearsal.rehearse import Rehearsal, Step

TWO_CLUSTERS = mirror.PROJECT_DIR / "examples" / "two-clusters.tfvars"
TENANT_PARTS = ("identities", "role_assignments", "vaults")


def without_cluster(config: Path, key: str, workdir: Path) -> Path:
    """A copy of ``config`` without ``key``'s entry in ``clusters`` (its block of lines), under
    ``config``'s file name: the user edits the file, and the state records which file deployed
    it (``state_owner.py``)."""
    lines = config.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  {key} = {{"))
    end = next(i for i in range(start, len(lines)) if lines[i] == "  }\n")
    return written(
        workdir / f"without-{key}" / config.name, "".join(lines[:start] + lines[end + 1 :])
    )


_COUNTS = (
    re.compile(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy\."),
    re.compile(r"Apply complete! Resources: (\d+) added, (\d+) changed, (\d+) destroyed\."),
)


def _changes(step: Step, stack: str, stacks: tuple[str, ...]) -> tuple[int, int, int]:
    """What ``stack`` added, changed (in place) and destroyed (a replacement is both), from its
    plan or its apply summary (cdktf relays Terraform through a pseudo-terminal and may lose a
    line of it, rarely both)."""
    for owner, line in _stack_lines(step.output, stacks):
        if owner != stack:
            continue
        if line.startswith("No changes."):
            return 0, 0, 0
        for pattern in _COUNTS:
            if match := pattern.match(line):
                return int(match[1]), int(match[2]), int(match[3])
    raise RehearsalError(f"{stack} printed neither its plan nor its apply:\n{_tail(step.output)}")


def _credentials(r: Rehearsal) -> dict[str, dict]:
    return r.world.read()["credentials"]


def _resources(r: Rehearsal, stack: str) -> dict[str, list]:
    """Each resource of ``stack``'s state by address, with its instances' attributes."""
    return {
        f"{x['mode']}.{x['type']}.{x['name']}": [i["attributes"] for i in x["instances"]]
        for x in r.state(stack)["resources"]
    }


def _unchanged(before: dict, after: dict, what: str) -> None:
    changed = sorted(k for k in before if after.get(k) != before[k])
    require(not changed, f"{what} changed: {changed[:5]}")


def add_and_remove_a_cluster(config: Path, workdir: Path, mirror_config: Path) -> Rehearsal:
    """Both clusters exist; blue is deployed, green added, then removed, then all destroyed."""
    r = Rehearsal(config, workdir, mirror_config, cdk_flavour())  # the mirror's flavour
    r.prepare()
    blue_only = without_cluster(config, "green", workdir)
    r.use_config(blue_only)
    check_deployed(r, r.deploy())
    blue_stacks = r.stack_ids
    blue_state = {stack: _resources(r, stack) for stack in blue_stacks}
    blue_world, blue_credentials = r.world.read(), _credentials(r)

    r.use_config(config)
    step = r.deploy()
    check_deployed(r, step)
    stacks = r.stack_ids
    added = {k: v for k, v in _credentials(r).items() if k not in blue_credentials}
    green_issuer = world.clusters_in(r.world.read())["green"]["cluster"]["issuer"]
    # Each added credential, and one propagation wait per identity that trusts green.
    changes = len(added) + len({c["identity_id"] for c in added.values()})
    done = _changes(step, "identity", stacks)
    require(
        done == (changes, 0, 0),
        f"adding green added, changed, destroyed {done} in identity (wanted only its "
        f"{changes} credentials and waits added)",
    )
    require(
        bool(added) and all(c["issuer"] == green_issuer for c in added.values()),
        f"adding green added credentials {sorted(added)}, not green's alone",
    )
    _unchanged(blue_credentials, _credentials(r), "blue's credentials")
    for stack in blue_stacks[1:]:
        done = _changes(step, stack, stacks)
        require(done == (0, 0, 0), f"adding green changed {stack}: {done}")
        _unchanged(blue_state[stack], _resources(r, stack), f"{stack}'s state")
    _unchanged(blue_state["identity"], _resources(r, "identity"), "the identity stack's state")
    after = r.world.read()
    _unchanged({p: blue_world[p] for p in TENANT_PARTS}, after, "the tenant")
    require(
        world.clusters_in(after)["blue"] == world.clusters_in(blue_world)["blue"],
        "adding green changed cluster blue",
    )

    # Removing green, as docs/clusters.md says: its stacks first, then its entry.
    step = r.cli("destroy", "secrets-green", "cluster-green")
    require(step.returncode == 0, f"destroying green's stacks failed:\n{_tail(step.output)}")
    after = r.world.read()
    require(
        world.clusters_in(after)["green"] == world.clusters_in(r.before)["green"],
        "destroying green's stacks left something in cluster green",
    )
    require(
        world.clusters_in(after)["blue"] == world.clusters_in(blue_world)["blue"],
        "destroying green's stacks changed cluster blue",
    )
    r.use_config(blue_only)
    step = r.deploy()
    check_deployed(r, step)
    done = _changes(step, "identity", blue_stacks)
    require(
        done == (0, 0, changes),
        f"removing green added, changed, destroyed {done} in identity (wanted only its "
        f"{changes} credentials and waits destroyed)",
    )
    require(
        _credentials(r) == blue_credentials,
        f"removing green left credentials {json.dumps(sorted(_credentials(r)))[:300]}",
    )
    for stack in blue_stacks[1:]:
        done = _changes(step, stack, blue_stacks)
        require(done == (0, 0, 0), f"removing green changed {stack}: {done}")
    check_destroyed(r, r.destroy())
    return r


# What `make rehearse` runs after the examples (and `--cluster-moves` alone): name -> move.
CLUSTER_MOVES = {
    "add-and-remove-a-cluster": lambda workdir, cli_config: add_and_remove_a_cluster(
        TWO_CLUSTERS, workdir, cli_config
    ),
}
