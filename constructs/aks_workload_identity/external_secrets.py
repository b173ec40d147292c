"""External Secrets Operator: the Helm release, a ClusterSecretStore, ExternalSecrets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import yaml
from cdktf import ITerraformDependable

from aks_workload_identity.config import DataItem
from aks_workload_identity.providers import (
    Manifest,
    ManifestTimeouts,
    ManifestWait,
    ManifestWaitCondition,
    Release,
)
from constructs import Construct

API_VERSION = "external-secrets.io/v1"
CHART_REPOSITORY = "https://charts.external-secrets.io"
CHART_NAME = "external-secrets"


def _wait_until_ready(timeout: str) -> dict:
    return {
        "wait": ManifestWait(condition=[ManifestWaitCondition(type="Ready", status="True")]),
        "timeouts": ManifestTimeouts(create=timeout, update=timeout),
    }


@dataclass(frozen=True)
class ExternalSecretsOperatorProps:
    """The pinned chart ``version`` installed into ``namespace`` with its CRDs."""

    namespace: str
    version: str
    release_name: str = "external-secrets"
    timeout_seconds: int = 600


class ExternalSecretsOperator(Construct):
    """Creates ``release``: the ESO chart with CRDs, waiting until its pods are ready.

    ``atomic`` rolls a failed install back, so a failed deploy leaves no half-installed chart.
    Uninstalling the release deletes the CRDs and with them every store and ExternalSecret.
    ``depends_on``: what must be installed first (e.g. the workload identity webhook).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        props: ExternalSecretsOperatorProps,
        *,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        super().__init__(scope, id_)
        self.props = props
        self.release = Release(
            self,
            "release",
            name=props.release_name,
            repository=CHART_REPOSITORY,
            chart=CHART_NAME,
            version=props.version,
            namespace=props.namespace,
            create_namespace=False,
            values=[yaml.safe_dump({"installCRDs": True}, sort_keys=True)],
            wait=True,
            atomic=True,
            cleanup_on_fail=True,
            timeout=props.timeout_seconds,
            depends_on=list(depends_on) or None,
        )


@dataclass(frozen=True)
class ClusterSecretStoreProps:
    """An ``azurekv`` store that authenticates as ``service_account`` in ``namespace``.

    No ``tenantId`` here: the service account's annotation carries it (set once).
    """

    name: str
    vault_url: str
    service_account: str
    namespace: str
    ready_timeout: str = "5m"


class ClusterSecretStore(Construct):
    """Creates ``manifest``, and waits until ESO reports the store Ready (token exchange works)."""

    def __init__(self, scope: Construct, id_: str, props: ClusterSecretStoreProps) -> None:
        super().__init__(scope, id_)
        self.props = props
        self.manifest = Manifest(
            self,
            "manifest",
            manifest={
                "apiVersion": API_VERSION,
                "kind": "ClusterSecretStore",
                "metadata": {"name": props.name},
                "spec": {
                    "provider": {
                        "azurekv": {
                            "authType": "WorkloadIdentity",
                            "vaultUrl": props.vault_url,
                            "serviceAccountRef": {
                                "name": props.service_account,
                                "namespace": props.namespace,
                            },
                        }
                    }
                },
            },
            **_wait_until_ready(props.ready_timeout),
        )


@dataclass(frozen=True)
class ExternalSecretProps:
    """Sync ``data`` (Key Vault secret → Secret key) into a Secret named ``name``.

    The Secret is created and owned by the ExternalSecret, so deleting it deletes the Secret.
    """

    name: str
    namespace: str
    store: str
    refresh_interval: str
    data: Sequence[DataItem] = field(default_factory=tuple)
    ready_timeout: str = "10m"


class ExternalSecret(Construct):
    """Creates ``manifest``, and waits until the Secret has synced.

    Pass the store's manifest in ``depends_on`` when it is created in the same stack, so the
    ExternalSecret is created after it and deleted before it.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        props: ExternalSecretProps,
        *,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        super().__init__(scope, id_)
        self.props = props
        self.manifest = Manifest(
            self,
            "manifest",
            manifest={
                "apiVersion": API_VERSION,
                "kind": "ExternalSecret",
                "metadata": {"name": props.name, "namespace": props.namespace},
                "spec": {
                    "refreshInterval": props.refresh_interval,
                    "secretStoreRef": {"kind": "ClusterSecretStore", "name": props.store},
                    "target": {
                        "name": props.name,
                        "creationPolicy": "Owner",
                        "deletionPolicy": "Retain",
                    },
                    "data": [
                        {"secretKey": item.secret_key, "remoteRef": {"key": item.remote_key}}
                        for item in props.data
                    ],
                },
            },
            depends_on=list(depends_on) or None,
            **_wait_until_ready(props.ready_timeout),
        )
