"""The report's fixed advice, with the plan's names filled in: the order of steps, what to know
before deploying, how to apply a workload's change, SDK notes, the migration sidecar, cleanup.

Facts from Microsoft's "Migrate from pod managed identity to workload identity" and the Azure
Workload Identity docs (see the project's reference notes).
"""

from __future__ import annotations

import json

from aks_workload_identity.pod_identity.fragment import AksCluster
from aks_workload_identity.pod_identity.plan import MigrationPlan, PlannedAccount
from aks_workload_identity.pod_identity.records import BINDING_LABEL, Workload

# Azure Identity client library versions that read the projected token (WorkloadIdentityCredential
# or DefaultAzureCredential), per Microsoft's workload identity overview.
SDK_MINIMUM_VERSIONS = (
    (".NET", "Azure.Identity", "1.9.0"),
    ("C++", "azure-identity-cpp", "1.6.0"),
    ("Go", "azidentity", "1.3.0"),
    ("Java", "azure-identity", "1.9.0"),
    ("JavaScript", "@azure/identity", "3.2.0"),
    ("Python", "azure-identity", "1.13.0"),
)
_ROLLING = {"Deployment", "StatefulSet", "DaemonSet"}
USE_LABEL = "azure.workload.identity/use"
SIDECAR_ANNOTATION = "azure.workload.identity/inject-proxy-sidecar"


def steps(fragment_path: str, whole: bool) -> list[str]:
    """``whole``: the fragment has the cluster's keys, so it can be the configuration itself."""
    use = f"Merge the keys of `{fragment_path}` into `my.auto.tfvars`"
    use += f", or use it as it is (`AZWI_CONFIG={fragment_path}`)" if whole else ""
    return [
        "## Order of steps",
        "",
        f"1. **Deploy the federation.** {use}, then `make synth` and `make deploy`. This adds a "
        "federated "
        "credential per service account to each existing identity (client IDs and role "
        "assignments stay), gives each identity its role on this deployment's vault, and "
        "annotates the service accounts with their identity's client ID (creating the new "
        "ones, and the new stores). Running pods are not touched: pod identity keeps serving "
        "them.",
        "2. **Change each workload and restart it** (below, per workload): label the pod "
        "template, run it as its service account. Its new pods get `AZURE_CLIENT_ID`, "
        "`AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE` and the projected token from the "
        "workload identity webhook. Move the ExternalSecrets to the new stores.",
        "3. **Verify** each workload: its pods carry the variables (`kubectl exec POD -n NS -- "
        "env | grep AZURE_`), its logs show no authentication errors, and each new store is "
        "Ready (`kubectl get clustersecretstore`). Until then, rolling back is step 2 undone.",
        "4. **Remove pod identity**: the `"
        + BINDING_LABEL
        + "` labels, the old stores, pod identity's objects and pod identity itself "
        "([Cleanup](#cleanup)). Keep the managed identities: workload identity uses them now.",
        "",
    ]


def before_deploy(plan: MigrationPlan) -> list[str]:
    notes = [
        "- The deployment also makes what this project always makes: its Key Vault (each "
        "identity gets `key_vault_role` on it), the seed secret, and External Secrets from its "
        "Helm chart.",
        "- The fragment's maps replace the flat keys (`identity_name`, `service_account_name`, "
        "`service_account_namespace`, `cluster_secret_store_name`): if `my.auto.tfvars` uses "
        "them, move that identity and service account into the maps; if it sets "
        "`existing_namespaces` too, join the two lists.",
        "- Azure allows 20 federated credentials per identity, counting those it has already "
        "(`az identity federated-credential list -g GROUP --identity-name NAME`); each identity "
        "must be in the subscription you deploy to.",
    ]
    if plan.stores:
        notes.append(
            "- The new stores read the Key Vault this deployment creates, not the ones the old "
            "stores read: this project cannot point a store at an existing vault yet. Copy the "
            "secrets their ExternalSecrets read into it before step 2, or keep the old stores."
        )
    if any(store.widens for store in plan.stores):
        notes.append(
            "- A namespaced SecretStore becomes a ClusterSecretStore, which ExternalSecrets of "
            "every namespace can use: this project cannot limit a store to namespaces yet."
        )
    if plan.inventory.stores or plan.controllers:
        notes.append(
            "- External Secrets is already installed here, and this project installs it too "
            "(`eso_namespace`, chart `eso_chart_version`): two releases cannot own its CRDs, so "
            "the deployment fails until this project can use an installed External Secrets."
        )
    return ["## Before you deploy", "", *notes, ""]


def apply(workload: Workload, account: PlannedAccount) -> list[str]:
    ref = workload.ref
    resource = f"{ref.kind.lower()} {ref.name} -n {ref.namespace}"
    if workload.owner:
        return [
            f"Its pods are made by {workload.owner}, which is not in the input: make the change "
            "in that controller's pod template.",
            "",
        ]
    if ref.kind == "Pod":
        return [
            "A pod's service account cannot be changed: delete the pod and create it again from "
            "its changed manifest.",
            "",
        ]
    if ref.kind == "Job":
        return [
            "A Job's pod template cannot be changed: delete the Job and create it again from its "
            "changed manifest, or let it finish and change the manifest for its next run.",
            "",
        ]
    when = "this rolls its pods" if ref.kind in _ROLLING else "its next run starts with the change"
    return [
        f"In place ({when}; if Helm or GitOps owns the manifest, change it there, or its next "
        "sync undoes this):",
        "",
        "```sh",
        f"kubectl patch {resource} --type merge -p '{patch_body(workload, account)}'",
        "```",
        "",
    ]


def verify(workload: Workload) -> list[str]:
    """Step 3: each pod's service account and the client ID the webhook gave it."""
    columns = (
        '{range .items[*]}{.metadata.name}{" "}{.spec.serviceAccountName}{" "}'
        '{.spec.containers[0].env[?(@.name=="AZURE_CLIENT_ID")].value}{"\\n"}{end}'
    )
    selector = f"{USE_LABEL}=true,{BINDING_LABEL}={workload.selector}"
    return [
        "Verify (step 3; each pod, its service account, the client ID it got):",
        "",
        "```sh",
        f"kubectl get pods -n {workload.ref.namespace} -l {selector} -o jsonpath='{columns}'",
        "```",
        "",
    ]


def sdk_notes() -> list[str]:
    return [
        "## SDK notes",
        "",
        "- Workload identity needs an Azure Identity library that reads the projected token: "
        "`DefaultAzureCredential` or `WorkloadIdentityCredential`, from "
        + ", ".join(
            f"{lang} `{package}` {version}" for lang, package, version in SDK_MINIMUM_VERSIONS
        )
        + " on.",
        "- Code that builds `ManagedIdentityCredential`, or calls IMDS (`169.254.169.254`) itself, "
        "got its token from pod identity's NMI: without it, IMDS answers with the node's "
        "identities or not at all. Switch it to the credentials above, or use the sidecar below "
        "until it is rebuilt.",
        "- A client ID given in code or configuration must be the identity's (they are "
        "unchanged); without one, the library takes `AZURE_CLIENT_ID`, which the webhook sets "
        "from the service account's annotation.",
        "",
    ]


def sidecar() -> list[str]:
    return [
        "## The migration sidecar",
        "",
        "For an app that cannot be rebuilt yet, the webhook can add a proxy that answers its IMDS "
        "requests with workload identity tokens: the pod annotation `azure.workload.identity/"
        'inject-proxy-sidecar: "true"` (port: `azure.workload.identity/proxy-sidecar-port`, '
        "default 8000). Linux pods only, and meant for the migration, not for production: its "
        "init container rewrites the pod's iptables rules (NET_ADMIN). Remove it once the app "
        "uses a library above.",
        "",
    ]


def cleanup(plan: MigrationPlan, cluster: AksCluster | None) -> list[str]:
    group = cluster.resource_group_name if cluster else "RESOURCE_GROUP"
    name = cluster.cluster_name if cluster else "CLUSTER"
    out = ["## Cleanup", ""]
    if plan.refusals:
        out += [
            "Not before everything under [Not migrated](#not-migrated) has moved by hand: "
            "removing pod identity takes their identities away.",
            "",
        ]
    out += ["After step 3, for each workload:", "", "```sh"]
    for account in plan.accounts:
        for workload in account.workloads:
            if workload.owner or workload.ref.kind in ("Pod", "Job"):
                continue  # changed where it is made, or made again
            path = "/".join(("", *workload.template_path, "metadata", "labels", BINDING_LABEL))
            patch = f'[{{"op":"remove","path":"{path}"}}]'
            out.append(
                f"kubectl patch {workload.ref.kind.lower()} {workload.ref.name} -n "
                f"{workload.ref.namespace} --type json -p '{patch}'"
            )
    for controller in plan.controllers:
        out.append(
            f"# {controller.ref}: remove its {BINDING_LABEL} label (the chart's podLabels value)"
        )
    for store in plan.stores:
        old = store.replaces.ref
        where = f" -n {old.namespace}" if old.namespace else ""
        out.append(
            f"kubectl delete {old.kind.lower()} {old.name}{where}  # no ExternalSecret uses it"
        )
    out += ["```", "", "Then pod identity's objects. Open-source AAD Pod Identity:", "", "```sh"]
    inventory = plan.inventory
    for kind, objects in (
        ("azureidentitybinding", inventory.bindings),
        ("azureidentity", inventory.identities),
        ("azurepodidentityexception", inventory.exceptions),
    ):
        for item in objects:
            out.append(f"kubectl delete {kind} {item.ref.name} -n {item.ref.namespace}")
    out += [
        "helm uninstall aad-pod-identity -n kube-system   # as installed: helm list -A",
        "kubectl delete crd azureassignedidentities.aadpodidentity.k8s.io "
        "azureidentities.aadpodidentity.k8s.io azureidentitybindings.aadpodidentity.k8s.io "
        "azurepodidentityexceptions.aadpodidentity.k8s.io",
        "```",
        "",
        "Or the AKS add-on, which puts back what kubectl deletes:",
        "",
        "```sh",
    ]
    for identity in inventory.identities:
        out.append(
            f"az aks pod-identity delete --resource-group {group} --cluster-name {name} "
            f"--namespace {identity.ref.namespace} --name {identity.ref.name}"
        )
    for exception in inventory.exceptions:
        out.append(
            f"az aks pod-identity exception delete --resource-group {group} --cluster-name "
            f"{name} --namespace {exception.ref.namespace} --name {exception.ref.name}"
        )
    out += [
        f"az aks update --resource-group {group} --name {name} --disable-pod-identity",
        "```",
        "",
    ]
    return out


def patch_body(workload: Workload, account: PlannedAccount) -> str:
    """The merge patch that makes the manifest changes (without removing the old label)."""
    change: dict = {
        "metadata": {"labels": {USE_LABEL: "true"}},
        "spec": {"serviceAccountName": account.service_account},
    }
    for step in reversed(workload.template_path):
        change = {step: change}
    return json.dumps(change, separators=(",", ":"))
