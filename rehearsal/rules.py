"""Which rule a plan or an apply of each resource type goes through."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from rehearsal import azure_rules, cluster_rules, facts
from rehearsal.facts import credential_identity
from rehearsal.world import World, cluster_view

_RULES = {**azure_rules.RULES, **cluster_rules.RULES}


def check_plan(world: World, type_name: str, planned: dict | None, provider: dict) -> None:
    """Refuse a plan the real provider could not make (e.g. a custom resource without its CRD)."""
    if type_name in cluster_rules.RULES:
        with cluster_view(world.read(), provider) as state:
            cluster_rules.check_plan(state, type_name, planned)


def read(world: World, type_name: str, config: dict) -> dict:
    """A data source's computed values: read from the world, else made up (``facts``)."""
    reader = cluster_rules.READS.get(type_name)
    if reader is not None:
        return reader(world.read(), config)
    return facts.COMPUTED.get(type_name, lambda _c: {})(config)


def apply(
    world: World, type_name: str, prior: dict | None, new: dict | None, provider: dict
) -> None:
    """Record a create (``prior`` None), update or delete (``new`` None), or refuse it."""
    rule = _RULES.get(type_name)
    if rule is None:
        return
    with _serialized(type_name, new or prior), world.change() as state:
        if type_name in cluster_rules.RULES:
            with cluster_view(state, provider) as view:
                rule(view, prior, new, provider)
        else:
            rule(state, prior, new, provider)


@contextmanager
def _serialized(type_name: str, resource: dict) -> Iterator[None]:
    if type_name == "azurerm_federated_identity_credential":
        with azure_rules.exclusive_credential_write(credential_identity(resource)):
            yield
    else:
        with nullcontext():
            yield
