"""A Key Vault that exists already: read by a data source, given roles, otherwise left alone."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from aks_workload_identity import rules, waits
from aks_workload_identity.cdk import Fn, Postcondition, TerraformResourceLifecycle
from aks_workload_identity.checks import hcl_string
from aks_workload_identity.hcl_output import write_postconditions_as_blocks
from aks_workload_identity.key_vault import data_plane_role, deployer_access
from aks_workload_identity.providers import DataAzurermKeyVault, RoleAssignment, Sleep

# Where a vault's resource group and name sit in its ID split at "/" (Terraform's split too).
VAULT_ID_RESOURCE_GROUP_SEGMENT = 4
VAULT_ID_NAME_SEGMENT = 8


@dataclass(frozen=True, kw_only=True)
class ExistingKeyVaultProps:
    """The vault's ``resource_id`` (a reference is accepted too); it must be in the azurerm
    provider's subscription and use Azure RBAC, not access policies.

    ``deployer_object_id``: set only when the deployment writes secrets into the vault (the
    placeholders): it then gets Key Vault Secrets Officer on this vault, and
    ``rbac_propagation_wait`` (default ``"300s"``, see ``waits.py``) passes before the first
    write. Unset: the deployer gets no role here.
    """

    resource_id: str
    deployer_object_id: str | None = None
    rbac_propagation_wait: str = waits.RBAC_PROPAGATION_WAIT

    def __post_init__(self) -> None:
        problems = rules.PropsProblems(f"Key Vault {self.resource_id!r}")
        problems.require("resource_id", self.resource_id, rules.KEY_VAULT_ID)
        problems.require("rbac_propagation_wait", self.rbac_propagation_wait, rules.GO_DURATION)
        problems.raise_any()


def _vault_name_and_group(resource_id: str) -> tuple[str, str]:
    """A literal ID is split here; a reference, known only at apply time, by Terraform."""
    if rules.unresolved(resource_id):
        segments = Fn.split("/", resource_id)
        return (
            Fn.element(segments, VAULT_ID_NAME_SEGMENT),
            Fn.element(segments, VAULT_ID_RESOURCE_GROUP_SEGMENT),
        )
    segments = resource_id.split("/")
    return segments[VAULT_ID_NAME_SEGMENT], segments[VAULT_ID_RESOURCE_GROUP_SEGMENT]


def _postconditions(resource_id: str, name: str, group: str) -> list[Postcondition]:
    """What deploy checks of the vault found: RBAC (access policies ignore role assignments, so
    ESO would get 403), and, for a literal ID, that it is the one named and not a namesake in
    the provider's subscription."""
    found = [
        Postcondition(
            condition="${self.rbac_authorization_enabled}",
            error_message=(
                f"Key Vault {name} uses access policies, not Azure RBAC, so the role assignments "
                "this deployment makes would not let ESO read it. Check who its access policies "
                f"let in, then: az keyvault update --name {name} --resource-group {group} "
                "--enable-rbac-authorization true"
            ),
        )
    ]
    if not rules.unresolved(resource_id):
        subscription = resource_id.split("/")[2]
        found.append(
            Postcondition(
                condition=f"${{lower(self.id) == lower({hcl_string(resource_id)})}}",
                error_message=(
                    f"Key Vault {name} was found in another subscription than {subscription}, "
                    "which its resource ID names: deploy in that subscription "
                    f"(az account set --subscription {subscription})"
                ),
            )
        )
    return found


class ExistingKeyVault(Construct):
    """Reads ``existing_vault``; ``vault_id``, ``vault_uri`` and ``vault_name`` are its own (the
    ID as Azure spells it, so role assignments never differ from it by case). ``grant`` adds
    readers; ``deployer_access`` and ``rbac_propagated`` exist only with a deployer.

    Nothing of the vault is created or changed: no name, firewall, guard or seed secret, so
    destroy removes only the role assignments made here and leaves the vault and its secrets.
    """

    def __init__(self, scope: Construct, id_: str, props: ExistingKeyVaultProps) -> None:
        super().__init__(scope, id_)
        self.props = props
        name, resource_group_name = _vault_name_and_group(props.resource_id)
        # A data source's precondition cannot refer to its own attributes; a postcondition can.
        checks = _postconditions(props.resource_id, name, resource_group_name)
        self.existing_vault = DataAzurermKeyVault(
            self,
            "existing-vault",
            name=name,
            resource_group_name=resource_group_name,
            lifecycle=TerraformResourceLifecycle(postcondition=checks),
        )
        write_postconditions_as_blocks(self.existing_vault, checks)
        self.vault_id: str = self.existing_vault.id
        self.vault_uri: str = self.existing_vault.vault_uri
        self.vault_name: str = self.existing_vault.name
        self.deployer_access: RoleAssignment | None = None
        self.rbac_propagated: Sleep | None = None
        if props.deployer_object_id is not None:
            self.deployer_access, self.rbac_propagated = deployer_access(
                self, self.vault_id, props.deployer_object_id, props.rbac_propagation_wait
            )

    def grant(
        self, id_: str, principal_id: str, role: str, *, service_principal: bool = True
    ) -> RoleAssignment:
        """Assign a Key Vault data-plane ``role`` on this vault to ``principal_id``."""
        return data_plane_role(
            self, id_, self.vault_id, principal_id, role, service_principal=service_principal
        )
