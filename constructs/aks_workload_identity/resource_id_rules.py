"""Azure resource IDs a configuration may name: a subnet, a Key Vault, a user-assigned identity.
Re-exported by ``rules``, where every rule is looked up; their parts: ``identity_ids.py``."""

from __future__ import annotations

from aks_workload_identity.checks import Rule

AZURE_SUBNET_ID = Rule(
    name="Subnet ID",
    description=(
        "a subnet resource ID such as '/subscriptions/<subscription id>/resourceGroups/<group>"
        "/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>'"
    ),
    pattern=(
        r"(?i:/subscriptions/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        r"/resourceGroups/[-A-Za-z0-9_.()]*[-A-Za-z0-9_()]/providers/Microsoft\.Network"
        r"/virtualNetworks/[A-Za-z0-9_][-A-Za-z0-9_.]*/subnets/[A-Za-z0-9_][-A-Za-z0-9_.]*)"
    ),
)


KEY_VAULT_ID = Rule(
    name="Key Vault resource ID",
    description=(
        "a Key Vault's resource ID such as '/subscriptions/<subscription id>/resourceGroups"
        "/<group>/providers/Microsoft.KeyVault/vaults/<name>'"
    ),
    # Case-insensitive as Azure compares IDs; the name follows KEY_VAULT_NAME (but for '--').
    pattern=(
        r"(?i:/subscriptions/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        r"/resourceGroups/[-a-z0-9_.()]{0,89}[-a-z0-9_()]/providers/Microsoft\.KeyVault"
        r"/vaults/[a-z][-a-z0-9]{1,22}[a-z0-9])"
    ),
    repair=str.strip,
)


USER_ASSIGNED_IDENTITY_ID = Rule(
    name="Managed identity resource ID",
    description=(
        "a user-assigned managed identity's resource ID such as '/subscriptions/<subscription id>"
        "/resourceGroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>'"
    ),
    # Azure compares resource IDs case-insensitively (the pod identity add-on writes
    # "resourcegroups"); the resource group and name follow their rules above.
    pattern=(
        r"(?i:/subscriptions/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        r"/resourceGroups/[-a-z0-9_.()]{0,89}[-a-z0-9_()]/providers/Microsoft\.ManagedIdentity"
        r"/userAssignedIdentities/[a-z0-9][-a-z0-9_]{2,127})"
    ),
    repair=str.strip,
)
