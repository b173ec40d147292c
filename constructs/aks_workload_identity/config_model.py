"""``Config``: what the stacks build, frozen and typed; ``config.py`` makes it from ``Settings``.

Every part is in one shape: the walkthrough's flat keys arrive here as one identity, one workload
and one store (``walkthrough.py``), with the construct ids and outputs they always had.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aks_workload_identity.federation import Federation
from aks_workload_identity.namespace_ownership import NamespaceOwnership
from aks_workload_identity.secret_data import DataItem, Extract, Find


@dataclass(frozen=True)
class TerraformNames:
    """The construct ids (so the Terraform addresses) of a configuration's identities, service
    accounts and stores, the key that sets an identity's role, and how client IDs are output."""

    identity: str
    service_account: str
    store: str
    role_key: str
    one_client_id_output: bool


@dataclass(frozen=True)
class IdentityConfig:
    """An identity, its Key Vault role and the service accounts it trusts, in workload order.

    ``resource_id`` set: an existing identity (``name`` is then the one in its ID), else one to
    create. ``role_key``: the configuration key that chose ``key_vault_role``.
    """

    key: str
    construct_id: str
    name: str
    key_vault_role: str
    role_key: str
    federations: tuple[Federation, ...]
    resource_id: str | None = None


@dataclass(frozen=True)
class WorkloadConfig:
    """A service account annotated with ``identity``'s client ID; it may also use
    ``additional_identities`` (their client IDs are stack outputs). ``create_service_account``
    false: it exists, and is only annotated."""

    key: str
    construct_id: str
    service_account: str
    namespace: str
    identity: str
    additional_identities: tuple[str, ...] = ()
    create_service_account: bool = True


@dataclass(frozen=True)
class StoreConfig:
    """A store that authenticates as ``workload``'s service account, serving ``namespaces``.

    ``kind`` ``ClusterSecretStore``: one store, its service account in ``namespace``, limited to
    ``namespaces`` (those of its ExternalSecrets and ``allowed_namespaces``) and namespaces carrying
    every one of ``namespace_labels``; ``SecretStore``: one
    store in each of ``namespaces``, as the service account of that name there.
    """

    name: str
    construct_id: str
    workload: str
    service_account: str
    namespace: str
    kind: str = "ClusterSecretStore"
    namespaces: tuple[str, ...] = ()
    namespace_labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ExternalSecretConfig:
    """An ExternalSecret, with its store and refresh interval resolved; ``construct_id``
    (its Terraform address) from ``construct_ids.external_secret_ids``."""

    name: str
    namespace: str
    construct_id: str
    store: str
    refresh_interval: str
    data: tuple[DataItem, ...]
    data_from: tuple[Extract | Find, ...] = ()


@dataclass(frozen=True)
class ClusterConfig:
    """A cluster the stacks reach: which one, its OIDC issuer, how Terraform signs in to it.

    ``key`` None: the one cluster of the top-level keys, whose stacks, construct ids and
    federated credentials keep the names they had before ``clusters``; else the key in
    ``clusters``, appended to each of those names (``named``).
    """

    key: str | None
    aks_resource_group_name: str | None
    aks_cluster_name: str | None
    oidc_issuer_url: str | None
    kubernetes_auth: str
    kubeconfig_path: str
    kubeconfig_context: str | None
    aks_admin_credentials: bool
    kubelogin_login_mode: str

    def named(self, base: str) -> str:
        """``base`` (a stack id, a construct id) for this cluster: ``<base>-<key>``."""
        return base if self.key is None else f"{base}-{self.key}"

    @property
    def stack_ids(self) -> tuple[str, str]:
        """Its cluster stack's and its secrets stack's ids, in the order deploy applies them."""
        return self.named("cluster"), self.named("secrets")


@dataclass(frozen=True)
class RemoteStateConfig:
    """The ``azurerm`` backend's container; unset optional parts are left to the sign-in."""

    storage_account_name: str
    container_name: str
    key_prefix: str | None = None
    resource_group_name: str | None = None
    subscription_id: str | None = None
    tenant_id: str | None = None


@dataclass(frozen=True)
class StateConfig:
    """Where each stack's state is. Without an environment the names are the ones deployments
    before environments have, so they keep their state."""

    environment: str | None = None
    remote: RemoteStateConfig | None = None

    def local_file(self, stack: str) -> str:
        """The state file's name, in the project directory."""
        return (
            f"terraform.{stack}.tfstate"
            if self.environment is None
            else (f"terraform.{self.environment}.{stack}.tfstate")
        )

    def location(self, stack: str) -> str:
        """Where the state is, as a message names it."""
        if self.remote is None:
            return self.local_file(stack)
        return f"the state blob {self.remote.container_name}/{self.remote_key(stack)}"

    def remote_key(self, stack: str) -> str:
        """The state blob's name in the container."""
        remote = self.remote
        parts = (remote.key_prefix if remote else None, self.environment, f"{stack}.tfstate")
        return "/".join(p for p in parts if p)


@dataclass(frozen=True, kw_only=True)
class Config:
    """What the stacks build. The scalar fields are the configuration keys of the same name."""

    source: Path
    # Each key's value as terraform will see it: as written in the file, else the default.
    variable_values: Mapping[str, Any]
    names: TerraformNames
    identities: tuple[IdentityConfig, ...]
    workloads: tuple[WorkloadConfig, ...]
    cluster_secret_stores: tuple[StoreConfig, ...]
    external_secrets: tuple[ExternalSecretConfig, ...]
    # Which namespaces are created, which of them were asked for, which are only used.
    namespaces: NamespaceOwnership
    # Valid but risky choices, printed at synth: one actionable line each.
    warnings: tuple[str, ...]
    state: StateConfig
    # The clusters the cluster and secrets stacks are made for, one pair each.
    clusters: tuple[ClusterConfig, ...]

    aks_resource_group_name: str | None
    aks_cluster_name: str | None
    oidc_issuer_url: str | None
    resource_group_name: str | None
    location: str | None
    tags: Mapping[str, str]
    existing_namespaces: tuple[str, ...]
    created_namespaces: tuple[str, ...]
    namespace_deletion_allowed: bool

    kubernetes_auth: str
    kubeconfig_path: str
    kubeconfig_context: str | None
    aks_admin_credentials: bool
    kubelogin_login_mode: str

    eso_install_enabled: bool
    eso_namespace: str
    eso_chart_version: str
    eso_ready_timeout: str
    eso_reinstall_allowed: bool
    eso_keep_crds_enabled: bool
    install_workload_identity_webhook: bool
    workload_identity_webhook_chart_version: str
    workload_identity_webhook_namespace: str

    key_vault_resource_id: str | None
    key_vault_name_prefix: str
    key_vault_secret_name: str
    key_vault_purge_protection_enabled: bool
    key_vault_purge_on_destroy_enabled: bool
    key_vault_replacement_allowed: bool
    state_owner_change_allowed: bool
    key_vault_prevent_destroy_enabled: bool
    key_vault_rbac_propagation_wait: str
    # Resolved: set in the file, else whether the vault is created (brought_resources.py).
    key_vault_placeholder_secrets_enabled: bool
    key_vault_public_network_access_enabled: bool
    key_vault_allowed_ip_ranges: tuple[str, ...]
    key_vault_allowed_subnet_ids: tuple[str, ...]
    key_vault_secret_content_type: str
    key_vault_secret_expiration_date: str | None

    @property
    def stack_ids(self) -> tuple[str, ...]:
        """Every stack's id, in the order deploy applies them: identity, then each cluster's."""
        return ("identity", *(stack for cluster in self.clusters for stack in cluster.stack_ids))
