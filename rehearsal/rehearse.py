"""Deploy, redeploy and destroy one configuration with the real cdktf CLI and Terraform, against
the stand-in providers, and check what a user would check.

``python -m rehearsal [CONFIG ...]`` (``make rehearse``) rehearses each configuration given, or
every shipped one; it prints one line per check and exits non-zero on any failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from rehearsal import facts, mirror, world

PROJECT_DIR = mirror.PROJECT_DIR
STACKS = ("identity", "cluster", "secrets")
CDKTF = PROJECT_DIR / "node_modules" / ".bin" / "cdktf"
# A stack's plan that changes nothing; cdktf prints Terraform's own words for it.
NO_CHANGES = "No changes. Your infrastructure matches the configuration."
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class RehearsalError(AssertionError):
    pass


@dataclass
class Step:
    command: str
    returncode: int
    output: str
    seconds: float


@dataclass
class Rehearsal:
    """One configuration rehearsed in its own scratch project directory."""

    config: Path
    workdir: Path
    mirror_config: Path
    purge_allowed: bool = True
    steps: list[Step] = field(default_factory=list)

    def __post_init__(self) -> None:
        from aks_workload_identity.config import load_config

        self.settings = load_config(self.config)
        self.world = world.World(self.workdir / "world")

    # -- set-up -----------------------------------------------------------------------------

    def prepare(self) -> None:
        """A project directory of its own (its state files, cdktf.out), and a fresh world."""
        if self.workdir.exists():
            shutil.rmtree(self.workdir)
        (self.workdir / "world").mkdir(parents=True)
        app = json.loads((PROJECT_DIR / "cdktf.json").read_text())
        app["app"] = f"{sys.executable} -O {PROJECT_DIR / 'main.py'}"
        (self.workdir / "cdktf.json").write_text(json.dumps(app, indent=2))
        config = self.settings
        if config.oidc_issuer_url:
            issuer = config.oidc_issuer_url
        else:
            issuer = facts.aks_issuer_url(config.aks_resource_group_name, config.aks_cluster_name)
        before = world.initial(issuer, self._existing_namespaces(), self.purge_allowed)
        self._add_existing_resources(before)
        self.world.create(before)
        self.before = before

    def _add_existing_resources(self, state: dict) -> None:
        """What the configuration says exists already: identities it names by resource ID,
        service accounts it only annotates."""
        for spec in self.settings.identities:
            if spec.resource_id:
                group = spec.resource_id.split("/")[4]
                made_up = facts.COMPUTED["azurerm_user_assigned_identity"](
                    {"name": spec.name, "resource_group_name": group}
                )
                state["identities"][spec.resource_id] = {
                    "name": spec.name,
                    "client_id": made_up["client_id"],
                    "principal_id": made_up["principal_id"],
                }
        for workload in self.settings.workloads:
            if not workload.create_service_account:
                key = world.key("ServiceAccount", workload.namespace, workload.service_account)
                state["objects"][key] = {"annotations": {}, "owner": "the user's chart"}

    def _existing_namespaces(self) -> list[str]:
        """What the user's cluster already has: every namespace the configuration uses and
        does not create."""
        config = self.settings
        used = {w.namespace for w in config.workloads}
        used |= {e.namespace for e in config.external_secrets}
        used |= set(config.existing_namespaces)
        return sorted(used - set(config.namespaces_to_create))

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            AZWI_CONFIG=str(self.config),
            TF_CLI_CONFIG_FILE=str(self.mirror_config),
            REHEARSAL_WORLD=str(self.workdir / "world"),
            CHECKPOINT_DISABLE="1",
            DISABLE_VERSION_CHECK="1",
            CI="1",
            FORCE_COLOR="0",
            TF_IN_AUTOMATION="1",
        )
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env.pop("CDKTF_OUTDIR", None)
        return env

    # -- the user's commands ----------------------------------------------------------------

    def cdktf(self, *args: str, timeout: float = 600) -> Step:
        # A tfvars file that is not *.auto.tfvars reaches terraform only through --var-file,
        # as the Makefile passes it. --skip-provider-lock: `terraform providers lock` asks the
        # registry whatever the CLI configuration says (the mirror serves `init` only).
        command = [
            str(CDKTF),
            *args,
            "--auto-approve",
            "--skip-provider-lock",
            f"--var-file={self.config}",
        ]
        start = time.monotonic()
        done = subprocess.run(
            command,
            cwd=self.workdir,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        output = _ANSI.sub("", done.stdout + done.stderr)
        step = Step(" ".join(["cdktf", *args]), done.returncode, output, time.monotonic() - start)
        self.steps.append(step)
        return step

    def deploy(self) -> Step:
        return self.cdktf("deploy", "*")

    def destroy(self) -> Step:
        return self.cdktf("destroy", "*")

    # -- what is checked --------------------------------------------------------------------

    def state(self, stack: str) -> dict:
        path = self.workdir / f"terraform.{stack}.tfstate"
        return json.loads(path.read_text()) if path.exists() else {"resources": []}

    def purges_on_destroy(self) -> bool:
        """Whether the deployed identity stack tells azurerm to purge the destroyed vault."""
        stack = json.loads((self.workdir / "cdktf.out/stacks/identity/cdk.tf.json").read_text())
        features = stack["provider"]["azurerm"][0]["features"][0]
        return features.get("key_vault", [{}])[0].get("purge_soft_delete_on_destroy", True)

    def resources(self, stack: str, type_name: str, mode: str = "managed") -> list[dict]:
        return [
            instance["attributes"]
            for resource in self.state(stack)["resources"]
            if resource["mode"] == mode and resource["type"] == type_name
            for instance in resource["instances"]
        ]


def require(condition: bool, message: str) -> None:
    if not condition:
        raise RehearsalError(message)


def check_deployed(r: Rehearsal, step: Step) -> None:
    require(step.returncode == 0, f"deploy failed:\n{_tail(step.output)}")
    require("Enter a value" not in step.output, f"a stack prompted:\n{_tail(step.output)}")
    require(
        "undeclared variable" not in step.output.lower(),
        f"a stack warned about an undeclared variable:\n{_tail(step.output)}",
    )
    order = [_first(step.output, stack, "Apply complete!") for stack in STACKS]
    require(
        all(i >= 0 for i in order) and order == sorted(order),
        f"stacks were not deployed in the order {STACKS}",
    )
    check_wiring(r)
    check_no_secret_in_state(r)


def check_wiring(r: Rehearsal) -> None:
    """The values that cross stacks arrived where they are used."""
    identities = [
        *r.resources("identity", "azurerm_user_assigned_identity"),
        *r.resources("identity", "azurerm_user_assigned_identity", mode="data"),
    ]
    client_ids = {i["client_id"] for i in identities}
    accounts = {}
    annotated = [  # created, or existing and only annotated
        {"metadata": [{**sa["metadata"][0], "annotations": sa["metadata"][0]["annotations"]}]}
        for sa in r.resources("cluster", "kubernetes_service_account_v1")
    ] + [
        {"metadata": [{**a["metadata"][0], "annotations": a["annotations"]}]}
        for a in r.resources("cluster", "kubernetes_annotations")
        if a["kind"] == "ServiceAccount"
    ]
    for sa in annotated:
        metadata = sa["metadata"][0]
        annotation = metadata["annotations"].get("azure.workload.identity/client-id")
        require(
            annotation in client_ids,
            f"service account {metadata['name']} names client ID {annotation}, "
            f"which is none of the identities' {sorted(client_ids)}",
        )
        accounts[f"system:serviceaccount:{metadata['namespace']}:{metadata['name']}"] = annotation
    for credential in r.resources("identity", "azurerm_federated_identity_credential"):
        subject = credential["subject"]
        require(
            subject in accounts,
            f"federated credential {credential['name']} trusts {subject}, "
            "which no annotated service account is",
        )
    vault_uris = {v["vault_uri"] for v in r.resources("identity", "azurerm_key_vault")}
    for store in r.resources("secrets", "kubernetes_manifest"):
        manifest = store["manifest"]["value"]
        if manifest["kind"] != "ClusterSecretStore":
            continue
        url = manifest["spec"]["provider"]["azurekv"]["vaultUrl"]
        require(
            url in vault_uris,
            f"store {manifest['metadata']['name']} reads {url}, not the vault {sorted(vault_uris)}",
        )


def check_no_secret_in_state(r: Rehearsal) -> None:
    """Only the random generator's own state holds the generated value."""
    secrets = [p["result"] for p in r.resources("identity", "random_password")]
    for stack in STACKS:
        for resource in r.state(stack)["resources"]:
            if resource["type"] == "random_password":
                continue
            text = json.dumps(resource)
            for secret in secrets:
                require(
                    secret not in text,
                    f"{stack}: {resource['type']}.{resource['name']} holds a secret value",
                )
            for instance in resource["instances"]:
                for key, value in instance["attributes"].items():
                    require(
                        not key.endswith("_wo") or value is None,
                        f"{stack}: write-only {key} of {resource['name']} is in state",
                    )


def check_redeployed(r: Rehearsal, step: Step) -> None:
    require(step.returncode == 0, f"second deploy failed:\n{_tail(step.output)}")
    for stack in STACKS:
        lines = [line for owner, line in _stack_lines(step.output) if owner == stack]
        require(
            any(NO_CHANGES in line for line in lines),
            f"second deploy planned changes in {stack}:\n{_tail(step.output)}",
        )


def check_destroyed(r: Rehearsal, step: Step) -> None:
    require(step.returncode == 0, f"destroy failed:\n{_tail(step.output)}")
    order = [_first(step.output, stack, "Destroy complete!") for stack in reversed(STACKS)]
    require(
        all(i >= 0 for i in order) and order == sorted(order),
        f"stacks were not destroyed in the order {STACKS[::-1]}",
    )
    for stack in STACKS:
        left = [
            f"{x['type']}.{x['name']}"
            for x in r.state(stack)["resources"]
            if x["mode"] == "managed"
        ]
        require(not left, f"{stack}: destroy left {left} in state")
    after = r.world.read()
    for part in ("identities", "credentials", "role_assignments", "vaults", "objects"):
        require(
            after[part] == r.before[part],
            f"destroy did not restore {part}: before {json.dumps(r.before[part])[:300]}, "
            f"after {json.dumps(after[part])[:300]}",
        )
    if r.purges_on_destroy():
        require(not after["deleted_vaults"], "destroy left a soft-deleted vault behind")
    else:  # purge protection (or no purge right): the name stays taken until Azure purges it
        require(after["deleted_vaults"], "the vault was purged although purging is switched off")
    require(not after["releases"] and not after["crds"], "destroy left a Helm release behind")
    require(
        set(after["namespaces"]) == set(world.BUILTIN_NAMESPACES) | set(r._existing_namespaces()),
        f"destroy changed the namespaces: {after['namespaces']}",
    )


def _stack_lines(output: str) -> list[tuple[str | None, str]]:
    """Each output line with the stack it belongs to: cdktf prefixes a stack's name to the first
    line of each chunk it relays and indents the rest, however Terraform's output was split."""
    owner = None
    lines = []
    for line in output.splitlines():
        head = line.split("  ", 1)[0]
        if head in STACKS:
            owner = head
            line = line[len(head) :]
        elif line and not line.startswith(" "):
            owner = None
        lines.append((owner, line.strip()))
    return lines


def _first(output: str, stack: str, text: str) -> int:
    """Where ``stack`` first printed a line starting with ``text`` (-1: never)."""
    return next(
        (
            i
            for i, (owner, line) in enumerate(_stack_lines(output))
            if owner == stack and line.startswith(text)
        ),
        -1,
    )


def _tail(output: str, lines: int = 40) -> str:
    return "\n".join(output.splitlines()[-lines:])


def rehearse(config: Path, workdir: Path, mirror_config: Path) -> Rehearsal:
    """Deploy, deploy again, destroy; raise ``RehearsalError`` at the first broken check."""
    r = Rehearsal(config, workdir, mirror_config)
    r.prepare()
    check_deployed(r, r.deploy())
    check_redeployed(r, r.deploy())
    check_destroyed(r, r.destroy())
    return r
