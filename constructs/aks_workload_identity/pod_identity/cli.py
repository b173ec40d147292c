"""``python -m aks_workload_identity.pod_identity`` (``make migrate``): read pod identity's
objects, write the configuration fragment and the migration report.

Exit status: 0 the fragment was written (what could not move is listed on stderr and in the
report); 1 bad input, nothing to migrate, or the output could not be written (one line per
problem on stderr, nothing written); 2 bad command line; 3 the fragment failed its own check
through the project's config loader (a bug: nothing written).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from aks_workload_identity import rules
from aks_workload_identity.config import load_config
from aks_workload_identity.pod_identity.fragment import GENERATED_MARK, AksCluster, render_fragment
from aks_workload_identity.pod_identity.inventory import build_inventory
from aks_workload_identity.pod_identity.plan import plan_migration
from aks_workload_identity.pod_identity.reading import SourceObject, read_objects
from aks_workload_identity.pod_identity.report import counted, render_report
from aks_workload_identity.problems import ConfigError

EXIT_BAD_INPUT = 1
EXIT_FRAGMENT_INVALID = 3
DEFAULT_OUTPUT = "pod-identity.tfvars"  # not *.auto.tfvars: cdktf would hand it to every stack
POD_IDENTITY_KINDS = (
    "azureidentity,azureidentitybinding,azurepodidentityexception,"
    "deployments,statefulsets,daemonsets,cronjobs,jobs,pods"
)
ESO_KINDS = (
    "secretstores.external-secrets.io,clustersecretstores.external-secrets.io,"
    "externalsecrets.external-secrets.io"
)
KUBECTL_TIMEOUT_SECONDS = 120
# Only to check the rest of a fragment written without the cluster's keys.
_STAND_IN_CLUSTER = AksCluster("resource-group", "cluster")


class _FailedError(Exception):
    def __init__(self, problems: list[str], status: int = EXIT_BAD_INPUT) -> None:
        super().__init__("\n".join(problems))
        self.problems, self.status = problems, status


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except _FailedError as failed:
        for problem in failed.problems:
            print(f"azwi: {problem}", file=sys.stderr)
        return failed.status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m aks_workload_identity.pod_identity",
        description="Turn AAD Pod Identity objects (kubectl get ... -o yaml) into this project's "
        "configuration and a migration report.",
        epilog="Exit status: 0 written; 1 bad input, nothing to migrate or not writable; 2 bad "
        "command line; 3 the fragment failed its own check. See docs/pod-identity.md.",
    )
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help=f"output of kubectl get {POD_IDENTITY_KINDS} -A -o yaml (a List or multi-document "
        "YAML; ESO stores and ExternalSecrets may be added); - for standard input",
    )
    parser.add_argument(
        "--from-cluster",
        action="store_true",
        help="run kubectl get for these kinds (and ESO's, if installed) in the current context",
    )
    parser.add_argument(
        "--context", metavar="NAME", help="with --from-cluster: the kubectl context"
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        default=DEFAULT_OUTPUT,
        help=f"the configuration fragment (default {DEFAULT_OUTPUT}; - for standard output)",
    )
    parser.add_argument("--report", metavar="FILE", help="the Markdown report (default: stdout)")
    parser.add_argument(
        "--aks-resource-group-name", metavar="GROUP", help="the cluster's keys, put in the fragment"
    )
    parser.add_argument(
        "--aks-cluster-name", metavar="NAME", help="(with --aks-resource-group-name)"
    )
    parser.add_argument(
        "--namespaced",
        action="store_true",
        help="pod identity ran with --forceNamespaced: bindings served their own namespace only",
    )
    return parser


def _run(args: argparse.Namespace) -> int:
    cluster = _cluster(args)
    if args.output == "-" and not args.report:
        raise _FailedError(
            ["--output - writes the fragment to standard output: give --report FILE"]
        )
    if not args.files and not args.from_cluster:
        raise _FailedError(["nothing to read: give files, - for standard input, or --from-cluster"])
    texts: list[tuple[str, str]] = []
    problems: list[str] = []
    for name in args.files:
        source, text = _read_file(name)
        if text is None:
            problems.append(source)  # why it could not be read; the other files are still read
        else:
            texts.append((source, text))
    if args.from_cluster:
        texts += _from_cluster(args.context)
    objects: list[SourceObject] = []
    for source, text in texts:
        found, bad = read_objects(text, source)
        objects += found
        problems += bad
    inventory, bad = build_inventory(objects)
    problems += bad
    if problems:
        problems.sort(key=lambda line: _position(line, [source for source, _ in texts]))
        raise _FailedError(
            [*problems, f"{len(problems)} problem(s) in the input; nothing was written"]
        )
    plan = plan_migration(inventory, namespaced=args.namespaced)
    for refusal in plan.refusals:
        print(f"azwi: {refusal}", file=sys.stderr)
    if not plan.accounts:
        why = (
            "none could move (see above)"
            if plan.refusals
            else "none uses a user-assigned AzureIdentity through a binding"
        )
        raise _FailedError([f"nothing to migrate: of the workloads in the input, {why}"])
    for store in plan.stores:
        if store.widens:
            print(
                f"azwi: warning: {store.replaces.ref.where}: {store.replaces.ref} becomes "
                f"ClusterSecretStore {store.name}, which ExternalSecrets of every namespace "
                "can use",
                file=sys.stderr,
            )
    sources = [source for source, _ in texts]
    fragment = render_fragment(plan, sources, cluster)
    _check(fragment, cluster)
    report = render_report(
        plan, sources, args.output if args.output != "-" else "the fragment", cluster
    )
    _write(args.output, fragment)
    if args.report:
        _write(args.report, report, generated_only=False)
    else:
        sys.stdout.write(report)
    written = "standard output" if args.output == "-" else args.output
    made = counted(
        [
            (len(plan.identities), "identity", "identities"),
            (len(plan.accounts), "service account", "service accounts"),
            (len(plan.stores), "store", "stores"),
        ]
    )
    refused = f"; {len(plan.refusals)} not migrated" if plan.refusals else ""
    print(f"azwi: wrote {written}: {made}{refused}", file=sys.stderr)
    return 0


def _cluster(args: argparse.Namespace) -> AksCluster | None:
    given = (args.aks_resource_group_name, args.aks_cluster_name)
    if given == (None, None):
        return None
    if None in given:
        raise _FailedError(["--aks-resource-group-name and --aks-cluster-name go together"])
    problems = [
        f"{flag} {value!r}: {rule.message}"
        for flag, value, rule in (
            ("--aks-resource-group-name", given[0], rules.RESOURCE_GROUP_NAME),
            ("--aks-cluster-name", given[1], rules.AKS_CLUSTER_NAME),
        )
        if not rule.ok(value)
    ]
    if problems:
        raise _FailedError(problems)
    return AksCluster(*given)


def _read_file(name: str) -> tuple[str, str | None]:
    """(source, its text), or (the problem line, None)."""
    source = "stdin" if name == "-" else name
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as error:
        return f"{source}: cannot read: {error.strerror}", None
    try:
        return source, data.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"{source}: not YAML: not UTF-8 text (byte {error.start})", None


def _from_cluster(context: str | None) -> list[tuple[str, str]]:
    source = f"kubectl --context {context}" if context else "kubectl"
    found = [(source, _kubectl(context, POD_IDENTITY_KINDS, source))]
    eso = _kubectl(context, ESO_KINDS, source, missing_ok=True)
    return found + ([(f"{source} (External Secrets)", eso)] if eso else [])


def _kubectl(context: str | None, kinds: str, source: str, *, missing_ok: bool = False) -> str:
    command = ["kubectl", *(["--context", context] if context else []), "get", kinds]
    command += ["-A", "-o", "yaml"]
    try:
        run = subprocess.run(
            command, capture_output=True, text=True, timeout=KUBECTL_TIMEOUT_SECONDS, check=False
        )
    except FileNotFoundError:
        raise _FailedError(["kubectl is not on PATH (--from-cluster runs it)"]) from None
    except subprocess.TimeoutExpired:
        raise _FailedError([f"{source}: no answer in {KUBECTL_TIMEOUT_SECONDS} s"]) from None
    if run.returncode == 0:
        return run.stdout
    message = next((line for line in run.stderr.splitlines() if line.strip()), "failed")
    if missing_ok and "doesn't have a resource type" in message:
        return ""  # External Secrets is not installed: no stores to move
    raise _FailedError([f"{source} get {kinds.split(',')[0]},...: {message.strip()}"])


def _check(fragment: str, cluster: AksCluster | None) -> None:
    """The fragment loads through the project's own config loader, or nothing is written."""
    checked = fragment
    if cluster is None:
        checked = (
            f'aks_resource_group_name = "{_STAND_IN_CLUSTER.resource_group_name}"\n'
            f'aks_cluster_name = "{_STAND_IN_CLUSTER.cluster_name}"\n' + fragment
        )
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / DEFAULT_OUTPUT
        path.write_text(checked, encoding="utf-8")
        try:
            load_config(path)
        except ConfigError as error:
            raise _FailedError(
                [f"internal error: the fragment does not load: {p}" for p in error.problems],
                EXIT_FRAGMENT_INVALID,
            ) from None


def _write(name: str, text: str, *, generated_only: bool = True) -> None:
    if name == "-":
        sys.stdout.write(text)
        return
    path = Path(name)
    if generated_only and path.exists():
        first = path.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0]
        if not first.startswith(GENERATED_MARK):
            raise _FailedError(
                [f"{name} exists and was not written by this command: choose another --output"]
            )
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise _FailedError([f"{name}: cannot write: {error.strerror}"]) from None


def _position(problem: str, sources: list[str]) -> tuple[int, int]:
    """Where a problem line points: the file's place among the inputs, then the line."""
    for index, source in enumerate(sources):
        if problem.startswith(f"{source}:"):
            line = problem[len(source) + 1 :].split(":", 1)[0]
            return index, int(line) if line.isdigit() else 0
    return len(sources), 0
