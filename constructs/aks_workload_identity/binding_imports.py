"""Importing one submodule of a prebuilt provider binding without the rest of the package.

cdktf's prebuilt bindings' package ``__init__`` eagerly imports every resource submodule (azurerm:
1,527 of them, ~10 s and ~450 MB). Each submodule only needs the package's ``_jsii`` module (which
loads the jsii assembly), ``cdktf`` and ``constructs``. So the package is registered in
``sys.modules`` *without* running its ``__init__``, ``_jsii`` is imported, and then only the
submodules this project uses. The synthesized JSON is byte-identical (see
``tests/test_providers.py``). cdktn's bindings load their submodules lazily themselves (PEP 562):
there the ordinary import is as fast (measured: 2.2-3.1 s either way for the example), so it is
used.

The Node side has the same problem in both flavours (the provider's ``lib/index.js`` requires
every resource); ``lazy_provider_index.js``, preloaded by ``runtime.py``, makes those requires
lazy: the cdktn example synthesizes in ~2.4 s with it and ~6.7 s without.

Both are skipped, and the ordinary import used, when ``AZWI_FAST_IMPORTS=0`` is set (the
benchmark's baseline), and each falls back by itself when a package does not have the layout it
relies on.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from functools import cache
from types import ModuleType

from aks_workload_identity.runtime import fast_imports_enabled


def _has_jsii_layout(package: str) -> bool:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return False
    root = next(iter(spec.submodule_search_locations))
    return os.path.isfile(os.path.join(root, "_jsii", "__init__.py"))


@cache
def _has_eager_init(package: str) -> bool:
    """False for a binding whose ``__init__`` imports its submodules lazily (PEP 562, cdktn)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return False
    with open(spec.origin, encoding="utf-8") as init:
        return "\ndef __getattr__(" not in init.read()


def _register_without_init(package: str) -> None:
    """Put ``package`` in ``sys.modules`` as a bare namespace whose ``__init__`` never runs."""
    if package in sys.modules:
        return
    spec = importlib.util.find_spec(package)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[package] = module
    importlib.import_module(f"{package}._jsii")


def submodule(package: str, name: str) -> ModuleType:
    """Import ``package.name`` without importing the rest of ``package``."""
    if fast_imports_enabled() and _has_eager_init(package) and _has_jsii_layout(package):
        _register_without_init(package)
    else:
        importlib.import_module(package)
    return importlib.import_module(f"{package}.{name}")
