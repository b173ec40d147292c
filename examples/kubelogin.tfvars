# An Entra ID-only AKS cluster (local accounts disabled): the providers take the API server and
# its CA from the cluster and an Entra ID token from kubelogin, which must be on PATH.
# "azurecli" reuses `az login`. In CI: "spn" (AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_TENANT_ID),
# "workloadidentity" (the AZURE_* variables of a federated CI job) or "msi" (on an Azure VM).
aks_resource_group_name = "rg-aks-prod"
aks_cluster_name        = "aks-prod"

kubernetes_auth      = "kubelogin"
kubelogin_login_mode = "azurecli"

# The identity and the Key Vault go into the platform team's resource group and region instead
# of the cluster's.
resource_group_name = "rg-platform-secrets"
location            = "westeurope"
