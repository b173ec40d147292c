# Several ExternalSecrets across namespaces, all read through the one ClusterSecretStore.
# The secrets named here must exist in the vault (only external-keyvault-secret is created).
aks_resource_group_name = "rg-aks-demo"
aks_cluster_name        = "aks-demo"

existing_namespaces = ["payments"]

external_secrets = [
  {
    name      = "external-secret"
    namespace = "default"
    data      = [{ secret_key = "external-secret", remote_key = "external-keyvault-secret" }]
  },
  {
    name             = "orders-db"
    namespace        = "orders"
    refresh_interval = "5m"
    data = [
      { secret_key = "username", remote_key = "orders-db-username" },
      { secret_key = "password", remote_key = "orders-db-password" },
    ]
  },
  {
    name      = "payments-api"
    namespace = "payments"
    data      = [{ secret_key = "api-key", remote_key = "payments-api-key" }]
  },
]
