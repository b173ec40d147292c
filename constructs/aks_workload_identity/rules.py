"""Naming and format rules imposed by Azure, Kubernetes, Helm and Go: one ``Check`` each.

Patterns are RE2-compatible (no look-arounds, ASCII classes only) because Terraform's ``regex``
is RE2; tests/test_terraform_validation.py runs both engines over the same values. The kinds of
check are in ``checks.py``, the parts of an identity's resource ID in ``identity_ids.py``.
Kubernetes' rules (``kubernetes_rules.py``) and the resource IDs' (``resource_id_rules.py``)
are written there and re-exported here.
"""

from __future__ import annotations

from aks_workload_identity.checks import (
    Check,
    NotBlank,
    OneOf,
    PropsProblems,
    ReservedPrefix,
    Rule,
    Suffixed,
    SynthOnlyCheck,
    hcl_string,
    unresolved,
)
from aks_workload_identity.kubernetes_rules import (
    BUILTIN_NAMESPACES,
    DNS1123_LABEL,
    DNS1123_SUBDOMAIN,
    KUBE_NAMESPACE,
    LABEL_KEY,
    LABEL_VALUE,
    SECRET_DATA_KEY,
)
from aks_workload_identity.resource_id_rules import (
    AZURE_SUBNET_ID,
    KEY_VAULT_ID,
    USER_ASSIGNED_IDENTITY_ID,
)
from aks_workload_identity.store_conditions import STORE_KINDS
from aks_workload_identity.synth_checks import (
    GO_REGEXP,
    KEY_VAULT_IP_RULE,
    SECRET_CONTENT_TYPE,
    UTC_TIMESTAMP,
)

__all__ = [
    "AZURE_SUBNET_ID",
    "BUILTIN_NAMESPACES",
    "DNS1123_LABEL",
    "DNS1123_SUBDOMAIN",
    "GO_REGEXP",
    "KEY_VAULT_ID",
    "KEY_VAULT_IP_RULE",
    "KUBE_NAMESPACE",
    "LABEL_KEY",
    "LABEL_VALUE",
    "SECRET_CONTENT_TYPE",
    "SECRET_DATA_KEY",
    "USER_ASSIGNED_IDENTITY_ID",
    "UTC_TIMESTAMP",
    "Check",
    "NotBlank",
    "OneOf",
    "PropsProblems",
    "ReservedPrefix",
    "Rule",
    "Suffixed",
    "SynthOnlyCheck",
    "hcl_string",
    "unresolved",
]

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


def _repair_key_prefix(value: str) -> str:
    return "/".join(part for part in value.strip().split("/") if part.strip("."))


NOT_BLANK = NotBlank()

# Azure's tag limits (Azure Resource Manager, "Tag resources": name 512, value 256, 50 a resource).
MAX_AZURE_TAGS = 50
AZURE_TAG_NAME = Rule(
    name="Azure tag name",
    # "backslash", not the character: the CDK's HCL renderer writes it unescaped (make hcl).
    description="1-512 characters, none of them '<', '>', '%', '&', '?', '/' or a backslash",
    pattern=r"[^<>%&\\?/]+",
    max_length=512,
)
AZURE_TAG_VALUE = Rule(
    name="Azure tag value",
    description="at most 256 characters",
    pattern=r"(?s:.*)",
    min_length=0,
    max_length=256,
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

STORAGE_ACCOUNT_NAME = Rule(
    name="Storage account name",
    description="3-24 lowercase letters and digits",
    pattern=r"[a-z0-9]+",
    min_length=3,
    max_length=24,
)

STORAGE_CONTAINER_NAME = Rule(
    name="Blob container name",
    description=(
        "3-63 characters of lowercase letters, digits and '-', starting and ending with a "
        "letter or digit, without '--'"
    ),
    pattern=r"[a-z0-9](?:-?[a-z0-9])*",
    min_length=3,
    max_length=63,
)

STATE_KEY_PREFIX = Rule(
    name="State key prefix",
    description=(
        "blob path segments of letters, digits, '_', '-' and '.' separated by '/', each not "
        "starting with '.', no leading or trailing '/', at most 200 characters"
    ),
    pattern=r"[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*",
    max_length=200,
    repair=_repair_key_prefix,
)

# Part of every state file name and blob key: short, and safe in both.
ENVIRONMENT_NAME = Rule(
    name="Environment name",
    description=(
        "1-20 characters of lowercase letters, digits and '-', starting with a letter and "
        "ending with a letter or digit"
    ),
    pattern=r"[a-z](?:[a-z0-9-]*[a-z0-9])?",
    max_length=20,
)

# A key of clusters: part of its stacks' ids, their state file names and blob keys, and of
# its federated credentials' names (appended after a '-').
CLUSTER_KEY = Rule(
    name="Cluster key",
    description=(
        "1-20 characters of lowercase letters, digits and '-', starting with a letter and "
        "ending with a letter or digit"
    ),
    pattern=r"[a-z](?:[a-z0-9-]*[a-z0-9])?",
    max_length=20,
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

KEY_VAULT_SECRETS_ROLE = OneOf(
    name="Key Vault data-plane role for secrets",
    choices=("Key Vault Secrets User", "Key Vault Secrets Officer", "Key Vault Administrator"),
)

STORE_KIND = OneOf(name="store kind", choices=STORE_KINDS)

CONFIG_KEY = Rule(
    name="Key",
    description=(
        "1-63 characters of lowercase letters, digits, '-' and '_', starting with a letter"
    ),
    pattern=r"[a-z][a-z0-9_-]*",
    max_length=63,
)
