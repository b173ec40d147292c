"""What the real providers compute, made up plausibly and deterministically, and which argument
changes make them replace a resource (the ``ForceNew`` of each type this project uses)."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from rehearsal.cty import Dynamic

TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
SUBSCRIPTION_ID = "5e2b8a39-0d1c-4d0c-9b7e-1f3a2c4d5e6f"
DEPLOYER_OBJECT_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
DEPLOYER_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"  # the Azure CLI's public client
LOCATION = "westeurope"
_NAMESPACE = uuid.UUID("6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f")


def stable_uuid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(map(str, parts))))


def stable_hex(length: int, *parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:length]


def aks_issuer_url(resource_group: str, name: str) -> str:
    """The issuer AKS gives a cluster: per region, tenant and cluster."""
    return (
        f"https://{LOCATION}.oic.prod-aks.azure.com/{TENANT_ID}/"
        f"{stable_uuid('issuer', resource_group.lower(), name.lower())}/"
    )


def _rg_id(resource_group: str) -> str:
    return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{resource_group}"


def _random_chars(config: dict, alphabet_special: str) -> str:
    length = int(config.get("length") or 16)
    pools = []
    if config.get("lower") is not False:
        pools.append("abcdefghijklmnopqrstuvwxyz")
    if config.get("upper") is not False:
        pools.append("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if config.get("numeric") is not False:
        pools.append("0123456789")
    if config.get("special") is not False:
        pools.append(config.get("override_special") or alphabet_special)
    alphabet = "".join(pools) or "abcdefghijklmnopqrstuvwxyz"
    digest = hashlib.sha256(repr(sorted(config.items())).encode()).digest() * 8
    # One character of each class first, as random_* guarantees with min_* defaults of 0.
    head = [pool[digest[i] % len(pool)] for i, pool in enumerate(pools)]
    tail = [alphabet[b % len(alphabet)] for b in digest[len(head) : length]]
    return "".join(head + tail)[:length]


def _user_assigned_identity(c: dict) -> dict:
    rg = c["resource_group_name"]
    return {
        "id": f"{_rg_id(rg)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"
        f"{c['name']}",
        "client_id": stable_uuid("client", rg.lower(), c["name"].lower()),
        "principal_id": stable_uuid("principal", rg.lower(), c["name"].lower()),
        "tenant_id": TENANT_ID,
    }


def _key_vault(c: dict) -> dict:
    return {
        "id": f"{_rg_id(c['resource_group_name'])}/providers/Microsoft.KeyVault/vaults/{c['name']}",
        "vault_uri": f"https://{c['name']}.vault.azure.net/",
        # What a vault read by the data source has: this world's vaults all use Azure RBAC.
        "rbac_authorization_enabled": True,
    }


def _key_vault_secret(c: dict) -> dict:
    vault = c["key_vault_id"].rsplit("/", 1)[-1]
    version = stable_hex(32, c["key_vault_id"], c["name"], c.get("value_wo_version"))
    base = f"https://{vault}.vault.azure.net/secrets/{c['name']}"
    resource = f"{c['key_vault_id']}/secrets/{c['name']}"
    return {
        "id": f"{base}/{version}",
        "version": version,
        "versionless_id": base,
        "resource_id": f"{resource}/versions/{version}",
        "resource_versionless_id": resource,
    }


def _role_assignment(c: dict) -> dict:
    name = stable_uuid("role-assignment", c["scope"], c["principal_id"], c["role_definition_name"])
    role = stable_uuid("role-definition", c["role_definition_name"])
    return {
        "id": f"{c['scope']}/providers/Microsoft.Authorization/roleAssignments/{name}",
        "name": name,
        "role_definition_id": (
            f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Authorization/"
            f"roleDefinitions/{role}"
        ),
        "principal_type": c.get("principal_type") or "User",
    }


def credential_identity(credential: dict) -> str:
    """The identity a federated credential is on: ``user_assigned_identity_id`` in azurerm 5,
    ``parent_id`` in azurerm 4."""
    return credential.get("user_assigned_identity_id") or credential["parent_id"]


def _federated_identity_credential(c: dict) -> dict:
    return {"id": f"{credential_identity(c)}/federatedIdentityCredentials/{c['name']}"}


def _kube_config(c: dict, admin: bool) -> list[dict]:
    pem = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----\n")
    user = "clusterAdmin" if admin else "clusterUser"
    return [
        {
            "host": f"https://{c['name']}-{stable_hex(8, c['name'])}.hcp.{LOCATION}.azmk8s.io:443",
            "cluster_ca_certificate": pem.decode(),
            "client_certificate": pem.decode(),
            "client_key": base64.b64encode(b"stand-in key").decode(),
            "username": f"{user}_{c['resource_group_name']}_{c['name']}",
            "password": stable_hex(32, "password", c["name"], admin),
        }
    ]


def _kubernetes_cluster(c: dict) -> dict:
    rg, name = c["resource_group_name"], c["name"]
    return {
        "id": f"{_rg_id(rg)}/providers/Microsoft.ContainerService/managedClusters/{name}",
        "location": LOCATION,
        "oidc_issuer_enabled": True,
        "oidc_issuer_url": aks_issuer_url(rg, name),
        "workload_identity_enabled": True,
        "kube_config": _kube_config(c, admin=False),
        "kube_admin_config": _kube_config(c, admin=True),
        "kube_config_raw": "apiVersion: v1\nkind: Config\n",
        "kube_admin_config_raw": "apiVersion: v1\nkind: Config\n",
        "fqdn": f"{name}.hcp.{LOCATION}.azmk8s.io",
        "node_resource_group": f"MC_{rg}_{name}_{LOCATION}",
    }


def _client_config(_c: dict) -> dict:
    return {
        "id": stable_uuid("client-config"),
        "tenant_id": TENANT_ID,
        "subscription_id": SUBSCRIPTION_ID,
        "object_id": DEPLOYER_OBJECT_ID,
        "client_id": DEPLOYER_CLIENT_ID,
    }


def _metadata(c: dict) -> dict:
    metadata = (c.get("metadata") or [{}])[0]
    return {
        "metadata": [
            {
                **metadata,
                "uid": stable_uuid("uid", metadata.get("namespace"), metadata.get("name")),
                "resource_version": "1",
                "generation": 1,
            }
        ]
    }


def _namespace(c: dict) -> dict:
    return {"id": c["metadata"][0]["name"], **_metadata(c)}


def _service_account(c: dict) -> dict:
    metadata = c["metadata"][0]
    return {
        "id": f"{metadata.get('namespace') or 'default'}/{metadata['name']}",
        "default_secret_name": "",
        **_metadata(c),
    }


def _release(c: dict) -> dict:
    return {
        "id": c["name"],
        "status": "deployed",
        "metadata": {
            "name": c["name"],
            "namespace": c.get("namespace") or "default",
            "chart": c["chart"],
            "version": c.get("version") or "",
            "app_version": f"v{c.get('version') or '0.0.0'}",
            "revision": 1,
            "values": "{}",
            "first_deployed": 1_764_547_200,
            "last_deployed": 1_764_547_200,
            "notes": "",
        },
    }


def _manifest(c: dict) -> dict:
    manifest = c["manifest"]
    return {
        "object": Dynamic(manifest.type, manifest.value)
        if isinstance(manifest, Dynamic)
        else manifest
    }


def _annotations(c: dict) -> dict:
    metadata = c["metadata"][0]
    return {
        "id": f"apiVersion={c['api_version']},kind={c['kind']},"
        f"namespace={metadata.get('namespace') or ''},name={metadata['name']}"
    }


def _sleep(_c: dict) -> dict:
    return {"id": "2026-12-01T00:00:00Z"}


def _random_string(c: dict) -> dict:
    result = _random_chars(c, "!@#$%&*()-_=+[]{}<>:?")
    return {"id": result, "result": result}


def _random_password(c: dict) -> dict:
    result = _random_chars(c, "!@#$%&*()-_=+[]{}<>:?")
    return {
        "id": "none",
        "result": result,
        "bcrypt_hash": "$2a$10$" + stable_hex(53, "bcrypt", result),
    }


# Computed values per resource type, from the planned (or configured) values.
COMPUTED: dict[str, Callable[[dict], dict]] = {
    "azurerm_user_assigned_identity": _user_assigned_identity,
    "azurerm_key_vault": _key_vault,
    "azurerm_key_vault_secret": _key_vault_secret,
    "azurerm_role_assignment": _role_assignment,
    "azurerm_federated_identity_credential": _federated_identity_credential,
    "azurerm_kubernetes_cluster": _kubernetes_cluster,
    "azurerm_client_config": _client_config,
    "kubernetes_namespace": _namespace,
    "kubernetes_namespace_v1": _namespace,
    "kubernetes_service_account": _service_account,
    "kubernetes_service_account_v1": _service_account,
    "kubernetes_manifest": _manifest,
    "kubernetes_annotations": _annotations,
    "helm_release": _release,
    "time_sleep": _sleep,
    "random_string": _random_string,
    "random_password": _random_password,
}

_AZURE_PLACEMENT = ("name", "resource_group_name", "location")
_RANDOM_CHARACTERS = (
    "length",
    "lower",
    "upper",
    "numeric",
    "special",
    "override_special",
    "keepers",
)
# Arguments whose change replaces the resource (the providers' ForceNew / RequiresReplace).
FORCE_NEW: dict[str, tuple[str, ...]] = {
    "azurerm_user_assigned_identity": _AZURE_PLACEMENT,
    "azurerm_key_vault": (*_AZURE_PLACEMENT, "sku_name", "tenant_id"),
    "azurerm_key_vault_secret": ("name", "key_vault_id"),
    "azurerm_role_assignment": (
        "scope",
        "role_definition_name",
        "role_definition_id",
        "principal_id",
        "principal_type",
        "skip_service_principal_aad_check",
        "name",
    ),
    "azurerm_federated_identity_credential": (
        "name",
        "parent_id",
        "resource_group_name",
        "user_assigned_identity_id",
    ),
    "kubernetes_namespace": ("metadata.name",),
    "kubernetes_namespace_v1": ("metadata.name",),
    "kubernetes_service_account": ("metadata.name", "metadata.namespace"),
    "kubernetes_service_account_v1": ("metadata.name", "metadata.namespace"),
    "kubernetes_annotations": ("api_version", "kind", "metadata.name", "metadata.namespace"),
    "kubernetes_manifest": (
        "manifest.apiVersion",
        "manifest.kind",
        "manifest.metadata.name",
        "manifest.metadata.namespace",
    ),
    "helm_release": ("name", "namespace"),
    "time_sleep": ("create_duration", "destroy_duration", "triggers"),
    "random_string": _RANDOM_CHARACTERS,
    "random_password": _RANDOM_CHARACTERS,
}


def at_path(value: Any, dotted: str) -> Any:
    """``metadata.name`` of a resource's plain values (a one-element block list is stepped into)."""
    for step in dotted.split("."):
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        return value[0]
    return value
