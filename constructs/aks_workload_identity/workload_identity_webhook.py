"""The self-managed Azure Workload Identity mutating webhook, for clusters without the AKS add-on.

The webhook injects ``AZURE_CLIENT_ID``, ``AZURE_TENANT_ID``, ``AZURE_FEDERATED_TOKEN_FILE`` and a
projected service account token into pods labelled ``azure.workload.identity/use: "true"``. ESO
as configured here does not need it (with ``serviceAccountRef`` it requests the token itself);
workloads that authenticate through the annotated service account do, and on AKS the
workload identity add-on provides it.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from aks_workload_identity.helm_chart import Chart, pinned_chart_release

CHART = Chart("https://azure.github.io/azure-workload-identity/charts", "workload-identity-webhook")


@dataclass(frozen=True)
class WorkloadIdentityWebhookProps:
    """The pinned chart ``version`` installed into ``namespace`` (which must exist).

    ``tenant_id``: the Entra tenant injected into pods whose service account does not name one;
    the chart refuses to render without it.
    """

    namespace: str
    tenant_id: str
    version: str = "1.6.0"
    release_name: str = "workload-identity-webhook"
    timeout_seconds: int = 300


class WorkloadIdentityWebhook(Construct):
    """Creates ``release``: the webhook chart, waiting until its pods serve.

    ``wait``: whatever depends on the release starts only once the webhook serves (its failure
    policy is ``Fail``: labelled pods are rejected while it does not). ``atomic`` rolls a failed
    install back.
    """

    def __init__(self, scope: Construct, id_: str, props: WorkloadIdentityWebhookProps) -> None:
        super().__init__(scope, id_)
        self.props = props
        self.release = pinned_chart_release(
            self,
            "release",
            CHART,
            props,
            values={"azureTenantID": props.tenant_id},
            quote_values=True,  # the tenant ID is only known at apply time and must stay a string
        )
