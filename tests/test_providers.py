"""The fast provider imports: same output as the ordinary imports, and a fallback for each side."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aks_workload_identity import binding_imports, runtime
from tests import app_runs
from tests.conftest import EXAMPLES_DIR

NODE = Path(sys.executable).parent / "node"
# The example with the most kinds of ExternalSecret, as the byte-identity test always used.
CONFIG = EXAMPLES_DIR / "many-secrets.tfvars"
AZURERM_PACKAGE = app_runs.AZURERM


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_the_shipped_app_imports_a_few_binding_modules_and_writes_what_the_checked_app_writes(
    tmp_path, monkeypatch, capsys
) -> None:
    """main.py as cdktf.json runs it (fast imports, ``-O``: no argument type checks) writes
    byte-identical files to the app run here (fast imports, every argument type-checked), and
    neither prints anything; the fast against the ordinary imports, byte for byte, is
    ``make bench``'s (``bench/ordinary_imports.py``)."""
    shipped = app_runs.start_shipped(CONFIG, tmp_path / "shipped")
    status, errors = app_runs.main_in_process(monkeypatch, CONFIG, tmp_path / "checked")
    assert (status, errors, capsys.readouterr().out) == (0, "", "")
    status, output = shipped.finish()
    # Nothing but the count this test asks for: a valid configuration prints nothing extra.
    assert (status, output.splitlines()[:-1]) == (0, []), output
    # A handful of azurerm's 1,527 modules (20 today: the ones the app uses, their _jsii and the
    # package itself), not the package's own __init__, which imports them all.
    assert app_runs.azurerm_submodules(output) < 25

    shipped_files = _files(tmp_path / "shipped")
    checked_files = _files(tmp_path / "checked")
    assert {"manifest.json", "stacks/secrets/cdk.tf.json"} <= set(shipped_files)
    assert sorted(shipped_files) == sorted(checked_files)
    for name, content in shipped_files.items():
        assert content == checked_files[name], f"{name} differs"


# What a cdktf binding's package __init__ does besides importing, all skipped by the fast path
# (binding_imports.py): each submodule defines these itself, or they only shape the package's
# namespace (`from pkg import *`), which the app never uses.
_SKIPPABLE = {"__path__", "TYPEGUARD_MAJOR_VERSION", "check_type", "__all__", "publication.publish"}


def _statements_beyond_imports(init: Path) -> list[str]:
    left = []
    for statement in ast.parse(init.read_text()).body:
        match statement:
            case ast.Import() | ast.ImportFrom() | ast.Expr(value=ast.Constant()):
                continue  # its submodules, _jsii (imported first by the fast path), a docstring
            case ast.FunctionDef(name=name) | ast.Assign(targets=[ast.Name(id=name)]):
                pass
            case ast.Expr(value=ast.Call(func=function)):
                name = ast.unparse(function)
            case _:
                name = ast.unparse(statement)
        if name not in _SKIPPABLE:
            left.append(ast.unparse(statement))
    return left


def test_a_skipped_binding_init_holds_nothing_its_submodules_need() -> None:
    """What makes the fast path's output the ordinary path's, checked on the installed bindings;
    ``make bench`` compares the two synths byte for byte."""
    import aks_workload_identity.providers  # noqa: F401  the app's bindings, the fast way

    loaded = [name for name in sys.modules if name.startswith("cdktf_cdktf_provider_")]
    packages = sorted({name.split(".")[0] for name in loaded})
    assert AZURERM_PACKAGE in packages
    for package in packages:
        init = Path(importlib.util.find_spec(package).origin)
        assert _statements_beyond_imports(init) == [], package
    for name in [name for name in loaded if "." in name]:
        # What a submodule takes from its package: _jsii only, never a name of the __init__.
        source = Path(importlib.util.find_spec(name).origin).read_text()
        tree = ast.parse(source)
        from_package = [
            ast.unparse(s) for s in ast.walk(tree) if isinstance(s, ast.ImportFrom) and s.level
        ]
        assert set(from_package) <= {"from .._jsii import *", "from ._jsii import *"}, name
        if "check_type(" in source:
            assert any(isinstance(s, ast.FunctionDef) and s.name == "check_type" for s in tree.body)


# A cdktn binding's __init__ imports its submodules on first attribute access (PEP 562).
_LAZY_INIT = "INIT_RAN = True\n\ndef __getattr__(name):\n    raise AttributeError(name)\n"


def _fake_package(
    root: Path, name: str, *, jsii_layout: bool, init: str = "INIT_RAN = True\n"
) -> None:
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text(init)
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
    widget = binding_imports.submodule("fake_jsii_provider", "widget")
    assert widget.WIDGET == "widget"
    assert not hasattr(sys.modules["fake_jsii_provider"], "INIT_RAN")
    assert sys.modules["fake_jsii_provider._jsii"].ASSEMBLY_LOADED


def test_package_without_jsii_layout_is_imported_the_ordinary_way(fake_packages) -> None:
    _fake_package(fake_packages, "fake_plain_package", jsii_layout=False)
    widget = binding_imports.submodule("fake_plain_package", "widget")
    assert widget.WIDGET == "widget"
    assert sys.modules["fake_plain_package"].INIT_RAN


def test_package_with_a_lazy_init_is_imported_the_ordinary_way(fake_packages) -> None:
    _fake_package(fake_packages, "fake_lazy_provider", jsii_layout=True, init=_LAZY_INIT)
    widget = binding_imports.submodule("fake_lazy_provider", "widget")
    assert widget.WIDGET == "widget"
    assert sys.modules["fake_lazy_provider"].INIT_RAN


def test_switching_fast_imports_off_imports_the_ordinary_way(fake_packages, monkeypatch) -> None:
    monkeypatch.setenv(runtime.FAST_IMPORTS_ENV, "0")
    _fake_package(fake_packages, "fake_jsii_switched_off", jsii_layout=True)
    binding_imports.submodule("fake_jsii_switched_off", "widget")
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
# The same for a cdktn provider (abridged from @cdktn/provider-random): tsc's import helpers first.
_TSC_HELPERS = """\
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) \
if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
"""
_CDKTN_PROVIDER_INDEX = (
    '"use strict";\n'
    + _TSC_HELPERS
    + """\
Object.defineProperty(exports, "__esModule", { value: true });
exports.provider = exports.widgetThing = void 0;
// generated by cdktn get
exports.widgetThing = __importStar(require("./widget-thing"));
exports.provider = __importStar(require("./provider"));
"""
)
# Helper code it does not know, at the top level: loaded as it is.
_UNEXPECTED_HELPERS = _CDKTN_PROVIDER_INDEX.replace(
    "var __setModuleDefault", "var __unknownHelper = 1;\nvar __setModuleDefault"
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


@pytest.mark.parametrize(
    ("source", "package"),
    [
        pytest.param(_PROVIDER_INDEX, "@cdktf/provider-fake", id="cdktf"),
        pytest.param(_CDKTN_PROVIDER_INDEX, "@cdktn/provider-fake", id="cdktn"),
    ],
)
def test_node_provider_index_becomes_lazy(tmp_path, source, package) -> None:
    report = _load_index(tmp_path, source, package)
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
        pytest.param(_UNEXPECTED_HELPERS, "@cdktn/provider-fake", id="unexpected-helper-code"),
    ],
)
def test_node_index_of_another_shape_loads_the_ordinary_way(tmp_path, source, package) -> None:
    report = _load_index(tmp_path, source, package)
    assert report["lazy"] == []
    assert report["before"] == ["widget", "provider"]
    assert report["value"] == "widget"
