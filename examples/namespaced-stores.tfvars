# Namespaced stores: no cluster-wide store for the teams. team-store is a SecretStore in each
# namespace whose ExternalSecrets read through it (orders and shipping), each authenticating as
# the service account secrets-reader of its own namespace; so each namespace declares that service
# account as a workload, annotated with the store's identity (one federated credential each).
# platform-store stays a ClusterSecretStore, limited to the namespace of its ExternalSecret
# (default) and, widened explicitly, to monitoring.
aks_resource_group_name = "rg-aks-demo"
aks_cluster_name        = "aks-demo"

# Created for the workloads here (and deleted by destroy); any other namespace must exist.
created_namespaces = ["orders", "shipping"]

identities = {
  platform = { name = "umi-platform-reader" }
  teams    = { name = "umi-teams-reader" }
}

workloads = {
  eso = {
    service_account = "workload-identity-sa"
    namespace       = "external-secrets"
    identity        = "platform"
  }
  orders = {
    service_account = "secrets-reader"
    namespace       = "orders"
    identity        = "teams"
  }
  shipping = {
    service_account = "secrets-reader"
    namespace       = "shipping"
    identity        = "teams"
  }
}

cluster_secret_stores = {
  platform-store = { workload = "eso", allowed_namespaces = ["monitoring"] }
  team-store     = { workload = "orders", kind = "SecretStore" }
}

external_secrets = [
  {
    name      = "platform-tls"
    namespace = "default"
    store     = "platform-store"
    data      = [{ secret_key = "tls.key", remote_key = "platform-tls-key" }]
  },
  {
    name      = "orders-db"
    namespace = "orders"
    store     = "team-store"
    data      = [{ secret_key = "password", remote_key = "orders-db-password" }]
  },
  {
    name      = "shipping-db"
    namespace = "shipping"
    store     = "team-store"
    data      = [{ secret_key = "password", remote_key = "shipping-db-password" }]
  },
]
