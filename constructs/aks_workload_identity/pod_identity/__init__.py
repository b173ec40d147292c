"""Leaving AAD Pod Identity: ``kubectl get ... -o yaml`` output in, this project's configuration
fragment and a migration report out.

``python -m aks_workload_identity.pod_identity`` (``make migrate``) runs ``cli.main``. The steps,
one module each: ``reading`` (YAML documents to Kubernetes objects, with their file and line),
``inventory`` (objects to typed pod identity, workload and ESO records, every field checked),
``plan`` (what moves where: identities kept by resource ID, service accounts, credentials,
stores, and what cannot move), ``spreading`` (Azure's 20 credentials per identity), ``fragment``
(the HCL) and ``report`` (the Markdown).
"""
