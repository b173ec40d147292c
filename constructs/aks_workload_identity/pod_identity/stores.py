"""ESO stores on ``authType: ManagedIdentity``: each becomes a new ClusterSecretStore on
``WorkloadIdentity``, authenticating as a service account of its own.

The new store gets a new name, so the old one keeps serving until its ExternalSecrets have moved
(a ClusterSecretStore of the same name would also collide with the old one). Its identity is the
one ``identityId`` names (a client or resource ID), else the one the ESO controller's pods were
bound to: ESO then asked IMDS without naming one.
"""

from __future__ import annotations

from dataclasses import dataclass

from aks_workload_identity import identity_ids, rules
from aks_workload_identity.pod_identity.records import ExternalSecret, Inventory, SecretStore
from aks_workload_identity.pod_identity.refusals import Refusal, store_without_identity

MANAGED_IDENTITY = "ManagedIdentity"
DEFAULT_ESO_NAMESPACE = "external-secrets"
NEW_STORE_SUFFIX = "-workload-identity"


@dataclass(frozen=True)
class PlannedStore:
    """``account``: the service account's ``(namespace, name)``; ``identity``: an identity key."""

    name: str
    replaces: SecretStore
    account: tuple[str, str]
    identity: str
    external_secrets: tuple[ExternalSecret, ...]

    @property
    def widens(self) -> bool:
        """A namespaced SecretStore becomes a ClusterSecretStore, which every namespace can use."""
        return self.replaces.ref.namespace is not None


def plan_stores(
    inventory: Inventory,
    identities: dict[str, tuple[str, str | None]],
    controller_identity: str | None,
    controller_namespace: str | None,
) -> tuple[list[PlannedStore], list[Refusal]]:
    """``identities``: identity key -> (resource ID, client ID)."""
    by_id = {resource_id.lower(): key for key, (resource_id, _) in identities.items()}
    by_id |= {client.lower(): key for key, (_, client) in identities.items() if client}
    planned, refusals = [], []
    for store in inventory.stores:
        if store.auth_type != MANAGED_IDENTITY:
            continue
        key = (
            _named_identity(store.identity_id, by_id) if store.identity_id else controller_identity
        )
        if key is None:
            refusals.append(
                store_without_identity(store.ref.where, str(store.ref), store.identity_id)
            )
            continue
        # A ClusterSecretStore's service account sits beside ESO; a SecretStore's in its namespace.
        namespace = store.ref.namespace or controller_namespace or DEFAULT_ESO_NAMESPACE
        prefix = f"{store.ref.namespace}-" if store.ref.namespace else ""
        planned.append(
            PlannedStore(
                name=f"{prefix}{store.ref.name}{NEW_STORE_SUFFIX}",
                replaces=store,
                account=(namespace, f"{store.ref.name}{NEW_STORE_SUFFIX}"),
                identity=key,
                external_secrets=tuple(_users(inventory, store)),
            )
        )
    return planned, refusals


def _named_identity(identity_id: str, by_id: dict[str, str]) -> str | None:
    wanted = identity_id.strip()
    if rules.USER_ASSIGNED_IDENTITY_ID.ok(wanted):
        wanted = identity_ids.canonical_identity_id(wanted)
    return by_id.get(wanted.lower())


def _users(inventory: Inventory, store: SecretStore) -> list[ExternalSecret]:
    return [
        e
        for e in inventory.external_secrets
        if e.store_kind == store.ref.kind
        and e.store_name == store.ref.name
        and (store.ref.namespace is None or e.ref.namespace == store.ref.namespace)
    ]
