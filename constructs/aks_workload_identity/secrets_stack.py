"""The secrets stack: the stores and ExternalSecrets, a stack of its own because ESO's CRDs must
exist when ``kubernetes_manifest`` plans them."""

from __future__ import annotations

from typing import Protocol

from constructs import Construct

from aks_workload_identity.cluster import ClusterAccess
from aks_workload_identity.config import Config, ExternalSecretConfig
from aks_workload_identity.config_model import ClusterConfig
from aks_workload_identity.configured_stack import ConfiguredStack, cluster_access_props
from aks_workload_identity.external_secrets import (
    ClusterSecretStore,
    ClusterSecretStoreProps,
    ExternalSecret,
    ExternalSecretProps,
)
from aks_workload_identity.secret_store import SecretStore, SecretStoreProps


class VaultSource(Protocol):
    """What the secrets stack reads of the identity stack: the vault's URI."""

    vault_uri: str


class SecretsStack(ConfiguredStack):
    """ESO custom resources in ``cluster``; a stack of its own because their CRDs must exist at
    plan time."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        config: Config,
        cluster: ClusterConfig,
        identity: VaultSource,
    ) -> None:
        super().__init__(scope, id_, config)
        ClusterAccess(self, "access", cluster_access_props(cluster, helm_enabled=False))
        self.stores = {
            store.name: ClusterSecretStore(
                self,
                store.construct_id,
                ClusterSecretStoreProps(
                    name=store.name,
                    vault_url=identity.vault_uri,
                    service_account=store.service_account,
                    namespace=store.namespace,
                    ready_timeout=config.eso_ready_timeout,
                    serves_namespaces=store.namespaces,
                    serves_labelled=dict(store.namespace_labels),
                ),
            )
            for store in config.cluster_secret_stores
            if store.kind == "ClusterSecretStore"
        }
        self.namespaced_stores = {
            (store.name, namespace): SecretStore(
                self,
                f"{store.construct_id}_{namespace}",
                SecretStoreProps(
                    name=store.name,
                    namespace=namespace,
                    vault_url=identity.vault_uri,
                    service_account=store.service_account,
                    ready_timeout=config.eso_ready_timeout,
                ),
            )
            for store in config.cluster_secret_stores
            if store.kind == "SecretStore"
            for namespace in store.namespaces
        }
        self.external_secrets = [
            self._external_secret(spec, config.eso_ready_timeout)
            for spec in config.external_secrets
        ]

    def _external_secret(self, spec: ExternalSecretConfig, ready_timeout: str) -> ExternalSecret:
        namespaced = self.namespaced_stores.get((spec.store, spec.namespace))
        store = namespaced or self.stores[spec.store]
        return ExternalSecret(
            self,
            spec.construct_id,
            ExternalSecretProps(
                name=spec.name,
                namespace=spec.namespace,
                store=spec.store,
                store_kind="SecretStore" if namespaced else "ClusterSecretStore",
                refresh_interval=spec.refresh_interval,
                data=spec.data,
                data_from=spec.data_from,
                ready_timeout=ready_timeout,
            ),
            depends_on=[store.manifest],
        )
