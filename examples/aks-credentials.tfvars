# No kubeconfig: the providers take the API server, its CA and a client certificate from the AKS
# cluster itself. Here the admin certificate (kube_admin_config), which exists on Entra
# ID-integrated clusters with local accounts enabled and needs the deployer to hold the
# "Azure Kubernetes Service Cluster Admin Role". On a cluster without Entra ID integration leave
# aks_admin_credentials out (the user certificate is used). With local accounts disabled neither
# works: see kubelogin.tfvars.
aks_resource_group_name = "rg-aks-demo"
aks_cluster_name        = "aks-demo"

kubernetes_auth       = "aks_credentials"
aks_admin_credentials = true
