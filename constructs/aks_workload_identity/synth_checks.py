"""The rules Terraform's functions cannot say, each in its own words about a value: made at
synth and by the construct Props only (``SynthOnlyCheck``); ``rules.py`` lists them too."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime

from aks_workload_identity.checks import Rule, SynthOnlyCheck

_TIMESTAMP = Rule(
    name="Timestamp",
    description="an RFC 3339 UTC timestamp such as '2027-12-31T00:00:00Z'",
    pattern=r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z",
    repair=str.strip,
)


# Constructs Go's RE2 (which ESO compiles find.name.regexp with) does not support.
_NOT_RE2 = re.compile(r"\(\?<?[=!]|\(\?P=|\(\?>|\\[1-9]|[*+?}][+]")


@dataclass(frozen=True)
class GoRegexp(SynthOnlyCheck):
    """A regular expression ESO can compile: valid, and without look-arounds or back-references
    (Go's regexp is RE2). Python's ``re`` stands in for RE2's parser for everything else."""

    @property
    def message(self) -> str:
        return "regular expression must be one Go's regexp (RE2) compiles"

    def problem(self, value: str) -> str | None:
        if not value:
            return "regular expression must not be empty"
        try:
            re.compile(value)
        except re.error as error:
            return f"regular expression does not compile: {error}"
        if _NOT_RE2.search(re.sub(r"\\[^1-9]", "_", value)):  # escaped characters are literals
            return (
                "regular expression uses a look-around, back-reference, atomic group or "
                "possessive quantifier, which Go's regexp (RE2) does not support"
            )
        return None


GO_REGEXP = GoRegexp()


_PRIVATE_IPV4 = tuple(
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)


@dataclass(frozen=True)
class KeyVaultIpRule(SynthOnlyCheck):
    """A public IPv4 address or CIDR range: what a Key Vault firewall IP rule accepts."""

    @property
    def message(self) -> str:
        return "must be a public IPv4 address or CIDR range"

    def problem(self, value: str) -> str | None:
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            return "must be an IPv4 address or CIDR range such as '203.0.113.7' or '203.0.113.0/24'"
        if network.version != 4:
            return "must be IPv4: Key Vault firewall rules take IPv4 addresses only"
        if str(network) != value and f"{network.network_address}" != value:
            return f"is not a network address: did you mean '{network}'?"
        if any(network.overlaps(private) for private in _PRIVATE_IPV4):
            return (
                "overlaps a private (RFC 1918) range, which Key Vault IP rules reject; allow "
                "traffic from an Azure subnet with key_vault_allowed_subnet_ids instead"
            )
        return None


@dataclass(frozen=True)
class UtcTimestamp(SynthOnlyCheck):
    """An RFC 3339 UTC timestamp that names a real date and time."""

    @property
    def message(self) -> str:
        return _TIMESTAMP.message[:1].lower() + _TIMESTAMP.message[1:]

    def problem(self, value: str) -> str | None:
        if not _TIMESTAMP.ok(value):
            return self.message
        try:
            datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return "timestamp is not a real date and time"
        return None


@dataclass(frozen=True)
class MaxLength(SynthOnlyCheck):
    """At most ``length`` characters."""

    length: int

    @property
    def message(self) -> str:
        return f"must be at most {self.length} characters"

    def problem(self, value: str) -> str | None:
        return self.message if len(value) > self.length else None


KEY_VAULT_IP_RULE = KeyVaultIpRule()
UTC_TIMESTAMP = UtcTimestamp()
SECRET_CONTENT_TYPE = MaxLength(255)
