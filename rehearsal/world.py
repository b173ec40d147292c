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


# What each cluster holds on its own; the rest (the tenant) all clusters share.
CLUSTER_PARTS = ("cluster", "namespaces", "crds", "objects", "releases")


def initial_cluster(issuer: str, namespaces: list[str], access: str | None = None) -> dict:
    """One cluster's parts; ``access``: the kubeconfig context or API server address its
    providers are configured with (with several clusters, how a request finds its cluster)."""
    return {
        "cluster": {"issuer": issuer, **({"access": access} if access else {})},
        "namespaces": sorted({*BUILTIN_NAMESPACES, *namespaces}),
        "namespace_labels": {},
        "crds": {},
        "objects": {},
        "releases": {},
    }


def initial(
    issuer: str,
    namespaces: list[str],
    purge_allowed: bool = True,
    clusters: dict[str, dict] | None = None,
) -> dict:
    """The tenant and one cluster; with ``clusters`` (``initial_cluster`` by key), those
    clusters, each apart, and the top-level cluster parts unused."""
    return {
        **initial_cluster(issuer, namespaces),
        **({"clusters": clusters} if clusters else {}),
        "deployer": {"object_id": DEPLOYER_OBJECT_ID, "purge_allowed": purge_allowed},
        "identities": {},
        "credentials": {},
        "role_assignments": {},
        "propagated": [],
        "vaults": {},
        "deleted_vaults": {},
    }


def clusters_in(state: dict) -> dict[str | None, dict]:
    """Each cluster's parts by its key: the one cluster (key None), or each of several."""
    if "clusters" in state:
        return state["clusters"]
    return {None: {part: state[part] for part in CLUSTER_PARTS}}


def _access_of(provider: dict) -> str | None:
    """The context or API server a kubernetes or helm provider configuration names."""
    connection = provider.get("kubernetes") or provider  # helm: a kubernetes object (or block)
    if isinstance(connection, list):
        connection = connection[0] if connection else {}
    return connection.get("config_context") or connection.get("host")


@contextmanager
def cluster_view(state: dict, provider: dict) -> Iterator[dict]:
    """``state`` as the cluster ``provider`` reaches sees it: that cluster's parts with the
    shared tenant; changes to the parts are written back to that cluster."""
    if "clusters" not in state:
        yield state
        return
    access = _access_of(provider)
    found = [c for c in state["clusters"].values() if c["cluster"].get("access") == access]
    if len(found) != 1:
        raise Refusal(f"no cluster at {access!r}", "dial tcp: connect: connection refused")
    (cluster,) = found
    view = {**state, **cluster}
    yield view
    cluster.update({part: view[part] for part in CLUSTER_PARTS})


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
