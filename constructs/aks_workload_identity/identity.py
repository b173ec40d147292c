"""A user-assigned managed identity federated with Kubernetes service accounts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from constructs import Construct

from aks_workload_identity import rules
from aks_workload_identity.cdk import ITerraformDependable
from aks_workload_identity.providers import (
    FederatedIdentityCredential,
    Sleep,
    UserAssignedIdentity,
    federated_identity_credential,
)
from aks_workload_identity.settings import MAX_FEDERATED_CREDENTIALS
from aks_workload_identity.specs import Federation

TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"


@dataclass(frozen=True)
class WorkloadIdentityProps:
    """What the identity is called, where it lives and which service accounts it trusts.

    ``federations``: one federated credential each (1 to 20: Azure's limit per identity), names
    unique, each service account once. ``oidc_issuer_url``: the cluster's issuer, e.g. an
    ``azurerm_kubernetes_cluster``'s ``oidc_issuer_url``. ``tags``: default none.
    ``propagation_wait``: how long to wait after the last credential is written; Entra caches
    federated credentials, and a token exchange right after creation fails with AADSTS70021.
    Default ``"60s"``.
    """

    name: str
    resource_group_name: str
    location: str
    oidc_issuer_url: str
    federations: Sequence[Federation]
    tags: Mapping[str, str] = field(default_factory=dict)
    propagation_wait: str = "60s"

    def __post_init__(self) -> None:
        where = f"identity {self.name!r}"
        if not rules.MANAGED_IDENTITY_NAME.allows(self.name):
            raise ValueError(f"{where}: {rules.MANAGED_IDENTITY_NAME.message}")
        if not self.federations:
            raise ValueError(f"{where}: at least one federation is required")
        if len(self.federations) > MAX_FEDERATED_CREDENTIALS:
            raise ValueError(
                f"{where}: {len(self.federations)} federated credentials, Azure allows at most "
                f"{MAX_FEDERATED_CREDENTIALS} per identity; split the service accounts across "
                "identities"
            )
        for federation in self.federations:
            if not rules.FEDERATED_CREDENTIAL_NAME.allows(federation.name):
                raise ValueError(
                    f"{where}: federated credential {federation.name!r}: "
                    f"{rules.FEDERATED_CREDENTIAL_NAME.message}"
                )
        names = [f.name for f in self.federations]
        if len(set(names)) != len(names):
            raise ValueError(f"{where}: federated credential names must be unique")
        subjects = [f.subject for f in self.federations]
        if len(set(subjects)) != len(subjects):
            raise ValueError(
                f"{where}: each service account can be federated once "
                "(Azure rejects a second credential with the same issuer and subject)"
            )
        rules.require(where, "propagation_wait", self.propagation_wait, rules.GO_DURATION)


class WorkloadIdentity(Construct):
    """Creates ``identity``, one ``credentials`` entry per federation, and ``propagated``;
    ``client_id`` and ``principal_id`` are the identity's (for annotations and role assignments).

    Credentials on one identity are chained with ``depends_on``: Azure rejects concurrent
    writes with HTTP 409 ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity.
    """

    def __init__(self, scope: Construct, id_: str, props: WorkloadIdentityProps) -> None:
        super().__init__(scope, id_)
        self.props = props
        self.identity = UserAssignedIdentity(
            self,
            "identity",
            name=props.name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            tags=dict(props.tags) or None,
        )
        self.client_id: str = self.identity.client_id
        self.principal_id: str = self.identity.principal_id
        self.credentials: list[FederatedIdentityCredential] = []
        previous: list[ITerraformDependable] = []
        for federation in props.federations:
            credential = federated_identity_credential(
                self,
                f"credential-{federation.name}",
                name=federation.name,
                identity=self.identity,
                resource_group_name=props.resource_group_name,
                issuer=props.oidc_issuer_url,
                subject=federation.subject,
                audience=[TOKEN_EXCHANGE_AUDIENCE],
                depends_on=previous or None,
            )
            self.credentials.append(credential)
            previous = [credential]
        self.propagated = Sleep(
            self,
            "credential-propagation",
            create_duration=props.propagation_wait,
            triggers={
                f.name: c.id for f, c in zip(props.federations, self.credentials, strict=True)
            },
        )
