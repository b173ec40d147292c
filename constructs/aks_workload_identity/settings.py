"""The tfvars file's keys as pydantic models: types, defaults and the rules each value obeys.

``Settings`` is every key of the file (``extra="forbid"``); the ``*Settings`` models are the
entries of its lists and maps. Validation reports every problem at once, as pydantic errors that
``problems.py`` turns into lines a user can act on.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

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

from aks_workload_identity import eso_chart, kubelogin, rules, waits
from aks_workload_identity.federation import credential_name

KEY_VAULT_SUFFIX_LENGTH = 5
KEY_VAULT_DATA_ROLES = rules.KEY_VAULT_SECRETS_ROLE.choices
LEAST_PRIVILEGE_ROLE = "Key Vault Secrets User"
KUBERNETES_AUTH_MODES = ("kubeconfig", "aks_credentials", "kubelogin")
BUILTIN_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
_AKS_KEYS = ("aks_resource_group_name", "aks_cluster_name")
_KUBERNETES_AUTH = rules.OneOf("kubernetes_auth", KUBERNETES_AUTH_MODES)


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
    """One entry of ``identities``: a user-assigned managed identity and its Key Vault role.

    ``name`` creates the identity; ``resource_id`` names an existing one instead, which only gets
    federated credentials (and the role), so its client ID and role assignments elsewhere stay.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[Text, _rule(rules.MANAGED_IDENTITY_NAME)] | None = None
    resource_id: Annotated[Text, _rule(rules.USER_ASSIGNED_IDENTITY_ID)] | None = None
    key_vault_role: Annotated[Text, _rule(rules.KEY_VAULT_SECRETS_ROLE)] = LEAST_PRIVILEGE_ROLE

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
        return rules.identity_id_parts(self.resource_id).name


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
    eso_ready_timeout: Duration = waits.READY_TIMEOUT
    eso_reinstall_allowed: StrictBool = False
    eso_keep_crds_enabled: StrictBool = False
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
    kubelogin_login_mode: Annotated[
        Text, _rule(kubelogin.NOT_INTERACTIVE), _rule(kubelogin.LOGIN_MODE)
    ] = "azurecli"
    oidc_issuer_url: Annotated[Text, _rule(rules.HTTPS_URL)] | None = None
    resource_group_name: Annotated[Text, _rule(rules.RESOURCE_GROUP_NAME)] | None = None
    location: Annotated[Text, _rule(rules.AZURE_LOCATION)] | None = None
    install_workload_identity_webhook: StrictBool = False
    workload_identity_webhook_chart_version: Version = "1.6.0"
    workload_identity_webhook_namespace: Namespace = "azure-workload-identity-system"

    # --- Key Vault security ---
    key_vault_purge_protection_enabled: StrictBool = False
    key_vault_purge_on_destroy_enabled: StrictBool = True
    key_vault_replacement_allowed: StrictBool = False
    key_vault_prevent_destroy_enabled: StrictBool = False
    key_vault_rbac_propagation_wait: Duration = waits.RBAC_PROPAGATION_WAIT
    key_vault_placeholder_secrets_enabled: StrictBool = True
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

    @model_validator(mode="wrap")
    @classmethod
    def _no_service_account_the_eso_chart_creates(
        cls, data: Any, handler: ValidatorFunctionWrapHandler
    ) -> Settings:
        """Judged on the values as written, so it is reported with any other problem."""
        errors = []
        if isinstance(data, dict):
            default = {k: f.default for k, f in cls.model_fields.items()}
            eso = data.get("eso_namespace", default["eso_namespace"])
            flat = data.get("service_account_namespace", default["service_account_namespace"])
            accounts = {("service_account_name",): (data.get("service_account_name"), flat)}
            workloads = data.get("workloads")
            for key, w in (workloads if isinstance(workloads, dict) else {}).items():
                if isinstance(w, dict):
                    where = ("workloads", key, "service_account")
                    accounts[where] = (w.get("service_account"), w.get("namespace"))
            rule, hint = eso_chart.service_account_taken(eso)
            error = PydanticCustomError("rule", rule, {"suggestion": hint})
            errors = [
                InitErrorDetails(type=error, loc=loc, input=name)
                for loc, (name, namespace) in accounts.items()
                if namespace == eso and name in eso_chart.SERVICE_ACCOUNTS
            ]
        return _validate_adding(handler, data, errors)

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
            "key_vault_purge_on_destroy_enabled": ("key_vault_purge_protection_enabled", False),
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
        names = [i.name for i in self.identities.values() if i.name is not None]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(
                f"identities: name {twice} is used by more than one identity; "
                "managed identity names are unique within the resource group"
            )
        # Azure compares IDs case-insensitively; two entries would write credentials on one
        # identity concurrently (HTTP 409) and count its 20 separately.
        ids = [i.resource_id.lower() for i in self.identities.values() if i.resource_id]
        twice = sorted({n for n in ids if ids.count(n) > 1})
        if twice:
            raise ValueError(
                f"identities: resource_id {twice} is used by more than one identity; "
                "name each existing identity once (several workloads can share it)"
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
                w: credential_name(s.namespace, s.service_account, s.federated_credential_name)
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
                    f"identities.{key} ({identity.azure_name}) is used by {len(users)} workloads: "
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
            if create and not workload.create_service_account:
                raise ValueError(
                    f"workloads.{key}: create_namespace = true, but create_service_account = "
                    "false: an existing service account's namespace exists already"
                )
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
