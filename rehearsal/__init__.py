"""The offline deploy rehearsal: the real cdktf CLI and Terraform against stand-in providers.

``mirror`` installs the stand-ins into a filesystem mirror that ``terraform init`` reads;
``standin`` is the provider program Terraform starts; ``world`` is what the stand-ins share
(the simulated Azure tenant and cluster) and the rules a real deploy would enforce;
``rehearse`` runs deploy, redeploy and destroy for a configuration and checks the outcome;
``azure_storage`` serves Azure Storage and Entra ID locally for the ``azurerm`` backend.
"""
