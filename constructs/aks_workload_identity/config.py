"""The one typed, validated configuration: loaded from an HCL tfvars file, nowhere else.

``load_config`` reads the file (``tfvars.py``), validates every key into ``Settings`` (what the
file says) and raises ``ConfigError`` with one ``Problem`` per bad key (``problems.py``); else
``config_from_settings`` makes the frozen ``Config`` the stacks build (``config_model.py``).
Nothing else reads files or the environment.
"""

from __future__ import annotations

import os
import sys
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from aks_workload_identity.brought_resources import placeholders_written
from aks_workload_identity.cluster_settings import clusters_of
from aks_workload_identity.config_model import (
    ClusterConfig,
    Config,
    ExternalSecretConfig,
    IdentityConfig,
    StoreConfig,
    WorkloadConfig,
)
from aks_workload_identity.construct_ids import external_secret_ids
from aks_workload_identity.entry_settings import LEAST_PRIVILEGE_ROLE, DataFromSettings
from aks_workload_identity.federation import Federation, credential_name
from aks_workload_identity.literals import literal_strings
from aks_workload_identity.namespace_ownership import (
    namespace_ownership,
    unasked_namespace_warnings,
)
from aks_workload_identity.problems import NO_VALUE, ConfigError, Problem, validation_problems
from aks_workload_identity.secret_data import DataItem, Extract, Find
from aks_workload_identity.settings import BROAD_KEY_VAULT_ROLE, Settings
from aks_workload_identity.state_settings import state_config
from aks_workload_identity.store_conditions import namespaces_by_store
from aks_workload_identity.tfvars import read_tfvars
from aks_workload_identity.walkthrough import Mappings, mappings_of

__all__ = ["Config", "ConfigError", "config_from_settings", "load_config", "load_from_environment"]

CONFIG_ENV = "AZWI_CONFIG"
USER_CONFIG = "my.auto.tfvars"
EXAMPLE_CONFIG = "my.auto.tfvars.example"
# The fields of Config that are configuration keys, copied as they are (lists as tuples).
_COPIED_KEYS = tuple(
    f.name
    for f in fields(Config)
    if f.name in Settings.model_fields and f.name not in Mappings.__annotations__
)

# The fields of Config no stack writes as a Terraform template, so kept as written: the values
# become variable defaults (literal in Terraform) and the staleness check (``hcl_string``
# escapes them); the file's path is escaped where a message names it (variables.py); the
# Terraform names are the project's own; the warnings are printed.
_NOT_TEMPLATES = ("source", "variable_values", "names", "warnings")


def config_from_settings(settings: Settings, source: Path, written: dict[str, Any]) -> Config:
    """What the stacks build from validated ``settings``; ``written``: the keys in the file."""
    mappings = mappings_of(settings)
    workloads = _workloads(mappings)
    stores = _stores(mappings, {w.key: w for w in workloads})
    external_secrets = _external_secrets(mappings, stores, settings.refresh_interval)
    clusters = clusters_of(settings)
    identities = _identities(mappings, clusters)
    copied = {
        key: tuple(value) if isinstance(value, list) else value
        for key in _COPIED_KEYS
        for value in [getattr(settings, key)]
    }
    copied["key_vault_placeholder_secrets_enabled"] = placeholders_written(vars(settings))
    copied["clusters"] = clusters
    config = Config(
        source=source,
        variable_values={**settings.model_dump(), **written},
        names=mappings.names,
        identities=identities,
        workloads=workloads,
        cluster_secret_stores=stores,
        external_secrets=external_secrets,
        namespaces=namespace_ownership(settings, mappings),
        warnings=_warnings(identities) + unasked_namespace_warnings(settings, mappings),
        state=state_config(settings.environment, settings.remote_state),
        **copied,
    )
    return replace(
        config,
        **{
            f.name: literal_strings(getattr(config, f.name))
            for f in fields(Config)
            if f.name not in _NOT_TEMPLATES
        },
    )


def _identities(
    mappings: Mappings, clusters: tuple[ClusterConfig, ...]
) -> tuple[IdentityConfig, ...]:
    """Each identity trusts each of its workloads' service accounts in every cluster, cluster
    by cluster: a cluster added later appends its credentials."""
    names = mappings.names
    return tuple(
        IdentityConfig(
            key=key,
            construct_id=mappings.identity_id(key),
            name=identity.azure_name,
            resource_id=identity.resource_id,
            key_vault_role=identity.key_vault_role,
            role_key=names.role_key.format(key=key),
            federations=tuple(
                Federation(
                    name=credential_name(
                        w.namespace, w.service_account, w.federated_credential_name, cluster.key
                    ),
                    namespace=w.namespace,
                    service_account=w.service_account,
                    cluster=cluster.key,
                )
                for cluster in clusters
                for w in mappings.workloads.values()
                if key in (w.identity, *w.additional_identities)
            ),
        )
        for key, identity in mappings.identities.items()
    )


def _workloads(mappings: Mappings) -> tuple[WorkloadConfig, ...]:
    return tuple(
        WorkloadConfig(
            key=key,
            construct_id=mappings.service_account_id(key),
            service_account=w.service_account,
            namespace=w.namespace,
            identity=w.identity,
            additional_identities=tuple(w.additional_identities),
            create_service_account=w.create_service_account,
        )
        for key, w in mappings.workloads.items()
    )


def _stores(mappings: Mappings, workloads: dict[str, WorkloadConfig]) -> tuple[StoreConfig, ...]:
    """Each store serves the namespaces of the ExternalSecrets that read through it, and the
    ones its ``allowed_namespaces`` add, in order of first use."""
    used = namespaces_by_store(mappings.cluster_secret_stores, mappings.external_secrets)
    return tuple(
        StoreConfig(
            name=name,
            construct_id=mappings.store_id(name),
            workload=store.workload,
            service_account=workloads[store.workload].service_account,
            namespace=workloads[store.workload].namespace,
            kind=store.kind,
            namespaces=tuple(dict.fromkeys([*used[name], *store.allowed_namespaces])),
            namespace_labels=tuple(sorted(store.allowed_namespace_labels.items())),
        )
        for name, store in mappings.cluster_secret_stores.items()
    )


def _external_secrets(
    mappings: Mappings, stores: tuple[StoreConfig, ...], refresh_interval: str
) -> tuple[ExternalSecretConfig, ...]:
    """Without a ``store``, an ExternalSecret reads through the only one (validated)."""
    default_store = stores[0].name if stores else ""
    entries = mappings.external_secrets
    ids = external_secret_ids([(entry.namespace, entry.name) for entry in entries])
    return tuple(
        ExternalSecretConfig(
            name=entry.name,
            namespace=entry.namespace,
            construct_id=construct_id,
            store=entry.store or default_store,
            refresh_interval=entry.refresh_interval or refresh_interval,
            data=tuple(DataItem(d.secret_key, d.remote_key) for d in entry.data),
            data_from=tuple(_data_from(d) for d in entry.data_from),
        )
        for entry, construct_id in zip(entries, ids, strict=True)
    )


def _data_from(entry: DataFromSettings) -> Extract | Find:
    if entry.extract is not None:
        return Extract(entry.extract.key)
    assert entry.find is not None
    return Find(name_regexp=entry.find.name_regexp, tags=dict(entry.find.tags or {}))


def _warnings(identities: tuple[IdentityConfig, ...]) -> tuple[str, ...]:
    return tuple(
        f'{identity.role_key} = "{BROAD_KEY_VAULT_ROLE}" lets {identity.name} read, change and '
        "delete every secret, key and certificate in the vault; set "
        f'"{LEAST_PRIVILEGE_ROLE}" (read) or "Key Vault Secrets Officer" (PushSecret) '
        "unless it must manage keys or certificates"
        for identity in identities
        if identity.key_vault_role == BROAD_KEY_VAULT_ROLE
    )


def resolve_config_path(
    environ: os._Environ[str] | dict[str, str], project_dir: Path
) -> tuple[Path, str]:
    """Which file to load, and why: AZWI_CONFIG, else my.auto.tfvars, else the example."""
    chosen = environ.get(CONFIG_ENV)
    if chosen:
        return Path(chosen), f"{CONFIG_ENV}={chosen}"
    user = project_dir / USER_CONFIG
    if user.exists():
        return user, USER_CONFIG
    return project_dir / EXAMPLE_CONFIG, f"{EXAMPLE_CONFIG} ({USER_CONFIG} not found)"


def load_config(path: Path) -> Config:
    """Parse and validate ``path``; every problem found is in the one ``ConfigError`` raised."""
    source = str(path)
    if not path.exists():
        raise ConfigError(
            [
                Problem(
                    source,
                    "",
                    NO_VALUE,
                    "file not found",
                    f"copy the example: cp {EXAMPLE_CONFIG} {USER_CONFIG}",
                )
            ]
        )
    raw, problems = read_tfvars(path)
    # Keys that are not literals are already reported; validate the rest, so all come at once.
    unreadable = {_top_key(p.key) for p in problems}
    readable = {k: v for k, v in raw.items() if k not in unreadable}
    try:
        # strict: a number is not silently turned into a string, nor "true" into a bool.
        settings = Settings.model_validate(readable, strict=True)
    except ValidationError as error:
        problems += [
            p
            for p in validation_problems(source, error, Settings, EXAMPLE_CONFIG)
            if _top_key(p.key) not in unreadable
        ]
    if problems:
        in_file_order = {k: i for i, k in enumerate(raw)}
        problems.sort(key=lambda p: in_file_order.get(_top_key(p.key), len(in_file_order)))
        raise ConfigError(problems)
    return config_from_settings(settings, path, raw)


def _top_key(key_path: str) -> str:
    return key_path.split("[")[0].split(".")[0]


def load_from_environment(project_dir: Path) -> Config:
    """Load AZWI_CONFIG, else my.auto.tfvars, else the example (saying so on stderr).

    A valid configuration prints nothing else.
    """
    path, reason = resolve_config_path(os.environ, project_dir)
    if path.name == EXAMPLE_CONFIG and not os.environ.get(CONFIG_ENV):
        print(f"azwi: using {reason}", file=sys.stderr)  # a fallback: say so
    return load_config(path)
