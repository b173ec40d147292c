"""What the deployment should have made: names from the configuration (through the package's
loader, as the stacks are built from it), IDs and the vault from the identity stack's outputs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from aks_workload_identity.config import Config
from aks_workload_identity.secret_data import DataItem, Extract, Find
from aks_workload_identity.verify.runner import Runner
from aks_workload_identity.walkthrough import WALKTHROUGH_KEY

_GO_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def go_duration_seconds(duration: str) -> float:
    """``"1h30m"`` → 5400.0 (the settings already checked it is a Go duration)."""
    return sum(float(n) * _SECONDS[unit] for n, unit in _GO_DURATION_PART.findall(duration))


@dataclass(frozen=True)
class Outputs:
    """The identity stack's outputs, as ``terraform output -json`` reports them."""

    vault_name: str
    tenant_id: str
    client_ids: dict[str, str]


def read_outputs(runner: Runner, stack_dir: Path) -> Outputs | str:
    """The outputs, or why they could not be read."""
    if not stack_dir.is_dir():
        return f"{stack_dir} does not exist"
    outcome = runner.run(["terraform", "output", "-no-color", "-json"], cwd=stack_dir)
    if not outcome.ok:
        return _terraform_error(outcome.stderr) or outcome.error
    values = {key: entry.get("value") for key, entry in outcome.json().items()}
    if "key_vault_name" not in values:
        return "no key_vault_name output: the identity stack has not been deployed"
    client_ids = values.get("identity_client_ids") or {}
    if "identity_client_id" in values:
        client_ids = {WALKTHROUGH_KEY: values["identity_client_id"]}
    return Outputs(values["key_vault_name"], values.get("tenant_id", ""), client_ids)


def _terraform_error(stderr: str) -> str | None:
    """The line that says what is wrong, without the box terraform draws around it."""
    for line in stderr.splitlines():
        text = line.strip("│╷╵ ")
        if text.startswith("Error:"):
            return text
    return None


@dataclass(frozen=True)
class ExpectedStore:
    """A store; ``namespace`` is its service account's (a ``SecretStore``'s own namespace)."""

    name: str
    service_account: str
    namespace: str
    identity: str  # the key of the identity whose client ID the service account carries
    kind: str = "ClusterSecretStore"

    @property
    def key(self) -> tuple[str, str | None]:
        """How an ExternalSecret finds it: by name, and a SecretStore in its own namespace."""
        return (self.name, self.namespace if self.kind == "SecretStore" else None)


@dataclass(frozen=True)
class ExpectedExternalSecret:
    name: str
    namespace: str
    store: str
    refresh_interval: str
    data: tuple[DataItem, ...]
    data_from: tuple[Extract | Find, ...]

    @property
    def subject(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def extracts(self) -> tuple[str, ...]:
        return tuple(d.key for d in self.data_from if isinstance(d, Extract))

    @property
    def finds(self) -> tuple[Find, ...]:
        return tuple(d for d in self.data_from if isinstance(d, Find))


def expected_stores(config: Config) -> tuple[ExpectedStore, ...]:
    """Each ClusterSecretStore, and each namespace's SecretStore (the settings checked that its
    service account there carries the same identity)."""
    identity_of = {w.key: w.identity for w in config.workloads}
    stores: list[ExpectedStore] = []
    for s in config.cluster_secret_stores:
        identity = identity_of[s.workload]
        if s.kind == "SecretStore":
            stores += [
                ExpectedStore(s.name, s.service_account, n, identity, s.kind) for n in s.namespaces
            ]
        else:
            stores.append(ExpectedStore(s.name, s.service_account, s.namespace, identity))
    return tuple(stores)


def expected_external_secrets(config: Config) -> tuple[ExpectedExternalSecret, ...]:
    return tuple(
        ExpectedExternalSecret(
            name=spec.name,
            namespace=spec.namespace,
            store=spec.store,
            refresh_interval=spec.refresh_interval,
            data=spec.data,
            data_from=spec.data_from,
        )
        for spec in config.external_secrets
    )
