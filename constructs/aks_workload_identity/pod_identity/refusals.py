"""What cannot move automatically, one line each: where it was, what it is, why, and what to do."""

from __future__ import annotations

from dataclasses import dataclass

from aks_workload_identity.invariants import MAX_FEDERATED_CREDENTIALS
from aks_workload_identity.pod_identity.records import (
    IDENTITY_TYPES,
    AzureIdentity,
    AzureIdentityBinding,
    PodIdentityException,
    Workload,
)
from aks_workload_identity.pod_identity.spreading import Shortfall


@dataclass(frozen=True)
class Refusal:
    where: str
    subject: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.subject}: not migrated: {self.reason}"


def host_network(workload: Workload) -> Refusal:
    return Refusal(
        workload.ref.where,
        str(workload.ref),
        "it runs with hostNetwork: true: the migration sidecar, for apps that still ask IMDS, "
        "would redirect the node's traffic, and whether its SDK reads the projected token "
        "instead cannot be told from the manifest; move it by hand once it uses an Azure "
        "Identity library with workload identity support",
    )


def service_principal(identity: AzureIdentity, bound: list[Workload]) -> Refusal:
    names = sorted({str(w.ref) for w in bound})
    return Refusal(
        identity.ref.where,
        str(identity.ref),
        f"it is a {IDENTITY_TYPES[identity.type]} (type {identity.type}); workload identity "
        "federates a service principal through its app registration, which this project does "
        "not manage: add the federated credential there (az ad app federated-credential "
        "create) or move its workloads to a managed identity"
        + (f"; bound to {', '.join(names)}" if names else ""),
    )


def matches_nothing(binding: AzureIdentityBinding) -> Refusal:
    return Refusal(
        binding.ref.where,
        str(binding.ref),
        f"its selector {binding.selector!r} matches no workload in the input, so there is "
        "nothing to federate; add the manifests of the pods it serves, or delete it with pod "
        "identity",
    )


def exception(item: PodIdentityException) -> Refusal:
    labels = ", ".join(f"{k}={v}" for k, v in sorted(item.pod_labels.items())) or "(none)"
    return Refusal(
        item.ref.where,
        str(item.ref),
        f"pods labelled {labels} bypass pod identity (NMI passes their token requests to the "
        "node); workload identity has nothing like it: pods without the "
        "azure.workload.identity/use label are simply not changed, so delete this exception "
        "with pod identity",
    )


def no_room_for_store(where: str, subject: str, identity: str) -> Refusal:
    return Refusal(
        where,
        subject,
        f"its identity {identity} has no room for another federated credential (Azure allows "
        f"{MAX_FEDERATED_CREDENTIALS} per identity); move some workloads to another identity "
        "and run the migration again",
    )


def no_room_for_label(
    label: str, shortfall: Shortfall, bindings: list[AzureIdentityBinding]
) -> Refusal:
    return Refusal(
        bindings[0].ref.where,
        ", ".join(str(b.ref) for b in bindings),
        f"selector {label!r} matches {len(shortfall.accounts)} service accounts, but Azure "
        f"allows {MAX_FEDERATED_CREDENTIALS} federated credentials per identity and its "
        f"identities ({', '.join(shortfall.identities)}) have room for {shortfall.room}: bind "
        f"another user-assigned identity with the same role assignments to {label!r}, or give "
        "some of its workloads another selector, and run the migration again (none of these "
        "service accounts was migrated)",
    )


def store_without_identity(where: str, subject: str, identity_id: str | None) -> Refusal:
    if identity_id:
        reason = (
            f"identityId {identity_id!r} is the client or resource ID of no user-assigned "
            "AzureIdentity in the input; add it"
        )
    else:
        reason = (
            "it sets no identityId, and no External Secrets controller with an aadpodidbinding "
            "label (and a binding) is in the input to tell which identity it used; set "
            "identityId or add the controller's Deployment"
        )
    return Refusal(where, subject, reason)
