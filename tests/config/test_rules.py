"""Property tests of the naming and format rules: valid values pass, invalid ones are rejected
with the rule's own text, and every suggested repair satisfies the rule it repairs.

The strategies describe each rule independently of its regular expression (first, middle and
last characters, lengths, a forbidden infix), so they test the pattern rather than restate it.
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aks_workload_identity import rules
from aks_workload_identity.config import load_config
from aks_workload_identity.problems import ConfigError

FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

LOWER_DIGITS = string.ascii_lowercase + string.digits
ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Shape:
    """What a rule's valid names look like, written out by hand."""

    rule: rules.Rule
    first: str
    middle: str
    last: str
    min_length: int
    max_length: int
    forbidden: str | None = None

    def __str__(self) -> str:
        return f"{self.rule.name} {self.min_length}-{self.max_length}"


LOWER_DASH = LOWER_DIGITS + "-"
SHAPES = [
    Shape(rules.DNS1123_LABEL, LOWER_DIGITS, LOWER_DIGITS + "-", LOWER_DIGITS, 1, 63),
    Shape(rules.DNS1123_SUBDOMAIN, LOWER_DIGITS, LOWER_DIGITS + "-.", LOWER_DIGITS, 1, 253),
    Shape(rules.KEY_VAULT_NAME, string.ascii_letters, ALNUM + "-", ALNUM, 3, 24, "--"),
    Shape(rules.KEY_VAULT_SECRET_NAME, ALNUM + "-", ALNUM + "-", ALNUM + "-", 1, 127),
    Shape(rules.FEDERATED_CREDENTIAL_NAME, ALNUM, ALNUM + "-_", ALNUM + "-_", 3, 120),
    Shape(rules.MANAGED_IDENTITY_NAME, ALNUM, ALNUM + "-_", ALNUM + "-_", 3, 128),
    Shape(rules.RESOURCE_GROUP_NAME, ALNUM + "-_.()", ALNUM + "-_.()", ALNUM + "-_()", 1, 90),
    Shape(rules.AKS_CLUSTER_NAME, ALNUM, ALNUM + "-_", ALNUM, 1, 63),
    Shape(rules.AZURE_LOCATION, string.ascii_lowercase, LOWER_DIGITS, LOWER_DIGITS, 1, 40),
    Shape(rules.STORAGE_ACCOUNT_NAME, LOWER_DIGITS, LOWER_DIGITS, LOWER_DIGITS, 3, 24),
    Shape(rules.STORAGE_CONTAINER_NAME, LOWER_DIGITS, LOWER_DASH, LOWER_DIGITS, 3, 63, "--"),
    Shape(rules.ENVIRONMENT_NAME, string.ascii_lowercase, LOWER_DASH, LOWER_DIGITS, 1, 20),
]


def shaped(shape: Shape, min_length: int, max_length: int) -> st.SearchStrategy[str]:
    """Names built from the shape's alphabets, of a length in the given range."""

    def of_length(length: int) -> st.SearchStrategy[str]:
        if length == 1:
            return st.sampled_from(sorted(set(shape.first) & set(shape.last)))
        return st.tuples(
            st.sampled_from(shape.first),
            st.text(shape.middle, min_size=length - 2, max_size=length - 2),
            st.sampled_from(shape.last),
        ).map("".join)

    names = st.integers(min_length, max_length).flatmap(of_length)
    if shape.forbidden:
        names = names.filter(lambda name: shape.forbidden not in name)
    return names


def valid(shape: Shape) -> st.SearchStrategy[str]:
    return shaped(shape, shape.min_length, shape.max_length)


def outside(alphabet: str) -> st.SearchStrategy[str]:
    """Any character not in ``alphabet`` (surrogates excluded: not text)."""
    return st.characters(exclude_characters=alphabet, exclude_categories=["Cs"])


def invalid(shape: Shape) -> st.SearchStrategy[str]:
    """A valid name broken in one way the rule forbids."""
    name = valid(shape).filter(lambda n: len(n) >= 2)
    broken = [
        shaped(shape, shape.max_length + 1, shape.max_length + 20),  # too long
        st.tuples(name, outside(shape.middle), st.integers(1, 300)).map(
            lambda t: t[0][: min(t[2], len(t[0]) - 1)] + t[1] + t[0][min(t[2], len(t[0]) - 1) :]
        ),  # a character not allowed anywhere inside
        st.tuples(outside(shape.first), name).map(lambda t: t[0] + t[1]),  # bad first
        st.tuples(name, outside(shape.last)).map(lambda t: t[0] + t[1]),  # bad last
    ]
    if shape.min_length > 1:
        broken.append(shaped(shape, 1, shape.min_length - 1))  # too short
    if shape.forbidden:
        broken.append(name.map(lambda n: n[0] + shape.forbidden + n[1:]))
    return st.one_of(broken)


def assert_rejected(rule: rules.Check, value: str) -> None:
    assert not rule.ok(value), value
    with pytest.raises(ValueError, match="^" + re.escape(rule.message) + "$"):
        rule.check(value)
    hint = rule.suggestion(value)
    if hint.startswith("try "):
        repaired = json.loads(hint.removeprefix("try "))
        assert rule.ok(repaired), (value, repaired)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_names_of_the_documented_shape_pass(shape: Shape) -> None:
    @FAST
    @given(valid(shape))
    def check(name: str) -> None:
        assert shape.rule.ok(name), name
        assert shape.rule.check(name) == name

    check()


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_names_broken_in_any_way_are_rejected_with_the_rule_text(shape: Shape) -> None:
    @FAST
    @given(invalid(shape))
    def check(name: str) -> None:
        assert_rejected(shape.rule, name)

    check()


def test_empty_is_never_a_name() -> None:
    for shape in SHAPES:
        assert_rejected(shape.rule, "")


UNITS = ("h", "m", "s", "ms", "us", "µs", "ns")
durations = st.lists(
    st.tuples(st.integers(0, 10_000), st.sampled_from(UNITS)), min_size=1, max_size=4
).map(lambda parts: "".join(f"{n}{unit}" for n, unit in parts))


@FAST
@given(
    st.one_of(
        durations, st.just("0"), st.builds("{}.{}s".format, st.integers(0, 99), st.integers(0, 9))
    )
)
def test_go_durations_pass(value: str) -> None:
    assert rules.GO_DURATION.ok(value)


@FAST
@given(
    st.one_of(
        st.integers(1, 10_000).map(str),  # no unit
        st.tuples(
            st.integers(1, 99), st.sampled_from(["d", "w", "y", "min", "sec", " m", "M", "H"])
        ).map(lambda t: f"{t[0]}{t[1]}"),  # not a Go unit
        durations.map(lambda d: f"-{d}"),  # negative
        durations.map(lambda d: f" {d}"),  # padded
        durations.map(lambda d: f"{d}1"),  # trailing number without unit
    )
)
def test_non_go_durations_are_rejected(value: str) -> None:
    assert_rejected(rules.GO_DURATION, value)


numbers = st.integers(0, 999).map(str)
identifiers = st.text(ALNUM, min_size=1, max_size=8)
versions = st.builds(
    "{}.{}.{}{}{}".format,
    numbers,
    numbers,
    numbers,
    st.one_of(
        st.just(""), st.lists(identifiers, min_size=1, max_size=3).map(lambda i: "-" + ".".join(i))
    ),
    st.one_of(
        st.just(""), st.lists(identifiers, min_size=1, max_size=3).map(lambda i: "+" + ".".join(i))
    ),
)


@FAST
@given(versions)
def test_semantic_versions_pass(value: str) -> None:
    assert rules.SEMVER.ok(value)


@FAST
@given(
    st.one_of(
        versions.map(lambda v: "v" + v),
        st.builds("{}.{}".format, numbers, numbers),
        st.builds("0{}.{}.{}".format, numbers, numbers, numbers),
        st.sampled_from(["latest", "2.x", "~2.9", "^2.9.0", "2.9.*", "2.9.0 "]),
    )
)
def test_non_semantic_versions_are_rejected(value: str) -> None:
    assert_rejected(rules.SEMVER, value)


@FAST
@given(st.uuids().map(str), st.booleans())
def test_uuids_pass(value: str, upper: bool) -> None:
    assert rules.UUID.ok(value.upper() if upper else value)


@FAST
@given(
    st.uuids()
    .map(str)
    .flatmap(
        lambda u: st.one_of(
            st.integers(0, 35).map(lambda i: u[:i] + u[i + 1 :]),  # a digit or dash missing
            st.integers(0, 35).map(lambda i: u[:i] + "g" + u[i + 1 :]),  # not hexadecimal
            st.just(u.replace("-", "")),
            st.just("{" + u + "}"),
        )
    )
)
def test_non_uuids_are_rejected(value: str) -> None:
    assert_rejected(rules.UUID, value)


def test_uuid_suggestion_strips_braces() -> None:
    assert rules.UUID.suggestion("{6DAE42F8-4368-4678-94FF-3960E28E3630}") == (
        'try "6dae42f8-4368-4678-94ff-3960e28e3630"'
    )


PREFIX = rules.KEY_VAULT_NAME.with_suffix(5)
VAULT = next(s for s in SHAPES if s.rule is rules.KEY_VAULT_NAME)


@FAST
@given(st.one_of(valid(VAULT), invalid(VAULT)), st.text(LOWER_DIGITS, min_size=5, max_size=5))
def test_a_vault_prefix_is_valid_exactly_when_every_name_it_makes_is(
    prefix: str, suffix: str
) -> None:
    assert PREFIX.ok(prefix) == rules.KEY_VAULT_NAME.ok(prefix + suffix)
    if not PREFIX.ok(prefix):
        assert_rejected(PREFIX, prefix)


def test_one_of_suggests_the_closest_choice() -> None:
    role = rules.KEY_VAULT_SECRETS_ROLE
    assert role.suggestion("Key vault secret user") == 'did you mean "Key Vault Secrets User"?'
    assert role.suggestion("Contributor") == ""
    assert_rejected(role, "Reader")


@pytest.mark.parametrize("value", ["", " ", "\t\n"])
def test_blank_text_is_rejected(value: str) -> None:
    assert_rejected(rules.NOT_BLANK, value)


@settings(max_examples=25, deadline=None)
@given(invalid(SHAPES[0]).filter(lambda n: n.isascii() and n.isprintable() and "$" not in n))
def test_through_the_config_file_the_line_carries_the_key_and_the_rule(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    path: Path = tmp_path_factory.mktemp("rules") / "test.tfvars"
    escaped = name.replace("\\", "\\\\").replace('"', '\\"').replace("%{", "%%{")
    path.write_text(
        f'aks_resource_group_name = "rg"\naks_cluster_name = "aks"\neso_namespace = "{escaped}"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    (problem,) = caught.value.problems
    assert (problem.key, problem.value, problem.rule) == (
        "eso_namespace",
        name,
        rules.DNS1123_LABEL.message,
    )
