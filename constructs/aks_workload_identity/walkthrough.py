"""The walkthrough's flat keys as the maps, once, at load; and the Terraform names it keeps.

A configuration without ``identities`` describes the walkthrough's one identity, service
account and store with flat keys (``identity_name``, ``service_account_name``, ...). Here they
become one entry of each map, under ``WALKTHROUGH_KEY``, so the rest of the code knows one shape.

Its equivalent maps configuration (``walkthrough_to_maps.py`` prints it) is those entries as
written: the identity and the workload keyed ``WALKTHROUGH_KEY``, the store keyed by its name.
In either form those entries get the walkthrough's construct ids (``Mappings.identity_id``, ...),
so moving between the two keeps every Terraform address; only the client ID outputs differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aks_workload_identity.config_model import TerraformNames
from aks_workload_identity.entry_settings import (
    ClusterSecretStoreSettings,
    DataItemSettings,
    ExternalSecretSettings,
    IdentitySettings,
    WorkloadSettings,
)
from aks_workload_identity.settings import Settings

WALKTHROUGH_KEY = "default"


# The walkthrough keeps the construct ids and the output it always had: new ids would change the
# Terraform addresses of a deployed walkthrough, and the next deploy would replace its resources.
WALKTHROUGH_NAMES = TerraformNames(
    "workload-identity", "service-account", "store", "identity_key_vault_role", True
)
MAPPING_NAMES = TerraformNames(
    "identity-{key}",
    "service-account-{key}",
    "store-{key}",
    "identities.{key}.key_vault_role",
    False,
)


@dataclass(frozen=True)
class Mappings:
    """``identities``, ``workloads``, ``cluster_secret_stores`` and ``external_secrets``."""

    identities: Mapping[str, IdentitySettings]
    workloads: Mapping[str, WorkloadSettings]
    cluster_secret_stores: Mapping[str, ClusterSecretStoreSettings]
    external_secrets: tuple[ExternalSecretSettings, ...]
    names: TerraformNames

    # The walkthrough's entries keep its ids in the maps form too; every other entry its key's.
    def identity_id(self, key: str) -> str:
        if key == WALKTHROUGH_KEY:
            return WALKTHROUGH_NAMES.identity
        return self.names.identity.format(key=key)

    def service_account_id(self, key: str) -> str:
        if key == WALKTHROUGH_KEY:
            return WALKTHROUGH_NAMES.service_account
        return self.names.service_account.format(key=key)

    def store_id(self, name: str) -> str:
        if name == walkthrough_store(self.cluster_secret_stores):
            return WALKTHROUGH_NAMES.store
        return self.names.store.format(key=name)


def walkthrough_store(stores: Mapping[str, ClusterSecretStoreSettings]) -> str | None:
    """The store that has the walkthrough's id: the first ClusterSecretStore of the walkthrough's
    workload. Later stores of that workload keep their own, so adding one moves nothing."""
    return next(
        (
            name
            for name, store in stores.items()
            if store.workload == WALKTHROUGH_KEY and store.kind == "ClusterSecretStore"
        ),
        None,
    )


def mappings_of(settings: Settings) -> Mappings:
    """The maps as written, or the flat keys' one entry each (validated with the settings)."""
    s = settings
    external_secrets = (
        tuple(s.external_secrets)
        if s.external_secrets is not None
        else (
            ExternalSecretSettings(
                name=s.external_secret_name,
                namespace=s.external_secret_namespace,
                data=[
                    DataItemSettings(
                        secret_key=s.external_secret_key, remote_key=s.key_vault_secret_name
                    )
                ],
            ),
        )
    )
    if s.identities is not None and s.workloads is not None and s.cluster_secret_stores is not None:
        return Mappings(
            s.identities, s.workloads, s.cluster_secret_stores, external_secrets, MAPPING_NAMES
        )
    return Mappings(
        identities={
            WALKTHROUGH_KEY: IdentitySettings(
                name=s.identity_name, key_vault_role=s.identity_key_vault_role
            )
        },
        workloads={
            WALKTHROUGH_KEY: WorkloadSettings(
                service_account=s.service_account_name,
                namespace=s.service_account_namespace,
                identity=WALKTHROUGH_KEY,
                federated_credential_name=s.federated_credential_name,
            )
        },
        cluster_secret_stores={
            s.cluster_secret_store_name: ClusterSecretStoreSettings(workload=WALKTHROUGH_KEY)
        },
        external_secrets=external_secrets,
        names=WALKTHROUGH_NAMES,
    )


def client_id_outputs(
    names: TerraformNames,
    client_ids: Mapping[str, str],
    additional_identities: Mapping[str, tuple[str, ...]],
) -> dict[str, Any]:
    """The identity stack's client ID outputs: the walkthrough's one, or one map per kind.

    ``additional_client_ids`` is what a workload passes to its Azure SDK to act as one of the
    identities its service account's annotation does not name.
    """
    if names.one_client_id_output:
        return {"identity_client_id": client_ids[WALKTHROUGH_KEY]}
    return {
        "identity_client_ids": dict(client_ids),
        "additional_client_ids": {
            workload: {k: client_ids[k] for k in identities}
            for workload, identities in additional_identities.items()
            if identities
        },
    }
