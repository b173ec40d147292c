"""A federated identity credential: an identity trusts one Kubernetes service account."""

from __future__ import annotations

from dataclasses import dataclass

from aks_workload_identity import rules


def credential_name(
    namespace: str, service_account: str, chosen: str | None, cluster: str | None = None
) -> str:
    """The federated credential's name: ``chosen``, else ``<namespace>-<service account>``;
    for a ``cluster`` of several, that name (shortened to fit) and ``-<cluster>``."""
    name = chosen or f"{namespace}-{service_account}".replace(".", "-")
    limit = rules.FEDERATED_CREDENTIAL_NAME.max_length
    if cluster is None:
        return name[:limit]
    return f"{name[: limit - len(cluster) - 1]}-{cluster}"


@dataclass(frozen=True)
class Federation:
    """One federated identity credential: an identity trusts one service account, in the
    cluster ``cluster`` names (None: the identity's one cluster)."""

    name: str
    namespace: str
    service_account: str
    cluster: str | None = None

    @property
    def subject(self) -> str:
        return f"system:serviceaccount:{self.namespace}:{self.service_account}"
