"""Every synthesized ESO manifest is valid for the ESO v2.9.0 CRDs, and uses no unknown field.

The CRD schemas set no ``additionalProperties: false``, so a typo such as ``vaultURL`` would pass
them; ``unknown_fields`` walks the manifest against the schema's ``properties`` to catch it.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft7Validator

from aks_workload_identity import rules
from tests.conftest import PROJECT_DIR, example_configs, example_id, resources

# The served versions, kept in the checkout so that every clone runs this (README.md there).
SCHEMAS = PROJECT_DIR / "tests" / "fixtures" / "eso-crds-v2.9.0"


@cache
def _served() -> dict[tuple[str, str], dict[str, Any]]:
    """(kind, apiVersion) → the index entry with its schema, for served versions only."""
    index = json.loads((SCHEMAS / "index.json").read_text())
    served = {}
    for entry in index["schemas"]:
        if entry["served"]:
            schema = json.loads((SCHEMAS / entry["file"]).read_text())
            served[(entry["kind"], entry["apiVersion"])] = {**entry, "schema": schema}
    return served


def unknown_fields(value: Any, schema: dict[str, Any], path: str = "") -> list[str]:
    """Paths in ``value`` that ``schema`` does not declare."""
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return []
    found = []
    if isinstance(value, dict):
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if properties is not None and key in properties:
                found += unknown_fields(item, properties[key], f"{path}.{key}")
            elif isinstance(extra, dict):
                found += unknown_fields(item, extra, f"{path}.{key}")
            elif properties is not None and not extra:
                found.append(f"{path}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            found += unknown_fields(item, schema["items"], f"{path}[{index}]")
    return found


def _manifests() -> list[tuple[str, dict[str, Any]]]:
    from tests.conftest import first_cluster_stack, synth_config

    found = []
    for path in example_configs():
        secrets = synth_config(path)[first_cluster_stack(path, "secrets")]
        for name, body in resources(secrets, "kubernetes_manifest").items():
            found.append((f"{example_id(path)}:{name}", body["manifest"]))
    return found


def _check(manifest: dict[str, Any]) -> list[str]:
    entry = _served().get((manifest["kind"], manifest["apiVersion"]))
    if entry is None:
        return [f"{manifest['kind']} {manifest['apiVersion']} is not served by ESO v2.9.0"]
    validator = Draft7Validator(entry["schema"])
    problems = [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(manifest)
    ]
    problems += [f"{p}: unknown field" for p in unknown_fields(manifest, entry["schema"])]
    metadata = manifest["metadata"]
    problems += [f"metadata.{k}: unknown field" for k in metadata if k not in ("name", "namespace")]
    if not rules.DNS1123_SUBDOMAIN.ok(metadata["name"]):
        problems.append(f"metadata.name {metadata['name']!r} is not a valid name")
    if (entry["scope"] == "Namespaced") != ("namespace" in metadata):
        problems.append(f"metadata.namespace does not fit a {entry['scope']} resource")
    return problems


def test_every_manifest_of_every_example_fits_the_eso_crds() -> None:
    manifests = _manifests()
    kinds = {m["kind"] for _, m in manifests}
    assert kinds == {"ClusterSecretStore", "SecretStore", "ExternalSecret"}
    failures = {name: problems for name, m in manifests if (problems := _check(m))}
    assert failures == {}


def test_the_check_catches_a_typo_the_bare_schema_accepts() -> None:
    (_, store) = next((n, m) for n, m in _manifests() if m["kind"] == "ClusterSecretStore")
    azurekv = store["spec"]["provider"]["azurekv"]
    typo = {**azurekv, "vaultURL": azurekv["vaultUrl"]}
    broken = {**store, "spec": {"provider": {"azurekv": typo}}}
    assert _check(broken) == [".spec.provider.azurekv.vaultURL: unknown field"]
    (_, external_secret) = next((n, m) for n, m in _manifests() if m["kind"] == "ExternalSecret")
    bad_spec = {
        **external_secret["spec"],
        "refreshInterval": 60,
        "dataFrom": [{"find": {"nme": {}}}],
    }
    problems = _check({**external_secret, "spec": bad_spec})
    assert "spec.refreshInterval: 60 is not of type 'string'" in problems
    assert ".spec.dataFrom[0].find.nme: unknown field" in problems
