"""Asking the cluster, through kubectl with the kubeconfig and context the deployment used."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aks_workload_identity.config_model import ClusterConfig
from aks_workload_identity.verify.runner import Runner


class ClusterUnreachableError(Exception):
    """kubectl failed for another reason than a missing object: no check can go on."""


def kubectl_access(cluster: ClusterConfig) -> tuple[str, ...]:
    """kubectl's flags for a cluster the deployment used.

    ``kubeconfig`` mode names the file (and maybe a context) the providers read; the AKS modes
    read the cluster from Azure, so kubectl uses the current context.
    """
    if cluster.kubernetes_auth != "kubeconfig":
        return ()
    flags = ("--kubeconfig", str(Path(cluster.kubeconfig_path).expanduser()))
    return (
        (*flags, "--context", cluster.kubeconfig_context) if cluster.kubeconfig_context else flags
    )


class Cluster:
    def __init__(self, runner: Runner, access: Sequence[str]) -> None:
        self.runner = runner
        self.access = tuple(access)

    def _kubectl(self, *args: str) -> Any:
        outcome = self.runner.run(["kubectl", *self.access, *args, "-o", "json"])
        if outcome.ok:
            return outcome.json()
        # The object is missing, or its kind is (ESO's CRDs not installed): not deployed.
        if "(NotFound)" in outcome.stderr or "doesn't have a resource type" in outcome.stderr:
            return None
        raise ClusterUnreachableError(outcome.error)

    def current_context(self) -> str | None:
        outcome = self.runner.run(["kubectl", *self.access, "config", "current-context"])
        return outcome.stdout.strip() if outcome.ok else None

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict | None:
        """The object, or None when it does not exist."""
        where = ("-n", namespace) if namespace else ()
        return self._kubectl("get", kind, name, *where)

    def latest_warning(self, kind: str, name: str, namespace: str | None = None) -> str | None:
        """The newest Warning event's message: where ESO writes the provider's actual error (the
        condition holds only a summary such as "unable to create client")."""
        where = ("-n", namespace) if namespace else ("-A",)
        selector = f"involvedObject.kind={kind},involvedObject.name={name},type=Warning"
        found = self._kubectl("get", "events", *where, "--field-selector", selector)
        events = (found or {}).get("items", [])
        if not events:
            return None
        newest = max(events, key=_event_time)
        return " ".join((newest.get("message") or "").split()) or None

    def secret_data(self, name: str, namespace: str) -> dict[str, str] | None:
        """The Secret's values, decoded (they are compared, never printed)."""
        secret = self.get("secret", name, namespace)
        if secret is None:
            return None
        data = secret.get("data") or {}
        return {k: base64.b64decode(v).decode(errors="replace") for k, v in data.items()}


def _event_time(event: dict) -> str:
    return (
        event.get("lastTimestamp")
        or event.get("eventTime")
        or event.get("metadata", {}).get("creationTimestamp")
        or ""
    )


def ready_condition(obj: dict) -> dict:
    """The object's Ready condition, or an empty one when ESO has not written it yet."""
    for condition in obj.get("status", {}).get("conditions", []) or []:
        if condition.get("type") == "Ready":
            return condition
    return {}
