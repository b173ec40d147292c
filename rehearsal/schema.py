"""Provider schemas: the JSON of ``terraform providers schema -json`` as protocol messages, and
the cty type each resource's state has."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rehearsal import protocol

_NESTING = {"single": 1, "list": 2, "set": 3, "map": 4, "group": 5}


@dataclass(frozen=True)
class Attribute:
    name: str
    type: Any
    required: bool
    optional: bool
    computed: bool
    write_only: bool
    nested: Block | None  # a nested attribute's object (its ``nesting`` says how many)
    nesting: str = "single"


@dataclass(frozen=True)
class Block:
    attributes: dict[str, Attribute]
    blocks: dict[str, tuple[str, Block]]  # name -> (nesting mode, block)

    @property
    def type(self) -> Any:
        fields = {name: a.type for name, a in self.attributes.items()}
        for name, (nesting, block) in self.blocks.items():
            fields[name] = _collection(nesting, block.type)
        return ["object", fields]


def _collection(nesting: str, element: Any) -> Any:
    if nesting in ("single", "group"):
        return element
    return [nesting, element]


def parse_block(raw: dict) -> Block:
    attributes = {}
    for name, a in raw.get("attributes", {}).items():
        nested = None
        nesting = "single"
        type_ = a.get("type")
        if "nested_type" in a:
            nesting = a["nested_type"].get("nesting_mode", "single")
            nested = parse_block({"attributes": a["nested_type"]["attributes"]})
            type_ = _collection(nesting, nested.type)
        attributes[name] = Attribute(
            name=name,
            type=type_,
            required=a.get("required", False),
            optional=a.get("optional", False),
            computed=a.get("computed", False),
            write_only=a.get("write_only", False),
            nested=nested,
            nesting=nesting,
        )
    blocks = {
        name: (b.get("nesting_mode", "list"), parse_block(b["block"]))
        for name, b in raw.get("block_types", {}).items()
    }
    return Block(attributes, blocks)


def to_message(raw: dict) -> Any:
    """``{"version": n, "block": {...}}`` as a ``tfplugin6.Schema``."""
    return protocol.Schema(version=raw.get("version", 0), block=_block_message(raw["block"]))


def _attribute_message(name: str, a: dict) -> Any:
    message = protocol.Schema.Attribute(
        name=name,
        required=a.get("required", False),
        optional=a.get("optional", False),
        computed=a.get("computed", False),
        sensitive=a.get("sensitive", False),
        deprecated=a.get("deprecated", False),
        write_only=a.get("write_only", False),
    )
    if "nested_type" in a:
        nested = a["nested_type"]
        message.nested_type.nesting = _NESTING[nested.get("nesting_mode", "single")]
        for inner, spec in sorted(nested["attributes"].items()):
            message.nested_type.attributes.append(_attribute_message(inner, spec))
    else:
        message.type = json.dumps(a["type"]).encode()
    return message


def _block_message(raw: dict) -> Any:
    block = protocol.Schema.Block(deprecated=raw.get("deprecated", False))
    for name, a in sorted(raw.get("attributes", {}).items()):
        block.attributes.append(_attribute_message(name, a))
    for name, b in sorted(raw.get("block_types", {}).items()):
        block.block_types.append(
            protocol.Schema.NestedBlock(
                type_name=name,
                block=_block_message(b["block"]),
                nesting=_NESTING[b.get("nesting_mode", "list")],
                min_items=b.get("min_items", 0),
                max_items=b.get("max_items", 0),
            )
        )
    return block
