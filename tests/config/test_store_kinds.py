"""Which namespaces each store serves, derived from the ExternalSecrets that read through it, and
what a namespaced SecretStore needs: each mistake stopped with the line that repairs it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from aks_workload_identity.config import load_config
from aks_workload_identity.store_conditions import MATCHES_NO_NAMESPACE, store_conditions
from tests.config.test_config_mappings import one_problem, write
from tests.conftest import EXAMPLE_CONFIG, PROJECT_DIR

MANY_SECRETS = PROJECT_DIR / "examples" / "many-secrets.tfvars"
NAMESPACED = PROJECT_DIR / "examples" / "namespaced-stores.tfvars"

TEAMS = """
identities = {
  eso   = { name = "umi-eso" }
  teams = { name = "umi-teams" }
}
workloads = {
  eso    = { service_account = "eso-sa", namespace = "external-secrets", identity = "eso" }
  orders = { service_account = "reader", namespace = "orders", identity = "teams" }
}
cluster_secret_stores = {
  shared = { workload = "eso" }
  team   = { workload = "orders", kind = "SecretStore" }
}
external_secrets = [
  {
    name = "a", namespace = "orders", store = "team"
    data = [{ secret_key = "k", remote_key = "r" }]
  },
  {
    name = "b", namespace = "default", store = "shared"
    data = [{ secret_key = "k", remote_key = "r" }]
  },
]
"""


def test_a_store_serves_the_namespaces_of_its_external_secrets() -> None:
    (store,) = load_config(MANY_SECRETS).cluster_secret_stores
    assert store.kind == "ClusterSecretStore"
    assert store.namespaces == ("default", "orders", "payments", "shipping")
    (walkthrough,) = load_config(EXAMPLE_CONFIG).cluster_secret_stores
    assert walkthrough.namespaces == ("default",)


def test_allowed_namespaces_widen_a_cluster_store(tmp_path) -> None:
    text = TEAMS.replace(
        '{ workload = "eso" }', '{ workload = "eso", allowed_namespaces = ["ops"] }'
    )
    stores = {s.name: s for s in load_config(write(tmp_path, text)).cluster_secret_stores}
    assert stores["shared"].namespaces == ("default", "ops")
    assert stores["team"].kind == "SecretStore"
    assert stores["team"].namespaces == ("orders",)


def test_a_label_selector_widens_a_cluster_store_by_a_condition_of_its_own(tmp_path) -> None:
    text = TEAMS.replace(
        '{ workload = "eso" }',
        '{ workload = "eso", allowed_namespace_labels = { "example.com/team" = "platform" } }',
    )
    stores = {s.name: s for s in load_config(write(tmp_path, text)).cluster_secret_stores}
    assert stores["shared"].namespace_labels == (("example.com/team", "platform"),)
    assert store_conditions(
        stores["shared"].namespaces, dict(stores["shared"].namespace_labels)
    ) == [
        {"namespaces": ["default"]},
        {"namespaceSelector": {"matchLabels": {"example.com/team": "platform"}}},
    ]
    # Labels alone: the selector is the only condition (never the match-nothing one).
    assert store_conditions((), {"team": ""}) == [
        {"namespaceSelector": {"matchLabels": {"team": ""}}}
    ]


def test_label_keys_and_values_follow_kubernetes_syntax(tmp_path) -> None:
    for labels, where in (
        ('{ "-team" = "a" }', "allowed_namespace_labels"),
        ('{ "team" = "a b" }', "allowed_namespace_labels.team"),
    ):
        text = TEAMS.replace(
            '{ workload = "eso" }', f'{{ workload = "eso", allowed_namespace_labels = {labels} }}'
        )
        assert f"cluster_secret_stores.shared.{where}" in one_problem(tmp_path, text)


def test_a_store_no_external_secret_reads_through_serves_no_namespace(tmp_path) -> None:
    text = TEAMS.replace('store = "shared"', 'store = "team"').replace('"default"', '"orders"')
    text = text.replace('name = "b"', 'name = "c"')
    stores = {s.name: s for s in load_config(write(tmp_path, text)).cluster_secret_stores}
    assert stores["shared"].namespaces == ()
    assert store_conditions(stores["shared"].namespaces) == [MATCHES_NO_NAMESPACE]


@given(st.lists(st.sampled_from(["a", "b", "orders", "kube-system"]), max_size=6))
def test_conditions_are_never_the_empty_list_that_eso_reads_as_every_namespace(names) -> None:
    conditions = store_conditions(names)
    assert conditions
    if names:
        assert conditions == [{"namespaces": sorted(set(names))}]
    else:
        assert conditions == [MATCHES_NO_NAMESPACE]


def test_a_secret_store_needs_its_service_account_in_each_namespace(tmp_path) -> None:
    text = TEAMS.replace(
        'namespace = "default", store = "shared"', 'namespace = "billing", store = "team"'
    )
    line = one_problem(tmp_path, text)
    assert (
        "cluster_secret_stores.team: its SecretStore in namespace 'billing' authenticates as "
        "service account 'reader' of 'billing', which no workload declares: add a workload "
        '{ service_account = "reader", namespace = "billing", identity = "teams" }'
    ) in line


def test_a_secret_store_reads_as_one_identity_in_every_namespace(tmp_path) -> None:
    text = TEAMS.replace(
        'namespace = "default", store = "shared"', 'namespace = "billing", store = "team"'
    )
    text = text.replace(
        "workloads = {\n",
        'workloads = {\n  billing = { service_account = "reader", namespace = "billing", '
        'identity = "eso" }\n',
    )
    line = one_problem(tmp_path, text)
    assert (
        "cluster_secret_stores.team: its SecretStore in namespace 'billing' would read as identity "
        "'eso' (workloads.billing), not the store's 'teams' (workloads.orders): set identity = "
        '"teams" in workloads.billing'
    ) in line


def test_only_a_cluster_store_can_be_widened(tmp_path) -> None:
    text = TEAMS.replace(
        'kind = "SecretStore"', 'kind = "SecretStore", allowed_namespaces = ["ops"]'
    )
    line = one_problem(tmp_path, text)
    assert (
        "cluster_secret_stores.team.allowed_namespaces: a SecretStore serves only its own namespace"
        in line
    )
    text = TEAMS.replace(
        'kind = "SecretStore"', 'kind = "SecretStore", allowed_namespace_labels = { team = "a" }'
    )
    assert "team.allowed_namespace_labels: a SecretStore serves only its own namespace" in (
        one_problem(tmp_path, text)
    )


def test_store_kind_and_allowed_namespaces_are_checked(tmp_path) -> None:
    line = one_problem(tmp_path, TEAMS.replace('kind = "SecretStore"', 'kind = "secretstore"'))
    assert "cluster_secret_stores.team.kind" in line
    assert 'did you mean "SecretStore"?' in line
    text = TEAMS.replace(
        '{ workload = "eso" }', '{ workload = "eso", allowed_namespaces = ["Ops"] }'
    )
    assert "cluster_secret_stores.shared.allowed_namespaces[0]" in one_problem(tmp_path, text)


def test_the_example_has_one_secret_store_per_namespace() -> None:
    stores = {s.name: s for s in load_config(NAMESPACED).cluster_secret_stores}
    assert stores["team-store"].namespaces == ("orders", "shipping")
    assert stores["platform-store"].namespaces == ("default", "monitoring")
