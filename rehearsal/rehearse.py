"""Deploy, redeploy and destroy one configuration with the real cdktf CLI and Terraform, against
the stand-in providers, and check what a user would check.

``python -m rehearsal [CONFIG ...]`` (``make rehearse``) rehearses each configuration given, or
every shipped one; it prints one line per check and exits non-zero on any failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aks_workload_identity.secret_data import Extract
from rehearsal import azure_storage, cluster_rules, facts, mirror, world
from rehearsal.azure_storage import AzureStorage
from rehearsal.checks import (
    check_deployed,
    check_destroy_refused,
    check_destroyed,
    check_redeployed,
)
from rehearsal.cluster_world import issuer_of, simulated_clusters

PROJECT_DIR = mirror.PROJECT_DIR
# Each flavour's CLI (the Makefile's CDKTF_CLI and CDKTN_CLI).
FLAVOUR_CLI = {
    "cdktf": PROJECT_DIR / "node_modules" / ".bin" / "cdktf",
    "cdktn": PROJECT_DIR / "cdktn-cli" / "node_modules" / ".bin" / "cdktn",
}
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


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
    # The Azure Storage stand-in a configuration with remote_state keeps its state in.
    storage: AzureStorage | None = None
    # The tenant and cluster, in workdir: another one beside it is another environment's.
    world_name: str = "world"
    # The CLI's --output, as the Makefile passes it for an AZWI_CONFIG file.
    output: str = "cdktf.out"
    # Namespaces the edits left to the user (no longer created, so forgotten): destroy keeps them.
    kept_namespaces: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        from aks_workload_identity.config import load_config

        self.settings = load_config(self.config)
        self.world = world.World(self.workdir / self.world_name)

    # -- set-up -----------------------------------------------------------------------------

    def prepare(self) -> None:
        """A project directory of its own (its state files, cdktf.out), and a fresh world."""
        if self.workdir.exists():
            shutil.rmtree(self.workdir)
        self.prepare_world()

    def prepare_world(self) -> None:
        """A fresh world for the configuration, in the project directory as it is."""
        (self.workdir / self.world_name).mkdir(parents=True)
        app = json.loads((PROJECT_DIR / "cdktf.json").read_text())
        app["app"] = f"{mirror.FLAVOUR_PYTHON[self.flavour]} -O {PROJECT_DIR / 'main.py'}"
        (self.workdir / "cdktf.json").write_text(json.dumps(app, indent=2))
        existing = self._existing_namespaces()
        before = world.initial(
            issuer_of(self.settings.clusters[0]),
            existing,
            self.purge_allowed,
            simulated_clusters(self.settings.clusters, existing),
        )
        self._add_existing_resources(before)
        self.world.create(before)
        self.before = before

    def _add_existing_resources(self, state: dict) -> None:
        """What the configuration says exists already: identities it names by resource ID,
        service accounts it only annotates, the vault it names (holding every secret the
        ExternalSecrets read by name), an ESO it does not install (its CRDs)."""
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
        if self.settings.key_vault_resource_id:
            self._add_existing_vault(state, self.settings.key_vault_resource_id)
        for cluster in world.clusters_in(state).values():  # each cluster has them
            for workload in self.settings.workloads:
                if not workload.create_service_account:
                    key = world.key("ServiceAccount", workload.namespace, workload.service_account)
                    cluster["objects"][key] = {"annotations": {}, "owner": "the user's chart"}
            if not self.settings.eso_install_enabled:
                owner = f"gitops:{self.settings.eso_namespace}/external-secrets"
                cluster["releases"][owner] = {
                    "chart": "external-secrets",
                    "namespace": self.settings.eso_namespace,
                }
                for kind in cluster_rules.ESO_KINDS:
                    cluster["crds"][f"{kind}.{cluster_rules.ESO_GROUP}"] = owner

    def _add_existing_vault(self, state: dict, resource_id: str) -> None:
        segments = resource_id.split("/")
        name, group = segments[8], segments[4]
        made_up = facts.COMPUTED["azurerm_key_vault"]({"name": name, "resource_group_name": group})
        read = {d.remote_key for e in self.settings.external_secrets for d in e.data}
        read |= {
            source.key
            for e in self.settings.external_secrets
            for source in e.data_from
            if isinstance(source, Extract)
        }
        state["vaults"][made_up["id"]] = {
            "name": name,
            "uri": made_up["vault_uri"],
            "secrets": {secret: {"content_type": "text/plain"} for secret in sorted(read)},
        }

    def _existing_namespaces(self) -> list[str]:
        """What the user's cluster already has: every namespace the configuration uses and
        does not create."""
        config = self.settings
        used = {w.namespace for w in config.workloads}
        used |= {e.namespace for e in config.external_secrets}
        used |= set(config.existing_namespaces)
        if not config.eso_install_enabled:  # the installed ESO's
            used.add(config.eso_namespace)
        return sorted(used - set(config.namespaces.created))

    def use_config(self, config: Path) -> None:
        """Run the next commands with another configuration file (a user's edit)."""
        self.config = config

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            AZWI_CONFIG=str(self.config),
            AZWI_CDK=self.flavour,
            TF_CLI_CONFIG_FILE=str(self.mirror_config),
            REHEARSAL_WORLD=str(self.workdir / self.world_name),
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
        if self.storage is not None:
            env.update(self.storage.pipeline_env)
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
            f"--output={self.output}",
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

    def terraform(self, stack: str, *args: str) -> Step:
        """Terraform itself in a synthesized stack's directory (initialized by the CLI); not one
        of the user's ``steps``."""
        start = time.monotonic()
        done = subprocess.run(
            ["terraform", *args, "-no-color", f"-var-file={self.config}"],
            cwd=self.workdir / self.output / "stacks" / stack,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        command = " ".join(["terraform", *args])
        return Step(command, done.returncode, done.stdout + done.stderr, time.monotonic() - start)

    def deploy(self) -> Step:
        return self.cli("deploy", "*")

    def destroy(self) -> Step:
        return self.cli("destroy", "*")

    # -- what is checked --------------------------------------------------------------------

    def state(self, stack: str) -> dict:
        """``stack``'s state where the current configuration keeps it."""
        from aks_workload_identity.config import load_config

        state = load_config(self.config).state
        if state.remote is None:
            path = self.workdir / state.local_file(stack)
            return json.loads(path.read_text()) if path.exists() else {"resources": []}
        container, key = state.remote.container_name, state.remote_key(stack)
        if self.storage is None or key not in self.storage.blobs.names(container):
            return {"resources": []}
        return json.loads(self.storage.blobs.read(container, key)[1])

    def prevents_destroy(self) -> bool:
        """Whether the deployed identity stack forbids deleting the vault."""
        stack = json.loads((self.workdir / self.output / "stacks/identity/cdk.tf.json").read_text())
        vaults = stack["resource"].get("azurerm_key_vault", {}).values()  # none: an existing one
        return any(vault.get("lifecycle", {}).get("prevent_destroy") for vault in vaults)

    @property
    def stack_ids(self) -> tuple[str, ...]:
        """The stacks of the current configuration, in the order deploy applies them."""
        from aks_workload_identity.config import load_config

        return load_config(self.config).stack_ids

    @property
    def cluster_keys(self) -> tuple[str | None, ...]:
        """The current configuration's clusters' keys (None: its one cluster)."""
        from aks_workload_identity.config import load_config

        return tuple(cluster.key for cluster in load_config(self.config).clusters)

    def keeps_crds(self) -> bool:
        """Whether the deployed ESO release tells Helm to keep its CRDs on uninstall."""
        cluster_stack = self.settings.clusters[0].stack_ids[0]
        path = self.workdir / self.output / "stacks" / cluster_stack / "cdk.tf.json"
        stack = json.loads(path.read_text())
        releases = stack["resource"].get("helm_release", {}).values()
        return any("resource-policy" in "".join(r["values"]) for r in releases)

    def purges_on_destroy(self) -> bool:
        """Whether the deployed identity stack tells azurerm to purge the destroyed vault."""
        stack = json.loads((self.workdir / self.output / "stacks/identity/cdk.tf.json").read_text())
        features = stack["provider"]["azurerm"][0]["features"][0]
        return features.get("key_vault", [{}])[0].get("purge_soft_delete_on_destroy", True)

    def resources(self, stack: str, type_name: str, mode: str = "managed") -> list[dict]:
        return [
            instance["attributes"]
            for resource in self.state(stack)["resources"]
            if resource["mode"] == mode and resource["type"] == type_name
            for instance in resource["instances"]
        ]


def rehearse(
    config: Path,
    workdir: Path,
    mirror_config: Path,
    edits: Callable[[Rehearsal], None] | None = None,
    flavour: str = "cdktf",
) -> Rehearsal:
    """Deploy, deploy again, make ``edits`` (a user's changes, checked by it), destroy, with
    ``flavour``'s CLI and app; raise ``RehearsalError`` at the first broken check."""
    r = Rehearsal(config, workdir, mirror_config, flavour)
    r.prepare()
    with _state_storage(r):
        _rehearse_prepared(r, config, workdir, edits)
    return r


@contextlib.contextmanager
def _state_storage(r: Rehearsal) -> Iterator[None]:
    """The Azure Storage stand-in while ``r`` runs, if its configuration keeps state remote."""
    remote = r.settings.state.remote
    if remote is None:
        yield
        return
    containers = [remote.container_name]
    with azure_storage.serving(r.workdir / "storage", remote.storage_account_name, containers) as s:
        r.storage = s
        yield


def _rehearse_prepared(
    r: Rehearsal, config: Path, workdir: Path, edits: Callable[[Rehearsal], None] | None
) -> None:
    check_deployed(r, r.deploy())
    check_redeployed(r, r.deploy())
    if edits is not None:
        edits(r)
    step = r.destroy()
    if r.prevents_destroy():
        check_destroy_refused(r, step)
        from rehearsal.changes import edited

        r.use_config(
            edited(config, workdir, "destroyable.tfvars", key_vault_prevent_destroy_enabled="false")
        )
        step = r.destroy()
    check_destroyed(r, step)
