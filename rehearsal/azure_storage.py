"""Azure Storage for Terraform's ``azurerm`` backend, offline: the Entra ID and Blob stand-ins
behind a TLS-terminating proxy, and the environment that points Terraform at them.

The sign-in is the one a CI pipeline uses (``use_oidc``: a federated OIDC token exchanged for an
access token), since it needs nothing installed beside Terraform; the backend block needs only
``storage_account_name``, ``container_name``, ``key`` and ``use_azuread_auth = true``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rehearsal import throwaway_ca, tls_proxy
from rehearsal.blob_service import DOMAIN, BlobService
from rehearsal.blob_store import BlobStore
from rehearsal.entra_standin import HOST as ENTRA_HOST
from rehearsal.entra_standin import EntraStandIn


@dataclass(frozen=True)
class AzureStorage:
    """A running stand-in: its account's blobs and the variables Terraform's process needs."""

    account: str
    blobs: BlobStore
    entra: EntraStandIn
    env: dict[str, str]


@contextlib.contextmanager
def serving(directory: Path, account: str, containers: list[str]) -> Iterator[AzureStorage]:
    """Serves ``account`` with ``containers`` (blobs kept under ``directory``) while the block
    runs."""
    directory.mkdir(parents=True, exist_ok=True)
    blobs = BlobStore(directory / account)
    for container in containers:
        blobs.create_container(container)
    entra = EntraStandIn()
    service = BlobService(account, blobs, entra)
    certificate = throwaway_ca.issue(directory, [f"*.{DOMAIN}", ENTRA_HOST])
    with tls_proxy.serving({service.host: service, ENTRA_HOST: entra}, certificate) as proxy:
        yield AzureStorage(
            account=account,
            blobs=blobs,
            entra=entra,
            env={
                "HTTPS_PROXY": proxy,
                "https_proxy": proxy,
                # Go would bypass the proxy for a host listed here.
                "NO_PROXY": "",
                "no_proxy": "",
                "SSL_CERT_FILE": str(certificate.ca_file),
                "ARM_USE_OIDC": "true",
                "ARM_OIDC_TOKEN": entra.pipeline_token,
                "ARM_TENANT_ID": entra.tenant_id,
                "ARM_CLIENT_ID": entra.client_id,
                # No `az` fallback: a refused OIDC exchange must fail, as in a pipeline.
                "ARM_USE_CLI": "false",
            },
        )
