"""A user-assigned managed identity federated with Kubernetes service accounts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cdktf import ITerraformDependable

from aks_workload_identity.config import Federation
from aks_workload_identity.providers import FederatedIdentityCredential, Sleep, UserAssignedIdentity
from constructs import Construct

TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
MAX_FEDERATED_CREDENTIALS = 20


@dataclass(frozen=True)
class WorkloadIdentityProps:
    """What the identity is called, where it lives and which service accounts it trusts.

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
        if not self.federations:
            raise ValueError(f"identity {self.name!r}: at least one federation is required")
        if len(self.federations) > MAX_FEDERATED_CREDENTIALS:
            raise ValueError(
                f"identity {self.name!r}: {len(self.federations)} federated credentials, "
                f"Azure allows at most {MAX_FEDERATED_CREDENTIALS} per identity"
            )
        names = [f.name for f in self.federations]
        if len(set(names)) != len(names):
            raise ValueError(f"identity {self.name!r}: federated credential names must be unique")


class WorkloadIdentity(Construct):
    """Creates ``identity``, one ``credentials`` entry per federation, and ``propagated``.

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
        self.credentials: list[FederatedIdentityCredential] = []
        previous: list[ITerraformDependable] = []
        for federation in props.federations:
            credential = FederatedIdentityCredential(
                self,
                f"credential-{federation.name}",
                name=federation.name,
                resource_group_name=props.resource_group_name,
                parent_id=self.identity.id,
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
