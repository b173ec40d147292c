"""The tfvars reader: HCL literals in, Python values out; anything else a problem or an error."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aks_workload_identity.problems import ConfigError
from aks_workload_identity.tfvars import read_tfvars

_HCL_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def hcl_string(value: str) -> str:
    """``value`` as an HCL quoted string, written with every kind of escape HCL has."""
    escaped = "".join(
        _HCL_ESCAPES.get(char, f"\\u{ord(char):04x}" if ord(char) < 0x20 else char)
        for char in value
    )
    return '"' + escaped.replace("${", "$${").replace("%{", "%%{") + '"'


def hcl(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(hcl(v) for v in value) + "]"
    return "{\n" + "".join(f"  {hcl_string(k)} = {hcl(v)}\n" for k, v in value.items()) + "}"


strings = st.text()
literals = st.recursive(
    st.none() | st.booleans() | st.integers() | strings,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(strings, inner, max_size=4),
    max_leaves=12,
)
attribute_names = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)


def read(tmp_path: Path, text: str) -> tuple[dict[str, Any], list[str]]:
    path = tmp_path / "test.tfvars"
    path.write_text(text, encoding="utf-8")
    values, problems = read_tfvars(path)
    return values, [str(p).removeprefix(f"{path}: ") for p in problems]


def syntax_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "test.tfvars"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_tfvars(path)
    (problem,) = caught.value.problems
    return str(problem).removeprefix(str(path))


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(attribute_names, literals, max_size=5))
def test_every_literal_written_as_hcl_reads_back_unchanged(tmp_path_factory, values) -> None:
    text = "".join(f"{name} = {hcl(value)}\n" for name, value in values.items())
    assert read(tmp_path_factory.mktemp("tfvars"), text) == (in_nfc(values), [])


def in_nfc(value: Any) -> Any:
    """``value`` with every string in Unicode NFC, as Terraform keeps strings."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [in_nfc(v) for v in value]
    if isinstance(value, dict):
        return {in_nfc(k): in_nfc(v) for k, v in value.items()}
    return value


def test_escapes_are_hcl_escapes(tmp_path) -> None:
    text = 'a = "q\\"x\\\\y\\n\\u00e9\\U0001F600 $${lit} %%{directive}"\nb = "  $$${x} "\n'
    assert read(tmp_path, text) == (
        {"a": 'q"x\\y\né😀 ${lit} %{directive}', "b": "  $${x} "},
        [],
    )


def test_numbers_bools_null_comments_and_bare_or_quoted_keys(tmp_path) -> None:
    text = (
        "# a comment\n"
        "a = -2 // another\n"
        "b = 2.5\n"
        "e = 1.5e3\n"
        "/* and another */ c = [true, false, null]\n"
        'd = { bare = 1, "quoted-key" = 2, colon: 3, }\n'
    )
    assert read(tmp_path, text) == (
        {
            "a": -2,
            "b": 2.5,
            "e": 1500,
            "c": [True, False, None],
            "d": {"bare": 1, "quoted-key": 2, "colon": 3},
        },
        [],
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a = var.name\n", "a = var.name: must be a literal value, not an expression"),
        ('a = ["ok", upper("x")]\n', 'a[1] = upper("x"): must be a literal value'),
        ("a = { k = 1 + 2 }\n", "a.k = 1 + 2: must be a literal value"),
        ("a = -var.x\n", "a = -var.x: must be a literal value"),
        (
            'a = "id-${var.env}"\n',
            'a = "id-${var.env}": templates are not allowed in a tfvars file',
        ),
        ('a = "%{if true}x%{endif}"\n', "templates are not allowed in a tfvars file"),
        ("a = { (var.k) = 1 }\n", "a = (var.k): an object key must be a name or a quoted string"),
        ("a = <<EOT\nhello\nEOT\n", "heredoc strings are not read here (use a quoted string)"),
    ],
)
def test_what_is_not_a_literal_is_a_problem_of_its_key(tmp_path, text, problem) -> None:
    _, problems = read(tmp_path, text)
    assert len(problems) == 1
    assert problem in problems[0]


def test_a_block_is_a_problem_with_its_line(tmp_path) -> None:
    values, problems = read(tmp_path, 'a = "1"\nresource { x = 1 }\n')
    assert values == {"a": "1"}
    (problem,) = problems
    assert problem.endswith("test.tfvars:2: blocks are not allowed in a tfvars file")


@pytest.mark.parametrize(
    ("text", "where", "near"),
    [
        ('a = "x"\nidentity_name = \n', ":2:16:", "'identity_name ='"),
        ('a = "abc\nb = 1\n', ":1:5:", "'a = \"abc'"),
        ('a = "two\nlines"\n', ":1:5:", "'a = \"two'"),
        ('name = "é" = \n', ":1:12:", "'name = \"é\" ='"),
        ("a = 0x1F\n", ":1:5:", "'a = 0x1F'"),
    ],
)
def test_syntax_errors_name_the_line_and_column(tmp_path, text, where, near) -> None:
    error = syntax_error(tmp_path, text)
    assert error.startswith(where)
    assert f"HCL syntax error near {near}" in error


def test_text_that_is_not_utf8_is_an_error(tmp_path) -> None:
    path = tmp_path / "test.tfvars"
    path.write_bytes(b'a = "\xff"\n')
    with pytest.raises(ConfigError, match=r"not UTF-8 text \(byte 5\)"):
        read_tfvars(path)
