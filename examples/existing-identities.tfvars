# Existing identities: the orders team's managed identity exists already (for example from AAD Pod
# Identity, with role assignments elsewhere that must keep working), so it is named by its
# resource ID instead of being created. The deployment reads its client and principal ID through
# a data source, adds a federated credential per service account and its Key Vault role, and
# destroy removes only those: the identity, its client ID and its other role assignments stay.
# Its service accounts exist too (the orders chart made them): they are annotated, not created,
# and destroy removes only the annotations. External Secrets gets an identity and service account
# of its own, created as usual.
aks_resource_group_name = "rg-aks-demo"
aks_cluster_name        = "aks-demo"

identities = {
  eso = { name = "umi-external-secrets" }
  orders = {
    resource_id    = "/subscriptions/3f2b7c1e-8d4a-4b6e-9c0f-5a1d2e3f4a5b/resourceGroups/rg-orders-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/umi-orders"
    key_vault_role = "Key Vault Secrets User"
  }
}

workloads = {
  eso = {
    service_account = "workload-identity-sa"
    namespace       = "external-secrets"
    identity        = "eso"
  }
  orders-api = {
    service_account        = "orders-api"
    namespace              = "orders"
    identity               = "orders"
    create_service_account = false
  }
  orders-worker = {
    service_account        = "orders-worker"
    namespace              = "orders"
    identity               = "orders"
    create_service_account = false
  }
}

cluster_secret_stores = {
  azure-cluster-store = { workload = "eso" }
}
