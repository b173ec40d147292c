"""The cluster stack, composed from the constructs, and all the stacks in the order deploy
applies them: identity (``identity_stack.py``), then a cluster and a secrets stack
(``secrets_stack.py``) per cluster."""

from __future__ import annotations

from constructs import Construct

from aks_workload_identity.cdk import App
from aks_workload_identity.cluster import ClusterAccess
from aks_workload_identity.config import Config
from aks_workload_identity.config_model import ClusterConfig
from aks_workload_identity.configured_stack import ConfiguredStack, cluster_access_props
from aks_workload_identity.external_secrets_operator import (
    ExternalSecretsOperator,
    ExternalSecretsOperatorProps,
)
from aks_workload_identity.former_addresses import former_ids, move_from_former_ids
from aks_workload_identity.identity_stack import IdentityStack
from aks_workload_identity.namespace_guard import (
    NamespaceDeletionGuard,
    NamespaceDeletionGuardProps,
)
from aks_workload_identity.namespace_ownership import DELETION_ALLOWED_KEY, REQUEST_KEY
from aks_workload_identity.namespaces import Namespaces, NamespacesProps
from aks_workload_identity.secrets_stack import SecretsStack
from aks_workload_identity.service_account import (
    WorkloadServiceAccount,
    WorkloadServiceAccountProps,
)
from aks_workload_identity.workload_identity_webhook import (
    WorkloadIdentityWebhook,
    WorkloadIdentityWebhookProps,
)

ESO_CONFIG_KEYS = {"namespace": "eso_namespace", "reinstall_allowed": "eso_reinstall_allowed"}


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
