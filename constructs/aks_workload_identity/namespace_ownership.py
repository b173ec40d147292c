"""Which namespaces a deployment creates, and which it only uses.

A namespace that holds other people's workloads is never created, nor deleted by destroy, unless
asked for. Owned (always created): ESO's and the workload identity webhook's, each when installed.
Requested: ``created_namespaces`` and the namespace of a workload with ``create_namespace = true``.
Neither is created when built in or in ``existing_namespaces`` (which means "never create", so
requesting one of those is an error). Every other namespace the configuration names (of a
workload, of an ExternalSecret, in ``existing_namespaces``) is *forgotten*: should an earlier
deploy have created it, Terraform drops it from the state instead of deleting it
(``namespaces.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aks_workload_identity import rules
from aks_workload_identity.brought_resources import eso_is_installed

if TYPE_CHECKING:
    from aks_workload_identity.settings import Settings
    from aks_workload_identity.walkthrough import Mappings

BUILTIN_NAMESPACES = frozenset(rules.BUILTIN_NAMESPACES)
REQUEST_KEY = "created_namespaces"
DELETION_ALLOWED_KEY = "namespace_deletion_allowed"


@dataclass(frozen=True)
class NamespaceOwnership:
    """``created``: in order of first use; ``requested``: those of them asked for (labelled as
    this deployment's, and their deletion refused unless allowed); ``forgotten``: named by the
    configuration, never created."""

    created: tuple[str, ...] = ()
    requested: tuple[str, ...] = ()
    forgotten: tuple[str, ...] = ()


def namespace_ownership(settings: Settings, mappings: Mappings) -> NamespaceOwnership:
    workloads = mappings.workloads.values()
    owned = [settings.eso_namespace] if eso_is_installed(vars(settings)) else []
    if settings.install_workload_identity_webhook:
        owned.append(settings.workload_identity_webhook_namespace)
    asked = [*settings.created_namespaces, *(w.namespace for w in workloads if w.create_namespace)]
    never = BUILTIN_NAMESPACES | set(settings.existing_namespaces)
    created = tuple(dict.fromkeys(n for n in [*owned, *asked] if n not in never))
    named = [
        *(w.namespace for w in workloads),
        *(e.namespace for e in mappings.external_secrets),
        *settings.existing_namespaces,
    ]
    return NamespaceOwnership(
        created=created,
        requested=tuple(n for n in dict.fromkeys(asked) if n in created),
        forgotten=tuple(
            dict.fromkeys(n for n in named if n not in created and n not in BUILTIN_NAMESPACES)
        ),
    )


def unasked_namespace_warnings(settings: Settings, mappings: Mappings) -> tuple[str, ...]:
    """One line per namespace used that nothing says exists or is to be created: it must exist,
    and one an earlier deploy created is forgotten by the next (the default before
    ``created_namespaces``), unless it is asked for before that deploy."""
    said = {*settings.created_namespaces, *settings.existing_namespaces, *BUILTIN_NAMESPACES}
    said |= {
        w.namespace
        for w in mappings.workloads.values()
        if w.create_namespace is not None or not w.create_service_account
    }
    owned = namespace_ownership(settings, mappings).created
    used = [w.namespace for w in mappings.workloads.values()]
    used += [e.namespace for e in mappings.external_secrets]
    return tuple(
        f"namespace {ns!r} is used but not created, so it must exist: if an earlier deploy "
        f"created it, the next one leaves it in place and stops managing it; list it in "
        f"{REQUEST_KEY} to keep it managed (before that deploy), or in existing_namespaces"
        for ns in dict.fromkeys(used)
        if ns not in said and ns not in owned
    )


def namespaces_requested_consistently(settings: Settings) -> None:
    """A namespace is asked for, left alone or exists; never two of them at once."""
    existing = set(settings.existing_namespaces)
    wanted: dict[str, tuple[bool, str]] = {}
    for key, workload in (settings.workloads or {}).items():
        create, ns = workload.create_namespace, workload.namespace
        if create and not workload.create_service_account:
            raise ValueError(
                f"workloads.{key}: create_namespace = true, but create_service_account = "
                "false: an existing service account's namespace exists already"
            )
        if create is None:
            continue
        if create and (ns in existing or ns in BUILTIN_NAMESPACES):
            why = "is built in" if ns in BUILTIN_NAMESPACES else "is in existing_namespaces"
            raise ValueError(f"workloads.{key}.create_namespace = true, but namespace {ns!r} {why}")
        if ns in wanted and wanted[ns][0] != create:
            raise ValueError(
                f"workloads {wanted[ns][1]} and {key} disagree on create_namespace for "
                f"namespace {ns!r}"
            )
        wanted[ns] = (create, key)
    for ns in settings.created_namespaces:
        if ns in BUILTIN_NAMESPACES:
            raise ValueError(f"{REQUEST_KEY}: {ns!r} is built in: every cluster has it")
        if ns in existing:
            raise ValueError(
                f"{REQUEST_KEY}: {ns!r} is also in existing_namespaces (never created): "
                "remove it from one of them"
            )
        for key, workload in (settings.workloads or {}).items():
            if workload.namespace != ns:
                continue
            if workload.create_namespace is False:
                raise ValueError(
                    f"{REQUEST_KEY}: {ns!r} is the namespace of workloads.{key}, which has "
                    "create_namespace = false: remove one of them"
                )
            if not workload.create_service_account:
                raise ValueError(
                    f"{REQUEST_KEY}: {ns!r} holds the existing service account of "
                    f"workloads.{key} (create_service_account = false), so it exists already"
                )
