"""State moves a team makes, rehearsed: a local deployment moved into Azure Storage with
``terraform init -migrate-state`` per stack (docs/teams.md), two environments deployed from
one checkout, each with state of its own, and a second file without an environment, refused
(``state_owner.py``); and the flat keys rewritten as the maps (``form_moves.py``)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from aks_workload_identity.runtime import cdk_flavour
from rehearsal import azure_storage, mirror
from rehearsal.changes import edited, with_value, written
from rehearsal.checks import (
    STACKS,
    RehearsalError,
    check_deployed,
    check_destroyed,
    check_kept,
    check_redeployed,
    require,
)
from rehearsal.form_moves import flat_to_maps_and_back
from rehearsal.rehearse import Rehearsal

ACCOUNT, CONTAINER, PREFIX = "sttfstaterehearsal", "tfstate", "aks-workload-identity"
REMOTE_STATE = (
    f'{{ storage_account_name = "{ACCOUNT}", container_name = "{CONTAINER}", '
    f'key_prefix = "{PREFIX}" }}'
)


def synth(r: Rehearsal) -> None:
    """``make synth``: the app alone writes cdktf.out for the current configuration."""
    python = mirror.FLAVOUR_PYTHON[r.flavour]
    done = subprocess.run(
        [str(python), "-O", str(mirror.PROJECT_DIR / "main.py")],
        cwd=r.workdir,
        env=r.environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    require(done.returncode == 0, f"synth of {r.config.name} failed:\n{done.stderr}")


def migrate(r: Rehearsal, stack: str) -> None:
    """What docs/teams.md tells users to run in each stack's directory, in order."""
    done = r.terraform(stack, "init", "-migrate-state", "-force-copy", "-input=false")
    require(done.returncode == 0, f"{stack}: init -migrate-state failed:\n{done.output}")


def move_to_remote_state(config: Path, workdir: Path, mirror_config: Path) -> Rehearsal:
    """Deploy with local state, move each stack's state into the container, deploy again (no
    change, nothing replaced), destroy from the remote state."""
    r = Rehearsal(config, workdir, mirror_config)
    r.prepare()
    check_deployed(r, r.deploy())
    local = {stack: r.state(stack) for stack in STACKS}
    with azure_storage.serving(workdir / "storage", ACCOUNT, [CONTAINER]) as storage:
        r.storage = storage
        r.use_config(edited(config, workdir, "remote.tfvars", remote_state=REMOTE_STATE))
        synth(r)
        for stack in STACKS:
            migrate(r, stack)
        keys = [f"{PREFIX}/{stack}.tfstate" for stack in STACKS]
        require(storage.blobs.names(CONTAINER) == sorted(keys), "one blob per stack")
        for stack in STACKS:
            moved = r.state(stack)
            require(moved["lineage"] == local[stack]["lineage"], f"{stack}: another lineage")
            require(
                moved["resources"] == local[stack]["resources"],
                f"{stack}: other resources after the move",
            )
        step = r.deploy()
        check_redeployed(r, step)
        for word in ("to add", "to destroy", "must be replaced", "Creating...", "Destroying..."):
            require(word not in step.output, f"deploy with remote state: {word!r}")
        leased = [key for key in keys if storage.blobs.properties(CONTAINER, key).locked]
        require(not leased, f"leases left on {leased}")
        check_destroyed(r, r.destroy())
    return r


def two_environments(dev: Path, prod: Path, workdir: Path, mirror_config: Path) -> Rehearsal:
    """dev deployed, then prod from the same checkout (its cdktf.out, its .terraform): prod's
    deploy and destroy leave dev's state files and dev's cluster and tenant as they were."""
    first = Rehearsal(dev, workdir, mirror_config)
    first.prepare()
    check_deployed(first, first.deploy())
    dev_state, dev_world = _files(workdir, "dev"), first.world.read()
    second = Rehearsal(prod, workdir, mirror_config, world_name="prod-world")
    second.output = f"cdktf.out-{prod.stem}"  # as the Makefile derives it
    second.prepare_world()
    check_deployed(second, second.deploy())
    require(_files(workdir, "prod") != dev_state, "prod has no state of its own")
    require(_files(workdir, "dev") == dev_state, "prod's deploy changed dev's state")
    require(first.world.read() == dev_world, "prod's deploy changed dev's world")
    check_destroyed(second, second.destroy())
    require(_files(workdir, "dev") == dev_state, "prod's destroy changed dev's state")
    require(first.world.read() == dev_world, "prod's destroy changed dev's world")
    check_destroyed(first, first.destroy())
    return first


def second_file_without_environment(config: Path, workdir: Path, mirror_config: Path) -> Rehearsal:
    """``config`` deployed; then prod.tfvars, without an environment, in the same checkout: its
    deploy is refused in the first stack's plan, and the state and the world stay as they were.
    The same file renamed, with state_owner_change_allowed, takes the state over in place; the
    old name is then refused."""
    first = Rehearsal(config, workdir, mirror_config, flavour=cdk_flavour())
    first.prepare()
    check_deployed(first, first.deploy())
    state, deployed = _files(workdir, None), first.world.read()
    text = config.read_text()
    prod = written(
        workdir / "prod" / "prod.tfvars", with_value(text, "identity_name", '"umi-prod"')
    )
    second = Rehearsal(prod, workdir, mirror_config, flavour=first.flavour)
    second.output = f"cdktf.out-{prod.stem}"  # as the Makefile derives it
    second.before = first.before  # the world it shares, as it was before the first deploy
    step = second.deploy()
    said = " ".join(step.output.split())
    require(step.returncode != 0, "prod.tfvars was deployed over another file's state")
    require(
        f"terraform.identity.tfstate belongs to {config.name}, not to prod.tfvars" in said,
        f"the refusal does not say whose state it is:\n{step.output[-3000:]}",
    )
    require(_files(workdir, None) == state, "prod.tfvars changed the first file's state")
    require(first.world.read() == deployed, "prod.tfvars changed the world")
    renamed = written(
        workdir / "renamed" / "renamed.tfvars",
        with_value(text, "state_owner_change_allowed", "true"),
    )
    second.use_config(renamed)
    second.output = f"cdktf.out-{renamed.stem}"
    check_kept(second.deploy(), renamed.name)
    require(first.world.read() == deployed, "the renamed file changed the world")
    step = first.deploy()
    require(step.returncode != 0, f"{config.name} was deployed over renamed.tfvars's state")
    check_destroyed(second, second.destroy())
    return second


def _files(workdir: Path, environment: str | None) -> dict[str, dict]:
    found = {}
    for stack in STACKS:
        name = f"{environment}.{stack}" if environment else stack
        path = workdir / f"terraform.{name}.tfstate"
        if not path.exists():
            raise RehearsalError(f"no state file {path.name}")
        found[stack] = json.loads(path.read_text())
    return found


EXAMPLES = mirror.PROJECT_DIR / "examples"
# What `make rehearse` runs after the examples: name -> move(workdir, mirror_config).
STATE_MOVES = {
    "local-to-remote-state": lambda workdir, cli_config: move_to_remote_state(
        mirror.PROJECT_DIR / "my.auto.tfvars.example", workdir, cli_config
    ),
    "two-environments": lambda workdir, cli_config: two_environments(
        EXAMPLES / "environment-dev.tfvars",
        EXAMPLES / "environment-prod.tfvars",
        workdir,
        cli_config,
    ),
    "second-file-without-environment": lambda workdir, cli_config: second_file_without_environment(
        mirror.PROJECT_DIR / "my.auto.tfvars.example", workdir, cli_config
    ),
    "flat-to-maps-and-back": lambda workdir, cli_config: flat_to_maps_and_back(
        mirror.PROJECT_DIR / "my.auto.tfvars.example", workdir, cli_config
    ),
}
