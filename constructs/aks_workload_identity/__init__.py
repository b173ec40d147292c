"""Azure Workload Identity + Key Vault + External Secrets Operator, as cdktf constructs.

Importing this package is cheap; provider bindings load only when a construct module is imported
(see ``providers.py``). Importing it also prepares the jsii runtime (see ``runtime.py``), so
import it before ``cdktf``.
"""

from aks_workload_identity.runtime import configure_jsii_runtime

configure_jsii_runtime()
