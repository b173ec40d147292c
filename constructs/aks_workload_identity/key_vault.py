"""A Key Vault with RBAC authorization, data-plane role assignments and a seed secret."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from constructs import Construct

from aks_workload_identity import rules, waits
from aks_workload_identity.cdk import TerraformResourceLifecycle
from aks_workload_identity.hcl_output import write_conditions_as_blocks
from aks_workload_identity.invariants import KEY_VAULT_SUFFIX_LENGTH, network_rules_conflict
from aks_workload_identity.placeholders import JSON_CONTENT_TYPE, json_placeholder
from aks_workload_identity.providers import (
    AzurermProviderFeaturesKeyVault,
    KeyVault,
    KeyVaultNetworkAcls,
    KeyVaultSecret,
    RandomPassword,
    RandomString,
    RoleAssignment,
    Sleep,
)
from aks_workload_identity.replacement_guard import (
    GuardedValue,
    ReplacementGuard,
    ReplacementGuardProps,
)

DEPLOYER_ROLE = "Key Vault Secrets Officer"
# Trusted Microsoft services (e.g. Azure Backup) keep working behind the firewall.
FIREWALL_BYPASS = "AzureServices"


@dataclass(frozen=True)
class SecretsVaultProps:
    """The vault and the secret it is seeded with.

    ``name_prefix`` gets a random 5-character suffix so the globally unique name differs per
    deployment. ``deployer_object_id`` gets Key Vault Secrets Officer on this vault only, so the
    deployment can write the seed secret. ``rbac_propagation_wait`` (default ``"300s"``, see
    ``waits.py``) sits between that assignment and the first secret write: role assignments take
    minutes to propagate and the write otherwise fails with 403 ForbiddenByRbac.
    ``purge_protection_enabled`` (default ``False``): once on it cannot be turned off, and a
    destroyed vault's name stays taken for the retention period.

    Network: ``public_network_access_enabled`` (default ``True``) with ``allowed_ip_ranges``
    (public IPv4 addresses or CIDR ranges) and ``allowed_subnet_ids`` (subnets with the
    ``Microsoft.KeyVault`` service endpoint). Either list turns the firewall on (default action
    ``Deny``, trusted Azure services bypass it); with public access off only private endpoints
    reach the vault. The deployer must be allowed too, or the seed-secret write is refused.

    Data safety: a change of ``name_prefix``, ``resource_group_name`` or ``location`` would
    replace the vault and lose its secrets, so the plan refuses it (``ReplacementGuard``) unless
    ``replacement_allowed``; ``prevent_destroy`` (default ``False``) refuses any plan that deletes
    the vault, ``destroy`` included. ``config_keys`` renames those arguments (and
    ``replacement_allowed``) in the refusal to the configuration keys that set them.

    Seed secret: ``secret_content_type`` (default ``"text/plain"``) and an optional
    ``secret_expiration_date`` (RFC 3339 UTC). ``seed_secret_json`` (default ``False``): it holds
    a JSON object ``{"placeholder": <random>}`` instead (recorded as ``application/json``), for
    an ExternalSecret that extracts it.
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
    rbac_propagation_wait: str = waits.RBAC_PROPAGATION_WAIT
    public_network_access_enabled: bool = True
    allowed_ip_ranges: Sequence[str] = ()
    allowed_subnet_ids: Sequence[str] = ()
    secret_content_type: str = "text/plain"
    secret_expiration_date: str | None = None
    seed_secret_json: bool = False
    replacement_allowed: bool = False
    prevent_destroy: bool = False
    config_keys: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = rules.PropsProblems("SecretsVaultProps")
        for index, value in enumerate(self.allowed_ip_ranges):
            problems.require(f"allowed_ip_ranges[{index}]", value, rules.KEY_VAULT_IP_RULE)
        for index, value in enumerate(self.allowed_subnet_ids):
            problems.require(f"allowed_subnet_ids[{index}]", value, rules.AZURE_SUBNET_ID)
        problems.require("secret_content_type", self.secret_content_type, rules.SECRET_CONTENT_TYPE)
        problems.require("rbac_propagation_wait", self.rbac_propagation_wait, rules.GO_DURATION)
        if self.secret_expiration_date is not None:
            problems.require(
                "secret_expiration_date", self.secret_expiration_date, rules.UTC_TIMESTAMP
            )
        conflict = network_rules_conflict(
            self.public_network_access_enabled, self.allowed_ip_ranges, self.allowed_subnet_ids
        )
        if conflict:
            problems.add(conflict)
        problems.raise_any()

    @property
    def firewall_enabled(self) -> bool:
        """Deny by default once anything is restricted (also with public access off)."""
        restricted = bool(self.allowed_ip_ranges or self.allowed_subnet_ids)
        return restricted or not self.public_network_access_enabled


def destroy_features(
    *,
    purge_protection_enabled: bool,
    purge_on_destroy_enabled: bool = True,
    vault_created: bool = True,
) -> AzurermProviderFeaturesKeyVault:
    """The azurerm provider's ``key_vault`` features: what destroy does with the vault.

    Azure refuses to purge a purge-protected vault or its secrets, so destroy then only
    soft-deletes them. Purging the vault also needs a subscription-scope right
    (``Microsoft.KeyVault/locations/deletedVaults/purge/action``) a deployer may lack:
    ``purge_on_destroy_enabled=False`` leaves it soft-deleted. Its secrets are still purged, which
    the deployer's Key Vault Secrets Officer on the vault covers. In a vault it did not create
    (``vault_created=False``, purge protection unknown) destroy only soft-deletes its placeholders.
    """
    purge_secrets = vault_created and not purge_protection_enabled
    return AzurermProviderFeaturesKeyVault(
        purge_soft_delete_on_destroy=purge_secrets and purge_on_destroy_enabled,
        purge_soft_deleted_secrets_on_destroy=purge_secrets,
        recover_soft_deleted_key_vaults=True,
    )


def _guard_props(props: SecretsVaultProps, name: str) -> ReplacementGuardProps:
    keys = props.config_keys
    values = {
        argument: GuardedValue(keys.get(argument, argument), value)
        for argument, value in (
            ("name_prefix", props.name_prefix),
            ("resource_group_name", props.resource_group_name),
            ("location", props.location),
        )
    }
    lost = (
        "and every secret in it purged"
        if not props.purge_protection_enabled
        else ("leaving its secrets behind in the old, soft-deleted vault")
    )
    return ReplacementGuardProps(
        what="Key Vault",
        name=name,
        values=values,
        consequence=lost,
        allow_key=keys.get("replacement_allowed", "replacement_allowed"),
        allowed=props.replacement_allowed,
    )


class SecretsVault(Construct):
    """Creates ``vault`` (its ``vault_id``, ``vault_uri`` and ``vault_name``), ``deployer_access``,
    ``seed_secret``; ``grant`` adds readers. ``ExistingKeyVault`` brings one instead.

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
        name = f"{props.name_prefix}{self.name_suffix.result}"
        self.guard = ReplacementGuard(self, "replacement-guard", _guard_props(props, name))
        guarded = self.guard.precondition()
        self.vault = KeyVault(
            self,
            "vault",
            name=name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            tenant_id=props.tenant_id,
            sku_name="standard",
            rbac_authorization_enabled=True,
            soft_delete_retention_days=props.soft_delete_retention_days,
            purge_protection_enabled=props.purge_protection_enabled,
            public_network_access_enabled=props.public_network_access_enabled,
            # Always explicit: azurerm keeps the last rules when the block is dropped.
            network_acls=KeyVaultNetworkAcls(
                default_action="Deny" if props.firewall_enabled else "Allow",
                bypass=FIREWALL_BYPASS,
                ip_rules=list(props.allowed_ip_ranges) or None,
                virtual_network_subnet_ids=list(props.allowed_subnet_ids) or None,
            ),
            tags=dict(props.tags) or None,
            lifecycle=TerraformResourceLifecycle(
                precondition=guarded or None,
                prevent_destroy=props.prevent_destroy or None,
            ),
        )
        write_conditions_as_blocks(
            self.vault,
            "precondition",
            guarded,
            **({"prevent_destroy": True} if props.prevent_destroy else {}),
        )
        self.vault_id: str = self.vault.id
        self.vault_uri: str = self.vault.vault_uri
        self.vault_name: str = self.vault.name
        self.deployer_access, self.rbac_propagated = deployer_access(
            self, self.vault_id, props.deployer_object_id, props.rbac_propagation_wait
        )
        self.seed_value = RandomPassword(self, "seed-value", length=32, special=True)
        self.seed_secret = KeyVaultSecret(
            self,
            "seed-secret",
            name=props.seed_secret_name,
            key_vault_id=self.vault.id,
            value_wo=(
                json_placeholder(self.seed_value.result)
                if props.seed_secret_json
                else self.seed_value.result
            ),
            value_wo_version=1,
            content_type=JSON_CONTENT_TYPE if props.seed_secret_json else props.secret_content_type,
            expiration_date=props.secret_expiration_date,
            depends_on=[self.rbac_propagated],
        )

    def grant(
        self, id_: str, principal_id: str, role: str, *, service_principal: bool = True
    ) -> RoleAssignment:
        """Assign a Key Vault data-plane ``role`` on this vault to ``principal_id``."""
        return data_plane_role(
            self, id_, self.vault_id, principal_id, role, service_principal=service_principal
        )


def data_plane_role(
    scope: Construct,
    id_: str,
    vault_id: str,
    principal_id: str,
    role: str,
    *,
    service_principal: bool = True,
) -> RoleAssignment:
    """A Key Vault data-plane ``role`` on ``vault_id`` for ``principal_id``.

    ``service_principal`` marks a freshly created managed identity, so Azure skips the
    directory lookup that fails while the new principal replicates.
    """
    return RoleAssignment(
        scope,
        role_id(id_),
        scope=vault_id,
        role_definition_name=role,
        principal_id=principal_id,
        principal_type="ServicePrincipal" if service_principal else None,
        skip_service_principal_aad_check=True if service_principal else None,
    )


def role_id(grantee: str) -> str:
    """The construct id of the role assignment ``grant(grantee, ...)`` makes."""
    return f"role-{grantee}"


def deployer_access(
    scope: Construct, vault_id: str, deployer_object_id: str, propagation_wait: str
) -> tuple[RoleAssignment, Sleep]:
    """The deployer's own role to write secrets, and the wait until Azure applies it."""
    access = data_plane_role(
        scope, "deployer", vault_id, deployer_object_id, DEPLOYER_ROLE, service_principal=False
    )
    propagated = Sleep(
        scope,
        "deployer-access-propagation",
        create_duration=propagation_wait,
        triggers={"role_assignment_id": access.id},
    )
    return access, propagated
