"""What Azure refuses across several values: more tags than a resource holds, and names that
differ only in case where Azure compares them case-insensitively (tag names, managed identity
names in a resource group, federated credential names on an identity, Key Vault secret names).

Run by ``Settings`` after validation (``cross_checks.AFTER_VALIDATION``); each raises one line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from aks_workload_identity import rules
from aks_workload_identity.federation import credential_name

if TYPE_CHECKING:
    from aks_workload_identity.settings import Settings


def same_but_for_case(names: Iterable[str]) -> list[str]:
    """The names that another name equals but for case, in order, each spelling once."""
    spellings: dict[str, list[str]] = {}
    for name in names:
        found = spellings.setdefault(name.casefold(), [])
        if name not in found:
            found.append(name)
    return [name for group in spellings.values() if len(group) > 1 for name in group]


def _refuse(what: str, names: list[str], why: str) -> None:
    if names:
        listed = ", ".join(repr(n) for n in names)
        raise ValueError(f"{what} {listed} differ only in case; {why}: use one spelling")


def tags_fit_azure(settings: Settings) -> None:
    if len(settings.tags) > rules.MAX_AZURE_TAGS:
        raise ValueError(
            f"tags has {len(settings.tags)} entries: Azure allows at most "
            f"{rules.MAX_AZURE_TAGS} tags per resource"
        )
    _refuse("tags", same_but_for_case(settings.tags), "Azure tag names are case-insensitive")


def azure_names_differ_in_more_than_case(settings: Settings) -> None:
    identities = settings.identities or {}
    _refuse(
        "identities: names",
        same_but_for_case(i.name for i in identities.values() if i.name is not None),
        "managed identity names are case-insensitive within a resource group",
    )
    for key in identities:
        credentials = [
            credential_name(w.namespace, w.service_account, w.federated_credential_name)
            for w in (settings.workloads or {}).values()
            if key in (w.identity, *w.additional_identities)
        ]
        _refuse(
            f"identities.{key}: federated credential names",
            same_but_for_case(credentials),
            "Azure compares them case-insensitively",
        )
    _refuse(
        "secret names read from the vault",
        same_but_for_case(_secret_names_read(settings)),
        "Key Vault secret names are case-insensitive",
    )


def _secret_names_read(settings: Settings) -> list[str]:
    names = [settings.key_vault_secret_name]
    for entry in settings.external_secrets or ():
        names += [item.remote_key for item in entry.data]
        names += [d.extract.key for d in entry.data_from if d.extract is not None]
    return names
