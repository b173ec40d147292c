#!/usr/bin/env python
"""cdktf app: see README.md. Configuration comes from my.auto.tfvars (or AZWI_CONFIG)."""

import os
import sys
from pathlib import Path

try:
    from aks_workload_identity.app import main

    sys.exit(main(Path(__file__).resolve().parent))
except KeyboardInterrupt:
    # Here, not in the app: Ctrl-C can come while the app is still being imported.
    # os._exit: jsii's exit hook would write to a Node process the Ctrl-C has stopped too.
    print(
        "azwi: interrupted; nothing was synthesized (the previous output is kept)",
        file=sys.stderr,
        flush=True,
    )
    os._exit(130)
