"""HCL's lexical rules as Terraform's scanner applies them, which tree-sitter-hcl's are not.

Outside strings and comments only a space, a tab, ``\\n`` and ``\\r\\n`` separate tokens (no
form feed, no lone ``\\r``, no Unicode blank); a comment runs to ``\\n`` whatever it holds; a
quoted string ends on its line; a number is decimal. ``for_tree_sitter`` returns the text
tree-sitter is given: comments and control characters in strings blanked, numbers as plain
digits, every byte offset kept, so
positions and values are read from the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_HEREDOC_START = re.compile(r"<<-?([^\W\d]\w*(?:-\w*)*)\r?\n")
_OPERATORS = set("{}[](),.=:?!+-*/%<>&|")
_CONTROL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class LexicalError(Exception):
    """What Terraform rejects before parsing, at a 1-based line and column."""

    line: int
    column: int
    message: str


def for_tree_sitter(text: str) -> bytes:
    """``text`` as UTF-8 with comments blanked and numbers as digits; raises ``LexicalError``."""
    out = bytearray()
    position = 0
    if text.startswith("\ufeff"):  # a byte order mark: Terraform skips it
        out += b" " * len("\ufeff".encode())
        position = 1
    while position < len(text):
        char = text[position]
        if char in " \t\n":
            end = position + 1
        elif text.startswith("\r\n", position):
            end = position + 2
        elif char == "#" or text.startswith("//", position):
            end = _line_end(text, position)
            out += _blank(text[position:end])
            position = end
            continue
        elif text.startswith("/*", position):
            end = text.find("*/", position + 2)
            if end < 0:
                raise _error(text, position, "a /* comment is not closed with */")
            out += _blank(text[position : end + 2])
            position = end + 2
            continue
        elif char == '"':
            end, escapes = _string_end(text, position)
            # tree-sitter-hcl stops at a control character in a string, and reads the "$${" of
            # "$$${" as "$" and an interpolation; Terraform keeps the one, escapes the other.
            string = text[position:end]
            for escape in escapes:
                string = f"{string[: escape - position]}   {string[escape - position + 3 :]}"
            out += _CONTROL.sub(b" ", string.encode())
            position = end
            continue
        elif heredoc := _HEREDOC_START.match(text, position):
            end = _heredoc_end(text, position, heredoc)
        elif number := _NUMBER.match(text, position):
            end = number.end()
            if end < len(text) and (text[end].isalnum() or text[end] == "_"):
                raise _error(text, position, "a number is written in decimal digits only")
            out += b"1" * (end - position)
            position = end
            continue
        elif char.isidentifier():
            end = position + 1
            while end < len(text) and (_continues_name(text[end])):
                end += 1
        elif char in _OPERATORS:
            end = position + 1
        else:
            raise _error(text, position, f"character {char!r} is not allowed here")
        out += text[position:end].encode()
        position = end
    return bytes(out)


def _continues_name(char: str) -> bool:
    return char == "-" or ("a" + char).isidentifier()


def _line_end(text: str, position: int) -> int:
    end = text.find("\n", position)
    return len(text) if end < 0 else end


def _blank(comment: str) -> bytes:
    """A comment as blanks of the same byte length (its line break kept)."""
    return re.sub(rb"[^\n]", b" ", comment.encode())


def _string_end(text: str, start: int) -> tuple[int, list[int]]:
    """Just past the closing quote of the string opened at ``start``, and where its escapes
    (``$${``, ``%%{``) are; an interpolation's expression (``${...}``) is skipped by its braces,
    as a template is refused later anyway."""
    position = start + 1
    braces = 0
    escapes: list[int] = []
    while position < len(text):
        char = text[position]
        if char in "\r\n":
            raise _error(text, start, "a quoted string must end on the line it starts")
        if braces == 0 and char == "\\":
            position += 2
            continue
        if braces == 0 and char == '"':
            return position + 1, escapes
        if braces == 0 and text.startswith(("$${", "%%{"), position):
            escapes.append(position)
            position += 3
            continue
        if text.startswith(("${", "%{"), position):
            braces += 1
            position += 2
            continue
        if braces and char == "}":
            braces -= 1
        position += 1
    raise _error(text, start, "a quoted string is not closed")


def _heredoc_end(text: str, start: int, heredoc: re.Match[str]) -> int:
    marker = re.compile(rf"^[ \t]*{re.escape(heredoc[1])}[ \t]*$", re.MULTILINE)
    closing = marker.search(text, heredoc.end())
    if closing is None:
        raise _error(text, start, f"a heredoc is not closed with {heredoc[1]}")
    return closing.end()


def _error(text: str, position: int, message: str) -> LexicalError:
    line_start = text.rfind("\n", 0, position) + 1
    return LexicalError(text.count("\n", 0, position) + 1, position - line_start + 1, message)
