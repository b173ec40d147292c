"""What the CDK's HCL synthesis (``synth --hcl``, ``make hcl``) writes wrong, and how the stacks
avoid it. Each function changes nothing in the JSON synthesis.

The HCL renderer (cdktf 0.21 and cdktn 0.24 alike) writes ``terraform.required_version`` as
``0 = "required_version"``, fails on a variable whose default is null,
drops a default of ``false`` or ``0`` (the variable becomes required), writes lifecycle
postconditions as an attribute, writes a list inside a manifest as an object, adds a newline to
a multi-line string, leaves quotes unescaped in a line with a reference and leaves out
``removed`` blocks. ``tests/test_hcl.py``
deploys the JSON and plans the HCL against the same state: no change.
"""

from __future__ import annotations

from typing import Any

from aks_workload_identity.cdk import App, Token


def hcl_output(scope: object) -> bool:
    """True while the app synthesizes HCL (``SYNTH_HCL_OUTPUT=true``, set by ``synth --hcl``)."""
    return bool(App.of(scope).hcl_output)


def variable_default(scope: object, value: Any) -> tuple[Any, Any]:
    """(the ``default`` to declare, the default to add as an override, or ``None``).

    ``value`` ``None`` is a null default. The renderer fails on a null default ("Cannot convert
    undefined or null to object") and drops ``false`` or ``0``; added as an override, each is
    written as it is.
    """
    default = Token.null_value() if value is None else value
    if hcl_output(scope) and (value is None or value is False or value == 0):
        return None, default
    return default, None


def write_postconditions_as_blocks(element: Any, postconditions: list[Any]) -> None:
    """Have ``element``'s lifecycle postconditions written as blocks.

    The renderer writes ``lifecycle { postcondition = [{...}] }``, which Terraform rejects ("Did
    you mean to define a block of type postcondition?"). An override in the renderer's own form
    (a value marked as a list of blocks) comes out as ``postcondition { ... }``.
    """
    write_conditions_as_blocks(element, "postcondition", postconditions)


def write_conditions_as_blocks(
    element: Any, kind: str, conditions: list[Any], **lifecycle: Any
) -> None:
    """The same for ``kind`` (``precondition`` or ``postcondition``) blocks; ``lifecycle`` holds
    the lifecycle's other arguments (the override replaces the whole block)."""
    if not hcl_output(element) or not conditions:
        return
    blocks = [{"condition": c.condition, "error_message": c.error_message} for c in conditions]
    block_list = {"isBlock": True, "type": "list", "value": blocks}
    element.add_override("lifecycle", {"isBlock": True, "value": {kind: block_list, **lifecycle}})


def multiline_string(scope: object, text: str) -> str:
    r"""``text`` as the renderer needs it to write ``text``.

    It writes a string of several lines as a heredoc, with one newline more than the string has.
    It writes a single line in quotes, as it is: a newline at its end is then lost, and in a line
    with a reference (``${...}``) it escapes no quote. So a single line comes with HCL's escapes
    already in it (``\\``, ``\"``, ``\n``), which it leaves alone.
    """
    if not hcl_output(scope) or not text.endswith("\n"):
        return text
    body = text[:-1]
    if "\n" in body:
        return body
    return body.replace("\\", "\\\\").replace('"', '\\"') + "\\n"


def write_as_any(element: Any, attribute: str) -> None:
    """Have ``element``'s ``attribute`` (a ``kubernetes_manifest``'s ``manifest``) written as the
    value it is: the renderer writes a list nested in a map as an object keyed "0", "1", ...,
    unless the attribute's type in its own form is overridden to ``any``."""
    if hcl_output(element):
        element.add_override(attribute, {"type": "any"})


def write_removed_blocks(app: Any, stacks: Any) -> None:
    """Beside each stack's ``cdk.tf`` that has ``removed`` blocks (a stack override, which the
    renderer leaves out), a ``removed.tf`` with them."""
    if not app.hcl_output:
        return
    from pathlib import Path

    for stack in stacks:
        blocks = stack.to_terraform().get("removed") or []
        if not blocks:
            continue
        text = "".join(
            f"removed {{\n  from = {block['from']}\n  lifecycle {{\n"
            f"    destroy = {str(block['lifecycle']['destroy']).lower()}\n  }}\n}}\n"
            for block in blocks
        )
        (Path(app.outdir) / "stacks" / stack.node.id / "removed.tf").write_text(text)


def write_required_version(app: Any, stacks: Any, version: str) -> None:
    """Beside each stack's ``cdk.tf``, a ``versions.tf`` with ``required_version``: Terraform
    merges a module's ``terraform`` blocks, and the renderer cannot write that argument."""
    if not app.hcl_output:
        return
    from pathlib import Path

    for stack in stacks:
        directory = Path(app.outdir) / "stacks" / stack.node.id
        (directory / "versions.tf").write_text(
            f'terraform {{\n  required_version = "{version}"\n}}\n'
        )
