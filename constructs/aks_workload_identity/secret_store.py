"""A namespaced SecretStore: ESO's ``azurekv`` provider, as a service account of its namespace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from constructs import Construct

from aks_workload_identity import rules, waits
from aks_workload_identity.cdk import ITerraformDependable
from aks_workload_identity.external_secrets import ready_manifest, workload_identity_provider


@dataclass(frozen=True)
class SecretStoreProps:
    """A store in ``namespace`` that authenticates as ``service_account`` of that namespace.

    Only ExternalSecrets of ``namespace`` can use it, and ESO refuses a ``serviceAccountRef`` in
    another namespace (``ValidateReferentServiceAccountSelector``), so the service account, its
    annotation and its federated credential must exist in this namespace. ``vault_url`` and
    ``ready_timeout`` as in ``ClusterSecretStoreProps``.
    """

    name: str
    namespace: str
    vault_url: str
    service_account: str
    ready_timeout: str = waits.READY_TIMEOUT

    def __post_init__(self) -> None:
        problems = rules.PropsProblems(f"SecretStore {self.namespace}/{self.name}")
        problems.require("name", self.name, rules.DNS1123_SUBDOMAIN)
        problems.require("namespace", self.namespace, rules.DNS1123_LABEL)
        problems.require("service_account", self.service_account, rules.DNS1123_SUBDOMAIN)
        problems.require("vault_url", self.vault_url, rules.HTTPS_URL)
        problems.require("ready_timeout", self.ready_timeout, rules.GO_DURATION)
        problems.raise_any()


class SecretStore(Construct):
    """Creates ``manifest``, and waits until ESO reports the store Ready (token exchange works).

    Pass the service account in ``depends_on`` when it is created in the same stack.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        props: SecretStoreProps,
        *,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        super().__init__(scope, id_)
        self.props = props
        azurekv = workload_identity_provider(props.vault_url, props.service_account)
        self.manifest = ready_manifest(
            self,
            "SecretStore",
            {"name": props.name, "namespace": props.namespace},
            {"provider": {"azurekv": azurekv}},
            props.ready_timeout,
            depends_on,
        )
