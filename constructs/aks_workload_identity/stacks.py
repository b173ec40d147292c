"""The three stacks, composed from the constructs; deploy applies them in this order."""

from __future__ import annotations

from cdktf import App, LocalBackend, TerraformOutput, TerraformStack

from aks_workload_identity.cluster import ClusterAccess
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
    DataAzurermKubernetesCluster,
    RandomProvider,
    TimeProvider,
)
from aks_workload_identity.service_account import (
    WorkloadServiceAccount,
    WorkloadServiceAccountProps,
)
from aks_workload_identity.variables import declare_config_variables
from constructs import Construct

STACK_NAMES = ("identity", "cluster", "secrets")


class _ConfiguredStack(TerraformStack):
    """A stack that keeps its state beside the project and declares every config key."""

    def __init__(self, scope: Construct, id_: str, config: Config) -> None:
        super().__init__(scope, id_)
        # Relative to cdktf.out/stacks/<id>: the project directory, wherever it is checked out.
        LocalBackend(self, path=f"../../../terraform.{id_}.tfstate")
        declare_config_variables(self, config)


class IdentityStack(_ConfiguredStack):
    """Azure: managed identity, federated credential, Key Vault, roles, seed secret."""

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
        cluster = DataAzurermKubernetesCluster(
            self,
            "aks",
            name=config.aks_cluster_name,
            resource_group_name=config.aks_resource_group_name,
        )
        self.tenant_id = client.tenant_id
        self.workload_identity = WorkloadIdentity(
            self,
            "workload-identity",
            WorkloadIdentityProps(
                name=config.identity_name,
                resource_group_name=config.aks_resource_group_name,
                location=cluster.location,
                oidc_issuer_url=cluster.oidc_issuer_url,
                federations=[config.federation],
                tags=config.tags,
            ),
        )
        self.vault = SecretsVault(
            self,
            "key-vault",
            SecretsVaultProps(
                name_prefix=config.key_vault_name_prefix,
                resource_group_name=config.aks_resource_group_name,
                location=cluster.location,
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
        self.vault.grant(
            "workload-identity",
            self.workload_identity.identity.principal_id,
            config.identity_key_vault_role,
        )
        self.client_id = self.workload_identity.identity.client_id
        self.vault_uri = self.vault.vault.vault_uri
        TerraformOutput(self, "key_vault_name", value=self.vault.vault.name)
        TerraformOutput(self, "key_vault_uri", value=self.vault_uri)
        TerraformOutput(self, "identity_client_id", value=self.client_id)
        TerraformOutput(self, "tenant_id", value=self.tenant_id)


class ClusterStack(_ConfiguredStack):
    """Kubernetes: namespaces, the annotated service account, the ESO Helm release."""

    def __init__(self, scope: Construct, id_: str, config: Config, identity: IdentityStack) -> None:
        super().__init__(scope, id_, config)
        ClusterAccess(self, "access", config, helm=True)
        self.namespaces = Namespaces(self, "namespaces", config.namespaces_to_create)
        federation = config.federation
        self.service_account = WorkloadServiceAccount(
            self,
            "service-account",
            WorkloadServiceAccountProps(
                name=federation.service_account,
                namespace=self.namespaces.name_of(federation.namespace),
                client_id=identity.client_id,
                tenant_id=identity.tenant_id,
            ),
        )
        self.operator = ExternalSecretsOperator(
            self,
            "external-secrets",
            ExternalSecretsOperatorProps(
                namespace=self.namespaces.name_of(config.eso_namespace),
                version=config.eso_chart_version,
            ),
        )


class SecretsStack(_ConfiguredStack):
    """ESO custom resources; a stack of its own because their CRDs must exist at plan time."""

    def __init__(self, scope: Construct, id_: str, config: Config, identity: IdentityStack) -> None:
        super().__init__(scope, id_, config)
        ClusterAccess(self, "access", config, helm=False)
        federation = config.federation
        self.store = ClusterSecretStore(
            self,
            "store",
            ClusterSecretStoreProps(
                name=config.cluster_secret_store_name,
                vault_url=identity.vault_uri,
                service_account=federation.service_account,
                namespace=federation.namespace,
            ),
        )
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
                ),
                depends_on=[self.store.manifest],
            )
            for spec in config.external_secrets
        ]


def build_stacks(app: App, config: Config) -> tuple[IdentityStack, ClusterStack, SecretsStack]:
    identity = IdentityStack(app, "identity", config)
    cluster = ClusterStack(app, "cluster", config, identity)
    secrets = SecretsStack(app, "secrets", config, identity)
    cluster.add_dependency(identity)
    secrets.add_dependency(cluster)
    return identity, cluster, secrets
