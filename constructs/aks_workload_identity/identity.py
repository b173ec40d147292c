"""A user-assigned managed identity, created or existing, federated with Kubernetes service
accounts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from constructs import Construct

from aks_workload_identity import identity_ids, rules
from aks_workload_identity.cdk import Fn, ITerraformDependable
from aks_workload_identity.federation import Federation
from aks_workload_identity.invariants import MAX_FEDERATED_CREDENTIALS, repeats
from aks_workload_identity.providers import (
    DataAzurermUserAssignedIdentity,
    FederatedIdentityCredential,
    Sleep,
    UserAssignedIdentity,
    federated_identity_credential,
)

TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
_CREATE_ONLY = ("name", "resource_group_name", "location")


@dataclass(frozen=True, kw_only=True)
class WorkloadIdentityProps:
    """Which identity, and which service accounts it trusts.

    The identity is either created or brought, never both (like the ``existingXObj`` / ``xProps``
    pairs of aws-solutions-constructs):

    - create it: ``name``, ``resource_group_name`` and ``location``; ``tags``, default none;
    - bring it: ``existing_identity_id``, the resource ID of an existing user-assigned identity
      (a reference is accepted too). Its resource group and name are taken from the ID, its client
      and principal ID are read by a data source; only the credentials are added, so destroy
      removes them and leaves the identity, its client ID and its role assignments as they were.
      It must be in the azurerm provider's subscription (the credential is written there).

    ``federations``: one federated credential each (1 to 20: Azure's limit per identity, which
    counts an existing identity's own credentials too), names unique, each service account once.
    ``oidc_issuer_url``: the cluster's issuer, e.g. an ``azurerm_kubernetes_cluster``'s
    ``oidc_issuer_url``, for the federations that name no cluster; ``cluster_issuer_urls``: for
    several clusters, each one's issuer by the key a federation's ``cluster`` names (each
    service account then once per cluster). ``propagation_wait``: how long to wait after the last
    credential is written; Entra caches federated credentials, and a token exchange right after
    creation fails with AADSTS70021. Default ``"60s"``.
    """

    federations: Sequence[Federation]
    oidc_issuer_url: str | None = None
    cluster_issuer_urls: Mapping[str, str] = field(default_factory=dict)
    name: str | None = None
    resource_group_name: str | None = None
    location: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    existing_identity_id: str | None = None
    propagation_wait: str = "60s"

    def __post_init__(self) -> None:
        if self.existing_identity_id is None:
            problems = rules.PropsProblems(f"identity {self.name!r}")
            missing = [f for f in _CREATE_ONLY if getattr(self, f) is None]
            if missing:
                problems.add(
                    f"{', '.join(missing)} required to create an identity "
                    "(or existing_identity_id to use an existing one)"
                )
            if self.name is not None and not rules.MANAGED_IDENTITY_NAME.allows(self.name):
                problems.add(rules.MANAGED_IDENTITY_NAME.message)
        else:
            problems = rules.PropsProblems(f"identity {self.existing_identity_id!r}")
            given = [f for f in _CREATE_ONLY if getattr(self, f) is not None]
            given += ["tags"] if self.tags else []
            if given:
                problems.add(
                    f"existing_identity_id excludes {', '.join(given)}: an existing "
                    "identity is used as it is (give existing_identity_id, or name, "
                    "resource_group_name and location to create one)"
                )
            problems.require(
                "existing_identity_id", self.existing_identity_id, rules.USER_ASSIGNED_IDENTITY_ID
            )
        if not self.federations:
            problems.add("at least one federation is required")
        if len(self.federations) > MAX_FEDERATED_CREDENTIALS:
            problems.add(
                f"{len(self.federations)} federated credentials, Azure allows at most "
                f"{MAX_FEDERATED_CREDENTIALS} per identity; split the service accounts across "
                "identities"
            )
        for federation in self.federations:
            if not rules.FEDERATED_CREDENTIAL_NAME.allows(federation.name):
                problems.add(
                    f"federated credential {federation.name!r}: "
                    f"{rules.FEDERATED_CREDENTIAL_NAME.message}"
                )
        if repeats([f.name for f in self.federations]):
            problems.add("federated credential names must be unique")
        if repeats([(f.cluster, f.subject) for f in self.federations]):
            problems.add(
                "each service account can be federated once "
                "(Azure rejects a second credential with the same issuer and subject)"
            )
        clusters = {f.cluster for f in self.federations}
        if None in clusters and self.oidc_issuer_url is None:
            problems.add("oidc_issuer_url is required for a federation that names no cluster")
        unknown = sorted(c for c in clusters - {None} if c not in self.cluster_issuer_urls)
        if unknown:
            problems.add(f"cluster_issuer_urls has no issuer for cluster(s) {unknown}")
        problems.require("propagation_wait", self.propagation_wait, rules.GO_DURATION)
        problems.raise_any()


def _existing_identity_parts(resource_id: str) -> tuple[str, str, str]:
    """The ID as the credential's ``parent_id``, its resource group and its name.

    A literal is read here (and spelled as azurerm writes it); a reference, known only at apply
    time, is split by Terraform at the same positions.
    """
    if not rules.unresolved(resource_id):
        parts = identity_ids.identity_id_parts(resource_id)
        return (
            identity_ids.canonical_identity_id(resource_id),
            parts.resource_group_name,
            parts.name,
        )
    segments = Fn.split("/", resource_id)
    return (
        resource_id,
        Fn.element(segments, identity_ids.IDENTITY_ID_RESOURCE_GROUP_SEGMENT),
        Fn.element(segments, identity_ids.IDENTITY_ID_NAME_SEGMENT),
    )


class WorkloadIdentity(Construct):
    """Creates ``identity`` (or reads ``existing_identity``), one ``credentials`` entry per
    federation, and ``propagated`` (the wait after the credentials; with several clusters
    ``propagated_in[cluster]``, one per cluster, and ``propagated`` None). Either way
    ``identity_id``, ``client_id`` and ``principal_id`` are the identity's (for annotations and
    role assignments); of ``identity`` and ``existing_identity`` the other one is None.

    Credentials on one identity are chained with ``depends_on``: Azure rejects concurrent
    writes with HTTP 409 ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity.
    """

    def __init__(self, scope: Construct, id_: str, props: WorkloadIdentityProps) -> None:
        super().__init__(scope, id_)
        self.props = props
        self.identity: UserAssignedIdentity | None = None
        self.existing_identity: DataAzurermUserAssignedIdentity | None = None
        if props.existing_identity_id is None:
            self.identity = UserAssignedIdentity(
                self,
                "identity",
                name=props.name,
                resource_group_name=props.resource_group_name,
                location=props.location,
                tags=dict(props.tags) or None,
            )
            self.identity_id: str = self.identity.id
            resource_group_name = props.resource_group_name
            self.client_id: str = self.identity.client_id
            self.principal_id: str = self.identity.principal_id
        else:
            self.identity_id, resource_group_name, name = _existing_identity_parts(
                props.existing_identity_id
            )
            self.existing_identity = DataAzurermUserAssignedIdentity(
                self, "existing-identity", name=name, resource_group_name=resource_group_name
            )
            self.client_id = self.existing_identity.client_id
            self.principal_id = self.existing_identity.principal_id
        self.credentials: list[FederatedIdentityCredential] = []
        previous: list[ITerraformDependable] = []
        for federation in props.federations:
            credential = federated_identity_credential(
                self,
                f"credential-{federation.name}",
                name=federation.name,
                identity_id=self.identity_id,
                resource_group_name=resource_group_name,
                issuer=props.cluster_issuer_urls[federation.cluster]
                if federation.cluster
                else props.oidc_issuer_url,
                subject=federation.subject,
                audience=[TOKEN_EXCHANGE_AUDIENCE],
                depends_on=previous or None,
            )
            self.credentials.append(credential)
            previous = [credential]
        # One wait per cluster: a cluster added or removed leaves the others' waits as they are.
        by_cluster: dict[str | None, dict[str, str]] = {}
        for federation, credential in zip(props.federations, self.credentials, strict=True):
            by_cluster.setdefault(federation.cluster, {})[federation.name] = credential.id
        self.propagated_in = {
            cluster: Sleep(
                self,
                "credential-propagation" + (f"-{cluster}" if cluster else ""),
                create_duration=props.propagation_wait,
                triggers=triggers,
            )
            for cluster, triggers in by_cluster.items()
        }
        self.propagated = self.propagated_in.get(None)
