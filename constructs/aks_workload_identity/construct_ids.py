"""Construct ids derived from user strings, unique by construction.

An ExternalSecret's id has always been ``external-secret-<namespace>-<name>``, which is
ambiguous: ``a-b``/``c`` and ``a``/``b-c`` both give ``external-secret-a-b-c`` (and synth crashed
on the second). The id is also the Terraform address, so a deployed ExternalSecret must keep it:
every entry keeps the old id unless another entry of the configuration has the same one and its
namespace contains a '-'. That entry gets ``external-secret-<namespace>_<name>`` instead: '_' is
in no Kubernetes name, so the split is unambiguous and never meets an old id. Among entries with
one old id, at most one has a namespace without '-' (its namespace ends at the first '-'), so
every id is distinct.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

EXTERNAL_SECRET_PREFIX = "external-secret-"


def external_secret_ids(entries: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """The construct id of each ``(namespace, name)``, distinct for distinct pairs."""
    old = [f"{EXTERNAL_SECRET_PREFIX}{namespace}-{name}" for namespace, name in entries]
    shared = Counter(old)
    return tuple(
        f"{EXTERNAL_SECRET_PREFIX}{namespace}_{name}"
        if shared[id_] > 1 and "-" in namespace
        else id_
        for (namespace, name), id_ in zip(entries, old, strict=True)
    )
