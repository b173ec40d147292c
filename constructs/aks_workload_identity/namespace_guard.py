"""Refuse, while planning, a configuration change that would delete a namespace created on
request: deleting a namespace deletes every object in it, also the ones other people deployed.

A namespace leaves the configuration without a trace, so nothing in it can carry a precondition.
Instead each namespace created on request carries this deployment's labels: ``managed-by`` and an
``owner`` that is the id of a ``terraform_data`` of the stack (random, kept in the state), so two
deployments sharing a cluster do not see each other's. Each plan lists the namespaces labelled so
(``kubernetes_resources``); a precondition fails when one of them is neither created nor
forgotten by the configuration, i.e. when Terraform would delete it. ``destroy`` evaluates no
preconditions; with deletion allowed there is no check.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from constructs import Construct

from aks_workload_identity.cdk import DataResource, Precondition, TerraformResourceLifecycle
from aks_workload_identity.hcl_output import write_conditions_as_blocks
from aks_workload_identity.providers import DataKubernetesResources

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = "aks-workload-identity"
OWNER_LABEL = "aks-workload-identity/owner"


@dataclass(frozen=True)
class NamespaceDeletionGuardProps:
    """``kept``: every namespace the configuration creates or forgets (only a labelled namespace
    outside it would be deleted); ``request_key``, ``allow_key``: the keys the refusal names;
    ``allowed``: deletion was asked for (``allow_key = true``), so no check."""

    kept: Sequence[str]
    request_key: str
    allow_key: str
    allowed: bool = False


class NamespaceDeletionGuard(Construct):
    """Creates ``owner``; ``labels`` go on every namespace created on request; unless allowed,
    also ``labelled`` (the read) and ``check`` (the precondition)."""

    def __init__(self, scope: Construct, id_: str, props: NamespaceDeletionGuardProps) -> None:
        super().__init__(scope, id_)
        self.owner = DataResource(self, "owner")
        self.labels = {MANAGED_BY_LABEL: MANAGED_BY, OWNER_LABEL: self.owner.id}
        if props.allowed:
            return
        self.labelled = DataKubernetesResources(
            self,
            "labelled",
            api_version="v1",
            kind="Namespace",
            label_selector=f"{MANAGED_BY_LABEL}={MANAGED_BY},{OWNER_LABEL}={self.owner.id}",
        )
        kept = json.dumps(sorted(props.kept))
        objects = f"{self.labelled.fqn}.objects"
        doomed = f"[for o in {objects} : o.metadata.name if !contains({kept}, o.metadata.name)]"
        check = Precondition(
            condition=f"${{length({doomed}) == 0}}",
            error_message=(
                f'Namespace ${{join(", ", {doomed})}} would be deleted, and every object in it: '
                f"it was created on request, and {props.request_key} no longer asks for it. Ask "
                "for it again, list it in existing_namespaces to keep it unmanaged, or set "
                f"{props.allow_key} = true to delete it on purpose."
            ),
        )
        self.check = DataResource(
            self, "check", lifecycle=TerraformResourceLifecycle(precondition=[check])
        )
        write_conditions_as_blocks(self.check, "precondition", [check])
