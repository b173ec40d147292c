"""Azure's 20 federated credentials per identity: how the migration assigns identities to service
accounts when a label's bindings would need more."""

from __future__ import annotations

from collections import Counter

from aks_workload_identity.pod_identity.spreading import Need, assign


def _needs(label: str, count: int, identities: tuple[str, ...], prefix: str = "") -> list[Need]:
    return [Need(f"{prefix or label}-{n:02d}", label, identities) for n in range(count)]


def _load(identities: dict[str, tuple[str, ...]]) -> Counter:
    return Counter(i for ids in identities.values() for i in ids)


def test_within_the_limit_every_account_gets_every_identity_of_its_labels() -> None:
    needs = [*_needs("web", 10, ("umi-a", "umi-b")), Need("web-00", "jobs", ("umi-c",))]
    result = assign(needs)
    assert result.identities["web-00"] == ("umi-a", "umi-b", "umi-c")
    assert result.identities["web-09"] == ("umi-a", "umi-b")
    assert result.spread == {}
    assert result.shortfalls == {}


def test_a_crowded_label_is_spread_over_its_identities_in_preference_order() -> None:
    result = assign(_needs("batch", 25, ("umi-a", "umi-b")))
    assert _load(result.identities) == {"umi-a": 20, "umi-b": 5}
    assert all(len(ids) == 1 for ids in result.identities.values())
    assert [len(a) for a in result.spread["batch"].values()] == [20, 5]


def test_a_label_with_one_identity_claims_it_before_labels_that_can_go_elsewhere() -> None:
    only_a = _needs("reports", 15, ("umi-a",))
    either = _needs("batch", 10, ("umi-a", "umi-b"))
    result = assign(either + only_a)
    assert _load(result.identities) == {"umi-a": 20, "umi-b": 5}
    assert {result.identities[n.account] for n in only_a} == {("umi-a",)}
    assert result.shortfalls == {}


def test_a_label_without_room_is_left_out_whole_and_the_rest_assigned_again() -> None:
    too_many = _needs("batch", 25, ("umi-a",))
    fits = _needs("web", 10, ("umi-a",))
    result = assign(too_many + fits)
    (shortfall,) = result.shortfalls.values()
    assert result.shortfalls.keys() == {"batch"}
    assert shortfall.identities == ("umi-a",)
    assert len(shortfall.accounts) == 25
    # Once batch is out, web fits: its accounts keep their identity.
    assert sorted(result.identities) == sorted(n.account for n in fits)
    assert _load(result.identities) == {"umi-a": 10}


def test_an_account_left_out_loses_all_its_labels_not_some() -> None:
    too_many = _needs("batch", 21, ("umi-a",))
    # batch-00 also carries a label that would fit on its own.
    result = assign([*too_many, Need("batch-00", "metrics", ("umi-m",))])
    assert "batch-00" not in result.identities
    assert result.identities == {}
