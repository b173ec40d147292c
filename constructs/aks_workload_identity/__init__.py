"""Azure Workload Identity + Key Vault + External Secrets Operator, as cdktf constructs.

Importing this package is cheap and changes nothing; provider bindings load only when a construct
module is imported (see ``providers.py``). Before the CDK is imported, call
``aks_workload_identity.runtime.configure_jsii_runtime()`` once: the Node process it starts then
uses the pinned Node and lazy provider modules (see ``runtime.py``).
"""
