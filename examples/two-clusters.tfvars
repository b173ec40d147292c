# Blue/green during an AKS upgrade (docs/clusters.md): the identity trusts the service account in
# both clusters (one federated credential per cluster, each with that cluster's OIDC issuer), and
# ESO, the service account, the store and the ExternalSecret exist in each. The stacks are
# identity, then cluster-blue and secrets-blue, then cluster-green and secrets-green.
# The identity and the vault stay where resource_group_name and location say, whichever cluster
# comes or goes.
resource_group_name = "rg-workload-identity"
location            = "westeurope"

clusters = {
  blue = {
    aks_resource_group_name = "rg-aks-demo"
    aks_cluster_name        = "aks-blue"
    kubeconfig_context      = "aks-blue"
  }
  green = {
    aks_resource_group_name = "rg-aks-demo"
    aks_cluster_name        = "aks-green"
    kubeconfig_context      = "aks-green"
  }
}
