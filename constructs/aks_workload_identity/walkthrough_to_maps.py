"""A flat walkthrough configuration as its equivalent maps configuration, printed on stdout.

``python -m aks_workload_identity.walkthrough_to_maps [FILE]`` (``make walkthrough-to-maps``;
FILE defaults to the file ``make synth`` uses). Every key of FILE that is not a flat walkthrough
key is kept with its value; the flat keys become the entries ``walkthrough.mappings_of`` makes
of them, so the result builds the same resources at the same Terraform addresses
(docs/configuration.md "From the flat keys to the maps"). Comments are not carried over. The
result is checked with the config loader before it is printed; exit status 1 with one line per
problem otherwise.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from aks_workload_identity.checks import hcl_string
from aks_workload_identity.config import load_config, resolve_config_path
from aks_workload_identity.cross_checks import FLAT_KEYS_REPLACED_BY, SINGLE_EXTERNAL_SECRET_KEYS
from aks_workload_identity.problems import ConfigError
from aks_workload_identity.settings import Settings
from aks_workload_identity.tfvars import read_tfvars
from aks_workload_identity.walkthrough import mappings_of

MAPS = tuple(FLAT_KEYS_REPLACED_BY)
_BARE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_INDENT = "  "


class AlreadyMapsError(ValueError):
    """The file declares the maps already."""


def maps_configuration(path: Path) -> str:
    """The text of ``path``'s equivalent maps configuration (``ConfigError`` if ``path`` is not
    valid, ``AlreadyMapsError`` if it has the maps already)."""
    raw, problems = read_tfvars(path)
    if problems:
        raise ConfigError(problems)
    load_config(path)  # every problem of the file, as synth reports it
    settings = Settings.model_validate(raw, strict=True)
    if settings.identities is not None:
        raise AlreadyMapsError(f"{path}: declares {', '.join(MAPS)} already; nothing to convert")
    mappings = mappings_of(settings)
    replaced = {key for keys in FLAT_KEYS_REPLACED_BY.values() for key in keys}
    converted: dict[str, Any] = {}
    if settings.external_secrets is None:
        replaced |= set(SINGLE_EXTERNAL_SECRET_KEYS)
        converted["external_secrets"] = [_plain(e) for e in mappings.external_secrets]
    converted |= {
        "identities": {k: _plain(v) for k, v in mappings.identities.items()},
        "workloads": {k: _plain(v) for k, v in mappings.workloads.items()},
        "cluster_secret_stores": {k: _plain(v) for k, v in mappings.cluster_secret_stores.items()},
    }
    kept = [f"{key} = {_hcl(value, 0)}" for key, value in raw.items() if key not in replaced]
    header = [
        f"# {path.name} with the flat walkthrough keys as the maps (walkthrough_to_maps):",
        "# the same resources at the same Terraform addresses; comments are not carried over.",
    ]
    body = [f"{key} = {_hcl(value, 0)}" for key, value in converted.items()]
    return "\n".join([*header, *kept, "", *body]) + "\n"


def _plain(entry: BaseModel) -> dict[str, Any]:
    """What the entry says, without the keys left at their defaults."""
    return entry.model_dump(exclude_defaults=True)


def _hcl(value: Any, depth: int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, int | float | Decimal):
        return str(value)
    inner, outer = _INDENT * (depth + 1), _INDENT * depth
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + "".join(f"{inner}{_hcl(v, depth + 1)},\n" for v in value) + outer + "]"
    if not value:
        return "{}"
    lines = "".join(f"{inner}{_key(k)} = {_hcl(v, depth + 1)}\n" for k, v in value.items())
    return "{\n" + lines + outer + "}"


def _key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else hcl_string(name)


def _checked(text: str, name: str) -> str:
    """``text`` if the config loader accepts it as a file called ``name``."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_text(text)
        load_config(path)
    return text


def main(argv: Sequence[str], project_dir: Path) -> int:
    path = Path(argv[0]) if argv else resolve_config_path(os.environ, project_dir)[0]
    try:
        print(_checked(maps_configuration(path), path.name), end="")
    except ConfigError as error:
        error.report("nothing printed")
        return 1
    except AlreadyMapsError as error:
        print(f"azwi: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], Path.cwd()))
