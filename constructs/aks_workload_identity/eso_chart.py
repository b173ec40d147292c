"""The External Secrets Operator chart as this project installs it, and what it creates itself.

Kept apart from ``external_secrets.py`` (which builds the release) so the settings can check a
configuration against the chart without loading cdktf.
"""

from __future__ import annotations

CHART_REPOSITORY = "https://charts.external-secrets.io"
CHART_NAME = "external-secrets"
RELEASE_NAME = "external-secrets"

# The chart's own service accounts in its namespace (chart 2.9.0, templates/*serviceaccount.yaml
# and _helpers.tpl): the controller's is the chart's fullname, which is the release name when that
# contains the chart's name; the webhook's and the cert controller's are fixed names. Helm will
# not adopt a service account it did not create, so a workload's of the same name fails the
# install (or, created second, the workload's own).
SERVICE_ACCOUNTS = (RELEASE_NAME, "external-secrets-webhook", "external-secrets-cert-controller")


def service_account_taken(namespace: str) -> tuple[str, str]:
    """What is wrong with a workload's service account of one of these names in ``namespace``,
    the chart's, and how to fix it."""
    *first, last = (f'"{name}"' for name in SERVICE_ACCOUNTS)
    return (
        f"the External Secrets chart creates service accounts {', '.join(first)} and {last} "
        f'in its namespace "{namespace}": a second one of the same name there fails the deploy',
        'rename it, e.g. "workload-identity-sa", or use another namespace',
    )
