"""A stand-in Terraform provider: serves a real provider's schema and plans, applies, reads and
deletes generically, with computed values from ``facts`` and the rules of ``world``.

Run by Terraform as ``python -m rehearsal.standin <schema.json>``; the schema file (written by
``mirror``) holds the provider's resource and data-source schemas and its configuration schema.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from rehearsal import cty, facts, protocol, rules, world
from rehearsal.schema import Block, parse_block, to_message

_EMPTY_OBJECT = ["object", {}]


def _known_default(type_: Any) -> Any:
    if type_ == "string":
        return ""
    if type_ == "number":
        return 0
    if type_ == "bool":
        return False
    if type_ == "dynamic":
        return cty.Dynamic("string", "")
    kind = type_[0]
    if kind in ("list", "set", "tuple"):
        return []
    if kind == "map":
        return {}
    return {name: _known_default(t) for name, t in type_[1].items()}


def _fill(type_: Any, value: Any, made_up: Any = None) -> Any:
    """``value`` with every unknown part replaced: by ``made_up`` where it has one."""
    if value is cty.UNKNOWN:
        return made_up if made_up is not None else _known_default(type_)
    if value is None or type_ in ("string", "number", "bool", "dynamic"):
        return value
    kind = type_[0]
    if kind in ("list", "set"):
        return [_fill(type_[1], v) for v in value]
    if kind == "map":
        return {k: _fill(type_[1], v) for k, v in value.items()}
    if kind == "object":
        made_up = made_up if isinstance(made_up, dict) else {}
        return {k: _fill(t, value.get(k), made_up.get(k)) for k, t in type_[1].items()}
    return value


def _plan_block(block: Block, value: dict | None, creating: bool) -> dict | None:
    """Mark what the provider will compute as unknown; drop write-only values."""
    if value is None or value is cty.UNKNOWN:
        return value
    planned = dict(value)
    for name, attribute in block.attributes.items():
        current = planned.get(name)
        if attribute.write_only:
            planned[name] = None
        elif attribute.computed and current is None and creating:
            planned[name] = cty.UNKNOWN
        elif attribute.nested is not None and current not in (None, cty.UNKNOWN):
            planned[name] = _map_elements(
                attribute.nesting,
                current,
                lambda v, inner=attribute.nested: _plan_block(inner, v, creating),
            )
    for name, (nesting, inner) in block.blocks.items():
        current = planned.get(name)
        if current not in (None, cty.UNKNOWN):
            planned[name] = _map_elements(
                nesting, current, lambda v, inner=inner: _plan_block(inner, v, creating)
            )
    return planned


def _map_elements(nesting: str, value: Any, change: Any) -> Any:
    if nesting in ("single", "group"):
        return change(value)
    if nesting == "map":
        return {k: change(v) for k, v in value.items()}
    return [change(v) for v in value]


class StandIn:
    """Answers Terraform's provider RPCs for one provider."""

    def __init__(self, schema_file: Path, *, world_from_env: bool = True) -> None:
        spec = json.loads(schema_file.read_text())
        self.spec = spec
        self.resources = {t: parse_block(s["block"]) for t, s in spec["resource_schemas"].items()}
        self.data_sources = {
            t: parse_block(s["block"]) for t, s in spec["data_source_schemas"].items()
        }
        self.provider_block = parse_block(spec["provider"]["block"])
        self.config: dict = {}
        if world_from_env:
            self.reset()

    def reset(self) -> None:
        """Attach to the world named by the environment (a forked provider gets its own)."""
        self.config = {}
        self.world = world.World(Path(os.environ["REHEARSAL_WORLD"]))

    # -- schema and configuration ---------------------------------------------------------

    def GetMetadata(self, _request: Any) -> Any:  # noqa: N802 - RPC names
        return protocol.message("GetMetadata.Response")()

    def GetProviderSchema(self, _request: Any) -> Any:  # noqa: N802
        response = protocol.message("GetProviderSchema.Response")(
            provider=to_message(self.spec["provider"])
        )
        # Terraform may then reuse the schema it read once, instead of starting us to ask again.
        response.server_capabilities.get_provider_schema_optional = True
        for name, raw in self.spec["resource_schemas"].items():
            response.resource_schemas[name].CopyFrom(to_message(raw))
        for name, raw in self.spec["data_source_schemas"].items():
            response.data_source_schemas[name].CopyFrom(to_message(raw))
        return response

    def ValidateProviderConfig(self, _request: Any) -> Any:  # noqa: N802
        return protocol.message("ValidateProviderConfig.Response")()

    def ValidateResourceConfig(self, _request: Any) -> Any:  # noqa: N802
        return protocol.message("ValidateResourceConfig.Response")()

    def ValidateDataResourceConfig(self, _request: Any) -> Any:  # noqa: N802
        return protocol.message("ValidateDataResourceConfig.Response")()

    def ConfigureProvider(self, request: Any) -> Any:  # noqa: N802
        response = protocol.message("ConfigureProvider.Response")()
        type_ = self.provider_block.type
        self.config = cty.plain(cty.decode(type_, cty.unpack(request.config.msgpack))) or {}
        return response

    # -- managed resources ----------------------------------------------------------------

    def UpgradeResourceState(self, request: Any) -> Any:  # noqa: N802
        type_ = self.resources[request.type_name].type
        value = cty.from_json(type_, json.loads(request.raw_state.json))
        response = protocol.message("UpgradeResourceState.Response")()
        response.upgraded_state.msgpack = cty.pack(type_, value)
        return response

    def ReadResource(self, request: Any) -> Any:  # noqa: N802
        response = protocol.message("ReadResource.Response")()
        response.new_state.CopyFrom(request.current_state)
        response.private = request.private
        return response

    def PlanResourceChange(self, request: Any) -> Any:  # noqa: N802
        block = self.resources[request.type_name]
        type_ = block.type
        prior, proposed = (
            cty.decode(type_, cty.unpack(v.msgpack))
            for v in (request.prior_state, request.proposed_new_state)
        )
        response = protocol.message("PlanResourceChange.Response")()
        planned = _plan_block(block, proposed, creating=prior is None)
        if prior is not None and planned is not None:
            for path in facts.FORCE_NEW.get(request.type_name, ()):
                before = facts.at_path(cty.plain(prior), path)
                after = facts.at_path(cty.plain(planned), path)
                if before != after:
                    steps = response.requires_replace.add()
                    for step in path.split(".")[:1]:
                        steps.steps.add(attribute_name=step)
        try:
            rules.check_plan(self.world, request.type_name, cty.plain(planned), self.config)
        except world.Refusal as refusal:
            response.diagnostics.append(protocol.error(refusal.summary, refusal.detail))
        response.planned_state.msgpack = cty.pack(type_, planned)
        response.planned_private = request.prior_private
        return response

    def ApplyResourceChange(self, request: Any) -> Any:  # noqa: N802
        block = self.resources[request.type_name]
        type_ = block.type
        prior, planned = (
            cty.decode(type_, cty.unpack(v.msgpack))
            for v in (request.prior_state, request.planned_state)
        )
        response = protocol.message("ApplyResourceChange.Response")()
        new = None
        if planned is not None:
            known = {k: v for k, v in cty.plain(planned).items() if v is not cty.UNKNOWN}
            made_up = facts.COMPUTED.get(request.type_name, lambda _c: {})(known)
            new = _fill(type_, planned, made_up)
        try:
            rules.apply(
                self.world, request.type_name, cty.plain(prior), cty.plain(new), self.config
            )
        except world.Refusal as refusal:
            response.diagnostics.append(protocol.error(refusal.summary, refusal.detail))
            new = prior  # nothing changed
        response.new_state.msgpack = cty.pack(type_, new)
        response.private = request.planned_private
        return response

    def ImportResourceState(self, request: Any) -> Any:  # noqa: N802
        response = protocol.message("ImportResourceState.Response")()
        response.diagnostics.append(
            protocol.error(f"the stand-in cannot import {request.type_name}")
        )
        return response

    # -- data sources ---------------------------------------------------------------------

    def ReadDataSource(self, request: Any) -> Any:  # noqa: N802
        block = self.data_sources[request.type_name]
        type_ = block.type
        config = cty.decode(type_, cty.unpack(request.config.msgpack))
        response = protocol.message("ReadDataSource.Response")()
        try:
            made_up = rules.read(self.world, request.type_name, cty.plain(config))
        except world.Refusal as refusal:
            response.diagnostics.append(protocol.error(refusal.summary, refusal.detail))
            return response
        state = {
            name: made_up.get(name, _known_default(a.type))
            if a.computed and config.get(name) is None
            else config.get(name)
            for name, a in block.attributes.items()
        }
        for name in block.blocks:
            state[name] = config.get(name)
        response.state.msgpack = cty.pack(type_, state)
        return response

    def StopProvider(self, _request: Any) -> Any:  # noqa: N802
        return protocol.message("StopProvider.Response")()


def main() -> None:
    schema_file = Path(sys.argv[1])
    protocol.serve(StandIn(schema_file), Path(sys.argv[2]))


if __name__ == "__main__":
    main()
