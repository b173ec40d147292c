"""The identity stack: Azure's managed identities with their federated credentials, the Key
Vault (created or existing), the role assignments and the seed and placeholder secrets."""

from __future__ import annotations

from constructs import Construct

from aks_workload_identity.cdk import TerraformOutput
from aks_workload_identity.cluster import KubernetesCluster, KubernetesClusterProps
from aks_workload_identity.config import Config
from aks_workload_identity.configured_stack import ConfiguredStack
from aks_workload_identity.existing_key_vault import ExistingKeyVault, ExistingKeyVaultProps
from aks_workload_identity.identity import WorkloadIdentity, WorkloadIdentityProps
from aks_workload_identity.key_vault import SecretsVault, SecretsVaultProps, destroy_features
from aks_workload_identity.placeholders import (
    PlaceholderSecrets,
    PlaceholderSecretsProps,
    secrets_read_by_name,
)
from aks_workload_identity.providers import (
    AzurermProvider,
    AzurermProviderFeatures,
    DataAzurermClientConfig,
    RandomProvider,
    TimeProvider,
)
from aks_workload_identity.walkthrough import client_id_outputs


class IdentityStack(ConfiguredStack):
    """Azure: managed identities and their federated credentials, Key Vault, roles, seed secret."""

    def __init__(self, scope: Construct, id_: str, config: Config) -> None:
        super().__init__(scope, id_, config)
        AzurermProvider(
            self,
            "azurerm",
            features=[
                AzurermProviderFeatures(
                    key_vault=[
                        destroy_features(
                            purge_protection_enabled=config.key_vault_purge_protection_enabled,
                            purge_on_destroy_enabled=config.key_vault_purge_on_destroy_enabled,
                            vault_created=config.key_vault_resource_id is None,
                        )
                    ]
                )
            ],
        )
        RandomProvider(self, "random")
        TimeProvider(self, "time")
        client = DataAzurermClientConfig(self, "client")
        clusters = {
            spec.key: KubernetesCluster(
                self,
                spec.named("cluster"),
                KubernetesClusterProps(
                    aks_cluster_name=spec.aks_cluster_name,
                    aks_resource_group_name=spec.aks_resource_group_name,
                    oidc_issuer_url=spec.oidc_issuer_url,
                ),
            )
            for spec in config.clusters
        }
        issuers = {key: cluster.oidc_issuer_url for key, cluster in clusters.items()}
        one_cluster = clusters.get(None)
        # Where the identity and the vault go: configured (always, with several clusters), else
        # beside the one AKS cluster.
        resource_group_name = config.resource_group_name or (
            one_cluster.resource_group_name if one_cluster else None
        )
        location = config.location or (one_cluster.location if one_cluster else None)
        issuer = {
            "oidc_issuer_url": issuers.pop(None, None),
            "cluster_issuer_urls": issuers,
        }
        self.tenant_id = client.tenant_id
        self.workload_identities = {
            spec.key: WorkloadIdentity(
                self,
                spec.construct_id,
                WorkloadIdentityProps(
                    **issuer,
                    federations=spec.federations,
                    existing_identity_id=spec.resource_id,
                )
                if spec.resource_id
                else WorkloadIdentityProps(
                    name=spec.name,
                    resource_group_name=resource_group_name,
                    location=location,
                    **issuer,
                    federations=spec.federations,
                    tags=config.tags,
                ),
            )
            for spec in config.identities
        }
        read_by_name = secrets_read_by_name(config.external_secrets)
        seed_name = config.key_vault_secret_name
        written = config.key_vault_placeholder_secrets_enabled
        # An existing vault gets no seed secret: what is read is a placeholder there.
        existing = config.key_vault_resource_id
        placeholders = {n: json for n, json in read_by_name.items() if existing or n != seed_name}
        self.vault: SecretsVault | ExistingKeyVault
        if existing:
            self.vault = ExistingKeyVault(
                self,
                "key-vault",
                ExistingKeyVaultProps(
                    resource_id=existing,
                    deployer_object_id=client.object_id if written and read_by_name else None,
                    rbac_propagation_wait=config.key_vault_rbac_propagation_wait,
                ),
            )
        else:
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
                    allowed_ip_ranges=config.key_vault_allowed_ip_ranges,
                    allowed_subnet_ids=config.key_vault_allowed_subnet_ids,
                    secret_content_type=config.key_vault_secret_content_type,
                    secret_expiration_date=config.key_vault_secret_expiration_date,
                    rbac_propagation_wait=config.key_vault_rbac_propagation_wait,
                    seed_secret_json=read_by_name.get(seed_name, False),
                    replacement_allowed=config.key_vault_replacement_allowed,
                    prevent_destroy=config.key_vault_prevent_destroy_enabled,
                    config_keys=_vault_config_keys(config),
                ),
            )
        self.placeholders = (
            PlaceholderSecrets(
                self.vault,
                "placeholders",
                PlaceholderSecretsProps(
                    key_vault_id=self.vault.vault_id,
                    secrets=placeholders,
                    content_type=config.key_vault_secret_content_type,
                    expiration_date=config.key_vault_secret_expiration_date,
                ),
                depends_on=[self.vault.rbac_propagated],
            )
            if placeholders and written
            else None
        )
        for spec in config.identities:
            self.vault.grant(
                spec.construct_id,
                self.workload_identities[spec.key].principal_id,
                spec.key_vault_role,
            )
        self.client_ids = {key: wi.client_id for key, wi in self.workload_identities.items()}
        self.vault_uri = self.vault.vault_uri
        TerraformOutput(self, "key_vault_name", value=self.vault.vault_name)
        TerraformOutput(self, "key_vault_uri", value=self.vault_uri)
        additional = {w.key: w.additional_identities for w in config.workloads}
        for name, value in client_id_outputs(config.names, self.client_ids, additional).items():
            TerraformOutput(self, name, value=value)
        TerraformOutput(self, "tenant_id", value=self.tenant_id)


def _vault_config_keys(config: Config) -> dict[str, str]:
    """The configuration keys a refused vault replacement names."""
    group = "resource_group_name" if config.resource_group_name else "aks_resource_group_name"
    location = "location" if config.location else "location (the AKS cluster's)"
    return {
        "name_prefix": "key_vault_name_prefix",
        "resource_group_name": group,
        "location": location,
        "replacement_allowed": "key_vault_replacement_allowed",
    }
