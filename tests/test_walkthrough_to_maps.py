"""Moving between the flat walkthrough keys and the maps keeps every Terraform address: the
printed maps configuration builds the same resources, at the same addresses, with the same
arguments; a maps configuration gives the walkthrough's entries the walkthrough's ids."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

from aks_workload_identity import walkthrough_to_maps
from aks_workload_identity.config import load_config
from aks_workload_identity.config_model import Config
from aks_workload_identity.walkthrough import WALKTHROUGH_NAMES
from tests.conftest import EXAMPLE_CONFIG, EXAMPLES_DIR, REQUIRED, synth_config, write_config

# Every flat key set to something other than its default, and keys that stay as they are.
CUSTOM_FLAT = (
    REQUIRED
    + """
identity_name             = "umi-orders"
identity_key_vault_role   = "Key Vault Administrator"
federated_credential_name = "orders-credential"
service_account_name      = "orders-reader"
service_account_namespace = "orders"
cluster_secret_store_name = "orders-store"
external_secret_name      = "orders-db"
external_secret_namespace = "orders-app"
external_secret_key       = "password"
key_vault_secret_name     = "orders-db-password"
refresh_interval          = "5m"
tags                      = { team = "orders", "cost centre" = "4711 $${literal}" }
existing_namespaces       = ["orders-app"]
"""
)
# Where the two forms legitimately differ: not in any state. The outputs (the walkthrough's one
# identity_client_id, the maps' identity_client_ids and additional_client_ids), the variables
# (each key as written, with its staleness check) and the maps form's moved blocks from the
# mapping ids its entries had before (no-ops for a state without them: the rehearsal proves it).
STATELESS_BLOCKS = ("output", "variable", "moved")


def converted(path: Path, directory: Path) -> Path:
    text = walkthrough_to_maps.maps_configuration(path)
    # The same file rewritten: its name (which the state records) stays.
    maps = directory / "maps" / path.name
    maps.parent.mkdir()
    maps.write_text(text)
    return maps


def _built(config: Config) -> Config:
    """``config`` less what names the file and its keys: the source, the values as written, the
    key named in role messages (and the warnings that quote it), how client IDs are output."""
    return dataclasses.replace(
        config,
        source=Path(),
        variable_values={},
        names=WALKTHROUGH_NAMES,
        warnings=(),
        identities=tuple(dataclasses.replace(i, role_key="") for i in config.identities),
    )


@pytest.mark.parametrize("flat", ["custom", "existing-vault", "many-secrets"])
def test_the_maps_form_builds_what_the_flat_form_builds(flat, tmp_path) -> None:
    path = (
        write_config(tmp_path, CUSTOM_FLAT) if flat == "custom" else EXAMPLES_DIR / f"{flat}.tfvars"
    )
    flat_config, maps_config = load_config(path), load_config(converted(path, tmp_path))
    assert maps_config.names != flat_config.names  # the maps form, with its outputs
    assert _built(maps_config) == _built(flat_config)


def test_the_printed_maps_configuration_synthesizes_the_same_resources(tmp_path) -> None:
    flat = synth_config(EXAMPLE_CONFIG)
    maps = synth_config(converted(EXAMPLE_CONFIG, tmp_path))
    assert flat.keys() == maps.keys()
    for stack in flat:
        same = {b: v for b, v in flat[stack].items() if b not in STATELESS_BLOCKS}
        assert same == {b: v for b, v in maps[stack].items() if b not in STATELESS_BLOCKS}
    assert set(flat["identity"]["output"]) - set(maps["identity"]["output"]) == {
        "identity_client_id"
    }


def test_later_stores_of_the_walkthrough_workload_keep_their_own_ids(tmp_path) -> None:
    text = walkthrough_to_maps.maps_configuration(EXAMPLE_CONFIG)
    text = text.replace('namespace = "default"\n', 'namespace = "default"\n    store = "more"\n')
    text = text.rstrip().removesuffix("}") + '  more = { workload = "default" }\n}\n'
    config = load_config(write_config(tmp_path, text))
    ids = {s.name: s.construct_id for s in config.cluster_secret_stores}
    assert ids == {"azure-cluster-store": "store", "more": "store-more"}
    (identity,), (workload,) = config.identities, config.workloads
    assert (identity.construct_id, workload.construct_id) == (
        "workload-identity",
        "service-account",
    )


def test_a_maps_configuration_is_not_converted(capsys) -> None:
    assert walkthrough_to_maps.main([str(EXAMPLES_DIR / "one-to-one.tfvars")], Path()) == 1
    assert "declares identities, workloads, cluster_secret_stores already" in (
        capsys.readouterr().err
    )


def test_a_bad_flat_file_is_reported_not_converted(tmp_path, capsys) -> None:
    path = write_config(tmp_path, REQUIRED + 'identity_nam = "x"\n')
    assert walkthrough_to_maps.main([str(path)], Path()) == 1
    captured = capsys.readouterr()
    assert (captured.out, "identity_nam" in captured.err) == ("", True)


def _former_address(kind: str, path: str) -> str:
    """cdktf's address of a resource at the construct ``path``: the human part and an md5 of the
    path (an oracle of its own, beside the CDK's allocation the code asks)."""
    digest = hashlib.md5(path.encode()).hexdigest()[:8].upper()
    return f"{kind}.{path.replace('/', '_')}_{digest}"


def test_entries_deployed_at_the_mapping_ids_move_to_the_walkthrough_ids(tmp_path) -> None:
    synthesized = synth_config(converted(EXAMPLE_CONFIG, tmp_path))
    moved = {m["from"]: m["to"] for stack in synthesized.values() for m in stack.get("moved", [])}
    flat = synth_config(EXAMPLE_CONFIG)
    assert set(moved.values()) <= {
        f"{kind}.{name}"
        for stack in flat.values()
        for kind, named in stack["resource"].items()
        for name in named
    }
    former = {
        ("azurerm_user_assigned_identity", "identity-default/identity"),
        (
            "azurerm_federated_identity_credential",
            "identity-default/credential-external-secrets-workload-identity-sa",
        ),
        ("time_sleep", "identity-default/credential-propagation"),
        ("azurerm_role_assignment", "key-vault/role-identity-default"),
        ("kubernetes_service_account_v1", "service-account-default/service-account"),
        ("kubernetes_manifest", "store-azure-cluster-store/manifest"),
    }
    assert set(moved) == {_former_address(kind, path) for kind, path in former}


def test_a_flat_configuration_moves_nothing() -> None:
    assert not any("moved" in stack for stack in synth_config(EXAMPLE_CONFIG).values())
