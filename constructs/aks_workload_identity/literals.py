"""The user's text as Terraform reads it: literally.

Every string in a synthesized ``cdk.tf.json`` (a resource's argument, a tag, a Helm values
document, a manifest, an error message) is a Terraform template: ``${...}`` in it would be
evaluated and ``%{...}`` run as a directive. A value from the configuration file is text, so it
goes in with both escaped (``$${``, ``%%{``), once: ``config.config_from_settings`` does it to
every string of the ``Config`` the stacks build. Construct Props take templates (a library user
may pass ``${var.x}`` on purpose), so the constructs never escape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass, replace
from typing import Any, TypeVar

T = TypeVar("T")
TEMPLATE_SEQUENCES = (("${", "$${"), ("%{", "%%{"))


def literal(text: str) -> str:
    """``text`` as a Terraform template that evaluates to ``text``."""
    for sequence, escaped in TEMPLATE_SEQUENCES:
        text = text.replace(sequence, escaped)
    return text


def literal_strings(value: T) -> T:
    """``value`` with every string in it ``literal``: in tuples, lists, mappings (keys too) and
    dataclasses, recursively."""
    found: Any = value
    if isinstance(found, str):
        return literal(found)  # type: ignore[return-value]
    if isinstance(found, tuple | list):
        return type(found)(literal_strings(v) for v in found)
    if isinstance(found, Mapping):
        return {literal_strings(k): literal_strings(v) for k, v in found.items()}  # type: ignore[return-value]
    if is_dataclass(found) and not isinstance(found, type):
        return replace(
            found,
            **{f.name: literal_strings(getattr(found, f.name)) for f in fields(found) if f.init},
        )
    return value
