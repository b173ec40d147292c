"""Reading a tfvars file: HCL parsed by tree-sitter-hcl, its values turned into Python literals.

Terraform accepts only literal values in a tfvars file; an expression, a template, a heredoc, a
block or a key set twice becomes a ``Problem`` here, and text Terraform would not parse a
``ConfigError`` with its line and column. tree-sitter parses in C: a file of 100 ExternalSecrets
takes ~10 ms, where the pure-Python python-hcl2 took ~150 ms. Where its grammar is looser than
Terraform's, the rule is checked here: ``hcl_lexer`` for characters, comments, strings and
numbers; this module for the separators between arguments and object elements, escapes, and
strings in Unicode NFC as Terraform stores them. ``tests/fuzz_tfvars.py`` compares the two.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

import tree_sitter_hcl
from tree_sitter import Language, Node, Parser

from aks_workload_identity.config_file import read_config_text
from aks_workload_identity.hcl_lexer import LexicalError, for_tree_sitter
from aks_workload_identity.problems import NO_VALUE, ConfigError, Problem, Verbatim
from aks_workload_identity.quoting import quoted_line

_PARSER = Parser(Language(tree_sitter_hcl.language()))
# In a quoted string, left to right as Terraform reads it: an escape, "$${" or "%%{" (a literal
# "${" or "%{"), "${" or "%{", which start a template, or a backslash that is no escape.
_STRING_PART = re.compile(r'\\(?:u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[nrt"\\])|\$\$\{|%%\{|[$%]\{|\\.?')
_ESCAPED = {"\\n": "\n", "\\r": "\r", "\\t": "\t", '\\"': '"', "\\\\": "\\"}
_INTEGER = re.compile(r"[0-9]+")
# Beyond a float's range a number has no value the stacks could use (no key takes one that big).
_LARGEST_EXPONENT = 308
# Deeper than any key's value is; Python's recursion would end far below what tree-sitter reads.
DEEPEST_NESTING = 32
_NOT_LITERAL = "must be a literal value, not an expression"
_USE_LITERALS = 'put strings in double quotes, e.g. key = "value"'
_KEY_NOT_LITERAL = "an object key must be a name or a quoted string, not an expression"
_TEMPLATE = "templates are not allowed in a tfvars file"
_HEREDOC = "heredoc strings are not read here"
# Between arguments a line break; between object elements a comma, line breaks, or both (the
# comma first); after the last element a comma may stand before the line breaks too.
_ARGUMENT_SEPARATOR = re.compile(rb"[ \t]*(?:\r?\n[ \t]*)+")
_ELEMENT_SEPARATOR = re.compile(rb"[ \t]*(?:,[ \t]*(?:\r?\n[ \t]*)*|(?:\r?\n[ \t]*)+)")
_ELEMENT_END = re.compile(rb"[ \t]*(?:,[ \t]*)?(?:\r?\n[ \t]*)*")
_ELEMENT_RULE = "object elements must be apart by a comma or a line break, the comma first"
_SYNTAX_HINT = "each line must be key = value, strings in double quotes"


def read_tfvars(path: Path) -> tuple[dict[str, Any], list[Problem]]:
    """Each key's literal value, and a ``Problem`` per key that is not a literal."""
    text = read_config_text(path)
    original = text.encode()
    try:
        parsed = for_tree_sitter(text)
    except LexicalError as error:
        raise ConfigError(
            [_syntax_error(str(path), original, error.line - 1, error.column, error.message)]
        ) from None
    root = _PARSER.parse(parsed).root_node
    if root.has_error:
        raise ConfigError([_syntax_problem(str(path), original, root)])
    reader = _Literals(str(path), original, parsed)
    values: dict[str, Any] = {}
    first_line: dict[str, int] = {}
    items = [child for body in root.named_children for child in body.named_children]
    reader.separated(items, _ARGUMENT_SEPARATOR, "an argument must end with a line break")
    for item in items:
        line = item.start_point.row + 1
        if item.type == "block":
            reader.problems.append(
                Problem(f"{path}:{line}", "", NO_VALUE, "blocks are not allowed in a tfvars file")
            )
        if item.type != "attribute":
            continue
        name_node, expression = item.named_children
        reader.on_one_line(name_node, expression)
        name = reader.text(name_node)
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


def _syntax_error(path: str, source: bytes, row: int, column: int, rule: str = "") -> Problem:
    """A ``Problem`` at 0-based ``row``, 1-based character ``column``, quoting that line."""
    line = source.split(b"\n")[row].decode(errors="replace")
    why = f": {rule}" if rule else ""
    return Problem(
        f"{path}:{row + 1}:{column}",
        "",
        NO_VALUE,
        f"HCL syntax error near {quoted_line(line)}{why}",
        _SYNTAX_HINT,
    )


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
    return _syntax_error(path, source, row, _column(source, row, byte_column))


def _column(source: bytes, row: int, byte_column: int) -> int:
    return len(source.split(b"\n")[row][:byte_column].decode(errors="ignore")) + 1


class _Literals:
    """Turns expression nodes into literal values; what is not a literal becomes a ``Problem``,
    what Terraform would not parse a ``ConfigError``. Values are read from ``original``, the
    tree from ``parsed`` (the same offsets)."""

    def __init__(self, source: str, original: bytes, parsed: bytes) -> None:
        self.source = source
        self.original = original
        self.parsed = parsed
        self.problems: list[Problem] = []

    def text(self, node: Node) -> str:
        return self.original[node.start_byte : node.end_byte].decode()

    def syntax_error(self, node: Node, rule: str, offset: int = 0) -> ConfigError:
        return self.syntax_error_at(node.start_byte + offset, rule)

    def syntax_error_at(self, byte: int, rule: str) -> ConfigError:
        row = self.original.count(b"\n", 0, byte)
        byte_column = byte - (self.original.rfind(b"\n", 0, byte) + 1)
        column = _column(self.original, row, byte_column)
        return ConfigError([_syntax_error(self.source, self.original, row, column, rule)])

    def where(self, node: Node) -> str:
        """``node``'s place as a problem line names it: path:line:column."""
        row, byte_column = node.start_point
        return f"{self.source}:{row + 1}:{_column(self.original, row, byte_column)}"

    def separated(self, items: list[Node], separator: re.Pattern[bytes], rule: str) -> None:
        """Terraform's rule for what stands between two of ``items``."""
        for before, after in itertools.pairwise(items):
            if not separator.fullmatch(self.parsed[before.end_byte : after.start_byte]):
                raise self.syntax_error(after, rule)

    def on_one_line(self, name: Node, value: Node) -> None:
        """An argument's or object element's value starts on its name's line."""
        line_break = self.parsed.find(b"\n", name.end_byte, value.start_byte)
        if line_break >= 0:
            raise self.syntax_error_at(line_break, "a value must start on the line of its name")

    def value(self, key: str, expression: Node, depth: int = 0) -> Any:
        node, *postfix = expression.named_children
        if postfix:  # an attribute access, index or splat: var.x, a[0]
            return self._problem(key, expression, _NOT_LITERAL, _USE_LITERALS)
        if depth > DEEPEST_NESTING:
            return self._problem(key, expression, f"nested deeper than {DEEPEST_NESTING} levels")
        if node.type == "literal_value":
            return self._literal(key, node)
        if node.type == "collection_value":
            (collection,) = node.named_children
            if collection.type == "object":
                return self._object(key, collection, depth)
            elements = [child for child in collection.named_children if child.type == "expression"]
            return [
                self.value(f"{key}[{i}]", element, depth + 1) for i, element in enumerate(elements)
            ]
        if node.type == "template_expr":
            return self._template(key, node)
        if node.type == "operation" and (negated := self._negative_number(key, node)) is not None:
            return negated
        return self._problem(key, expression, _NOT_LITERAL, _USE_LITERALS)

    def _object(self, key: str, node: Node, depth: int) -> dict[Any, Any]:
        found: dict[Any, Any] = {}
        elements = [child for child in node.named_children if child.type == "object_elem"]
        self.separated(elements, _ELEMENT_SEPARATOR, _ELEMENT_RULE)
        closing = node.children[-1]
        if elements and not _ELEMENT_END.fullmatch(
            self.parsed[elements[-1].end_byte : closing.start_byte]
        ):
            raise self.syntax_error(closing, _ELEMENT_RULE)
        for element in elements:
            key_expression, value_expression = (
                child for child in element.named_children if child.type == "expression"
            )
            self.on_one_line(key_expression, value_expression)
            name_node, *postfix = key_expression.named_children
            if postfix or name_node.type not in ("variable_expr", "literal_value"):
                self._problem(key, key_expression, _KEY_NOT_LITERAL)
                continue
            name = self._key(key, name_node)
            found[name] = self.value(f"{key}.{name}", value_expression, depth + 1)
        return found

    def _key(self, key: str, node: Node) -> str:
        """An object key as Terraform takes it: a name, ``true``, ``null`` or a number as
        written, a quoted string as its value."""
        if node.type == "literal_value" and node.named_children[0].type == "string_lit":
            return self._quoted(node.named_children[0])[0]
        if node.type == "literal_value" and node.named_children[0].type == "numeric_lit":
            return str(self._literal(key, node))
        return self.text(node)

    def _template(self, key: str, node: Node) -> str:
        (template,) = node.named_children
        if template.type == "heredoc_template":
            return self._problem(key, template, _HEREDOC, "use a quoted string")
        value, is_template = self._quoted(template)
        return self._problem(key, template, _TEMPLATE) if is_template else value

    def _quoted(self, node: Node) -> tuple[str, bool]:
        """A quoted string's value (in NFC, as Terraform keeps it), and whether it is a template.

        Read from the text between the quotes: tree-sitter-hcl leaves blanks at either end out of
        the string's parts, and takes the ``${`` of ``"$$${"`` for a template; Terraform does
        neither.
        """
        written = self.text(node)[1:-1]
        template = False
        parts: list[str] = []
        at = 0
        for part in _STRING_PART.finditer(written):
            parts.append(written[at : part.start()])
            at = part.end()
            text = part[0]
            if text[0] in "$%":
                template = template or len(text) == 2
                parts.append(text[1:] if len(text) == 3 else text)  # "$${" is "${"
            elif text in _ESCAPED:
                parts.append(_ESCAPED[text])
            elif len(text) > 2 and _is_scalar(code := int(text[2:], 16)):
                parts.append(chr(code))
            else:
                offset = len(self.text(node)[: part.start() + 1].encode())
                raise self.syntax_error(node, f"invalid escape sequence {text}", offset)
        parts.append(written[at:])
        return unicodedata.normalize("NFC", "".join(parts)), template

    def _problem(self, key: str, node: Node, rule: str, suggestion: str = "") -> str:
        """Records that ``key`` is not a literal; its value is the text as written."""
        written = self.text(node)
        self.problems.append(Problem(self.where(node), key, Verbatim(written), rule, suggestion))
        return written

    def _literal(self, key: str, node: Node) -> Any:
        """A ``literal_value`` node: a number, a bool, null or a string without templates."""
        (literal,) = node.named_children
        text = self.text(literal)
        if literal.type == "numeric_lit":
            if _INTEGER.fullmatch(text) and len(text) <= _LARGEST_EXPONENT:
                return int(text)
            number = Decimal(text)
            if number and abs(number.adjusted()) > _LARGEST_EXPONENT:
                return self._problem(key, literal, "number too large or too small to use")
            return int(number) if number == number.to_integral_value() else float(number)
        if literal.type == "bool_lit":
            return text == "true"
        if literal.type == "null_lit":
            return None
        value, _ = self._quoted(literal)  # a string_lit: a template is a template_expr
        return value

    def _negative_number(self, key: str, operation: Node) -> int | float | None:
        """``-1`` is an operation in HCL's grammar, but a literal to Terraform."""
        (unary,) = operation.named_children
        if unary.type != "unary_operation" or len(unary.children) != 2:
            return None
        operator, operand = unary.children
        if self.text(operator) == "-" and operand.type == "literal_value":
            number = self._literal(key, operand)
            if isinstance(number, int | float) and not isinstance(number, bool):
                return -number
        return None


def _is_scalar(code: int) -> bool:
    """A Unicode scalar value: what a ``\\u`` or ``\\U`` escape may name in Terraform."""
    return code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF
