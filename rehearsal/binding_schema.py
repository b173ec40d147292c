"""Schemas derived from provider bindings: a provider configuration block from a jsii struct
(``struct_schema``), and a provider's schema for a version that ``schemas/`` does not hold
(``adapt``).

``schemas/`` has the real schemas of the cdktf flavour's provider versions only (azurerm 4.55.0,
kubernetes 2.38.0, ...). For another version (the cdktn flavour's azurerm 5.10.0, kubernetes
3.4.0, ...) each resource and data source keeps the real schema of the held version, adapted to
what that version's binding (``<Type>Config``, a jsii struct) says about its arguments:

- an argument the binding no longer has is removed (azurerm 5: a federated credential's
  ``parent_id`` and ``resource_group_name``), or, if the provider also computes it, kept as
  computed only (kubernetes 3: ``kubernetes_namespace_v1``'s ``id``);
- an argument the binding adds is added (azurerm 5: ``user_assigned_identity_id``), typed from
  its type hint, never computed;
- an argument is required when the struct field has no default (azurerm 5: the vault's
  ``rbac_authorization_enabled``).

What this cannot know, and so does not check: attributes that only the new version computes,
changed types of existing arguments, which new arguments force a replacement, and the provider's
own validation. ``adapt`` returns every change it made; the cdktf versions get none (but an
unused data source's two arguments that the held helm 3.0.2 schema lacks).
"""

from __future__ import annotations

import collections.abc
import importlib
import inspect
import typing
from typing import Any

# The CDK core packages: their jsii types (IResolvable, ...) are not provider structs.
CORE_PACKAGES = ("cdktf", "cdktn")
# Arguments every resource's Config struct has, that are Terraform meta-arguments.
_META_ARGUMENTS = frozenset(
    ("connection", "count", "depends_on", "for_each", "lifecycle", "provider", "provisioners")
)


def _cty_type(hint: Any) -> tuple[str, Any]:
    """('attribute', cty type) or ('block', (nesting, struct class)) for a binding's type hint."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) is typing.Union:
        structs = [
            a
            for a in args
            if isinstance(a, type)
            and hasattr(a, "__jsii_type__")
            and a.__module__.startswith(("cdktf_", "cdktn_"))
            and a.__module__.split(".")[0] not in CORE_PACKAGES
        ]
        sequences = [
            a
            for a in args
            if typing.get_origin(a) in (typing.Sequence, list, collections.abc.Sequence)
        ]
        if structs:
            return "block", ("single", structs[0])
        for sequence in sequences:
            inner = _cty_type(typing.get_args(sequence)[0])
            if inner[0] == "block":
                return "block", ("list", inner[1][1])
            return "attribute", ["list", inner[1]]
        return _cty_type(args[0]) if args else ("attribute", "string")
    origin = typing.get_origin(hint)
    if origin is not None and typing.get_args(hint):
        element = _cty_type(typing.get_args(hint)[-1])
        kind = "map" if "Mapping" in str(origin) or origin is dict else "list"
        if element[0] == "block":
            return "block", ("list", element[1][1])
        return "attribute", [kind, element[1]]
    if hint is bool:
        return "attribute", "bool"
    if hint in (int, float):
        return "attribute", "number"
    if (
        isinstance(hint, type)
        and hasattr(hint, "__jsii_type__")
        and hint.__module__.split(".")[0] not in CORE_PACKAGES
    ):
        return "block", ("single", hint)
    return "attribute", "string"


def struct_schema(struct: type) -> dict:
    """A configuration block for a jsii struct: every field optional, structs as blocks."""
    attributes: dict = {}
    blocks: dict = {}
    for name, hint in typing.get_type_hints(struct.__init__).items():
        if name in ("return", "alias"):
            continue
        kind, value = _cty_type(hint)
        if kind == "block":
            nesting, inner = value
            blocks[name] = {"nesting_mode": nesting, "block": struct_schema(inner)}
        else:
            attributes[name] = {"type": value, "optional": True, "description_kind": "plain"}
    return {"attributes": attributes, "block_types": blocks, "description_kind": "plain"}


def _config_struct(package: str, type_name: str, *, data: bool) -> type | None:
    """The binding's ``<Type>Config`` for ``azurerm_key_vault`` (or its data source), if any."""
    suffix = type_name.split("_", 1)[1]
    names = [f"data_{type_name}"] if data else [suffix, f"{suffix}_resource"]
    for name in names:
        try:
            module = importlib.import_module(f"{package}.{name}")
        except ImportError:
            continue
        class_name = "".join(part.capitalize() for part in name.split("_")) + "Config"
        found = getattr(module, class_name, None)
        if isinstance(found, type):
            return found
    return None


def _arguments(struct: type) -> dict[str, bool]:
    """The struct's arguments: name -> required (no default)."""
    parameters = inspect.signature(struct.__init__).parameters
    return {
        name: parameter.default is inspect.Parameter.empty
        for name, parameter in parameters.items()
        if name != "self" and name not in _META_ARGUMENTS
    }


def _adapt_block(block: dict, struct: type, where: str, changes: list[str]) -> None:
    arguments = _arguments(struct)
    attributes = block.setdefault("attributes", {})
    for name, attribute in list(attributes.items()):
        configurable = attribute.get("required") or attribute.get("optional")
        if not configurable:
            continue
        if name in arguments:
            if arguments[name] and not attribute.get("required"):
                # Terraform: a required attribute is never also computed.
                for flag in ("optional", "computed"):
                    attribute.pop(flag, None)
                attribute["required"] = True
                changes.append(f"{where}.{name}: required")
            continue
        if attribute.get("computed"):
            attribute.pop("required", None)
            attribute.pop("optional", None)
            changes.append(f"{where}.{name}: computed only")
        else:
            del attributes[name]
            changes.append(f"{where}.{name}: removed")
    new = {
        n: r
        for n, r in arguments.items()
        if n not in attributes and n not in block.get("block_types", {})
    }
    if not new:
        return
    derived = struct_schema(struct)
    for name, required in new.items():
        if name in derived["block_types"]:
            block.setdefault("block_types", {})[name] = derived["block_types"][name]
        else:
            attribute = dict(derived["attributes"][name])
            attribute.pop("optional")
            attribute["required" if required else "optional"] = True
            attributes[name] = attribute
        changes.append(f"{where}.{name}: added{' (required)' if required else ''}")


def adapt(spec: dict, package: str) -> list[str]:
    """Adapt ``spec`` (one provider's ``resource_schemas`` and ``data_source_schemas``) in place
    to the bindings in ``package``; the changes made."""
    changes: list[str] = []
    for key, data in (("resource_schemas", False), ("data_source_schemas", True)):
        for type_name, schema in spec.get(key, {}).items():
            struct = _config_struct(package, type_name, data=data)
            if struct is not None:
                where = f"{'data.' if data else ''}{type_name}"
                _adapt_block(schema["block"], struct, where, changes)
    return changes
