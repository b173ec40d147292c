"""The pod identity migration on realistic fixtures: what each kind of input becomes, that every
fragment loads through the project's config loader and synthesizes into the wiring it promises,
and the fragment and report as a reviewer sees them (snapshots)."""

from __future__ import annotations

import pytest

from aks_workload_identity import identity_ids
from aks_workload_identity.config import load_config
from tests.conftest import resources, synth_config
from tests.pod_identity_runs import CLUSTER_FLAGS, Migration, migrate

ORDERS_ID = (
    "/subscriptions/3f2b7c1e-8d4a-4b6e-9c0f-5a1d2e3f4a5b/resourceGroups/rg-orders-identities"
    "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/umi-orders"
)
BATCH = ("batch-workloads.yaml", "batch-one-identity.yaml")
CLIENT_ID = "azure.workload.identity/client-id"


@pytest.fixture
def run(tmp_path, capsys, monkeypatch):
    def running(*fixtures: str, args: tuple[str, ...] = tuple(CLUSTER_FLAGS)) -> Migration:
        return migrate(tmp_path, capsys, monkeypatch, *fixtures, args=args)

    return running


def _synth(migration: Migration) -> dict:
    assert migration.status == 0, migration.stderr
    return synth_config(migration.fragment_path)


def _credentials(identity_stack: dict) -> dict[str, list[str]]:
    """parent_id -> the subjects of its credentials."""
    found: dict[str, list[str]] = {}
    for body in resources(identity_stack, "azurerm_federated_identity_credential").values():
        found.setdefault(body["parent_id"], []).append(body["subject"].rsplit(":", 2)[1:])
    return {k: sorted("/".join(s) for s in v) for k, v in found.items()}


def _annotated(cluster: dict) -> set[str]:
    return {
        f"{b['metadata']['namespace']}/{b['metadata']['name']}"
        for b in resources(cluster, "kubernetes_annotations").values()
    }


def _created(cluster: dict) -> set[str]:
    return {
        f"{b['metadata']['namespace']}/{b['metadata']['name']}"
        for b in resources(cluster, "kubernetes_service_account_v1").values()
    }


def test_one_identity_and_one_workload_keep_the_identity_and_annotate_its_account(run) -> None:
    migration = run("one-identity-one-workload.yaml")
    assert migration.stderr_lines == [
        "azwi: wrote pod-identity.tfvars: 1 identity, 1 service account"
    ]
    synthesized = _synth(migration)
    identity, cluster = synthesized["identity"], synthesized["cluster"]
    # The AzureIdentity's resourceID ("resourcegroups") is written the way azurerm reads it.
    assert _credentials(identity) == {ORDERS_ID: ["orders/orders-api"]}
    assert "azurerm_user_assigned_identity" not in identity["resource"]
    (lookup,) = identity["data"]["azurerm_user_assigned_identity"].values()
    assert lookup == {"name": "umi-orders", "resource_group_name": "rg-orders-identities"}
    # Its service account exists (the pods run as it): annotated, never created; nor is orders.
    assert _annotated(cluster) == {"orders/orders-api"}
    assert _created(cluster) == set()
    namespaces = {
        b["metadata"]["name"] for b in resources(cluster, "kubernetes_namespace_v1").values()
    }
    assert "orders" not in namespaces
    # Nothing for ESO to read through: the cluster's own ExternalSecrets move to stores.
    assert resources(synthesized["secrets"], "kubernetes_manifest") == {}


def test_the_deployments_pod_is_covered_by_the_deployment(run) -> None:
    report = run("one-identity-one-workload.yaml").report
    assert "### Deployment `orders/orders-api`" in report
    assert "Pod `orders/" not in report


def test_one_identity_bound_to_several_workloads_federates_each_service_account_once(
    run,
) -> None:
    migration = run("several-workloads.yaml")
    config = load_config(migration.fragment_path)
    (identity,) = config.identities
    assert identity.resource_id is not None
    assert identity_ids.identity_id_parts(identity.resource_id).name == "umi-shop"
    # cart runs the StatefulSet and the Deployment checkout-worker: one credential. The CronJob's
    # Job is covered by the CronJob; the payments Deployment matched across namespaces.
    assert sorted(f.subject.split(":", 2)[2] for f in identity.federations) == [
        "payments:refunds",
        "shop:cart",
        "shop:frontend",
        "shop:log-shipper",
        "shop:reports",
    ]
    assert {w.create_service_account for w in config.workloads} == {False}
    assert "nightly-report-29210520" not in migration.report
    credentials = resources(_synth(migration)["identity"], "azurerm_federated_identity_credential")
    assert sum("depends_on" not in body for body in credentials.values()) == 1  # one chain


def test_a_namespaced_pod_identity_binding_serves_only_its_namespace(run) -> None:
    migration = run("several-workloads.yaml", args=(*CLUSTER_FLAGS, "--namespaced"))
    assert "payments" not in migration.fragment
    assert (
        "- `Deployment payments/refunds` (several-workloads.yaml:141): its label "
        "`aadpodidbinding: shop` matches no binding, so it had no identity: just remove the label."
    ) in migration.report


def test_workloads_on_default_get_a_dedicated_service_account(run) -> None:
    migration = run("default-service-account.yaml")
    cluster = _synth(migration)["cluster"]
    assert _created(cluster) == {"billing/invoice-api", "billing/billing-debug"}
    assert _annotated(cluster) == set()
    assert "serviceAccountName: invoice-api    # was default" in migration.report
    assert "A pod's service account cannot be changed: delete the pod and create it again" in (
        migration.report
    )
    # billing exists (it is in the input), so the new accounts do not create it.
    assert 'existing_namespaces = ["billing"]' in migration.fragment


def test_more_than_twenty_service_accounts_are_spread_over_the_labels_identities(run) -> None:
    migration = run(*BATCH, "batch-second-identity.yaml")
    identity = _synth(migration)["identity"]
    counts = {parent.rsplit("/", 1)[1]: len(s) for parent, s in _credentials(identity).items()}
    # The binding that weighs more fills up first.
    assert counts == {"umi-batch": 20, "umi-batch-2": 4}
    assert "this one federates with `umi-batch-2` only" in migration.report


def test_more_than_twenty_service_accounts_on_one_identity_cannot_move(run, tmp_path) -> None:
    migration = run(*BATCH)
    assert migration.status == 1
    assert migration.stderr_lines == [
        "azwi: batch-one-identity.yaml:14: AzureIdentityBinding batch/batch-identity-binding: "
        "not migrated: selector 'batch' matches 24 service accounts, but Azure allows 20 "
        "federated credentials per identity and its identities (batch-identity) have room for "
        "20: bind another user-assigned identity with the same role assignments to 'batch', or "
        "give some of its workloads another selector, and run the migration again (none of "
        "these service accounts was migrated)",
        "azwi: nothing to migrate: of the workloads in the input, none could move (see above)",
    ]
    assert not migration.fragment_path.exists()


def test_what_cannot_move_is_refused_one_line_each(run) -> None:
    migration = run("cannot-move.yaml")
    refused = [line for line in migration.stderr_lines if ": not migrated: " in line]
    assert [line.split(": not migrated: ")[0] for line in refused] == [
        "azwi: cannot-move.yaml:99: DaemonSet ops/disk-inventory",
        "azwi: cannot-move.yaml:8: AzureIdentity reporting/legacy-sp",
        "azwi: cannot-move.yaml:44: AzureIdentity reporting/archive-sp-cert",
        "azwi: cannot-move.yaml:142: AzureIdentityBinding ops/decommissioned-binding",
        "azwi: cannot-move.yaml:116: AzurePodIdentityException default/mic-exception",
    ]
    assert "it is a service principal with a client secret (type 1)" in refused[1]
    assert "bound to Deployment reporting/report-renderer" in refused[1]
    assert "it is a service principal with a certificate (type 2)" in refused[2]
    assert "it runs with hostNetwork: true" in refused[0]
    # What could move did: the inventory Deployment; the host-network one's identity is unused.
    config = load_config(migration.fragment_path)
    assert [(w.namespace, w.service_account) for w in config.workloads] == [("ops", "inventory")]
    assert "umi-node-tools" not in migration.fragment
    for line in refused:
        assert f"- `{line.split(': ')[2]}`" in migration.report
    assert "`CronJob ops/old-cleanup`" in migration.report  # its label matches no binding


def test_eso_stores_on_managed_identity_become_workload_identity_stores(run) -> None:
    migration = run("eso-managed-identity.yaml")
    synthesized = _synth(migration)
    stores = {
        body["manifest"]["metadata"]["name"]: body["manifest"]["spec"]["provider"]["azurekv"]
        for body in resources(synthesized["secrets"], "kubernetes_manifest").values()
    }
    assert sorted(stores) == [
        "azure-store-workload-identity",
        "team-a-team-a-store-workload-identity",
    ]
    assert {s["authType"] for s in stores.values()} == {"WorkloadIdentity"}
    assert stores["azure-store-workload-identity"]["serviceAccountRef"] == {
        "name": "azure-store-workload-identity",
        "namespace": "external-secrets",
    }
    assert stores["team-a-team-a-store-workload-identity"]["serviceAccountRef"] == {
        "name": "team-a-store-workload-identity",
        "namespace": "team-a",
    }
    # Both stores' identity: identityId (a client ID) for one, the controller's for the other.
    assert list(_credentials(synthesized["identity"])) == [
        "/subscriptions/3f2b7c1e-8d4a-4b6e-9c0f-5a1d2e3f4a5b/resourceGroups/rg-platform/providers"
        "/Microsoft.ManagedIdentity/userAssignedIdentities/umi-external-secrets"
    ]
    # The controller gets no workload entry: its chart owns its service account.
    assert _created(synthesized["cluster"]) == {
        "external-secrets/azure-store-workload-identity",
        "team-a/team-a-store-workload-identity",
    }
    assert (
        'kubectl patch externalsecret api-keys -n team-a --type merge -p \'{"spec":'
        '{"secretStoreRef":{"kind":"ClusterSecretStore","name":'
        '"team-a-team-a-store-workload-identity"}}}\''
    ) in migration.report
    assert "partner-store" not in migration.fragment  # ServicePrincipal: not pod identity's
    assert (
        "azwi: warning: eso-managed-identity.yaml:81: SecretStore team-a/team-a-store becomes "
        "ClusterSecretStore team-a-team-a-store-workload-identity, which ExternalSecrets of "
        "every namespace can use"
    ) in migration.stderr_lines


def test_a_fragment_without_the_cluster_keys_loads_once_they_are_there(run) -> None:
    migration = run("one-identity-one-workload.yaml", args=())
    assert "aks_cluster_name" not in migration.fragment
    merged = migration.fragment_path.with_name("my.auto.tfvars")
    merged.write_text(
        'aks_resource_group_name = "rg-aks-demo"\naks_cluster_name = "aks-demo"\n'
        + migration.fragment
    )
    assert [w.key for w in load_config(merged).workloads] == ["orders-orders-api"]


@pytest.mark.parametrize(
    "fixtures",
    [
        ("one-identity-one-workload.yaml",),
        ("several-workloads.yaml",),
        ("default-service-account.yaml",),
        (*BATCH, "batch-second-identity.yaml"),
        ("cannot-move.yaml",),
        ("eso-managed-identity.yaml",),
    ],
    ids=["one-to-one", "several", "default", "spread", "cannot-move", "eso"],
)
def test_fragment_and_report_match_snapshot(run, snapshot, fixtures) -> None:
    migration = run(*fixtures)
    assert migration.status == 0
    assert {"fragment": migration.fragment, "report": migration.report} == snapshot


def test_a_migrated_fragment_deploys_redeploys_and_destroys(background_rehearsals) -> None:
    """The fragment `make migrate` writes for one identity bound to several workloads passes the
    offline rehearsal; its destroy leaves the reused identity and the annotated service accounts
    as they were (``tests/rehearsals.py``)."""
    from tests.rehearsals import MIGRATED

    rehearsal = background_rehearsals[MIGRATED].result(timeout=600)
    assert len(rehearsal.steps) == 3
