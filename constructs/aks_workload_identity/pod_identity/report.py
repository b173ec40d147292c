"""The migration report (Markdown): the order of steps, each workload's exact manifest changes,
the stores, what did not move and why, and the cleanup commands."""

from __future__ import annotations

import json
from collections.abc import Sequence

from aks_workload_identity.pod_identity import guidance
from aks_workload_identity.pod_identity.fragment import AksCluster
from aks_workload_identity.pod_identity.guidance import SIDECAR_ANNOTATION, USE_LABEL
from aks_workload_identity.pod_identity.plan import MigrationPlan, PlannedAccount
from aks_workload_identity.pod_identity.records import BINDING_LABEL, Workload
from aks_workload_identity.pod_identity.stores import PlannedStore


def render_report(
    plan: MigrationPlan, sources: Sequence[str], fragment_path: str, cluster: AksCluster | None
) -> str:
    inventory = plan.inventory
    workloads = [w for a in plan.accounts for w in a.workloads]
    read = [
        (len(inventory.identities), "AzureIdentity", "AzureIdentities"),
        (len(inventory.bindings), "AzureIdentityBinding", "AzureIdentityBindings"),
        (len(inventory.exceptions), "AzurePodIdentityException", "AzurePodIdentityExceptions"),
        (len(inventory.workloads), "workload", "workloads"),
        (len(inventory.stores), "Azure Key Vault store", "Azure Key Vault stores"),
    ]
    new = sum(a.new for a in plan.accounts)
    kept = counted([(len(plan.identities), "identity", "identities")])
    federated = counted([(len(plan.accounts), "service account", "service accounts")])
    users = counted(
        [(len(workloads), "workload", "workloads"), (len(plan.stores), "store", "stores")]
    )
    moved = (
        f"{len(plan.refusals)} thing{'s' * (len(plan.refusals) != 1)} did not move: see "
        "[Not migrated](#not-migrated)."
        if plan.refusals
        else "Everything in the input moved."
    )
    out = [
        "# Migration from AAD Pod Identity to Azure Workload Identity",
        "",
        f"Read from {', '.join(f'`{s}`' for s in sources)}: {counted(read)}.",
        "",
        f"The fragment `{fragment_path}` keeps {kept} by resource ID and federates {federated}"
        + (f" ({new} of them new)" if new else "")
        + f", for {users}. {moved}",
        "",
        *guidance.steps(fragment_path, whole=cluster is not None),
        *guidance.before_deploy(plan),
        "## Workloads",
        "",
    ]
    for account in plan.accounts:
        for workload in account.workloads:
            out += _workload(plan, account, workload)
    if not workloads:
        out += ["None but the stores' service accounts (below).", ""]
    if plan.stores or plan.controllers:
        out += ["## Stores", ""]
        out += [
            f"`{w.ref}` is the External Secrets controller: the stores below authenticate as "
            "service accounts of their own, so it needs no identity any more; its "
            f"`{BINDING_LABEL}` label goes in step 4."
            for w in plan.controllers
        ]
        out += [""] if plan.controllers else []
        for store in plan.stores:
            out += _store(plan, store)
    out += guidance.sdk_notes()
    out += guidance.sidecar()
    out += _not_migrated(plan)
    out += guidance.cleanup(plan, cluster)
    return "\n".join(out).rstrip() + "\n"


def _workload(plan: MigrationPlan, account: PlannedAccount, workload: Workload) -> list[str]:
    identity = plan.identity(account.identity)
    bindings = [
        b for b in plan.inventory.bindings if b.selector == workload.selector
    ]  # those whose identity it had
    account_text = (
        f"`{account.service_account}`, new (the cluster stack creates it): it ran as `default`, "
        "and federating that would give the identity to every pod of the namespace"
        if account.new
        else f"`{account.service_account}`, as before: it exists, so it is annotated, not "
        "created, and destroy removes just the annotations"
    )
    rows = [
        (
            "pod identity",
            f"label `{BINDING_LABEL}: {workload.selector}`, bound by "
            + ", ".join(f"`{b.ref.namespace}/{b.ref.name}`" for b in bindings),
        ),
        ("service account", f"{account_text}; the annotation names the identity's client ID"),
        ("identity", _identity_text(plan, account.identity)),
        (
            "federated credential",
            f"`{account.credential}` on "
            + ", ".join(
                f"`{plan.identity(k).name}`"
                for k in (account.identity, *account.additional_identities)
            )
            + ", subject "
            f"`system:serviceaccount:{account.namespace}:{account.service_account}`",
        ),
    ]
    if account.additional_identities:
        others = ", ".join(_identity_text(plan, k) for k in account.additional_identities)
        rows.append(
            (
                "also",
                f"{others}: code that uses one of these must ask for its client ID (the "
                "identity stack's output `additional_client_ids`); the annotation names "
                f"`{identity.name}`, the one its bindings weighed highest",
            )
        )
    spread = [g for g, by_identity in plan.spread.items() if account.key in _flat(by_identity)]
    if spread:
        rows.append(
            (
                "spread",
                f"selector `{spread[0]}` matched more service accounts than one identity takes "
                f"(20 federated credentials): this one federates with `{identity.name}` only, so "
                "code that asks for another of them by client ID must ask for this one",
            )
        )
    out = [
        f"### {workload.ref.kind} `{workload.ref.namespace}/{workload.ref.name}`",
        "",
        "| | |",
        "|---|---|",
        *(f"| {name} | {text} |" for name, text in rows),
        "",
        f"Manifest changes, in {_where_changed(workload)}:",
        "",
        "```yaml",
        *_template_yaml(workload, account),
        "```",
        "",
        *guidance.apply(workload, account),
        *guidance.verify(workload),
    ]
    return out


def _identity_text(plan: MigrationPlan, key: str) -> str:
    identity = plan.identity(key)
    client = f", client ID `{identity.client_id}`" if identity.client_id else ""
    return f"`{identity.name}`{client} (kept: same role assignments)"


def _template_yaml(workload: Workload, account: PlannedAccount) -> list[str]:
    lines, indent = [], ""
    for step in workload.template_path:
        lines.append(f"{indent}{step}:")
        indent += "  "
    account_note = f"was {workload.service_account}" if account.new else "unchanged"
    lines += [
        f"{indent}metadata:",
        f"{indent}  labels:",
        f'{indent}    {USE_LABEL}: "true"    # add: the webhook changes only labelled pods',
        f"{indent}    {BINDING_LABEL}: {workload.selector}    # remove in step 4, after verifying",
        f"{indent}  # annotations:    # only while the app still asks IMDS: The migration sidecar",
        f'{indent}  #   {SIDECAR_ANNOTATION}: "true"',
        f"{indent}spec:",
        f"{indent}  serviceAccountName: {account.service_account}    # {account_note}",
    ]
    return lines


def _store(plan: MigrationPlan, store: PlannedStore) -> list[str]:
    old = store.replaces
    account = plan.account_of(store)
    shown = f"{old.ref.namespace}/{old.ref.name}" if old.ref.namespace else old.ref.name
    identity_id = (
        f"; the old store's `identityId` was `{old.identity_id}`" if old.identity_id else ""
    )
    rows = [
        ("identity", _identity_text(plan, account.identity) + identity_id),
        (
            "service account",
            f"`{account.namespace}/{account.service_account}`, new; the store authenticates as "
            "it (`authType: WorkloadIdentity`, `serviceAccountRef`)",
        ),
        (
            "federated credential",
            f"`{account.credential}`, subject "
            f"`system:serviceaccount:{account.namespace}:{account.service_account}`",
        ),
        (
            "Key Vault",
            f"the old store read `{old.vault_url}`; see [Before you deploy](#before-you-deploy)",
        ),
    ]
    if store.widens:
        rows.append(
            (
                "scope",
                f"**wider**: a ClusterSecretStore serves ExternalSecrets of every namespace, the "
                f"old SecretStore those of `{old.ref.namespace}` (though under pod identity any "
                "namespace's store could name this identity too)",
            )
        )
    out = [
        f"### {old.ref.kind} `{shown}` → ClusterSecretStore `{store.name}`",
        "",
        "| | |",
        "|---|---|",
        *(f"| {name} | {text} |" for name, text in rows),
        "",
        "Its ExternalSecrets move over in step 2, each with:",
        "",
        "```sh",
    ]
    ref = json.dumps(
        {"spec": {"secretStoreRef": {"kind": "ClusterSecretStore", "name": store.name}}},
        separators=(",", ":"),
    )
    for secret in store.external_secrets:
        out.append(
            f"kubectl patch externalsecret {secret.ref.name} -n {secret.ref.namespace} "
            f"--type merge -p '{ref}'"
        )
    if not store.external_secrets:
        out += [
            f"# none in the input; those that use {old.ref.kind} {old.ref.name}:",
            "kubectl get externalsecret -A -o jsonpath='{range .items[?(@.spec.secretStoreRef"
            f'.name=="{old.ref.name}")]}}{{.metadata.namespace}}{{"/"}}{{.metadata.name}}'
            '{"\\n"}{end}\'',
        ]
    out += ["```", ""]
    return out


def _not_migrated(plan: MigrationPlan) -> list[str]:
    out = ["## Not migrated", ""]
    if not (plan.refusals or plan.unbound):
        return [*out, "Nothing: everything in the input moved.", ""]
    out += [f"- `{r.subject}` ({r.where}): {r.reason}." for r in plan.refusals]
    out += [
        f"- `{w.ref}` ({w.ref.where}): its label `{BINDING_LABEL}: {w.selector}` matches no "
        "binding, so it had no identity: just remove the label."
        for w in plan.unbound
    ]
    return [*out, ""]


def _flat(by_identity: dict[str, tuple[str, ...]]) -> set[str]:
    return {account for accounts in by_identity.values() for account in accounts}


def _where_changed(workload: Workload) -> str:
    if not workload.template_path:
        return "the pod"
    return f"the pod template (`{'.'.join(workload.template_path)}`)"


def counted(items: list[tuple[int, str, str]]) -> str:
    """``[(2, "store", "stores")]`` as "2 stores"; zero counts left out."""
    return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in items if n)
