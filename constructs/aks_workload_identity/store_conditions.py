"""Which namespaces a ClusterSecretStore serves: its ``spec.conditions``, least access first.

ESO (v2.9.0, ``pkg/controllers/secretstore/client_manager.go``, ``shouldProcessSecret``) serves
an ExternalSecret from any namespace when ``conditions`` is empty or absent, and otherwise only
from a namespace some condition matches (by name, label selector or regexp). So an empty list is
never written: a store that no namespace may use gets one condition that matches none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

STORE_KINDS = ("ClusterSecretStore", "SecretStore")
NAME_LABEL = "kubernetes.io/metadata.name"
# Kubernetes labels every namespace with its name (since 1.21), so no namespace lacks it.
MATCHES_NO_NAMESPACE = {
    "namespaceSelector": {"matchExpressions": [{"key": NAME_LABEL, "operator": "DoesNotExist"}]}
}


class ReadsThroughStore(Protocol):
    """An ExternalSecret entry: its namespace, and the store it names (none: the only one)."""

    namespace: str
    store: str | None


def namespaces_by_store(
    stores: Iterable[str], external_secrets: Iterable[ReadsThroughStore]
) -> dict[str, list[str]]:
    """Each store's namespaces: those of the ExternalSecrets reading through it, each once, in
    order of first use; an entry naming no store reads through the only one."""
    used: dict[str, dict[str, None]] = {name: {} for name in stores}
    only_store = next(iter(used), "")
    for entry in external_secrets:
        used.setdefault(entry.store or only_store, {})[entry.namespace] = None
    return {name: list(namespaces) for name, namespaces in used.items()}


def store_conditions(
    namespaces: Iterable[str], labels: Mapping[str, str] | None = None
) -> list[dict]:
    """The conditions serving exactly ``namespaces`` (sorted, each once) and the namespaces that
    carry every one of ``labels`` (one condition each; ESO serves a namespace any one matches),
    or none at all."""
    allowed = sorted(set(namespaces))
    conditions: list[dict] = [{"namespaces": allowed}] if allowed else []
    if labels:
        conditions.append({"namespaceSelector": {"matchLabels": dict(sorted(labels.items()))}})
    return conditions or [MATCHES_NO_NAMESPACE]
