"""How every Helm chart here is installed: pinned, into a namespace that exists, all or nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from constructs import Construct

from aks_workload_identity.cdk import ITerraformDependable, Precondition, TerraformResourceLifecycle
from aks_workload_identity.hcl_output import multiline_string, write_conditions_as_blocks
from aks_workload_identity.providers import Release


def pinned_chart_release(
    scope: Construct,
    id_: str,
    *,
    name: str,
    repository: str,
    chart: str,
    version: str,
    namespace: str,
    values: Mapping[str, Any],
    timeout_seconds: int,
    quote_values: bool = False,
    depends_on: Sequence[ITerraformDependable] = (),
    preconditions: Sequence[Precondition] = (),
) -> Release:
    """A ``helm_release`` of an exact chart ``version`` with ``values`` as YAML.

    The namespace is a resource of its own (Helm never deletes one it created); ``wait`` makes
    whatever depends on the release start only once its pods are ready; ``atomic`` rolls a
    failed install back, so a failed deploy leaves no half-installed chart. ``quote_values``
    keeps values that are only known at apply time (tokens) strings in the YAML.
    """
    rendered = yaml.safe_dump(
        dict(values), sort_keys=True, default_style='"' if quote_values else None
    )
    release = Release(
        scope,
        id_,
        name=name,
        repository=repository,
        chart=chart,
        version=version,
        namespace=namespace,
        create_namespace=False,
        values=[multiline_string(scope, rendered)],
        wait=True,
        atomic=True,
        cleanup_on_fail=True,
        timeout=timeout_seconds,
        depends_on=list(depends_on) or None,
        lifecycle=TerraformResourceLifecycle(precondition=list(preconditions))
        if preconditions
        else None,
    )
    write_conditions_as_blocks(release, "precondition", list(preconditions))
    return release
