"""Each rule the stand-in providers enforce catches the mistake it is there for, through real
Terraform where the rule is about what Terraform does (plan time, parallel applies)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from rehearsal import facts, rules, world
from rehearsal.world import Refusal, World

RG = "rg-aks-demo"
IDENTITY = {"name": "umi", "resource_group_name": RG, "location": facts.LOCATION}
IDENTITY_ID = facts.COMPUTED["azurerm_user_assigned_identity"](IDENTITY)["id"]
ISSUER = facts.aks_issuer_url(RG, "aks-demo")


def _versions(standins) -> dict[str, str]:
    """Each provider's cdktf-flavour version (the older one of the two in the mirror): the
    resources below are written with its arguments."""
    root = standins.cli_config.parent / "registry.terraform.io" / "hashicorp"
    return {
        p.name: min((v.name for v in p.iterdir()), key=lambda v: tuple(map(int, v.split("."))))
        for p in root.iterdir()
    }


def terraform(tmp_path: Path, standins, resources: dict, *, state: dict | None = None) -> str:
    """``terraform init`` and ``apply`` of ``resources`` against the stand-ins; the output."""
    providers = {r.split("_")[0] for r in resources}
    versions = _versions(standins)
    config = {
        "terraform": {
            "required_providers": {
                p: {"source": f"hashicorp/{p}", "version": versions[p]} for p in providers
            }
        },
        "resource": resources,
    }
    if "azurerm" in providers:
        config["provider"] = {"azurerm": [{"features": [{}]}]}
    (tmp_path / "main.tf.json").write_text(json.dumps(config))
    (tmp_path / "world").mkdir()
    World(tmp_path / "world").create(state or world.initial(ISSUER, []))
    env = {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(standins.cli_config),
        "REHEARSAL_WORLD": str(tmp_path / "world"),
        "TF_IN_AUTOMATION": "1",
    }
    output = ""
    for command in (["init", "-no-color"], ["apply", "-auto-approve", "-no-color"]):
        done = subprocess.run(
            ["terraform", *command], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        output += done.stdout + done.stderr
        if done.returncode:
            break
    return output


def test_a_custom_resource_cannot_be_planned_before_its_crd(tmp_path, standins) -> None:
    manifest = {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ClusterSecretStore",
        "metadata": {"name": "store"},
        "spec": {},
    }
    output = terraform(
        tmp_path, standins, {"kubernetes_manifest": {"store": {"manifest": manifest}}}
    )
    assert "CRD may not be installed" in output
    assert "Plan:" not in output  # refused while planning, as the real provider does


def test_two_credentials_on_one_identity_at_once_get_409(tmp_path, standins) -> None:
    state = world.initial(ISSUER, [])
    state["identities"][IDENTITY_ID] = {"name": "umi", "client_id": "c", "principal_id": "p"}
    credential = {
        "resource_group_name": RG,
        "parent_id": IDENTITY_ID,
        "issuer": ISSUER,
        "audience": ["api://AzureADTokenExchange"],
    }
    resources = {
        "azurerm_federated_identity_credential": {
            name: {**credential, "name": name, "subject": f"system:serviceaccount:ns:{name}"}
            for name in ("a", "b")
        }
    }
    assert "ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity" in terraform(
        tmp_path, standins, resources, state=state
    )


def test_the_seed_secret_needs_the_deployers_role_and_its_wait(tmp_path, standins) -> None:
    vault = {
        "name": "kv-test",
        "resource_group_name": RG,
        "location": facts.LOCATION,
        "tenant_id": facts.TENANT_ID,
        "sku_name": "standard",
    }
    resources = {
        "azurerm_key_vault": {"vault": vault},
        "azurerm_role_assignment": {
            "deployer": {
                "scope": "${azurerm_key_vault.vault.id}",
                "role_definition_name": "Key Vault Secrets Officer",
                "principal_id": facts.DEPLOYER_OBJECT_ID,
            }
        },
        # The role is assigned first, but nothing waits for it to propagate.
        "azurerm_key_vault_secret": {
            "seed": {
                "name": "seed",
                "key_vault_id": "${azurerm_key_vault.vault.id}",
                "value_wo": "x",
                "value_wo_version": 1,
                "depends_on": ["azurerm_role_assignment.deployer"],
            }
        },
    }
    assert "ForbiddenByRbac" in terraform(tmp_path, standins, resources)


def test_objects_need_their_namespace(tmp_path, standins) -> None:
    account = {"metadata": [{"name": "app", "namespace": "orders"}]}
    output = terraform(tmp_path, standins, {"kubernetes_service_account_v1": {"app": account}})
    assert 'namespaces "orders" not found' in output


def _change(
    state: dict, type_name: str, prior: dict | None, new: dict | None, provider: dict | None = None
) -> None:
    rule = {**rules.azure_rules.RULES, **rules.cluster_rules.RULES}[type_name]
    rule(state, prior, new, provider or {})


def test_the_eso_chart_refuses_a_service_account_it_would_create() -> None:
    state = world.initial(ISSUER, ["external-secrets"])
    account = {"metadata": [{"name": "external-secrets-webhook", "namespace": "external-secrets"}]}
    _change(state, "kubernetes_service_account_v1", None, account)
    release = {
        "name": "external-secrets",
        "namespace": "external-secrets",
        "chart": "external-secrets",
        "values": ["installCRDs: true\n"],
    }
    with pytest.raises(Refusal, match="resource that already exists") as refused:
        _change(state, "helm_release", None, release)
    assert "invalid ownership metadata" in refused.value.detail
    assert not state["releases"]
    assert not state["crds"]


def _ready_store_world() -> tuple[dict, dict]:
    state = world.initial(ISSUER, ["external-secrets"])
    vault_id = f"/subscriptions/s/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults/kv"
    state["vaults"][vault_id] = {"name": "kv", "uri": "https://kv.vault.azure.net/", "secrets": {}}
    state["identities"][IDENTITY_ID] = {"name": "umi", "client_id": "cid", "principal_id": "pid"}
    state["role_assignments"]["r"] = {
        "scope": vault_id,
        "principal_id": "pid",
        "role": "Key Vault Secrets User",
    }
    state["crds"] = {f"{k}.external-secrets.io": "helm:eso" for k in world_kinds()}
    state["releases"]["helm:eso"] = {"chart": "external-secrets", "namespace": "external-secrets"}
    state["objects"][world.key("ServiceAccount", "external-secrets", "sa")] = {
        "annotations": {
            "azure.workload.identity/client-id": "cid",
            "azure.workload.identity/tenant-id": facts.TENANT_ID,
        }
    }
    store = {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ClusterSecretStore",
        "metadata": {"name": "store"},
        "spec": {
            "provider": {
                "azurekv": {
                    "authType": "WorkloadIdentity",
                    "vaultUrl": "https://kv.vault.azure.net/",
                    "serviceAccountRef": {"name": "sa", "namespace": "external-secrets"},
                }
            }
        },
    }
    return state, store


def world_kinds() -> tuple[str, ...]:
    return rules.cluster_rules.ESO_KINDS


WAIT_READY = {"wait": {"condition": [{"type": "Ready", "status": "True"}]}}


def test_a_store_is_not_ready_without_a_credential_for_its_service_account() -> None:
    state, store = _ready_store_world()
    with pytest.raises(Refusal) as refused:
        _change(state, "kubernetes_manifest", None, {"manifest": store, **WAIT_READY})
    assert "AADSTS70021" in refused.value.detail
    state["credentials"]["c"] = {
        "identity_id": IDENTITY_ID,
        "issuer": ISSUER,
        "subject": "system:serviceaccount:external-secrets:sa",
        "audience": ["api://AzureADTokenExchange"],
    }
    _change(state, "kubernetes_manifest", None, {"manifest": store, **WAIT_READY})


def test_an_external_secret_of_a_missing_vault_secret_never_becomes_ready() -> None:
    state, store = _ready_store_world()
    state["objects"][world.key("ClusterSecretStore", None, "store")] = {
        "manifest": store,
        "ready": True,
    }
    external_secret = {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": "db", "namespace": "default"},
        "spec": {
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": "store"},
            "data": [{"secretKey": "password", "remoteRef": {"key": "db-password"}}],
        },
    }
    with pytest.raises(Refusal) as refused:
        _change(state, "kubernetes_manifest", None, {"manifest": external_secret, **WAIT_READY})
    assert "Secret does not exist: db-password" in refused.value.detail
    state["vaults"][next(iter(state["vaults"]))]["secrets"]["db-password"] = {}
    _change(state, "kubernetes_manifest", None, {"manifest": external_secret, **WAIT_READY})
    assert world.key("Secret", "default", "db") in state["objects"]


def test_purging_a_vault_needs_the_purge_permission() -> None:
    state = world.initial(ISSUER, [], purge_allowed=False)
    vault = {"id": "/v/kv", "name": "kv", "vault_uri": "https://kv.vault.azure.net/"}
    _change(state, "azurerm_key_vault", None, vault)
    with pytest.raises(Refusal, match="AuthorizationFailed"):
        _change(state, "azurerm_key_vault", vault, None)
    no_purge = {"features": {"key_vault": {"purge_soft_delete_on_destroy": False}}}
    _change(state, "azurerm_key_vault", None, vault, no_purge)
    _change(state, "azurerm_key_vault", vault, None, no_purge)
    assert state["deleted_vaults"] == {"kv": "/v/kv"}  # soft-deleted, name still taken


def test_eso_objects_cannot_be_deleted_once_the_controller_is_gone() -> None:
    state, store = _ready_store_world()
    state["objects"][world.key("ClusterSecretStore", None, "store")] = {"manifest": store}
    state["releases"].clear()
    with pytest.raises(Refusal, match="finalizer"):
        _change(state, "kubernetes_manifest", {"manifest": store}, None)


def test_uninstalling_eso_deletes_its_crds_and_objects_unless_they_are_kept() -> None:
    for values, survives in (
        ("installCRDs: true\n", False),
        ("crds:\n  annotations:\n    helm.sh/resource-policy: keep\n", True),
    ):
        state, store = _ready_store_world()
        release = {
            "name": "external-secrets",
            "namespace": "external-secrets",
            "chart": "external-secrets",
            "values": [values],
        }
        state["releases"] = {}
        state["crds"] = {}
        _change(state, "helm_release", None, release)
        state["objects"][world.key("ClusterSecretStore", None, "store")] = {"manifest": store}
        _change(state, "helm_release", release, None)
        assert (world.key("ClusterSecretStore", None, "store") in state["objects"]) is survives
        assert bool(state["crds"]) is survives


def test_listing_namespaces_by_label_sees_only_that_owners() -> None:
    """What the namespace guard reads (``kubernetes_resources``): the namespaces carrying every
    label of the selector; a deleted namespace is gone from the list."""
    state = world.initial(ISSUER, ["shared"])
    mine = {"app.kubernetes.io/managed-by": "azwi", "owner": "a"}
    for name, labels in (("orders", mine), ("billing", {**mine, "owner": "b"})):
        _change(
            state, "kubernetes_namespace_v1", None, {"metadata": [{"name": name, "labels": labels}]}
        )
    query = {
        "api_version": "v1",
        "kind": "Namespace",
        "label_selector": "app.kubernetes.io/managed-by=azwi,owner=a",
    }

    def listed() -> list[str]:
        return [
            o["metadata"]["name"]
            for o in rules.read(_World(state), "kubernetes_resources", query)["objects"]
        ]

    assert listed() == ["orders"]
    _change(state, "kubernetes_namespace_v1", {"metadata": [{"name": "orders"}]}, None)
    assert listed() == []
    with pytest.raises(Refusal, match="namespaces only"):
        rules.read(_World(state), "kubernetes_resources", {**query, "kind": "Pod"})


class _World:
    """A world held in memory, for a read."""

    def __init__(self, state: dict) -> None:
        self.state = state

    def read(self) -> dict:
        return self.state
