# Many ExternalSecrets across namespaces, all read through the walkthrough's one store.
# data copies single Key Vault secrets; data_from extracts the fields of a JSON secret or finds
# secrets by name pattern or tags. Every secret named here (remote_key, extract key) is created
# with a random placeholder (a JSON object for extract): replace each with its real value after the
# deploy (docs/deploy.md "Placeholder secrets"). The find entries sync whatever matches; until something
# does, their ExternalSecrets are Ready without a Secret.
aks_resource_group_name = "rg-aks-demo"
aks_cluster_name        = "aks-demo"

# Created for the workloads here (and deleted by destroy); any other namespace must exist.
created_namespaces = ["orders", "shipping"]

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
    name      = "orders-api-keys"
    namespace = "orders"
    data_from = [{ find = { name_regexp = "^orders-api-" } }]
  },
  {
    name      = "orders-config"
    namespace = "orders"
    data_from = [{ extract = { key = "orders-config" } }]
  },
  {
    name      = "payments-api"
    namespace = "payments"
    data      = [{ secret_key = "api-key", remote_key = "payments-api-key" }]
  },
  {
    name             = "payments-psp"
    namespace        = "payments"
    refresh_interval = "15m"
    data_from        = [{ find = { tags = { team = "payments", env = "prod" } } }]
  },
  {
    name      = "payments-db"
    namespace = "payments"
    data_from = [{ extract = { key = "payments-db" } }]
    data      = [{ secret_key = "ca.crt", remote_key = "payments-db-ca" }]
  },
  {
    name      = "shipping-carriers"
    namespace = "shipping"
    data_from = [
      { find = { name_regexp = "^carrier-[a-z]+-token$" } },
      { find = { name_regexp = "^shipping-", tags = { env = "prod" } } },
    ]
  },
  {
    name      = "shipping-db"
    namespace = "shipping"
    data = [
      { secret_key = "username", remote_key = "shipping-db-username" },
      { secret_key = "password", remote_key = "shipping-db-password" },
    ]
  },
  {
    name             = "shipping-webhook"
    namespace        = "shipping"
    refresh_interval = "1h"
    data             = [{ secret_key = "signing-key", remote_key = "shipping-webhook-signing-key" }]
  },
]
