"""The simulated tenant and cluster the stand-ins share.

One JSON file (``$REHEARSAL_WORLD/world.json``), changed under a file lock, holds what exists:
identities, federated credentials, role assignments, vaults and the names of their secrets (never
a value), namespaces and their labels, Kubernetes objects, installed CRDs, Helm releases.
``azure_rules`` and ``cluster_rules`` change it, refusing what the real services would refuse.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rehearsal.facts import DEPLOYER_OBJECT_ID

BUILTIN_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


class Refusal(Exception):  # noqa: N818 - what the service answered, not a bug
    def __init__(self, summary: str, detail: str = "") -> None:
        super().__init__(summary)
        self.summary = summary
        self.detail = detail


def initial(issuer: str, namespaces: list[str], purge_allowed: bool = True) -> dict:
    return {
        "cluster": {"issuer": issuer},
        "deployer": {"object_id": DEPLOYER_OBJECT_ID, "purge_allowed": purge_allowed},
        "namespaces": sorted({*BUILTIN_NAMESPACES, *namespaces}),
        "namespace_labels": {},
        "crds": {},
        "objects": {},
        "identities": {},
        "credentials": {},
        "role_assignments": {},
        "propagated": [],
        "vaults": {},
        "deleted_vaults": {},
        "releases": {},
    }


class World:
    def __init__(self, directory: Path) -> None:
        self.file = directory / "world.json"
        self.lock = directory / "world.lock"

    def create(self, state: dict) -> None:
        self.file.write_text(json.dumps(state, indent=1, sort_keys=True))

    def read(self) -> dict:
        return json.loads(self.file.read_text())

    @contextmanager
    def change(self) -> Iterator[dict]:
        with open(self.lock, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            state = self.read()
            yield state
            temporary = self.file.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(state, indent=1, sort_keys=True))
            temporary.replace(self.file)


def key(kind: str, namespace: str | None, name: str) -> str:
    return f"{kind}/{namespace or ''}/{name}"


def group(api_version: str) -> str:
    return api_version.split("/")[0] if "/" in api_version else ""
