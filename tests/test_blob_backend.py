"""Terraform's real ``azurerm`` backend against the offline Azure Storage stand-in: state
written into the container, the blob lease as the state lock, a local deployment moved in with
``terraform init -migrate-state``, workspaces, and refused credentials."""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from rehearsal import azure_storage
from rehearsal.azure_storage import AzureStorage

MODULE = Path(__file__).parent / "fixtures" / "azurerm_backend"
ACCOUNT, CONTAINER, KEY = "rehearsalstate", "tfstate", "identity.tfstate"


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[AzureStorage]:
    with azure_storage.serving(tmp_path / "storage", ACCOUNT, [CONTAINER]) as running:
        yield running


@pytest.fixture
def module(tmp_path: Path) -> Path:
    """The root module, still with local state (no backend block)."""
    directory = tmp_path / "module"
    directory.mkdir()
    shutil.copy(MODULE / "main.tf", directory)
    (directory / "terraform.rc").write_text("")
    return directory


def use_remote_backend(module: Path) -> None:
    shutil.copy(MODULE / "backend.tf.remote", module / "backend.tf")


def environment(
    module: Path, storage: AzureStorage, sign_in: str = "pipeline", **env: str
) -> dict[str, str]:
    dropped = ("TF_LOG", "TF_WORKSPACE", "TF_DATA_DIR", "TF_PLUGIN_CACHE_DIR", "AZURE_CONFIG_DIR")
    inherited = {k: v for k, v in os.environ.items() if k not in dropped and k[:4] != "ARM_"}
    return {
        **inherited,
        **(storage.pipeline_env if sign_in == "pipeline" else storage.workstation_env),
        "TF_CLI_CONFIG_FILE": str(module / "terraform.rc"),
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        **env,
    }


def terraform(
    module: Path, storage: AzureStorage, *args: str, sign_in: str = "pipeline", **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["terraform", *args, "-no-color"],
        cwd=module,
        env=environment(module, storage, sign_in, **env),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def remote_state(storage: AzureStorage, key: str = KEY) -> dict:
    return json.loads(storage.blobs.read(CONTAINER, key)[1])


def test_apply_writes_state_into_the_container_and_releases_the_lease(module, storage):
    use_remote_backend(module)
    ok(terraform(module, storage, "init", "-input=false"))
    ok(terraform(module, storage, "apply", "-auto-approve", "-input=false"))

    state = remote_state(storage)
    assert state["outputs"]["marker"]["value"] == "first"
    assert [r["type"] for r in state["resources"]] == ["terraform_data"]
    assert not (module / "terraform.tfstate").exists()
    properties = storage.blobs.properties(CONTAINER, KEY)
    assert not properties.locked
    assert "terraformlockid" not in properties.metadata


def test_a_second_apply_while_another_run_holds_the_lease_fails_and_changes_nothing(
    module, storage
):
    use_remote_backend(module)
    ok(terraform(module, storage, "init", "-input=false"))
    ok(terraform(module, storage, "apply", "-auto-approve", "-input=false"))
    holding = subprocess.Popen(
        ["terraform", "apply", "-auto-approve", "-input=false", "-no-color", "-var", "hold=true"],
        cwd=module,
        env=environment(module, storage),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(module / "holding", holding)
        held = storage.blobs.properties(CONTAINER, KEY)
        second = terraform(
            module, storage, "apply", "-auto-approve", "-input=false", "-var", "marker=second"
        )
    finally:
        (module / "release").touch()
        first_output, _ = holding.communicate(timeout=120)

    assert held.locked
    assert second.returncode == 1
    assert "Error acquiring the state lock" in second.stderr
    assert "state blob is already locked" in second.stderr
    assert f"ID:        {held.lease_id}" in second.stderr
    assert "Operation: OperationTypeApply" in second.stderr
    assert holding.returncode == 0, first_output
    state = remote_state(storage)
    assert state["outputs"]["marker"]["value"] == "first"
    assert [r["name"] for r in state["resources"]] == ["hold", "marker"]
    assert not storage.blobs.properties(CONTAINER, KEY).locked


def wait_for(path: Path, run: subprocess.Popen) -> None:
    """Until ``path`` exists; fails at once if ``run`` ends first."""
    deadline = time.monotonic() + 120
    while not path.exists():
        if run.poll() is not None:
            pytest.fail(f"the holding apply ended early: {run.stdout.read()}")
        if time.monotonic() > deadline:
            pytest.fail("the holding apply never reached its provisioner")
        time.sleep(0.05)


def test_force_unlock_releases_the_lease_a_crashed_run_left(module, storage):
    use_remote_backend(module)
    ok(terraform(module, storage, "init", "-input=false"))
    ok(terraform(module, storage, "apply", "-auto-approve", "-input=false"))
    # What a run killed while holding the lock leaves on the blob: the lease and its lock info.
    stale = "5d0c7c43-3a6e-4a4e-9a55-7e2b0f3c9d10"
    lock_info = {"ID": stale, "Operation": "OperationTypeApply", "Who": "pipeline@ci-runner"}
    storage.blobs.lease(CONTAINER, KEY, "acquire", None, stale)
    encoded = base64.b64encode(json.dumps(lock_info).encode()).decode()
    storage.blobs.set_metadata(CONTAINER, KEY, {"terraformlockid": encoded}, stale)
    refused = terraform(module, storage, "plan", "-input=false")
    assert "Who:       pipeline@ci-runner" in refused.stderr

    ok(terraform(module, storage, "force-unlock", "-force", stale))
    ok(terraform(module, storage, "apply", "-auto-approve", "-input=false", "-var", "marker=b"))

    assert remote_state(storage)["outputs"]["marker"]["value"] == "b"
    assert not storage.blobs.properties(CONTAINER, KEY).locked
    assert "terraformlockid" not in storage.blobs.properties(CONTAINER, KEY).metadata


@pytest.mark.parametrize("sign_in", ["pipeline", "workstation"])
def test_migrate_state_moves_a_local_deployment_without_changes(module, storage, sign_in):
    ok(terraform(module, storage, "init", "-input=false"))
    ok(terraform(module, storage, "apply", "-auto-approve", "-input=false"))
    local = json.loads((module / "terraform.tfstate").read_text())

    use_remote_backend(module)
    migrate = ("init", "-migrate-state", "-force-copy", "-input=false")
    ok(terraform(module, storage, *migrate, sign_in=sign_in))
    plan = terraform(module, storage, "plan", "-detailed-exitcode", "-input=false", sign_in=sign_in)

    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "No changes." in plan.stdout
    moved = remote_state(storage)
    assert moved["lineage"] == local["lineage"]
    assert moved["resources"] == local["resources"]


def test_another_stack_reads_the_outputs_through_terraform_remote_state(module, storage, tmp_path):
    use_remote_backend(module)
    ok(terraform(module, storage, "init", "-input=false"))
    ok(terraform(module, storage, "apply", "-auto-approve", "-input=false"))
    reader = tmp_path / "reader"
    reader.mkdir()
    shutil.copy(MODULE / "reader" / "main.tf", reader)
    (reader / "terraform.rc").write_text("")

    ok(terraform(reader, storage, "init", "-input=false"))
    ok(terraform(reader, storage, "apply", "-auto-approve", "-input=false"))
    read = ok(terraform(reader, storage, "output", "-raw", "marker_from_identity"))

    assert read == "first"


def test_workspaces_are_blobs_under_the_key_and_are_listed(module, storage):
    use_remote_backend(module)
    ok(terraform(module, storage, "init", "-input=false"))
    ok(terraform(module, storage, "workspace", "new", "dev"))

    listed = ok(terraform(module, storage, "workspace", "list")).split()

    assert listed == ["default", "*", "dev"]
    assert storage.blobs.names(CONTAINER) == [KEY, f"{KEY}env:dev"]


def request_through_proxy(
    storage: AzureStorage, headers: dict[str, str]
) -> http.client.HTTPResponse:
    proxy = urlsplit(storage.pipeline_env["HTTPS_PROXY"])
    tls = ssl.create_default_context(cafile=storage.pipeline_env["SSL_CERT_FILE"])
    connection = http.client.HTTPSConnection(proxy.hostname, proxy.port, context=tls, timeout=10)
    connection.set_tunnel(f"{ACCOUNT}.blob.core.windows.net", 443)
    connection.request("GET", f"/{CONTAINER}?restype=container&comp=list", headers=headers)
    return connection.getresponse()


@pytest.mark.parametrize(
    ("authorization", "status", "code"),
    [
        (None, 401, "NoAuthenticationInformation"),
        ("SharedKey rehearsalstate:c2lnbmF0dXJl", 403, "KeyBasedAuthenticationNotPermitted"),
        ("Bearer eyJhbGciOiJub25lIn0.e30.", 401, "InvalidAuthenticationInfo"),
    ],
)
def test_requests_without_an_entra_token_for_storage_are_refused(
    storage, authorization, status, code
):
    storage.blobs.put(CONTAINER, KEY, b'{"secret": true}', "application/json", {})
    headers = {"Authorization": authorization} if authorization else {}

    response = request_through_proxy(storage, headers)

    assert (response.status, response.getheader("x-ms-error-code")) == (status, code)
    assert KEY not in response.read().decode()


def test_a_pipeline_token_entra_does_not_trust_fails_init(module, storage):
    use_remote_backend(module)

    result = terraform(module, storage, "init", "-input=false", ARM_OIDC_TOKEN="someone-else")

    assert result.returncode == 1
    assert "AADSTS700213" in result.stderr
    assert storage.blobs.names(CONTAINER) == []


def test_a_workstation_without_az_login_fails_init(module, storage, tmp_path):
    use_remote_backend(module)
    signed_out = tmp_path / "signed-out"
    signed_out.mkdir()

    result = terraform(
        module,
        storage,
        "init",
        "-input=false",
        sign_in="workstation",
        AZURE_CONFIG_DIR=str(signed_out),
    )

    assert result.returncode == 1
    assert "Please run 'az login' to setup account." in result.stderr
    assert storage.blobs.names(CONTAINER) == []
