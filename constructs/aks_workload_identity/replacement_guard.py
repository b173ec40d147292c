"""Refuse, while planning, a configuration change that would replace a resource holding data.

Azure and Helm replace some resources when an identifying argument changes: a Key Vault (and
every secret in it) when its name, resource group or location does, the ESO release (and the CRDs
that every ExternalSecret of the cluster lives in) when its namespace or name does. Terraform
shows that as one line of a long plan. The guard turns it into a plan that fails, before anything
is deleted, naming the resource and the configuration key that changed.

How: a ``terraform_data`` records the identifying values of the last deploy and ignores later
changes to them, so its ``output`` keeps the deployed values; a precondition on the guarded
resource compares them with the configured ones. On the first deploy nothing is recorded yet and
the check passes once the record exists; ``destroy`` evaluates no preconditions; with the change
allowed, the record is replaced along with the resource.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from constructs import Construct

from aks_workload_identity.cdk import (
    DataResource,
    Fn,
    Op,
    Precondition,
    TerraformResourceLifecycle,
    Token,
)


@dataclass(frozen=True)
class GuardedValue:
    """One identifying value and the configuration key that sets it (named in the message)."""

    key: str
    value: str


@dataclass(frozen=True)
class ReplacementGuardProps:
    """``what``: e.g. ``"Key Vault"``; ``name``: how the guarded resource is called now (may be a
    token); ``values``: argument -> ``GuardedValue``; ``consequence``: what replacing it loses;
    ``allowed``: the change was asked for (``allow_key = true``), so the guard stands aside."""

    what: str
    name: str
    values: Mapping[str, GuardedValue]
    consequence: str
    allow_key: str
    allowed: bool = False

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError("ReplacementGuardProps: values: at least one value to guard")
        if "name" in self.values:
            raise ValueError("ReplacementGuardProps: values: 'name' is the guard's own record")


class ReplacementGuard(Construct):
    """Creates ``record``; ``lifecycle`` goes on the guarded resource (with its other settings)."""

    def __init__(self, scope: Construct, id_: str, props: ReplacementGuardProps) -> None:
        super().__init__(scope, id_)
        self.props = props
        current = {argument: guarded.value for argument, guarded in props.values.items()}
        self.record = DataResource(
            self,
            "record",
            input={**current, "name": props.name},
            # Replaced (so it records the new values) only when the replacement is allowed.
            triggers_replace=current if props.allowed else None,
            lifecycle=TerraformResourceLifecycle(ignore_changes=["input"]),
        )

    def precondition(self) -> list[Precondition]:
        """The check for the guarded resource's ``lifecycle.precondition`` (none when allowed)."""
        props = self.props
        if props.allowed:
            return []
        deployed = {
            argument: Token.as_string(Fn.lookup(self.record.output, argument, ""))
            for argument in props.values
        }
        unchanged = [Op.eq(deployed[a], g.value) for a, g in props.values.items()]
        changes = [
            Token.as_string(
                Fn.conditional(
                    Op.neq(deployed[a], g.value),
                    Fn.format("%s was %q, now %q", [g.key, deployed[a], g.value]),
                    "",
                )
            )
            for a, g in props.values.items()
        ]
        deployed_name = Token.as_string(Fn.lookup(self.record.output, "name", ""))
        condition = unchanged[0]
        for more in unchanged[1:]:
            condition = Op.and_(condition, more)
        return [
            Precondition(
                condition=condition,
                error_message=(
                    f"{props.what} {deployed_name} would be "
                    f"replaced, {props.consequence}: "
                    f"{Fn.join('; ', Fn.compact(changes))}. Change it back, or set "
                    f"{props.allow_key} = true to replace it on purpose."
                ),
            )
        ]
