"""External Secrets Operator's resources: a ClusterSecretStore, ExternalSecrets. The Helm release:
``external_secrets_operator.py``; a namespaced ``SecretStore``: ``secret_store.py``; a store's
namespaces: ``store_conditions.py``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from constructs import Construct

from aks_workload_identity import invariants, rules, waits
from aks_workload_identity.cdk import ITerraformDependable
from aks_workload_identity.hcl_output import write_as_any
from aks_workload_identity.providers import (
    Manifest,
    ManifestTimeouts,
    ManifestWait,
    ManifestWaitCondition,
)
from aks_workload_identity.secret_data import DataItem, Extract, Find
from aks_workload_identity.store_conditions import store_conditions

API_VERSION = "external-secrets.io/v1"


def ready_manifest(
    scope: Construct,
    kind: str,
    metadata: dict,
    spec: dict,
    ready_timeout: str,
    depends_on: Sequence[ITerraformDependable],
) -> Manifest:
    """An ESO resource of ``kind`` that deploy waits for until ESO reports it Ready."""
    manifest = Manifest(
        scope,
        "manifest",
        manifest={"apiVersion": API_VERSION, "kind": kind, "metadata": metadata, "spec": spec},
        depends_on=list(depends_on) or None,
        wait=ManifestWait(condition=[ManifestWaitCondition(type="Ready", status="True")]),
        timeouts=ManifestTimeouts(create=ready_timeout, update=ready_timeout),
    )
    write_as_any(manifest, "manifest")
    return manifest


@dataclass(frozen=True)
class ClusterSecretStoreProps:
    """An ``azurekv`` store that authenticates as ``service_account`` in ``namespace``.

    That service account's ``azure.workload.identity/client-id`` annotation picks the identity
    (see ``WorkloadServiceAccount``). No ``tenantId`` here: the annotation carries it (set once).
    ``vault_url``: e.g. ``SecretsVault(...).vault.vault_uri``. ``ready_timeout``: how long deploy
    waits for ESO to report the store Ready, default ``"10m"`` (see ``waits.py``).
    ``serves_namespaces``: the only namespaces whose ExternalSecrets ESO serves through it
    (``spec.conditions``); default none, so a store nobody lists serves no namespace;
    ``serves_labelled``: and every namespace carrying all of these labels.
    """

    name: str
    vault_url: str
    service_account: str
    namespace: str
    ready_timeout: str = waits.READY_TIMEOUT
    serves_namespaces: Sequence[str] = ()
    serves_labelled: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = rules.PropsProblems(f"ClusterSecretStore {self.name!r}")
        problems.require("name", self.name, rules.DNS1123_SUBDOMAIN)
        problems.require("service_account", self.service_account, rules.DNS1123_SUBDOMAIN)
        problems.require("namespace", self.namespace, rules.DNS1123_LABEL)
        problems.require("vault_url", self.vault_url, rules.HTTPS_URL)
        problems.require("ready_timeout", self.ready_timeout, rules.GO_DURATION)
        for namespace in self.serves_namespaces:
            problems.require("serves_namespaces", namespace, rules.DNS1123_LABEL)
        for key, value in self.serves_labelled.items():
            problems.require("serves_labelled", key, rules.LABEL_KEY)
            problems.require(f"serves_labelled[{key!r}]", value, rules.LABEL_VALUE)
        problems.raise_any()


def workload_identity_provider(
    vault_url: str, service_account: str, namespace: str | None = None
) -> dict:
    """A store's ``azurekv`` provider, authenticating as ``service_account`` (of ``namespace``;
    none for a SecretStore, whose service account is always one of its own namespace)."""
    account = {"name": service_account, **({"namespace": namespace} if namespace else {})}
    return {"authType": "WorkloadIdentity", "vaultUrl": vault_url, "serviceAccountRef": account}


class ClusterSecretStore(Construct):
    """Creates ``manifest``, and waits until ESO reports the store Ready (token exchange works).

    Pass the service account (and anything else it needs) in ``depends_on`` when it is created in
    the same stack, so the store is created after it and deleted before it.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        props: ClusterSecretStoreProps,
        *,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        super().__init__(scope, id_)
        self.props = props
        azurekv = workload_identity_provider(
            props.vault_url, props.service_account, props.namespace
        )
        self.manifest = ready_manifest(
            self,
            "ClusterSecretStore",
            {"name": props.name},
            {
                "provider": {"azurekv": azurekv},
                "conditions": store_conditions(props.serves_namespaces, props.serves_labelled),
            },
            props.ready_timeout,
            depends_on,
        )


@dataclass(frozen=True)
class ExternalSecretProps:
    """Sync ``data`` (Key Vault secret → Secret key) and ``data_from`` (``Extract``: the fields
    of one JSON secret; ``Find``: every secret matching a name regexp and/or tags) into a Secret
    named ``name``, through the store ``store`` of ``store_kind`` (``ClusterSecretStore``, or a
    ``SecretStore`` in ``namespace``); at least one of the two.

    The Secret is created and owned by the ExternalSecret (``creationPolicy: Owner``), so deleting
    it deletes the Secret. ``refresh_interval``: a Go duration, default ``"1h"`` (ESO's own).
    ``ready_timeout``: how long deploy waits for the first sync, default ``"10m"`` (see
    ``waits.py``).
    """

    name: str
    namespace: str
    store: str
    refresh_interval: str = "1h"
    data: Sequence[DataItem] = field(default_factory=tuple)
    data_from: Sequence[Extract | Find] = field(default_factory=tuple)
    ready_timeout: str = waits.READY_TIMEOUT
    store_kind: str = "ClusterSecretStore"

    def __post_init__(self) -> None:
        problems = rules.PropsProblems(f"ExternalSecret {self.namespace}/{self.name}")
        problems.require("store_kind", self.store_kind, rules.STORE_KIND)
        problems.require("name", self.name, rules.DNS1123_SUBDOMAIN)
        problems.require("namespace", self.namespace, rules.DNS1123_LABEL)
        problems.require("store", self.store, rules.DNS1123_SUBDOMAIN)
        problems.require("refresh_interval", self.refresh_interval, rules.GO_DURATION)
        problems.require("ready_timeout", self.ready_timeout, rules.GO_DURATION)
        if invariants.nothing_to_sync(self.data, self.data_from):
            problems.add(invariants.NOTHING_TO_SYNC)
        for item in self.data:
            problems.require("secret_key", item.secret_key, rules.SECRET_DATA_KEY)
        if invariants.repeats([item.secret_key for item in self.data]):
            problems.add("each secret_key can appear once in data")
        for source in self.data_from:
            if isinstance(source, Find):
                if invariants.nothing_to_find(source.name_regexp, source.tags):
                    problems.add(f"Find {invariants.NOTHING_TO_FIND}")
                regexp = source.name_regexp
                if regexp is not None and not rules.GO_REGEXP.allows(regexp):
                    problems.add(str(rules.GO_REGEXP.problem(regexp)))
            elif not isinstance(source, Extract):
                problems.add(f"data_from takes Extract and Find, not {source!r}")
        problems.raise_any()


def _sources(props: ExternalSecretProps) -> dict:
    """``data`` and ``dataFrom``, each only when used (ESO merges them, ``data`` last)."""
    sources: dict = {}
    if props.data:
        sources["data"] = [
            {"secretKey": item.secret_key, "remoteRef": {"key": item.remote_key}}
            for item in props.data
        ]
    if props.data_from:
        sources["dataFrom"] = [_data_from_entry(source) for source in props.data_from]
    return sources


def _data_from_entry(source: Extract | Find) -> dict:
    if isinstance(source, Extract):
        return {"extract": {"key": source.key}}
    find: dict = {}
    if source.name_regexp is not None:
        find["name"] = {"regexp": source.name_regexp}
    if source.tags:
        find["tags"] = dict(source.tags)
    return {"find": find}


class ExternalSecret(Construct):
    """Creates ``manifest``, and waits until the Secret has synced.

    Pass the store's manifest in ``depends_on`` when it is created in the same stack, so the
    ExternalSecret is created after it and deleted before it.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        props: ExternalSecretProps,
        *,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        super().__init__(scope, id_)
        self.props = props
        self.manifest = ready_manifest(
            self,
            "ExternalSecret",
            {"name": props.name, "namespace": props.namespace},
            {
                "refreshInterval": props.refresh_interval,
                "secretStoreRef": {"kind": props.store_kind, "name": props.store},
                "target": {
                    "name": props.name,
                    "creationPolicy": "Owner",
                    "deletionPolicy": "Retain",
                },
                **_sources(props),
            },
            props.ready_timeout,
            depends_on,
        )
