"""Which identities each service account federates with, within Azure's 20 credentials per
identity.

Under pod identity a pod could use every identity bound to its ``aadpodidbinding`` label, with
no limit on how many pods did. Here each (identity, service account) pair is a federated
credential, and an identity takes at most 20. So each service account first gets every identity
its labels were bound to. Where that is more than an identity takes, the service accounts of the
labels bound to it are spread: each then gets one of the identities bound to its label (filling
them in their bindings' weight order), which under pod identity it could use just as well. A label
whose identities have no room for all its service accounts cannot move: its service accounts are
left out whole (never with only some of their identities), and the others are assigned again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from aks_workload_identity.invariants import MAX_FEDERATED_CREDENTIALS


@dataclass(frozen=True)
class Need:
    """``account`` needs one or all of ``identities`` (preferred first) because of ``group``: an
    ``aadpodidbinding`` label, or a store pinned to one identity."""

    account: str
    group: str
    identities: tuple[str, ...]


@dataclass(frozen=True)
class Shortfall:
    """A group whose identities have room for ``room`` of its ``accounts``."""

    accounts: tuple[str, ...]
    identities: tuple[str, ...]
    room: int


@dataclass(frozen=True)
class Assignment:
    # account -> its identities, preferred first
    identities: dict[str, tuple[str, ...]]
    # group -> identity -> the accounts that got it, for the groups whose accounts were spread
    spread: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    # group -> why its accounts were left out
    shortfalls: dict[str, Shortfall] = field(default_factory=dict)


def assign(needs: list[Need], limit: int = MAX_FEDERATED_CREDENTIALS) -> Assignment:
    shortfalls: dict[str, Shortfall] = {}
    left_out: set[str] = set()
    while True:
        active = [n for n in needs if n.account not in left_out]
        identities, spread, short = _attempt(active, limit)
        if not short:
            return Assignment(identities, spread, shortfalls)
        shortfalls.update(short)
        for shortfall in short.values():
            left_out.update(shortfall.accounts)


def _attempt(
    needs: list[Need], limit: int
) -> tuple[dict[str, tuple[str, ...]], dict[str, dict[str, tuple[str, ...]]], dict[str, Shortfall]]:
    every = _ordered_union(needs, lambda need: need.identities)
    load = Counter(i for ids in every.values() for i in ids)
    crowded = {i for i, n in load.items() if n > limit}
    if not crowded:
        return every, {}, {}
    spread_groups = {n.group for n in needs if crowded & set(n.identities)}
    chosen: dict[str, list[str]] = {n.account: [] for n in needs}
    for need in needs:
        if need.group not in spread_groups:
            _add(chosen[need.account], need.identities)
    load = Counter(i for ids in chosen.values() for i in ids)
    spread: dict[str, dict[str, tuple[str, ...]]] = {}
    shortfalls: dict[str, Shortfall] = {}
    # Groups with the fewest identities to choose from go first: the others can go elsewhere.
    by_choice = sorted(spread_groups, key=lambda g: (len(_identities_of(needs, g)), g))
    for group in by_choice:
        members = sorted((n for n in needs if n.group == group), key=lambda n: n.account)
        picked: dict[str, list[str]] = {}
        for need in members:
            if any(i in chosen[need.account] for i in need.identities):
                continue  # another label already gave it one of these
            room = [i for i in need.identities if load[i] < limit]
            if not room:
                break
            picked.setdefault(room[0], []).append(need.account)
            chosen[need.account].append(room[0])
            load[room[0]] += 1
        else:
            spread[group] = {i: tuple(a) for i, a in picked.items()}
            continue
        for identity, accounts in picked.items():  # undo the group's picks
            for account in accounts:
                chosen[account].remove(identity)
                load[identity] -= 1
        identities = _identities_of(needs, group)
        shortfalls[group] = Shortfall(
            accounts=tuple(sorted({n.account for n in members})),
            identities=identities,
            room=sum(max(limit - load[i], 0) for i in identities),
        )
    return {a: tuple(ids) for a, ids in chosen.items()}, spread, shortfalls


def _identities_of(needs: list[Need], group: str) -> tuple[str, ...]:
    found: list[str] = []
    for need in needs:
        if need.group == group:
            _add(found, need.identities)
    return tuple(found)


def _ordered_union(needs: list[Need], pick) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for need in needs:
        _add(found.setdefault(need.account, []), pick(need))
    return {a: tuple(ids) for a, ids in found.items()}


def _add(into: list[str], identities: tuple[str, ...]) -> None:
    into.extend(i for i in identities if i not in into)
