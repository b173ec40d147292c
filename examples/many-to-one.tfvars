# Many-to-one: several service accounts share one identity. The identity gets one federated
# credential per service account, created one after another (Azure answers concurrent writes on
# one identity with HTTP 409). The payments namespace exists already and is left alone.
aks_resource_group_name = "rg-aks-demo"
aks_cluster_name        = "aks-demo"

# Created for the workloads here (and deleted by destroy); any other namespace must exist.
created_namespaces = ["orders", "shipping"]

identities = {
  shared = { name = "umi-shared-reader" }
}

workloads = {
  eso = {
    service_account = "workload-identity-sa"
    namespace       = "external-secrets"
    identity        = "shared"
  }
  orders = {
    service_account = "orders-api"
    namespace       = "orders"
    identity        = "shared"
  }
  shipping = {
    service_account = "shipping-worker"
    namespace       = "shipping"
    identity        = "shared"
  }
  payments = {
    service_account  = "payments-api"
    namespace        = "payments"
    identity         = "shared"
    create_namespace = false
  }
}

cluster_secret_stores = {
  azure-cluster-store = { workload = "eso" }
}
