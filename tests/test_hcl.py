"""`make hcl`: the stacks as plain HCL that the terraform CLI alone formats, validates and
plans, offline, with the rehearsal's stand-in providers; once the JSON is deployed, the HCL plans
no change."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rehearsal import facts, world
from tests.conftest import EXAMPLE_CONFIG, PROJECT_DIR

STACKS = ("identity", "cluster", "secrets")
# What this test needs beyond the suite: terraform, to format, validate, apply and plan.
pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="needs terraform")


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory) -> Path:
    """The example with the webhook (its values are one quoted YAML line with a reference in it,
    its tenant) and two namespaces (one asked for, one only named: a removed block), as JSON
    (``cdktf.out``) and as HCL (``hcl.out``, as ``make hcl`` writes it) side by side in a project
    directory of its own (a cdktf.json running this checkout's app): both stacks' backends then
    resolve to the same state files, ``<root>/terraform.<stack>.tfstate``, and none is written
    beside the checkout's cdktf.json."""
    root = tmp_path_factory.mktemp("hcl")
    app = json.loads((PROJECT_DIR / "cdktf.json").read_text())
    app["app"] = f"{sys.executable} -O {PROJECT_DIR / 'main.py'}"
    (root / "cdktf.json").write_text(json.dumps(app))
    env = {k: v for k, v in os.environ.items() if k not in ("NODE_OPTIONS", "TF_CLI_CONFIG_FILE")}
    config = root / "webhook.tfvars"
    # A namespace asked for (labelled, guarded) and one only named (a removed block).
    extra = 'created_namespaces = ["apps"]\nexisting_namespaces = ["tools"]\n'
    config.write_text(
        f"{EXAMPLE_CONFIG.read_text()}\ninstall_workload_identity_webhook = true\n{extra}"
    )
    env.update(AZWI_CONFIG=str(config), CI="1", CHECKPOINT_DISABLE="1")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    cli = str(PROJECT_DIR / "node_modules" / ".bin" / "cdktf")
    for command in (
        [cli, "synth", "--hcl", "--output", "hcl.out"],
        ["terraform", "fmt", "-recursive", "hcl.out"],
        [sys.executable, "-O", str(PROJECT_DIR / "main.py")],  # make synth: cdktf.out
    ):
        done = subprocess.run(
            command, cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
    return root


def _terraform(
    directory: Path, standins, world_dir: Path, *args: str
) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(standins.cli_config),
        "REHEARSAL_WORLD": str(world_dir),
        "TF_IN_AUTOMATION": "1",
    }
    return subprocess.run(
        ["terraform", *args, "-no-color"],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _assert_fmt_formatted(hcl_out: Path) -> None:
    for stack in STACKS:
        assert (hcl_out / "stacks" / stack / "cdk.tf").is_file()
    done = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", "-no-color", str(hcl_out)],
        env={k: v for k, v in os.environ.items() if k != "TF_CLI_CONFIG_FILE"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_hcl_is_terraform_fmt_formatted(synthesized) -> None:
    _assert_fmt_formatted(synthesized / "hcl.out")


def test_hcl_of_quoted_helm_values_with_references_parses(synthesized) -> None:
    assert (
        '"\\"azureTenantID\\": \\"${data.'
        in (synthesized / "hcl.out/stacks/cluster/cdk.tf").read_text()
    )


def test_hcl_has_the_removed_blocks_the_renderer_leaves_out(synthesized) -> None:
    removed = (synthesized / "hcl.out/stacks/cluster/removed.tf").read_text()
    (block,) = json.loads((synthesized / "cdktf.out/stacks/cluster/cdk.tf.json").read_text())[
        "removed"
    ]
    assert f"from = {block['from']}" in removed
    assert "destroy = false" in removed


def test_hcl_validates_and_plans_nothing_once_the_json_is_deployed(synthesized, standins) -> None:
    world_dir = synthesized / "world"
    world_dir.mkdir()
    world.World(world_dir).create(
        world.initial(facts.aks_issuer_url("rg-aks-demo", "aks-demo"), [])
    )
    for stack in STACKS:
        json_dir = synthesized / "cdktf.out" / "stacks" / stack
        hcl_dir = synthesized / "hcl.out" / "stacks" / stack
        for directory in (json_dir, hcl_dir):
            done = _terraform(directory, standins, world_dir, "init")
            assert done.returncode == 0, done.stdout + done.stderr
        done = _terraform(hcl_dir, standins, world_dir, "validate")
        assert done.returncode == 0, done.stdout + done.stderr
        done = _terraform(json_dir, standins, world_dir, "apply", "-auto-approve")
        assert done.returncode == 0, f"{stack} (JSON): {done.stdout + done.stderr}"
        # The same state, read by the HCL: the same resources, with the same values.
        done = _terraform(hcl_dir, standins, world_dir, "plan", "-detailed-exitcode")
        assert done.returncode == 0, f"{stack} (HCL): {done.stdout + done.stderr}"
        assert "No changes." in done.stdout
    assert (synthesized / "terraform.secrets.tfstate").is_file()
