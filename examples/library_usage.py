"""The constructs in a stack of your own: one identity for two service accounts, a vault, a store
and an ExternalSecret. The cluster already runs ESO (its CRDs must exist when the apps stack is
planned), so there is no Helm release here.

    .venv/bin/python examples/library_usage.py      # synthesizes into cdktf.out/ (or $CDKTF_OUTDIR)
"""

from __future__ import annotations

from aks_workload_identity.runtime import configure_jsii_runtime

# First: importing cdktf starts its Node process, which then gets the pinned Node.
configure_jsii_runtime()

from cdktf import App, TerraformOutput, TerraformStack
from constructs import Construct

from aks_workload_identity.external_secrets import (
    ClusterSecretStore,
    ClusterSecretStoreProps,
    ExternalSecret,
    ExternalSecretProps,
)
from aks_workload_identity.federation import Federation
from aks_workload_identity.identity import WorkloadIdentity, WorkloadIdentityProps
from aks_workload_identity.key_vault import SecretsVault, SecretsVaultProps
from aks_workload_identity.namespaces import Namespaces, NamespacesProps
from aks_workload_identity.providers import (
    AzurermProvider,
    AzurermProviderFeatures,
    DataAzurermClientConfig,
    DataAzurermKubernetesCluster,
    KubernetesProvider,
    RandomProvider,
    TimeProvider,
)
from aks_workload_identity.secret_data import DataItem, Find
from aks_workload_identity.service_account import (
    WorkloadServiceAccount,
    WorkloadServiceAccountProps,
)

RESOURCE_GROUP = "rg-orders"
NAMESPACE = "orders"
SERVICE_ACCOUNTS = ("orders-api", "orders-worker")


class PlatformStack(TerraformStack):
    """Azure: an identity both service accounts federate with, and a vault it reads."""

    def __init__(self, scope: Construct, id_: str) -> None:
        super().__init__(scope, id_)
        AzurermProvider(self, "azurerm", features=[AzurermProviderFeatures()])
        RandomProvider(self, "random")
        TimeProvider(self, "time")
        client = DataAzurermClientConfig(self, "client")
        aks = DataAzurermKubernetesCluster(
            self, "aks", name="aks-orders", resource_group_name=RESOURCE_GROUP
        )
        self.tenant_id = client.tenant_id
        self.identity = WorkloadIdentity(
            self,
            "orders",
            WorkloadIdentityProps(
                name="umi-orders",
                resource_group_name=RESOURCE_GROUP,
                location=aks.location,
                oidc_issuer_url=aks.oidc_issuer_url,
                federations=[Federation(sa, NAMESPACE, sa) for sa in SERVICE_ACCOUNTS],
            ),
        )
        self.vault = SecretsVault(
            self,
            "vault",
            SecretsVaultProps(
                name_prefix="kv-orders-",
                resource_group_name=RESOURCE_GROUP,
                location=aks.location,
                tenant_id=client.tenant_id,
                deployer_object_id=client.object_id,
                seed_secret_name="orders-db-password",
            ),
        )
        self.vault.grant("orders", self.identity.principal_id, "Key Vault Secrets User")
        TerraformOutput(self, "orders_client_id", value=self.identity.client_id)


class AppsStack(TerraformStack):
    """Kubernetes: the namespace, both service accounts, a store and an ExternalSecret."""

    def __init__(self, scope: Construct, id_: str, platform: PlatformStack) -> None:
        super().__init__(scope, id_)
        KubernetesProvider(self, "kubernetes", config_path="~/.kube/config")
        namespaces = Namespaces(self, "namespaces", NamespacesProps(created=[NAMESPACE]))
        accounts = [
            WorkloadServiceAccount(
                self,
                sa,
                WorkloadServiceAccountProps(
                    name=sa,
                    namespace=namespaces.name_of(NAMESPACE),
                    client_id=platform.identity.client_id,
                    tenant_id=platform.tenant_id,
                ),
            )
            for sa in SERVICE_ACCOUNTS
        ]
        store = ClusterSecretStore(
            self,
            "store",
            ClusterSecretStoreProps(
                name="orders-store",
                vault_url=platform.vault.vault.vault_uri,
                service_account=SERVICE_ACCOUNTS[0],
                namespace=NAMESPACE,
                serves_namespaces=[NAMESPACE],
            ),
            depends_on=[accounts[0].service_account],
        )
        ExternalSecret(
            self,
            "orders-db",
            ExternalSecretProps(
                name="orders-db",
                namespace=NAMESPACE,
                store="orders-store",
                refresh_interval="5m",
                data=[DataItem(secret_key="password", remote_key="orders-db-password")],
                data_from=[Find(tags={"team": "orders"})],
            ),
            depends_on=[store.manifest],
        )


def build(app: App) -> tuple[PlatformStack, AppsStack]:
    platform = PlatformStack(app, "platform")
    apps = AppsStack(app, "apps", platform)
    apps.add_dependency(platform)
    return platform, apps


if __name__ == "__main__":
    app = App()
    build(app)
    app.synth()
