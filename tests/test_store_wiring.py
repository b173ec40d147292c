"""Behaviour: each store serves only the namespaces its ExternalSecrets need; a namespaced
SecretStore exists in each of them, as the service account federated there."""

from __future__ import annotations

from tests.conftest import PROJECT_DIR, resources

NAMESPACED = PROJECT_DIR / "examples" / "namespaced-stores.tfvars"
MANY_SECRETS = PROJECT_DIR / "examples" / "many-secrets.tfvars"


def _manifests(secrets: dict) -> dict[str, dict]:
    return dict(resources(secrets, "kubernetes_manifest"))


def test_the_cluster_store_is_limited_to_its_external_secrets_namespaces(synth_of) -> None:
    manifests = _manifests(synth_of(MANY_SECRETS)["secrets"])
    (store,) = [
        b["manifest"] for b in manifests.values() if b["manifest"]["kind"] != "ExternalSecret"
    ]
    assert store["spec"]["conditions"] == [
        {"namespaces": ["default", "orders", "payments", "shipping"]}
    ]


def test_a_secret_store_in_each_namespace_serves_that_namespace_only(synth_of) -> None:
    synth = synth_of(NAMESPACED)
    manifests = _manifests(synth["secrets"])
    by_kind: dict[str, list[tuple[str, dict]]] = {}
    for name, body in manifests.items():
        by_kind.setdefault(body["manifest"]["kind"], []).append((name, body))
    stores = {b["manifest"]["metadata"]["namespace"]: (n, b) for n, b in by_kind["SecretStore"]}
    assert sorted(stores) == ["orders", "shipping"]
    for _, body in stores.values():
        spec = body["manifest"]["spec"]
        assert spec["provider"]["azurekv"]["serviceAccountRef"] == {"name": "secrets-reader"}
        assert "conditions" not in spec
    (cluster_store,) = [b["manifest"] for _, b in by_kind["ClusterSecretStore"]]
    assert cluster_store["spec"]["conditions"] == [{"namespaces": ["default", "monitoring"]}]
    for _, body in by_kind["ExternalSecret"]:
        manifest = body["manifest"]
        ref = manifest["spec"]["secretStoreRef"]
        namespace = manifest["metadata"]["namespace"]
        if ref["name"] == "team-store":
            assert ref["kind"] == "SecretStore"
            assert body["depends_on"] == [f"kubernetes_manifest.{stores[namespace][0]}"]
        else:
            assert ref == {"kind": "ClusterSecretStore", "name": "platform-store"}
    accounts = resources(synth["cluster"], "kubernetes_service_account_v1").values()
    readers = [a["metadata"] for a in accounts if a["metadata"]["name"] == "secrets-reader"]
    assert len(readers) == 2
    subjects = {
        c["subject"]
        for c in resources(synth["identity"], "azurerm_federated_identity_credential").values()
    }
    assert {
        "system:serviceaccount:orders:secrets-reader",
        "system:serviceaccount:shipping:secrets-reader",
    } <= subjects
