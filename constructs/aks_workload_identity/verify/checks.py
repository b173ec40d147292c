"""The checks, one result each: store, its service account, ExternalSecret, target Secret."""

from __future__ import annotations

import json
import re

from aks_workload_identity.secret_data import Extract, Find
from aks_workload_identity.verify.causes import (
    CLIENT_ID_ANNOTATION,
    TENANT_ID_ANNOTATION,
    Context,
    likely_cause,
    your_vault_cause,
)
from aks_workload_identity.verify.expectations import (
    ExpectedExternalSecret,
    ExpectedStore,
    Outputs,
)
from aks_workload_identity.verify.kube import Cluster, ready_condition
from aks_workload_identity.verify.report import Result, failed, passed
from aks_workload_identity.verify.vault import ListedSecret, Vault, VaultError

NOT_DEPLOYED = "not deployed (make deploy), or kubectl points at another cluster"
# ESO's Ready reasons when all is well (ESO 2.9, apis/externalsecrets/v1).
STORE_VALID = "Valid"
SECRET_SYNCED = "SecretSynced"
_DATA_FROM_INDEX = re.compile(r"spec\.dataFrom\[(\d+)\]")


def _condition_text(condition: dict) -> str:
    if not condition:
        return "no Ready condition yet"
    status, reason = condition.get("status"), condition.get("reason")
    return f"Ready={status} ({reason}: {condition.get('message', '')})"


def check_service_account(
    cluster: Cluster, store: ExpectedStore, outputs: Outputs | None
) -> Result:
    subject = f"serviceaccount {store.namespace}/{store.service_account}"
    account = cluster.get("serviceaccount", store.service_account, store.namespace)
    if account is None:
        return failed(subject, "does not exist", NOT_DEPLOYED)
    annotations = account.get("metadata", {}).get("annotations") or {}
    wanted = {
        CLIENT_ID_ANNOTATION: outputs.client_ids.get(store.identity) if outputs else None,
        TENANT_ID_ANNOTATION: outputs.tenant_id if outputs else None,
    }
    for annotation, value in wanted.items():
        found = annotations.get(annotation)
        if not found:
            return failed(
                subject,
                f"no {annotation} annotation",
                f"missing {annotation} annotation: deploy the cluster stack again",
            )
        if value and found != value:
            return failed(
                subject,
                f"{annotation} is {found}, the identity stack's output is {value}",
                f"a stale {annotation} annotation: deploy the cluster stack again",
            )
    checked = "match the identity stack's outputs" if outputs else "are set"
    return passed(subject, f"client-id and tenant-id annotations {checked}")


def check_store(cluster: Cluster, store: ExpectedStore, context: Context) -> Result:
    namespace = store.namespace if store.kind == "SecretStore" else None
    subject = f"{store.kind.lower()} {namespace + '/' if namespace else ''}{store.name}"
    found = cluster.get(store.kind.lower(), store.name, namespace)
    if found is None:
        return failed(subject, "does not exist", NOT_DEPLOYED)
    condition = ready_condition(found)
    capabilities = found.get("status", {}).get("capabilities")
    if condition.get("status") == "True" and condition.get("reason") == STORE_VALID:
        if capabilities:
            return passed(subject, f"{_condition_text(condition)}, capabilities {capabilities}")
        return failed(subject, "Ready but no capabilities", "ESO has not finished validating it")
    warning = cluster.latest_warning(store.kind, store.name, namespace)
    cause = likely_cause(warning or condition.get("message"), context)
    return failed(subject, _condition_text(condition), cause, warning)


def check_external_secret(
    cluster: Cluster, entry: ExpectedExternalSecret, store_ready: bool, context: Context
) -> Result:
    subject = f"externalsecret {entry.subject}"
    found = cluster.get("externalsecret", entry.name, entry.namespace)
    if found is None:
        return failed(subject, "does not exist", NOT_DEPLOYED)
    condition = ready_condition(found)
    if condition.get("status") == "True" and condition.get("reason") == SECRET_SYNCED:
        return passed(subject, _condition_text(condition))
    warning = cluster.latest_warning("ExternalSecret", entry.name, entry.namespace)
    detail = _condition_text(condition)
    if not store_ready:
        cause = f"its store {entry.store} is not Ready (see its line)"
        return failed(subject, detail, cause, warning)
    message = warning or condition.get("message")
    cause = likely_cause(message, context, _remote_key(entry, message))
    return failed(subject, detail, cause, warning)


def _remote_key(entry: ExpectedExternalSecret, message: str | None) -> str | None:
    """The extract key of the ``spec.dataFrom[i]`` a message names."""
    index = _DATA_FROM_INDEX.search(message or "")
    if index and int(index.group(1)) < len(entry.data_from):
        source = entry.data_from[int(index.group(1))]
        return source.key if isinstance(source, Extract) else None
    return None


def _find_matches(find: Find, listed: tuple[ListedSecret, ...]) -> set[str]:
    """The vault secrets ESO's find selects: enabled, name regexp found anywhere (Go's
    MatchString), every tag equal. Raises re.error for the rare RE2 syntax Python lacks."""
    return {
        s.name
        for s in listed
        if s.enabled
        and (find.name_regexp is None or re.search(find.name_regexp, s.name))
        and all(s.tags.get(k) == v for k, v in find.tags.items())
    }


def check_secret(cluster: Cluster, entry: ExpectedExternalSecret, vault: Vault | None) -> Result:
    subject = f"secret {entry.subject}"
    expected = {item.secret_key for item in entry.data}
    notes = []
    vault_read = False
    if entry.data_from and vault is None:
        notes.append("data_from keys not checked (no vault name: see the outputs line)")
    elif entry.data_from:
        assert vault is not None
        try:
            for key in entry.extracts:
                fields = json.loads(vault.show(key).value)
                if not isinstance(fields, dict):
                    return failed(subject, f"{key} is not a JSON object", "extract reads it")
                if set(fields) == {"placeholder"}:
                    notes.append(f"{key} still holds the deployment's placeholder")
                expected |= set(fields)
            if entry.finds:
                listed = vault.list()
                for find in entry.finds:
                    expected |= _find_matches(find, listed)
            vault_read = True
        except re.error:
            notes.append("find keys not checked (a regexp only Go's RE2 reads)")
        except VaultError as error:
            return failed(
                subject,
                f"cannot read vault {vault.name}: {error}",
                your_vault_cause(str(error), vault.name),
            )
        except json.JSONDecodeError:
            return failed(subject, "an extract secret is not JSON", "extract reads a JSON object")
    data = cluster.secret_data(entry.name, entry.namespace)
    if data is None:
        if vault_read and not expected and not entry.data and not entry.extracts:
            return passed(
                subject,
                "not created: no vault secret matches its find yet (ESO creates it at the "
                "first refresh after one does)",
            )
        return failed(subject, "does not exist", "its ExternalSecret has not synced (see its line)")
    missing = sorted(expected - set(data))
    if missing:
        return failed(
            subject,
            f"missing keys {', '.join(missing)} (has {', '.join(sorted(data)) or 'none'})",
            "the deployed ExternalSecret differs from the configuration (make deploy), or the "
            f"vault changed after the last refresh (every {entry.refresh_interval})",
        )
    keys = ", ".join(sorted(expected)) or "none expected"
    return passed(subject, f"keys {keys}" + "".join(f"; {n}" for n in notes))
