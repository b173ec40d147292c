"""The one typed, validated configuration: loaded from an HCL tfvars file, nowhere else.

``load_config`` reads the file (``tfvars.py``), validates every key (``settings.py``) and raises
``ConfigError`` with one ``Problem`` per bad key (``problems.py``). The rest of the code reads only
the frozen ``Config`` and the specs it derives (``specs.py``); nothing else reads files or the
environment.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from aks_workload_identity.problems import NO_VALUE, ConfigError, Problem, validation_problems
from aks_workload_identity.settings import (
    BROAD_KEY_VAULT_ROLE,
    BUILTIN_NAMESPACES,
    LEAST_PRIVILEGE_ROLE,
    DataFromSettings,
    Settings,
)
from aks_workload_identity.specs import (
    WALKTHROUGH_KEY,
    DataItem,
    ExternalSecretSpec,
    Extract,
    Federation,
    Find,
    IdentitySpec,
    StoreSpec,
    WorkloadSpec,
    credential_name,
)
from aks_workload_identity.tfvars import read_tfvars

CONFIG_ENV = "AZWI_CONFIG"
USER_CONFIG = "my.auto.tfvars"
EXAMPLE_CONFIG = "my.auto.tfvars.example"


@dataclass(frozen=True)
class Config:
    """The validated settings plus where they came from, and the specs derived from them."""

    settings: Settings
    source: Path
    written: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, key: str) -> Any:
        return getattr(self.settings, key)

    @property
    def walkthrough_form(self) -> bool:
        """True when the flat keys describe the one identity, service account and store."""
        return self.settings.identities is None

    @property
    def federation(self) -> Federation:
        """The walkthrough's federated credential (the flat keys)."""
        s = self.settings
        return Federation(
            name=credential_name(
                s.service_account_namespace, s.service_account_name, s.federated_credential_name
            ),
            namespace=s.service_account_namespace,
            service_account=s.service_account_name,
        )

    @property
    def workloads(self) -> tuple[WorkloadSpec, ...]:
        s = self.settings
        if s.workloads is None:
            return (
                WorkloadSpec(
                    key=WALKTHROUGH_KEY,
                    service_account=s.service_account_name,
                    namespace=s.service_account_namespace,
                    identity=WALKTHROUGH_KEY,
                ),
            )
        return tuple(
            WorkloadSpec(
                key=key,
                service_account=w.service_account,
                namespace=w.namespace,
                identity=w.identity,
                additional_identities=tuple(w.additional_identities),
                create_service_account=w.create_service_account,
            )
            for key, w in s.workloads.items()
        )

    @property
    def identities(self) -> tuple[IdentitySpec, ...]:
        s = self.settings
        if s.identities is None or s.workloads is None:  # the walkthrough's flat keys
            return (
                IdentitySpec(
                    key=WALKTHROUGH_KEY,
                    name=s.identity_name,
                    key_vault_role=s.identity_key_vault_role,
                    federations=(self.federation,),
                ),
            )
        return tuple(
            IdentitySpec(
                key=key,
                name=identity.azure_name,
                resource_id=identity.resource_id,
                key_vault_role=identity.key_vault_role,
                federations=tuple(
                    Federation(
                        name=credential_name(
                            w.namespace, w.service_account, w.federated_credential_name
                        ),
                        namespace=w.namespace,
                        service_account=w.service_account,
                    )
                    for w in s.workloads.values()
                    if key in (w.identity, *w.additional_identities)
                ),
            )
            for key, identity in s.identities.items()
        )

    @property
    def cluster_secret_stores(self) -> tuple[StoreSpec, ...]:
        s = self.settings
        workloads = {w.key: w for w in self.workloads}
        chosen = (
            {s.cluster_secret_store_name: WALKTHROUGH_KEY}
            if s.cluster_secret_stores is None
            else {name: store.workload for name, store in s.cluster_secret_stores.items()}
        )
        return tuple(
            StoreSpec(
                name=name,
                workload=key,
                service_account=workloads[key].service_account,
                namespace=workloads[key].namespace,
            )
            for name, key in chosen.items()
        )

    @property
    def external_secrets(self) -> tuple[ExternalSecretSpec, ...]:
        """The ``external_secrets`` list, or else the walkthrough's single ExternalSecret."""
        s = self.settings
        default_store = self.cluster_secret_stores[0].name if self.cluster_secret_stores else ""
        if s.external_secrets is None:
            return (
                ExternalSecretSpec(
                    name=s.external_secret_name,
                    namespace=s.external_secret_namespace,
                    store=default_store,
                    refresh_interval=s.refresh_interval,
                    data=(DataItem(s.external_secret_key, s.key_vault_secret_name),),
                ),
            )
        return tuple(
            ExternalSecretSpec(
                name=entry.name,
                namespace=entry.namespace,
                store=entry.store or default_store,
                refresh_interval=entry.refresh_interval or s.refresh_interval,
                data=tuple(DataItem(d.secret_key, d.remote_key) for d in entry.data),
                data_from=tuple(_data_from(d) for d in entry.data_from),
            )
            for entry in s.external_secrets
        )

    @property
    def namespaces_to_create(self) -> tuple[str, ...]:
        """Every namespace the stacks use, less built-in and existing ones, in order.

        Existing: listed in ``existing_namespaces``, or a workload's ``create_namespace = false``
        or ``create_service_account = false`` (an existing service account's namespace exists).
        """
        s = self.settings
        used = [s.eso_namespace, *(w.namespace for w in self.workloads)]
        used += [e.namespace for e in self.external_secrets]
        if s.install_workload_identity_webhook:
            used.append(s.workload_identity_webhook_namespace)
        existing = {
            w.namespace
            for w in (s.workloads or {}).values()
            if w.create_namespace is False or not w.create_service_account
        }
        skip = BUILTIN_NAMESPACES | set(s.existing_namespaces) | existing
        return tuple(dict.fromkeys(n for n in used if n not in skip))

    @property
    def warnings(self) -> tuple[str, ...]:
        """Valid but risky choices, printed at synth: one actionable line each."""
        found = []
        for identity in self.identities:
            if identity.key_vault_role != BROAD_KEY_VAULT_ROLE:
                continue
            key = (
                "identity_key_vault_role"
                if identity.key == WALKTHROUGH_KEY
                else f"identities.{identity.key}.key_vault_role"
            )
            found.append(
                f'{key} = "{BROAD_KEY_VAULT_ROLE}" lets {identity.name} read, change and delete '
                "every secret, key and certificate in the vault; set "
                f'"{LEAST_PRIVILEGE_ROLE}" (read) or "Key Vault Secrets Officer" (PushSecret) '
                "unless it must manage keys or certificates"
            )
        return tuple(found)

    def variable_values(self) -> dict[str, Any]:
        """Each key's value as terraform will see it: as written in the file, else the default."""
        return {**self.settings.model_dump(), **self.written}


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
    return Config(settings=settings, source=path, written=raw)


def _top_key(key_path: str) -> str:
    return key_path.split("[")[0].split(".")[0]


def _data_from(entry: DataFromSettings) -> Extract | Find:
    if entry.extract is not None:
        return Extract(entry.extract.key)
    assert entry.find is not None
    return Find(name_regexp=entry.find.name_regexp, tags=dict(entry.find.tags or {}))


def load_from_environment(project_dir: Path) -> Config:
    """Load AZWI_CONFIG, else my.auto.tfvars, else the example (saying so on stderr).

    A valid configuration prints nothing else.
    """
    path, reason = resolve_config_path(os.environ, project_dir)
    if path.name == EXAMPLE_CONFIG and not os.environ.get(CONFIG_ENV):
        print(f"azwi: using {reason}", file=sys.stderr)  # a fallback: say so
    return load_config(path)
