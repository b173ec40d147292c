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


class ExternalSecretSettings(BaseModel):
    """One entry of ``external_secrets``; ``store`` and ``refresh_interval`` default to the
    top-level ``cluster_secret_store_name`` and ``refresh_interval``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: K8sName
    namespace: Namespace
    data: Annotated[list[DataItemSettings], Field(min_length=1)]
    store: K8sName | None = None
    refresh_interval: Duration | None = None


_SINGLE_EXTERNAL_SECRET_KEYS = (
    "external_secret_name",
    "external_secret_namespace",
    "external_secret_key",
)


class Settings(BaseModel):
    """Every key of the tfvars file; see my.auto.tfvars.example for what each one means."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    aks_resource_group_name: Annotated[Text, _rule(rules.RESOURCE_GROUP_NAME)]
    aks_cluster_name: Annotated[Text, _rule(rules.AKS_CLUSTER_NAME)]

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

    kubeconfig_path: Text = "~/.kube/config"
    kubeconfig_context: Text | None = None

    tags: dict[StrictStr, StrictStr] = Field(default_factory=dict)

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
    secret_key: str
    remote_key: str


@dataclass(frozen=True)
class ExternalSecretSpec:
    name: str
    namespace: str
    store: str
    refresh_interval: str
    data: tuple[DataItem, ...]


@dataclass(frozen=True)
class Config:
    """The validated settings plus where they came from, and the specs derived from them."""

    settings: Settings
    source: Path
    written: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, key: str) -> Any:
        return getattr(self.settings, key)

    @property
    def federation(self) -> Federation:
        s = self.settings
        default_name = f"{s.service_account_namespace}-{s.service_account_name}".replace(".", "-")
        return Federation(
            name=s.federated_credential_name
            or default_name[: rules.FEDERATED_CREDENTIAL_NAME.max_length],
            namespace=s.service_account_namespace,
            service_account=s.service_account_name,
        )

    @property
    def external_secrets(self) -> tuple[ExternalSecretSpec, ...]:
        """The ``external_secrets`` list, or else the walkthrough's single ExternalSecret."""
        s = self.settings
        if s.external_secrets is None:
            return (
                ExternalSecretSpec(
                    name=s.external_secret_name,
                    namespace=s.external_secret_namespace,
                    store=s.cluster_secret_store_name,
                    refresh_interval=s.refresh_interval,
                    data=(DataItem(s.external_secret_key, s.key_vault_secret_name),),
                ),
            )
        return tuple(
            ExternalSecretSpec(
                name=entry.name,
                namespace=entry.namespace,
                store=entry.store or s.cluster_secret_store_name,
                refresh_interval=entry.refresh_interval or s.refresh_interval,
                data=tuple(DataItem(d.secret_key, d.remote_key) for d in entry.data),
            )
            for entry in s.external_secrets
        )

    @property
    def namespaces_to_create(self) -> tuple[str, ...]:
        """Every namespace the stacks use, less built-in and declared-existing ones, in order."""
        s = self.settings
        used = [s.eso_namespace, s.service_account_namespace]
        used += [e.namespace for e in self.external_secrets]
        skip = BUILTIN_NAMESPACES | set(s.existing_namespaces)
        return tuple(dict.fromkeys(n for n in used if n not in skip))

    @property
    def warnings(self) -> tuple[str, ...]:
        """Valid but risky choices, printed at synth: one actionable line each."""
        found = []
        if self.settings.identity_key_vault_role == BROAD_KEY_VAULT_ROLE:
            found.append(
                f'identity_key_vault_role = "{BROAD_KEY_VAULT_ROLE}" lets External Secrets '
                "read, change and delete every secret, key and certificate in the vault; set "
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


def _problems(source: str, raw: dict[str, Any], error: ValidationError) -> list[Problem]:
    problems = []
    known = list(Settings.model_fields)
    for item in error.errors():
        loc = item["loc"]
        key = _key_path(loc)
        kind = item["type"]
        if kind == "extra_forbidden":
            close = difflib.get_close_matches(str(loc[0]), known, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else "see my.auto.tfvars.example for keys"
            problems.append(Problem(source, key, item["input"], "unknown key", hint))
        elif kind == "missing":
            problems.append(Problem(source, key, _MISSING, "required key is missing"))
        else:
            message = item["msg"].removeprefix("Value error, ")
            value = item.get("input", _MISSING) if loc else _MISSING
            problems.append(Problem(source, key, value, message))
    return problems


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def load_from_environment(project_dir: Path) -> Config:
    """Load AZWI_CONFIG, else my.auto.tfvars, else the example (saying so on stderr)."""
    path, reason = resolve_config_path(os.environ, project_dir)
    if path.name == EXAMPLE_CONFIG:
        print(f"azwi: using {reason}", file=sys.stderr)
    return load_config(path)
