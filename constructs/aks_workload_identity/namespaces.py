"""Namespaces created as resources, so that destroy removes them."""

from __future__ import annotations

from collections.abc import Sequence

from constructs import Construct

from aks_workload_identity.providers import namespace_v1, namespace_v1_name


class Namespaces(Construct):
    """Creates one ``kubernetes_namespace_v1`` per name; ``by_name`` maps name to resource.

    Helm's ``create_namespace`` is not used: Helm never deletes a namespace it created.
    """

    def __init__(self, scope: Construct, id_: str, names: Sequence[str]) -> None:
        super().__init__(scope, id_)
        self.by_name = {name: namespace_v1(self, name, name=name) for name in names}

    def name_of(self, namespace: str) -> str:
        """The namespace name, as a reference when this construct creates it (for ordering)."""
        created = self.by_name.get(namespace)
        return namespace_v1_name(created) if created else namespace
