"""``python -m aks_workload_identity.verify`` (``make verify``): check the deployed environment.

Exit status: 0 every check passed; 1 a check failed (each says its likely cause); 2 bad command
line or configuration; 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from aks_workload_identity.config import Config, load_from_environment
from aks_workload_identity.config_model import ClusterConfig
from aks_workload_identity.problems import ConfigError
from aks_workload_identity.verify.causes import Context
from aks_workload_identity.verify.checks import (
    check_external_secret,
    check_secret,
    check_service_account,
    check_store,
)
from aks_workload_identity.verify.expectations import (
    Outputs,
    expected_external_secrets,
    expected_stores,
    read_outputs,
)
from aks_workload_identity.verify.kube import Cluster, ClusterUnreachableError, kubectl_access
from aks_workload_identity.verify.report import PASS, Report, failed, passed
from aks_workload_identity.verify.rotation import plan_rotation, rotate
from aks_workload_identity.verify.runner import NOT_ON_PATH, Runner
from aks_workload_identity.verify.vault import Vault

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # as a shell reports SIGINT
UNREACHABLE = (
    "kubectl cannot reach the cluster or is not logged in: check kubeconfig_path and "
    "kubeconfig_context (or, in the AKS modes, the current context: az aks get-credentials), "
    "and log in (kubelogin)"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m aks_workload_identity.verify",
        description="Check the deployed environment as the walkthrough does: each "
        "ClusterSecretStore Ready and validated, each ExternalSecret synced, each Secret "
        "holding the expected keys; with --rotation, the rotation round trip. Uses kubectl "
        "(the deployment's kubeconfig and context), az (your login) and terraform output.",
        epilog="Configuration: AZWI_CONFIG, else my.auto.tfvars, else the example. Exit status: "
        "0 all passed; 1 a check failed; 2 bad command line or configuration; 130 interrupted. "
        "See docs/verify.md.",
    )
    parser.add_argument(
        "--stacks-dir",
        type=Path,
        default=Path("cdktf.out/stacks"),
        help="the synthesized stacks, where terraform output runs (default: cdktf.out/stacks)",
    )
    parser.add_argument(
        "--rotation",
        action="store_true",
        help="also write a new value to the first ExternalSecret's first vault secret, wait for "
        "the Secret to change, and restore the previous value",
    )
    parser.add_argument(
        "--rotation-timeout",
        type=float,
        metavar="SECONDS",
        help="how long to wait for the new value (default: its refresh interval + 30 s)",
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how often the rotation looks at the Secret (default: 5)",
    )
    return parser


def main(argv: Sequence[str] | None = None, runner: Runner | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_from_environment(Path.cwd())
    except ConfigError as error:
        print(f"azwi: {error}", file=sys.stderr)
        return EXIT_USAGE
    runner = runner or Runner()
    report = Report()
    first, *others = config.clusters
    clusters = [(spec, Cluster(runner, kubectl_access(spec))) for spec in config.clusters]
    _describe_target(config, *clusters[0], report)
    outputs = read_outputs(runner, args.stacks_dir / "identity")
    if isinstance(outputs, Outputs):
        vault: Vault | None = Vault(runner, outputs.vault_name)
        report.add(passed("identity stack outputs", f"vault {outputs.vault_name}"))
    else:
        vault = None
        report.add(failed("identity stack outputs", outputs, _outputs_cause(outputs, args)))
    known = outputs if isinstance(outputs, Outputs) else None
    # Each cluster has the same stores and ExternalSecrets; the rotation round trip (one vault
    # secret, shared) is made in the first.
    for index, (spec, cluster) in enumerate(clusters):
        if index:
            _describe_target(config, spec, cluster, report)
        rotation = args.rotation and index == 0
        try:
            _check_cluster(config, cluster, known, vault, args, runner, report, rotation)
        except ClusterUnreachableError as error:
            report.add(failed(spec.named("cluster"), f"kubectl: {error}", UNREACHABLE))
            report.note(f"the remaining checks of {spec.named('cluster')} need it and were not run")
        except KeyboardInterrupt:
            report.finish(interrupted=True)
            return EXIT_INTERRUPTED
    if args.rotation and others:
        report.note(f"rotation: tried in cluster {first.key} only (the vault is shared)")
    return report.finish()


def _outputs_cause(error: str, args: argparse.Namespace) -> str:
    if NOT_ON_PATH in error:
        return "terraform is not on PATH (make deploy needs it too)"
    return (
        "the identity stack is not deployed, or its directory was not initialized since "
        f"cdktf.out was removed: make deploy, or terraform init in {args.stacks_dir / 'identity'}"
    )


def _describe_target(config: Config, spec: ClusterConfig, cluster: Cluster, report: Report) -> None:
    """Which configuration and cluster are checked; in the AKS modes kubectl's current context
    is a guess at the cluster, so say when it does not look like it."""
    context = cluster.current_context()
    flags = f" ({' '.join(cluster.access)})" if cluster.access else ""
    which = "" if spec.key is None else f"; cluster {spec.key}"
    print(f"verify: {config.source}{which}; kubectl context {context or '(none)'}{flags}")
    aks = spec.kubernetes_auth != "kubeconfig" and spec.aks_cluster_name
    if aks and not (context or "").startswith(spec.aks_cluster_name):
        report.note(
            f"that context may not be AKS cluster {spec.aks_cluster_name}: az aks "
            f"get-credentials -g {spec.aks_resource_group_name} -n {spec.aks_cluster_name}"
        )


def _check_cluster(
    config: Config,
    cluster: Cluster,
    known: Outputs | None,
    vault: Vault | None,
    args: argparse.Namespace,
    runner: Runner,
    report: Report,
    rotation_here: bool,
) -> None:
    vault_name = vault.name if vault else "the vault"
    contexts: dict[tuple[str, str | None], Context] = {}
    store_ready: dict[tuple[str, str | None], bool] = {}
    accounts: set[tuple[str, str]] = set()
    for store in expected_stores(config):
        contexts[store.key] = Context(store, vault_name)
        if (store.namespace, store.service_account) not in accounts:
            accounts.add((store.namespace, store.service_account))
            report.add(check_service_account(cluster, store, known))
        result = report.add(check_store(cluster, store, contexts[store.key]))
        store_ready[store.key] = result.status == PASS
    entries = expected_external_secrets(config)
    synced: dict[str, bool] = {}
    for entry in entries:
        key = (entry.store, entry.namespace)
        key = key if key in contexts else (entry.store, None)
        context = contexts.get(key, Context(vault=vault_name))
        ready = store_ready.get(key, False)
        result = report.add(check_external_secret(cluster, entry, ready, context))
        synced[entry.subject] = result.status == PASS
        report.add(check_secret(cluster, entry, vault))
    if not rotation_here:
        return
    rotation = plan_rotation(entries, args.rotation_timeout, args.poll_interval)
    if rotation is None:
        report.note("rotation: no ExternalSecret has a data entry to rotate")
    elif vault is None or not synced[rotation.entry.subject]:
        report.add(failed(rotation.subject, "not tried", "see the failures above"))
    else:
        rotate(rotation, cluster, vault, runner, report)


if __name__ == "__main__":
    sys.exit(main())
