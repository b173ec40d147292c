"""The settings' rules across keys and sections, run by ``Settings`` in this order.

``AS_WRITTEN`` judge the values as written, so their problems come with any other; the rest
(``AFTER_VALIDATION``) judge the validated settings and report the first problem found.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from pydantic_core import InitErrorDetails, PydanticCustomError

from aks_workload_identity import (
    azure_limits,
    brought_resources,
    cluster_settings,
    eso_chart,
    invariants,
    namespace_ownership,
)
from aks_workload_identity.federation import credential_name
from aks_workload_identity.store_checks import store_kinds_are_deployable

if TYPE_CHECKING:
    from aks_workload_identity.settings import Settings

SINGLE_EXTERNAL_SECRET_KEYS = (
    "external_secret_name",
    "external_secret_namespace",
    "external_secret_key",
)
FLAT_KEYS_REPLACED_BY = {
    "identities": ("identity_name", "identity_key_vault_role", "federated_credential_name"),
    "workloads": ("service_account_name", "service_account_namespace", "federated_credential_name"),
    "cluster_secret_stores": ("cluster_secret_store_name",),
}


def _listing(keys: Iterable[str]) -> str:
    return ", ".join(repr(k) for k in keys) or "none declared"


def external_secrets_replace_single_keys(
    data: dict[str, Any], defaults: dict[str, Any]
) -> list[InitErrorDetails]:
    if data.get("external_secrets") is None:
        return []
    error = PydanticCustomError(
        "conflict",
        "external_secrets replaces this key: set one or the other, not both",
        {"suggestion": "move it into external_secrets"},
    )
    return [
        InitErrorDetails(type=error, loc=(k,), input=data[k])
        for k in SINGLE_EXTERNAL_SECRET_KEYS
        if k in data
    ]


def missing_aks_keys(data: dict[str, Any], defaults: dict[str, Any]) -> list[InitErrorDetails]:
    """Without oidc_issuer_url the AKS cluster is looked up, so both AKS keys are required."""
    if data.get(cluster_settings.CLUSTERS_KEY) is not None:
        return []  # each entry of clusters says which cluster it is
    error = PydanticCustomError(
        "missing",
        "required key is missing",
        {"suggestion": "for a cluster that is not AKS, set oidc_issuer_url instead"},
    )
    return [
        InitErrorDetails(type=error, loc=(k,), input=None)
        for k in invariants.aks_keys_missing(data)
    ]


def service_accounts_the_eso_chart_creates(
    data: dict[str, Any], defaults: dict[str, Any]
) -> list[InitErrorDetails]:
    if not brought_resources.eso_is_installed(data):
        return []  # where an existing ESO runs is not configured
    eso = data.get("eso_namespace", defaults["eso_namespace"])
    flat = data.get("service_account_namespace", defaults["service_account_namespace"])
    accounts = {("service_account_name",): (data.get("service_account_name"), flat)}
    workloads = data.get("workloads")
    for key, w in (workloads if isinstance(workloads, dict) else {}).items():
        if isinstance(w, dict):
            where = ("workloads", key, "service_account")
            accounts[where] = (w.get("service_account"), w.get("namespace"))
    rule, hint = eso_chart.service_account_taken(eso)
    error = PydanticCustomError("rule", rule, {"suggestion": hint})
    return [
        InitErrorDetails(type=error, loc=loc, input=name)
        for loc, (name, namespace) in accounts.items()
        if namespace == eso and name in eso_chart.SERVICE_ACCOUNTS
    ]


def cluster_is_aks_or_has_an_issuer_url(settings: Settings) -> None:
    if settings.oidc_issuer_url is None:
        return  # the AKS keys are then required: see missing_aks_keys
    unused = invariants.aks_keys_unused(vars(settings))
    if unused:
        raise ValueError(
            f"oidc_issuer_url is set, so no AKS cluster is looked up and {', '.join(unused)} "
            "would be ignored: remove it (or remove oidc_issuer_url to use the AKS cluster)"
        )
    missing = [k for k in ("resource_group_name", "location") if getattr(settings, k) is None]
    if missing:
        raise ValueError(
            f"oidc_issuer_url is set (a cluster that is not AKS), so {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} required: where the identity and the "
            "Key Vault are created"
        )
    if settings.kubernetes_auth != "kubeconfig":
        raise ValueError(
            f'kubernetes_auth = "{settings.kubernetes_auth}" reads the AKS cluster, but '
            "oidc_issuer_url is set (a cluster that is not AKS): "
            'use kubernetes_auth = "kubeconfig"'
        )


def no_key_without_effect(settings: Settings) -> None:
    """A key that only one mode reads is an error in any other mode, not silently ignored."""
    # With clusters, the cluster keys at the top are refused as written (and judged per entry).
    replaced = cluster_settings.CLUSTER_KEYS if settings.clusters is not None else ()
    for key, (switch, value) in invariants.ONLY_USED_WITH.items():
        if key in replaced:
            continue
        if key in settings.model_fields_set and getattr(settings, switch) != value:
            shown = json.dumps(value)
            raise ValueError(
                f"{key} is only used with {switch} = {shown}: "
                f"set {switch} = {shown} or remove {key}"
            )


def one_way_to_declare_mappings(settings: Settings) -> None:
    for mapping, flat_keys in FLAT_KEYS_REPLACED_BY.items():
        both = [k for k in flat_keys if k in settings.model_fields_set]
        if getattr(settings, mapping) is not None and both:
            raise ValueError(
                f"{mapping} replaces {', '.join(both)}: set one or the other, not both"
            )
    declared = [m for m in FLAT_KEYS_REPLACED_BY if getattr(settings, m) is not None]
    if declared and len(declared) < len(FLAT_KEYS_REPLACED_BY):
        missing = [m for m in FLAT_KEYS_REPLACED_BY if m not in declared]
        raise ValueError(
            f"{', '.join(declared)} set without {', '.join(missing)}: identities, workloads "
            "and cluster_secret_stores are declared together (workloads name identities, "
            "stores name workloads)"
        )


def mappings_refer_to_declared_keys(settings: Settings) -> None:
    if (
        settings.identities is None
        or settings.workloads is None
        or settings.cluster_secret_stores is None
    ):
        return
    for key, workload in settings.workloads.items():
        for identity in [workload.identity, *workload.additional_identities]:
            if identity not in settings.identities:
                where = "identity" if identity == workload.identity else "additional_identities"
                raise ValueError(
                    f"workloads.{key}.{where}: {identity!r} is not a key of identities "
                    f"(valid: {_listing(settings.identities)})"
                )
    for name, store in settings.cluster_secret_stores.items():
        if store.workload not in settings.workloads:
            raise ValueError(
                f"cluster_secret_stores.{name}.workload: {store.workload!r} is not a key of "
                f"workloads (valid: {_listing(settings.workloads)})"
            )


def mappings_are_deployable(settings: Settings) -> None:
    if settings.identities is None or settings.workloads is None:
        return
    names = [i.name for i in settings.identities.values() if i.name is not None]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(
            f"identities: name {twice} is used by more than one identity; "
            "managed identity names are unique within the resource group"
        )
    # Azure compares IDs case-insensitively; two entries would write credentials on one
    # identity concurrently (HTTP 409) and count its 20 separately.
    ids = [i.resource_id.lower() for i in settings.identities.values() if i.resource_id]
    twice = sorted({n for n in ids if ids.count(n) > 1})
    if twice:
        raise ValueError(
            f"identities: resource_id {twice} is used by more than one identity; "
            "name each existing identity once (several workloads can share it)"
        )
    accounts: dict[tuple[str, str], str] = {}
    for key, workload in settings.workloads.items():
        account = (workload.namespace, workload.service_account)
        if account in accounts:
            raise ValueError(
                f"workloads {accounts[account]} and {key} are both service account "
                f"{account[0]}/{account[1]}; list each service account once (one workload "
                "can use several identities through additional_identities)"
            )
        accounts[account] = key
    for key, identity in settings.identities.items():
        users = {
            w: credential_name(s.namespace, s.service_account, s.federated_credential_name)
            for w, s in settings.workloads.items()
            if key in (s.identity, *s.additional_identities)
        }
        if not users:
            raise ValueError(
                f"identities.{key} is used by no workload: name it in a workload's identity "
                "or additional_identities, or remove it"
            )
        too_many = cluster_settings.too_many_credentials(
            f"identities.{key} ({identity.azure_name})",
            len(users),
            cluster_settings.cluster_count(settings),
        )
        if too_many:
            raise ValueError(too_many)
        credentials = list(users.values())
        for name in {n for n in credentials if credentials.count(n) > 1}:
            clashing = sorted(w for w, n in users.items() if n == name)
            raise ValueError(
                f"workloads {', '.join(clashing)} would get the same federated credential "
                f"name {name!r} on identities.{key}; set federated_credential_name on one"
            )


def external_secrets_use_declared_stores(settings: Settings) -> None:
    stores = (
        list(settings.cluster_secret_stores)
        if settings.cluster_secret_stores is not None
        else [settings.cluster_secret_store_name]
    )
    if settings.external_secrets is None:
        if len(stores) > 1:
            raise ValueError(
                f"with {len(stores)} cluster_secret_stores, declare external_secrets "
                "(each with its store) instead of external_secret_name/namespace/key"
            )
        if not stores:
            raise ValueError(
                "cluster_secret_stores is empty, but the walkthrough's ExternalSecret "
                "needs a store: declare a store, or external_secrets = []"
            )
        return
    for index, entry in enumerate(settings.external_secrets):
        where = f"external_secrets[{index}] ({entry.namespace}/{entry.name})"
        if entry.store is None and len(stores) != 1:
            raise ValueError(
                f"{where}: set store, one of {_listing(stores)}"
                if stores
                else f"{where}: there is no ClusterSecretStore to read through"
            )
        if entry.store is not None and entry.store not in stores:
            raise ValueError(
                f"{where}: store {entry.store!r} is not declared (valid: {_listing(stores)})"
            )


def key_vault_network_rules_consistent(settings: Settings) -> None:
    conflict = invariants.network_rules_conflict(
        settings.key_vault_public_network_access_enabled,
        settings.key_vault_allowed_ip_ranges,
        settings.key_vault_allowed_subnet_ids,
        prefix="key_vault_",
    )
    if conflict:
        raise ValueError(conflict)


AS_WRITTEN: tuple[Callable[[dict[str, Any], dict[str, Any]], list[InitErrorDetails]], ...] = (
    external_secrets_replace_single_keys,
    missing_aks_keys,
    service_accounts_the_eso_chart_creates,
    brought_resources.keys_of_what_is_brought,
    cluster_settings.clusters_replace_cluster_keys,
)
AFTER_VALIDATION: tuple[Callable[[Settings], None], ...] = (
    cluster_is_aks_or_has_an_issuer_url,
    no_key_without_effect,
    one_way_to_declare_mappings,
    mappings_refer_to_declared_keys,
    mappings_are_deployable,
    cluster_settings.walkthrough_identity_fits,
    cluster_settings.clusters_are_distinct,
    azure_limits.azure_names_differ_in_more_than_case,
    azure_limits.tags_fit_azure,
    namespace_ownership.namespaces_requested_consistently,
    external_secrets_use_declared_stores,
    store_kinds_are_deployable,
    key_vault_network_rules_consistent,
)
