"""Each stack's Terraform backend: a local state file beside the project (the default), or a
blob in Azure Storage with Entra ID sign-in and the blob lease as the state lock. The other
stacks' ``terraform_remote_state`` reads follow it (the CDK derives them from the backend)."""

from __future__ import annotations

from aks_workload_identity.cdk import AzurermBackend, LocalBackend, TerraformStack
from aks_workload_identity.config_model import StateConfig


def state_backend(
    stack: TerraformStack, stack_id: str, state: StateConfig, state_directory: str
) -> LocalBackend | AzurermBackend:
    """``stack``'s backend; ``state_directory``: the project directory, from the stack's."""
    remote = state.remote
    if remote is None:
        return LocalBackend(stack, path=f"{state_directory}/{state.local_file(stack_id)}")
    optional = {
        "resource_group_name": remote.resource_group_name,
        "subscription_id": remote.subscription_id,
        "tenant_id": remote.tenant_id,
    }
    return AzurermBackend(
        stack,
        storage_account_name=remote.storage_account_name,
        container_name=remote.container_name,
        key=state.remote_key(stack_id),
        use_azuread_auth=True,
        **{k: v for k, v in optional.items() if v is not None},
    )
