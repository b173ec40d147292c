"""The one typed, validated configuration: loaded from an HCL tfvars file, nowhere else.

``load_config`` parses the file with python-hcl2, validates every key with pydantic and the rules
in ``rules.py``, and raises ``ConfigError`` with one ``Problem`` per bad key. The rest of the code
reads only the frozen ``Config`` (and the specs it derives); nothing else reads files or the
environment.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from dataclasses import dataclass, field
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
        if s.install_workload_identity_webhook:
            used.append(s.workload_identity_webhook_namespace)
        skip = BUILTIN_NAMESPACES | set(s.existing_namespaces)
        return tuple(dict.fromkeys(n for n in used if n not in skip))

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
