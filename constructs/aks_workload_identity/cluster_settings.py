"""``clusters``: several clusters one deployment targets (blue/green during an AKS upgrade).

Each entry holds what the top-level cluster keys hold for the one-cluster form (which cluster,
its OIDC issuer, how Terraform reaches it); the two forms exclude each other. The identities and
the vault stay in Azure once, so with ``clusters`` their resource group and location are set,
not taken from a cluster that may be removed later. ``clusters_of`` makes the ``ClusterConfig``
of either form.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    StrictBool,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from aks_workload_identity import invariants, kubelogin, rules
from aks_workload_identity.config_model import ClusterConfig
from aks_workload_identity.invariants import MAX_FEDERATED_CREDENTIALS
from aks_workload_identity.settings_fields import Text, rule, validate_adding

if TYPE_CHECKING:
    from aks_workload_identity.settings import Settings

CLUSTERS_KEY = "clusters"
ClusterKey = Annotated[Text, rule(rules.CLUSTER_KEY)]
# Where the identities and the vault go: with clusters, never derived from one of them.
AZURE_HOME_KEYS = ("resource_group_name", "location")


class ClusterSettings(BaseModel):
    """One entry of ``clusters``: each key means what the top-level key of its name means
    (tests/config/test_clusters_config.py checks that they agree)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    aks_resource_group_name: Annotated[Text, rule(rules.RESOURCE_GROUP_NAME)] | None = None
    aks_cluster_name: Annotated[Text, rule(rules.AKS_CLUSTER_NAME)] | None = None
    oidc_issuer_url: Annotated[Text, rule(rules.HTTPS_URL)] | None = None
    kubernetes_auth: Annotated[
        Text, rule(rules.OneOf("kubernetes_auth", invariants.KUBERNETES_AUTH_MODES))
    ] = "kubeconfig"
    kubeconfig_path: Text = "~/.kube/config"
    kubeconfig_context: Text | None = None
    aks_admin_credentials: StrictBool = False
    kubelogin_login_mode: Annotated[
        Text, rule(kubelogin.NOT_INTERACTIVE), rule(kubelogin.LOGIN_MODE)
    ] = "azurecli"

    @model_validator(mode="wrap")
    @classmethod
    def _consistent_as_written(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """The top-level cluster keys' rules across keys, one problem per key, all at once."""
        found = []
        if isinstance(data, dict):
            defaults = {k: f.default for k, f in cls.model_fields.items()}
            found = _entry_problems(data, {**defaults, **data})
        return validate_adding(handler, data, found)


# The top-level keys an entry of clusters replaces: one fact, ClusterSettings' fields.
CLUSTER_KEYS = tuple(ClusterSettings.model_fields)


def _error(kind: str, message: str, key: str, value: Any, hint: str = "") -> InitErrorDetails:
    error = PydanticCustomError(kind, message, {"suggestion": hint} if hint else None)
    return InitErrorDetails(type=error, loc=(key,), input=value)


def _entry_problems(data: dict[str, Any], values: dict[str, Any]) -> list[InitErrorDetails]:
    found = [
        _error(
            "missing",
            "required key is missing",
            key,
            None,
            "for a cluster that is not AKS, set oidc_issuer_url instead",
        )
        for key in invariants.aks_keys_missing(data)
    ]
    found += [
        _error("conflict", "oidc_issuer_url is set, so no AKS cluster is looked up", key, data[key])
        for key in invariants.aks_keys_unused(data)
    ]
    if data.get("oidc_issuer_url") is not None and values["kubernetes_auth"] != "kubeconfig":
        found.append(
            _error(
                "conflict",
                "reads the AKS cluster, but oidc_issuer_url is set (a cluster that is not AKS)",
                "kubernetes_auth",
                data.get("kubernetes_auth"),
                'use kubernetes_auth = "kubeconfig"',
            )
        )
    for key, (switch, wanted) in invariants.ONLY_USED_WITH.items():
        if key in data and switch in values and values[switch] != wanted:
            shown = json.dumps(wanted)
            found.append(
                _error(
                    "conflict",
                    f"only used with {switch} = {shown}",
                    key,
                    data[key],
                    f"set {switch} = {shown} or remove {key}",
                )
            )
    return found


def clusters_replace_cluster_keys(
    data: dict[str, Any], defaults: dict[str, Any]
) -> list[InitErrorDetails]:
    """With ``clusters``, the top-level cluster keys are an error, and the Azure home is set."""
    if data.get(CLUSTERS_KEY) is None:
        return []
    found = [
        _error(
            "conflict",
            "clusters replaces this key: set it in each entry of clusters, not both",
            key,
            data[key],
        )
        for key in CLUSTER_KEYS
        if key in data
    ]
    found += [
        _error(
            "missing",
            "required key is missing",
            key,
            None,
            "with clusters, where the identities and the Key Vault are created: "
            "they must not move when a cluster is removed",
        )
        for key in AZURE_HOME_KEYS
        if data.get(key) is None
    ]
    return found


def cluster_count(settings: Settings) -> int:
    return len(settings.clusters) if settings.clusters is not None else 1


def too_many_credentials(identity: str, workloads: int, clusters: int) -> str | None:
    """Why ``identity`` cannot trust ``workloads`` service accounts in each of ``clusters``
    clusters (one federated credential each), or None when it can."""
    count = workloads * clusters
    if count <= MAX_FEDERATED_CREDENTIALS:
        return None
    if clusters == 1:
        return (
            f"{identity} is used by {workloads} workloads: Azure allows at most "
            f"{MAX_FEDERATED_CREDENTIALS} federated credentials per identity; split the "
            "workloads across more identities"
        )
    return (
        f"{identity} needs {count} federated credentials ({workloads} workload(s) in each of "
        f"{clusters} clusters): Azure allows at most {MAX_FEDERATED_CREDENTIALS} per identity; "
        "split the workloads across more identities, or deploy fewer clusters at once"
    )


def walkthrough_identity_fits(settings: Settings) -> None:
    """The walkthrough's one identity gets one credential per cluster (the maps: see
    ``cross_checks.mappings_are_deployable``)."""
    if settings.identities is None:
        problem = too_many_credentials(
            f"identity_name ({settings.identity_name})", 1, cluster_count(settings)
        )
        if problem:
            raise ValueError(problem)


def clusters_are_distinct(settings: Settings) -> None:
    """Two entries for one cluster would federate each service account twice with one issuer
    (Azure refuses the second credential) and install everything in it twice."""
    seen: dict[str, str] = {}
    reached: dict[tuple[str, str | None], str] = {}
    for key, entry in (settings.clusters or {}).items():
        cluster = (
            f"issuer {entry.oidc_issuer_url.rstrip('/')}"
            if entry.oidc_issuer_url
            else f"AKS cluster {entry.aks_resource_group_name}/{entry.aks_cluster_name}".lower()
        )
        if cluster in seen:
            raise ValueError(
                f"clusters {seen[cluster]} and {key} are the same cluster ({cluster}): "
                "list each cluster once"
            )
        seen[cluster] = key
        if entry.kubernetes_auth == "kubeconfig":
            access = (entry.kubeconfig_path, entry.kubeconfig_context)
            if access in reached:
                context = entry.kubeconfig_context or "the current context"
                raise ValueError(
                    f"clusters {reached[access]} and {key} are both reached through "
                    f"{entry.kubeconfig_path}, {context}: set each one's kubeconfig_context "
                    "(or kubeconfig_path)"
                )
            reached[access] = key


def clusters_of(settings: Settings) -> tuple[ClusterConfig, ...]:
    """Each entry of ``clusters`` in the file's order, or the top-level keys' one cluster."""
    if settings.clusters is None:
        return (ClusterConfig(key=None, **{k: getattr(settings, k) for k in CLUSTER_KEYS}),)
    return tuple(
        ClusterConfig(key=key, **entry.model_dump()) for key, entry in settings.clusters.items()
    )
