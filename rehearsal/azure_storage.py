"""Azure Storage for Terraform's ``azurerm`` backend, offline: the Entra ID and Blob stand-ins
behind a TLS-terminating proxy, and the environment that points Terraform at them.

Two sign-ins, each the one its setting really uses: a CI pipeline's federated identity
(``use_oidc``: an OIDC token exchanged for an access token; nothing installed beside Terraform)
and a person's ``az login`` on a workstation (``use_cli``: the stand-in ``az``). The backend
block needs only ``storage_account_name``, ``container_name``, ``key`` and
``use_azuread_auth = true``.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rehearsal import az_standin, throwaway_ca, tls_proxy
from rehearsal.blob_service import DOMAIN, BlobService
from rehearsal.blob_store import BlobStore
from rehearsal.entra_standin import HOST as ENTRA_HOST
from rehearsal.entra_standin import EntraStandIn


@dataclass(frozen=True)
class AzureStorage:
    """A running stand-in: its account's blobs and, per sign-in, the variables Terraform's
    process needs."""

    account: str
    blobs: BlobStore
    entra: EntraStandIn
    pipeline_env: dict[str, str]
    workstation_env: dict[str, str]


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
    signed_in = az_standin.install(
        directory,
        login_host=ENTRA_HOST,
        tenant_id=entra.tenant_id,
        user_name=entra.user_name,
        refresh_token=entra.user_refresh_token,
        subscription_id=str(uuid.uuid4()),
    )
    with tls_proxy.serving({service.host: service, ENTRA_HOST: entra}, certificate) as proxy:
        network = {
            "HTTPS_PROXY": proxy,
            "https_proxy": proxy,
            # Go would bypass the proxy for a host listed here.
            "NO_PROXY": "",
            "no_proxy": "",
            "SSL_CERT_FILE": str(certificate.ca_file),
        }
        yield AzureStorage(
            account=account,
            blobs=blobs,
            entra=entra,
            pipeline_env={
                **network,
                "ARM_USE_OIDC": "true",
                "ARM_OIDC_TOKEN": entra.pipeline_token,
                "ARM_TENANT_ID": entra.tenant_id,
                "ARM_CLIENT_ID": entra.client_id,
                # No `az` fallback: a refused OIDC exchange must fail, as in a pipeline.
                "ARM_USE_CLI": "false",
            },
            workstation_env={**network, **signed_in, "ARM_USE_CLI": "true"},
        )
