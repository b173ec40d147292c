"""Naming and format rules imposed by Azure, Kubernetes, Helm and Go.

Each rule is one object with a Python check and the equivalent Terraform condition, so synth and
the plain-terraform path (variable ``validation`` blocks) reject the same values with the same
message. Patterns are RE2-compatible (no look-arounds, ASCII classes only) because Terraform's
``regex`` is RE2; tests/test_terraform_validation.py runs both engines over the same values.
"""

from __future__ import annotations

import difflib
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple


class Check(ABC):
    """A condition on one string value: a message, a Python test, a Terraform condition."""

    @property
    @abstractmethod
    def message(self) -> str:
        """What a valid value looks like, e.g. "Key Vault name must be 3-24 characters ..."."""

    @abstractmethod
    def ok(self, value: str) -> bool: ...

    @abstractmethod
    def terraform_condition(self, expression: str) -> str:
        """An HCL boolean expression that is true when ``expression`` satisfies the check."""

    def suggestion(self, value: str) -> str:
        """A hint for fixing ``value`` ("" when there is none worth giving)."""
        return ""

    @property
    def terraform_message(self) -> str:
        """``message`` as Terraform wants an error_message: a sentence, capital to full stop."""
        return self.message[:1].upper() + self.message[1:] + "."

    def check(self, value: str) -> str:
        if not self.ok(value):
            raise ValueError(self.message)
        return value

    def allows(self, value: str) -> bool:
        """``ok``, or a value only known at apply time (see ``unresolved``)."""
        return unresolved(value) or self.ok(value)


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
            parts.append(f"!strcontains({expression}, {_hcl_string(self.forbidden)})")
        parts.append(f"can(regex({_hcl_string('^(?:' + self.pattern + ')$')}, {expression}))")
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
            f"join({_hcl_string('')}, [{expression}, {_hcl_string('a' * self.length)}])"
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
        return f"contains([{', '.join(_hcl_string(c) for c in self.choices)}], {expression})"

    def suggestion(self, value: str) -> str:
        folded = {c.casefold(): c for c in self.choices}
        close = difflib.get_close_matches(value.casefold(), folded, n=1, cutoff=0.5)
        return f"did you mean {_quoted(folded[close[0]])}?" if close else ""


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


def unresolved(value: str) -> bool:
    """True for a cdktf token or Terraform expression: its value is known only at apply time,
    so construct props skip the rule for it."""
    return "${" in value


def require(where: str, field_name: str, value: str, check: Check) -> None:
    """Construct props: ``value`` satisfies ``check`` (or is only known at apply time)."""
    if not check.allows(value):
        raise ValueError(f"{where}: {field_name} = {value!r}: {check.message}")


def _hcl_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("${", "$${").replace("%{", "%%{") + '"'


_DURATION_UNITS = (
    ("hours", "h"),
    ("hour", "h"),
    ("hr", "h"),
    ("minutes", "m"),
    ("minute", "m"),
    ("mins", "m"),
    ("min", "m"),
    ("seconds", "s"),
    ("second", "s"),
    ("secs", "s"),
    ("sec", "s"),
)


def _repair_duration(value: str) -> str:
    text = "".join(value.lower().split())
    for word, unit in _DURATION_UNITS:
        text = text.replace(word, unit)
    return f"{text}s" if text.isdigit() and text != "0" else text


def _repair_version(value: str) -> str:
    text = value.strip().removeprefix("v").removeprefix("V")
    parts = text.split(".")
    if 1 <= len(parts) < 3 and all(p.isdigit() for p in parts):
        text = ".".join([*parts, *["0"] * (3 - len(parts))])
    return text


def _repair_uuid(value: str) -> str:
    return value.strip().strip("{}").lower()


NOT_BLANK = NotBlank()

DNS1123_LABEL = Rule(
    name="Kubernetes name",
    description=(
        "a DNS-1123 label: 1-63 characters, lowercase letters, digits and '-', "
        "starting and ending with a letter or digit"
    ),
    pattern=r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?",
    max_length=63,
)

DNS1123_SUBDOMAIN = Rule(
    name="Kubernetes name",
    description=(
        "a DNS-1123 subdomain: 1-253 characters, lowercase letters, digits, '-' and '.', "
        "starting and ending with a letter or digit"
    ),
    pattern=r"[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?",
    max_length=253,
)

SECRET_DATA_KEY = Rule(
    name="Kubernetes Secret key",
    description="1-253 characters of letters, digits, '-', '_' and '.'",
    pattern=r"[-._a-zA-Z0-9]+",
    max_length=253,
)

KEY_VAULT_NAME = Rule(
    name="Key Vault name",
    description=(
        "3-24 characters of letters, digits and '-', starting with a letter, "
        "ending with a letter or digit, without '--'"
    ),
    pattern=r"[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]",
    min_length=3,
    max_length=24,
    forbidden="--",
)

KEY_VAULT_SECRET_NAME = Rule(
    name="Key Vault secret name",
    description="1-127 characters of letters, digits and '-'",
    pattern=r"[0-9a-zA-Z-]+",
    max_length=127,
)

FEDERATED_CREDENTIAL_NAME = Rule(
    name="Federated credential name",
    description=(
        "3-120 characters of letters, digits, '-' and '_', starting with a letter or digit"
    ),
    pattern=r"[a-zA-Z0-9][a-zA-Z0-9_-]*",
    min_length=3,
    max_length=120,
)

MANAGED_IDENTITY_NAME = Rule(
    name="Managed identity name",
    description=(
        "3-128 characters of letters, digits, '-' and '_', starting with a letter or digit"
    ),
    pattern=r"[a-zA-Z0-9][a-zA-Z0-9_-]*",
    min_length=3,
    max_length=128,
)

RESOURCE_GROUP_NAME = Rule(
    name="Resource group name",
    description=(
        "1-90 characters of letters, digits, '_', '-', '.', '(' and ')', not ending with a period"
    ),
    pattern=r"[-_a-zA-Z0-9.()]*[-_a-zA-Z0-9()]",
    max_length=90,
)

AKS_CLUSTER_NAME = Rule(
    name="AKS cluster name",
    description=(
        "1-63 characters of letters, digits, '_' and '-', "
        "starting and ending with a letter or digit"
    ),
    pattern=r"[a-zA-Z0-9](?:[a-zA-Z0-9_-]*[a-zA-Z0-9])?",
    max_length=63,
)

AZURE_LOCATION = Rule(
    name="Azure location",
    description="an Azure region name such as 'westeurope': lowercase letters and digits",
    pattern=r"[a-z][a-z0-9]*",
    max_length=40,
)

GO_DURATION = Rule(
    name="Duration",
    description="a Go duration such as '1m', '30s' or '1h30m': units h, m, s, ms, us, ns",
    pattern=r"0|(?:[0-9]+(?:\.[0-9]+)?(?:h|m|s|ms|us|µs|ns))+",
    repair=_repair_duration,
)

SEMVER = Rule(
    name="Chart version",
    description="an exact semantic version such as '2.9.0'",
    pattern=(
        r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)"
        r"(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?"
    ),
    repair=_repair_version,
)

UUID = Rule(
    name="UUID",
    description="32 hexadecimal digits in groups of 8-4-4-4-12, such as "
    "'6dae42f8-4368-4678-94ff-3960e28e3630'",
    pattern=r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    repair=_repair_uuid,
)

HTTPS_URL = Rule(
    name="URL",
    description="an https:// URL",
    pattern=r"https://[^\x00-\x20/?#]+(?:/[^\x00-\x20]*)?",
    min_length=9,
    repair=str.strip,
)

RFC3339_UTC = Rule(
    name="Timestamp",
    description="an RFC 3339 UTC timestamp such as '2027-12-31T00:00:00Z'",
    pattern=r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z",
    repair=str.strip,
)

KEY_VAULT_SECRETS_ROLE = OneOf(
    name="Key Vault data-plane role for secrets",
    choices=("Key Vault Secrets User", "Key Vault Secrets Officer", "Key Vault Administrator"),
)

CONFIG_KEY = Rule(
    name="Key",
    description=(
        "1-63 characters of lowercase letters, digits, '-' and '_', starting with a letter"
    ),
    pattern=r"[a-z][a-z0-9_-]*",
    max_length=63,
)

# Constructs Go's RE2 (which ESO compiles find.name.regexp with) does not support.
_NOT_RE2 = re.compile(r"\(\?<?[=!]|\(\?P=|\(\?>|\\[1-9]|[*+?}][+]")


def check_go_regexp(value: str) -> str:
    """A regular expression ESO can compile: valid, and without look-arounds or back-references
    (Go's regexp is RE2). Python's ``re`` stands in for RE2's parser for everything else."""
    if not value:
        raise ValueError("regular expression must not be empty")
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(f"regular expression does not compile: {error}") from None
    if _NOT_RE2.search(re.sub(r"\\[^1-9]", "_", value)):  # escaped characters are literals
        raise ValueError(
            "regular expression uses a look-around, back-reference, atomic group or possessive "
            "quantifier, which Go's regexp (RE2) does not support"
        )
    return value


AZURE_SUBNET_ID = Rule(
    name="Subnet ID",
    description=(
        "a subnet resource ID such as '/subscriptions/<subscription id>/resourceGroups/<group>"
        "/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>'"
    ),
    pattern=(
        r"(?i:/subscriptions/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        r"/resourceGroups/[-A-Za-z0-9_.()]*[-A-Za-z0-9_()]/providers/Microsoft\.Network"
        r"/virtualNetworks/[A-Za-z0-9_][-A-Za-z0-9_.]*/subnets/[A-Za-z0-9_][-A-Za-z0-9_.]*)"
    ),
)


USER_ASSIGNED_IDENTITY_ID = Rule(
    name="Managed identity resource ID",
    description=(
        "a user-assigned managed identity's resource ID such as '/subscriptions/<subscription id>"
        "/resourceGroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>'"
    ),
    # Azure compares resource IDs case-insensitively (the pod identity add-on writes
    # "resourcegroups"); the resource group and name follow their rules above.
    pattern=(
        r"(?i:/subscriptions/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        r"/resourceGroups/[-a-z0-9_.()]{0,89}[-a-z0-9_()]/providers/Microsoft\.ManagedIdentity"
        r"/userAssignedIdentities/[a-z0-9][-a-z0-9_]{2,127})"
    ),
    repair=str.strip,
)


class IdentityIdParts(NamedTuple):
    subscription_id: str
    resource_group_name: str
    name: str


# Where the parts sit in a USER_ASSIGNED_IDENTITY_ID split at "/" (the same for Terraform's split).
IDENTITY_ID_RESOURCE_GROUP_SEGMENT = 4
IDENTITY_ID_NAME_SEGMENT = 8


def identity_id_parts(resource_id: str) -> IdentityIdParts:
    """The parts of a resource ID that ``USER_ASSIGNED_IDENTITY_ID`` accepts."""
    segments = resource_id.split("/")
    return IdentityIdParts(
        subscription_id=segments[2],
        resource_group_name=segments[IDENTITY_ID_RESOURCE_GROUP_SEGMENT],
        name=segments[IDENTITY_ID_NAME_SEGMENT],
    )


def canonical_identity_id(resource_id: str) -> str:
    """``resource_id`` spelled the way azurerm writes it.

    Azure reads IDs case-insensitively, azurerm 4.x does not: its federated identity credential
    parses ``parent_id`` case-sensitively when it creates the credential and reads it back in
    this spelling, so any other would fail, or be replaced on every plan.
    """
    parts = identity_id_parts(resource_id)
    return (
        f"/subscriptions/{parts.subscription_id.lower()}/resourceGroups/"
        f"{parts.resource_group_name}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"
        f"{parts.name}"
    )
