"""Configuration problems: one ``Problem`` line per bad key, all raised in one ``ConfigError``.

``validation_problems`` turns pydantic's errors into those lines: the key path as written in the
tfvars file, the value shown like HCL, what is wrong and, where obvious, how to fix it.
"""

from __future__ import annotations

import difflib
import json
import sys
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError

from aks_workload_identity import rules
from aks_workload_identity.quoting import redacted, shown


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
        shown = "" if self.value is NO_VALUE else f" = {_show(self.value)}"
        hint = f" ({redacted(self.suggestion)})" if self.suggestion else ""
        return f"{redacted(where + shown)}: {self.rule}{hint}"


# A Problem's value when there is none to show (a missing key, a whole file).
NO_VALUE = object()


class Verbatim(str):
    """A value shown as written (an expression), not as a JSON string."""


def _show(value: Any) -> str:
    """``value`` as JSON (which reads like HCL for literals), shortened if long."""
    try:
        text = value if isinstance(value, Verbatim) else json.dumps(value, ensure_ascii=False)
    except TypeError:
        text = repr(value)
    return shown(text)


class ConfigError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems

    def report(self, outcome: str) -> None:
        """One stderr line per problem, then how many and ``outcome`` (what was not done)."""
        for problem in self.problems:
            print(f"azwi: {problem}", file=sys.stderr)
        print(f"azwi: {len(self.problems)} configuration problem(s); {outcome}", file=sys.stderr)


def validation_problems(
    source: str, error: ValidationError, model: type[BaseModel], keys_documented_in: str
) -> list[Problem]:
    """``error`` (from validating ``model``) as one ``Problem`` per pydantic error."""
    return [_problem(source, item, model, keys_documented_in) for item in error.errors()]


def _problem(source: str, item: Any, model: type[BaseModel], keys_documented_in: str) -> Problem:
    """One pydantic error as a line a user can act on."""
    loc, kind, ctx = item["loc"], item["type"], item.get("ctx") or {}
    key = _key_path(loc)
    value = item.get("input", NO_VALUE) if loc else NO_VALUE
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        known = list(parent.model_fields) if parent else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        if close:
            hint = f"did you mean '{close[0]}'?"
        elif len(loc) > 1 and known:
            hint = f"known keys: {', '.join(known)}"
        else:
            hint = f"see {keys_documented_in} for keys"
        return Problem(source, key, value, "unknown key", hint)
    if kind == "missing":
        return Problem(source, key, NO_VALUE, "required key is missing", ctx.get("suggestion", ""))
    if kind == "refused":  # a credential: its value is never shown
        return Problem(source, key, NO_VALUE, item["msg"], ctx.get("suggestion", ""))
    if kind in ("rule", "conflict"):
        return Problem(source, key, value, item["msg"], ctx.get("suggestion", ""))
    if kind == "duplicate":
        item_loc = loc[:-1] if isinstance(loc[-1], str) else loc
        first = _key_path((*item_loc[:-1], ctx["first"]))
        return Problem(source, key, value, f"same {ctx['what']} as {first}; each must be unique")
    choices = (
        typing.get_args(_unwrap(_annotation_at(model, loc))) if kind == "literal_error" else ()
    )
    if choices:
        check = rules.OneOf("", tuple(str(c) for c in choices))
        return Problem(source, key, value, check.message, check.suggestion(str(value)))
    if kind in ("too_short", "too_long"):
        bound = ctx["min_length" if kind == "too_short" else "max_length"]
        least = "at least" if kind == "too_short" else "at most"
        return Problem(source, key, value, f"must have {least} {bound} item{'s' * (bound != 1)}")
    expected = _EXPECTED.get(kind)
    if kind in ("model_type", "model_attributes_type"):
        found = _model_at(model, loc)
        expected = f"an object with keys {', '.join(found.model_fields)}" if found else "an object"
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


def _annotation_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> Any:
    """The type expected at ``loc`` inside ``model`` (None when it cannot be told)."""
    annotation: Any = model
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


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    found = _unwrap(_annotation_at(model, loc))
    return found if isinstance(found, type) and issubclass(found, BaseModel) else None


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker for a bad map key; the key is already in the path
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path
