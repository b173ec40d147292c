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
    """A ClusterSecretStore that authenticates as ``workload``'s service account."""

    name: str
    construct_id: str
    workload: str
    service_account: str
    namespace: str


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
    # Every namespace the stacks use, less built-in and existing ones, in order of first use.
    namespaces_to_create: tuple[str, ...]
    # Valid but risky choices, printed at synth: one actionable line each.
    warnings: tuple[str, ...]

    aks_resource_group_name: str | None
    aks_cluster_name: str | None
    oidc_issuer_url: str | None
    resource_group_name: str | None
    location: str | None
    tags: Mapping[str, str]
    existing_namespaces: tuple[str, ...]

    kubernetes_auth: str
    kubeconfig_path: str
    kubeconfig_context: str | None
    aks_admin_credentials: bool
    kubelogin_login_mode: str

    eso_namespace: str
    eso_chart_version: str
    eso_ready_timeout: str
    eso_reinstall_allowed: bool
    eso_keep_crds_enabled: bool
    install_workload_identity_webhook: bool
    workload_identity_webhook_chart_version: str
    workload_identity_webhook_namespace: str

    key_vault_name_prefix: str
    key_vault_secret_name: str
    key_vault_purge_protection_enabled: bool
    key_vault_purge_on_destroy_enabled: bool
    key_vault_replacement_allowed: bool
    key_vault_prevent_destroy_enabled: bool
    key_vault_rbac_propagation_wait: str
    key_vault_placeholder_secrets_enabled: bool
    key_vault_public_network_access_enabled: bool
    key_vault_allowed_ip_ranges: tuple[str, ...]
    key_vault_allowed_subnet_ids: tuple[str, ...]
    key_vault_secret_content_type: str
    key_vault_secret_expiration_date: str | None
