"""Kubernetes objects to typed records: pod identity objects, workloads and ESO stores.

Each object's kind must be one ``kubectl get azureidentity,azureidentitybinding,
azurepodidentityexception,deployments,statefulsets,daemonsets,cronjobs,jobs,pods`` prints, or an
ESO store or ExternalSecret; the fields the migration reads are checked (type, presence, the
binding's identity exists). Every problem is one line, all of them at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from aks_workload_identity import rules
from aks_workload_identity.pod_identity.reading import SourceObject
from aks_workload_identity.pod_identity.records import (
    ESO_GROUP,
    IDENTITY_TYPES,
    POD_IDENTITY_GROUP,
    POD_TEMPLATES,
    AzureIdentity,
    AzureIdentityBinding,
    ExternalSecret,
    Inventory,
    ObjectRef,
    PodIdentityException,
    SecretStore,
    Workload,
)

# Kinds read but not migrated: MIC's record of which pod holds which identity.
_IGNORED = {(POD_IDENTITY_GROUP, "AzureAssignedIdentity")}
_KNOWN = (
    "pod identity's AzureIdentity, AzureIdentityBinding and AzurePodIdentityException, "
    "Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, Pods, and ESO's SecretStore, "
    "ClusterSecretStore and ExternalSecret"
)
_MISSING = object()


class _Fields:
    """Reads one object's fields; each missing or mistyped one adds a problem line."""

    def __init__(self, item: SourceObject, label: str, problems: list[str]) -> None:
        self.item, self.label, self.problems = item, label, problems

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{self.item.where}: {self.label}: {path} {message}")

    def get(self, path: Iterable[str], expected: type, *, required: bool = False) -> Any:
        steps = tuple(path)
        value: Any = self.item.body
        for step in steps:
            value = value.get(step, _MISSING) if isinstance(value, dict) else _MISSING
            if value is None:
                value = _MISSING
        shown = ".".join(steps)
        if value is _MISSING:
            if required:
                self.problem(shown, "is missing")
            return None
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            self.problem(shown, f"must be {_NAMES[expected]}, got {_described(value)}")
            return None
        if expected is str and not value.strip():
            self.problem(shown, "must not be empty")
            return None
        return value

    def labels(self, path: tuple[str, ...]) -> dict[str, str]:
        found = self.get(path, dict) or {}
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in found.items()):
            self.problem(".".join(path), "must map strings to strings")
            return {}
        return found


_NAMES = {str: "a string", int: "a whole number", bool: "true or false", dict: "a mapping"}


def _described(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"[:60]


def _group(api_version: str) -> str:
    return api_version.split("/")[0] if "/" in api_version else ""


def build_inventory(objects: Iterable[SourceObject]) -> tuple[Inventory, list[str]]:
    """The records in ``objects`` and one problem line per bad object or field."""
    problems: list[str] = []
    found: dict[str, list[Any]] = {kind: [] for kind in Inventory.__dataclass_fields__}
    workloads: list[tuple[Workload, dict[str, Any]]] = []
    seen: dict[tuple[str, str | None, str], SourceObject] = {}
    for item in objects:
        record = _record(item, problems, seen)
        if isinstance(record, Workload):
            workloads.append((record, item.body.get("metadata") or {}))
        elif record is not None:
            found[_COLLECTION[type(record)]].append(record)
    # A pod of a Deployment, a Job of a CronJob: their controller's template is the one to change.
    present = {w.ref for w, _ in workloads}
    for workload, metadata in workloads:
        owner = _controller(workload, metadata)
        if owner is None:
            found["workloads"].append(workload)
        elif owner not in present:
            found["workloads"].append(replace(workload, owner=f"{owner.kind} {owner.name}"))
    inventory = Inventory(**{k: tuple(v) for k, v in found.items()})
    problems += _missing_identities(inventory)
    return inventory, problems


def _record(item: SourceObject, problems: list[str], seen: dict) -> Any:
    body = item.body
    api_version, kind = body.get("apiVersion"), body.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        problems.append(f"{item.where}: not a Kubernetes object: apiVersion and kind are required")
        return None
    group = _group(api_version)
    if (group, kind) in _IGNORED:
        return None
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    name, namespace = metadata.get("name"), metadata.get("namespace") or "default"
    if kind == "ClusterSecretStore":
        namespace = None
    label = f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"
    if not isinstance(name, str) or not name:
        problems.append(f"{item.where}: {kind}: metadata.name is missing")
        return None
    fields = _Fields(item, label, problems)
    ref = ObjectRef(kind, namespace, name, item.where)
    readers = {
        (POD_IDENTITY_GROUP, "AzureIdentity"): _azure_identity,
        (POD_IDENTITY_GROUP, "AzureIdentityBinding"): _binding,
        (POD_IDENTITY_GROUP, "AzurePodIdentityException"): _exception,
        (ESO_GROUP, "SecretStore"): _store,
        (ESO_GROUP, "ClusterSecretStore"): _store,
        (ESO_GROUP, "ExternalSecret"): _external_secret,
    }
    reader = readers.get((group, kind))
    if reader is None and (group, kind) not in POD_TEMPLATES:
        problems.append(
            f"{item.where}: {label}: kind {kind} ({api_version}) is not read here; "
            f"it reads {_KNOWN}"
        )
        return None
    key = (kind, namespace, name)
    if key in seen:
        if seen[key].body != body:
            problems.append(
                f"{item.where}: {label} is also at {seen[key].where}, with other fields"
            )
        return None
    seen[key] = item
    if reader is not None:
        return reader(ref, fields)
    return _workload(ref, fields, POD_TEMPLATES[(group, kind)])


def _azure_identity(ref: ObjectRef, fields: _Fields) -> AzureIdentity | None:
    fields.get(("spec",), dict, required=True)
    # aad-pod-identity reads a missing type as 0, a user-assigned managed identity.
    identity_type = fields.get(("spec", "type"), int)
    identity_type = 0 if identity_type is None else identity_type
    if identity_type not in IDENTITY_TYPES:
        listed = ", ".join(f"{k} ({v})" for k, v in IDENTITY_TYPES.items())
        fields.problem("spec.type", f"must be {listed}, got {identity_type}")
        return None
    resource_id = fields.get(("spec", "resourceID"), str, required=identity_type == 0)
    client_id = fields.get(("spec", "clientID"), str)
    if identity_type == 0 and resource_id is not None:
        if not rules.USER_ASSIGNED_IDENTITY_ID.ok(resource_id.strip()):
            fields.problem(
                "spec.resourceID", f"= {resource_id!r}: {rules.USER_ASSIGNED_IDENTITY_ID.message}"
            )
            return None
        resource_id = resource_id.strip()
    return AzureIdentity(ref, identity_type, resource_id, client_id)


def _binding(ref: ObjectRef, fields: _Fields) -> AzureIdentityBinding | None:
    identity = fields.get(("spec", "azureIdentity"), str, required=True)
    selector = fields.get(("spec", "selector"), str, required=True)
    weight = fields.get(("spec", "weight"), int) or 0
    if identity is None or selector is None:
        return None
    return AzureIdentityBinding(ref, identity, selector, weight)


def _exception(ref: ObjectRef, fields: _Fields) -> PodIdentityException:
    return PodIdentityException(ref, fields.labels(("spec", "podLabels")))


def _workload(ref: ObjectRef, fields: _Fields, template: tuple[str, ...]) -> Workload | None:
    problems_before = len(fields.problems)
    if template and fields.get(template, dict, required=True) is None:
        return None
    spec = fields.get((*template, "spec"), dict, required=True)
    labels = fields.labels((*template, "metadata", "labels"))
    account = fields.get((*template, "spec", "serviceAccountName"), str)
    # serviceAccount is the deprecated spelling; Kubernetes still fills it in.
    account = account or fields.get((*template, "spec", "serviceAccount"), str) or "default"
    host_network = fields.get((*template, "spec", "hostNetwork"), bool) or False
    if spec is None or len(fields.problems) > problems_before:
        return None
    return Workload(ref, template, labels, account, host_network)


def _store(ref: ObjectRef, fields: _Fields) -> SecretStore | None:
    provider = fields.get(("spec", "provider"), dict, required=True)
    if provider is None or "azurekv" not in provider:
        return None  # another provider: nothing of pod identity's
    path = ("spec", "provider", "azurekv")
    if fields.get(path, dict, required=True) is None:
        return None
    auth_type = fields.get((*path, "authType"), str) or "ServicePrincipal"  # ESO's default
    identity_id = fields.get((*path, "identityId"), str)
    vault_url = fields.get((*path, "vaultUrl"), str, required=True)
    return SecretStore(ref, auth_type, identity_id, vault_url)


def _external_secret(ref: ObjectRef, fields: _Fields) -> ExternalSecret | None:
    name = fields.get(("spec", "secretStoreRef", "name"), str)
    kind = fields.get(("spec", "secretStoreRef", "kind"), str) or "SecretStore"
    return ExternalSecret(ref, kind, name) if name else None


_COLLECTION = {
    AzureIdentity: "identities",
    AzureIdentityBinding: "bindings",
    PodIdentityException: "exceptions",
    Workload: "workloads",
    SecretStore: "stores",
    ExternalSecret: "external_secrets",
}


def _controller(workload: Workload, metadata: dict[str, Any]) -> ObjectRef | None:
    """The object that made ``workload`` (a ReplicaSet's pods are its Deployment's), or None."""
    owners = metadata.get("ownerReferences")
    if not isinstance(owners, list):
        return None
    owners = [o for o in owners if isinstance(o, dict)]
    controllers = [o for o in owners if o.get("controller")] or owners
    if not controllers:
        return None
    kind, name = str(controllers[0].get("kind", "")), str(controllers[0].get("name", ""))
    suffix = f"-{workload.labels.get('pod-template-hash', '')}"
    if kind == "ReplicaSet" and len(suffix) > 1 and name.endswith(suffix):
        kind, name = "Deployment", name.removesuffix(suffix)  # <deployment>-<pod-template-hash>
    return ObjectRef(kind, workload.ref.namespace, name, "")


def _missing_identities(inventory: Inventory) -> list[str]:
    """A binding must name an AzureIdentity in its namespace."""
    names: dict[str | None, list[str]] = {}
    for identity in inventory.identities:
        names.setdefault(identity.ref.namespace, []).append(identity.ref.name)
    problems = []
    for binding in inventory.bindings:
        valid = names.get(binding.ref.namespace, [])
        if binding.identity not in valid:
            listed = ", ".join(sorted(valid)) or "none"
            problems.append(
                f"{binding.ref.where}: {binding.ref}: spec.azureIdentity = {binding.identity!r}: "
                f"no AzureIdentity {binding.ref.namespace}/{binding.identity} in the input "
                f"(AzureIdentities in {binding.ref.namespace}: {listed})"
            )
    return problems
