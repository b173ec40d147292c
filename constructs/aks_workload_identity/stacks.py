"""The three stacks, composed from the constructs; deploy applies them in this order."""

from __future__ import annotations

from constructs import Construct

from aks_workload_identity.cdk import (
    App,
    LocalBackend,
    TerraformOutput,
    TerraformStack,
    declare_target_versions,
)
from aks_workload_identity.cluster import (
    ClusterAccess,
    ClusterAccessProps,
    KubernetesCluster,
    KubernetesClusterProps,
)
from aks_workload_identity.config import Config
from aks_workload_identity.external_secrets import (
    ClusterSecretStore,
    ClusterSecretStoreProps,
    ExternalSecret,
    ExternalSecretProps,
    ExternalSecretsOperator,
    ExternalSecretsOperatorProps,
)
from aks_workload_identity.identity import WorkloadIdentity, WorkloadIdentityProps
from aks_workload_identity.key_vault import SecretsVault, SecretsVaultProps
from aks_workload_identity.namespaces import Namespaces
from aks_workload_identity.providers import (
    AzurermProvider,
    AzurermProviderFeatures,
    AzurermProviderFeaturesKeyVault,
    DataAzurermClientConfig,
    RandomProvider,
    TimeProvider,
)
from aks_workload_identity.service_account import (
    WorkloadServiceAccount,
    WorkloadServiceAccountProps,
)
from aks_workload_identity.specs import WALKTHROUGH_KEY
from aks_workload_identity.variables import declare_config_variables
from aks_workload_identity.workload_identity_webhook import (
    WorkloadIdentityWebhook,
    WorkloadIdentityWebhookProps,
)


class _ConfiguredStack(TerraformStack):
    """A stack that keeps its state beside the project and declares every config key."""

    def __init__(self, scope: Construct, id_: str, config: Config) -> None:
        super().__init__(scope, id_)
        declare_target_versions(self)
        # Relative to cdktf.out/stacks/<id>: the project directory, wherever it is checked out.
        LocalBackend(self, path=f"../../../terraform.{id_}.tfstate")
        declare_config_variables(self, config)


class IdentityStack(_ConfiguredStack):
    """Azure: managed identities and their federated credentials, Key Vault, roles, seed secret."""

    def __init__(self, scope: Construct, id_: str, config: Config) -> None:
        super().__init__(scope, id_, config)
        purge_on_destroy = not config.key_vault_purge_protection_enabled
        AzurermProvider(
            self,
            "azurerm",
            features=[
                AzurermProviderFeatures(
                    key_vault=[
                        # Azure refuses to purge a purge-protected vault or its secrets:
                        # destroy then only soft-deletes them, and the settings say so.
                        AzurermProviderFeaturesKeyVault(
                            purge_soft_delete_on_destroy=purge_on_destroy,
                            purge_soft_deleted_secrets_on_destroy=purge_on_destroy,
                            recover_soft_deleted_key_vaults=True,
                        )
                    ]
                )
            ],
        )
        RandomProvider(self, "random")
        TimeProvider(self, "time")
        client = DataAzurermClientConfig(self, "client")
        cluster = KubernetesCluster(
            self,
            "cluster",
            KubernetesClusterProps(
                aks_cluster_name=config.aks_cluster_name,
                aks_resource_group_name=config.aks_resource_group_name,
                oidc_issuer_url=config.oidc_issuer_url,
            ),
        )
        # Where the identity and the vault go: configured, else beside the AKS cluster.
        resource_group_name = config.resource_group_name or cluster.resource_group_name
        location = config.location or cluster.location
        self.tenant_id = client.tenant_id
        self.workload_identities = {
            spec.key: WorkloadIdentity(
                self,
                _construct_id(config, "identity", spec.key, "workload-identity"),
                WorkloadIdentityProps(
                    name=spec.name,
                    resource_group_name=resource_group_name,
                    location=location,
                    oidc_issuer_url=cluster.oidc_issuer_url,
                    federations=spec.federations,
                    tags=config.tags,
                ),
            )
            for spec in config.identities
        }
        self.vault = SecretsVault(
            self,
            "key-vault",
            SecretsVaultProps(
                name_prefix=config.key_vault_name_prefix,
                resource_group_name=resource_group_name,
                location=location,
                tenant_id=client.tenant_id,
                deployer_object_id=client.object_id,
                seed_secret_name=config.key_vault_secret_name,
                tags=config.tags,
                purge_protection_enabled=config.key_vault_purge_protection_enabled,
                public_network_access_enabled=config.key_vault_public_network_access_enabled,
                allowed_ip_ranges=tuple(config.key_vault_allowed_ip_ranges),
                allowed_subnet_ids=tuple(config.key_vault_allowed_subnet_ids),
                secret_content_type=config.key_vault_secret_content_type,
                secret_expiration_date=config.key_vault_secret_expiration_date,
            ),
        )
        for spec in config.identities:
            self.vault.grant(
                _construct_id(config, "identity", spec.key, "workload-identity"),
                self.workload_identities[spec.key].principal_id,
                spec.key_vault_role,
            )
        self.client_ids = {key: wi.client_id for key, wi in self.workload_identities.items()}
        self.vault_uri = self.vault.vault.vault_uri
        TerraformOutput(self, "key_vault_name", value=self.vault.vault.name)
        TerraformOutput(self, "key_vault_uri", value=self.vault_uri)
        if config.walkthrough_form:
            TerraformOutput(self, "identity_client_id", value=self.client_ids[WALKTHROUGH_KEY])
        else:
            TerraformOutput(self, "identity_client_ids", value=self.client_ids)
            # What a workload passes to its Azure SDK to act as one of the identities its
            # service account's annotation does not name.
            TerraformOutput(
                self,
                "additional_client_ids",
                value={
                    w.key: {k: self.client_ids[k] for k in w.additional_identities}
                    for w in config.workloads
                    if w.additional_identities
                },
            )
        TerraformOutput(self, "tenant_id", value=self.tenant_id)


def _cluster_access_props(config: Config, *, helm_enabled: bool) -> ClusterAccessProps:
    return ClusterAccessProps(
        kubernetes_auth=config.kubernetes_auth,
        kubeconfig_path=config.kubeconfig_path,
        kubeconfig_context=config.kubeconfig_context,
        aks_cluster_name=config.aks_cluster_name,
        aks_resource_group_name=config.aks_resource_group_name,
        aks_admin_credentials=config.aks_admin_credentials,
        kubelogin_login_mode=config.kubelogin_login_mode,
        helm_enabled=helm_enabled,
    )


class ClusterStack(_ConfiguredStack):
    """Kubernetes: namespaces, the annotated service accounts, the optional workload identity
    webhook, the ESO Helm release."""

    def __init__(self, scope: Construct, id_: str, config: Config, identity: IdentityStack) -> None:
        super().__init__(scope, id_, config)
        ClusterAccess(self, "access", _cluster_access_props(config, helm_enabled=True))
        self.namespaces = Namespaces(self, "namespaces", config.namespaces_to_create)
        self.service_accounts = {
            workload.key: WorkloadServiceAccount(
                self,
                _construct_id(config, "service-account", workload.key, "service-account"),
                WorkloadServiceAccountProps(
                    name=workload.service_account,
                    namespace=self.namespaces.name_of(workload.namespace),
                    client_id=identity.client_ids[workload.identity],
                    tenant_id=identity.tenant_id,
                ),
            )
            for workload in config.workloads
        }
        self.webhook = (
            WorkloadIdentityWebhook(
                self,
                "workload-identity-webhook",
                WorkloadIdentityWebhookProps(
                    namespace=self.namespaces.name_of(config.workload_identity_webhook_namespace),
                    tenant_id=identity.tenant_id,
                    version=config.workload_identity_webhook_chart_version,
                ),
            )
            if config.install_workload_identity_webhook
            else None
        )
        self.operator = ExternalSecretsOperator(
            self,
            "external-secrets",
            ExternalSecretsOperatorProps(
                namespace=self.namespaces.name_of(config.eso_namespace),
                version=config.eso_chart_version,
            ),
            depends_on=[self.webhook.release] if self.webhook else (),
        )


class SecretsStack(_ConfiguredStack):
    """ESO custom resources; a stack of its own because their CRDs must exist at plan time."""

    def __init__(self, scope: Construct, id_: str, config: Config, identity: IdentityStack) -> None:
        super().__init__(scope, id_, config)
        ClusterAccess(self, "access", _cluster_access_props(config, helm_enabled=False))
        self.stores = {
            store.name: ClusterSecretStore(
                self,
                _construct_id(config, "store", store.name, "store"),
                ClusterSecretStoreProps(
                    name=store.name,
                    vault_url=identity.vault_uri,
                    service_account=store.service_account,
                    namespace=store.namespace,
                ),
            )
            for store in config.cluster_secret_stores
        }
        self.external_secrets = [
            ExternalSecret(
                self,
                f"external-secret-{spec.namespace}-{spec.name}",
                ExternalSecretProps(
                    name=spec.name,
                    namespace=spec.namespace,
                    store=spec.store,
                    refresh_interval=spec.refresh_interval,
                    data=spec.data,
                    data_from=spec.data_from,
                ),
                depends_on=[self.stores[spec.store].manifest],
            )
            for spec in config.external_secrets
        ]


def _construct_id(config: Config, kind: str, key: str, walkthrough_id: str) -> str:
    """The walkthrough keeps the construct ids it always had: new ids would change the Terraform
    addresses of a deployed walkthrough, and the next deploy would replace its resources."""
    return walkthrough_id if config.walkthrough_form else f"{kind}-{key}"


def build_stacks(app: App, config: Config) -> tuple[IdentityStack, ClusterStack, SecretsStack]:
    identity = IdentityStack(app, "identity", config)
    cluster = ClusterStack(app, "cluster", config, identity)
    secrets = SecretsStack(app, "secrets", config, identity)
    cluster.add_dependency(identity)
    secrets.add_dependency(cluster)
    return identity, cluster, secrets
