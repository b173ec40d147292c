"""The two flavours synthesize the same deployment: the same stacks, resources, names and wiring.

Every difference between the cdktf and the cdktn synthesis (``Testing.synth``) of every example
must be one of ``EXPECTED``; anything else fails, with the path of the difference. (A full synth
also records the CDK's own version in ``//.metadata.version``: 0.21.0 or 0.24.0.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import example_configs, example_id

# What the provider versions are in each flavour (what its prebuilt bindings pin).
PROVIDER_VERSIONS = {
    "cdktf": {
        "azurerm": "4.55.0",
        "kubernetes": "2.38.0",
        "helm": "3.1.1",
        "time": "0.13.1",
        "random": "3.7.2",
    },
    "cdktn": {
        "azurerm": "5.10.0",
        "kubernetes": "3.4.0",
        "helm": "3.3.0",
        "time": "0.14.2",
        "random": "3.9.1",
    },
}
CREDENTIAL = "resource.azurerm_federated_identity_credential.*"
NAMESPACE = "resource.kubernetes_namespace_v1.*"

# Each expected difference: (where, as a path pattern; what cdktf has; what cdktn has), where a
# value is a literal, ABSENT, or a function of the other flavour's value.
ABSENT = object()
EXPECTED: list[tuple[str, Any, Any]] = [
    # kubernetes 3.x's bindings spell the provider's source in full: the same provider address.
    ("terraform.required_providers.kubernetes.source", "kubernetes", "hashicorp/kubernetes"),
    # azurerm 5.0: the identity is user_assigned_identity_id; no parent_id, no resource group.
    (f"{CREDENTIAL}.parent_id", str, ABSENT),
    (f"{CREDENTIAL}.resource_group_name", str, ABSENT),
    (f"{CREDENTIAL}.user_assigned_identity_id", ABSENT, "parent_id"),
    # kubernetes 3.x's bindings write the metadata block as a list of one: the same block.
    (f"{NAMESPACE}.metadata", dict, "[cdktf]"),
] + [
    (f"terraform.required_providers.{name}.version", version, PROVIDER_VERSIONS["cdktn"][name])
    for name, version in PROVIDER_VERSIONS["cdktf"].items()
]


def differences(cdktf: Any, cdktn: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Every leaf where the two differ: (dotted path, cdktf value, cdktn value)."""
    if isinstance(cdktf, dict) and isinstance(cdktn, dict):
        found = []
        for key in sorted(set(cdktf) | set(cdktn)):
            here = f"{path}.{key}" if path else key
            if key not in cdktn:
                found.append((here, cdktf[key], ABSENT))
            elif key not in cdktf:
                found.append((here, ABSENT, cdktn[key]))
            else:
                found += differences(cdktf[key], cdktn[key], here)
        return found
    return [] if cdktf == cdktn else [(path, cdktf, cdktn)]


def _matches(expected: Any, value: Any, sibling: dict[str, Any], other: Any) -> bool:
    if expected is ABSENT or value is ABSENT:
        return expected is value
    if isinstance(expected, type):
        return isinstance(value, expected)
    if expected == "[cdktf]":
        return value == [other]
    if expected == "parent_id":
        return value == sibling.get("parent_id")
    return value == expected


def unexpected(cdktf_stack: dict, cdktn_stack: dict) -> list[str]:
    problems = []
    for path, left, right in differences(cdktf_stack, cdktn_stack):
        owner = _owner(cdktf_stack, path)
        if not any(
            re.fullmatch(pattern.replace(".", r"\.").replace("*", r"[^.]+"), path)
            and _matches(want_left, left, owner, right)
            and _matches(want_right, right, owner, left)
            for pattern, want_left, want_right in EXPECTED
        ):
            problems.append(f"{path}: cdktf {_show(left)}, cdktn {_show(right)}")
    return problems


def _owner(stack: dict, path: str) -> dict[str, Any]:
    """The cdktf object that holds the attribute at ``path`` (for values that move)."""
    node: Any = stack
    for key in path.split(".")[:-1]:
        node = node.get(key, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def _show(value: Any) -> str:
    return "(absent)" if value is ABSENT else json.dumps(value)[:200]


@pytest.mark.parametrize("path", example_configs(), ids=example_id)
def test_flavours_differ_only_as_expected(path: Path, synth_of, cdktn_synth) -> None:
    cdktf, cdktn = synth_of(path), cdktn_synth[path]
    assert sorted(cdktf) == sorted(cdktn)
    for stack in cdktf:
        assert unexpected(cdktf[stack], cdktn[stack]) == [], stack


def test_every_expected_difference_occurs(synth_of, cdktn_synth) -> None:
    """No stale entry: each expected difference shows up in at least one example."""
    seen = set()
    for path in example_configs():
        for stack, body in synth_of(path).items():
            for where, *_ in differences(body, cdktn_synth[path][stack]):
                seen |= {
                    pattern
                    for pattern, *_ in EXPECTED
                    if re.fullmatch(pattern.replace(".", r"\.").replace("*", r"[^.]+"), where)
                }
    assert seen == {pattern for pattern, *_ in EXPECTED}


def test_a_difference_outside_the_list_is_reported() -> None:
    cdktf = {"resource": {"azurerm_key_vault": {"vault": {"sku_name": "standard"}}}}
    cdktn = {"resource": {"azurerm_key_vault": {"vault": {"sku_name": "premium"}}}}
    assert unexpected(cdktf, cdktn) == [
        'resource.azurerm_key_vault.vault.sku_name: cdktf "standard", cdktn "premium"'
    ]
    renamed = {"resource": {"azurerm_key_vault": {"renamed": {"sku_name": "standard"}}}}
    assert len(unexpected(cdktf, renamed)) == 2
