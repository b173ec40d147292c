"""What a deployment brings instead of creating: an existing Key Vault, an ESO already installed.

The keys that only shape a resource this deployment creates do nothing once it is brought, so
each one set beside ``key_vault_resource_id`` or ``eso_install_enabled = false`` is an error of
its own line, not silently ignored.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import InitErrorDetails, PydanticCustomError

EXISTING_VAULT_KEY = "key_vault_resource_id"
ESO_INSTALL_KEY = "eso_install_enabled"
# The keys of a vault this deployment creates: its name, deletion, replacement and firewall.
CREATED_VAULT_ONLY = (
    "key_vault_name_prefix",
    "key_vault_purge_protection_enabled",
    "key_vault_purge_on_destroy_enabled",
    "key_vault_replacement_allowed",
    "key_vault_prevent_destroy_enabled",
    "key_vault_public_network_access_enabled",
    "key_vault_allowed_ip_ranges",
    "key_vault_allowed_subnet_ids",
)
# With an existing vault, the keys of the secrets the deployment writes only if asked to.
WRITTEN_SECRETS_ONLY = (
    "key_vault_rbac_propagation_wait",
    "key_vault_secret_content_type",
    "key_vault_secret_expiration_date",
)
PLACEHOLDERS_KEY = "key_vault_placeholder_secrets_enabled"
# A created vault's seed secret; otherwise only the walkthrough's ExternalSecret reads it.
SEED_SECRET_KEY = "key_vault_secret_name"
# The keys of the Helm release this deployment installs.
INSTALLED_ESO_ONLY = (
    "eso_namespace",
    "eso_chart_version",
    "eso_reinstall_allowed",
    "eso_keep_crds_enabled",
)


def vault_is_created(values: dict[str, Any]) -> bool:
    return values.get(EXISTING_VAULT_KEY) is None


def eso_is_installed(values: dict[str, Any]) -> bool:
    return values.get(ESO_INSTALL_KEY) is not False


def placeholders_written(values: dict[str, Any]) -> bool:
    """Unset: placeholders in a vault this deployment creates, none in an existing one."""
    chosen = values.get(PLACEHOLDERS_KEY)
    return vault_is_created(values) if chosen is None else chosen


def keys_of_what_is_brought(
    data: dict[str, Any], defaults: dict[str, Any]
) -> list[InitErrorDetails]:
    """One error per key that shapes a vault or a release this deployment does not create."""
    unused = []
    if not vault_is_created(data):
        why = f"{EXISTING_VAULT_KEY} names an existing vault, which is used as it is"
        unused += [(key, why) for key in CREATED_VAULT_ONLY if key in data]
        if SEED_SECRET_KEY in data and data.get("external_secrets") is not None:
            why = (
                f"{EXISTING_VAULT_KEY} gets no seed secret, and external_secrets replaces the "
                "walkthrough's ExternalSecret that reads it"
            )
            unused.append((SEED_SECRET_KEY, why))
        if data.get(PLACEHOLDERS_KEY) is not True:
            why = (
                f"{EXISTING_VAULT_KEY} is set and {PLACEHOLDERS_KEY} is not true, so no "
                "secret is written"
            )
            unused += [(key, why) for key in WRITTEN_SECRETS_ONLY if key in data]
    if not eso_is_installed(data):
        why = f"{ESO_INSTALL_KEY} = false: ESO is already installed, no release is made"
        unused += [(key, why) for key in INSTALLED_ESO_ONLY if key in data]
    return [
        InitErrorDetails(
            type=PydanticCustomError(
                "conflict",
                "applies only to what this deployment creates: {why}",
                {"why": why, "suggestion": "remove it"},
            ),
            loc=(key,),
            input=data[key],
        )
        for key, why in unused
    ]
