"""Namespaces created as resources, so that destroy removes them; the ones only used are
forgotten, never deleted (which namespaces are which: ``namespace_ownership.py``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from constructs import Construct

from aks_workload_identity.cdk import TerraformStack
from aks_workload_identity.providers import namespace_v1, namespace_v1_name

NAMESPACE_TYPE = "kubernetes_namespace_v1"


@dataclass(frozen=True)
class NamespacesProps:
    """``created``: the namespaces to create; ``labelled``: those of them that get ``labels``;
    ``forgotten``: namespaces a deploy may have created before, which Terraform must now drop
    from its state and leave in the cluster (a ``removed`` block each, Terraform >= 1.7)."""

    created: Sequence[str] = ()
    labelled: Sequence[str] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    forgotten: Sequence[str] = ()

    def __post_init__(self) -> None:
        both = sorted(set(self.created) & set(self.forgotten))
        if both:
            raise ValueError(f"NamespacesProps: {both} both created and forgotten")
        stray = sorted(set(self.labelled) - set(self.created))
        if stray:
            raise ValueError(f"NamespacesProps: labelled {stray} are not created")


class Namespaces(Construct):
    """Creates one ``kubernetes_namespace_v1`` per created name; ``by_name`` maps name to
    resource.

    Helm's ``create_namespace`` is not used: Helm never deletes a namespace it created. A forgotten
    namespace gets the address it would have as a created one, so the deploy after it stopped
    being created forgets it (a no-op when it is not in the state).
    """

    def __init__(self, scope: Construct, id_: str, props: NamespacesProps) -> None:
        super().__init__(scope, id_)
        labels = dict(props.labels)
        self.by_name = {
            name: namespace_v1(
                self, name, name=name, labels=labels if name in props.labelled else None
            )
            for name in props.created
        }
        stack = TerraformStack.of(self)
        # A plain construct where the namespace would be: its node gets the same logical id.
        self.forgotten = {
            name: f"{NAMESPACE_TYPE}.{stack._allocate_logical_id(Construct(self, name).node)}"
            for name in props.forgotten
        }
        if self.forgotten:
            stack.add_override(
                "removed",
                [
                    {"from": address, "lifecycle": {"destroy": False}}
                    for address in self.forgotten.values()
                ],
            )

    def name_of(self, namespace: str) -> str:
        """The namespace name, as a reference when this construct creates it (for ordering)."""
        created = self.by_name.get(namespace)
        return namespace_v1_name(created) if created else namespace
