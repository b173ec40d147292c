"""The rotation round trip: a new value in the vault reaches the Secret; the old one is put back."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from aks_workload_identity.secret_data import DataItem
from aks_workload_identity.verify.causes import Context, likely_cause, your_vault_cause
from aks_workload_identity.verify.expectations import ExpectedExternalSecret, go_duration_seconds
from aks_workload_identity.verify.kube import Cluster, ready_condition
from aks_workload_identity.verify.report import Report, Result, failed, passed
from aks_workload_identity.verify.runner import Runner
from aks_workload_identity.verify.vault import Vault, VaultError

# ESO reads the vault refreshInterval after the last sync; the margin covers the controller's
# queue and the API round trips, so a healthy refresh is never reported as a timeout.
MARGIN_SECONDS = 30.0


@dataclass(frozen=True)
class Rotation:
    entry: ExpectedExternalSecret
    item: DataItem
    timeout: float
    poll_interval: float

    @property
    def subject(self) -> str:
        return f"rotation {self.item.remote_key} -> {self.entry.subject}[{self.item.secret_key}]"


def plan_rotation(
    entries: tuple[ExpectedExternalSecret, ...], timeout: float | None, poll_interval: float
) -> Rotation | None:
    """The first ExternalSecret's first ``data`` item (the walkthrough's seed secret)."""
    for entry in entries:
        if entry.data:
            wait = go_duration_seconds(entry.refresh_interval) + MARGIN_SECONDS
            return Rotation(entry, entry.data[0], timeout or wait, poll_interval)
    return None


def rotate(
    rotation: Rotation, cluster: Cluster, vault: Vault, runner: Runner, report: Report
) -> None:
    name = rotation.item.remote_key
    try:
        before = vault.show(name)
    except VaultError as error:
        report.add(
            failed(
                rotation.subject,
                f"cannot read {name}: {error}",
                your_vault_cause(str(error), vault.name, name),
            )
        )
        return
    test_value = f"azwi-verify-{secrets.token_hex(8)}"
    try:
        vault.set(name, test_value, before.content_type)
    except VaultError as error:
        report.add(
            failed(
                rotation.subject,
                f"cannot write {name}: {error}",
                your_vault_cause(str(error), vault.name, name),
            )
        )
        return
    try:
        report.note(f"wrote a new version of {name}; waiting up to {rotation.timeout:.0f} s")
        report.add(_wait_for(rotation, test_value, cluster, runner, vault.name))
    finally:
        report.add(_restore(rotation, before.value, before.content_type, vault))


def _wait_for(
    rotation: Rotation, value: str, cluster: Cluster, runner: Runner, vault_name: str
) -> Result:
    entry, key = rotation.entry, rotation.item.secret_key
    start = runner.now()
    while True:
        data = cluster.secret_data(entry.name, entry.namespace) or {}
        elapsed = runner.now() - start
        if data.get(key) == value:
            return passed(rotation.subject, f"the Secret has the new value after {elapsed:.0f} s")
        if elapsed >= rotation.timeout:
            break
        runner.sleep(min(rotation.poll_interval, max(rotation.timeout - elapsed, 0)))
    found = cluster.get("externalsecret", entry.name, entry.namespace) or {}
    condition = ready_condition(found)
    detail = f"the Secret still has the old value after {rotation.timeout:.0f} s"
    if condition.get("status") == "True":
        cause = (
            f"ESO has not refreshed it yet (refreshInterval {entry.refresh_interval}, last "
            f"refresh {found.get('status', {}).get('refreshTime', 'unknown')}): "
            "try a longer --rotation-timeout"
        )
    else:
        warning = cluster.latest_warning("ExternalSecret", entry.name, entry.namespace)
        cause = likely_cause(warning or condition.get("message"), Context(vault=vault_name))
    return failed(rotation.subject, detail, cause)


def _restore(rotation: Rotation, value: str, content_type: str | None, vault: Vault) -> Result:
    name, subject = rotation.item.remote_key, f"restore {rotation.item.remote_key}"
    try:
        vault.set(name, value, content_type)
    except VaultError as error:
        return failed(
            subject,
            f"the test value is still the current version: {error}",
            your_vault_cause(str(error), vault.name, name)
            + f"; then az keyvault secret set --vault-name {vault.name} --name {name} ...",
        )
    return passed(
        subject,
        "the previous value is the current version again; the Secret follows at the next "
        f"refresh ({rotation.entry.refresh_interval})",
    )
