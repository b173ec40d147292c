"""The base of every stack: their state (state_backend.py), every configuration key declared as
a variable, and the Terraform version the stacks need."""

from __future__ import annotations

from constructs import Construct

from aks_workload_identity.cdk import TerraformStack, declare_target_versions
from aks_workload_identity.cluster import ClusterAccessProps
from aks_workload_identity.config import Config
from aks_workload_identity.config_model import ClusterConfig
from aks_workload_identity.hcl_output import hcl_output
from aks_workload_identity.state_backend import state_backend
from aks_workload_identity.state_owner import StateOwner, StateOwnerProps
from aks_workload_identity.variables import declare_config_variables

# Write-only arguments (the seed and placeholder secrets' value_wo) are new in Terraform 1.11: an
# older one would fail half-way through an apply; with this it stops at init and says why.
REQUIRED_TERRAFORM_VERSION = ">= 1.11"
# The app's context key for where the state files are, as a path from a stack's directory.
STATE_DIRECTORY_CONTEXT = "azwi:stateDirectory"


class ConfiguredStack(TerraformStack):
    """A stack that keeps its state where the configuration says, declares every config key and the
    Terraform version it needs."""

    def __init__(self, scope: Construct, id_: str, config: Config) -> None:
        super().__init__(scope, id_)
        declare_target_versions(self)
        # cdktf 0.21 has no setting for it: an override of the synthesized terraform block (the
        # HCL renderer cannot write one: hcl_output.write_required_version does it there).
        if not hcl_output(self):
            self.add_override("terraform.required_version", REQUIRED_TERRAFORM_VERSION)
        # Relative to <outdir>/stacks/<id>: the project directory, wherever it is checked out and
        # wherever the output goes (the app says where, relative to a stack directory).
        state_directory = self.node.try_get_context(STATE_DIRECTORY_CONTEXT) or "../../.."
        state_backend(self, id_, config.state, state_directory)
        declare_config_variables(self, config)
        StateOwner(
            self,
            "state-owner",
            StateOwnerProps(
                configuration=config.source.name,
                state=config.state.location(id_),
                allow_key="state_owner_change_allowed",
                environment_key="environment",
                allowed=config.state_owner_change_allowed,
            ),
        )


def cluster_access_props(cluster: ClusterConfig, *, helm_enabled: bool) -> ClusterAccessProps:
    """How the cluster and secrets stacks reach ``cluster``."""
    return ClusterAccessProps(
        kubernetes_auth=cluster.kubernetes_auth,
        kubeconfig_path=cluster.kubeconfig_path,
        kubeconfig_context=cluster.kubeconfig_context,
        aks_cluster_name=cluster.aks_cluster_name,
        aks_resource_group_name=cluster.aks_resource_group_name,
        aks_admin_credentials=cluster.aks_admin_credentials,
        kubelogin_login_mode=cluster.kubelogin_login_mode,
        helm_enabled=helm_enabled,
    )
