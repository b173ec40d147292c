"""A world with several clusters: each request reaches the cluster its provider configuration
names (kubeconfig context or API server), and each cluster's objects stay apart."""

from __future__ import annotations

import pytest

from rehearsal import facts, rules, world
from rehearsal.world import Refusal, World

BLUE, GREEN = (facts.aks_issuer_url("rg", name) for name in ("aks-blue", "aks-green"))


@pytest.fixture
def two_clusters(tmp_path) -> World:
    clusters = {
        "blue": world.initial_cluster(BLUE, [], access="aks-blue"),
        "green": world.initial_cluster(GREEN, [], access="https://green.example:443"),
    }
    shared = World(tmp_path)
    shared.create(world.initial(BLUE, [], clusters=clusters))
    return shared


def _namespace(name: str) -> dict:
    return {"metadata": [{"name": name}]}


def test_a_namespace_is_made_in_the_cluster_the_provider_reaches(two_clusters) -> None:
    kubeconfig = {"config_path": "~/.kube/config", "config_context": "aks-blue"}
    rules.apply(two_clusters, "kubernetes_namespace_v1", None, _namespace("apps"), kubeconfig)
    helm = {"kubernetes": {"host": "https://green.example:443"}}  # helm's connection: an object
    rules.apply(two_clusters, "kubernetes_namespace_v1", None, _namespace("eso"), helm)
    clusters = world.clusters_in(two_clusters.read())
    assert set(clusters["blue"]["namespaces"]) - set(world.BUILTIN_NAMESPACES) == {"apps"}
    assert set(clusters["green"]["namespaces"]) - set(world.BUILTIN_NAMESPACES) == {"eso"}
    assert clusters["blue"]["cluster"]["issuer"] == BLUE


def test_the_same_namespace_in_two_clusters_is_two_namespaces(two_clusters) -> None:
    for access in ({"config_context": "aks-blue"}, {"host": "https://green.example:443"}):
        rules.apply(two_clusters, "kubernetes_namespace_v1", None, _namespace("apps"), access)
    rules.apply(
        two_clusters,
        "kubernetes_namespace_v1",
        _namespace("apps"),
        None,
        {"config_context": "aks-blue"},
    )
    clusters = world.clusters_in(two_clusters.read())
    assert "apps" not in clusters["blue"]["namespaces"]
    assert "apps" in clusters["green"]["namespaces"]


def test_a_provider_that_reaches_no_cluster_is_refused(two_clusters) -> None:
    before = two_clusters.read()
    with pytest.raises(Refusal, match="no cluster at 'aks-grey'"):
        rules.apply(
            two_clusters,
            "kubernetes_namespace_v1",
            None,
            _namespace("apps"),
            {"config_context": "aks-grey"},
        )
    assert two_clusters.read() == before


def test_azure_resources_are_shared_by_every_cluster(two_clusters) -> None:
    identity = {"name": "umi", "resource_group_name": "rg", "location": facts.LOCATION}
    made = {**identity, **facts.COMPUTED["azurerm_user_assigned_identity"](identity)}
    rules.apply(two_clusters, "azurerm_user_assigned_identity", None, made, {})
    assert list(two_clusters.read()["identities"]) == [made["id"]]


def test_one_cluster_worlds_keep_their_shape(tmp_path) -> None:
    state = world.initial(BLUE, ["apps"])
    assert "clusters" not in state
    assert world.clusters_in(state)[None]["namespaces"] == state["namespaces"]
