"""Every configuration key is described once: its type and default are the ``Settings`` field's,
and the reference table and ``my.auto.tfvars.example`` are checked against them. A key added in
one place and not the others fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from aks_workload_identity.settings import Settings
from aks_workload_identity.tfvars import read_tfvars
from aks_workload_identity.variables import terraform_type
from tests.conftest import EXAMPLE_CONFIG, PROJECT_DIR

DOCS_REFERENCE = PROJECT_DIR / "docs" / "configuration.md"
BEGIN, END = "<!-- BEGIN configuration keys -->", "<!-- END configuration keys -->"
_ROW = re.compile(r"^\| `(\w+)` \| (.*?) \| .* \|$")
_KEY_LINE = re.compile(r"^(?:# )?(\w+) = (.*)$")


def reference_table() -> str:
    """The configuration keys table: in docs/configuration.md between the markers, or (before
    the docs moved) the first table of the README's "## Configuration"."""
    if DOCS_REFERENCE.is_file():
        text = DOCS_REFERENCE.read_text()
        return text[text.index(BEGIN) + len(BEGIN) : text.index(END)]
    text = (PROJECT_DIR / "README.md").read_text()
    section = text[text.index("\n## Configuration\n") :]
    return section[: section.index("\n## ", 1)]


def table_defaults() -> dict[str, str]:
    """Each key of the table with its default column, in table order."""
    rows = [_ROW.match(line) for line in reference_table().splitlines()]
    found = [(m[1], m[2]) for m in rows if m]
    keys = [key for key, _ in found]
    assert len(keys) == len(set(keys)), f"keys in the table twice: {keys}"
    return dict(found)


def hcl_literal(value: Any) -> str:
    """``value`` as it is written in a tfvars file."""
    return json.dumps(value).replace('": ', '" = ') if value not in ([], {}) else json.dumps(value)


def test_the_reference_table_lists_every_key_with_its_default() -> None:
    documented = table_defaults()
    assert sorted(documented) == sorted(Settings.model_fields)
    for key, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        cell = documented[key]
        if default is None:  # derived or unset: said in words, not as a value
            assert not re.fullmatch(r"`[^<`]*`", cell), f"{key}: default is unset, table: {cell}"
        else:
            assert cell == f"`{hcl_literal(default)}`", f"{key}: default {default!r}, table {cell}"


def example_assignments() -> str:
    """my.auto.tfvars.example with every top-level key set, commented out or not: each
    commented key's lines (up to where its value closes) uncommented."""
    lines, out, depth = EXAMPLE_CONFIG.read_text().splitlines(), [], 0
    for line in lines:
        text = line if depth == 0 else line.removeprefix("# ").removeprefix("#")
        if depth == 0:
            match = _KEY_LINE.match(line)
            if not match:
                continue
            text = f"{match[1]} = {match[2]}"
        depth += sum(text.count(c) for c in "[{") - sum(text.count(c) for c in "]}")
        out.append(text)
    return "\n".join(out) + "\n"


def _hcl_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    kind = "list" if isinstance(value, list) else "map"
    items = value if isinstance(value, list) else list(value.values())
    if items and all(isinstance(item, str) for item in items):
        return f"{kind}(string)"
    return f"{kind}(any)"


def test_the_example_sets_every_key_once_with_its_type_and_default(tmp_path: Path) -> None:
    written = tmp_path / "every-key.tfvars"
    written.write_text(example_assignments())
    values, problems = read_tfvars(written)
    assert problems == []
    keys = [m[1] for line in written.read_text().splitlines() if (m := _KEY_LINE.match(line))]
    assert sorted(keys) == sorted(Settings.model_fields), "each key once in the example"
    for key, field in Settings.model_fields.items():
        expected, found = terraform_type(field.annotation), _hcl_type(values[key])
        if expected == "any":  # a list or map of objects
            assert found.split("(")[0] in ("list", "map"), f"{key}: {found}"
        elif found.endswith("(any)"):  # empty: any element type fits
            assert found.split("(")[0] == expected.split("(")[0], f"{key}: {found}"
        else:
            assert found == expected, f"{key}: the example's value is a {found}, not {expected}"
        default = field.get_default(call_default_factory=True)
        if isinstance(default, str | bool):
            assert values[key] == default, f"{key}: example {values[key]!r}, default {default!r}"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('| `kubernetes_auth` | `"kubeconfig"` | how |', ("kubernetes_auth", '`"kubeconfig"`')),
        ("| `tags` | `{}` | Azure tags |", ("tags", "`{}`")),
        ("| key | default | meaning |", None),
    ],
)
def test_table_rows_are_read_as_key_and_default(line, expected) -> None:
    match = _ROW.match(line)
    assert (match and (match[1], match[2])) == expected
