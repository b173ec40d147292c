"""How long a deploy waits for what Azure and the External Secrets Operator do eventually.

Both are defaults of configuration keys (``settings.py``) and of the constructs' props; the
docs/deploy.md, "Waits", gives the same reasons with their sources.
"""

from __future__ import annotations

# Between the deployer's Key Vault Secrets Officer assignment and the first secret write. Microsoft
# documents up to ten minutes for a role assignment to take effect; azurerm does not retry the
# 403 ForbiddenByRbac of that write (it fails the apply). Five minutes is what the azurerm
# maintainers advise (hashicorp/terraform-provider-azurerm#5038) and covers the usual case; a
# rerun of the deploy writes at once, the wait being over.
RBAC_PROPAGATION_WAIT = "300s"

# How long deploy waits for each ClusterSecretStore and ExternalSecret to report Ready. ESO
# retries a failed one after 1 s, doubling up to 7 minutes (pkg/controllers/common/common.go):
# near 0, 1, 3, 7, ... 127, 255 s, then ~511 s and ~931 s. Ten minutes covers the ~511 s retry
# with time for the token exchange and the read; five minutes gave up after the 255 s retry.
READY_TIMEOUT = "10m"
