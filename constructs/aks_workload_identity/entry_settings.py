"""The entries of the settings' lists and maps: ``external_secrets`` and what each copies,
``identities``, ``workloads`` and ``cluster_secret_stores``."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, model_validator

from aks_workload_identity import identity_ids, invariants, rules
from aks_workload_identity.settings_fields import (
    ConfigKey,
    Duration,
    FederatedCredentialName,
    K8sName,
    KeyVaultSecretName,
    KeyVaultSecretsRole,
    ManagedIdentityName,
    Namespace,
    NamespaceLabels,
    SecretDataKey,
    StoreKind,
    Text,
    rule,
    unique,
)

LEAST_PRIVILEGE_ROLE = "Key Vault Secrets User"


class DataItemSettings(BaseModel):
    """One Key Vault secret copied into one key of the Kubernetes Secret."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    secret_key: SecretDataKey
    remote_key: KeyVaultSecretName


class ExtractSettings(BaseModel):
    """``data_from`` extract: every field of one Key Vault secret whose value is a JSON object."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: KeyVaultSecretName


class FindSettings(BaseModel):
    """``data_from`` find: every Key Vault secret whose name matches ``name_regexp`` and whose
    tags include all of ``tags``; each becomes a key named after the secret."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name_regexp: Annotated[Text, rule(rules.GO_REGEXP)] | None = None
    tags: dict[StrictStr, StrictStr] | None = None

    @model_validator(mode="after")
    def _something_to_match(self) -> FindSettings:
        if invariants.nothing_to_find(self.name_regexp, self.tags):
            raise ValueError(f"find {invariants.NOTHING_TO_FIND}")
        return self


class DataFromSettings(BaseModel):
    """One ``data_from`` entry: exactly one of ``extract`` and ``find``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    extract: ExtractSettings | None = None
    find: FindSettings | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> DataFromSettings:
        if (self.extract is None) == (self.find is None):
            raise ValueError("each data_from entry needs exactly one of extract and find")
        return self


class ExternalSecretSettings(BaseModel):
    """One entry of ``external_secrets``; ``store`` and ``refresh_interval`` default to the
    top-level ``cluster_secret_store_name`` (or the only entry of ``cluster_secret_stores``)
    and ``refresh_interval``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: K8sName
    namespace: Namespace
    data: Annotated[list[DataItemSettings], unique("secret_key", ("secret_key",))] = Field(
        default_factory=list
    )
    data_from: list[DataFromSettings] = Field(default_factory=list)
    store: K8sName | None = None
    refresh_interval: Duration | None = None

    @model_validator(mode="after")
    def _something_to_sync(self) -> ExternalSecretSettings:
        if invariants.nothing_to_sync(self.data, self.data_from):
            raise ValueError(f"{self.namespace}/{self.name} {invariants.NOTHING_TO_SYNC}")
        return self


class IdentitySettings(BaseModel):
    """One entry of ``identities``: a user-assigned managed identity and its Key Vault role.

    ``name`` creates the identity; ``resource_id`` names an existing one instead, which only gets
    federated credentials (and the role), so its client ID and role assignments elsewhere stay.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ManagedIdentityName | None = None
    resource_id: Annotated[Text, rule(rules.USER_ASSIGNED_IDENTITY_ID)] | None = None
    key_vault_role: KeyVaultSecretsRole = LEAST_PRIVILEGE_ROLE

    @model_validator(mode="after")
    def _created_or_existing(self) -> IdentitySettings:
        if (self.name is None) == (self.resource_id is None):
            raise ValueError(
                "set exactly one of name (an identity to create) and resource_id "
                "(an existing identity to federate)"
            )
        return self

    @property
    def azure_name(self) -> str:
        """The identity's name in Azure: ``name``, or the last part of ``resource_id``."""
        if self.name is not None:
            return self.name
        assert self.resource_id is not None
        return identity_ids.identity_id_parts(self.resource_id).name


class WorkloadSettings(BaseModel):
    """One entry of ``workloads``: a service account, the identity its annotation names and the
    identities it may also use (each gets a federated credential for it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service_account: K8sName
    namespace: Namespace
    identity: ConfigKey
    additional_identities: list[ConfigKey] = Field(default_factory=list)
    create_namespace: StrictBool | None = None
    federated_credential_name: FederatedCredentialName | None = None
    # False: the service account exists (e.g. from its Helm chart) and is only annotated.
    create_service_account: StrictBool = True

    @model_validator(mode="after")
    def _identities_listed_once(self) -> WorkloadSettings:
        listed = [self.identity, *self.additional_identities]
        twice = sorted({k for k in listed if listed.count(k) > 1})
        if twice:
            raise ValueError(
                f"identity {', '.join(repr(k) for k in twice)} is listed more than once "
                "(identity and additional_identities together name each identity once)"
            )
        return self


class ClusterSecretStoreSettings(BaseModel):
    """One entry of ``cluster_secret_stores``: the workload whose service account it uses.

    ``kind`` ``ClusterSecretStore``: one store, serving the namespaces of its ExternalSecrets and
    ``allowed_namespaces``, and those carrying every label of ``allowed_namespace_labels``;
    ``SecretStore``: one store in each namespace of its ExternalSecrets, authenticating as the
    service account of that name in that namespace.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    workload: ConfigKey
    kind: StoreKind = "ClusterSecretStore"
    allowed_namespaces: Annotated[list[Namespace], unique("namespace")] = Field(
        default_factory=list
    )
    allowed_namespace_labels: NamespaceLabels = Field(default_factory=dict)
