"""The one typed, validated configuration: loaded from an HCL tfvars file, nowhere else.

``load_config`` parses the file with python-hcl2, validates every key with pydantic and the rules
in ``rules.py``, and raises ``ConfigError`` with one ``Problem`` per bad key. The rest of the code
reads only the frozen ``Config`` (and the specs it derives); nothing else reads files or the
environment.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import os
import sys
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import hcl2
from lark.exceptions import UnexpectedInput
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationError,
    model_validator,
)

from aks_workload_identity import rules

CONFIG_ENV = "AZWI_CONFIG"
USER_CONFIG = "my.auto.tfvars"
EXAMPLE_CONFIG = "my.auto.tfvars.example"

KEY_VAULT_SUFFIX_LENGTH = 5
KEY_VAULT_DATA_ROLES = (
    "Key Vault Secrets User",
    "Key Vault Secrets Officer",
    "Key Vault Administrator",
)
LEAST_PRIVILEGE_ROLE = "Key Vault Secrets User"
KUBERNETES_AUTH_MODES = ("kubeconfig", "aks_credentials", "kubelogin")
KUBELOGIN_LOGIN_MODES = ("azurecli", "devicecode", "spn", "msi", "workloadidentity", "azd")
_HCL_OPTIONS = hcl2.SerializationOptions(with_comments=False, with_meta=False)
BUILTIN_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})


def _rule(rule: rules.Rule) -> AfterValidator:
    return AfterValidator(rule.check)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


Text = Annotated[StrictStr, AfterValidator(_not_blank)]
Namespace = Annotated[Text, _rule(rules.DNS1123_LABEL)]
K8sName = Annotated[Text, _rule(rules.DNS1123_SUBDOMAIN)]
Duration = Annotated[Text, _rule(rules.GO_DURATION)]
Version = Annotated[Text, _rule(rules.SEMVER)]


def _key_vault_prefix(prefix: str) -> str:
    """The prefix must make a valid name with any suffix (5 lowercase letters or digits)."""
    rules.KEY_VAULT_NAME.check(prefix + "a" * KEY_VAULT_SUFFIX_LENGTH)
    return prefix


def _key_vault_role(role: str) -> str:
    if role not in KEY_VAULT_DATA_ROLES:
        known = ", ".join(f"'{r}'" for r in KEY_VAULT_DATA_ROLES)
        raise ValueError(f"must be a Key Vault data-plane role for secrets: one of {known}")
    return role


def _one_of(allowed: tuple[str, ...]) -> AfterValidator:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(repr(a) for a in allowed)}")
        return value

    return AfterValidator(check)


# --- Key Vault security ---
BROAD_KEY_VAULT_ROLE = "Key Vault Administrator"
SECRET_CONTENT_TYPE_MAX_LENGTH = 255
_PRIVATE_IPV4 = tuple(
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)


def key_vault_ip_rule(value: str) -> str:
    """A public IPv4 address or CIDR range: what a Key Vault firewall IP rule accepts."""
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError(
            "must be an IPv4 address or CIDR range such as '203.0.113.7' or '203.0.113.0/24'"
        ) from None
    if network.version != 4:
        raise ValueError("must be IPv4: Key Vault firewall rules take IPv4 addresses only")
    if str(network) != value and f"{network.network_address}" != value:
        raise ValueError(f"is not a network address: did you mean '{network}'?")
    if any(network.overlaps(private) for private in _PRIVATE_IPV4):
        raise ValueError(
            "overlaps a private (RFC 1918) range, which Key Vault IP rules reject; allow traffic "
            "from an Azure subnet with key_vault_allowed_subnet_ids instead"
        )
    return value


def utc_timestamp(value: str) -> str:
    """An RFC 3339 UTC timestamp that names a real date and time."""
    rules.RFC3339_UTC.check(value)
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise ValueError(f"{rules.RFC3339_UTC.name} is not a real date and time") from None
    return value


def secret_content_type(value: str) -> str:
    if len(value) > SECRET_CONTENT_TYPE_MAX_LENGTH:
        raise ValueError(f"must be at most {SECRET_CONTENT_TYPE_MAX_LENGTH} characters")
    return value


KeyVaultIpRule = Annotated[Text, AfterValidator(key_vault_ip_rule)]
SubnetId = Annotated[Text, _rule(rules.AZURE_SUBNET_ID)]
SecretContentType = Annotated[Text, AfterValidator(secret_content_type)]
UtcTimestamp = Annotated[Text, AfterValidator(utc_timestamp)]


def network_rules_conflict(
    public_network_access_enabled: bool,
    allowed_ip_ranges: list[str] | tuple[str, ...],
    allowed_subnet_ids: list[str] | tuple[str, ...],
    prefix: str = "",
) -> str | None:
    """Why these network settings contradict each other, or None when they do not."""
    if public_network_access_enabled or not (allowed_ip_ranges or allowed_subnet_ids):
        return None
    return (
        f"{prefix}allowed_ip_ranges and {prefix}allowed_subnet_ids take effect only while "
        f"{prefix}public_network_access_enabled = true (with public access off, only private "
        "endpoints reach the vault): remove them or turn public network access on"
    )


class DataItemSettings(BaseModel):
    """One Key Vault secret copied into one key of the Kubernetes Secret."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    secret_key: Annotated[Text, _rule(rules.SECRET_DATA_KEY)]
    remote_key: Annotated[Text, _rule(rules.KEY_VAULT_SECRET_NAME)]


class ExtractSettings(BaseModel):
    """``data_from`` extract: every field of one Key Vault secret whose value is a JSON object."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Annotated[Text, _rule(rules.KEY_VAULT_SECRET_NAME)]


class FindSettings(BaseModel):
    """``data_from`` find: every Key Vault secret whose name matches ``name_regexp`` and whose
    tags include all of ``tags``; each becomes a key named after the secret."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name_regexp: Annotated[Text, AfterValidator(rules.check_go_regexp)] | None = None
    tags: dict[StrictStr, StrictStr] | None = None

    @model_validator(mode="after")
    def _something_to_match(self) -> FindSettings:
        if self.name_regexp is None and not self.tags:
            raise ValueError("find needs name_regexp, tags or both")
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
    data: list[DataItemSettings] = Field(default_factory=list)
    data_from: list[DataFromSettings] = Field(default_factory=list)
    store: K8sName | None = None
    refresh_interval: Duration | None = None

    @model_validator(mode="after")
    def _something_to_sync(self) -> ExternalSecretSettings:
        if not self.data and not self.data_from:
            raise ValueError(f"{self.namespace}/{self.name} needs data, data_from or both")
        keys = [item.secret_key for item in self.data]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            raise ValueError(
                f"{self.namespace}/{self.name} maps secret_key {twice} more than once; "
                "each key of the Secret can hold one value"
            )
        return self


# --- identities, workloads and stores (the mappings; the flat keys cover the walkthrough) ---
ConfigKey = Annotated[Text, _rule(rules.CONFIG_KEY)]
FederatedCredentialName = Annotated[Text, _rule(rules.FEDERATED_CREDENTIAL_NAME)]


class IdentitySettings(BaseModel):
    """One entry of ``identities``: a user-assigned managed identity and its Key Vault role."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[Text, _rule(rules.MANAGED_IDENTITY_NAME)]
    key_vault_role: Annotated[Text, AfterValidator(_key_vault_role)] = LEAST_PRIVILEGE_ROLE


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
    """One entry of ``cluster_secret_stores``: the workload whose service account it uses."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    workload: ConfigKey


_SINGLE_EXTERNAL_SECRET_KEYS = (
    "external_secret_name",
    "external_secret_namespace",
    "external_secret_key",
)
_FLAT_KEYS_REPLACED_BY = {
    "identities": ("identity_name", "identity_key_vault_role", "federated_credential_name"),
    "workloads": ("service_account_name", "service_account_namespace", "federated_credential_name"),
    "cluster_secret_stores": ("cluster_secret_store_name",),
}
MAX_FEDERATED_CREDENTIALS = 20


def _listing(keys: Iterable[str]) -> str:
    return ", ".join(repr(k) for k in keys) or "none declared"


def _credential_name(namespace: str, service_account: str, chosen: str | None) -> str:
    """The federated credential's name: ``chosen``, else ``<namespace>-<service account>``."""
    if chosen:
        return chosen
    derived = f"{namespace}-{service_account}".replace(".", "-")
    return derived[: rules.FEDERATED_CREDENTIAL_NAME.max_length]


class Settings(BaseModel):
    """Every key of the tfvars file; see my.auto.tfvars.example for what each one means."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    aks_resource_group_name: Annotated[Text, _rule(rules.RESOURCE_GROUP_NAME)] | None = None
    aks_cluster_name: Annotated[Text, _rule(rules.AKS_CLUSTER_NAME)] | None = None

    identity_name: Annotated[Text, _rule(rules.MANAGED_IDENTITY_NAME)] = "umi-external-secrets"
    identity_key_vault_role: Annotated[Text, AfterValidator(_key_vault_role)] = LEAST_PRIVILEGE_ROLE
    federated_credential_name: Annotated[Text, _rule(rules.FEDERATED_CREDENTIAL_NAME)] | None = None

    key_vault_name_prefix: Annotated[Text, AfterValidator(_key_vault_prefix)] = "kv-azwi-eso-"
    key_vault_secret_name: Annotated[Text, _rule(rules.KEY_VAULT_SECRET_NAME)] = (
        "external-keyvault-secret"
    )

    eso_namespace: Namespace = "external-secrets"
    eso_chart_version: Version = "2.9.0"
    service_account_name: K8sName = "workload-identity-sa"
    service_account_namespace: Namespace = "external-secrets"
    cluster_secret_store_name: K8sName = "azure-cluster-store"
    external_secret_name: K8sName = "external-secret"
    external_secret_namespace: Namespace = "default"
    external_secret_key: Annotated[Text, _rule(rules.SECRET_DATA_KEY)] = "external-secret"
    refresh_interval: Duration = "1m"
    existing_namespaces: list[Namespace] = Field(default_factory=list)
    external_secrets: list[ExternalSecretSettings] | None = None

    # --- identities, workloads and stores ---
    identities: dict[ConfigKey, IdentitySettings] | None = None
    workloads: dict[ConfigKey, WorkloadSettings] | None = None
    cluster_secret_stores: dict[K8sName, ClusterSecretStoreSettings] | None = None

    kubeconfig_path: Text = "~/.kube/config"
    kubeconfig_context: Text | None = None

    tags: dict[StrictStr, StrictStr] = Field(default_factory=dict)

    # --- cluster access, non-AKS clusters, self-managed webhook ---
    kubernetes_auth: Annotated[Text, _one_of(KUBERNETES_AUTH_MODES)] = "kubeconfig"
    aks_admin_credentials: StrictBool = False
    kubelogin_login_mode: Annotated[Text, _one_of(KUBELOGIN_LOGIN_MODES)] = "azurecli"
    oidc_issuer_url: Annotated[Text, _rule(rules.HTTPS_URL)] | None = None
    resource_group_name: Annotated[Text, _rule(rules.RESOURCE_GROUP_NAME)] | None = None
    location: Annotated[Text, _rule(rules.AZURE_LOCATION)] | None = None
    install_workload_identity_webhook: StrictBool = False
    workload_identity_webhook_chart_version: Version = "1.6.0"
    workload_identity_webhook_namespace: Namespace = "azure-workload-identity-system"

    # --- Key Vault security ---
    key_vault_purge_protection_enabled: StrictBool = False
    key_vault_public_network_access_enabled: StrictBool = True
    key_vault_allowed_ip_ranges: list[KeyVaultIpRule] = Field(default_factory=list)
    key_vault_allowed_subnet_ids: list[SubnetId] = Field(default_factory=list)
    key_vault_secret_content_type: SecretContentType = "text/plain"
    key_vault_secret_expiration_date: UtcTimestamp | None = None

    @model_validator(mode="after")
    def _one_way_to_declare_external_secrets(self) -> Settings:
        both = [k for k in _SINGLE_EXTERNAL_SECRET_KEYS if k in self.model_fields_set]
        if self.external_secrets is not None and both:
            raise ValueError(
                f"external_secrets replaces {', '.join(both)}: set one or the other, not both"
            )
        if self.external_secrets is not None:
            seen = set()
            for entry in self.external_secrets:
                if (entry.namespace, entry.name) in seen:
                    raise ValueError(
                        f"external_secrets has {entry.namespace}/{entry.name} twice; "
                        "each namespace/name must be unique"
                    )
                seen.add((entry.namespace, entry.name))
        return self

    @model_validator(mode="after")
    def _cluster_is_aks_or_has_an_issuer_url(self) -> Settings:
        aks_keys = ("aks_resource_group_name", "aks_cluster_name")
        if self.oidc_issuer_url is None:
            missing = [k for k in aks_keys if getattr(self, k) is None]
            if missing:
                raise ValueError(
                    f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} required: "
                    "the AKS cluster whose OIDC issuer is looked up (for a cluster that is not "
                    "AKS, set oidc_issuer_url, resource_group_name and location instead)"
                )
            return self
        unused = [k for k in aks_keys if getattr(self, k) is not None]
        if unused:
            raise ValueError(
                f"oidc_issuer_url is set, so no AKS cluster is looked up and {', '.join(unused)} "
                "would be ignored: remove it (or remove oidc_issuer_url to use the AKS cluster)"
            )
        missing = [k for k in ("resource_group_name", "location") if getattr(self, k) is None]
        if missing:
            raise ValueError(
                f"oidc_issuer_url is set (a cluster that is not AKS), so {' and '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} required: where the identity and the "
                "Key Vault are created"
            )
        if self.kubernetes_auth != "kubeconfig":
            raise ValueError(
                f'kubernetes_auth = "{self.kubernetes_auth}" reads the AKS cluster, but '
                "oidc_issuer_url is set (a cluster that is not AKS): "
                'use kubernetes_auth = "kubeconfig"'
            )
        return self

    @model_validator(mode="after")
    def _no_key_without_effect(self) -> Settings:
        """A key that only one mode reads is an error in any other mode, not silently ignored."""
        needs = {
            "kubeconfig_path": ("kubernetes_auth", "kubeconfig"),
            "kubeconfig_context": ("kubernetes_auth", "kubeconfig"),
            "aks_admin_credentials": ("kubernetes_auth", "aks_credentials"),
            "kubelogin_login_mode": ("kubernetes_auth", "kubelogin"),
            "workload_identity_webhook_chart_version": ("install_workload_identity_webhook", True),
            "workload_identity_webhook_namespace": ("install_workload_identity_webhook", True),
        }
        for key, (switch, value) in needs.items():
            if key in self.model_fields_set and getattr(self, switch) != value:
                shown = json.dumps(value)
                raise ValueError(
                    f"{key} is only used with {switch} = {shown}: "
                    f"set {switch} = {shown} or remove {key}"
                )
        return self

    @model_validator(mode="after")
    def _one_way_to_declare_mappings(self) -> Settings:
        for mapping, flat_keys in _FLAT_KEYS_REPLACED_BY.items():
            both = [k for k in flat_keys if k in self.model_fields_set]
            if getattr(self, mapping) is not None and both:
                raise ValueError(
                    f"{mapping} replaces {', '.join(both)}: set one or the other, not both"
                )
        declared = [m for m in _FLAT_KEYS_REPLACED_BY if getattr(self, m) is not None]
        if declared and len(declared) < len(_FLAT_KEYS_REPLACED_BY):
            missing = [m for m in _FLAT_KEYS_REPLACED_BY if m not in declared]
            raise ValueError(
                f"{', '.join(declared)} set without {', '.join(missing)}: identities, workloads "
                "and cluster_secret_stores are declared together (workloads name identities, "
                "stores name workloads)"
            )
        return self

    @model_validator(mode="after")
    def _mappings_refer_to_declared_keys(self) -> Settings:
        if self.identities is None or self.workloads is None or self.cluster_secret_stores is None:
            return self
        for key, workload in self.workloads.items():
            for identity in [workload.identity, *workload.additional_identities]:
                if identity not in self.identities:
                    where = "identity" if identity == workload.identity else "additional_identities"
                    raise ValueError(
                        f"workloads.{key}.{where}: {identity!r} is not a key of identities "
                        f"(valid: {_listing(self.identities)})"
                    )
        for name, store in self.cluster_secret_stores.items():
            if store.workload not in self.workloads:
                raise ValueError(
                    f"cluster_secret_stores.{name}.workload: {store.workload!r} is not a key of "
                    f"workloads (valid: {_listing(self.workloads)})"
                )
        return self

    @model_validator(mode="after")
    def _mappings_are_deployable(self) -> Settings:
        if self.identities is None or self.workloads is None:
            return self
        names = [i.name for i in self.identities.values()]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(
                f"identities: name {twice} is used by more than one identity; "
                "managed identity names are unique within the resource group"
            )
        accounts: dict[tuple[str, str], str] = {}
        for key, workload in self.workloads.items():
            account = (workload.namespace, workload.service_account)
            if account in accounts:
                raise ValueError(
                    f"workloads {accounts[account]} and {key} are both service account "
                    f"{account[0]}/{account[1]}; list each service account once (one workload "
                    "can use several identities through additional_identities)"
                )
            accounts[account] = key
        for key, identity in self.identities.items():
            users = {
                w: _credential_name(s.namespace, s.service_account, s.federated_credential_name)
                for w, s in self.workloads.items()
                if key in (s.identity, *s.additional_identities)
            }
            if not users:
                raise ValueError(
                    f"identities.{key} is used by no workload: name it in a workload's identity "
                    "or additional_identities, or remove it"
                )
            if len(users) > MAX_FEDERATED_CREDENTIALS:
                raise ValueError(
                    f"identities.{key} ({identity.name}) is used by {len(users)} workloads: "
                    f"Azure allows at most {MAX_FEDERATED_CREDENTIALS} federated credentials "
                    "per identity; split the workloads across more identities"
                )
            credentials = list(users.values())
            for name in {n for n in credentials if credentials.count(n) > 1}:
                clashing = sorted(w for w, n in users.items() if n == name)
                raise ValueError(
                    f"workloads {', '.join(clashing)} would get the same federated credential "
                    f"name {name!r} on identities.{key}; set federated_credential_name on one"
                )
        return self

    @model_validator(mode="after")
    def _namespaces_created_or_existing(self) -> Settings:
        wanted: dict[str, tuple[bool, str]] = {}
        for key, workload in (self.workloads or {}).items():
            create, ns = workload.create_namespace, workload.namespace
            if create is None:
                continue
            if create and (ns in self.existing_namespaces or ns in BUILTIN_NAMESPACES):
                why = "is built in" if ns in BUILTIN_NAMESPACES else "is in existing_namespaces"
                raise ValueError(
                    f"workloads.{key}.create_namespace = true, but namespace {ns!r} {why}"
                )
            if ns in wanted and wanted[ns][0] != create:
                raise ValueError(
                    f"workloads {wanted[ns][1]} and {key} disagree on create_namespace for "
                    f"namespace {ns!r}"
                )
            wanted[ns] = (create, key)
        return self

    @model_validator(mode="after")
    def _external_secrets_use_declared_stores(self) -> Settings:
        stores = (
            list(self.cluster_secret_stores)
            if self.cluster_secret_stores is not None
            else [self.cluster_secret_store_name]
        )
        if self.external_secrets is None:
            if len(stores) > 1:
                raise ValueError(
                    f"with {len(stores)} cluster_secret_stores, declare external_secrets "
                    "(each with its store) instead of external_secret_name/namespace/key"
                )
            if not stores:
                raise ValueError(
                    "cluster_secret_stores is empty, but the walkthrough's ExternalSecret "
                    "needs a store: declare a store, or external_secrets = []"
                )
            return self
        for index, entry in enumerate(self.external_secrets):
            where = f"external_secrets[{index}] ({entry.namespace}/{entry.name})"
            if entry.store is None and len(stores) != 1:
                raise ValueError(
                    f"{where}: set store, one of {_listing(stores)}"
                    if stores
                    else f"{where}: there is no ClusterSecretStore to read through"
                )
            if entry.store is not None and entry.store not in stores:
                raise ValueError(
                    f"{where}: store {entry.store!r} is not declared (valid: {_listing(stores)})"
                )
        return self

    @model_validator(mode="after")
    def _key_vault_network_rules_consistent(self) -> Settings:
        conflict = network_rules_conflict(
            self.key_vault_public_network_access_enabled,
            self.key_vault_allowed_ip_ranges,
            self.key_vault_allowed_subnet_ids,
            prefix="key_vault_",
        )
        if conflict:
            raise ValueError(conflict)
        return self

    @model_validator(mode="after")
    def _namespaces_unique(self) -> Settings:
        duplicates = {n for n in self.existing_namespaces if self.existing_namespaces.count(n) > 1}
        if duplicates:
            raise ValueError(
                f"existing_namespaces lists {sorted(duplicates)} more than once; "
                "names must be unique"
            )
        return self


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
    """An identity, its Key Vault role and the service accounts it trusts, in workload order."""

    key: str
    name: str
    key_vault_role: str
    federations: tuple[Federation, ...]


@dataclass(frozen=True)
class WorkloadSpec:
    """A service account annotated with ``identity``'s client ID; it may also use
    ``additional_identities`` (their client IDs are stack outputs)."""

    key: str
    service_account: str
    namespace: str
    identity: str
    additional_identities: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoreSpec:
    """A ClusterSecretStore that authenticates as ``workload``'s service account."""

    name: str
    workload: str
    service_account: str
    namespace: str


WALKTHROUGH_KEY = "default"


@dataclass(frozen=True)
class Config:
    """The validated settings plus where they came from, and the specs derived from them."""

    settings: Settings
    source: Path
    written: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, key: str) -> Any:
        return getattr(self.settings, key)

    @property
    def walkthrough_form(self) -> bool:
        """True when the flat keys describe the one identity, service account and store."""
        return self.settings.identities is None

    @property
    def federation(self) -> Federation:
        """The walkthrough's federated credential (the flat keys)."""
        s = self.settings
        return Federation(
            name=_credential_name(
                s.service_account_namespace, s.service_account_name, s.federated_credential_name
            ),
            namespace=s.service_account_namespace,
            service_account=s.service_account_name,
        )

    @property
    def workloads(self) -> tuple[WorkloadSpec, ...]:
        s = self.settings
        if s.workloads is None:
            return (
                WorkloadSpec(
                    key=WALKTHROUGH_KEY,
                    service_account=s.service_account_name,
                    namespace=s.service_account_namespace,
                    identity=WALKTHROUGH_KEY,
                ),
            )
        return tuple(
            WorkloadSpec(
                key=key,
                service_account=w.service_account,
                namespace=w.namespace,
                identity=w.identity,
                additional_identities=tuple(w.additional_identities),
            )
            for key, w in s.workloads.items()
        )

    @property
    def identities(self) -> tuple[IdentitySpec, ...]:
        s = self.settings
        if s.identities is None or s.workloads is None:  # the walkthrough's flat keys
            return (
                IdentitySpec(
                    key=WALKTHROUGH_KEY,
                    name=s.identity_name,
                    key_vault_role=s.identity_key_vault_role,
                    federations=(self.federation,),
                ),
            )
        return tuple(
            IdentitySpec(
                key=key,
                name=identity.name,
                key_vault_role=identity.key_vault_role,
                federations=tuple(
                    Federation(
                        name=_credential_name(
                            w.namespace, w.service_account, w.federated_credential_name
                        ),
                        namespace=w.namespace,
                        service_account=w.service_account,
                    )
                    for w in s.workloads.values()
                    if key in (w.identity, *w.additional_identities)
                ),
            )
            for key, identity in s.identities.items()
        )

    @property
    def cluster_secret_stores(self) -> tuple[StoreSpec, ...]:
        s = self.settings
        workloads = {w.key: w for w in self.workloads}
        chosen = (
            {s.cluster_secret_store_name: WALKTHROUGH_KEY}
            if s.cluster_secret_stores is None
            else {name: store.workload for name, store in s.cluster_secret_stores.items()}
        )
        return tuple(
            StoreSpec(
                name=name,
                workload=key,
                service_account=workloads[key].service_account,
                namespace=workloads[key].namespace,
            )
            for name, key in chosen.items()
        )

    @property
    def external_secrets(self) -> tuple[ExternalSecretSpec, ...]:
        """The ``external_secrets`` list, or else the walkthrough's single ExternalSecret."""
        s = self.settings
        default_store = self.cluster_secret_stores[0].name if self.cluster_secret_stores else ""
        if s.external_secrets is None:
            return (
                ExternalSecretSpec(
                    name=s.external_secret_name,
                    namespace=s.external_secret_namespace,
                    store=default_store,
                    refresh_interval=s.refresh_interval,
                    data=(DataItem(s.external_secret_key, s.key_vault_secret_name),),
                ),
            )
        return tuple(
            ExternalSecretSpec(
                name=entry.name,
                namespace=entry.namespace,
                store=entry.store or default_store,
                refresh_interval=entry.refresh_interval or s.refresh_interval,
                data=tuple(DataItem(d.secret_key, d.remote_key) for d in entry.data),
                data_from=tuple(_data_from(d) for d in entry.data_from),
            )
            for entry in s.external_secrets
        )

    @property
    def namespaces_to_create(self) -> tuple[str, ...]:
        """Every namespace the stacks use, less built-in and existing ones, in order.

        Existing: listed in ``existing_namespaces`` or a workload's ``create_namespace = false``.
        """
        s = self.settings
        used = [s.eso_namespace, *(w.namespace for w in self.workloads)]
        used += [e.namespace for e in self.external_secrets]
        if s.install_workload_identity_webhook:
            used.append(s.workload_identity_webhook_namespace)
        existing = {
            w.namespace for w in (s.workloads or {}).values() if w.create_namespace is False
        }
        skip = BUILTIN_NAMESPACES | set(s.existing_namespaces) | existing
        return tuple(dict.fromkeys(n for n in used if n not in skip))

    @property
    def warnings(self) -> tuple[str, ...]:
        """Valid but risky choices, printed at synth: one actionable line each."""
        found = []
        for identity in self.identities:
            if identity.key_vault_role != BROAD_KEY_VAULT_ROLE:
                continue
            key = (
                "identity_key_vault_role"
                if identity.key == WALKTHROUGH_KEY
                else f"identities.{identity.key}.key_vault_role"
            )
            found.append(
                f'{key} = "{BROAD_KEY_VAULT_ROLE}" lets {identity.name} read, change and delete '
                "every secret, key and certificate in the vault; set "
                f'"{LEAST_PRIVILEGE_ROLE}" (read) or "Key Vault Secrets Officer" (PushSecret) '
                "unless it must manage keys or certificates"
            )
        return tuple(found)

    def variable_values(self) -> dict[str, Any]:
        """Each key's value as terraform will see it: as written in the file, else the default."""
        return {**self.settings.model_dump(), **self.written}


@dataclass(frozen=True)
class Problem:
    """One invalid key, printed as one line."""

    source: str
    key: str
    value: Any
    rule: str
    suggestion: str = ""

    def __str__(self) -> str:
        where = f"{self.source}: {self.key}" if self.key else self.source
        shown = "" if self.value is _MISSING else f" = {_show(self.value)}"
        hint = f" ({self.suggestion})" if self.suggestion else ""
        return f"{where}{shown}: {self.rule}{hint}"


_MISSING = object()


def _show(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except TypeError:
        return repr(value)


class ConfigError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def resolve_config_path(
    environ: os._Environ[str] | dict[str, str], project_dir: Path
) -> tuple[Path, str]:
    """Which file to load, and why: AZWI_CONFIG, else my.auto.tfvars, else the example."""
    chosen = environ.get(CONFIG_ENV)
    if chosen:
        return Path(chosen), f"{CONFIG_ENV}={chosen}"
    user = project_dir / USER_CONFIG
    if user.exists():
        return user, USER_CONFIG
    return project_dir / EXAMPLE_CONFIG, f"{EXAMPLE_CONFIG} ({USER_CONFIG} not found)"


def load_config(path: Path) -> Config:
    source = str(path)
    if not path.is_file():
        raise ConfigError(
            [
                Problem(
                    source,
                    "",
                    _MISSING,
                    "file not found",
                    f"copy the example: cp {EXAMPLE_CONFIG} {USER_CONFIG}",
                )
            ]
        )
    raw = _parse_hcl(path)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(_problems(source, raw, error)) from None
    return Config(settings=settings, source=path, written=raw)


def _parse_hcl(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    try:
        parsed = hcl2.loads(text, serialization_options=_HCL_OPTIONS)
    except UnexpectedInput as error:
        line = (
            text.splitlines()[error.line - 1].strip()
            if 0 < error.line <= len(text.splitlines())
            else ""
        )
        raise ConfigError(
            [
                Problem(
                    f"{path}:{error.line}:{error.column}",
                    "",
                    _MISSING,
                    f"HCL syntax error near {line!r}",
                    "each line must be key = value, strings in double quotes",
                )
            ]
        ) from None
    except Exception as error:
        raise ConfigError(
            [Problem(str(path), "", _MISSING, f"HCL syntax error: {error}")]
        ) from None
    problems: list[Problem] = []
    values = {key: _literal(str(path), key, value, problems) for key, value in parsed.items()}
    if problems:
        raise ConfigError(problems)
    return values


def _literal(source: str, key: str, value: Any, problems: list[Problem]) -> Any:
    """python-hcl2 keeps quotes on string literals; anything unquoted is an expression."""
    if isinstance(value, str):
        if len(value) >= 2 and value[0] == value[-1] == '"':
            text = json.loads(value)
            if "${" in text or "%{" in text:
                problems.append(
                    Problem(source, key, text, "templates are not allowed in a tfvars file")
                )
            return text
        problems.append(
            Problem(
                source,
                key,
                value,
                "must be a literal value, not an expression",
                'put strings in double quotes, e.g. key = "value"',
            )
        )
        return value
    if isinstance(value, list):
        return [_literal(source, f"{key}[{i}]", v, problems) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {
            _literal(source, key, k, [])
            if isinstance(k, str) and k.startswith('"')
            else k: _literal(source, f"{key}.{k}", v, problems)
            for k, v in value.items()
        }
    return value


def _data_from(entry: DataFromSettings) -> Extract | Find:
    if entry.extract is not None:
        return Extract(entry.extract.key)
    assert entry.find is not None
    return Find(name_regexp=entry.find.name_regexp, tags=dict(entry.find.tags or {}))


def _problems(source: str, raw: dict[str, Any], error: ValidationError) -> list[Problem]:
    problems = []
    known = list(Settings.model_fields)
    for item in error.errors():
        loc = item["loc"]
        key = _key_path(loc)
        kind = item["type"]
        if kind == "extra_forbidden":
            candidates = known if len(loc) == 1 else _nested_fields(loc[0])
            close = difflib.get_close_matches(str(loc[-1]), candidates, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else "see my.auto.tfvars.example for keys"
            problems.append(Problem(source, key, item["input"], "unknown key", hint))
        elif kind == "missing":
            problems.append(Problem(source, key, _MISSING, "required key is missing"))
        else:
            message = item["msg"].removeprefix("Value error, ")
            value = item.get("input", _MISSING) if loc else _MISSING
            problems.append(Problem(source, key, value, message))
    return problems


def _nested_fields(top_level_key: int | str) -> list[str]:
    """Field names of every model inside a top-level key (for "did you mean" on nested keys)."""
    names: list[str] = []
    pending = [Settings.model_fields[str(top_level_key)].annotation]
    while pending:
        annotation = pending.pop()
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += annotation.model_fields
            pending += [f.annotation for f in annotation.model_fields.values()]
        else:
            pending += typing.get_args(annotation)
    return names


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker for a bad map key; the key is already in the path
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def load_from_environment(project_dir: Path) -> Config:
    """Load AZWI_CONFIG, else my.auto.tfvars, else the example (saying so on stderr)."""
    path, reason = resolve_config_path(os.environ, project_dir)
    if path.name == EXAMPLE_CONFIG:
        print(f"azwi: using {reason}", file=sys.stderr)
    return load_config(path)
