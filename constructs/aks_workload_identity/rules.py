"""Naming and format rules imposed by Azure, Kubernetes, Helm and Go.

Each rule is one object with a Python check and the equivalent Terraform condition, so synth and
the plain-terraform path (variable ``validation`` blocks) reject the same values with the same
message. Patterns are RE2-compatible (no look-arounds) because Terraform's ``regex`` is RE2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """A value rule: ``pattern`` (full match) plus optional length bounds and a forbidden infix."""

    name: str
    description: str
    pattern: str
    min_length: int = 1
    max_length: int | None = None
    forbidden: str | None = None

    @property
    def message(self) -> str:
        return f"must be {self.description}"

    def ok(self, value: str) -> bool:
        if len(value) < self.min_length:
            return False
        if self.max_length is not None and len(value) > self.max_length:
            return False
        if self.forbidden is not None and self.forbidden in value:
            return False
        return re.fullmatch(self.pattern, value) is not None

    def allows(self, value: str) -> bool:
        """``ok``, or a value only known at apply time (see ``unresolved``)."""
        return unresolved(value) or self.ok(value)

    def check(self, value: str) -> str:
        if not self.ok(value):
            raise ValueError(f"{self.name} {self.message}")
        return value

    def terraform_condition(self, expression: str) -> str:
        """An HCL boolean expression that is true when ``expression`` satisfies the rule."""
        parts = [f"length({expression}) >= {self.min_length}"]
        if self.max_length is not None:
            parts.append(f"length({expression}) <= {self.max_length}")
        if self.forbidden is not None:
            parts.append(f"!strcontains({expression}, {_hcl_string(self.forbidden)})")
        parts.append(f"can(regex({_hcl_string('^(?:' + self.pattern + ')$')}, {expression}))")
        return " && ".join(parts)


def unresolved(value: str) -> bool:
    """True for a cdktf token or Terraform expression: its value is known only at apply time,
    so construct props skip the rule for it."""
    return "${" in value


def _hcl_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("${", "$${").replace("%{", "%%{") + '"'


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
    name="federated credential name",
    description=(
        "3-120 characters of letters, digits, '-' and '_', starting with a letter or digit"
    ),
    pattern=r"[a-zA-Z0-9][a-zA-Z0-9_-]*",
    min_length=3,
    max_length=120,
)

MANAGED_IDENTITY_NAME = Rule(
    name="managed identity name",
    description=(
        "3-128 characters of letters, digits, '-' and '_', starting with a letter or digit"
    ),
    pattern=r"[a-zA-Z0-9][a-zA-Z0-9_-]*",
    min_length=3,
    max_length=128,
)

RESOURCE_GROUP_NAME = Rule(
    name="resource group name",
    description=(
        "1-90 characters of letters, digits, '_', '-', '.', '(' and ')', not ending with '.'"
    ),
    pattern=r"[-\w.()]*[-\w()]",
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
    description="an Azure region name such as 'westeurope' (lowercase letters and digits)",
    pattern=r"[a-z][a-z0-9]*",
    max_length=40,
)

GO_DURATION = Rule(
    name="duration",
    description="a Go duration such as '1m', '30s' or '1h30m' (units h, m, s, ms)",
    pattern=r"(?:[0-9]+(?:\.[0-9]+)?(?:h|m|s|ms|us|µs|ns))+",
)

SEMVER = Rule(
    name="chart version",
    description="an exact semantic version such as '2.9.0'",
    pattern=(
        r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)"
        r"(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?"
    ),
)

UUID = Rule(
    name="UUID",
    description="a UUID such as '6dae42f8-4368-4678-94ff-3960e28e3630'",
    pattern=r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
)

HTTPS_URL = Rule(
    name="URL",
    description="an https:// URL",
    pattern=r"https://[^\s/?#]+(?:/[^\s]*)?",
    min_length=9,
)

RFC3339_UTC = Rule(
    name="timestamp",
    description="an RFC 3339 UTC timestamp such as '2027-12-31T00:00:00Z'",
    pattern=r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z",
)

CONFIG_KEY = Rule(
    name="key",
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
    name="subnet ID",
    description=(
        "a subnet resource ID such as '/subscriptions/<subscription id>/resourceGroups/<group>"
        "/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>'"
    ),
    pattern=(
        r"(?i:/subscriptions/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        r"/resourceGroups/[-\w.()]*[-\w()]/providers/Microsoft\.Network"
        r"/virtualNetworks/[\w][-\w.]*/subnets/[\w][-\w.]*)"
    ),
)
