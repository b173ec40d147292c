"""The stand-in cluster serves an ExternalSecret through a store only where ESO would: a
ClusterSecretStore's conditions, a SecretStore's own namespace and service account."""

from __future__ import annotations

import copy

import pytest

from aks_workload_identity.store_conditions import MATCHES_NO_NAMESPACE, store_conditions
from rehearsal import store_access, world
from rehearsal.world import Refusal
from tests.test_standin_rules import IDENTITY_ID, ISSUER, WAIT_READY, _change, _ready_store_world


def _external_secret(namespace: str, kind: str = "ClusterSecretStore") -> dict:
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": "db", "namespace": namespace},
        "spec": {
            "secretStoreRef": {"kind": kind, "name": "store"},
            "data": [{"secretKey": "password", "remoteRef": {"key": "db-password"}}],
        },
    }


def _world_with_store(conditions: list[dict] | None) -> dict:
    state, store = _ready_store_world()
    if conditions is not None:
        store["spec"]["conditions"] = conditions
    state["objects"][world.key("ClusterSecretStore", None, "store")] = {
        "manifest": store,
        "ready": True,
    }
    state["vaults"][next(iter(state["vaults"]))]["secrets"]["db-password"] = {}
    state["namespaces"] += ["orders", "shipping"]
    return state


def test_a_cluster_store_refuses_an_external_secret_outside_its_conditions() -> None:
    state = _world_with_store(store_conditions(["orders"]))
    _change(
        state, "kubernetes_manifest", None, {"manifest": _external_secret("orders"), **WAIT_READY}
    )
    with pytest.raises(Refusal) as refused:
        _change(
            state,
            "kubernetes_manifest",
            None,
            {"manifest": _external_secret("shipping"), **WAIT_READY},
        )
    assert 'not allowed from namespace "shipping": denied by spec.condition' in refused.value.detail
    assert world.key("Secret", "shipping", "db") not in state["objects"]


def test_a_cluster_store_without_conditions_serves_every_namespace() -> None:
    state = _world_with_store(None)
    _change(
        state, "kubernetes_manifest", None, {"manifest": _external_secret("shipping"), **WAIT_READY}
    )


@pytest.mark.parametrize("namespace", ["default", "orders", "kube-system"])
def test_the_condition_for_no_namespace_matches_none(namespace: str) -> None:
    store = {"kind": "ClusterSecretStore", "metadata": {"name": "s"}}
    assert store_access.serves(store, namespace)
    store["spec"] = {"conditions": [MATCHES_NO_NAMESPACE]}
    assert not store_access.serves(store, namespace)


def test_label_selectors_and_regexes_are_evaluated_like_eso() -> None:
    def serving(condition: dict) -> set[str]:
        store = {"kind": "ClusterSecretStore", "spec": {"conditions": [condition]}}
        return {n for n in ("orders", "shipping") if store_access.serves(store, n)}

    name = store_access.NAME_LABEL
    assert serving({"namespaceSelector": {"matchLabels": {name: "orders"}}}) == {"orders"}
    assert serving({"namespaceSelector": {"matchLabels": {"team": "a"}}}) == set()
    expression = {"key": name, "operator": "NotIn", "values": ["orders"]}
    assert serving({"namespaceSelector": {"matchExpressions": [expression]}}) == {"shipping"}
    assert serving({"namespaceRegexes": ["^ship"]}) == {"shipping"}
    assert serving({"namespaces": []}) == set()


def _secret_store(namespace: str, account_namespace: str | None = None) -> dict:
    _, cluster_store = _ready_store_world()
    store = copy.deepcopy(cluster_store)
    store["kind"] = "SecretStore"
    store["metadata"]["namespace"] = namespace
    ref = store["spec"]["provider"]["azurekv"]["serviceAccountRef"]
    ref.pop("namespace")
    if account_namespace is not None:
        ref["namespace"] = account_namespace
    return store


def test_a_secret_store_authenticates_as_a_service_account_of_its_own_namespace() -> None:
    state, _ = _ready_store_world()
    state["namespaces"].append("orders")
    state["credentials"]["c"] = {
        "identity_id": IDENTITY_ID,
        "issuer": ISSUER,
        "subject": "system:serviceaccount:external-secrets:sa",
        "audience": ["api://AzureADTokenExchange"],
    }
    elsewhere = _secret_store("orders", account_namespace="external-secrets")
    with pytest.raises(Refusal) as refused:
        _change(state, "kubernetes_manifest", None, {"manifest": elsewhere, **WAIT_READY})
    assert "namespace not allowed with namespaced SecretStore" in refused.value.detail
    # Its own namespace has no such service account (nor a credential for it) yet.
    with pytest.raises(Refusal) as refused:
        _change(
            state, "kubernetes_manifest", None, {"manifest": _secret_store("orders"), **WAIT_READY}
        )
    assert "ServiceAccount orders/sa not found" in refused.value.detail
    state["objects"][world.key("ServiceAccount", "orders", "sa")] = state["objects"][
        world.key("ServiceAccount", "external-secrets", "sa")
    ]
    with pytest.raises(Refusal) as refused:
        _change(
            state, "kubernetes_manifest", None, {"manifest": _secret_store("orders"), **WAIT_READY}
        )
    assert "AADSTS70021" in refused.value.detail
    state["credentials"]["orders"] = {
        **state["credentials"]["c"],
        "subject": "system:serviceaccount:orders:sa",
    }
    _change(state, "kubernetes_manifest", None, {"manifest": _secret_store("orders"), **WAIT_READY})
    state["vaults"][next(iter(state["vaults"]))]["secrets"]["db-password"] = {}
    _change(
        state,
        "kubernetes_manifest",
        None,
        {"manifest": _external_secret("orders", kind="SecretStore"), **WAIT_READY},
    )
    assert world.key("Secret", "orders", "db") in state["objects"]
