# The walkthrough's deployment with its state in Azure Storage (docs/teams.md): one blob per
# stack, aks-workload-identity/<stack>.tfstate, locked with the blob lease while Terraform runs.
# Sign-in is Entra ID only: az login on a workstation, ARM_USE_OIDC in a pipeline.
aks_resource_group_name = "rg-aks-demo"
aks_cluster_name        = "aks-demo"

remote_state = {
  storage_account_name = "sttfstateazwidemo"
  container_name       = "tfstate"
  key_prefix           = "aks-workload-identity"
  resource_group_name  = "rg-tfstate"
}
