"""The fast provider imports: same output as the ordinary imports, and a fallback for each side."""

from __future__ import annotations

import importlib
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from aks_workload_identity import providers, runtime
from tests.conftest import EXAMPLES_DIR, PROJECT_DIR

AZURERM = "cdktf_cdktf_provider_azurerm"
# cdktf.json's app is "<python> <flags> main.py".
_, *SHIPPED_PYTHON_FLAGS, _ = shlex.split(
    json.loads((PROJECT_DIR / "cdktf.json").read_text())["app"]
)
NODE = Path(sys.executable).parent / "node"

# Runs main.py and, on exit, reports how many azurerm submodules Python imported.
_COUNTING_MAIN = f"""
import atexit, runpy, sys
main = sys.argv[1]
atexit.register(lambda: print(
    "azurerm submodules:", sum(m.startswith("{AZURERM}.") for m in sys.modules), file=sys.stderr
))
sys.argv = [main]
runpy.run_path(main, run_name="__main__")
"""


def _synth(outdir: Path, *, fast: bool) -> subprocess.Popen[str]:
    """The fast run has the shipped interpreter flags (cdktf.json: ``-O``, which drops the
    bindings' argument type checks); the ordinary run has eager imports and the checks on."""
    # NODE_OPTIONS here carries this process's lazy-index preload; the app sets its own. Byte code
    # may be written, so only the first ordinary run compiles modules the install did not.
    unset = {"NODE_OPTIONS", runtime.FAST_IMPORTS_ENV, "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDKTF_") and k not in unset}
    env.update(
        AZWI_CONFIG=str(EXAMPLES_DIR / "many-secrets.tfvars"),
        CDKTF_OUTDIR=str(outdir),
        CHECKPOINT_DISABLE="1",
    )
    if not fast:
        env[runtime.FAST_IMPORTS_ENV] = "0"
    return subprocess.Popen(
        [
            sys.executable,
            *(SHIPPED_PYTHON_FLAGS if fast else ()),
            "-c",
            _COUNTING_MAIN,
            str(PROJECT_DIR / "main.py"),
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_fast_and_ordinary_imports_synthesize_byte_identical_files(tmp_path) -> None:
    # Both at once: the ordinary run takes ~25 s and uses one core, the fast one a few seconds.
    ordinary = _synth(tmp_path / "ordinary", fast=False)
    fast = _synth(tmp_path / "fast", fast=True)
    results = {}
    for name, process in (("fast", fast), ("ordinary", ordinary)):
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, f"{name}: {stdout}{stderr}"
        results[name] = int(stderr.rsplit("azurerm submodules:", 1)[1])
    # Each run really took its path: the fast one imports a handful of azurerm's 1,527 modules.
    assert results["fast"] < 20
    assert results["ordinary"] > 1000

    fast_files, ordinary_files = _files(tmp_path / "fast"), _files(tmp_path / "ordinary")
    assert "stacks/secrets/cdk.tf.json" in fast_files
    assert sorted(fast_files) == sorted(ordinary_files)
    for name, content in fast_files.items():
        assert content == ordinary_files[name], f"{name} differs"


def _fake_package(root: Path, name: str, *, jsii_layout: bool) -> None:
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text("INIT_RAN = True\n")
    (package / "widget.py").write_text("WIDGET = 'widget'\n")
    if jsii_layout:
        (package / "_jsii").mkdir()
        (package / "_jsii" / "__init__.py").write_text("ASSEMBLY_LOADED = True\n")
    importlib.invalidate_caches()


@pytest.fixture
def fake_packages(tmp_path, monkeypatch):
    """A fresh package directory on sys.path; the fake modules are forgotten afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


def test_jsii_layout_is_imported_without_running_the_package_init(fake_packages) -> None:
    _fake_package(fake_packages, "fake_jsii_provider", jsii_layout=True)
    widget = providers.submodule("fake_jsii_provider", "widget")
    assert widget.WIDGET == "widget"
    assert not hasattr(sys.modules["fake_jsii_provider"], "INIT_RAN")
    assert sys.modules["fake_jsii_provider._jsii"].ASSEMBLY_LOADED


def test_package_without_jsii_layout_is_imported_the_ordinary_way(fake_packages) -> None:
    _fake_package(fake_packages, "fake_plain_package", jsii_layout=False)
    widget = providers.submodule("fake_plain_package", "widget")
    assert widget.WIDGET == "widget"
    assert sys.modules["fake_plain_package"].INIT_RAN


def test_switching_fast_imports_off_imports_the_ordinary_way(fake_packages, monkeypatch) -> None:
    monkeypatch.setenv(runtime.FAST_IMPORTS_ENV, "0")
    _fake_package(fake_packages, "fake_jsii_switched_off", jsii_layout=True)
    providers.submodule("fake_jsii_switched_off", "widget")
    assert sys.modules["fake_jsii_switched_off"].INIT_RAN


@pytest.mark.parametrize(("fast", "preloaded"), [("1", True), ("0", False)])
def test_node_preload_follows_the_switch(monkeypatch, fast: str, preloaded: bool) -> None:
    monkeypatch.setenv(runtime.FAST_IMPORTS_ENV, fast)
    monkeypatch.setenv("NODE_OPTIONS", "--max-old-space-size=4096")
    runtime.configure_jsii_runtime()
    options = os.environ["NODE_OPTIONS"]
    assert options.startswith("--max-old-space-size=4096")
    assert (str(runtime.LAZY_INDEX) in options) is preloaded


# What tsc emits for a prebuilt provider's lib/index.js (abridged from @cdktf/provider-random).
_PROVIDER_INDEX = """\
"use strict";
/**
 * Copyright (c) HashiCorp, Inc.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.provider = exports.widgetThing = void 0;
// generated by cdktf get
exports.widgetThing = require("./widget-thing");
exports.provider = require("./provider");
//# sourceMappingURL=data:application/json;base64,e30=
"""
# One statement the preload does not know: it must not guess, but load the file as it is.
_UNEXPECTED_INDEX = _PROVIDER_INDEX.replace(
    "// generated by cdktf get\n", 'exports.version = "1.0.0";\n'
)
_REPORT = """\
const loaded = (globalThis.loaded = []);
const index = require(process.argv[2]);
const lazy = Object.keys(index).filter((k) => Object.getOwnPropertyDescriptor(index, k).get);
const before = [...loaded];
const value = index.widgetThing.NAME;
console.log(JSON.stringify({ keys: Object.keys(index), lazy, before, value, after: loaded }));
"""


def _load_index(tmp_path: Path, source: str, package: str = "@cdktf/provider-fake") -> dict:
    lib = tmp_path / "node_modules" / package / "lib"
    lib.mkdir(parents=True)
    (lib / "index.js").write_text(source)
    for module, name in (("widget-thing", "widget"), ("provider", "provider")):
        (lib / f"{module}.js").write_text(
            f'globalThis.loaded.push("{name}");\nexports.NAME = "{name}";\n'
        )
    (tmp_path / "report.js").write_text(_REPORT)
    result = subprocess.run(
        [str(NODE), str(tmp_path / "report.js"), str(lib / "index.js")],
        env={**os.environ, "NODE_OPTIONS": f'--require "{runtime.LAZY_INDEX}"'},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_node_provider_index_becomes_lazy(tmp_path) -> None:
    report = _load_index(tmp_path, _PROVIDER_INDEX)
    assert report["keys"] == ["widgetThing", "provider"]
    assert report["lazy"] == ["widgetThing", "provider"]
    assert report["before"] == []
    assert report["value"] == "widget"
    assert report["after"] == ["widget"]


@pytest.mark.parametrize(
    ("source", "package"),
    [
        pytest.param(_UNEXPECTED_INDEX, "@cdktf/provider-fake", id="unexpected-statement"),
        pytest.param(_PROVIDER_INDEX, "not-a-provider", id="not-a-provider-package"),
    ],
)
def test_node_index_of_another_shape_loads_the_ordinary_way(tmp_path, source, package) -> None:
    report = _load_index(tmp_path, source, package)
    assert report["lazy"] == []
    assert report["before"] == ["widget", "provider"]
    assert report["value"] == "widget"
