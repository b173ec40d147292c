# One-to-many: one service account may act as several identities. Its annotation names the
# default one (ESO's store uses it); the workload passes another's client ID to its Azure SDK to
# switch. Each identity gets a federated credential for the service account; the stack outputs
# additional_client_ids list the client IDs the annotation does not name.
# The find below names no secret, so nothing is seeded for it: the ExternalSecret is Ready at once
# and its Secret appears once the rotator has written a tagged secret.
aks_resource_group_name = "rg-aks-demo"
aks_cluster_name        = "aks-demo"

# Created for the workloads here (and deleted by destroy); any other namespace must exist.
created_namespaces = ["rotation"]

identities = {
  reader = { name = "umi-secrets-reader" }
  writer = { name = "umi-secrets-writer", key_vault_role = "Key Vault Secrets Officer" }
}

workloads = {
  rotator = {
    service_account       = "secret-rotator"
    namespace             = "rotation"
    identity              = "reader"
    additional_identities = ["writer"]
  }
}

cluster_secret_stores = {
  azure-cluster-store = { workload = "rotator" }
}

external_secrets = [
  {
    name      = "rotated-credentials"
    namespace = "rotation"
    data_from = [{ find = { tags = { rotated-by = "secret-rotator" } } }]
  },
]
