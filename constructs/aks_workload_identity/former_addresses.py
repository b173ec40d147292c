"""``moved`` blocks from the Terraform addresses a construct had under a former construct id.

A maps configuration's entries keyed like the walkthrough's have had the walkthrough's ids
since those became the same to Terraform (``walkthrough.former_ids``); one deployed before then
has them at the mapping ids. A ``moved`` block per resource takes the deployed object along
(Terraform ignores one whose ``from`` is not in the state), so the upgrade replaces nothing.
The former address is the CDK's own: its logical id of an empty construct at the former path.
"""

from __future__ import annotations

from collections.abc import Mapping

from constructs import Construct, IConstruct

from aks_workload_identity.cdk import TerraformResource, TerraformStack
from aks_workload_identity.config_model import Config
from aks_workload_identity.key_vault import role_id
from aks_workload_identity.walkthrough import MAPPING_NAMES


def former_ids(config: Config) -> dict[str, str]:
    """The mapping ids of a maps configuration's entries that have the walkthrough's ids now:
    construct id -> the id it had (none for the flat keys, whose ids never changed)."""
    if config.names != MAPPING_NAMES:
        return {}
    had = {
        **{i.construct_id: MAPPING_NAMES.identity.format(key=i.key) for i in config.identities},
        **{
            w.construct_id: MAPPING_NAMES.service_account.format(key=w.key)
            for w in config.workloads
        },
        **{
            s.construct_id: MAPPING_NAMES.store.format(key=s.name)
            for s in config.cluster_secret_stores
            if s.kind == "ClusterSecretStore"
        },
    }
    former = {new: old for new, old in had.items() if new != old}
    roles = {
        role_id(i.construct_id): role_id(former.get(i.construct_id, i.construct_id))
        for i in config.identities
    }
    return {**former, **{new: old for new, old in roles.items() if new != old}}


def move_from_former_ids(stack: TerraformStack, former: Mapping[str, str]) -> None:
    """Each resource of ``stack`` under a construct whose id is a key of ``former`` (the
    outermost such) gets a ``moved`` block from its address under the id ``former`` gives."""
    if not former:
        return
    for element in stack.node.find_all():
        if not TerraformResource.is_terraform_resource(element):
            continue
        path = _path_in(stack, element)
        renamed = next((i for i, part in enumerate(path) if part in former), None)
        if renamed is None:
            continue
        former_path = [*path[:renamed], former[path[renamed]], *path[renamed + 1 :]]
        resource: TerraformResource = element  # type: ignore[assignment]
        logical_id = _logical_id(stack, former_path)
        resource.move_from_id(f"{resource.terraform_resource_type}.{logical_id}")


def _path_in(stack: TerraformStack, element: IConstruct) -> list[str]:
    scopes = element.node.scopes
    return [scope.node.id for scope in scopes[scopes.index(stack) + 1 :]]


def _logical_id(stack: TerraformStack, path: list[str]) -> str:
    """The CDK's logical id of a construct at ``path``, built for the question and removed."""
    parent: Construct = stack
    added: list[Construct] = []
    for part in path:
        child = parent.node.try_find_child(part)
        if child is None:
            child = Construct(parent, part)
            added.append(child)
        parent = child  # type: ignore[assignment]
    logical_id = stack.get_logical_id(parent.node)
    if added:
        added[0].node.scope.node.try_remove_child(added[0].node.id)  # type: ignore[union-attr]
    return logical_id
