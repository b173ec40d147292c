# One of two environments deployed from one checkout (docs/teams.md#environments): its state
# files are terraform.dev.<stack>.tfstate, apart from environment-prod.tfvars' state. Each
# environment has its own vault, identity and resource group.
aks_resource_group_name = "rg-aks-dev"
aks_cluster_name        = "aks-dev"
environment             = "dev"

identity_name         = "umi-external-secrets-dev"
key_vault_name_prefix = "kv-azwi-dev-"
tags                  = { environment = "dev" }
