# An Entra ID-only AKS cluster (local accounts disabled): the providers take the API server and
# its CA from the cluster and an Entra ID token from kubelogin, which must be on PATH.
# "azurecli" reuses `az login`. In CI: "spn" (AZURE_CLIENT_ID and AZURE_CLIENT_SECRET; kubelogin
# does not read ARM_*), "workloadidentity" (AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE of a
# federated CI job) or "msi" (on an Azure VM); the tenant is passed from the deployer's login.
aks_resource_group_name = "rg-aks-prod"
aks_cluster_name        = "aks-prod"

kubernetes_auth      = "kubelogin"
kubelogin_login_mode = "azurecli"

# The identity and the Key Vault go into the platform team's resource group and region instead
# of the cluster's.
resource_group_name = "rg-platform-secrets"
location            = "westeurope"
