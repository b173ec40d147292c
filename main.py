#!/usr/bin/env python
"""cdktf app: see README.md. Configuration comes from my.auto.tfvars (or AZWI_CONFIG)."""

import sys
from pathlib import Path

from aks_workload_identity.app import main

sys.exit(main(Path(__file__).resolve().parent))
