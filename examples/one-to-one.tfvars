# One-to-one: every service account has an identity of its own.
# ESO's store reads the vault as "eso"; the billing team's store reads it as "billing", through a
# service account in the billing namespace, so each team's ExternalSecrets use their own identity.
# billing-db is created with a JSON placeholder, {"placeholder": "<random>"}, since extract reads a
# JSON object: store the real one after the deploy (docs/deploy.md "Placeholder secrets").
aks_resource_group_name = "rg-aks-demo"
aks_cluster_name        = "aks-demo"

# Created for the workloads here (and deleted by destroy); any other namespace must exist.
created_namespaces = ["billing"]

identities = {
  eso     = { name = "umi-external-secrets" }
  billing = { name = "umi-billing", key_vault_role = "Key Vault Secrets User" }
}

workloads = {
  eso = {
    service_account = "workload-identity-sa"
    namespace       = "external-secrets"
    identity        = "eso"
  }
  billing = {
    service_account = "billing-secrets"
    namespace       = "billing"
    identity        = "billing"
  }
}

cluster_secret_stores = {
  azure-cluster-store = { workload = "eso" }
  billing-store       = { workload = "billing" }
}

external_secrets = [
  {
    name      = "external-secret"
    namespace = "default"
    store     = "azure-cluster-store"
    data      = [{ secret_key = "external-secret", remote_key = "external-keyvault-secret" }]
  },
  {
    name      = "billing-db"
    namespace = "billing"
    store     = "billing-store"
    data_from = [{ extract = { key = "billing-db" } }]
  },
]
