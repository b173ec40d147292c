"""make verify against stand-in kubectl, az and terraform (tests/fixtures/verify): the lines, the
summary and the exit status for a healthy deployment, each failure cause, and the rotation."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest

from aks_workload_identity.verify.__main__ import main
from aks_workload_identity.verify.expectations import Outputs, read_outputs
from aks_workload_identity.verify.runner import Runner
from tests.conftest import PROJECT_DIR

FIXTURES = PROJECT_DIR / "tests" / "fixtures" / "verify"
WALKTHROUGH = PROJECT_DIR / "my.auto.tfvars.example"


@pytest.fixture
def standin(tmp_path, monkeypatch):
    """kubectl, az and terraform on PATH answer from a scenario; returns a function running
    verify with it: (scenario, config, *args) -> (exit status, output lines, calls)."""
    bin_dir, state = tmp_path / "bin", tmp_path / "state"
    bin_dir.mkdir()
    state.mkdir()
    for program in ("kubectl", "az", "terraform"):
        wrapper = bin_dir / program
        script = FIXTURES / "standin.py"
        wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "{script}" {program} "$@"\n')
        wrapper.chmod(0o755)
    (tmp_path / "stacks" / "identity").mkdir(parents=True)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("VERIFY_STATE", str(state))

    def run(scenario, *args, config=WALKTHROUGH, capsys=None, runner=None):
        monkeypatch.setenv("VERIFY_SCENARIO", scenario)
        monkeypatch.setenv("AZWI_CONFIG", str(config))
        status = main(["--stacks-dir", str(tmp_path / "stacks"), *args], runner=runner)
        lines = capsys.readouterr().out.splitlines() if capsys else []
        log = state / "calls.jsonl"
        calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        return status, lines, calls

    return run


def _results(lines):
    return [line for line in lines if line.startswith(("PASS", "FAIL", "SKIP"))]


def _cause(lines, subject):
    index = next(i for i, line in enumerate(lines) if line.startswith(f"FAIL  {subject}"))
    return lines[index].split(" -- likely cause: ")[1].split(" -- event: ")[0]


def test_a_healthy_deployment_passes_every_check(standin, capsys) -> None:
    status, lines, _ = standin("healthy", capsys=capsys)
    assert status == 0
    kubeconfig = os.path.expanduser("~/.kube/config")
    assert lines[0] == (
        f"verify: {WALKTHROUGH}; kubectl context aks-demo (--kubeconfig {kubeconfig})"
    )
    assert _results(lines) == [
        "PASS  identity stack outputs: vault kv-azwi-x7k2p9",
        "PASS  serviceaccount external-secrets/workload-identity-sa: client-id and tenant-id "
        "annotations match the identity stack's outputs",
        "PASS  clustersecretstore azure-cluster-store: Ready=True (Valid: store validated), "
        "capabilities ReadWrite",
        "PASS  externalsecret default/external-secret: Ready=True (SecretSynced: secret synced)",
        "PASS  secret default/external-secret: keys external-secret",
    ]
    assert lines[-1] == "verify OK: 5 checks, 5 passed, 0 failed"


@pytest.mark.parametrize(
    ("scenario", "subject", "cause"),
    [
        (
            "fic-subject-mismatch",
            "clustersecretstore azure-cluster-store",
            "no federated credential matches subject "
            "system:serviceaccount:external-secrets:workload-identity-sa",
        ),
        (
            "missing-tenant-annotation",
            "clustersecretstore azure-cluster-store",
            "service account external-secrets/workload-identity-sa has no "
            "azure.workload.identity/tenant-id annotation",
        ),
        (
            "missing-client-annotation",
            "clustersecretstore azure-cluster-store",
            "service account external-secrets/workload-identity-sa has no "
            "azure.workload.identity/client-id annotation",
        ),
        (
            "missing-role",
            "externalsecret default/external-secret",
            "the identity has no Key Vault role on kv-azwi-x7k2p9 that allows reading secrets "
            "(missing role assignment",
        ),
        (
            "vault-firewall",
            "externalsecret default/external-secret",
            "kv-azwi-x7k2p9's firewall does not admit the cluster's outbound address",
        ),
        (
            "missing-vault-secret",
            "externalsecret default/external-secret",
            "missing vault secret external-keyvault-secret in kv-azwi-x7k2p9",
        ),
    ],
)
def test_each_failure_names_its_likely_cause(standin, capsys, scenario, subject, cause) -> None:
    status, lines, _ = standin(scenario, capsys=capsys)
    assert status == 1
    assert _cause(lines, subject).startswith(cause)
    assert lines[-1].startswith("verify FAILED: ")
    for text in ALSO_SHOWN.get(scenario, ()):
        assert text in "\n".join(lines)


ALSO_SHOWN = {
    # The store's failure is its own; its ExternalSecret is not diagnosed again. The newest
    # event is quoted (the fixture's older one is not about AADSTS).
    "fic-subject-mismatch": (
        "event: http call(https://login.microsoftonline.com/",
        "AADSTS700213: No matching federated identity record found for presented assertion",
        "FAIL  externalsecret default/external-secret: Ready=False (SecretSyncedError: could not "
        "get secret data from provider) -- likely cause: its store azure-cluster-store is not "
        "Ready (see its line)\n",
        "verify FAILED: 5 checks, 2 passed, 3 failed",
    ),
    "missing-tenant-annotation": (
        "FAIL  serviceaccount external-secrets/workload-identity-sa: no "
        "azure.workload.identity/tenant-id annotation",
    ),
}


def test_an_unreachable_cluster_stops_the_cluster_checks(standin, capsys) -> None:
    _, lines, calls = standin("cluster-unreachable", capsys=capsys)
    assert [line.split(":")[0] for line in _results(lines)] == [
        "PASS  identity stack outputs",
        "FAIL  cluster",
    ]
    assert "no such host" in _results(lines)[1]
    assert _cause(lines, "cluster").startswith("kubectl cannot reach the cluster")
    assert len([c for c in calls if c[0] == "kubectl" and "get" in c]) == 1


def test_without_outputs_the_cluster_is_still_checked(standin, capsys) -> None:
    _, lines, _ = standin("not-initialized", capsys=capsys)
    assert "Backend initialization required" in _results(lines)[0]
    assert _cause(lines, "identity stack outputs").startswith(
        "the identity stack is not deployed, or its directory was not initialized"
    )
    assert _results(lines)[1] == (
        "PASS  serviceaccount external-secrets/workload-identity-sa: client-id and tenant-id "
        "annotations are set"
    )
    assert lines[-1] == "verify FAILED: 5 checks, 4 passed, 1 failed"


def test_rotation_sees_the_new_value_and_restores_the_old(standin, capsys, tmp_path) -> None:
    status, lines, calls = standin(
        "rotation-success", "--rotation", "--poll-interval", "0.01", capsys=capsys
    )
    assert status == 0, lines
    assert "      wrote a new version of external-keyvault-secret; waiting up to 90 s" in lines
    rotation = "rotation external-keyvault-secret -> default/external-secret[external-secret]"
    assert _results(lines)[-2].startswith(f"PASS  {rotation}: the Secret has the new value after")
    assert _results(lines)[-1].startswith("PASS  restore external-keyvault-secret: ")
    assert lines[-1] == "verify OK: 7 checks, 7 passed, 0 failed"
    sets = [c for c in calls if c[:4] == ["az", "keyvault", "secret", "set"]]
    assert len(sets) == 2
    assert all("--value" not in c and "--content-type" in c for c in sets)  # value in a file
    assert sets[1][sets[1].index("--content-type") + 1] == "text/plain"
    restored = (tmp_path / "state" / "vault" / "external-keyvault-secret").read_text()
    secret = json.loads((FIXTURES / "objects" / "secret.json").read_text())
    assert restored == base64.b64decode(secret["data"]["external-secret"]).decode()


def test_rotation_times_out_and_still_restores(standin, capsys) -> None:
    status, lines, calls = standin(
        "rotation-timeout",
        "--rotation",
        "--rotation-timeout",
        "0.05",
        "--poll-interval",
        "0.01",
        capsys=capsys,
    )
    assert status == 1
    rotation = "rotation external-keyvault-secret -> default/external-secret[external-secret]"
    assert f"FAIL  {rotation}: the Secret still has the old value after 0 s -- " in "\n".join(lines)
    assert _cause(lines, rotation).startswith("ESO has not refreshed it yet (refreshInterval 1m")
    assert _results(lines)[-1].startswith("PASS  restore external-keyvault-secret")
    assert len([c for c in calls if c[:4] == ["az", "keyvault", "secret", "set"]]) == 2


def test_kubectl_uses_the_deployments_kubeconfig_and_context(standin, capsys) -> None:
    config = PROJECT_DIR / "examples" / "kubeconfig-context.tfvars"
    status, _, calls = standin("healthy", config=config, capsys=capsys)
    assert status == 0
    kubeconfig = os.path.expanduser("~/.kube/aks-demo.config")
    kubectl = [c for c in calls if c[0] == "kubectl"]
    assert kubectl
    assert all(c[1:5] == ["--kubeconfig", kubeconfig, "--context", "aks-demo"] for c in kubectl)


def test_each_cluster_of_several_is_checked_through_its_own_context(standin, capsys) -> None:
    config = PROJECT_DIR / "examples" / "two-clusters.tfvars"
    status, lines, calls = standin("healthy", config=config, capsys=capsys)
    assert status == 0
    kubeconfig = os.path.expanduser("~/.kube/config")
    headers = [line for line in lines if line.startswith("verify: ")]
    assert [h.split("; ")[1] for h in headers] == ["cluster blue", "cluster green"]
    contexts = [
        c[4]
        for c in calls
        if c[0] == "kubectl" and c[1:4] == ["--kubeconfig", kubeconfig, "--context"]
    ]
    assert contexts == sorted(contexts)  # blue's checks, then green's
    assert set(contexts) == {"aks-blue", "aks-green"}
    per_cluster = [r for r in _results(lines) if not r.startswith("PASS  identity stack outputs")]
    assert per_cluster[: len(per_cluster) // 2] == per_cluster[len(per_cluster) // 2 :]
    assert lines[-1] == "verify OK: 9 checks, 9 passed, 0 failed"


def test_make_verify_help() -> None:
    done = subprocess.run(
        ["make", "-s", "verify", "ARGS=--help"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m aks_workload_identity.verify")
    assert "--rotation" in done.stdout


def test_keys_from_the_vault_extract_and_find(standin, capsys) -> None:
    config = FIXTURES / "data-from.tfvars"
    status, lines, _ = standin("data-from", config=config, capsys=capsys)
    assert status == 1
    results = _results(lines)
    assert "PASS  secret orders/orders-config: keys url, user" in results
    assert (
        "FAIL  secret orders/orders-api-keys: missing keys orders-api-adyen "
        "(has orders-api-stripe) -- "  # a disabled secret is not expected
    ) in "\n".join(results)
    assert _cause(lines, "secret orders/orders-api-keys").endswith(
        "or the vault changed after the last refresh (every 1m)"
    )
    assert (
        "PASS  secret payments/payments-psp: not created: no vault secret matches its find yet "
        "(ESO creates it at the first refresh after one does)"
    ) in results


def test_in_the_aks_modes_another_current_context_is_pointed_out(standin, capsys) -> None:
    config = PROJECT_DIR / "examples" / "aks-credentials.tfvars"
    _, lines, calls = standin("other-context", config=config, capsys=capsys)
    assert lines[0].endswith("; kubectl context kind-dev")
    assert lines[1] == (
        "      that context may not be AKS cluster aks-demo: az aks get-credentials -g "
        "rg-aks-demo -n aks-demo"
    )
    assert all("--context" not in c for c in calls)


def test_the_outputs_are_read_with_real_terraform(tmp_path, monkeypatch) -> None:
    """The identity stack's backend and state as deploy leaves them, read by terraform itself."""
    stack = tmp_path / "cdktf.out" / "stacks" / "identity"
    stack.mkdir(parents=True)
    backend = {"local": {"path": "../../../terraform.identity.tfstate"}}
    (stack / "cdk.tf.json").write_text(json.dumps({"terraform": {"backend": backend}}))
    outputs = {
        "key_vault_name": {"value": "kv-azwi-x7k2p9", "type": "string"},
        "tenant_id": {"value": "72f988bf-86f1-41af-91ab-2d7cd011db47", "type": "string"},
        "identity_client_ids": {"value": {"orders": "c-1"}, "type": ["map", "string"]},
    }
    state = {"version": 4, "serial": 1, "lineage": "verify", "outputs": outputs, "resources": []}
    (tmp_path / "terraform.identity.tfstate").write_text(json.dumps(state))
    monkeypatch.setenv("CHECKPOINT_DISABLE", "1")
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", "/dev/null")
    not_initialized = read_outputs(Runner(), stack)
    subprocess.run(
        ["terraform", "init", "-input=false"], cwd=stack, capture_output=True, check=True
    )
    found = read_outputs(Runner(), stack)
    assert not_initialized == 'Error: Backend initialization required, please run "terraform init"'
    assert found == Outputs(
        "kv-azwi-x7k2p9", "72f988bf-86f1-41af-91ab-2d7cd011db47", {"orders": "c-1"}
    )


class _Without(Runner):
    """The stand-ins, except that ``program`` is missing, or ``interrupt`` is where Ctrl-C is
    pressed."""

    def __init__(self, program: str = "", interrupt: str = "") -> None:
        self.program, self.interrupt = program, interrupt

    def run(self, argv, *, cwd=None):
        if argv[0] == self.program:
            return super().run([f"{self.program}-missing", *argv[1:]], cwd=cwd)
        if self.interrupt and self.interrupt in " ".join(argv):
            raise KeyboardInterrupt
        return super().run(argv, cwd=cwd)


def test_a_missing_terraform_is_named(standin, capsys) -> None:
    status, lines, _ = standin("healthy", capsys=capsys, runner=_Without("terraform"))
    assert status == 1
    assert _cause(lines, "identity stack outputs") == (
        "terraform is not on PATH (make deploy needs it too)"
    )


def test_an_interrupt_still_reports_what_finished(standin, capsys) -> None:
    runner = _Without(interrupt="get externalsecret")
    status, lines, _ = standin("healthy", capsys=capsys, runner=runner)
    assert status == 130
    assert lines[-1] == "verify INTERRUPTED: 3 checks, 3 passed, 0 failed"
