"""A Key Vault with RBAC authorization, data-plane role assignments and a seed secret."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from aks_workload_identity.config import KEY_VAULT_SUFFIX_LENGTH
from aks_workload_identity.providers import (
    KeyVault,
    KeyVaultSecret,
    RandomPassword,
    RandomString,
    RoleAssignment,
    Sleep,
)
from constructs import Construct

DEPLOYER_ROLE = "Key Vault Secrets Officer"


@dataclass(frozen=True)
class SecretsVaultProps:
    """The vault and the secret it is seeded with.

    ``name_prefix`` gets a random 5-character suffix so the globally unique name differs per
    deployment. ``deployer_object_id`` gets Key Vault Secrets Officer on this vault only, so the
    deployment can write the seed secret. ``rbac_propagation_wait`` (default ``"120s"``) sits
    between that assignment and the first secret write: role assignments take minutes to
    propagate and the write otherwise fails with 403 ForbiddenByRbac.
    ``purge_protection_enabled`` (default ``False``): once on it cannot be turned off, and a
    destroyed vault's name stays taken for the retention period.
    """

    name_prefix: str
    resource_group_name: str
    location: str
    tenant_id: str
    deployer_object_id: str
    seed_secret_name: str
    tags: Mapping[str, str] = field(default_factory=dict)
    soft_delete_retention_days: int = 7
    purge_protection_enabled: bool = False
    rbac_propagation_wait: str = "120s"


class SecretsVault(Construct):
    """Creates ``vault``, ``deployer_access``, ``seed_secret``; ``grant`` adds readers.

    The seed secret's value comes from ``random_password`` and is written through the
    write-only ``value_wo`` argument: it is in no synthesized file, not in the secret's state,
    and a rotation in the vault is not reverted by the next deploy (only a change of
    ``value_wo_version`` rewrites it).
    """

    def __init__(self, scope: Construct, id_: str, props: SecretsVaultProps) -> None:
        super().__init__(scope, id_)
        self.props = props
        self.name_suffix = RandomString(
            self,
            "name-suffix",
            length=KEY_VAULT_SUFFIX_LENGTH,
            special=False,
            upper=False,
            numeric=True,
            lower=True,
        )
        self.vault = KeyVault(
            self,
            "vault",
            name=f"{props.name_prefix}{self.name_suffix.result}",
            resource_group_name=props.resource_group_name,
            location=props.location,
            tenant_id=props.tenant_id,
            sku_name="standard",
            rbac_authorization_enabled=True,
            soft_delete_retention_days=props.soft_delete_retention_days,
            purge_protection_enabled=props.purge_protection_enabled,
            tags=dict(props.tags) or None,
        )
        self.deployer_access = self.grant(
            "deployer", props.deployer_object_id, DEPLOYER_ROLE, service_principal=False
        )
        self.rbac_propagated = Sleep(
            self,
            "deployer-access-propagation",
            create_duration=props.rbac_propagation_wait,
            triggers={"role_assignment_id": self.deployer_access.id},
        )
        self.seed_value = RandomPassword(self, "seed-value", length=32, special=True)
        self.seed_secret = KeyVaultSecret(
            self,
            "seed-secret",
            name=props.seed_secret_name,
            key_vault_id=self.vault.id,
            value_wo=self.seed_value.result,
            value_wo_version=1,
            depends_on=[self.rbac_propagated],
        )

    def grant(
        self, id_: str, principal_id: str, role: str, *, service_principal: bool = True
    ) -> RoleAssignment:
        """Assign a Key Vault data-plane ``role`` on this vault to ``principal_id``.

        ``service_principal`` marks a freshly created managed identity, so Azure skips the
        directory lookup that fails while the new principal replicates.
        """
        return RoleAssignment(
            self,
            f"role-{id_}",
            scope=self.vault.id,
            role_definition_name=role,
            principal_id=principal_id,
            principal_type="ServicePrincipal" if service_principal else None,
            skip_service_principal_aad_check=True if service_principal else None,
        )
