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
# Each flavour's CLI (the Makefile's CDKTF_CLI and CDKTN_CLI).
FLAVOUR_CLI = {
    "cdktf": PROJECT_DIR / "node_modules" / ".bin" / "cdktf",
    "cdktn": PROJECT_DIR / "cdktn-cli" / "node_modules" / ".bin" / "cdktn",
}
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
    flavour: str = "cdktf"
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
        app["app"] = f"{mirror.FLAVOUR_PYTHON[self.flavour]} -O {PROJECT_DIR / 'main.py'}"
        (self.workdir / "cdktf.json").write_text(json.dumps(app, indent=2))
        config = self.settings
        if config.oidc_issuer_url:
            issuer = config.oidc_issuer_url
        else:
            issuer = facts.aks_issuer_url(config.aks_resource_group_name, config.aks_cluster_name)
        self.world.create(world.initial(issuer, self._existing_namespaces(), self.purge_allowed))

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
            AZWI_CDK=self.flavour,
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
        # cdktf shares ~/.terraform.d/plugin-cache across projects; the stand-ins of another
        # checkout (another interpreter in their first line) have other checksums for the same
        # versions, and init then fails with "does not match any of the checksums".
        env["CDKTF_DISABLE_PLUGIN_CACHE_ENV"] = "true"
        env.pop("TF_PLUGIN_CACHE_DIR", None)
        return env

    # -- the user's commands ----------------------------------------------------------------

    def cli(self, *args: str, timeout: float = 600) -> Step:
        # A tfvars file that is not *.auto.tfvars reaches terraform only through --var-file,
        # as the Makefile passes it. --skip-provider-lock: `terraform providers lock` asks the
        # registry whatever the CLI configuration says (the mirror serves `init` only).
        command = [
            str(FLAVOUR_CLI[self.flavour]),
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
        step = Step(
            " ".join([self.flavour, *args]), done.returncode, output, time.monotonic() - start
        )
        self.steps.append(step)
        return step

    def deploy(self) -> Step:
        return self.cli("deploy", "*")

    def destroy(self) -> Step:
        return self.cli("destroy", "*")

    # -- what is checked --------------------------------------------------------------------

    def state(self, stack: str) -> dict:
        path = self.workdir / f"terraform.{stack}.tfstate"
        return json.loads(path.read_text()) if path.exists() else {"resources": []}

    def purges_on_destroy(self) -> bool:
        """Whether the deployed identity stack tells azurerm to purge the destroyed vault."""
        stack = json.loads((self.workdir / "cdktf.out/stacks/identity/cdk.tf.json").read_text())
        features = stack["provider"]["azurerm"][0]["features"][0]
        return features.get("key_vault", [{}])[0].get("purge_soft_delete_on_destroy", True)

    def resources(self, stack: str, type_name: str) -> list[dict]:
        return [
            instance["attributes"]
            for resource in self.state(stack)["resources"]
            if resource["mode"] == "managed" and resource["type"] == type_name
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
    order = [_first(step.output, f"{stack}  Apply complete!") for stack in STACKS]
    require(
        all(i >= 0 for i in order) and order == sorted(order),
        f"stacks were not deployed in the order {STACKS}",
    )
    check_wiring(r)
    check_no_secret_in_state(r)


def check_wiring(r: Rehearsal) -> None:
    """The values that cross stacks arrived where they are used."""
    identities = {i["id"]: i for i in r.resources("identity", "azurerm_user_assigned_identity")}
    client_ids = {i["client_id"] for i in identities.values()}
    accounts = {}
    for sa in r.resources("cluster", "kubernetes_service_account_v1"):
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
        lines = [line for line in step.output.splitlines() if line.startswith(f"{stack}  ")]
        require(
            any(NO_CHANGES in line for line in lines),
            f"second deploy planned changes in {stack}:\n{_tail(step.output)}",
        )


def check_destroyed(r: Rehearsal, step: Step) -> None:
    require(step.returncode == 0, f"destroy failed:\n{_tail(step.output)}")
    order = [_first(step.output, f"{stack}  Destroy complete!") for stack in reversed(STACKS)]
    require(order == sorted(order), f"stacks were not destroyed in the order {STACKS[::-1]}")
    for stack in STACKS:
        left = [
            f"{x['type']}.{x['name']}"
            for x in r.state(stack)["resources"]
            if x["mode"] == "managed"
        ]
        require(not left, f"{stack}: destroy left {left} in state")
    after = r.world.read()
    require(
        not after["identities"]
        and not after["vaults"]
        and not after["credentials"]
        and not after["role_assignments"],
        f"destroy left Azure resources behind: {json.dumps(after)[:400]}",
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


def _first(output: str, prefix: str) -> int:
    return next((i for i, line in enumerate(output.splitlines()) if line.startswith(prefix)), -1)


def _tail(output: str, lines: int = 40) -> str:
    return "\n".join(output.splitlines()[-lines:])


def rehearse(config: Path, workdir: Path, mirror_config: Path, flavour: str = "cdktf") -> Rehearsal:
    """Deploy, deploy again, destroy with ``flavour``'s CLI and app; raise ``RehearsalError`` at
    the first broken check."""
    r = Rehearsal(config, workdir, mirror_config, flavour)
    r.prepare()
    check_deployed(r, r.deploy())
    check_redeployed(r, r.deploy())
    check_destroyed(r, r.destroy())
    return r
