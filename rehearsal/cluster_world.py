"""The simulated clusters of a configuration's ``clusters`` entries: each one's issuer, and how
its stacks' providers name it (so a request reaches the right one: ``world.cluster_view``)."""

from __future__ import annotations

from aks_workload_identity.config_model import ClusterConfig
from rehearsal import facts, world


def simulated_clusters(clusters: tuple[ClusterConfig, ...], namespaces: list[str]) -> dict:
    """Each keyed cluster's parts, by key; none for the one cluster of the top-level keys."""
    return {
        cluster.key: world.initial_cluster(issuer_of(cluster), namespaces, _access(cluster))
        for cluster in clusters
        if cluster.key is not None
    }


def issuer_of(cluster: ClusterConfig) -> str:
    """The issuer the simulated cluster has: configured, or the one AKS gives it."""
    if cluster.oidc_issuer_url:
        return cluster.oidc_issuer_url
    group, name = cluster.aks_resource_group_name, cluster.aks_cluster_name
    assert group is not None
    assert name is not None
    return facts.aks_issuer_url(group, name)


def _access(cluster: ClusterConfig) -> str | None:
    """How the stacks' providers name the cluster: its kubeconfig context, or the API server
    the AKS lookup returns."""
    if cluster.kubernetes_auth == "kubeconfig":
        return cluster.kubeconfig_context
    lookup = {
        "name": cluster.aks_cluster_name,
        "resource_group_name": cluster.aks_resource_group_name,
    }
    return facts.COMPUTED["azurerm_kubernetes_cluster"](lookup)["kube_config"][0]["host"]
