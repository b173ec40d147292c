"""What moves where: pod identity's objects mapped onto this project's ``identities``,
``workloads`` and ``cluster_secret_stores``, and what cannot move (``refusals.py``).

- Each user-assigned AzureIdentity (type 0) stays the identity it is, by its resource ID, so its
  client ID and role assignments stay; AzureIdentities in several namespaces naming one Azure
  identity are one entry.
- A workload whose pod template carries ``aadpodidbinding`` gets the identities of the bindings
  whose selector is that label, on its service account: the existing one, annotated, or a new
  one named after the workload when it ran as ``default``. The binding with the highest weight
  gives the identity the annotation names. ``spreading.py`` keeps each identity within 20.
- ESO stores on ``authType: ManagedIdentity``: ``stores.py``. The ESO controller itself then
  needs no identity.
"""

from __future__ import annotations

from dataclasses import dataclass

from aks_workload_identity import identity_ids, rules
from aks_workload_identity.federation import credential_name
from aks_workload_identity.namespace_ownership import BUILTIN_NAMESPACES
from aks_workload_identity.pod_identity import refusals as refuse
from aks_workload_identity.pod_identity.records import (
    AzureIdentity,
    AzureIdentityBinding,
    Inventory,
    ObjectRef,
    Workload,
)
from aks_workload_identity.pod_identity.refusals import Refusal
from aks_workload_identity.pod_identity.spreading import Assignment, Need, assign
from aks_workload_identity.pod_identity.stores import PlannedStore, plan_stores

ESO_CONTROLLER_LABEL = ("app.kubernetes.io/name", "external-secrets")
Account = tuple[str, str]  # (namespace, service account)


@dataclass(frozen=True)
class PlannedIdentity:
    key: str
    resource_id: str  # spelled as azurerm reads it back
    client_id: str | None
    azure_identities: tuple[AzureIdentity, ...]

    @property
    def name(self) -> str:
        return identity_ids.identity_id_parts(self.resource_id).name


@dataclass(frozen=True)
class PlannedAccount:
    """One ``workloads`` entry: a service account and the identities it federates with."""

    key: str
    namespace: str
    service_account: str
    new: bool  # made for workloads that ran as "default", or for a store
    identity: str
    additional_identities: tuple[str, ...]
    workloads: tuple[Workload, ...]
    federated_credential_name: str | None = None  # set only where the default would clash

    @property
    def credential(self) -> str:
        return credential_name(self.namespace, self.service_account, self.federated_credential_name)


@dataclass(frozen=True)
class MigrationPlan:
    inventory: Inventory
    identities: tuple[PlannedIdentity, ...]
    accounts: tuple[PlannedAccount, ...]
    stores: tuple[PlannedStore, ...]
    refusals: tuple[Refusal, ...]
    spread: dict[str, dict[str, tuple[str, ...]]]  # label -> identity key -> account keys
    controllers: tuple[Workload, ...]  # ESO controllers, which need no identity any more
    unbound: tuple[Workload, ...]  # labelled, but no binding has that selector
    existing_namespaces: tuple[str, ...]

    def identity(self, key: str) -> PlannedIdentity:
        return next(i for i in self.identities if i.key == key)

    def account_of(self, store: PlannedStore) -> PlannedAccount:
        return next(a for a in self.accounts if (a.namespace, a.service_account) == store.account)


class _Planner:
    """Collects, workload by workload, what each service account needs."""

    def __init__(self, inventory: Inventory, namespaced: bool) -> None:
        self.inventory, self.namespaced = inventory, namespaced
        self.refusals: list[Refusal] = []
        self.groups = _identity_groups(inventory.identities)
        key_of = {a.ref: g.key for g in self.groups for a in g.azure_identities}
        # None: a service principal, refused on its own.
        self.identity_of = {b.ref: key_of.get(_identity_ref(b)) for b in inventory.bindings}
        self.weight: dict[tuple[str, str], int] = {}  # (label, identity key) -> binding weight
        self.matched: set[ObjectRef] = set()
        self.needs: list[Need] = []
        self.members: dict[Account, list[Workload]] = {}
        self.new: set[Account] = set()
        self.controllers: list[tuple[Workload, list[str]]] = []
        self.unbound: list[Workload] = []

    def add(self, workload: Workload) -> None:
        if workload.selector is None:
            return
        bindings = sorted(
            (b for b in self.inventory.bindings if self.serves(b, workload)),
            key=lambda b: (-b.weight, b.ref.name),
        )
        self.matched.update(b.ref for b in bindings)
        keys: list[str] = []
        for binding in bindings:
            key = self.identity_of[binding.ref]
            if key is not None:
                pair = (workload.selector, key)
                self.weight[pair] = max(self.weight.get(pair, binding.weight), binding.weight)
                keys += [] if key in keys else [key]
        if workload.labels.get(ESO_CONTROLLER_LABEL[0]) == ESO_CONTROLLER_LABEL[1]:
            self.controllers.append((workload, keys))
        elif not bindings:
            self.unbound.append(workload)
        elif workload.host_network:
            self.refusals.append(refuse.host_network(workload))
        elif keys:
            namespace = workload.ref.namespace or "default"
            account = (namespace, workload.service_account)
            if workload.service_account == "default":  # every pod of the namespace runs as it
                account = (namespace, workload.ref.name)
                self.new.add(account)
            self.members.setdefault(account, []).append(workload)
            self.needs.append(Need(_account_id(account), workload.selector, tuple(keys)))

    def serves(self, binding: AzureIdentityBinding, workload: Workload) -> bool:
        same_namespace = binding.ref.namespace == workload.ref.namespace
        return binding.selector == workload.selector and (same_namespace or not self.namespaced)

    def add_stores(self) -> list[PlannedStore]:
        stores, refused = plan_stores(
            self.inventory,
            {g.key: (g.resource_id, g.client_id) for g in self.groups},
            next((keys[0] for _, keys in self.controllers if keys), None),
            next((w.ref.namespace for w, _ in self.controllers), None),
        )
        self.refusals += refused
        for store in stores:
            self.new.add(store.account)
            self.members.setdefault(store.account, [])
            self.needs.append(
                Need(_account_id(store.account), _store_group(store), (store.identity,))
            )
        return stores

    def refuse_the_rest(self, assignment: Assignment, stores: list[PlannedStore]) -> None:
        for group, shortfall in assignment.shortfalls.items():
            store = next((s for s in stores if _store_group(s) == group), None)
            if store is not None:
                ref = store.replaces.ref
                self.refusals.append(refuse.no_room_for_store(ref.where, str(ref), store.identity))
            else:
                bindings = [b for b in self.inventory.bindings if b.selector == group]
                self.refusals.append(refuse.no_room_for_label(group, shortfall, bindings))
        for identity in self.inventory.identities:
            if identity.type != 0:
                bound = [
                    w
                    for w in self.inventory.workloads
                    for b in self.inventory.bindings
                    if _identity_ref(b) == identity.ref and self.serves(b, w)
                ]
                self.refusals.append(refuse.service_principal(identity, bound))
        for binding in self.inventory.bindings:
            if binding.ref not in self.matched:
                self.refusals.append(refuse.matches_nothing(binding))
        self.refusals += [refuse.exception(e) for e in self.inventory.exceptions]


def plan_migration(inventory: Inventory, *, namespaced: bool = False) -> MigrationPlan:
    """``namespaced``: pod identity ran with --forceNamespaced, so a binding only served pods
    of its own namespace; by default it served pods of every namespace."""
    planner = _Planner(inventory, namespaced)
    for workload in inventory.workloads:
        planner.add(workload)
    stores = planner.add_stores()
    assignment = assign(planner.needs)
    planner.refuse_the_rest(assignment, stores)
    accounts = _accounts(planner, assignment)
    key_of = {(a.namespace, a.service_account): a.key for a in accounts}
    used = {k for a in accounts for k in (a.identity, *a.additional_identities)}
    # Namespaces of objects in the input exist; the others, the project creates.
    present = {
        o.ref.namespace for o in (*inventory.workloads, *inventory.identities, *inventory.stores)
    } | {e.ref.namespace for e in inventory.external_secrets}
    return MigrationPlan(
        inventory=inventory,
        identities=tuple(g for g in planner.groups if g.key in used),
        accounts=accounts,
        stores=tuple(s for s in stores if s.account in key_of),
        refusals=tuple(planner.refusals),
        spread={
            label: {i: tuple(key_of[_account(a)] for a in accounts) for i, accounts in by.items()}
            for label, by in assignment.spread.items()
            if len(by) > 1
        },
        controllers=tuple(w for w, _ in planner.controllers),
        unbound=tuple(planner.unbound),
        existing_namespaces=tuple(
            sorted({a.namespace for a in accounts} & present - BUILTIN_NAMESPACES)
        ),
    )


def _identity_groups(identities: tuple[AzureIdentity, ...]) -> list[PlannedIdentity]:
    """One entry per Azure identity (by resource ID), keyed by its AzureIdentity's name (with
    its namespace when that name is not unique)."""
    by_id: dict[str, list[AzureIdentity]] = {}
    for identity in sorted(identities, key=lambda i: (i.ref.namespace or "", i.ref.name)):
        if identity.type == 0 and identity.resource_id is not None:
            resource_id = identity_ids.canonical_identity_id(identity.resource_id)
            by_id.setdefault(resource_id.lower(), []).append(identity)
    names = [members[0].ref.name for members in by_id.values()]
    taken: set[str] = set()
    groups = []
    for members in by_id.values():
        first = members[0]
        unique = names.count(first.ref.name) == 1
        assert first.resource_id is not None
        groups.append(
            PlannedIdentity(
                key=config_key(
                    first.ref.name if unique else f"{first.ref.namespace}-{first.ref.name}", taken
                ),
                resource_id=identity_ids.canonical_identity_id(first.resource_id),
                client_id=next((m.client_id for m in members if m.client_id), None),
                azure_identities=tuple(members),
            )
        )
    return groups


def _accounts(planner: _Planner, assignment: Assignment) -> tuple[PlannedAccount, ...]:
    labels: dict[str, set[str]] = {}
    for need in planner.needs:
        labels.setdefault(need.account, set()).add(need.group)
    taken: set[str] = set()
    credentials: set[str] = set()
    accounts = []
    for account in sorted(planner.members):
        ids = assignment.identities.get(_account_id(account), ())
        if not ids:
            continue  # left out: a refusal says why
        # The annotation names the identity its bindings weighed highest.
        weights = {
            k: max(planner.weight.get((g, k), 0) for g in labels[_account_id(account)]) for k in ids
        }
        ordered = sorted(ids, key=lambda k: (-weights[k], k))
        default = credential_name(*account, None)
        clash = default in credentials
        chosen = config_key(default, credentials) if clash else None
        credentials.add(chosen or default)
        accounts.append(
            PlannedAccount(
                key=config_key(f"{account[0]}-{account[1]}", taken),
                namespace=account[0],
                service_account=account[1],
                new=account in planner.new,
                identity=ordered[0],
                additional_identities=tuple(ordered[1:]),
                workloads=tuple(planner.members[account]),
                federated_credential_name=chosen,
            )
        )
    return tuple(accounts)


def _identity_ref(binding: AzureIdentityBinding) -> ObjectRef:
    return ObjectRef("AzureIdentity", binding.ref.namespace, binding.identity, "")


def _account_id(account: Account) -> str:
    return f"{account[0]}/{account[1]}"


def _account(account_id: str) -> Account:
    namespace, name = account_id.split("/", 1)
    return namespace, name


def _store_group(store: PlannedStore) -> str:
    return f"store {store.replaces.ref}"


def config_key(wanted: str, taken: set[str]) -> str:
    """``wanted`` as a key of the configuration's maps, unique among ``taken`` (which grows)."""
    longest = rules.CONFIG_KEY.max_length or 63
    key = rules.CONFIG_KEY.repaired(wanted) or "key"
    if not key[0].isalpha():
        key = f"k-{key}"[:longest]
    unique, number = key, 2
    while unique in taken:
        tail = f"-{number}"
        unique = key[: longest - len(tail)] + tail
        number += 1
    taken.add(unique)
    return unique
