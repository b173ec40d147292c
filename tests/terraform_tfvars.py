"""The real ``terraform`` as the oracle for tfvars files: what it accepts (and as which values)
and what it rejects (and where), compared with ``read_tfvars``.

Terraform reads a var file in two phases: it parses every ``-var-file`` (a syntax error in each
is reported), then evaluates only the last value given for each declared variable. So one
``terraform plan`` over a whole batch finds every file's syntax errors, and one ``terraform
console`` per group of files whose keys do not overlap evaluates the rest. No provider, no
``init``: about 0.3 s a run.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aks_workload_identity.problems import ConfigError
from aks_workload_identity.tfvars import read_tfvars

TERRAFORM = shutil.which("terraform")
# Names Terraform refuses for a variable: a file setting one cannot be evaluated here.
_RESERVED = {"source", "version", "providers", "count", "for_each", "lifecycle", "depends_on"}
_KEY_AT_LINE_START = re.compile(rb"^[ \t]*([A-Za-z_][A-Za-z0-9_-]*)[ \t]*=", re.MULTILINE)
_WHERE = re.compile(r"on (case_(\d+)\.tfvars) line (\d+)")
_UNDECLARED = "undeclared variable"
# The plan's warning for a key no variable was declared for: the key as Terraform read it.
_FOUND_KEY = re.compile(r'named "([^"]+)" but a value was found in file "case_(\d+)\.tfvars"')
# The default of every declared variable: a name found at a line start in a multi-line object
# is declared too, and left out of the values when no file sets it.
_UNSET = "\u2205unset"


@dataclass(frozen=True)
class Verdict:
    """``accepted`` with ``values``, or not, with the first error's ``line`` and ``column``."""

    accepted: bool
    values: Any = None
    line: int = 0
    column: int = 0
    message: str = ""

    def agrees_with(self, other: Verdict) -> bool:
        return self.accepted == other.accepted and (
            not self.accepted or self.values == other.values
        )


def reader_verdict(text: bytes, directory: Path) -> Verdict:
    """``read_tfvars``'s verdict on ``text``: accepted only with no problem at all."""
    path = directory / "reader.tfvars"
    path.write_bytes(text)
    try:
        values, problems = read_tfvars(path)
    except ConfigError as error:
        problem = error.problems[0]
        line, column = ([*problem.source.removeprefix(f"{path}:").split(":"), "0", "0"])[:2]
        return Verdict(False, line=_int(line), column=_int(column), message=str(problem))
    if problems:
        where = problems[0].source.removeprefix(str(path)).lstrip(":").split(":")[0]
        return Verdict(False, line=_int(where), message=str(problems[0]))
    return Verdict(True, values)


def _int(text: str) -> int:
    return int(text) if text.isdigit() else 0


def terraform_verdicts(cases: list[bytes]) -> list[Verdict | None]:
    """Terraform's verdict on each case; ``None`` where it cannot tell (a key it cannot declare)."""
    assert TERRAFORM is not None, "terraform is not on PATH"
    with tempfile.TemporaryDirectory(prefix="tfvars-oracle-") as temporary:
        directory = Path(temporary)
        for index, text in enumerate(cases):
            (directory / f"case_{index}.tfvars").write_bytes(text)
        keys = [_keys(text) for text in cases]
        verdicts: dict[int, Verdict | None] = _syntax_errors(directory, range(len(cases)), keys)
        remaining = [i for i in range(len(cases)) if i not in verdicts]
        while remaining:
            group, used = [], set()
            for index in remaining:
                if keys[index] & _RESERVED:
                    verdicts[index] = None
                elif not keys[index] & used:
                    group.append(index)
                    used |= keys[index]
            remaining = [i for i in remaining if i not in group and i not in verdicts]
            verdicts.update(_evaluated(directory, group, keys))
        return [verdicts[i] for i in range(len(cases))]


def _keys(text: bytes) -> set[str]:
    return {match.decode() for match in _KEY_AT_LINE_START.findall(text)}


def _run(directory: Path, args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_VAR_", "TF_CLI"))}
    env.update(CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_CLI_CONFIG_FILE=os.devnull)
    return subprocess.run(
        [TERRAFORM or "terraform", *args],
        cwd=directory,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=300,
        check=False,
    )


def _declare(directory: Path, keys: set[str]) -> None:
    declared = "".join(
        f'variable "{k}" {{\n  type = any\n  default = "{_UNSET}"\n}}\n'
        for k in sorted(keys - _RESERVED)
    )
    (directory / "main.tf").write_text(declared)


def _syntax_errors(directory: Path, indexes: range, keys: list[set[str]]) -> dict[int, Verdict]:
    """One plan over all cases: every case with an error in the parse phase, and where; each
    key the plan names as undeclared is added to its case's ``keys``."""
    _declare(directory, set().union(*keys) if keys else set())
    files = [f"-var-file=case_{i}.tfvars" for i in indexes]
    result = _run(directory, ["plan", "-json", "-input=false", "-lock=false", *files])
    found: dict[int, Verdict] = {}
    for line in result.stdout.split("\n"):
        message = json.loads(line) if line.startswith("{") else {}
        diagnostic = message.get("diagnostic", {})
        filename = diagnostic.get("range", {}).get("filename", "")
        if key := _FOUND_KEY.search(diagnostic.get("detail", "")):
            keys[int(key[2])].add(key[1])
        if diagnostic.get("severity") != "error" or not filename.startswith("case_"):
            continue
        index = int(filename.removeprefix("case_").removesuffix(".tfvars"))
        start = diagnostic["range"]["start"]
        found.setdefault(
            index,
            Verdict(
                False, line=start["line"], column=start["column"], message=diagnostic["summary"]
            ),
        )
    return found


def _evaluated(
    directory: Path, group: list[int], keys: list[set[str]]
) -> dict[int, Verdict | None]:
    """Each case's values, by ``terraform console`` over the group (rerun without failed ones)."""
    verdicts: dict[int, Verdict | None] = {}
    while group:
        _declare(directory, set().union(*(keys[i] for i in group)))
        fields = ", ".join(
            f'"{i}" = {{{", ".join(f"{k} = var.{k}" for k in sorted(keys[i]))}}}' for i in group
        )
        files = [f"-var-file=case_{i}.tfvars" for i in group]
        result = _run(directory, ["console", *files], f"base64encode(jsonencode({{{fields}}}))\n")
        output = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
        failed = {
            int(m[2]): Verdict(False, line=int(m[3]), message="evaluation")
            for m in _WHERE.finditer(output)
        }
        flat = re.sub(r"[\s\u2502]+", " ", output)  # the box and line wrapping of the text
        found = [
            (int(m[2]), m[1]) for m in _FOUND_KEY.finditer(flat) if m[1] not in keys[int(m[2])]
        ]
        if found:  # a key the plan did not name: declare it too and run again
            for index, key in found:
                keys[index].add(key)
            continue
        if _UNDECLARED in flat:
            raise AssertionError(
                f"terraform names an undeclared key it did not name before: {flat}"
            )
        if result.returncode == 0 and not failed:
            encoded = result.stdout.strip().strip('"')
            values = json.loads(base64.b64decode(encoded))
            verdicts.update(
                {
                    i: Verdict(True, {k: v for k, v in values[str(i)].items() if v != _UNSET})
                    for i in group
                }
            )
            return verdicts
        if not failed:
            raise AssertionError(f"terraform console failed on no case: {output}")
        for index, verdict in failed.items():
            verdicts.setdefault(index, verdict)
        group = [i for i in group if i not in failed]
    return verdicts
