"""YAML text to Kubernetes objects, each with the file and line it came from.

``kubectl get ... -o yaml`` prints one ``List``; several files, ``---``-separated documents and
single objects are read the same way (JSON is YAML too, so ``-o json`` works). Anything that is
not YAML, or not an object, becomes one problem line naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

# libyaml's parser when installed: a cluster's dump of every pod can be tens of megabytes.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class SourceObject:
    """One Kubernetes object as read: its fields and where it was written."""

    source: str
    line: int
    body: dict[str, Any]

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


def read_objects(text: str, source: str) -> tuple[list[SourceObject], list[str]]:
    """Every object in ``text``, ``List`` items in place of their list; and the problems."""
    objects: list[SourceObject] = []
    problems: list[str] = []
    loader = _LOADER(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            _add_document(source, node, loader.construct_document(node), objects, problems)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = getattr(error, "problem", None) or str(error)
        problems.append(f"{where}: not YAML: {problem}")
    finally:
        loader.dispose()
    return objects, problems


def _add_document(
    source: str,
    node: yaml.Node,
    document: Any,
    objects: list[SourceObject],
    problems: list[str],
) -> None:
    line = node.start_mark.line + 1
    if document is None:  # an empty document, e.g. after a trailing "---"
        return
    if not isinstance(document, dict):
        problems.append(
            f"{source}:{line}: not a Kubernetes object: expected a mapping with apiVersion and "
            f"kind, got {_kind_of(document)}"
        )
        return
    kind = document.get("kind")
    if not (isinstance(kind, str) and kind.endswith("List") and "items" in document):
        objects.append(SourceObject(source, line, document))
        return
    items = document["items"]
    if items is None:  # "items: null": kubectl prints that for an empty list
        return
    if not isinstance(items, list):
        problems.append(f"{source}:{line}: {kind}.items must be a list, got {_kind_of(items)}")
        return
    item_nodes = _value_node(node, "items")
    for index, item in enumerate(items):
        item_line = item_nodes[index].start_mark.line + 1 if item_nodes else line
        if isinstance(item, dict):
            objects.append(SourceObject(source, item_line, item))
        else:
            problems.append(
                f"{source}:{item_line}: {kind}.items[{index}] is not a Kubernetes object: "
                f"got {_kind_of(item)}"
            )


def _value_node(mapping: yaml.Node, key: str) -> list[yaml.Node]:
    """The child nodes of ``mapping[key]`` (for their line numbers), or none."""
    if not isinstance(mapping, yaml.MappingNode):
        return []
    for key_node, value_node in mapping.value:
        if key_node.value == key and isinstance(value_node, yaml.SequenceNode):
            return list(value_node.value)
    return []


def _kind_of(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"{type(value).__name__} {value!r}"[:80]
