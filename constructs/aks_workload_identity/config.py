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
import types
import typing
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import hcl2
from lark import Tree
from lark.exceptions import UnexpectedInput
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    StrictBool,
    StrictStr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, core_schema

from aks_workload_identity import rules

CONFIG_ENV = "AZWI_CONFIG"
USER_CONFIG = "my.auto.tfvars"
EXAMPLE_CONFIG = "my.auto.tfvars.example"

KEY_VAULT_SUFFIX_LENGTH = 5
KEY_VAULT_DATA_ROLES = rules.KEY_VAULT_SECRETS_ROLE.choices
LEAST_PRIVILEGE_ROLE = "Key Vault Secrets User"
KUBERNETES_AUTH_MODES = ("kubeconfig", "aks_credentials", "kubelogin")
KUBELOGIN_LOGIN_MODES = ("azurecli", "devicecode", "spn", "msi", "workloadidentity", "azd")
_HCL_OPTIONS = hcl2.SerializationOptions(with_comments=False, with_meta=False)
BUILTIN_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
_AKS_KEYS = ("aks_resource_group_name", "aks_cluster_name")
_KUBERNETES_AUTH = rules.OneOf("kubernetes_auth", KUBERNETES_AUTH_MODES)
_KUBELOGIN_LOGIN_MODE = rules.OneOf("kubelogin_login_mode", KUBELOGIN_LOGIN_MODES)


@dataclass(frozen=True)
class RuleValidator:
    """Field metadata applying a ``rules.Check``; variables.py finds it to emit the same check."""

    rule: rules.Check

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._validate, handler(source))

    def _validate(self, value: str) -> str:
        if not self.rule.ok(value):
            raise PydanticCustomError(
                "rule", self.rule.message, {"suggestion": self.rule.suggestion(value)}
            )
        return value


def _rule(rule: rules.Check) -> RuleValidator:
    return RuleValidator(rule)


def _validate_adding(
    handler: ValidatorFunctionWrapHandler, value: Any, extra: list[InitErrorDetails]
) -> Any:
    """``handler(value)``, failing with its errors and ``extra`` together (all at once)."""
    errors = list(extra)
    try:
        result = handler(value)
    except ValidationError as error:
        errors[:0] = [
            InitErrorDetails(
                type=PydanticCustomError(e["type"], e["msg"], e.get("ctx")),
                loc=e["loc"],
                input=e.get("input"),
            )
            for e in error.errors()
        ]
    if errors:
        raise ValidationError.from_exception_data("settings", errors)
    return result


def _unique(what: str, fields: tuple[str, ...] = ()) -> WrapValidator:
    """A list validator: no two items are equal (or, for objects, have equal ``fields``).

    It compares the items as written, so a repeat is reported together with any other problem
    in the list; each repeat at its own index (at ``fields[-1]`` for objects).
    """

    def identity(item: Any) -> Hashable | None:
        if not fields:
            return item if isinstance(item, str) else None
        if not isinstance(item, dict):
            return None
        values = tuple(item.get(f) for f in fields)
        return values if all(isinstance(v, str) for v in values) else None

    def validate(items: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        first: dict[Hashable, int] = {}
        errors = []
        for index, item in enumerate(items if isinstance(items, list) else []):
            key = identity(item)
            if key is None:
                continue
            seen = first.setdefault(key, index)
            if seen != index:
                error = PydanticCustomError(
                    "duplicate", "{what} is the same as item {first}", {"what": what, "first": seen}
                )
                at, shown = ((index, fields[-1]), key[-1]) if fields else ((index,), key)
                errors.append(InitErrorDetails(type=error, loc=at, input=shown))
        return _validate_adding(handler, items, errors)

    return WrapValidator(validate)


Text = Annotated[StrictStr, _rule(rules.NOT_BLANK)]
Namespace = Annotated[Text, _rule(rules.DNS1123_LABEL)]
K8sName = Annotated[Text, _rule(rules.DNS1123_SUBDOMAIN)]
Duration = Annotated[Text, _rule(rules.GO_DURATION)]
Version = Annotated[Text, _rule(rules.SEMVER)]


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
    data: Annotated[
        list[DataItemSettings],
        _unique("secret_key", ("secret_key",)),
    ] = Field(default_factory=list)
    data_from: list[DataFromSettings] = Field(default_factory=list)
    store: K8sName | None = None
    refresh_interval: Duration | None = None

    @model_validator(mode="after")
    def _something_to_sync(self) -> ExternalSecretSettings:
        if not self.data and not self.data_from:
            raise ValueError(f"{self.namespace}/{self.name} needs data, data_from or both")
        return self


# --- identities, workloads and stores (the mappings; the flat keys cover the walkthrough) ---
ConfigKey = Annotated[Text, _rule(rules.CONFIG_KEY)]
FederatedCredentialName = Annotated[Text, _rule(rules.FEDERATED_CREDENTIAL_NAME)]


class IdentitySettings(BaseModel):
    """One entry of ``identities``: a user-assigned managed identity and its Key Vault role."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[Text, _rule(rules.MANAGED_IDENTITY_NAME)]
    key_vault_role: Annotated[Text, _rule(rules.KEY_VAULT_SECRETS_ROLE)] = LEAST_PRIVILEGE_ROLE


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
    identity_key_vault_role: Annotated[Text, _rule(rules.KEY_VAULT_SECRETS_ROLE)] = (
        LEAST_PRIVILEGE_ROLE
    )
    federated_credential_name: Annotated[Text, _rule(rules.FEDERATED_CREDENTIAL_NAME)] | None = None

    key_vault_name_prefix: Annotated[
        Text, _rule(rules.KEY_VAULT_NAME.with_suffix(KEY_VAULT_SUFFIX_LENGTH))
    ] = "kv-azwi-eso-"
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
    existing_namespaces: Annotated[list[Namespace], _unique("namespace")] = Field(
        default_factory=list
    )
    external_secrets: (
        Annotated[
            list[ExternalSecretSettings],
            _unique("namespace and name", ("namespace", "name")),
        ]
        | None
    ) = None

    # --- identities, workloads and stores ---
    identities: dict[ConfigKey, IdentitySettings] | None = None
    workloads: dict[ConfigKey, WorkloadSettings] | None = None
    cluster_secret_stores: dict[K8sName, ClusterSecretStoreSettings] | None = None

    kubeconfig_path: Text = "~/.kube/config"
    kubeconfig_context: Text | None = None

    tags: dict[StrictStr, StrictStr] = Field(default_factory=dict)

    # --- cluster access, non-AKS clusters, self-managed webhook ---
    kubernetes_auth: Annotated[Text, _rule(_KUBERNETES_AUTH)] = "kubeconfig"
    aks_admin_credentials: StrictBool = False
    kubelogin_login_mode: Annotated[Text, _rule(_KUBELOGIN_LOGIN_MODE)] = "azurecli"
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

    @model_validator(mode="wrap")
    @classmethod
    def _one_way_to_declare_external_secrets(
        cls, data: Any, handler: ValidatorFunctionWrapHandler
    ) -> Settings:
        both = []
        if isinstance(data, dict) and data.get("external_secrets") is not None:
            both = [k for k in _SINGLE_EXTERNAL_SECRET_KEYS if k in data]
        error = PydanticCustomError(
            "conflict",
            "external_secrets replaces this key: set one or the other, not both",
            {"suggestion": "move it into external_secrets"},
        )
        return _validate_adding(
            handler, data, [InitErrorDetails(type=error, loc=(k,), input=data[k]) for k in both]
        )

    @model_validator(mode="wrap")
    @classmethod
    def _aks_cluster_or_issuer_url(
        cls, data: Any, handler: ValidatorFunctionWrapHandler
    ) -> Settings:
        """Without oidc_issuer_url the AKS cluster is looked up, so both AKS keys are required;
        reported with any other problem, not after them."""
        missing = []
        if isinstance(data, dict) and data.get("oidc_issuer_url") is None:
            missing = [k for k in _AKS_KEYS if data.get(k) is None]
        error = PydanticCustomError(
            "missing",
            "required key is missing",
            {"suggestion": "for a cluster that is not AKS, set oidc_issuer_url instead"},
        )
        return _validate_adding(
            handler, data, [InitErrorDetails(type=error, loc=(k,), input=None) for k in missing]
        )

    @model_validator(mode="after")
    def _cluster_is_aks_or_has_an_issuer_url(self) -> Settings:
        aks_keys = _AKS_KEYS
        if self.oidc_issuer_url is None:
            return self  # the AKS keys are then required: see _aks_cluster_or_issuer_url
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


class _Verbatim(str):
    """A value shown as written (an expression), not as a JSON string."""


_LONGEST_VALUE_SHOWN = 80


def _show(value: Any) -> str:
    """``value`` as JSON (which reads like HCL for literals), shortened if long."""
    try:
        text = value if isinstance(value, _Verbatim) else json.dumps(value, ensure_ascii=False)
    except TypeError:
        text = repr(value)
    if len(text) > _LONGEST_VALUE_SHOWN:
        text = text[: _LONGEST_VALUE_SHOWN - 1] + "…"
    return text


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
    """Parse and validate ``path``; every problem found is in the one ``ConfigError`` raised."""
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
    raw, problems = _parse_hcl(path)
    # Keys that are not literals are already reported; validate the rest, so all come at once.
    unreadable = {_top_key(p.key) for p in problems}
    readable = {k: v for k, v in raw.items() if k not in unreadable}
    try:
        # strict: a number is not silently turned into a string, nor "true" into a bool.
        settings = Settings.model_validate(readable, strict=True)
    except ValidationError as error:
        problems += [p for p in _problems(source, error) if _top_key(p.key) not in unreadable]
    if problems:
        in_file_order = {k: i for i, k in enumerate(raw)}
        problems.sort(key=lambda p: in_file_order.get(_top_key(p.key), len(in_file_order)))
        raise ConfigError(problems)
    return Config(settings=settings, source=path, written=raw)


def _top_key(key_path: str) -> str:
    return key_path.split("[")[0].split(".")[0]


def _parse_hcl(path: Path) -> tuple[dict[str, Any], list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(
            [Problem(str(path), "", _MISSING, f"not UTF-8 text (byte {error.start})")]
        ) from None
    try:
        tree = hcl2.parses_to_tree(text)
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
    problems = _repeated_keys(path, tree)
    parsed = hcl2.serialize(hcl2.transform(tree), serialization_options=_HCL_OPTIONS)
    values = {key: _literal(str(path), key, value, problems) for key, value in parsed.items()}
    return values, problems


def _repeated_keys(path: Path, tree: Tree) -> list[Problem]:
    """Terraform rejects a key set twice; python-hcl2 would silently keep the last value."""
    first_line: dict[str, int] = {}
    problems = []
    (body,) = tree.children
    for attribute in body.children:
        if not isinstance(attribute, Tree) or attribute.data != "attribute":
            continue
        name = attribute.children[0].children[0]
        first = first_line.setdefault(str(name), name.line)
        if first != name.line:
            problems.append(
                Problem(
                    f"{path}:{name.line}",
                    str(name),
                    _MISSING,
                    f"is set twice: first on line {first}",
                    "keep one of them",
                )
            )
    return problems


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
        written = value[2:-1] if value.startswith("${") and value.endswith("}") else value
        problems.append(
            Problem(
                source,
                key,
                _Verbatim(written),
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


def _problems(source: str, error: ValidationError) -> list[Problem]:
    return [_problem(source, item) for item in error.errors()]


def _problem(source: str, item: Any) -> Problem:
    """One pydantic error as a line a user can act on."""
    loc, kind, ctx = item["loc"], item["type"], item.get("ctx") or {}
    key = _key_path(loc)
    value = item.get("input", _MISSING) if loc else _MISSING
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        known = list(parent.model_fields) if parent else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        if close:
            hint = f"did you mean '{close[0]}'?"
        elif len(loc) > 1 and known:
            hint = f"known keys: {', '.join(known)}"
        else:
            hint = f"see {EXAMPLE_CONFIG} for keys"
        return Problem(source, key, value, "unknown key", hint)
    if kind == "missing":
        return Problem(source, key, _MISSING, "required key is missing", ctx.get("suggestion", ""))
    if kind in ("rule", "conflict"):
        return Problem(source, key, value, item["msg"], ctx.get("suggestion", ""))
    if kind == "duplicate":
        item_loc = loc[:-1] if isinstance(loc[-1], str) else loc
        first = _key_path((*item_loc[:-1], ctx["first"]))
        return Problem(source, key, value, f"same {ctx['what']} as {first}; each must be unique")
    choices = typing.get_args(_unwrap(_annotation_at(loc))) if kind == "literal_error" else ()
    if choices:
        check = rules.OneOf("", tuple(str(c) for c in choices))
        return Problem(source, key, value, check.message, check.suggestion(str(value)))
    if kind in ("too_short", "too_long"):
        bound = ctx["min_length" if kind == "too_short" else "max_length"]
        least = "at least" if kind == "too_short" else "at most"
        return Problem(source, key, value, f"must have {least} {bound} item{'s' * (bound != 1)}")
    expected = _EXPECTED.get(kind)
    if kind in ("model_type", "model_attributes_type"):
        model = _model_at(loc)
        expected = f"an object with keys {', '.join(model.model_fields)}" if model else "an object"
    if expected:
        return Problem(
            source, key, value, f"must be {expected}, got {_kind(value)}", _retype(value, kind)
        )
    message = item["msg"].removeprefix("Value error, ")
    for pydantic_words, ours in (("Input should", "must"), ("should", "must")):
        message = message.replace(pydantic_words, ours, 1)
    return Problem(source, key, value, message[:1].lower() + message[1:])


_EXPECTED = {
    "string_type": "a string",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a map",
}


def _kind(value: Any) -> str:
    """The HCL type of a parsed value, as a user wrote it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"bool {_show(value)}"
    if isinstance(value, int | float):
        return f"number {_show(value)}"
    if isinstance(value, str):
        return f"string {_show(value)}"
    return "a list" if isinstance(value, list) else "a map"


def _retype(value: Any, kind: str) -> str:
    """How to write ``value`` as the expected type, when that is obvious."""
    if kind == "string_type" and isinstance(value, bool | int | float):
        return f"quote it: {_show(_show(value))}"
    if kind == "list_type" and isinstance(value, str | int | float | bool):
        return f"a list of one is written [{_show(value)}]"
    if kind in ("int_type", "float_type") and isinstance(value, str):
        return f"remove the quotes: {value}" if _is_number(value) else ""
    if kind == "bool_type" and isinstance(value, str) and value in ("true", "false"):
        return f"remove the quotes: {value}"
    return ""


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _unwrap(annotation: Any) -> Any:
    """``annotation`` without Annotated metadata and without ``| None``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            inner = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(inner) != 1:
                return annotation
            annotation = inner[0]
        else:
            return annotation


def _annotation_at(loc: tuple[int | str, ...]) -> Any:
    """The type expected at ``loc`` inside ``Settings`` (None when it cannot be told)."""
    annotation: Any = Settings
    for part in loc:
        annotation = _unwrap(annotation)
        origin = typing.get_origin(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            known = annotation.model_fields.get(str(part))
            annotation = known.annotation if known else None
        elif origin in (list, dict):
            annotation = typing.get_args(annotation)[-1]
        else:
            return None
    return annotation


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    model = _unwrap(_annotation_at(loc))
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker for a bad map key; the key is already in the path
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def load_from_environment(project_dir: Path) -> Config:
    """Load AZWI_CONFIG, else my.auto.tfvars, else the example (saying so on stderr).

    A valid configuration prints nothing else.
    """
    path, reason = resolve_config_path(os.environ, project_dir)
    if path.name == EXAMPLE_CONFIG and not os.environ.get(CONFIG_ENV):
        print(f"azwi: using {reason}", file=sys.stderr)  # a fallback: say so
    return load_config(path)
