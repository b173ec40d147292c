"""External Secrets Operator itself: the pinned Helm release with its CRDs, guarded against a
reinstall that would delete every ExternalSecret of the cluster."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from constructs import Construct

from aks_workload_identity.cdk import ITerraformDependable
from aks_workload_identity.eso_chart import CHART_NAME, CHART_REPOSITORY, RELEASE_NAME
from aks_workload_identity.helm_chart import Chart, pinned_chart_release
from aks_workload_identity.replacement_guard import (
    GuardedValue,
    ReplacementGuard,
    ReplacementGuardProps,
)


@dataclass(frozen=True)
class ExternalSecretsOperatorProps:
    """The pinned chart ``version`` installed into ``namespace`` with its CRDs.

    A new ``namespace`` or ``release_name`` replaces the release, and uninstalling it deletes the
    CRDs and with them every ExternalSecret of the cluster and the Secrets they own, so the plan
    refuses it (``ReplacementGuard``) unless ``reinstall_allowed``. ``keep_crds`` (default
    ``False``) annotates the CRDs ``helm.sh/resource-policy: keep``: uninstalling then leaves them
    and every ExternalSecret in place (shared clusters; a destroy then leaves the CRDs behind).
    ``config_keys`` names ``namespace`` and ``reinstall_allowed`` in the refusal as the
    configuration keys that set them.
    """

    namespace: str
    version: str
    release_name: str = RELEASE_NAME
    timeout_seconds: int = 600
    reinstall_allowed: bool = False
    keep_crds: bool = False
    config_keys: Mapping[str, str] = field(default_factory=dict)

    def chart_values(self) -> dict:
        values: dict = {"installCRDs": True}
        if self.keep_crds:
            values["crds"] = {"annotations": {"helm.sh/resource-policy": "keep"}}
        return values


class ExternalSecretsOperator(Construct):
    """Creates ``release``: the ESO chart with CRDs, waiting until its pods are ready.

    ``atomic`` rolls a failed install back, so a failed deploy leaves no half-installed chart.
    Uninstalling the release deletes the CRDs and with them every store and ExternalSecret.
    ``depends_on``: what must be installed first (e.g. the workload identity webhook).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        props: ExternalSecretsOperatorProps,
        *,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        super().__init__(scope, id_)
        self.props = props
        keys = props.config_keys
        self.guard = ReplacementGuard(
            self,
            "replacement-guard",
            ReplacementGuardProps(
                what="The External Secrets release",
                name=f"{props.namespace}/{props.release_name}",
                values={
                    "namespace": GuardedValue(keys.get("namespace", "namespace"), props.namespace),
                    "release_name": GuardedValue(
                        keys.get("release_name", "release_name"), props.release_name
                    ),
                },
                consequence=(
                    "and uninstalling it deletes the CRDs, every ExternalSecret of the cluster "
                    "and the Secrets they own"
                    if not props.keep_crds
                    else "and ESO is down until the new release is ready"
                ),
                allow_key=keys.get("reinstall_allowed", "reinstall_allowed"),
                allowed=props.reinstall_allowed,
            ),
        )
        self.release = pinned_chart_release(
            self,
            "release",
            Chart(CHART_REPOSITORY, CHART_NAME),
            props,
            values=props.chart_values(),
            depends_on=depends_on,
            preconditions=self.guard.precondition(),
        )
