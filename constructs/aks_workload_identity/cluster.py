"""The Kubernetes cluster: where its OIDC issuer comes from, and how the providers reach it.

``KubernetesCluster`` gives the identity stack the issuer URL: looked up on an AKS cluster (with a
preflight that fails the plan when the issuer is off) or, for any other cluster, configured.
``ClusterAccess`` configures the kubernetes and helm providers in one of three modes:

- ``kubeconfig``: a kubeconfig file and context, for any cluster;
- ``aks_credentials``: the client certificate AKS hands out (``kube_config``, or
  ``kube_admin_config`` with ``aks_admin_credentials``); needs local accounts on the cluster;
- ``kubelogin``: an Entra ID token from the ``kubelogin`` exec plugin; the only mode that works
  on Entra-only clusters (local accounts disabled), and never sends a client certificate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from constructs import Construct

from aks_workload_identity import rules
from aks_workload_identity.cdk import Fn, Postcondition, TerraformResourceLifecycle
from aks_workload_identity.hcl_output import write_postconditions_as_blocks
from aks_workload_identity.invariants import (
    KUBERNETES_AUTH_MODES,
    ONLY_USED_WITH,
    aks_keys_missing,
    aks_keys_unused,
)
from aks_workload_identity.kubelogin import (
    LOGIN_MODE,
    NEEDS_TENANT,
    NOT_INTERACTIVE,
    kubelogin_args,
)
from aks_workload_identity.providers import (
    AzurermProvider,
    AzurermProviderFeatures,
    DataAzurermClientConfig,
    DataAzurermKubernetesCluster,
    HelmProvider,
    HelmProviderKubernetes,
    HelmProviderKubernetesExec,
    KubernetesProvider,
    KubernetesProviderExec,
)

EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"


def _aks_lookup(
    scope: Construct,
    id_: str,
    name: str | None,
    resource_group_name: str | None,
    postcondition: Postcondition,
) -> DataAzurermKubernetesCluster:
    # A data source's precondition cannot refer to its own attributes; a postcondition can.
    lookup = DataAzurermKubernetesCluster(
        scope,
        id_,
        name=name,
        resource_group_name=resource_group_name,
        lifecycle=TerraformResourceLifecycle(postcondition=[postcondition]),
    )
    write_postconditions_as_blocks(lookup, [postcondition])
    return lookup


@dataclass(frozen=True)
class KubernetesClusterProps:
    """Either an AKS cluster (``aks_cluster_name`` + ``aks_resource_group_name``) whose issuer is
    looked up, or ``oidc_issuer_url`` for any other cluster (no AKS lookup at all)."""

    aks_cluster_name: str | None = None
    aks_resource_group_name: str | None = None
    oidc_issuer_url: str | None = None

    def __post_init__(self) -> None:
        problems = rules.PropsProblems()
        if aks_keys_missing(vars(self)):
            problems.add(
                "an AKS cluster needs aks_cluster_name and aks_resource_group_name; "
                "any other cluster needs oidc_issuer_url"
            )
        if aks_keys_unused(vars(self)):
            problems.add("set oidc_issuer_url or the AKS cluster, not both")
        problems.raise_any()


class KubernetesCluster(Construct):
    """Exposes ``oidc_issuer_url``; for AKS also ``aks`` (the data source), ``location`` and
    ``resource_group_name`` (the cluster's, the default home of the Azure resources).

    On AKS the plan fails, naming the cluster and the command that fixes it, when the cluster's
    OIDC issuer is disabled: federated credentials cannot be created without an issuer URL.
    """

    def __init__(self, scope: Construct, id_: str, props: KubernetesClusterProps) -> None:
        super().__init__(scope, id_)
        self.props = props
        self.aks: DataAzurermKubernetesCluster | None = None
        self.location: str | None = None
        self.resource_group_name: str | None = None
        if props.oidc_issuer_url is not None:
            self.oidc_issuer_url = props.oidc_issuer_url
            return
        name, group = props.aks_cluster_name, props.aks_resource_group_name
        self.aks = _aks_lookup(
            self,
            "aks",
            name,
            group,
            Postcondition(
                condition="${self.oidc_issuer_enabled}",
                error_message=(
                    f"AKS cluster {name} (resource group {group}) has no OIDC issuer, which "
                    "workload identity federation needs. Enable it, then deploy again: "
                    f"az aks update --resource-group {group} --name {name} --enable-oidc-issuer"
                ),
            ),
        )
        self.oidc_issuer_url = self.aks.oidc_issuer_url
        self.location = self.aks.location
        self.resource_group_name = group


@dataclass(frozen=True)
class ClusterAccessProps:
    """How the kubernetes (and, with ``helm_enabled``, helm) provider authenticates.

    ``kubernetes_auth``: ``"kubeconfig"`` (default) reads ``kubeconfig_path`` (default
    ``~/.kube/config``) and ``kubeconfig_context`` (default: the current context).
    ``"aks_credentials"`` and ``"kubelogin"`` read the AKS cluster ``aks_cluster_name`` in
    ``aks_resource_group_name`` with their own ``azurerm`` provider: the first uses its client
    certificate (``kube_admin_config`` when ``aks_admin_credentials``, default ``False``), the
    second a token from ``kubelogin get-token --login <kubelogin_login_mode>`` (default
    ``"azurecli"``; see ``kubelogin.py`` for the modes and what each reads). ``helm_enabled``:
    default ``False``.
    """

    kubernetes_auth: str = "kubeconfig"
    kubeconfig_path: str = "~/.kube/config"
    kubeconfig_context: str | None = None
    aks_cluster_name: str | None = None
    aks_resource_group_name: str | None = None
    aks_admin_credentials: bool = False
    kubelogin_login_mode: str = "azurecli"
    helm_enabled: bool = False

    def __post_init__(self) -> None:
        problems = rules.PropsProblems()
        if self.kubernetes_auth not in KUBERNETES_AUTH_MODES:
            problems.add(
                f"kubernetes_auth {self.kubernetes_auth!r}: must be one of {KUBERNETES_AUTH_MODES}"
            )
        for check in (NOT_INTERACTIVE, LOGIN_MODE):
            if not check.ok(self.kubelogin_login_mode):
                problems.add(f"kubelogin_login_mode {self.kubelogin_login_mode!r}: {check.message}")
                break
        if self.reads_aks and None in (self.aks_cluster_name, self.aks_resource_group_name):
            problems.add(
                f"kubernetes_auth {self.kubernetes_auth!r} reads the AKS cluster: "
                "aks_cluster_name and aks_resource_group_name are required"
            )
        switch, mode = ONLY_USED_WITH["aks_admin_credentials"]
        if self.aks_admin_credentials and getattr(self, switch) != mode:
            problems.add(f'aks_admin_credentials needs {switch} "{mode}"')
        problems.raise_any()

    @property
    def reads_aks(self) -> bool:
        return self.kubernetes_auth != "kubeconfig"


class ClusterAccess(Construct):
    """Creates ``kubernetes`` and, with ``helm_enabled``, ``helm``; in the AKS modes also
    ``azurerm`` and ``aks`` (the cluster's data source, read on every plan); for a kubelogin mode
    that needs a tenant ID (``spn``, ``workloadidentity``) also ``client`` (the client config).

    The AKS data source returns empty credentials instead of failing when the cluster or the
    deployer's role cannot provide them, so each AKS mode checks for them with a postcondition
    that says what to change, before a provider fails with an obscure TLS or index error.
    """

    def __init__(self, scope: Construct, id_: str, props: ClusterAccessProps) -> None:
        super().__init__(scope, id_)
        self.props = props
        self.azurerm: AzurermProvider | None = None
        self.aks: DataAzurermKubernetesCluster | None = None
        self.client: DataAzurermClientConfig | None = None
        connection: dict[str, Any]
        exec_: dict[str, Any] | None = None
        if props.kubernetes_auth == "kubeconfig":
            connection = {
                "config_path": props.kubeconfig_path,
                "config_context": props.kubeconfig_context,
            }
        else:
            self.azurerm = AzurermProvider(self, "azurerm", features=[AzurermProviderFeatures()])
            credentials = "kube_admin_config" if props.aks_admin_credentials else "kube_config"
            self.aks = _aks_lookup(
                self,
                "aks",
                props.aks_cluster_name,
                props.aks_resource_group_name,
                self._credentials_check(credentials),
            )
            config = (
                self.aks.kube_admin_config if props.aks_admin_credentials else self.aks.kube_config
            ).get(0)
            connection = {
                "host": config.host,
                "cluster_ca_certificate": Fn.base64decode(config.cluster_ca_certificate),
            }
            if props.kubernetes_auth == "aks_credentials":
                connection["client_certificate"] = Fn.base64decode(config.client_certificate)
                connection["client_key"] = Fn.base64decode(config.client_key)
            else:
                mode = props.kubelogin_login_mode
                if mode in NEEDS_TENANT:
                    # The deployer's own Azure login names the tenant the cluster trusts.
                    self.client = DataAzurermClientConfig(self, "client")
                exec_ = {
                    "api_version": EXEC_API_VERSION,
                    "command": "kubelogin",
                    "args": kubelogin_args(mode, self.client.tenant_id if self.client else None),
                }
        # kubernetes 2.x: exec is a block (a list); helm 3.x: kubernetes and exec are objects.
        self.kubernetes = KubernetesProvider(
            self,
            "kubernetes",
            **connection,
            exec=[KubernetesProviderExec(**exec_)] if exec_ else None,
        )
        self.helm = (
            HelmProvider(
                self,
                "helm",
                kubernetes=HelmProviderKubernetes(
                    **connection,
                    exec=HelmProviderKubernetesExec(**exec_) if exec_ else None,
                ),
            )
            if props.helm_enabled
            else None
        )

    def _credentials_check(self, credentials: str) -> Postcondition:
        props = self.props
        cluster = f"AKS cluster {props.aks_cluster_name}"
        role = "Azure Kubernetes Service Cluster User Role"
        if props.kubernetes_auth == "kubelogin":
            return Postcondition(
                condition=f'${{try(self.{credentials}[0].host, "") != ""}}',
                error_message=(
                    f"{cluster} returned no user credentials, so its API server address is "
                    f"unknown: the deployer needs the {role} on the cluster."
                ),
            )
        if props.aks_admin_credentials:
            reason = (
                "they exist only on Entra ID-integrated clusters with local accounts enabled, "
                "and need the Azure Kubernetes Service Cluster Admin Role. On a cluster without "
                "Entra ID integration set aks_admin_credentials = false; with local accounts "
                'disabled use kubernetes_auth = "kubelogin".'
            )
        else:
            reason = (
                "the cluster uses Entra ID authentication (user credentials carry no "
                f"certificate there) or the deployer lacks the {role}. Use kubernetes_auth = "
                '"kubelogin", or aks_admin_credentials = true if local accounts are enabled.'
            )
        return Postcondition(
            condition=f'${{try(self.{credentials}[0].client_certificate, "") != ""}}',
            error_message=f"{cluster} returned no client certificate in {credentials}: {reason}",
        )
