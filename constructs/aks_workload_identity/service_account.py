"""A Kubernetes service account annotated for Azure Workload Identity: created, or an existing
one annotated."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from aks_workload_identity import rules
from aks_workload_identity.providers import (
    Annotations,
    AnnotationsMetadata,
    ServiceAccountV1,
    ServiceAccountV1Metadata,
)

CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
TENANT_ID_ANNOTATION = "azure.workload.identity/tenant-id"


@dataclass(frozen=True)
class WorkloadServiceAccountProps:
    """``client_id``: the identity the annotation names (the default one when the service account
    may use several: workloads pass the others' client IDs to their Azure SDK). ``tenant_id``: the
    one place the tenant is set (ESO fails with "multiple tenantID found" if the store also sets
    it). ``namespace`` may be a reference to a ``Namespaces`` entry, so it is created first.
    ``existing``: the service account exists already (its Helm chart or GitOps made it; running
    pods' tokens are bound to it), so only the two annotations are applied, server-side, and
    destroy removes just them. Default ``False``: it is created."""

    name: str
    namespace: str
    client_id: str
    tenant_id: str
    existing: bool = False

    def __post_init__(self) -> None:
        problems = rules.PropsProblems("service account")
        for field_name, value, check in (
            ("name", self.name, rules.DNS1123_SUBDOMAIN),
            ("namespace", self.namespace, rules.DNS1123_LABEL),
            ("client_id", self.client_id, rules.UUID),
            ("tenant_id", self.tenant_id, rules.UUID),
        ):
            problems.require(field_name, value, check)
        problems.raise_any()


class WorkloadServiceAccount(Construct):
    """Creates ``service_account`` with the workload identity annotations, or, for an existing
    one, ``annotations`` on it; the other attribute is None."""

    def __init__(self, scope: Construct, id_: str, props: WorkloadServiceAccountProps) -> None:
        super().__init__(scope, id_)
        self.props = props
        annotations = {
            CLIENT_ID_ANNOTATION: props.client_id,
            TENANT_ID_ANNOTATION: props.tenant_id,
        }
        self.service_account: ServiceAccountV1 | None = None
        self.annotations: Annotations | None = None
        if props.existing:
            # Without force, an annotation another field manager owns fails the apply instead
            # of being taken over silently.
            self.annotations = Annotations(
                self,
                "annotations",
                api_version="v1",
                kind="ServiceAccount",
                metadata=AnnotationsMetadata(name=props.name, namespace=props.namespace),
                annotations=annotations,
            )
            return
        self.service_account = ServiceAccountV1(
            self,
            "service-account",
            metadata=ServiceAccountV1Metadata(
                name=props.name,
                namespace=props.namespace,
                annotations=annotations,
            ),
        )
