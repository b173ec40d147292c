"""Rehearsals of configuration edits that must not lose data: each deploys, changes the
configuration as a user would, deploys again, and checks what was refused and what survived."""

from __future__ import annotations

import re
from pathlib import Path

from rehearsal.checks import RehearsalError, _tail, require
from rehearsal.rehearse import Rehearsal


def edited(config: Path, workdir: Path, name: str, **values: str) -> Path:
    """A copy of ``config`` with each key set to ``values[key]`` (HCL), replaced or added."""
    text = config.read_text()
    for key, value in values.items():
        line = f"{key} = {value}"
        pattern = re.compile(rf"^[ \t]*{key}[ \t]*=.*$", re.MULTILINE)
        text = pattern.sub(line, text) if pattern.search(text) else f"{text.rstrip()}\n{line}\n"
    copy = workdir / name
    copy.write_text(text)
    return copy


def rehearse_vault_replacement(config: Path, workdir: Path, mirror_config: Path) -> Rehearsal:
    """A new vault name prefix is refused before anything is deleted, naming the vault and the
    key; allowed on purpose, it replaces the vault."""
    r = Rehearsal(config, workdir, mirror_config)
    r.prepare()
    first = r.cdktf("deploy", "identity")
    require(first.returncode == 0, f"deploy failed:\n{_tail(first.output)}")
    before = r.world.read()["vaults"]
    (vault,) = [v["name"] for v in before.values()]
    r.use_config(edited(config, workdir, "moved.tfvars", key_vault_name_prefix='"kv-moved-"'))
    refused = r.cdktf("deploy", "identity")
    require(refused.returncode != 0, "a new vault name prefix was deployed without being allowed")
    flat = " ".join(refused.output.split())
    require(
        f"Key Vault {vault} would be replaced" in flat
        and 'key_vault_name_prefix was "kv-azwi-eso-", now "kv-moved-"' in flat,
        f"the refusal does not name the vault and the key:\n{_tail(refused.output)}",
    )
    require(r.world.read()["vaults"] == before, "the refused deploy changed the vault")
    group = r.settings.aks_resource_group_name
    r.use_config(
        edited(config, workdir, "case.tfvars", aks_resource_group_name=f'"{group.upper()}"')
    )
    refused = r.cdktf("deploy", "identity")
    flat = " ".join(refused.output.split())
    require(
        refused.returncode != 0
        and f'aks_resource_group_name was "{group}", now "{group.upper()}"' in flat,
        f"a change of case of the resource group was not refused:\n{_tail(refused.output)}",
    )
    require(r.world.read()["vaults"] == before, "the refused deploy changed the vault")
    r.use_config(
        edited(
            config,
            workdir,
            "moved-on-purpose.tfvars",
            key_vault_name_prefix='"kv-moved-"',
            key_vault_replacement_allowed="true",
        )
    )
    allowed = r.cdktf("deploy", "identity")
    require(allowed.returncode == 0, f"the allowed replacement failed:\n{_tail(allowed.output)}")
    names = [v["name"] for v in r.world.read()["vaults"].values()]
    require(len(names) == 1 and names[0].startswith("kv-moved-"), f"vaults after it: {names}")
    gone = r.cdktf("destroy", "*")
    require(
        gone.returncode == 0 and not r.world.read()["vaults"],
        f"destroy left the vault:\n{_tail(gone.output)}",
    )
    return r


__all__ = ["RehearsalError", "edited", "rehearse_vault_replacement"]
