"""The parts of a user-assigned managed identity's resource ID, as
``rules.USER_ASSIGNED_IDENTITY_ID`` accepts it, and its spelling as azurerm writes it."""

from __future__ import annotations

from typing import NamedTuple


class IdentityIdParts(NamedTuple):
    subscription_id: str
    resource_group_name: str
    name: str


# Where the parts sit in a USER_ASSIGNED_IDENTITY_ID split at "/" (the same for Terraform's split).
IDENTITY_ID_RESOURCE_GROUP_SEGMENT = 4
IDENTITY_ID_NAME_SEGMENT = 8


def identity_id_parts(resource_id: str) -> IdentityIdParts:
    """The parts of a resource ID that ``USER_ASSIGNED_IDENTITY_ID`` accepts."""
    segments = resource_id.split("/")
    return IdentityIdParts(
        subscription_id=segments[2],
        resource_group_name=segments[IDENTITY_ID_RESOURCE_GROUP_SEGMENT],
        name=segments[IDENTITY_ID_NAME_SEGMENT],
    )


def canonical_identity_id(resource_id: str) -> str:
    """``resource_id`` spelled the way azurerm writes it.

    Azure reads IDs case-insensitively, azurerm 4.x does not: its federated identity credential
    parses ``parent_id`` case-sensitively when it creates the credential and reads it back in
    this spelling, so any other would fail, or be replaced on every plan.
    """
    parts = identity_id_parts(resource_id)
    return (
        f"/subscriptions/{parts.subscription_id.lower()}/resourceGroups/"
        f"{parts.resource_group_name}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"
        f"{parts.name}"
    )
