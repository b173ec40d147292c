"""Asking the Key Vault, through az with the user's login."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

from aks_workload_identity.verify.runner import Runner


class VaultError(Exception):
    """az could not read or write the vault: its message."""


@dataclass(frozen=True)
class VaultSecret:
    name: str
    value: str
    content_type: str | None


@dataclass(frozen=True)
class ListedSecret:
    name: str
    enabled: bool
    tags: dict[str, str]


class Vault:
    def __init__(self, runner: Runner, name: str) -> None:
        self.runner = runner
        self.name = name

    def _az(self, *args: str) -> object:
        outcome = self.runner.run(["az", "keyvault", "secret", *args, "--vault-name", self.name])
        if not outcome.ok:
            raise VaultError(outcome.error)
        return outcome.json() if outcome.stdout.strip() else None

    def show(self, secret: str) -> VaultSecret:
        found = self._az("show", "--name", secret, "--output", "json")
        assert isinstance(found, dict)
        return VaultSecret(secret, found.get("value") or "", found.get("contentType"))

    def list(self) -> tuple[ListedSecret, ...]:
        found = self._az("list", "--output", "json")
        assert isinstance(found, list)
        return tuple(
            ListedSecret(
                s["name"],
                (s.get("attributes") or {}).get("enabled", True),
                dict(s.get("tags") or {}),
            )
            for s in found
        )

    def set(self, secret: str, value: str, content_type: str | None) -> None:
        """A new version holding ``value``, passed in a private file rather than on the command
        line, where any local user could read it; az reads that file as text, which turns
        ``\\r\\n`` into ``\\n``, so a value with a carriage return goes on the command line."""
        typed = ("--content-type", content_type) if content_type else ()
        with tempfile.TemporaryDirectory() as private:
            if "\r" in value:
                source: tuple[str, ...] = ("--value", value)
            else:
                path = os.path.join(private, "value")
                with open(
                    os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w", encoding="utf-8"
                ) as file:
                    file.write(value)
                source = ("--file", path, "--encoding", "utf-8")
            self._az("set", "--name", secret, *source, *typed, "--output", "none")
