"""How the kubernetes and helm providers reach the cluster."""

from __future__ import annotations

from aks_workload_identity.config import Config
from aks_workload_identity.providers import (
    HelmProvider,
    HelmProviderKubernetes,
    KubernetesProvider,
)
from constructs import Construct


class ClusterAccess(Construct):
    """Configures ``kubernetes`` (and, with ``helm=True``, ``helm``) on the kubeconfig."""

    def __init__(self, scope: Construct, id_: str, config: Config, *, helm: bool) -> None:
        super().__init__(scope, id_)
        self.kubernetes = KubernetesProvider(
            self,
            "kubernetes",
            config_path=config.kubeconfig_path,
            config_context=config.kubeconfig_context,
        )
        self.helm = (
            HelmProvider(
                self,
                "helm",
                kubernetes=HelmProviderKubernetes(
                    config_path=config.kubeconfig_path,
                    config_context=config.kubeconfig_context,
                ),
            )
            if helm
            else None
        )
