"""Rehearsals of configuration edits that must not lose data: each deploys, changes the
configuration as a user would, deploys again, and checks what was refused and what survived."""

from __future__ import annotations

import re
from pathlib import Path

from rehearsal.checks import RehearsalError, _tail, require
from rehearsal.rehearse import Rehearsal


def edited(config: Path, workdir: Path, edit: str, **values: str) -> Path:
    """A copy of ``config`` with each key set to ``values[key]`` (HCL), replaced or added.

    The copy has ``config``'s file name (in a directory named after ``edit``): the user edits
    the file, and the state records which file deployed it (``state_owner.py``)."""
    text = config.read_text()
    for key, value in values.items():
        text = with_value(text, key, value)
    return written(workdir / Path(edit).stem / config.name, text)


def with_value(text: str, key: str, value: str) -> str:
    """``text`` with the top-level ``key`` set to ``value`` (HCL), replaced or added."""
    line = f"{key} = {value}"
    pattern = re.compile(rf"^[ \t]*{key}[ \t]*=.*$", re.MULTILINE)
    return pattern.sub(line, text) if pattern.search(text) else f"{text.rstrip()}\n{line}\n"


def written(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _refused(r: Rehearsal, target: str, edit: Path, wanted: list[str], stack: str = "") -> None:
    """Deploying ``edit`` fails while planning ``stack`` (default: the ``target``), saying each of
    ``wanted``, and changes nothing."""
    before = r.world.read()
    r.use_config(edit)
    step = r.cli("deploy", target)
    require(step.returncode != 0, f"{edit.name} was deployed although it destroys data")
    said = " ".join(step.output.split())
    if any(text not in said for text in wanted):
        # cdktf relays Terraform through a pseudo-terminal, whose last output is sometimes lost
        # when Terraform exits; Terraform's own plan of the stack prints the refusal in full.
        plan = r.terraform(stack or target, "plan")
        require(plan.returncode != 0, f"{edit.name}: terraform plan passed after cdktf refused")
        said += " " + " ".join(plan.output.split())
    missing = [text for text in wanted if text not in said]
    require(
        not missing, f"the refusal of {edit.name} does not say {missing}:\n{_tail(step.output)}"
    )
    require(r.world.read() == before, f"the refused {edit.name} changed something")


def data_safety_edits(r: Rehearsal) -> None:
    """On a deployed configuration: edits that would replace the vault or reinstall ESO are
    refused before anything is deleted, naming what and which key; the vault's replacement,
    allowed on purpose, happens."""
    config, workdir = r.config, r.workdir
    (vault,) = [v["name"] for v in r.world.read()["vaults"].values()]
    lost = f"Key Vault {vault} would be replaced, and every secret in it purged"
    prefix = '"kv-moved-"'
    group = r.settings.aks_resource_group_name
    # Two keys at once: the refusal names each change on its own (one comparison per argument).
    _refused(
        r,
        "identity",
        edited(
            config,
            workdir,
            "prefix-and-case.tfvars",
            key_vault_name_prefix=prefix,
            aks_resource_group_name=f'"{group.upper()}"',
        ),
        [
            lost,
            'key_vault_name_prefix was "kv-azwi-eso-", now "kv-moved-"',
            f'aks_resource_group_name was "{group}", now "{group.upper()}"',
        ],
    )
    namespace = r.settings.eso_namespace
    _refused(
        r,
        "*",
        edited(config, workdir, "eso.tfvars", eso_namespace='"eso-moved"'),
        [
            f"The External Secrets release {namespace}/external-secrets would be replaced",
            f'eso_namespace was "{namespace}", now "eso-moved"',
            "eso_reinstall_allowed = true",
        ],
        stack="cluster",
    )
    r.use_config(
        edited(
            config,
            workdir,
            "prefix-on-purpose.tfvars",
            key_vault_name_prefix=prefix,
            key_vault_replacement_allowed="true",
        )
    )
    allowed = r.cli("deploy", "identity")
    require(allowed.returncode == 0, f"the allowed replacement failed:\n{_tail(allowed.output)}")
    names = [v["name"] for v in r.world.read()["vaults"].values()]
    require(len(names) == 1 and names[0].startswith("kv-moved-"), f"vaults after it: {names}")


def namespace_edits(r: Rehearsal) -> None:
    """On a deployed configuration that asks for ``orders`` and ``shipping`` (many-secrets): no
    longer asking for ``orders`` (today's default before created_namespaces) and moving
    ``shipping`` to existing_namespaces forget them, with everything in them; dropping a
    namespace asked for and used by nothing is refused, and deletes it when allowed."""
    config, workdir = r.config, r.workdir
    kept = ("orders", "shipping")

    def inside(state: dict) -> dict:
        return {k: v for k, v in state["objects"].items() if k.split("/")[1] in kept}

    before = inside(r.world.read())
    require(before, f"nothing deployed in {kept} to keep")
    r.use_config(
        edited(
            config,
            workdir,
            "stop-creating.tfvars",
            created_namespaces='["scratch"]',
            existing_namespaces='["payments", "shipping"]',
        )
    )
    step = r.deploy()
    require(step.returncode == 0, f"forgetting {kept} failed:\n{_tail(step.output)}")
    after = r.world.read()
    missing = [n for n in (*kept, "scratch") if n not in after["namespaces"]]
    require(not missing, f"namespaces {missing} are gone from the cluster")
    require(inside(after) == before, f"what was in {kept} changed: {sorted(inside(after))}")
    managed = {n["metadata"][0]["name"] for n in r.resources("cluster", "kubernetes_namespace_v1")}
    require(managed == {r.settings.eso_namespace, "scratch"}, f"namespaces in state: {managed}")
    r.kept_namespaces |= set(kept)
    _refused(
        r,
        "*",
        edited(r.config, workdir, "drop-scratch.tfvars", created_namespaces="[]"),
        [
            "Namespace scratch would be deleted",
            "created_namespaces no longer asks for it",
            "namespace_deletion_allowed = true",
        ],
        stack="cluster",
    )
    r.use_config(
        edited(r.config, workdir, "drop-on-purpose.tfvars", namespace_deletion_allowed="true")
    )
    step = r.deploy()
    require(step.returncode == 0, f"the allowed deletion failed:\n{_tail(step.output)}")
    require("scratch" not in r.world.read()["namespaces"], "scratch was not deleted")


# The edits ``make rehearse`` makes on a shipped configuration (by file name), before its destroy.
EDITS = {"my.auto.tfvars.example": data_safety_edits, "many-secrets.tfvars": namespace_edits}

__all__ = ["EDITS", "RehearsalError", "data_safety_edits", "edited", "namespace_edits"]
