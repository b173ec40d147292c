"""Security gate: checkov on every synthesized stack, no secret in any file, least privilege.

Every example (my.auto.tfvars.example and examples/*.tfvars) is synthesized for real into
cdk.tf.json files once per session; checkov scans all of them in one run (it is slow to start);
both in the background from the start of the session (``tests/security_scan.py``).
Accepted findings live in security/checkov-accepted.yaml, each with a reason.
"""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from aks_workload_identity import rules
from aks_workload_identity.config import load_config
from aks_workload_identity.settings import Settings
from tests import security_scan as security_scan_module
from tests.conftest import (
    EXAMPLE_CONFIG,
    EXAMPLES_DIR,
    PROJECT_DIR,
    REQUIRED,
    config_problems,
    example_configs,
    example_id,
    only,
    resources,
    write_config,
)
from tests.security_scan import CHECKOV

ACCEPTED_FILE = PROJECT_DIR / "security" / "checkov-accepted.yaml"
HARDENED = EXAMPLES_DIR / "hardened-key-vault.tfvars"
# checkov 3.3.30 has no terraform policy for these: a stack holding only them gets no check.
# Kinds checkov 3 has no policy for (none of its Terraform checks names them): a stack of only
# these, such as the identity stack of an existing vault, gets no check at all.
WITHOUT_CHECKOV_POLICY = frozenset(
    {
        "kubernetes_manifest",
        "azurerm_role_assignment",
        "azurerm_user_assigned_identity",
        "azurerm_federated_identity_credential",
        "time_sleep",
        "terraform_data",
    }
)
SUBNET_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net"
    "/providers/Microsoft.Network/virtualNetworks/vnet-1/subnets/snet-aks"
)


# --- Real synthesis of every example ----------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SynthesizedStack:
    example: str
    stack: str
    path: Path
    document: dict[str, Any] = field(repr=False)

    @property
    def where(self) -> str:
        return f"{self.example}/{self.stack}"

    def address(self, reported: str) -> str:
        """The Terraform address of a resource as checkov reports it.

        For cdktf JSON, checkov names resource checks ``resource.<name>``; graph checks use
        ``<type>.<name>``. Names are unique within a stack, so the type is looked up.
        """
        kind, _, name = reported.partition(".")
        if kind != "resource":
            return reported
        types = [t for t, items in self.document.get("resource", {}).items() if name in items]
        assert len(types) == 1, f"{self.where}: checkov reported {reported!r}, found {types}"
        return f"{types[0]}.{name}"


@dataclass(frozen=True)
class Synthesized:
    root: Path
    stacks: tuple[SynthesizedStack, ...]

    def files(self) -> Iterator[Path]:
        return (p for p in sorted(self.root.rglob("*")) if p.is_file())


@pytest.fixture(scope="session")
def security_scan(background_security_scan) -> Path:
    """The directory of ``tests/security_scan.py``'s run, once it has finished."""
    return background_security_scan()


@pytest.fixture(scope="session")
def synthesized(security_scan) -> Synthesized:
    root = security_scan_module.synth_root(security_scan)
    stacks = tuple(
        SynthesizedStack(example, stack, path, json.loads(path.read_text()))
        for (example, stack), path in security_scan_module.stack_paths(root).items()
    )
    return Synthesized(root, stacks)


# --- checkov ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    check: str
    name: str
    resource: str
    passed: bool
    stack: SynthesizedStack


@pytest.fixture(scope="session")
def checkov_results(security_scan: Path, synthesized: Synthesized) -> list[CheckResult]:
    """The one checkov run over every synthesized stack; its passed and failed checks."""
    if not CHECKOV.is_file():
        pytest.fail(f"{CHECKOV.relative_to(PROJECT_DIR)} is missing: run make setup")
    scanned = security_scan_module.checkov_root(security_scan)
    by_path = {
        (scanned / stack.path.relative_to(synthesized.root)).resolve(): stack
        for stack in synthesized.stacks
    }
    output = json.loads(security_scan_module.checkov_report(security_scan).read_text())
    reports = output if isinstance(output, list) else [output]
    found = []
    for report in reports:
        results = report.get("results", {})
        for outcome, passed in (("passed_checks", True), ("failed_checks", False)):
            for item in results.get(outcome, []):
                path = (scanned / item["file_abs_path"]).resolve()
                assert path in by_path, f"checkov reported a file it was not given: {path}"
                stack = by_path[path]
                found.append(
                    CheckResult(
                        check=item["check_id"],
                        name=item["check_name"],
                        resource=stack.address(item["resource"]),
                        passed=passed,
                        stack=stack,
                    )
                )
    return found


def _accepted() -> dict[tuple[str, str], str]:
    entries = yaml.safe_load(ACCEPTED_FILE.read_text())
    return {(e["check"], e["resource"]): e["reason"] for e in entries}


def test_acceptance_file_has_one_reasoned_entry_per_check_and_resource() -> None:
    entries = yaml.safe_load(ACCEPTED_FILE.read_text())
    assert isinstance(entries, list)
    assert entries
    seen = set()
    for entry in entries:
        assert set(entry) == {"check", "resource", "reason"}, entry
        assert re.fullmatch(r"CKV2?_[A-Z0-9]+_\d+", entry["check"]), entry
        assert re.fullmatch(r"[a-z0-9_]+\.[-\w]+", entry["resource"]), entry
        assert len(entry["reason"].split()) >= 15, f"{entry['check']}: explain the reason"
        key = (entry["check"], entry["resource"])
        assert key not in seen, f"{key} is listed twice in {ACCEPTED_FILE.name}"
        seen.add(key)


def test_checkov_checked_every_stack_and_found_the_key_vault(checkov_results, synthesized) -> None:
    checked: dict[SynthesizedStack, set[str]] = defaultdict(set)
    for result in checkov_results:
        checked[result.stack].add(result.resource)
    for stack in synthesized.stacks:
        kinds = set(stack.document.get("resource", {}))
        if not kinds <= WITHOUT_CHECKOV_POLICY:
            assert checked[stack], f"checkov ran no check on {stack.where}: did it read the file?"
        for kind in ("azurerm_key_vault", "azurerm_key_vault_secret"):
            for name in resources(stack.document, kind):
                assert f"{kind}.{name}" in checked[stack], (
                    f"checkov did not check {kind}.{name} in {stack.where}"
                )


def test_every_failed_check_is_accepted_and_every_acceptance_still_fails(checkov_results) -> None:
    accepted = _accepted()
    failing: dict[tuple[str, str], list[CheckResult]] = defaultdict(list)
    for result in checkov_results:
        if not result.passed:
            failing[(result.check, result.resource)].append(result)
    problems = []
    for (check, resource), results in sorted(failing.items()):
        if (check, resource) not in accepted:
            where = ", ".join(r.stack.where for r in results)
            problems.append(
                f"{check} ({results[0].name}) fails on {resource} in {where}. Fix the "
                f"resource, or accept the risk in {ACCEPTED_FILE.relative_to(PROJECT_DIR)}:\n"
                f"- check: {check}\n  resource: {resource}\n  reason: >-\n    <why, and what "
                "setting closes it>"
            )
    for check, resource in sorted(accepted.keys() - failing.keys()):
        problems.append(
            f"{ACCEPTED_FILE.relative_to(PROJECT_DIR)} accepts {check} on {resource}, which no "
            "longer fails in any synthesized stack: delete the entry"
        )
    assert not problems, "\n\n".join(problems)


def test_hardened_example_passes_the_key_vault_checks(checkov_results) -> None:
    hardened = example_id(HARDENED)
    outcomes = {
        (r.check, r.resource.split(".")[0]): r.passed
        for r in checkov_results
        if r.stack.example == hardened
    }
    for check in ("CKV_AZURE_42", "CKV_AZURE_109", "CKV_AZURE_110", "CKV_AZURE_189"):
        assert outcomes[(check, "azurerm_key_vault")] is True, check
    for check in ("CKV_AZURE_41", "CKV_AZURE_114"):
        assert outcomes[(check, "azurerm_key_vault_secret")] is True, check


# --- No secret in any file --------------------------------------------------------------------

_SECRET_KEY = re.compile(
    r"(?:^|_)(?:value|value_wo|password|passphrase|secret|client_secret|client_key"
    r"|client_certificate|private_key|access_key|token|connection_string)$",
    re.IGNORECASE,
)
_REFERENCE = re.compile(r"\$\{[^{}]+\}")
_PASSWORD = r"random_password\.[-\w]+"
# What value_wo may hold: a random_password's result, as text or in a {"placeholder": ...} JSON
# object; for the for_each placeholders, the instance of their own name, as text or JSON.
_SEED_VALUE = re.compile(
    rf"\$\{{{_PASSWORD}\.result\}}"
    rf'|\$\{{jsonencode\(\{{"placeholder" = {_PASSWORD}\.result\}}\)\}}'
    rf'|\$\{{each\.value\.json \? jsonencode\(\{{"placeholder" = (?P<each>{_PASSWORD})\[each\.key\]'
    r"\.result\}\) : (?P=each)\[each\.key\]\.result\}"
)
_SECRET_SHAPES = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----"  # PEM
    r"|eyJ[\w-]{10,}\.eyJ[\w-]{10,}"  # JWT
    r"|AccountKey=|SharedAccessSignature="  # Azure connection strings
    r"|T0pS3cr3t"  # the walkthrough's literal secret
)
_SENSITIVE_SOURCE = re.compile(
    r"random_password\.|\.value(?:_wo)?\b|kube_(?:admin_)?config|\.password\b"
    r"|client_(?:key|certificate|secret)|private_key"
)


def _leaves(node: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """(path, key, value) for every scalar in a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict | list):
                yield from _leaves(value, f"{path}.{key}")
            else:
                yield f"{path}.{key}", str(key), value
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, dict | list):
                yield from _leaves(value, f"{path}[{index}]")
            else:
                yield f"{path}[{index}]", "", value


def secret_literals(document: Any) -> list[str]:
    """Where a document (parsed JSON, or plain text) holds something like a secret value."""
    if isinstance(document, str):
        return [": looks like a secret"] if _SECRET_SHAPES.search(document) else []
    found = []
    for path, key, value in _leaves(document):
        if _SECRET_KEY.search(key) and value is not None and not isinstance(value, bool):
            if key == "value_wo":
                if not (isinstance(value, str) and _SEED_VALUE.fullmatch(value)):
                    found.append(f"{path}: write-only value not from random_password: {value}")
            elif not (isinstance(value, str) and _REFERENCE.fullmatch(value)):
                found.append(f"{path}: a literal value")
        if isinstance(value, str) and _SECRET_SHAPES.search(value):
            found.append(f"{path}: looks like a secret")
    return found


def unmarked_sensitive_outputs(document: dict[str, Any]) -> list[str]:
    return [
        name
        for name, output in document.get("output", {}).items()
        if _SENSITIVE_SOURCE.search(json.dumps(output.get("value")))
        and output.get("sensitive") is not True
    ]


@pytest.mark.parametrize(
    "document",
    [
        {"resource": {"azurerm_key_vault_secret": {"s": {"value": "T0pS3cr3t:)"}}}},
        {"resource": {"azurerm_key_vault_secret": {"s": {"value_wo": "${var.seed}"}}}},
        {"resource": {"azurerm_key_vault_secret": {"s": {"value_wo": "T0pS3cr3t:)"}}}},
        {
            "resource": {
                "azurerm_key_vault_secret": {
                    "s": {"value_wo": '${jsonencode({"placeholder" = var.seed})}'}
                }
            }
        },
        {
            "resource": {
                "azurerm_key_vault_secret": {
                    "s": {
                        "value_wo": '${each.value.json ? jsonencode({"placeholder" = '
                        "random_password.a[each.key].result}) : random_password.b[each.key].result}"
                    }
                }
            }
        },
        {"provider": {"azurerm": [{"client_secret": "0123456789abcdef"}]}},
        {"provider": {"kubernetes": [{"token": "kubeconfig-token"}]}},
        {"variable": {"x": {"default": "-----BEGIN RSA PRIVATE KEY-----\nMIIE"}}},
        {"output": {"x": {"value": "prefix-${random_password.p.result}"}}},
    ],
)
def test_secret_scan_finds_a_planted_secret(document) -> None:
    assert secret_literals(document)


def test_sensitive_output_check_finds_an_unmarked_secret_output() -> None:
    document = {"output": {"seed": {"value": "${random_password.p.result}"}}}
    assert unmarked_sensitive_outputs(document) == ["seed"]
    document["output"]["seed"]["sensitive"] = True
    assert unmarked_sensitive_outputs(document) == []


def test_no_synthesized_file_holds_a_secret_value(synthesized) -> None:
    problems = []
    for path in synthesized.files():
        text = path.read_text()
        document = json.loads(text) if path.suffix == ".json" else text
        problems += [f"{path.relative_to(synthesized.root)}{p}" for p in secret_literals(document)]
    assert not problems, "\n".join(problems)


def test_seed_secret_is_written_only_through_value_wo_from_random_password(synthesized) -> None:
    for stack in synthesized.stacks:
        for name, secret in resources(stack.document, "azurerm_key_vault_secret").items():
            assert "value" not in secret, f"{stack.where}: {name} has a plain value"
            assert _SEED_VALUE.fullmatch(secret["value_wo"]), stack.where


def test_outputs_carry_no_secret_and_sensitive_ones_are_marked(synthesized) -> None:
    for stack in synthesized.stacks:
        outputs = stack.document.get("output", {})
        assert "random_password" not in json.dumps(outputs), stack.where
        assert unmarked_sensitive_outputs(stack.document) == [], stack.where


def test_gitignore_covers_config_state_and_synth_output() -> None:
    if not (PROJECT_DIR / ".git").exists():
        pytest.skip("not a git checkout: .gitignore is not in effect")
    ignored = [
        "my.auto.tfvars",
        "prod.auto.tfvars",
        "terraform.identity.tfstate",
        "terraform.identity.tfstate.backup",
        "terraform.tfstate",
        "cdktf.out/manifest.json",
        "cdktf.out/stacks/identity/cdk.tf.json",
        "cdktf.out/stacks/identity/.terraform/terraform.tfstate",
    ]
    kept = [
        "my.auto.tfvars.example",
        "examples/hardened-key-vault.tfvars",
        "security/checkov-accepted.yaml",
    ]
    run = subprocess.run(
        ["git", "check-ignore", "--no-index", "--verbose", "--non-matching", *ignored, *kept],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr
    matched = {}
    for line in run.stdout.splitlines():
        source, path = line.split("\t")
        pattern = source.split(":", 2)[2]
        matched[path] = bool(pattern) and not pattern.startswith("!")
    assert {p for p in ignored if not matched[p]} == set(), "add these to .gitignore"
    assert {p for p in kept if matched[p]} == set(), "these must stay in git"


# --- Roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", example_configs(), ids=example_id)
def test_every_role_is_on_the_vault_and_the_deployer_gets_secrets_officer(path, synth_of) -> None:
    identity = synth_of(path)["identity"]
    config = load_config(path)
    if config.key_vault_resource_id:  # read, not created; the deployer writes nothing into it
        (vault_name,) = identity["data"]["azurerm_key_vault"]
        vault = f"data.azurerm_key_vault.{vault_name}"
    else:
        vault_name, _ = only(identity, "azurerm_key_vault")
        vault = f"azurerm_key_vault.{vault_name}"
    assignments = resources(identity, "azurerm_role_assignment").values()
    for assignment in assignments:
        assert assignment["scope"] == f"${{{vault}.id}}"
    deployer = [
        a
        for a in assignments
        if a["principal_id"] == "${data.azurerm_client_config.client.object_id}"
    ]
    expected = [] if config.key_vault_resource_id else ["Key Vault Secrets Officer"]
    assert [a["role_definition_name"] for a in deployer] == expected
    workload = [a for a in assignments if a not in deployer]
    assert sorted(a["role_definition_name"] for a in workload) == sorted(
        identity.key_vault_role for identity in config.identities
    )


def test_only_administrator_role_is_warned_about(tmp_path) -> None:
    assert load_config(EXAMPLE_CONFIG).warnings == ()
    officer = tmp_path / "officer.tfvars"
    officer.write_text(REQUIRED + 'identity_key_vault_role = "Key Vault Secrets Officer"\n')
    assert load_config(officer).warnings == ()


def test_administrator_role_prints_one_actionable_warning_at_synth(
    tmp_path, monkeypatch, capsys
) -> None:
    from aks_workload_identity.app import OUTDIR_ENV, main

    config = tmp_path / "admin.tfvars"
    config.write_text(REQUIRED + 'identity_key_vault_role = "Key Vault Administrator"\n')
    outdir = tmp_path / "cdktf.out"
    monkeypatch.setenv(OUTDIR_ENV, str(outdir))
    monkeypatch.setenv("AZWI_CONFIG", str(config))

    assert main(PROJECT_DIR) == 0

    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warnings) == 1, warnings
    (warning,) = warnings
    assert warning.startswith('azwi: warning: identity_key_vault_role = "Key Vault Administrator"')
    assert '"Key Vault Secrets User"' in warning
    identity = json.loads((outdir / "stacks" / "identity" / "cdk.tf.json").read_text())
    roles = {
        a["role_definition_name"] for a in resources(identity, "azurerm_role_assignment").values()
    }
    assert roles == {"Key Vault Administrator", "Key Vault Secrets Officer"}


# --- Secure options: wiring -------------------------------------------------------------------


def _vault_and_secret(identity: dict) -> tuple[dict, dict]:
    return only(identity, "azurerm_key_vault")[1], only(identity, "azurerm_key_vault_secret")[1]


def _purge_settings(identity: dict) -> dict:
    (azurerm,) = identity["provider"]["azurerm"]
    (features,) = azurerm["features"]
    (key_vault,) = features["key_vault"]
    return key_vault


def test_defaults_open_the_vault_to_rbac_holders_and_purge_on_destroy(synth) -> None:
    identity = synth["identity"]
    vault, secret = _vault_and_secret(identity)
    assert vault["purge_protection_enabled"] is False
    assert vault["public_network_access_enabled"] is True
    assert vault["network_acls"] == {"bypass": "AzureServices", "default_action": "Allow"}
    assert _purge_settings(identity) == {
        "purge_soft_delete_on_destroy": True,
        "purge_soft_deleted_secrets_on_destroy": True,
        "recover_soft_deleted_key_vaults": True,
    }
    assert secret["content_type"] == "text/plain"
    assert "expiration_date" not in secret


def test_hardened_example_denies_by_default_and_keeps_the_vault_on_destroy(synth_of) -> None:
    config = load_config(HARDENED)
    identity = synth_of(HARDENED)["identity"]
    vault, secret = _vault_and_secret(identity)
    assert vault["purge_protection_enabled"] is True
    assert vault["public_network_access_enabled"] is True
    assert vault["network_acls"] == {
        "bypass": "AzureServices",
        "default_action": "Deny",
        "ip_rules": list(config.key_vault_allowed_ip_ranges),
        "virtual_network_subnet_ids": list(config.key_vault_allowed_subnet_ids),
    }
    # Azure refuses to purge a purge-protected vault: destroy only soft-deletes it.
    purge = _purge_settings(identity)
    assert purge["purge_soft_delete_on_destroy"] is False
    assert purge["purge_soft_deleted_secrets_on_destroy"] is False
    assert secret["expiration_date"] == config.key_vault_secret_expiration_date


def test_a_deployer_without_the_purge_right_can_turn_the_vault_purge_off(tmp_path, synth_of):
    path = tmp_path / "no-purge.tfvars"
    path.write_text(REQUIRED + "key_vault_purge_on_destroy_enabled = false\n")
    # The secrets are still purged: that is the deployer's own Secrets Officer role.
    assert _purge_settings(synth_of(path)["identity"]) == {
        "purge_soft_delete_on_destroy": False,
        "purge_soft_deleted_secrets_on_destroy": True,
        "recover_soft_deleted_key_vaults": True,
    }


def test_the_purge_switch_has_no_effect_under_purge_protection_and_is_rejected(tmp_path) -> None:
    (line,) = _problems(
        tmp_path,
        "key_vault_purge_protection_enabled = true\nkey_vault_purge_on_destroy_enabled = false\n",
    )
    assert (
        "key_vault_purge_on_destroy_enabled is only used with "
        "key_vault_purge_protection_enabled = false"
    ) in line


def test_the_docs_name_the_purge_right_destroy_needs() -> None:
    readme = (PROJECT_DIR / "README.md").read_text()
    prerequisites = readme.split("## Prerequisites", 1)[1].split("\n## ", 1)[0]
    assert "Microsoft.KeyVault/locations/deletedVaults/purge/action" in prerequisites
    assert "Key Vault Purge Operator" in prerequisites
    assert "key_vault_purge_on_destroy_enabled = false" in prerequisites
    deploy = (PROJECT_DIR / "docs" / "deploy.md").read_text()
    destroy = deploy.split("## Destroy", 1)[1].split("\n## ", 1)[0]
    for leftover in ("7 days", "az keyvault recover", "az keyvault purge"):
        assert leftover in destroy, leftover


def test_public_access_off_leaves_only_private_endpoints(tmp_path, synth_of) -> None:
    path = tmp_path / "private.tfvars"
    path.write_text(
        REQUIRED
        + "key_vault_public_network_access_enabled = false\n"
        + 'key_vault_secret_content_type = "application/x-password"\n'
    )
    vault, secret = _vault_and_secret(synth_of(path)["identity"])
    assert vault["public_network_access_enabled"] is False
    assert vault["network_acls"] == {"bypass": "AzureServices", "default_action": "Deny"}
    assert secret["content_type"] == "application/x-password"


def test_secure_options_are_documented_in_the_example_and_the_reference() -> None:
    example = EXAMPLE_CONFIG.read_text()
    reference = (PROJECT_DIR / "docs" / "configuration.md").read_text()
    for key in Settings.model_fields:
        if key.startswith("key_vault_"):
            assert f"# {key} = " in example, f"{key} is not in {EXAMPLE_CONFIG.name}"
            assert f"| `{key}` |" in reference, f"{key} is not in docs/configuration.md"


# --- Secure options: validation ---------------------------------------------------------------


def _problems(tmp_path: Path, text: str) -> list[str]:
    return config_problems(write_config(tmp_path, REQUIRED + text))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('key_vault_allowed_ip_ranges = ["10.1.0.0/16"]', "RFC 1918"),
        ('key_vault_allowed_ip_ranges = ["0.0.0.0/0"]', "RFC 1918"),
        ('key_vault_allowed_ip_ranges = ["203.0.113.9/24"]', "did you mean '203.0.113.0/24'?"),
        ('key_vault_allowed_ip_ranges = ["2001:db8::/32"]', "IPv4"),
        ('key_vault_allowed_ip_ranges = ["my-laptop"]', "IPv4 address or CIDR range"),
        ('key_vault_allowed_subnet_ids = ["snet-aks"]', "Subnet ID must be a subnet resource ID"),
        ('key_vault_secret_expiration_date = "2027-06-30"', "RFC 3339 UTC timestamp"),
        ('key_vault_secret_expiration_date = "2027-02-30T00:00:00Z"', "not a real date"),
        (f'key_vault_secret_content_type = "{"x" * 256}"', "at most 255 characters"),
        ('key_vault_purge_protection_enabled = "yes"', "must be true or false"),
    ],
)
def test_invalid_security_option_is_named_with_a_fix(tmp_path, line, expected) -> None:
    (problem,) = _problems(tmp_path, line + "\n")
    assert line.split(" = ")[0] in problem
    assert expected in problem


def test_network_rules_with_public_access_off_is_a_contradiction(tmp_path) -> None:
    (problem,) = _problems(
        tmp_path,
        "key_vault_public_network_access_enabled = false\n"
        f'key_vault_allowed_subnet_ids = ["{SUBNET_ID}"]\n',
    )
    assert "key_vault_allowed_subnet_ids" in problem
    assert "key_vault_public_network_access_enabled = true" in problem


def test_valid_security_options_load(tmp_path) -> None:
    path = tmp_path / "ok.tfvars"
    path.write_text(
        REQUIRED
        + 'key_vault_allowed_ip_ranges = ["203.0.113.7", "198.51.100.0/24"]\n'
        + f'key_vault_allowed_subnet_ids = ["{SUBNET_ID.lower()}"]\n'
        + 'key_vault_secret_expiration_date = "2028-02-29T23:59:59Z"\n'
    )
    config = load_config(path)
    assert config.key_vault_allowed_ip_ranges == ("203.0.113.7", "198.51.100.0/24")
    assert config.key_vault_secret_expiration_date == "2028-02-29T23:59:59Z"


_PRIVATE = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


@given(st.ip_addresses(v=4), st.integers(min_value=8, max_value=32))
def test_public_ipv4_ranges_are_accepted_and_private_ones_rejected(address, prefix) -> None:
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    private = any(network.overlaps(ipaddress.ip_network(p)) for p in _PRIVATE)
    if private:
        with pytest.raises(ValueError, match="RFC 1918"):
            rules.KEY_VAULT_IP_RULE.check(str(network))
    else:
        assert rules.KEY_VAULT_IP_RULE.check(str(network)) == str(network)
        assert rules.KEY_VAULT_IP_RULE.check(str(network.network_address)) == str(
            network.network_address
        )


def test_props_are_validated_up_front_and_tokens_pass() -> None:
    from aks_workload_identity.cdk import Fn
    from aks_workload_identity.key_vault import SecretsVaultProps

    base = {
        "name_prefix": "kv-",
        "resource_group_name": "rg",
        "location": "westeurope",
        "tenant_id": "t",
        "deployer_object_id": "o",
        "seed_secret_name": "s",
    }
    with pytest.raises(ValueError, match=r"allowed_ip_ranges\[0\] = '10.0.0.0/8'"):
        SecretsVaultProps(**base, allowed_ip_ranges=("10.0.0.0/8",))
    with pytest.raises(ValueError, match=r"secret_content_type = 'x+': must be at most 255"):
        SecretsVaultProps(**base, secret_content_type="x" * 256)
    with pytest.raises(ValueError, match="public_network_access_enabled = true"):
        SecretsVaultProps(
            **base, public_network_access_enabled=False, allowed_subnet_ids=(SUBNET_ID,)
        )
    token = Fn.cidrsubnet("203.0.113.0/24", 4, 1)
    assert SecretsVaultProps(**base, allowed_ip_ranges=(token,)).firewall_enabled
