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
import types
import typing
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import hcl2
from lark import Tree
from lark.exceptions import UnexpectedInput
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
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
_HCL_OPTIONS = hcl2.SerializationOptions(with_comments=False, with_meta=False)
BUILTIN_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})


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
    data: Annotated[
        list[DataItemSettings],
        Field(min_length=1),
        _unique("secret_key", ("secret_key",)),
    ]
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

    kubeconfig_path: Text = "~/.kube/config"
    kubeconfig_context: Text | None = None

    tags: dict[StrictStr, StrictStr] = Field(default_factory=dict)

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
        return Problem(source, key, _MISSING, "required key is missing")
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
