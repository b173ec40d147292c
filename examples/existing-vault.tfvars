# Existing Key Vault: the platform team's vault, with the secrets in it already, is named by its
# resource ID instead of being created. The deployment reads its URI through a data source and
# grants ESO's identity "Key Vault Secrets User" on it; it creates no vault, name suffix,
# firewall rule, replacement guard or seed secret, and writes no secret (the ExternalSecrets read
# what is there). Destroy removes only the role assignment, the identity it created and the
# Kubernetes objects: the vault and its secrets stay. The vault must use Azure RBAC (not access
# policies) and be in the subscription the deployment runs in.
aks_resource_group_name = "rg-aks-demo"
aks_cluster_name        = "aks-demo"

# Created for the workloads here (and deleted by destroy); any other namespace must exist.
created_namespaces = ["orders"]

key_vault_resource_id = "/subscriptions/5e2b8a39-0d1c-4d0c-9b7e-1f3a2c4d5e6f/resourceGroups/rg-platform-secrets/providers/Microsoft.KeyVault/vaults/kv-platform-shared"

external_secrets = [
  {
    name      = "orders-db"
    namespace = "orders"
    data = [
      { secret_key = "username", remote_key = "orders-db-username" },
      { secret_key = "password", remote_key = "orders-db-password" },
    ]
  },
]
