# The default access mode, spelled out: the kubernetes and helm providers read a kubeconfig file
# and use one named context in it (instead of the current one). Works with any cluster.
# Create the file with: az aks get-credentials -g rg-aks-demo -n aks-demo -f ~/.kube/aks-demo.config
aks_resource_group_name = "rg-aks-demo"
aks_cluster_name        = "aks-demo"

kubernetes_auth    = "kubeconfig"
kubeconfig_path    = "~/.kube/aks-demo.config"
kubeconfig_context = "aks-demo"
