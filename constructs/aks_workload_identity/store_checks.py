"""The rules of the store kinds across keys: what a namespaced SecretStore needs in each
namespace, and what only a ClusterSecretStore can have."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aks_workload_identity.store_conditions import namespaces_by_store

if TYPE_CHECKING:
    from aks_workload_identity.settings import Settings


def store_kinds_are_deployable(settings: Settings) -> None:
    """A SecretStore in namespace N authenticates as the store's service account *in N*, so a
    workload must declare that service account there, annotated with the store's identity."""
    if settings.cluster_secret_stores is None or settings.workloads is None:
        return
    reading = namespaces_by_store(settings.cluster_secret_stores, settings.external_secrets or [])
    for name, store in settings.cluster_secret_stores.items():
        if store.kind != "SecretStore":
            continue
        where = f"cluster_secret_stores.{name}"
        for widening in ("allowed_namespaces", "allowed_namespace_labels"):
            if getattr(store, widening):
                raise ValueError(
                    f"{where}.{widening}: a SecretStore serves only its own namespace; "
                    f'drop {widening}, or set kind = "ClusterSecretStore"'
                )
        template = settings.workloads[store.workload]
        for namespace in reading[name]:
            found = {
                key: w
                for key, w in settings.workloads.items()
                if w.namespace == namespace and w.service_account == template.service_account
            }
            wanted = (
                f'service_account = "{template.service_account}", namespace = "{namespace}", '
                f'identity = "{template.identity}"'
            )
            if not found:
                raise ValueError(
                    f"{where}: its SecretStore in namespace {namespace!r} authenticates as "
                    f"service account {template.service_account!r} of {namespace!r}, which no "
                    f"workload declares: add a workload {{ {wanted} }}"
                )
            key, workload = next(iter(found.items()))
            if workload.identity != template.identity:
                raise ValueError(
                    f"{where}: its SecretStore in namespace {namespace!r} would read as "
                    f"identity {workload.identity!r} (workloads.{key}), not the store's "
                    f"{template.identity!r} (workloads.{store.workload}): set identity = "
                    f'"{template.identity}" in workloads.{key}'
                )
