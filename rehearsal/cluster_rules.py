"""What the cluster enforces: the API server (namespaces, unique objects, known kinds), Helm
(ownership of what a chart creates) and the External Secrets controller (when a store and an
ExternalSecret become Ready)."""

from __future__ import annotations

import yaml

from rehearsal import store_access, world
from rehearsal.azure_rules import DATA_PLANE_READERS, TOKEN_AUDIENCE
from rehearsal.facts import TENANT_ID, at_path
from rehearsal.world import Refusal

ESO_GROUP = "external-secrets.io"
ESO_KINDS = (
    "ClusterSecretStore",
    "SecretStore",
    "ExternalSecret",
    "ClusterExternalSecret",
    "PushSecret",
    "ClusterPushSecret",
)
# Service accounts the ESO chart creates in its namespace (values.yaml: serviceAccount.name etc.)
ESO_CHART_SERVICE_ACCOUNTS = (
    "external-secrets",
    "external-secrets-webhook",
    "external-secrets-cert-controller",
)


def check_plan(state: dict, type_name: str, planned: dict | None) -> None:
    if type_name != "kubernetes_manifest" or planned is None:
        return
    manifest = planned.get("manifest")
    if not isinstance(manifest, dict) or not isinstance(manifest.get("apiVersion"), str):
        return  # known only at apply time: the real provider defers the check too
    group, kind = world.group(manifest["apiVersion"]), manifest.get("kind")
    if group and f"{kind}.{group}" not in state["crds"]:
        # What the kubernetes provider says when it cannot find the kind's OpenAPI schema.
        raise Refusal(
            "API did not recognize GroupVersionKind from manifest (CRD may not be installed)",
            f'no matches for kind "{kind}" in group "{group}"',
        )


def _namespace(state: dict, prior: dict | None, new: dict | None, _p: dict) -> None:
    if new is None:
        name = prior["metadata"][0]["name"]
        state["namespaces"] = [n for n in state["namespaces"] if n != name]
        state["namespace_labels"].pop(name, None)
        for key in [k for k in state["objects"] if k.split("/")[1] == name]:
            del state["objects"][key]
        return
    name = new["metadata"][0]["name"]
    if prior is None and name in state["namespaces"]:
        raise Refusal(f'namespaces "{name}" already exists')
    state["namespaces"] = sorted({*state["namespaces"], name})
    state["namespace_labels"][name] = new["metadata"][0].get("labels") or {}


def read_resources(state: dict, config: dict) -> dict:
    """``kubernetes_resources``: the namespaces matching an equality label selector (the only
    kind of object and selector this project lists)."""
    if config.get("kind") != "Namespace" or config.get("api_version") != "v1":
        raise Refusal(f"the stand-in lists namespaces only, not {config.get('kind')}")
    wanted = dict(
        term.split("=", 1) for term in (config.get("label_selector") or "").split(",") if term
    )
    labels = state["namespace_labels"]
    return {
        "objects": [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": labels[n]}}
            for n in state["namespaces"]
            if n in labels and wanted.items() <= labels[n].items()
        ]
    }


# Data sources whose answer is what the cluster holds.
READS = {"kubernetes_resources": read_resources}


def _require_namespace(state: dict, namespace: str | None, what: str) -> None:
    if namespace and namespace not in state["namespaces"]:
        raise Refusal(f'{what}: namespaces "{namespace}" not found')


def _service_account(state: dict, prior: dict | None, new: dict | None, _p: dict) -> None:
    metadata = (new or prior)["metadata"][0]
    namespace = metadata.get("namespace") or "default"
    key = world.key("ServiceAccount", namespace, metadata["name"])
    if new is None:
        state["objects"].pop(key, None)
        return
    _require_namespace(state, namespace, f"creating ServiceAccount {metadata['name']}")
    if prior is None and key in state["objects"]:
        raise Refusal(f'serviceaccounts "{metadata["name"]}" already exists')
    state["objects"][key] = {"annotations": metadata.get("annotations") or {}, "owner": "terraform"}


def _annotations(state: dict, prior: dict | None, new: dict | None, _p: dict) -> None:
    """Server-side apply of annotations on an object that must already exist."""
    resource = new or prior
    metadata = resource["metadata"][0]
    key = world.key(resource["kind"], metadata.get("namespace"), metadata["name"])
    target = state["objects"].get(key)
    if target is None:
        raise Refusal(f'{resource["kind"].lower()}s "{metadata["name"]}" not found')
    annotations = target.setdefault("annotations", {})
    for name in (prior or {}).get("annotations") or {}:
        annotations.pop(name, None)
    annotations.update((new or {}).get("annotations") or {})


def _values(release: dict) -> dict:
    merged: dict = {}
    for document in release.get("values") or []:
        merged.update(yaml.safe_load(document) or {})
    return merged


def _release(state: dict, prior: dict | None, new: dict | None, _p: dict) -> None:
    release = new or prior
    namespace = release.get("namespace") or "default"
    owner = f"helm:{namespace}/{release['name']}"
    if new is None:
        state["releases"].pop(owner, None)
        kept = at_path(_values(release), "crds.annotations") or {}
        if kept.get("helm.sh/resource-policy") == "keep":  # Helm leaves them, and their objects
            for crd, o in state["crds"].items():
                if o == owner:
                    state["crds"][crd] = "kept"
        gone = [crd for crd, o in state["crds"].items() if o == owner]
        for crd in gone:
            del state["crds"][crd]
        kinds = {crd.split(".", 1)[0] for crd in gone}
        for key, obj in list(state["objects"].items()):
            if obj.get("owner") == owner or key.split("/")[0] in kinds:
                del state["objects"][key]
        return
    _require_namespace(state, namespace, f"installing release {release['name']}")
    state["releases"][owner] = {"chart": release["chart"], "namespace": namespace}
    if release["chart"] != "external-secrets" or prior is not None:
        return
    for name in ESO_CHART_SERVICE_ACCOUNTS:
        key = world.key("ServiceAccount", namespace, name)
        if key in state["objects"] and state["objects"][key].get("owner") != owner:
            del state["releases"][owner]  # atomic: the failed install is rolled back
            raise Refusal(
                "rendered manifests contain a resource that already exists",
                f'ServiceAccount "{name}" in namespace "{namespace}" exists and cannot be '
                "imported into the current release: invalid ownership metadata",
            )
        state["objects"][key] = {"annotations": {}, "owner": owner}
    if _values(release).get("installCRDs", True):
        for kind in ESO_KINDS:
            state["crds"][f"{kind}.{ESO_GROUP}"] = owner


def _manifest(state: dict, prior: dict | None, new: dict | None, _p: dict) -> None:
    manifest = (new or prior)["manifest"]
    kind, metadata = manifest["kind"], manifest.get("metadata") or {}
    namespace = metadata.get("namespace")
    key = world.key(kind, namespace, metadata["name"])
    if new is None:
        eso_running = any(r["chart"] == "external-secrets" for r in state["releases"].values())
        eso_object = world.group(manifest["apiVersion"]) == ESO_GROUP
        if key in state["objects"] and eso_object and not eso_running:
            raise Refusal(
                f"{kind} {metadata['name']}: deletion is waiting for the finalizer of the "
                "External Secrets controller, which is not running"
            )
        state["objects"].pop(key, None)
        state["objects"].pop(world.key("Secret", namespace, metadata["name"]), None)
        return
    _require_namespace(state, namespace, f"creating {kind} {metadata['name']}")
    if prior is None and key in state["objects"]:
        raise Refusal(f'{kind} "{metadata["name"]}" already exists')
    ready = _waits_for_ready(new) and _become_ready(state, kind, manifest)
    state["objects"][key] = {"manifest": manifest, "owner": "terraform", "ready": ready}


def _waits_for_ready(resource: dict) -> bool:
    conditions = at_path(resource, "wait.condition") or []
    conditions = conditions if isinstance(conditions, list) else [conditions]
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _become_ready(state: dict, kind: str, manifest: dict) -> bool:
    """What ESO would report; a Ready wait that would time out is refused."""
    name = manifest["metadata"]["name"]
    if kind in ("ClusterSecretStore", "SecretStore"):
        problem = _store_problem(state, manifest)
    elif kind == "ExternalSecret":
        problem = _external_secret_problem(state, manifest)
    else:
        return False
    if problem:
        raise Refusal(
            f"{kind} {name} did not become Ready: the wait for condition Ready=True timed out",
            problem,
        )
    if kind == "ExternalSecret":
        namespace = manifest["metadata"].get("namespace")
        target = (manifest["spec"].get("target") or {}).get("name") or name
        state["objects"][world.key("Secret", namespace, target)] = {
            "owner": world.key(kind, namespace, name)
        }
    return True


def _store_problem(state: dict, manifest: dict) -> str | None:
    azure = at_path(manifest, "spec.provider.azurekv") or {}
    if azure.get("authType") != "WorkloadIdentity":
        return f"authType is {azure.get('authType')!r}; this world only has workload identity"
    ref_problem = store_access.service_account_ref_problem(manifest)
    if ref_problem:
        return ref_problem
    ref = azure.get("serviceAccountRef") or {}
    namespace = ref.get("namespace") or manifest["metadata"].get("namespace")
    account = state["objects"].get(world.key("ServiceAccount", namespace, ref.get("name", "")))
    if account is None:
        return f"ServiceAccount {namespace}/{ref.get('name')} not found"
    annotations = account["annotations"]
    tenants = [
        t
        for t in (annotations.get("azure.workload.identity/tenant-id"), azure.get("tenantId"))
        if t
    ]
    if len(tenants) > 1:
        return "multiple tenantID found"
    if tenants != [TENANT_ID]:
        return f"tenant {tenants or 'missing'}: AADSTS90002 tenant not found"
    client_id = annotations.get("azure.workload.identity/client-id")
    identity = next(
        (i for i, v in state["identities"].items() if v["client_id"] == client_id), None
    )
    if identity is None:
        return f"AADSTS700016: application with identifier '{client_id}' was not found"
    subject = f"system:serviceaccount:{namespace}:{ref.get('name')}"
    if not any(
        c["identity_id"] == identity
        and c["subject"] == subject
        and c["issuer"] == state["cluster"]["issuer"]
        and TOKEN_AUDIENCE in c["audience"]
        for c in state["credentials"].values()
    ):
        return f"AADSTS70021: No matching federated identity record found for subject {subject}"
    vault = _vault_at(state, azure.get("vaultUrl", ""))
    if vault is None:
        return f"dial tcp: lookup {azure.get('vaultUrl')}: no such host"
    principal = state["identities"][identity]["principal_id"]
    if not any(
        r["scope"] == vault and r["principal_id"] == principal and r["role"] in DATA_PLANE_READERS
        for r in state["role_assignments"].values()
    ):
        return "Forbidden (403): ForbiddenByRbac, the identity has no data-plane role on the vault"
    return None


def _vault_at(state: dict, url: str) -> str | None:
    return next(
        (vid for vid, v in state["vaults"].items() if v["uri"].rstrip("/") == url.rstrip("/")), None
    )


def _external_secret_problem(state: dict, manifest: dict) -> str | None:
    spec = manifest["spec"]
    ref = spec.get("secretStoreRef") or {}
    store_namespace = (
        None if ref.get("kind") == "ClusterSecretStore" else manifest["metadata"].get("namespace")
    )
    store = state["objects"].get(
        world.key(ref.get("kind", "SecretStore"), store_namespace, ref.get("name", ""))
    )
    if store is None or not store.get("ready"):
        return f"{ref.get('kind')} {ref.get('name')} is not ready"
    refused = store_access.refused_from(store["manifest"], manifest["metadata"].get("namespace"))
    if refused:
        return refused
    vault = state["vaults"][
        _vault_at(state, at_path(store["manifest"], "spec.provider.azurekv.vaultUrl"))
    ]
    wanted = [d["remoteRef"]["key"] for d in spec.get("data") or []]
    wanted += [e["extract"]["key"] for e in spec.get("dataFrom") or [] if "extract" in e]
    missing = [k for k in wanted if k not in vault["secrets"]]
    if missing:
        return (
            f"SecretSyncedError: could not get secret data from provider: Secret does not "
            f"exist: {', '.join(missing)} in vault {vault['name']}"
        )
    return None


RULES = {
    "kubernetes_namespace": _namespace,
    "kubernetes_namespace_v1": _namespace,
    "kubernetes_service_account": _service_account,
    "kubernetes_service_account_v1": _service_account,
    "helm_release": _release,
    "kubernetes_manifest": _manifest,
    "kubernetes_annotations": _annotations,
}
