"""What a rehearsal checks after each command, from the state files, the simulated world and
what cdktf printed."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from rehearsal import world

if TYPE_CHECKING:
    from rehearsal.rehearse import Rehearsal, Step

# The stacks of a one-cluster configuration; with several clusters, Rehearsal.stack_ids.
STACKS = ("identity", "cluster", "secrets")
# A stack's plan that changes nothing; cdktf prints Terraform's own words for it.
NO_CHANGES = "No changes. Your infrastructure matches the configuration."
_PLAN = re.compile(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy")
# What a deploy that creates, replaces or deletes nothing never prints.
_REPLACING = ("must be replaced", "will be destroyed", "will be created", "Creating...")


class RehearsalError(AssertionError):
    pass


def require(condition: bool, message: str) -> None:
    if not condition:
        raise RehearsalError(message)


def check_deployed(r: Rehearsal, step: Step) -> None:
    require(step.returncode == 0, f"deploy failed:\n{_tail(step.output)}")
    require("Enter a value" not in step.output, f"a stack prompted:\n{_tail(step.output)}")
    require(
        "undeclared variable" not in step.output.lower(),
        f"a stack warned about an undeclared variable:\n{_tail(step.output)}",
    )
    stacks = r.stack_ids
    done = {stack: _first(step.output, stack, "Apply complete!", stacks) for stack in stacks}
    for before, after in _applied_before(stacks):
        require(
            0 <= done[before] < done[after],
            f"{after} was not deployed after {before} (stacks: {stacks})",
        )
    check_wiring(r)
    check_no_secret_in_state(r)


def _applied_before(stacks: tuple[str, ...]) -> list[tuple[str, str]]:
    """Which stack deploy applies before which: identity before every cluster stack, each
    cluster stack before its secrets stack (the clusters' pairs in any order)."""
    identity, *pairs = stacks
    clusters = pairs[::2]
    return [(identity, c) for c in clusters] + list(zip(clusters, pairs[1::2], strict=True))


def check_wiring(r: Rehearsal) -> None:
    """The values that cross stacks arrived where they are used, in every cluster; each
    federated credential trusts a service account annotated in the cluster of its issuer."""
    stacks = r.stack_ids
    issuers = {
        parts["cluster"]["issuer"]: key for key, parts in world.clusters_in(r.world.read()).items()
    }
    cluster_stacks = {key: stacks[1 + 2 * i] for i, key in enumerate(r.cluster_keys)}
    accounts = {key: _annotated_accounts(r, stack) for key, stack in cluster_stacks.items()}
    for credential in r.resources("identity", "azurerm_federated_identity_credential"):
        subject, issuer = credential["subject"], credential["issuer"]
        key = issuers.get(issuer)
        require(
            key in accounts,
            f"federated credential {credential['name']} trusts issuer {issuer}, which is none "
            "of the deployed clusters'",
        )
        require(
            subject in accounts[key],
            f"federated credential {credential['name']} trusts {subject}, "
            f"which no annotated service account of {cluster_stacks[key]} is",
        )
    vault_uris = {
        v["vault_uri"]
        for mode in ("managed", "data")
        for v in r.resources("identity", "azurerm_key_vault", mode=mode)
    }
    for secrets_stack in stacks[2::2]:
        for store in r.resources(secrets_stack, "kubernetes_manifest"):
            manifest = store["manifest"]["value"]
            if manifest["kind"] not in ("ClusterSecretStore", "SecretStore"):
                continue
            url = manifest["spec"]["provider"]["azurekv"]["vaultUrl"]
            require(
                url in vault_uris,
                f"{secrets_stack}: store {manifest['metadata']['name']} reads {url}, "
                f"not the vault {sorted(vault_uris)}",
            )


def _annotated_accounts(r: Rehearsal, cluster_stack: str) -> dict[str, str]:
    """Each service account of ``cluster_stack`` (created, or existing and only annotated):
    its subject and the client ID its annotation names, one of the identities'."""
    identities = [
        *r.resources("identity", "azurerm_user_assigned_identity"),
        *r.resources("identity", "azurerm_user_assigned_identity", mode="data"),
    ]
    client_ids = {i["client_id"] for i in identities}
    accounts = {}
    annotated = [  # created, or existing and only annotated
        {"metadata": [{**sa["metadata"][0], "annotations": sa["metadata"][0]["annotations"]}]}
        for sa in r.resources(cluster_stack, "kubernetes_service_account_v1")
    ] + [
        {"metadata": [{**a["metadata"][0], "annotations": a["annotations"]}]}
        for a in r.resources(cluster_stack, "kubernetes_annotations")
        if a["kind"] == "ServiceAccount"
    ]
    for sa in annotated:
        metadata = sa["metadata"][0]
        annotation = metadata["annotations"].get("azure.workload.identity/client-id")
        require(
            annotation in client_ids,
            f"service account {metadata['name']} names client ID {annotation}, "
            f"which is none of the identities' {sorted(client_ids)}",
        )
        accounts[f"system:serviceaccount:{metadata['namespace']}:{metadata['name']}"] = annotation
    return accounts


def check_no_secret_in_state(r: Rehearsal) -> None:
    """Only the random generator's own state holds the generated value."""
    secrets = [p["result"] for p in r.resources("identity", "random_password")]
    for stack in r.stack_ids:
        for resource in r.state(stack)["resources"]:
            if resource["type"] == "random_password":
                continue
            text = json.dumps(resource)
            for secret in secrets:
                require(
                    secret not in text,
                    f"{stack}: {resource['type']}.{resource['name']} holds a secret value",
                )
            for instance in resource["instances"]:
                for key, value in instance["attributes"].items():
                    require(
                        not key.endswith("_wo") or value is None,
                        f"{stack}: write-only {key} of {resource['name']} is in state",
                    )


def check_redeployed(r: Rehearsal, step: Step) -> None:
    require(step.returncode == 0, f"second deploy failed:\n{_tail(step.output)}")
    stacks = r.stack_ids
    for stack in stacks:
        lines = [line for owner, line in _stack_lines(step.output, stacks) if owner == stack]
        require(
            any(NO_CHANGES in line for line in lines),
            f"second deploy planned changes in {stack}:\n{_tail(step.output)}",
        )


def check_kept(step: Step, what: str) -> None:
    """``what`` deployed, creating, replacing and deleting nothing (updates in place may be)."""
    require(step.returncode == 0, f"deploy of {what} failed:\n{_tail(step.output)}")
    for added, _, destroyed in _PLAN.findall(step.output):
        require(added == destroyed == "0", f"{what}: a plan adds {added}, destroys {destroyed}")
    for words in _REPLACING:
        require(words not in step.output, f"{what}: the deploy says {words!r}")


def check_destroy_refused(r: Rehearsal, step: Step) -> None:
    """With the vault protected, destroy stops before it, and the vault stays."""
    require(step.returncode != 0, "destroy deleted a vault that prevent_destroy protects")
    require(
        "Instance cannot be destroyed" in step.output and "azurerm_key_vault" in step.output,
        f"destroy failed, but not for the protected vault:\n{_tail(step.output)}",
    )
    require(r.world.read()["vaults"], "the protected vault is gone")


def check_destroyed(r: Rehearsal, step: Step) -> None:
    require(step.returncode == 0, f"destroy failed:\n{_tail(step.output)}")
    stacks = r.stack_ids
    done = {stack: _first(step.output, stack, "Destroy complete!", stacks) for stack in stacks}
    for before, after in _applied_before(stacks):
        require(
            0 <= done[after] < done[before],
            f"{before} was not destroyed after {after} (stacks: {stacks})",
        )
    for stack in stacks:
        left = [
            f"{x['type']}.{x['name']}"
            for x in r.state(stack)["resources"]
            if x["mode"] == "managed"
        ]
        require(not left, f"{stack}: destroy left {left} in state")
    after = r.world.read()
    for part in ("identities", "credentials", "role_assignments", "vaults"):
        require(
            after[part] == r.before[part],
            f"destroy did not restore {part}: before {json.dumps(r.before[part])[:300]}, "
            f"after {json.dumps(after[part])[:300]}",
        )
    if r.settings.key_vault_resource_id:  # the existing vault was never deleted
        require(not after["deleted_vaults"], "destroy deleted the existing vault")
    elif r.purges_on_destroy():
        require(not after["deleted_vaults"], "destroy left a soft-deleted vault behind")
    else:  # purge protection (or no purge right): the name stays taken until Azure purges it
        require(after["deleted_vaults"], "the vault was purged although purging is switched off")
    for key, cluster in world.clusters_in(after).items():
        _check_cluster_restored(r, key, cluster, world.clusters_in(r.before)[key])


def _check_cluster_restored(r: Rehearsal, key: str | None, after: dict, before: dict) -> None:
    where = "" if key is None else f"cluster {key}: "
    require(
        after["objects"] == before["objects"],
        f"{where}destroy did not restore objects: before {json.dumps(before['objects'])[:300]}, "
        f"after {json.dumps(after['objects'])[:300]}",
    )
    require(
        after["releases"] == before["releases"],
        f"{where}destroy changed the Helm releases: before {sorted(before['releases'])}, "
        f"after {sorted(after['releases'])}",
    )
    kept = {crd for crd, owner in after["crds"].items() if owner == "kept"}
    left = {crd: owner for crd, owner in after["crds"].items() if owner != "kept"}
    require(
        left == before["crds"] and bool(kept) == r.keeps_crds(),
        f"{where}CRDs after destroy: {sorted(after['crds'])} (kept on purpose: {r.keeps_crds()})",
    )
    require(
        set(after["namespaces"])
        == set(world.BUILTIN_NAMESPACES) | set(r._existing_namespaces()) | r.kept_namespaces,
        f"{where}destroy changed the namespaces: {after['namespaces']}",
    )


def _stack_lines(output: str, stacks: tuple[str, ...] = STACKS) -> list[tuple[str | None, str]]:
    """Each output line with the stack it belongs to: cdktf prefixes a stack's name to the first
    line of each chunk it relays and indents the rest, however Terraform's output was split."""
    owner = None
    lines = []
    for line in output.splitlines():
        head = line.split("  ", 1)[0]
        if head in stacks:
            owner = head
            line = line[len(head) :]
        elif line and not line.startswith(" "):
            owner = None
        lines.append((owner, line.strip()))
    return lines


def _first(output: str, stack: str, text: str, stacks: tuple[str, ...] = STACKS) -> int:
    """Where ``stack`` first printed a line starting with ``text`` (-1: never)."""
    return next(
        (
            i
            for i, (owner, line) in enumerate(_stack_lines(output, stacks))
            if owner == stack and line.startswith(text)
        ),
        -1,
    )


def _tail(output: str, lines: int = 40) -> str:
    return "\n".join(output.splitlines()[-lines:])
