# The other environment (docs/teams.md#environments): terraform.prod.<stack>.tfstate, its own
# cluster, identity and vault. Teams keep prod's state remote (see remote-state.tfvars).
aks_resource_group_name = "rg-aks-prod"
aks_cluster_name        = "aks-prod"
environment             = "prod"

identity_name         = "umi-external-secrets-prod"
key_vault_name_prefix = "kv-azwi-prod-"
tags                  = { environment = "prod" }
