"""What the tfvars file says: every key, its type, its default and the rule its value obeys.

``Settings`` is every key of the file (``extra="forbid"``); its lists' and maps' entries are in
``entry_settings.py``, the rules across keys in ``cross_checks.py``, the pydantic glue in
``settings_fields.py``. Validation reports every problem at once, as pydantic errors that
``problems.py`` turns into lines a user can act on.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidatorFunctionWrapHandler,
    model_validator,
)

from aks_workload_identity import cross_checks, invariants, kubelogin, rules, waits
from aks_workload_identity.cluster_settings import ClusterKey, ClusterSettings
from aks_workload_identity.entry_settings import (
    LEAST_PRIVILEGE_ROLE,
    ClusterSecretStoreSettings,
    ExternalSecretSettings,
    IdentitySettings,
    WorkloadSettings,
)
from aks_workload_identity.settings_fields import (
    AzureTags,
    ConfigKey,
    Duration,
    FederatedCredentialName,
    K8sName,
    KeyVaultIpRule,
    KeyVaultSecretName,
    KeyVaultSecretsRole,
    ManagedIdentityName,
    Namespace,
    SecretContentType,
    SecretDataKey,
    SubnetId,
    Text,
    UtcTimestamp,
    Version,
    rule,
    unique,
    validate_adding,
)
from aks_workload_identity.state_settings import RemoteStateSettings

BROAD_KEY_VAULT_ROLE = "Key Vault Administrator"
KUBERNETES_AUTH = rules.OneOf("kubernetes_auth", invariants.KUBERNETES_AUTH_MODES)


class Settings(BaseModel):
    """Every key of the tfvars file; see my.auto.tfvars.example for what each one means."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    aks_resource_group_name: Annotated[Text, rule(rules.RESOURCE_GROUP_NAME)] | None = None
    aks_cluster_name: Annotated[Text, rule(rules.AKS_CLUSTER_NAME)] | None = None

    identity_name: ManagedIdentityName = "umi-external-secrets"
    identity_key_vault_role: KeyVaultSecretsRole = LEAST_PRIVILEGE_ROLE
    federated_credential_name: FederatedCredentialName | None = None

    # An existing vault instead of one to create: its roles are granted, nothing else changed.
    key_vault_resource_id: Annotated[Text, rule(rules.KEY_VAULT_ID)] | None = None
    key_vault_name_prefix: Annotated[
        Text, rule(rules.KEY_VAULT_NAME.with_suffix(invariants.KEY_VAULT_SUFFIX_LENGTH))
    ] = "kv-azwi-eso-"
    key_vault_secret_name: KeyVaultSecretName = "external-keyvault-secret"

    # false: ESO is already installed (GitOps, another team); only its resources are made.
    eso_install_enabled: StrictBool = True
    eso_namespace: Namespace = "external-secrets"
    eso_chart_version: Version = "2.9.0"
    eso_ready_timeout: Duration = waits.READY_TIMEOUT
    eso_reinstall_allowed: StrictBool = False
    eso_keep_crds_enabled: StrictBool = False
    service_account_name: K8sName = "workload-identity-sa"
    service_account_namespace: Namespace = "external-secrets"
    cluster_secret_store_name: K8sName = "azure-cluster-store"
    external_secret_name: K8sName = "external-secret"
    external_secret_namespace: Namespace = "default"
    external_secret_key: SecretDataKey = "external-secret"
    refresh_interval: Duration = "1m"
    existing_namespaces: Annotated[list[Namespace], unique("namespace")] = Field(
        default_factory=list
    )
    # Namespaces for other workloads are created only when asked (namespace_ownership.py).
    created_namespaces: Annotated[list[Namespace], unique("namespace")] = Field(
        default_factory=list
    )
    namespace_deletion_allowed: StrictBool = False
    external_secrets: (
        Annotated[
            list[ExternalSecretSettings],
            unique("namespace and name", ("namespace", "name")),
        ]
        | None
    ) = None

    # --- identities, workloads and stores ---
    identities: dict[ConfigKey, IdentitySettings] | None = None
    workloads: dict[ConfigKey, WorkloadSettings] | None = None
    cluster_secret_stores: dict[K8sName, ClusterSecretStoreSettings] | None = None

    kubeconfig_path: Text = "~/.kube/config"
    kubeconfig_context: Text | None = None

    tags: AzureTags = Field(default_factory=dict)

    # --- where Terraform keeps each stack's state ---
    environment: Annotated[Text, rule(rules.ENVIRONMENT_NAME)] | None = None
    remote_state: RemoteStateSettings | None = None
    # true: this file takes over state another file's name is recorded in (it was renamed).
    state_owner_change_allowed: StrictBool = False

    # --- cluster access, non-AKS clusters, self-managed webhook ---
    kubernetes_auth: Annotated[Text, rule(KUBERNETES_AUTH)] = "kubeconfig"
    aks_admin_credentials: StrictBool = False
    kubelogin_login_mode: Annotated[
        Text, rule(kubelogin.NOT_INTERACTIVE), rule(kubelogin.LOGIN_MODE)
    ] = "azurecli"
    oidc_issuer_url: Annotated[Text, rule(rules.HTTPS_URL)] | None = None
    resource_group_name: Annotated[Text, rule(rules.RESOURCE_GROUP_NAME)] | None = None
    location: Annotated[Text, rule(rules.AZURE_LOCATION)] | None = None
    # Several clusters instead of the top-level cluster keys (cluster_settings.py).
    clusters: dict[ClusterKey, ClusterSettings] | None = None
    install_workload_identity_webhook: StrictBool = False
    workload_identity_webhook_chart_version: Version = "1.6.0"
    workload_identity_webhook_namespace: Namespace = "azure-workload-identity-system"

    # --- Key Vault security ---
    key_vault_purge_protection_enabled: StrictBool = False
    key_vault_purge_on_destroy_enabled: StrictBool = True
    key_vault_replacement_allowed: StrictBool = False
    key_vault_prevent_destroy_enabled: StrictBool = False
    key_vault_rbac_propagation_wait: Duration = waits.RBAC_PROPAGATION_WAIT
    # Unset: true for a vault this deployment creates, false for an existing one.
    key_vault_placeholder_secrets_enabled: StrictBool | None = None
    key_vault_public_network_access_enabled: StrictBool = True
    key_vault_allowed_ip_ranges: list[KeyVaultIpRule] = Field(default_factory=list)
    key_vault_allowed_subnet_ids: list[SubnetId] = Field(default_factory=list)
    key_vault_secret_content_type: SecretContentType = "text/plain"
    key_vault_secret_expiration_date: UtcTimestamp | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _checked_as_written(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Settings:
        """The rules on the values as written, reported with any other problem."""
        found = []
        if isinstance(data, dict):
            defaults = {k: f.default for k, f in cls.model_fields.items()}
            found = [e for check in cross_checks.AS_WRITTEN for e in check(data, defaults)]
        return validate_adding(handler, data, found)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        for check in cross_checks.AFTER_VALIDATION:
            check(self)
        return self
