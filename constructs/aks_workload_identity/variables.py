"""Terraform variables for every configuration key, declared in every stack.

cdktf passes each ``*.auto.tfvars`` in the project to terraform for every stack; an undeclared
key would print "Value for undeclared variable" warnings. Each variable defaults to the value the
stack was synthesized with, except a list or map of objects (``external_secrets``, ``identities``,
…), which defaults to null. Its validation blocks apply the key's rules from ``rules.py`` (found in
the ``Settings`` field's metadata, so a new field gets them too) with the same message as synth,
then fail the plan when a tfvars file passed to terraform holds a different value: the
synthesized stacks would silently ignore it.
"""

from __future__ import annotations

import json
import re
import types
import typing
from typing import Any

from aks_workload_identity import rules
from aks_workload_identity.cdk import (
    TerraformStack,
    TerraformVariable,
    TerraformVariableValidationConfig,
)
from aks_workload_identity.checks import hcl_string
from aks_workload_identity.config import Config
from aks_workload_identity.hcl_output import variable_default
from aks_workload_identity.literals import literal
from aks_workload_identity.settings import Settings
from aks_workload_identity.settings_fields import RuleValidator

_SCALARS = {str: "string", bool: "bool", int: "number"}
# Keys declared only when the file sets them, so that the stacks of the configurations written
# before them stay byte-identical (their deployments plan no change). A file that sets one later
# changes the stack names anyway (clusters: cluster-<key>), so it is synthesized again.
DECLARED_WHEN_SET = frozenset({"clusters"})


def terraform_type(annotation: Any) -> str:
    """The Terraform type for a settings field's Python annotation."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return terraform_type(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return terraform_type(inner[0]) if len(inner) == 1 else "any"
    if origin in (list, dict):
        element = terraform_type(typing.get_args(annotation)[-1])
        if element == "any":
            return "any"  # a collection of objects: let terraform infer the structure
        return f"{'list' if origin is list else 'map'}({element})"
    return _SCALARS.get(annotation, "any")


def rule_validations(
    expression: str, annotation: Any, metadata: tuple[Any, ...] = ()
) -> list[tuple[rules.Check, str]]:
    """Each rule on a field's value or its list/map elements, with its Terraform condition.

    Objects (nested settings) are left to synth: Terraform sees them as ``any``; so are the
    checks with no Terraform condition (``rules.SynthOnlyCheck``).
    """
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *more = typing.get_args(annotation)
        return rule_validations(expression, inner, (*metadata, *more))
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(inner) != 1:
            return []
        found = rule_validations(expression, inner[0], metadata)
        if len(inner) == len(typing.get_args(annotation)):
            return found
        # null = unset; Terraform < 1.12 does not short-circuit ||, so a conditional guards it.
        return [(check, f"{expression} == null ? true : ({cond})") for check, cond in found]
    if origin in (list, dict):
        depth = re.fullmatch(r"v(\d+)", expression)
        element = f"v{int(depth[1]) + 1}" if depth else "v0"  # distinct names when nested
        each = expression if origin is list else f"values({expression})"
        found = [
            (check, f"alltrue([for {element} in {each} : {condition}])")
            for check, condition in rule_validations(element, typing.get_args(annotation)[-1])
        ]
        if origin is dict:  # and the rules on its keys
            found[:0] = [
                (check, f"alltrue([for {element} in keys({expression}) : {condition}])")
                for check, condition in rule_validations(element, typing.get_args(annotation)[0])
            ]
        return found
    checks = [m.rule for m in metadata if isinstance(m, RuleValidator)]
    if origin is typing.Literal and all(isinstance(c, str) for c in typing.get_args(annotation)):
        checks.append(rules.OneOf("", typing.get_args(annotation)))
    # A check Terraform cannot say (condition None) is made at synth only.
    conditions = [(check, check.terraform_condition(expression)) for check in checks]
    return [(check, condition) for check, condition in conditions if condition is not None]


def terraform_jsonencode(value: Any) -> str:
    """What Terraform's ``jsonencode`` returns for ``value`` (Go's escaping included)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def declare_config_variables(stack: TerraformStack, config: Config) -> dict[str, TerraformVariable]:
    values = config.variable_values
    source = literal(config.source.name)  # an error_message is a template
    declared = {}
    for key, field in Settings.model_fields.items():
        value = values[key]
        if value is None and key in DECLARED_WHEN_SET:
            continue
        variable_type = terraform_type(field.annotation)
        same_as_synthesized = f"jsonencode(var.{key}) == {hcl_string(terraform_jsonencode(value))}"
        # A list or map of objects grows with the configuration (100 ExternalSecrets: ~14 KB). As
        # the default too, it would be in every stack twice and cost ~1 ms of synth per
        # ExternalSecret; the staleness check holds it already, and lets null (unset) through.
        checked_only = variable_type == "any" and value is not None
        null_default = value is None or checked_only
        default, default_override = variable_default(stack, None if null_default else value)
        declared[key] = TerraformVariable(
            stack,
            key,
            type=variable_type,
            # An unset optional key is declared too (default null): setting it later in a tfvars
            # file then fails the plan as stale instead of warning "undeclared variable".
            default=default,
            description=(
                f"Configuration key {key}; the synthesized value is in its last validation."
                if checked_only
                else f"Configuration key {key}; defaults to the synthesized value."
            ),
            validation=[
                *(
                    TerraformVariableValidationConfig(
                        condition=f"${{{condition}}}", error_message=check.terraform_message
                    )
                    for check, condition in rule_validations(
                        f"var.{key}", field.annotation, tuple(field.metadata)
                    )
                ),
                TerraformVariableValidationConfig(
                    # Terraform < 1.12 does not short-circuit ||, so a conditional guards null.
                    condition=(
                        f"${{var.{key} == null ? true : {same_as_synthesized}}}"
                        if checked_only
                        else f"${{{same_as_synthesized}}}"
                    ),
                    error_message=(
                        f"This stack was synthesized from {source} with a different {key}. "
                        "Run make synth (or cdktf synth) after editing the configuration."
                    ),
                ),
            ],
        )
        if default_override is not None:
            declared[key].add_override("default", default_override)
    return declared
