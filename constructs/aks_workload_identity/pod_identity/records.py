"""The records the migration reads from Kubernetes objects: pod identity's objects, workloads
(pod templates) and ESO's Azure Key Vault stores and ExternalSecrets."""

from __future__ import annotations

from dataclasses import dataclass, field

POD_IDENTITY_GROUP = "aadpodidentity.k8s.io"
ESO_GROUP = "external-secrets.io"
BINDING_LABEL = "aadpodidbinding"
# Where each workload kind keeps its pod template (a Pod is its own).
POD_TEMPLATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("apps", "Deployment"): ("spec", "template"),
    ("apps", "StatefulSet"): ("spec", "template"),
    ("apps", "DaemonSet"): ("spec", "template"),
    ("batch", "Job"): ("spec", "template"),
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template"),
    ("", "Pod"): (),
}
IDENTITY_TYPES = {
    0: "user-assigned managed identity",
    1: "service principal with a client secret",
    2: "service principal with a certificate",
}


@dataclass(frozen=True)
class ObjectRef:
    kind: str
    namespace: str | None  # None: cluster-scoped
    name: str
    where: str = field(compare=False)

    def __str__(self) -> str:
        return (
            f"{self.kind} {self.namespace}/{self.name}"
            if self.namespace
            else f"{self.kind} {self.name}"
        )


@dataclass(frozen=True)
class AzureIdentity:
    ref: ObjectRef
    type: int
    resource_id: str | None
    client_id: str | None


@dataclass(frozen=True)
class AzureIdentityBinding:
    ref: ObjectRef
    identity: str  # an AzureIdentity's name in the binding's namespace
    selector: str  # pods whose aadpodidbinding label has this value get the identity
    weight: int  # the highest wins when a pod matches several and asks for none in particular


@dataclass(frozen=True)
class PodIdentityException:
    ref: ObjectRef
    pod_labels: dict[str, str]


@dataclass(frozen=True)
class Workload:
    """A pod template (or a bare pod): the labels and service account its pods get."""

    ref: ObjectRef
    template_path: tuple[str, ...]
    labels: dict[str, str]
    service_account: str  # "default" when the manifest names none
    host_network: bool
    owner: str | None = None  # a bare pod's controller when that is not in the input

    @property
    def selector(self) -> str | None:
        return self.labels.get(BINDING_LABEL)


@dataclass(frozen=True)
class SecretStore:
    """An ESO store on Azure Key Vault."""

    ref: ObjectRef
    auth_type: str
    identity_id: str | None
    vault_url: str | None


@dataclass(frozen=True)
class ExternalSecret:
    ref: ObjectRef
    store_kind: str
    store_name: str


@dataclass(frozen=True)
class Inventory:
    identities: tuple[AzureIdentity, ...] = ()
    bindings: tuple[AzureIdentityBinding, ...] = ()
    exceptions: tuple[PodIdentityException, ...] = ()
    workloads: tuple[Workload, ...] = ()
    stores: tuple[SecretStore, ...] = ()
    external_secrets: tuple[ExternalSecret, ...] = ()
