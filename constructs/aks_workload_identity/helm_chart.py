"""How every Helm chart here is installed: pinned, into a namespace that exists, all or nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import yaml
from constructs import Construct

from aks_workload_identity.cdk import ITerraformDependable, Precondition, TerraformResourceLifecycle
from aks_workload_identity.hcl_output import multiline_string, write_conditions_as_blocks
from aks_workload_identity.providers import Release


@dataclass(frozen=True)
class Chart:
    """Where a chart comes from: its repository and its name there."""

    repository: str
    name: str


class ReleaseProps(Protocol):
    """What every chart construct's props say about its release."""

    @property
    def release_name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    @property
    def timeout_seconds(self) -> int: ...


def pinned_chart_release(
    scope: Construct,
    id_: str,
    chart: Chart,
    props: ReleaseProps,
    *,
    values: Mapping[str, Any],
    quote_values: bool = False,
    depends_on: Sequence[ITerraformDependable] = (),
    preconditions: Sequence[Precondition] = (),
) -> Release:
    """A ``helm_release`` of ``chart`` at the exact ``props.version``, with ``values`` as YAML.

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
        name=props.release_name,
        repository=chart.repository,
        chart=chart.name,
        version=props.version,
        namespace=props.namespace,
        create_namespace=False,
        values=[multiline_string(scope, rendered)],
        wait=True,
        atomic=True,
        cleanup_on_fail=True,
        timeout=props.timeout_seconds,
        depends_on=list(depends_on) or None,
        lifecycle=TerraformResourceLifecycle(precondition=list(preconditions))
        if preconditions
        else None,
    )
    write_conditions_as_blocks(release, "precondition", list(preconditions))
    return release
