"""The identity and cluster stacks, composed from the constructs, and all the stacks in the
order deploy applies them: identity, then a cluster and a secrets stack (``secrets_stack.py``)
per cluster."""

from __future__ import annotations

from constructs import Construct

from aks_workload_identity.cdk import (
    App,
    TerraformOutput,
)
from aks_workload_identity.cluster import (
    ClusterAccess,
    KubernetesCluster,
    KubernetesClusterProps,
)
from aks_workload_identity.config import Config
from aks_workload_identity.config_model import ClusterConfig
from aks_workload_identity.configured_stack import ConfiguredStack, cluster_access_props
from aks_workload_identity.existing_key_vault import ExistingKeyVault, ExistingKeyVaultProps
from aks_workload_identity.external_secrets import (
    ExternalSecretsOperator,
    ExternalSecretsOperatorProps,
)
from aks_workload_identity.former_addresses import former_ids, move_from_former_ids
from aks_workload_identity.identity import WorkloadIdentity, WorkloadIdentityProps
from aks_workload_identity.key_vault import SecretsVault, SecretsVaultProps, destroy_features
from aks_workload_identity.namespace_guard import (
    NamespaceDeletionGuard,
    NamespaceDeletionGuardProps,
)
from aks_workload_identity.namespace_ownership import DELETION_ALLOWED_KEY, REQUEST_KEY
from aks_workload_identity.namespaces import Namespaces, NamespacesProps
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
from aks_workload_identity.secrets_stack import SecretsStack
from aks_workload_identity.service_account import (
    WorkloadServiceAccount,
    WorkloadServiceAccountProps,
)
from aks_workload_identity.walkthrough import client_id_outputs
from aks_workload_identity.workload_identity_webhook import (
    WorkloadIdentityWebhook,
    WorkloadIdentityWebhookProps,
)


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


ESO_CONFIG_KEYS = {"namespace": "eso_namespace", "reinstall_allowed": "eso_reinstall_allowed"}


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


class ClusterStack(ConfiguredStack):
    """Kubernetes, in ``cluster``: namespaces, the annotated service accounts, the optional
    workload identity webhook, the ESO Helm release."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        config: Config,
        cluster: ClusterConfig,
        identity: IdentityStack,
    ) -> None:
        super().__init__(scope, id_, config)
        ClusterAccess(self, "access", cluster_access_props(cluster, helm_enabled=True))
        owned = config.namespaces
        self.namespace_guard = NamespaceDeletionGuard(
            self,
            "namespace-guard",
            NamespaceDeletionGuardProps(
                kept=(*owned.created, *owned.forgotten),
                request_key=REQUEST_KEY,
                allow_key=DELETION_ALLOWED_KEY,
                allowed=config.namespace_deletion_allowed,
            ),
        )
        self.namespaces = Namespaces(
            self,
            "namespaces",
            NamespacesProps(
                created=owned.created,
                labelled=owned.requested,
                labels=self.namespace_guard.labels,
                forgotten=owned.forgotten,
            ),
        )
        self.service_accounts = {
            workload.key: WorkloadServiceAccount(
                self,
                workload.construct_id,
                WorkloadServiceAccountProps(
                    name=workload.service_account,
                    namespace=self.namespaces.name_of(workload.namespace),
                    client_id=identity.client_ids[workload.identity],
                    tenant_id=identity.tenant_id,
                    existing=not workload.create_service_account,
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
        self.operator = (
            ExternalSecretsOperator(
                self,
                "external-secrets",
                ExternalSecretsOperatorProps(
                    namespace=self.namespaces.name_of(config.eso_namespace),
                    version=config.eso_chart_version,
                    reinstall_allowed=config.eso_reinstall_allowed,
                    keep_crds=config.eso_keep_crds_enabled,
                    config_keys=ESO_CONFIG_KEYS,
                ),
                depends_on=[self.webhook.release] if self.webhook else (),
            )
            if config.eso_install_enabled
            else None
        )


def build_stacks(app: App, config: Config) -> tuple[ConfiguredStack, ...]:
    """``identity``, then for each cluster its ``cluster`` and ``secrets`` stacks, in the order
    deploy applies them (with several clusters each pair is named after its cluster's key)."""
    identity = IdentityStack(app, "identity", config)
    stacks: list[ConfiguredStack] = [identity]
    for spec in config.clusters:
        cluster_id, secrets_id = spec.stack_ids
        cluster = ClusterStack(app, cluster_id, config, spec, identity)
        secrets = SecretsStack(app, secrets_id, config, spec, identity)
        cluster.add_dependency(identity)
        secrets.add_dependency(cluster)
        stacks += [cluster, secrets]
    for stack in stacks:
        move_from_former_ids(stack, former_ids(config))
    return tuple(stacks)
