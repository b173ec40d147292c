"""Terraform values on the wire: cty's msgpack encoding, decoded and encoded by type.

Values are plain Python (``None``, str, int/float, bool, list, dict); an unknown value is
``UNKNOWN``; a value of a ``dynamic`` attribute is a ``Dynamic`` that keeps its concrete type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import msgpack


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Dynamic:
    """A value of type ``dynamic``: its concrete cty type travels with it."""

    type: Any
    value: Any


def _ext_hook(code: int, data: bytes) -> Any:
    # 0: unknown; 12: unknown with refinements (Terraform >= 1.6). Neither is ever read further.
    return UNKNOWN if code in (0, 12) else msgpack.ExtType(code, data)


def unpack(raw: bytes) -> Any:
    return msgpack.unpackb(raw, ext_hook=_ext_hook, raw=False, strict_map_key=False)


def decode(type_: Any, value: Any) -> Any:
    """Wire form (after ``unpack``) to Python, given the cty type."""
    if value is None or value is UNKNOWN:
        return value
    if type_ == "dynamic":
        concrete = json.loads(value[0])
        return Dynamic(concrete, decode(concrete, value[1]))
    if isinstance(type_, list):
        kind = type_[0]
        if kind in ("list", "set"):
            return [decode(type_[1], v) for v in value]
        if kind == "map":
            return {k: decode(type_[1], v) for k, v in value.items()}
        if kind == "object":
            return {k: decode(type_[1][k], v) for k, v in value.items()}
        if kind == "tuple":
            return [decode(t, v) for t, v in zip(type_[1], value, strict=True)]
    if type_ == "number" and isinstance(value, str):
        return float(value) if "." in value or "e" in value.lower() else int(value)
    return value


def encode(type_: Any, value: Any) -> Any:
    """Python to wire form (before ``pack``), given the cty type."""
    if value is None:
        return None
    if value is UNKNOWN:
        return msgpack.ExtType(0, b"")
    if type_ == "dynamic":
        if not isinstance(value, Dynamic):
            value = Dynamic(infer_type(value), value)
        return [json.dumps(value.type).encode(), encode(value.type, value.value)]
    if isinstance(type_, list):
        kind = type_[0]
        if kind in ("list", "set"):
            return [encode(type_[1], v) for v in value]
        if kind == "map":
            return {k: encode(type_[1], v) for k, v in value.items()}
        if kind == "object":
            return {k: encode(t, value.get(k)) for k, t in type_[1].items()}
        if kind == "tuple":
            return [encode(t, v) for t, v in zip(type_[1], value, strict=True)]
    return value


def pack(type_: Any, value: Any) -> bytes:
    return msgpack.packb(encode(type_, value), use_bin_type=True)


def from_json(type_: Any, value: Any) -> Any:
    """A value as Terraform stores it in state (cty JSON) to Python."""
    if value is None:
        return None
    if type_ == "dynamic":
        return Dynamic(value["type"], from_json(value["type"], value["value"]))
    if isinstance(type_, list):
        kind = type_[0]
        if kind in ("list", "set"):
            return [from_json(type_[1], v) for v in value]
        if kind == "map":
            return {k: from_json(type_[1], v) for k, v in value.items()}
        if kind == "object":
            return {k: from_json(t, value.get(k)) for k, t in type_[1].items()}
        if kind == "tuple":
            return [from_json(t, v) for t, v in zip(type_[1], value, strict=True)]
    return value


def infer_type(value: Any) -> Any:
    """The cty type of a known Python value (for values the stand-in makes up itself)."""
    if isinstance(value, Dynamic):
        return value.type
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return ["tuple", [infer_type(v) for v in value]]
    if isinstance(value, dict):
        return ["object", {k: infer_type(v) for k, v in value.items()}]
    return "dynamic"


def plain(value: Any) -> Any:
    """The value with ``Dynamic`` wrappers removed, for reading fields."""
    if isinstance(value, Dynamic):
        return plain(value.value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def is_known(value: Any) -> bool:
    if value is UNKNOWN:
        return False
    if isinstance(value, Dynamic):
        return is_known(value.value)
    if isinstance(value, list):
        return all(is_known(v) for v in value)
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    return True
