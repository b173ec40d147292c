"""Azure Workload Identity + Key Vault + External Secrets Operator, as cdktf constructs.

Importing this package is cheap; provider bindings load only when a construct module is imported
(see ``providers.py``).
"""
