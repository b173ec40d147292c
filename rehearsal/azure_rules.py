"""What Azure enforces: identities, federated credentials, roles and their propagation, Key
Vault and its secrets (names only: no value ever reaches the world)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rehearsal.facts import at_path, credential_identity
from rehearsal.world import Refusal

DATA_PLANE_READERS = (
    "Key Vault Secrets User",
    "Key Vault Secrets Officer",
    "Key Vault Administrator",
)
SECRET_WRITERS = ("Key Vault Secrets Officer", "Key Vault Administrator")
TOKEN_AUDIENCE = "api://AzureADTokenExchange"
# How long a federated credential write holds its identity (Azure serializes them and answers
# 409 to a second concurrent write).
CREDENTIAL_WRITE_SECONDS = 0.3
_credential_writes: dict[str, threading.Lock] = {}
_credential_writes_guard = threading.Lock()


@contextmanager
def exclusive_credential_write(identity_id: str) -> Iterator[None]:
    with _credential_writes_guard:
        lock = _credential_writes.setdefault(identity_id.lower(), threading.Lock())
    if not lock.acquire(blocking=False):
        raise Refusal(
            "ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity (409)",
            f"Too many concurrent writes to identity {identity_id}: federated identity credentials "
            "of one identity must be written one after another.",
        )
    try:
        time.sleep(CREDENTIAL_WRITE_SECONDS)
        yield
    finally:
        lock.release()


def _identity(state: dict, prior: dict | None, new: dict | None, _p: dict) -> None:
    if new is None:
        state["identities"].pop(prior["id"], None)
        for cid in [c for c, v in state["credentials"].items() if v["identity_id"] == prior["id"]]:
            del state["credentials"][cid]
        return
    state["identities"][new["id"]] = {
        "name": new["name"],
        "client_id": new["client_id"],
        "principal_id": new["principal_id"],
    }


def _credential(state: dict, prior: dict | None, new: dict | None, _p: dict) -> None:
    if new is None:
        state["credentials"].pop(prior["id"], None)
        return
    identity_id = credential_identity(new)
    if identity_id not in state["identities"]:
        raise Refusal(f"user assigned identity {identity_id} was not found (404)")
    siblings = [c for c in state["credentials"].values() if c["identity_id"] == identity_id]
    if prior is None and len(siblings) >= 20:
        raise Refusal("FederatedIdentityCredentialsLimitExceeded: at most 20 per identity")
    state["credentials"][new["id"]] = {
        "identity_id": identity_id,
        "issuer": new["issuer"],
        "subject": new["subject"],
        "audience": list(new.get("audience") or []),
    }


def _role_assignment(state: dict, prior: dict | None, new: dict | None, _p: dict) -> None:
    if new is None:
        state["role_assignments"].pop(prior["id"], None)
        return
    state["role_assignments"][new["id"]] = {
        "scope": new["scope"],
        "principal_id": new["principal_id"],
        "role": new["role_definition_name"],
    }


def _sleep(state: dict, _prior: dict | None, new: dict | None, _p: dict) -> None:
    # A role assignment counts as propagated once a wait triggered by it has run.
    if new is not None:
        for value in (new.get("triggers") or {}).values():
            if value in state["role_assignments"] and value not in state["propagated"]:
                state["propagated"].append(value)


def _purge_settings(provider: dict) -> dict:
    return at_path(provider, "features.key_vault") or {}


def _vault(state: dict, prior: dict | None, new: dict | None, provider: dict) -> None:
    if new is None:
        state["vaults"].pop(prior["id"], None)
        state["deleted_vaults"][prior["name"]] = prior["id"]
        if _purge_settings(provider).get("purge_soft_delete_on_destroy") is not False:
            if not state["deployer"]["purge_allowed"]:
                raise Refusal(
                    "purging Key Vault: AuthorizationFailed (403)",
                    f"The client '{state['deployer']['object_id']}' does not have authorization "
                    "to perform action 'Microsoft.KeyVault/locations/deletedVaults/purge/action' "
                    "over scope '/subscriptions/…/providers/Microsoft.KeyVault/locations/…/"
                    f"deletedVaults/{prior['name']}'",
                )
            del state["deleted_vaults"][prior["name"]]
        return
    if prior is None:
        taken = any(v["name"] == new["name"] for v in state["vaults"].values())
        if taken or (
            new["name"] in state["deleted_vaults"]
            and _purge_settings(provider).get("recover_soft_deleted_key_vaults") is False
        ):
            raise Refusal(f"VaultAlreadyExists: the vault name '{new['name']}' is already in use")
        state["deleted_vaults"].pop(new["name"], None)
    state["vaults"][new["id"]] = {
        "name": new["name"],
        "uri": new["vault_uri"],
        "secrets": (state["vaults"].get(new["id"]) or {}).get("secrets", {}),
    }


def _secret(state: dict, prior: dict | None, new: dict | None, _p: dict) -> None:
    if new is None:
        vault = state["vaults"].get(prior["key_vault_id"])
        if vault:
            vault["secrets"].pop(prior["name"], None)
        return
    vault = state["vaults"].get(new["key_vault_id"])
    if vault is None:
        raise Refusal(f"Key Vault {new['key_vault_id']} was not found (404)")
    if prior is None:
        writers = [
            rid
            for rid, r in state["role_assignments"].items()
            if r["scope"] == new["key_vault_id"]
            and r["principal_id"] == state["deployer"]["object_id"]
            and r["role"] in SECRET_WRITERS
        ]
        if not any(rid in state["propagated"] for rid in writers):
            raise Refusal(
                f"checking for presence of existing Secret {new['name']!r}: "
                'Status=403 Code="Forbidden" InnerError={"code":"ForbiddenByRbac"}',
                "The deployer has no data-plane role on the vault yet, or it has not propagated: "
                "azurerm does not retry this.",
            )
        if new["name"] in vault["secrets"]:
            raise Refusal(
                f"a resource with the ID {new['versionless_id']!r} already exists - to be managed "
                "via Terraform this resource needs to be imported into the State."
            )
    vault["secrets"][new["name"]] = {"content_type": new.get("content_type")}


RULES = {
    "azurerm_user_assigned_identity": _identity,
    "azurerm_federated_identity_credential": _credential,
    "azurerm_role_assignment": _role_assignment,
    "azurerm_key_vault": _vault,
    "azurerm_key_vault_secret": _secret,
    "time_sleep": _sleep,
}
