"""``python -m aks_workload_identity.pod_identity``: see ``cli.py``."""

import sys

from aks_workload_identity.pod_identity.cli import main

sys.exit(main())
