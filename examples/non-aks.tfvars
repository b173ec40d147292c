# A cluster that is not AKS (k3s, kind, EKS, GKE, on-premises, ...): nothing is looked up on AKS.
# The federated credential trusts the cluster's service account issuer, which must be served
# publicly over https (Entra ID fetches its discovery document and keys), and the self-managed
# workload identity webhook is installed for workloads that use the annotated service account.
oidc_issuer_url     = "https://oidc.example.com/clusters/k3s-lab"
resource_group_name = "rg-k3s-lab"
location            = "northeurope"

kubeconfig_context = "k3s-lab"

install_workload_identity_webhook = true
