"""Reading a tfvars file: HCL parsed by tree-sitter-hcl, its values turned into Python literals.

Terraform accepts only literal values in a tfvars file; an expression, a template, a heredoc, a
block or a key set twice becomes a ``Problem`` here, and unreadable text or bad syntax a
``ConfigError``. tree-sitter parses in C: a file of 100 ExternalSecrets takes ~10 ms, where the
pure-Python python-hcl2 took ~150 ms. Where its grammar differs from Terraform's, the text is a
syntax error here, never a different value: exponent numbers (``1e3``; no key takes a number) and
a literal ``%`` just before an escaped ``%%{`` (``"%%%{"``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import tree_sitter_hcl
from tree_sitter import Language, Node, Parser

from aks_workload_identity.problems import NO_VALUE, ConfigError, Problem, Verbatim

_PARSER = Parser(Language(tree_sitter_hcl.language()))
# In a quoted string, left to right as Terraform reads it: an escape, "$${" or "%%{" (a literal
# "${" or "%{"), or "${" or "%{", which start a template.
_STRING_PART = re.compile(r'\\(?:u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[nrt"\\])|\$\$\{|%%\{|[$%]\{')
_ESCAPED = {"\\n": "\n", "\\r": "\r", "\\t": "\t", '\\"': '"', "\\\\": "\\"}
_INTEGER = re.compile(r"[0-9]+")
_NOT_LITERAL = "must be a literal value, not an expression"
_USE_LITERALS = 'put strings in double quotes, e.g. key = "value"'
_KEY_NOT_LITERAL = "an object key must be a name or a quoted string, not an expression"
_TEMPLATE = "templates are not allowed in a tfvars file"
_HEREDOC = "heredoc strings are not read here"
_MULTI_LINE = "a quoted string must end on the line it starts"


def read_tfvars(path: Path) -> tuple[dict[str, Any], list[Problem]]:
    """Each key's literal value, and a ``Problem`` per key that is not a literal."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(
            [Problem(str(path), "", NO_VALUE, f"not UTF-8 text (byte {error.start})")]
        ) from None
    source = text.encode()
    root = _PARSER.parse(source).root_node
    if root.has_error:
        raise ConfigError([_syntax_problem(str(path), source, root)])
    reader = _Literals(str(path))
    values: dict[str, Any] = {}
    first_line: dict[str, int] = {}
    for item in (child for body in root.named_children for child in body.named_children):
        line = item.start_point.row + 1
        if item.type == "block":
            reader.problems.append(
                Problem(f"{path}:{line}", "", NO_VALUE, "blocks are not allowed in a tfvars file")
            )
        if item.type != "attribute":
            continue
        name_node, expression = item.named_children
        name = _text(name_node)
        first = first_line.setdefault(name, line)
        if first != line:
            # Terraform rejects a key set twice; reading on would silently keep the last value.
            reader.problems.append(
                Problem(
                    f"{path}:{line}",
                    name,
                    NO_VALUE,
                    f"is set twice: first on line {first}",
                    "keep one of them",
                )
            )
        values[name] = reader.value(name, expression)
    return values, reader.problems


def _syntax_problem(path: str, source: bytes, root: Node) -> Problem:
    """The first error. tree-sitter puts a missing token where it noticed it was missing, often
    on a later line: an unclosed string is shown at its opening quote, anything else right after
    the token before the gap."""
    node = root
    while node.type != "ERROR" and not node.is_missing:
        node = next(child for child in node.children if child.has_error or child.is_missing)
    row, byte_column = node.start_point
    if node.is_missing and node.type == "quoted_template_end" and node.parent is not None:
        row, byte_column = node.parent.start_point
    elif node.is_missing:
        before = node
        while before.prev_sibling is None and before.parent is not None:
            before = before.parent
        if before.prev_sibling is not None:
            row, byte_column = before.prev_sibling.end_point
    line = source.split(b"\n")[row]
    column = len(line[:byte_column].decode(errors="ignore")) + 1
    return Problem(
        f"{path}:{row + 1}:{column}",
        "",
        NO_VALUE,
        f"HCL syntax error near {line.decode(errors='replace').strip()!r}",
        "each line must be key = value, strings in double quotes",
    )


def _text(node: Node) -> str:
    return node.text.decode() if node.text is not None else ""


def _quoted(node: Node) -> tuple[str, bool]:
    """A quoted string's value, and whether it is a template.

    Read from the text between the quotes: tree-sitter-hcl leaves blanks at either end out of the
    string's parts, and takes the ``${`` of ``"$$${"`` for a template; Terraform does neither.
    """
    written = _text(node)[1:-1]
    template = any(part[0] in "$%" and len(part) == 2 for part in _STRING_PART.findall(written))
    return _STRING_PART.sub(_unescaped, written), template


def _unescaped(match: re.Match[str]) -> str:
    part = match[0]
    if part[0] != "\\":
        return part[1:] if len(part) == 3 else part  # "$${" and "%%{" are "${" and "%{"
    if part[1] in "uU":
        return chr(int(part[2:], 16))
    return _ESCAPED[part]


class _Literals:
    """Turns expression nodes into literal values; what is not a literal becomes a ``Problem``."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def value(self, key: str, expression: Node) -> Any:
        node, *postfix = expression.named_children
        if postfix:  # an attribute access, index or splat: var.x, a[0]
            return self._problem(key, expression, _NOT_LITERAL, _USE_LITERALS)
        if (
            node.type in ("literal_value", "template_expr")
            and node.start_point.row != node.end_point.row
            and _text(node).startswith('"')  # not a heredoc
        ):
            # tree-sitter-hcl reads a quoted string on over a line break; Terraform rejects it.
            return self._problem(key, node, _MULTI_LINE, "write a line break as \\n")
        if node.type == "literal_value":
            return _literal(node)
        if node.type == "collection_value":
            (collection,) = node.named_children
            if collection.type == "object":
                return self._object(key, collection)
            elements = [child for child in collection.named_children if child.type == "expression"]
            return [self.value(f"{key}[{i}]", element) for i, element in enumerate(elements)]
        if node.type == "template_expr":
            return self._template(key, node)
        if node.type == "operation" and (negated := _negative_number(node)) is not None:
            return negated
        return self._problem(key, expression, _NOT_LITERAL, _USE_LITERALS)

    def _object(self, key: str, node: Node) -> dict[Any, Any]:
        found: dict[Any, Any] = {}
        for element in (child for child in node.named_children if child.type == "object_elem"):
            key_expression, value_expression = (
                child for child in element.named_children if child.type == "expression"
            )
            name_node, *postfix = key_expression.named_children
            if postfix or name_node.type not in ("variable_expr", "literal_value"):
                self._problem(key, key_expression, _KEY_NOT_LITERAL)
                continue
            name = _text(name_node) if name_node.type == "variable_expr" else _literal(name_node)
            found[name] = self.value(f"{key}.{name}", value_expression)
        return found

    def _template(self, key: str, node: Node) -> str:
        (template,) = node.named_children
        if template.type == "heredoc_template":
            return self._problem(key, template, _HEREDOC, "use a quoted string")
        value, is_template = _quoted(template)
        return self._problem(key, template, _TEMPLATE) if is_template else value

    def _problem(self, key: str, node: Node, rule: str, suggestion: str = "") -> str:
        """Records that ``key`` is not a literal; its value is the text as written."""
        written = _text(node)
        self.problems.append(Problem(self.source, key, Verbatim(written), rule, suggestion))
        return written


def _literal(node: Node) -> Any:
    """A ``literal_value`` node: a number, a bool, null or a string without templates."""
    (literal,) = node.named_children
    text = _text(literal)
    if literal.type == "numeric_lit":
        return int(text) if _INTEGER.fullmatch(text) else float(text)
    if literal.type == "bool_lit":
        return text == "true"
    if literal.type == "null_lit":
        return None
    value, _ = _quoted(literal)  # a string_lit: a template is a template_expr
    return value


def _negative_number(operation: Node) -> int | float | None:
    """``-1`` is an operation in HCL's grammar, but a literal to Terraform."""
    (unary,) = operation.named_children
    if unary.type != "unary_operation" or len(unary.children) != 2:
        return None
    operator, operand = unary.children
    if _text(operator) == "-" and operand.type == "literal_value":
        number = _literal(operand)
        if isinstance(number, int | float) and not isinstance(number, bool):
            return -number
    return None
