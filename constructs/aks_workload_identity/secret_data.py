"""What an ExternalSecret copies from Key Vault: single secrets (``data``) and whole sets
(``dataFrom``: an extract or a find)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class DataItem:
    """One Key Vault secret (``remote_key``) copied into one key (``secret_key``) of the Secret."""

    secret_key: str
    remote_key: str


@dataclass(frozen=True)
class Extract:
    """``dataFrom.extract``: each field of the Key Vault secret ``key`` (a JSON object) becomes
    a key of the Secret."""

    key: str


@dataclass(frozen=True)
class Find:
    """``dataFrom.find``: every Key Vault secret whose name matches ``name_regexp`` (Go RE2) and
    whose tags include all of ``tags`` becomes a key of the Secret, named after the secret."""

    name_regexp: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


class ReadsSecrets(Protocol):
    """Anything that reads Key Vault secrets the way an ExternalSecret does."""

    @property
    def data(self) -> Sequence[DataItem]: ...

    @property
    def data_from(self) -> Sequence[Extract | Find]: ...
