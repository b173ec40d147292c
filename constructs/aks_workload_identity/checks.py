"""The kinds of value rule. A ``Check`` is a message, a Python test and, where Terraform can say
it, the same condition in HCL: synth and the plain-terraform path (variable ``validation``
blocks) then reject the same values with the same message. The rules themselves: ``rules.py``.

Construct Props check themselves with ``PropsProblems``: every problem, raised at once.
"""

from __future__ import annotations

import difflib
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

from aks_workload_identity.literals import literal


class Check(ABC):
    """A condition on one string value: a message, a Python test, a Terraform condition."""

    @property
    @abstractmethod
    def message(self) -> str:
        """What a valid value looks like, e.g. "Key Vault name must be 3-24 characters ..."."""

    @abstractmethod
    def ok(self, value: str) -> bool: ...

    @abstractmethod
    def terraform_condition(self, expression: str) -> str | None:
        """An HCL boolean expression that is true when ``expression`` satisfies the check; None
        when Terraform's functions cannot say it (the check is then made at synth only)."""

    def problem(self, value: str) -> str | None:
        """What is wrong with ``value``, None when nothing is."""
        return None if self.ok(value) else self.message

    def suggestion(self, value: str) -> str:
        """A hint for fixing ``value`` ("" when there is none worth giving)."""
        return ""

    @property
    def terraform_message(self) -> str:
        """``message`` as Terraform wants an error_message: a sentence, capital to full stop."""
        return self.message[:1].upper() + self.message[1:] + "."

    def check(self, value: str) -> str:
        found = self.problem(value)
        if found is not None:
            raise ValueError(found)
        return value

    def allows(self, value: str) -> bool:
        """``ok``, or a value only known at apply time (see ``unresolved``)."""
        return unresolved(value) or self.ok(value)


class SynthOnlyCheck(Check):
    """A check that says what is wrong with each value in its own words (``problem``), and that
    Terraform's functions cannot repeat."""

    @abstractmethod
    def problem(self, value: str) -> str | None: ...

    def ok(self, value: str) -> bool:
        return self.problem(value) is None

    def terraform_condition(self, expression: str) -> None:
        return None


def unresolved(value: str) -> bool:
    """True for a cdktf token or Terraform expression: its value is known only at apply time,
    so construct props skip the rule for it (a directive, ``%{``, too)."""
    return "${" in value or "%{" in value


def hcl_string(value: str) -> str:
    """``value`` as an HCL string literal, with no interpolation."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + literal(escaped) + '"'


@dataclass
class PropsProblems:
    """What construct Props find wrong, all at once: one ``ValueError``, the problems after
    ``where`` and separated by "; "."""

    where: str = ""
    found: list[str] = field(default_factory=list)

    def add(self, problem: str) -> None:
        self.found.append(problem)

    def require(self, field_name: str, value: str, check: Check) -> None:
        """``value`` satisfies ``check`` (or is only known at apply time)."""
        if not check.allows(value):
            self.add(f"{field_name} = {value!r}: {check.problem(value)}")

    def raise_any(self) -> None:
        if self.found:
            prefix = f"{self.where}: " if self.where else ""
            raise ValueError(prefix + "; ".join(self.found))


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _try(candidate: str, check: Check, value: str) -> str:
    return f"try {_quoted(candidate)}" if candidate != value and check.ok(candidate) else ""


@dataclass(frozen=True)
class Rule(Check):
    """``pattern`` (full match) plus optional length bounds and a forbidden infix.

    ``repair`` proposes a corrected value for the suggestion; by default names are repaired
    (trimmed, lowercased if the rule wants lowercase, bad characters replaced by '-', shortened).
    """

    name: str
    description: str
    pattern: str
    min_length: int = 1
    max_length: int | None = None
    forbidden: str | None = None
    repair: Callable[[str], str] | None = None

    @property
    def message(self) -> str:
        return f"{self.name} must be {self.description}"

    def ok(self, value: str) -> bool:
        if len(value) < self.min_length:
            return False
        if self.max_length is not None and len(value) > self.max_length:
            return False
        if self.forbidden is not None and self.forbidden in value:
            return False
        return re.fullmatch(self.pattern, value) is not None

    def terraform_condition(self, expression: str) -> str:
        parts = [f"length({expression}) >= {self.min_length}"]
        if self.max_length is not None:
            parts.append(f"length({expression}) <= {self.max_length}")
        if self.forbidden is not None:
            parts.append(f"!strcontains({expression}, {hcl_string(self.forbidden)})")
        parts.append(f"can(regex({hcl_string('^(?:' + self.pattern + ')$')}, {expression}))")
        return " && ".join(parts)

    def suggestion(self, value: str) -> str:
        return _try(self.repaired(value), self, value)

    def repaired(self, value: str, room: int = 0) -> str:
        """``value`` made to fit, best effort; ``room`` characters are kept free at the end."""
        if self.repair is not None:
            return self.repair(value)
        text = value.strip()
        if not self._allowed_inside("A"):
            text = text.lower()
        text = "".join(c if self._allowed_inside(c) else "-" for c in text)
        if self.forbidden:
            while self.forbidden in text:
                text = text.replace(self.forbidden, self.forbidden[:-1])
        if self.max_length is not None:
            text = text[: self.max_length - room]
        return text.strip("-._")

    def _allowed_inside(self, char: str) -> bool:
        return re.fullmatch(self.pattern, f"a{char}a") is not None

    def with_suffix(self, length: int) -> Suffixed:
        return Suffixed(self, length)


@dataclass(frozen=True)
class Suffixed(Check):
    """A prefix that ``rule`` must accept once ``length`` random letters/digits are appended."""

    rule: Rule
    length: int

    @property
    def message(self) -> str:
        return (
            f"{self.rule.name} (this prefix + {self.length} random characters) "
            f"must be {self.rule.description}"
        )

    def _named(self, prefix: str) -> str:
        return prefix + "a" * self.length  # the suffix adds only letters and digits

    def ok(self, value: str) -> bool:
        return self.rule.ok(self._named(value))

    def terraform_condition(self, expression: str) -> str:
        return self.rule.terraform_condition(
            f"join({hcl_string('')}, [{expression}, {hcl_string('a' * self.length)}])"
        )

    def suggestion(self, value: str) -> str:
        return _try(self.rule.repaired(value, room=self.length), self, value)


@dataclass(frozen=True)
class OneOf(Check):
    """One of a fixed set of values (exact, case-sensitive)."""

    name: str
    choices: tuple[str, ...]

    @property
    def message(self) -> str:
        listed = [_quoted(c) for c in self.choices]
        alternatives = f"{', '.join(listed[:-1])} or {listed[-1]}" if len(listed) > 1 else listed[0]
        return f"{self.name} must be {alternatives}".strip()

    def ok(self, value: str) -> bool:
        return value in self.choices

    def terraform_condition(self, expression: str) -> str:
        return f"contains([{', '.join(hcl_string(c) for c in self.choices)}], {expression})"

    def suggestion(self, value: str) -> str:
        folded = {c.casefold(): c for c in self.choices}
        close = difflib.get_close_matches(value.casefold(), folded, n=1, cutoff=0.5)
        return f"did you mean {_quoted(folded[close[0]])}?" if close else ""


@dataclass(frozen=True)
class ReservedPrefix(Check):
    """Not starting with ``prefix``, except the names in ``allowed``."""

    name: str
    prefix: str
    reserved_for: str
    allowed: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        kept = f" (other than {', '.join(self.allowed)})" if self.allowed else ""
        return f"{self.name} must not start with {self.prefix!r}{kept}: {self.reserved_for}"

    def ok(self, value: str) -> bool:
        return not value.startswith(self.prefix) or value in self.allowed

    def terraform_condition(self, expression: str) -> str:
        allowed = ", ".join(hcl_string(a) for a in self.allowed)
        starts = f"startswith({expression}, {hcl_string(self.prefix)})"
        return f"!{starts} || contains([{allowed}], {expression})"


@dataclass(frozen=True)
class NotBlank(Check):
    """Any text but empty or whitespace only."""

    @property
    def message(self) -> str:
        return "must not be empty"

    def ok(self, value: str) -> bool:
        return bool(value.strip())

    def terraform_condition(self, expression: str) -> str:
        return f'trimspace({expression}) != ""'
