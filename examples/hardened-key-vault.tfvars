# The production settings for the vault: purge protection, no plan may delete it (destroy too: set
# key_vault_prevent_destroy_enabled = false first), a firewall that admits only the named
# networks, and an expiry date on the seed secret. Replace the range and the subnet with your own:
# - the deployer's public IP (your machine or the CI runner), or the vault refuses the seed-secret
#   write with 403 ForbiddenByFirewall;
# - the AKS node subnet (it needs the Microsoft.KeyVault service endpoint), or the cluster's
#   outbound public IP in key_vault_allowed_ip_ranges, or External Secrets cannot read the vault.
aks_resource_group_name = "rg-aks-demo"
aks_cluster_name        = "aks-demo"

key_vault_purge_protection_enabled = true
key_vault_prevent_destroy_enabled  = true
key_vault_allowed_ip_ranges        = ["203.0.113.0/28"]
key_vault_allowed_subnet_ids = [
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks-demo-network/providers/Microsoft.Network/virtualNetworks/vnet-aks-demo/subnets/snet-aks-nodes",
]
key_vault_secret_expiration_date = "2027-06-30T00:00:00Z"
