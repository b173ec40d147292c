"""Session-wide synthesis: each distinct configuration is synthesized once per test session."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from aks_workload_identity.config import Config, load_config
from aks_workload_identity.problems import ConfigError
from aks_workload_identity.runtime import configure_jsii_runtime

# Before any test imports the CDK: its Node process gets the pinned Node and lazy modules.
configure_jsii_runtime()

PROJECT_DIR = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = PROJECT_DIR / "my.auto.tfvars.example"
EXAMPLES_DIR = PROJECT_DIR / "examples"

Synth = dict[str, dict[str, Any]]
# The keys every AKS configuration needs: a configuration test's text starts with them.
REQUIRED = 'aks_resource_group_name = "rg-aks"\naks_cluster_name = "aks-1"\n'

if TYPE_CHECKING:
    from concurrent.futures import Future

    from rehearsal.rehearse import Rehearsal
    from tests.rehearsals import StandIns


def example_configs() -> list[Path]:
    """The quick-start example plus every scenario under examples/."""
    return [EXAMPLE_CONFIG, *sorted(EXAMPLES_DIR.glob("*.tfvars"))]


def example_id(path: Path) -> str:
    return "my.auto.tfvars.example" if path == EXAMPLE_CONFIG else path.stem


def example_stacks() -> list[Any]:
    """Each stack of each example: ``(path, stack)`` parameters, ids ``<stack>-<example>``."""
    return [
        pytest.param(path, stack, id=f"{stack}-{example_id(path)}")
        for path in example_configs()
        for stack in load_config(path).stack_ids
    ]


def first_cluster_stack(path: Path, kind: str) -> str:
    """The id of the first cluster's ``kind`` stack ("cluster" or "secrets"): with several
    clusters, theirs differ only in how they reach their cluster."""
    cluster_stack, secrets_stack = load_config(path).clusters[0].stack_ids
    return {"cluster": cluster_stack, "secrets": secrets_stack}[kind]


def write_config(directory: Path, text: str) -> Path:
    """``text`` as the configuration file ``test.tfvars`` in ``directory``."""
    path = directory / "test.tfvars"
    path.write_text(text)
    return path


def config_problems(path: Path) -> list[str]:
    """The lines ``load_config`` reports for ``path`` (it must fail)."""
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return [str(p) for p in caught.value.problems]


@cache
def synth_config(path: Path) -> Synth:
    """``Testing.synth`` of each stack, parsed; the app is built once per config file."""
    from aks_workload_identity.cdk import Testing
    from aks_workload_identity.stacks import build_stacks

    config = load_config(path)
    stacks = build_stacks(Testing.app(), config)
    return {stack.node.id: json.loads(Testing.synth(stack)) for stack in stacks}


@pytest.fixture(scope="session", autouse=True)
def background_cdktn_synth(request, tmp_path_factory) -> Iterator[Callable[[], dict]]:
    """The cdktn flavour's synthesis of every example (``tests/cdktn_synth.py``), started before
    the first test when a selected test uses ``cdktn_synth``."""
    from tests import cdktn_synth

    if not any("cdktn_synth" in item.fixturenames for item in request.session.items):
        yield dict
        return
    output = tmp_path_factory.mktemp("cdktn") / "synth.json"
    process = cdktn_synth.start(output)
    yield cache(lambda: cdktn_synth.finish(process, output))
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture(scope="session", autouse=True)
def background_security_scan(request, tmp_path_factory) -> Iterator[Callable[[], Path]]:
    """The security tests' real synthesis of every example and its checkov run
    (``tests/security_scan.py``), started before the first test when one of them is selected."""
    from tests import security_scan

    wanted = {"synthesized", "checkov_results"}
    if not any(
        item.nodeid.startswith("tests/test_security.py") and wanted & set(item.fixturenames)
        for item in request.session.items
    ):
        yield Path
        return
    root = tmp_path_factory.mktemp("security")
    process = security_scan.start(root)
    yield cache(lambda: (security_scan.finish(process), root)[1])
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def cdktn_synth(background_cdktn_synth) -> dict[Path, Synth]:
    """Every example synthesized by the cdktn flavour, by config file (like ``synth_of``)."""
    return background_cdktn_synth()


@pytest.fixture(scope="session")
def standins(tmp_path_factory) -> Iterator[StandIns]:
    """Stand-in providers in a filesystem mirror, for real Terraform runs (``rehearsal/``)."""
    from tests.rehearsals import StandIns

    found = StandIns.start(tmp_path_factory.mktemp("mirror"))
    with found.stack:
        yield found


@pytest.fixture(scope="session", autouse=True)
def background_rehearsals(request, tmp_path_factory) -> dict[object, Future[Rehearsal]]:
    """The full rehearsals, started before the first test when one of them is selected."""
    from tests import rehearsals

    selected = {item.nodeid.split("[")[0] for item in request.session.items}
    if not selected & set(rehearsals.REHEARSAL_TESTS):
        return {}
    standins = request.getfixturevalue("standins")
    return rehearsals.start_rehearsals(standins, tmp_path_factory.mktemp("rehearsals"))


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(EXAMPLE_CONFIG)


@pytest.fixture(scope="session")
def synth() -> Synth:
    return synth_config(EXAMPLE_CONFIG)


@pytest.fixture(scope="session")
def synth_of() -> Callable[[Path], Synth]:
    return synth_config


def resources(stack: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return stack.get("resource", {}).get(kind, {})


def one_block(value: Any) -> dict[str, Any]:
    """A nested block that may be written either way: an object, or a list of one object
    (kubernetes 3.x bindings write ``kubernetes_namespace_v1.metadata`` so)."""
    if isinstance(value, list):
        assert len(value) == 1, value
        return value[0]
    return value


def only(stack: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    """The single resource of ``kind`` in ``stack`` (name, body)."""
    found = resources(stack, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.items()))


def output_value(stack: dict[str, Any], reference: str) -> str:
    """What a reference into ``stack`` resolves to there.

    ``Testing.synth`` leaves cross-stack references as the producer's own expression; a full
    synth turns them into ``${data.terraform_remote_state.X.outputs.NAME}`` backed by an output.
    """
    if ".outputs." not in reference:
        return reference
    name = reference.removesuffix("}").rsplit(".outputs.", 1)[1]
    return stack["output"][name]["value"]
