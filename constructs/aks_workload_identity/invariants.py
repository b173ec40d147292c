"""Rules across several values that both the configuration (``settings.py``) and the construct
Props enforce, written once here; each layer words its own message around them."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

# Azure's limit of federated credentials on one identity (its own ones count too).
MAX_FEDERATED_CREDENTIALS = 20
KUBERNETES_AUTH_MODES = ("kubeconfig", "aks_credentials", "kubelogin")
# The random letters and digits that make a vault's name globally unique.
KEY_VAULT_SUFFIX_LENGTH = 5
# Without an issuer URL, the AKS cluster these name is looked up for it.
AKS_KEYS = ("aks_resource_group_name", "aks_cluster_name")
# A key that only one mode reads: (the key that sets the mode, the value it must have).
ONLY_USED_WITH: Mapping[str, tuple[str, object]] = {
    "kubeconfig_path": ("kubernetes_auth", "kubeconfig"),
    "kubeconfig_context": ("kubernetes_auth", "kubeconfig"),
    "aks_admin_credentials": ("kubernetes_auth", "aks_credentials"),
    "kubelogin_login_mode": ("kubernetes_auth", "kubelogin"),
    "key_vault_purge_on_destroy_enabled": ("key_vault_purge_protection_enabled", False),
    "workload_identity_webhook_chart_version": ("install_workload_identity_webhook", True),
    "workload_identity_webhook_namespace": ("install_workload_identity_webhook", True),
}
NOTHING_TO_SYNC = "needs data, data_from or both"
NOTHING_TO_FIND = "needs name_regexp, tags or both"


def aks_keys_missing(values: Mapping[str, object]) -> list[str]:
    """The AKS keys not given, when there is no issuer URL (so the cluster must be looked up)."""
    if values.get("oidc_issuer_url") is not None:
        return []
    return [key for key in AKS_KEYS if values.get(key) is None]


def aks_keys_unused(values: Mapping[str, object]) -> list[str]:
    """The AKS keys given beside an issuer URL: no cluster is looked up, so they do nothing."""
    if values.get("oidc_issuer_url") is None:
        return []
    return [key for key in AKS_KEYS if values.get(key) is not None]


def nothing_to_sync(data: Sequence[object], data_from: Sequence[object]) -> bool:
    return not data and not data_from


def nothing_to_find(name_regexp: str | None, tags: Mapping[str, str] | None) -> bool:
    return name_regexp is None and not tags


def repeats(items: Sequence[Hashable | None]) -> dict[int, int]:
    """Each index whose item (None: not compared) came before, with the index where it did."""
    first: dict[Hashable, int] = {}
    found = {}
    for index, item in enumerate(items):
        if item is None:
            continue
        seen = first.setdefault(item, index)
        if seen != index:
            found[index] = seen
    return found


def network_rules_conflict(
    public_network_access_enabled: bool,
    allowed_ip_ranges: Sequence[str],
    allowed_subnet_ids: Sequence[str],
    prefix: str = "",
) -> str | None:
    """Why these network settings contradict each other, or None when they do not."""
    if public_network_access_enabled or not (allowed_ip_ranges or allowed_subnet_ids):
        return None
    return (
        f"{prefix}allowed_ip_ranges and {prefix}allowed_subnet_ids take effect only while "
        f"{prefix}public_network_access_enabled = true (with public access off, only private "
        "endpoints reach the vault): remove them or turn public network access on"
    )
