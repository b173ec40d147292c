"""A federated identity credential: an identity trusts one Kubernetes service account."""

from __future__ import annotations

from dataclasses import dataclass

from aks_workload_identity import rules


def credential_name(namespace: str, service_account: str, chosen: str | None) -> str:
    """The federated credential's name: ``chosen``, else ``<namespace>-<service account>``."""
    if chosen:
        return chosen
    derived = f"{namespace}-{service_account}".replace(".", "-")
    return derived[: rules.FEDERATED_CREDENTIAL_NAME.max_length]


@dataclass(frozen=True)
class Federation:
    """One federated identity credential: an identity trusts one service account."""

    name: str
    namespace: str
    service_account: str

    @property
    def subject(self) -> str:
        return f"system:serviceaccount:{self.namespace}:{self.service_account}"
