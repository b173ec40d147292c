"""The rules make verify reads messages and durations by, and how it writes to the vault (no
command runs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aks_workload_identity.verify import causes
from aks_workload_identity.verify.causes import Context, likely_cause
from aks_workload_identity.verify.expectations import ExpectedStore, go_duration_seconds
from aks_workload_identity.verify.runner import Outcome, Runner
from aks_workload_identity.verify.vault import Vault
from tests.conftest import PROJECT_DIR

STORE = ExpectedStore("azure-cluster-store", "workload-identity-sa", "external-secrets", "default")


@given(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99))
def test_a_go_duration_is_read_in_seconds(hours, minutes, seconds) -> None:
    assert go_duration_seconds(f"{hours}h{minutes}m{seconds}s") == (
        hours * 3600 + minutes * 60 + seconds
    )


def test_go_duration_units_below_a_second() -> None:
    assert go_duration_seconds("1m30.5s") == 90.5
    assert go_duration_seconds("1500ms") == 1.5


# Messages as ESO 2.9 writes them (providers/v1/azure/keyvault/keyvault.go) or passes on from
# Entra and Key Vault, and the cause each must name.
@pytest.mark.parametrize(
    ("message", "cause"),
    [
        ("missing tenantID in store config", "tenant-id annotation"),
        (
            "missing clientID: either serviceAccountRef or service account annotation "
            "'azure.workload.identity/client-id' is missing",
            "client-id annotation",
        ),
        (
            "multiple tenantID found. Check secretRef, 'spec.provider.azurekv.tenantId', and "
            "serviceAccountRef",
            "the tenant is set twice",
        ),
        ('serviceaccounts "workload-identity-sa" not found', "does not exist"),
        ("AADSTS70021: No matching federated identity record found", "subject mismatch"),
        ("AADSTS700211: No matching federated identity record found for presented ", "issuer"),
        ("AADSTS700016: Application with identifier 'x' was not found", "names no application"),
        ('InnerError={"code":"ForbiddenByRbac"}', "missing role assignment"),
        ('InnerError={"code":"ForbiddenByFirewall"}', "firewall"),
        ("Public network access is disabled and request is not from", "private endpoint"),
        ("error processing spec.data[1] (key: db-password), err: Secret does not exist", "db-"),
        ("something new", "ESO says: something new"),
        (None, "ESO wrote no error event"),
    ],
)
def test_each_message_names_its_cause(message, cause) -> None:
    assert cause in likely_cause(message, Context(STORE, "kv-azwi-x7k2p9"))


def test_the_missing_secret_is_named_from_the_message_or_the_entry() -> None:
    message = "error processing spec.dataFrom[0].extract, err: Secret does not exist"
    found = likely_cause(message, Context(STORE, "kv-1"), remote_key="orders-config")
    assert found.startswith("missing vault secret orders-config in kv-1")


class _RecordingRunner(Runner):
    def __init__(self) -> None:
        self.calls: list[tuple[list[str], str | None]] = []

    def run(self, argv, *, cwd=None) -> Outcome:
        argv = list(argv)
        path = argv[argv.index("--file") + 1] if "--file" in argv else None
        self.calls.append((argv, Path(path).read_text(encoding="utf-8") if path else None))
        return Outcome(0, "", "")


@pytest.mark.parametrize("value", ["s3cret", "line one\nline two", "ünïcødé"])
def test_a_value_is_written_to_the_vault_through_a_file(value) -> None:
    runner = _RecordingRunner()
    Vault(runner, "kv-1").set("db-password", value, "text/plain")
    argv, written = runner.calls[0]
    assert value not in argv
    assert written == value
    assert argv[argv.index("--content-type") + 1] == "text/plain"


def test_a_carriage_return_goes_on_the_command_line() -> None:
    """az reads --file as text, which would turn CR LF into LF."""
    runner = _RecordingRunner()
    Vault(runner, "kv-1").set("windows-ini", "a = 1\r\nb = 2", None)
    argv, _ = runner.calls[0]
    assert argv[argv.index("--value") + 1] == "a = 1\r\nb = 2"
    assert "--content-type" not in argv


def test_the_docs_cause_table_and_the_code_agree() -> None:
    """Every message in docs/verify.md's table is one the code recognizes, and every pattern
    the code knows is in the table."""
    docs = (PROJECT_DIR / "docs" / "verify.md").read_text()
    table = docs.split("| the message contains | likely cause |")[1].split("\n\n")[0]
    shown = [
        token
        for row in table.splitlines()[2:]
        for token in re.findall(r"`([^`]+)`", row.split(" | ")[0])
    ]
    patterns = [pattern for pattern, _ in causes._CAUSES]
    assert all(any(re.search(p, token) for p in patterns) for token in shown), shown
    assert all(any(re.search(p, token) for token in shown) for p in patterns)
