# ESO already installed: the cluster runs External Secrets from GitOps (its CRDs served at
# external-secrets.io/v1, its controller allowed to request tokens for service accounts), so this
# deployment installs no Helm release and creates no ESO namespace. It still creates the identity,
# the vault, the annotated service account, the ClusterSecretStore and the ExternalSecret; destroy
# removes those and leaves the installed ESO and its CRDs in place. The service account goes into
# ESO's namespace, which exists already.
aks_resource_group_name = "rg-aks-demo"
aks_cluster_name        = "aks-demo"

eso_install_enabled = false
existing_namespaces = ["external-secrets"]
