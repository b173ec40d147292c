"""Reading a tfvars file: HCL parsed with python-hcl2 into plain Python literals.

Terraform accepts only literal values in a tfvars file; an expression, a template or a key set
twice becomes a ``Problem`` here, and unreadable text or bad syntax a ``ConfigError``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import hcl2
from lark import Tree
from lark.exceptions import UnexpectedInput

from aks_workload_identity.problems import NO_VALUE, ConfigError, Problem, Verbatim

_HCL_OPTIONS = hcl2.SerializationOptions(with_comments=False, with_meta=False)


def read_tfvars(path: Path) -> tuple[dict[str, Any], list[Problem]]:
    """Each key's literal value, and a ``Problem`` per key that is not a literal."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(
            [Problem(str(path), "", NO_VALUE, f"not UTF-8 text (byte {error.start})")]
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
                    NO_VALUE,
                    f"HCL syntax error near {line!r}",
                    "each line must be key = value, strings in double quotes",
                )
            ]
        ) from None
    except Exception as error:
        raise ConfigError(
            [Problem(str(path), "", NO_VALUE, f"HCL syntax error: {error}")]
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
                    NO_VALUE,
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
                Verbatim(written),
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
