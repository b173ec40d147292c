"""make verify checks a namespaced SecretStore in each of its namespaces, as its own service
account there, and ExternalSecrets against the store of their namespace (no command runs)."""

from __future__ import annotations

from aks_workload_identity.config import load_config
from aks_workload_identity.verify.causes import Context, likely_cause
from aks_workload_identity.verify.checks import check_store
from aks_workload_identity.verify.expectations import ExpectedStore, expected_stores
from tests.conftest import PROJECT_DIR

NAMESPACED = PROJECT_DIR / "examples" / "namespaced-stores.tfvars"
READY = {"status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Valid"}]}}


class _Cluster:
    def __init__(self, objects: dict) -> None:
        self.objects = objects
        self.asked: list[tuple[str, str, str | None]] = []

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict | None:
        self.asked.append((kind, name, namespace))
        return self.objects.get((kind, name, namespace))

    def latest_warning(self, kind: str, name: str, namespace: str | None = None) -> str | None:
        return None


def test_each_namespace_of_a_secret_store_is_expected_with_its_own_service_account() -> None:
    stores = expected_stores(load_config(NAMESPACED))
    assert stores == (
        ExpectedStore("platform-store", "workload-identity-sa", "external-secrets", "platform"),
        ExpectedStore("team-store", "secrets-reader", "orders", "teams", "SecretStore"),
        ExpectedStore("team-store", "secrets-reader", "shipping", "teams", "SecretStore"),
    )
    assert [s.key for s in stores] == [
        ("platform-store", None),
        ("team-store", "orders"),
        ("team-store", "shipping"),
    ]


def test_a_secret_store_is_looked_up_in_its_namespace() -> None:
    store = ExpectedStore("team-store", "secrets-reader", "orders", "teams", "SecretStore")
    ready = {**READY, "status": {**READY["status"], "capabilities": "ReadOnly"}}
    cluster = _Cluster({("secretstore", "team-store", "orders"): ready})
    result = check_store(cluster, store, Context(store))
    assert cluster.asked == [("secretstore", "team-store", "orders")]
    assert result.subject == "secretstore orders/team-store"
    assert result.status == "PASS"


def test_a_namespace_the_conditions_exclude_is_named_as_the_cause() -> None:
    message = (
        'using cluster store "azure-cluster-store" is not allowed from namespace "ops": '
        "denied by spec.condition"
    )
    assert "allowed_namespaces" in likely_cause(message, Context())
