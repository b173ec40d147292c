"""What the constructs are built from: frozen dataclasses derived from the settings.

``Config`` (config.py) derives them from ``Settings``; the constructs' props (and library users)
take them as they are: the settings were validated when they were loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class DataItem:
    """One Key Vault secret (``remote_key``) copied into one key (``secret_key``) of the Secret."""

    secret_key: str
    remote_key: str


@dataclass(frozen=True)
class Extract:
    """``dataFrom.extract``: each field of the Key Vault secret ``key`` (a JSON object) becomes
    a key of the Secret."""

    key: str


@dataclass(frozen=True)
class Find:
    """``dataFrom.find``: every Key Vault secret whose name matches ``name_regexp`` (Go RE2) and
    whose tags include all of ``tags`` becomes a key of the Secret, named after the secret."""

    name_regexp: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ExternalSecretSpec:
    name: str
    namespace: str
    store: str
    refresh_interval: str
    data: tuple[DataItem, ...]
    data_from: tuple[Extract | Find, ...] = ()


@dataclass(frozen=True)
class IdentitySpec:
    """An identity, its Key Vault role and the service accounts it trusts, in workload order.

    ``resource_id`` set: an existing identity (``name`` is then the one in its ID), else one to
    create.
    """

    key: str
    name: str
    key_vault_role: str
    federations: tuple[Federation, ...]
    resource_id: str | None = None


@dataclass(frozen=True)
class WorkloadSpec:
    """A service account annotated with ``identity``'s client ID; it may also use
    ``additional_identities`` (their client IDs are stack outputs). ``create_service_account``
    false: it exists, and is only annotated."""

    key: str
    service_account: str
    namespace: str
    identity: str
    additional_identities: tuple[str, ...] = ()
    create_service_account: bool = True


@dataclass(frozen=True)
class StoreSpec:
    """A ClusterSecretStore that authenticates as ``workload``'s service account."""

    name: str
    workload: str
    service_account: str
    namespace: str


WALKTHROUGH_KEY = "default"
