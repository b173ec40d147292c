"""The tfvars reader against the real ``terraform``: a checked-in corpus whose verdicts are
verified by one batched run, and a small generated run (``make fuzz-tfvars`` runs thousands).

``tests/fixtures/tfvars/``: ``accepted/`` (Terraform and the reader read the same values),
``rejected/`` (both refuse, on the same line) and ``refused-by-design/`` (Terraform evaluates a
constant expression, a template, a heredoc; the reader asks for a literal instead).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.terraform_tfvars import Verdict, reader_verdict, terraform_verdicts
from tests.tfvars_cases import texts

CORPUS = Path(__file__).parent / "fixtures" / "tfvars"
CASES = sorted(CORPUS.glob("*/*.tfvars"))
needs_terraform = pytest.mark.skipif(
    shutil.which("terraform") is None, reason="terraform CLI not on PATH (the oracle)"
)


@pytest.fixture(scope="module")
def terraform_says() -> dict[Path, Verdict | None]:
    """Terraform's verdict on every corpus case, from one batch."""
    return dict(zip(CASES, terraform_verdicts([c.read_bytes() for c in CASES]), strict=True))


def test_the_corpus_has_cases_of_each_kind_and_no_key_in_two_accepted_cases() -> None:
    kinds = {case.parent.name for case in CASES}
    assert kinds == {"accepted", "rejected", "refused-by-design"}
    keys = [
        line.split("=")[0].strip().lstrip("\ufeff")
        for case in CORPUS.glob("accepted/*.tfvars")
        for line in case.read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.startswith((" ", "}", "#", "/"))
    ]
    assert len(keys) == len(set(keys))  # one batch: a later file's key would hide an earlier one


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.parent.name}/{c.stem}")
def test_the_reader_gives_each_corpus_case_its_verdict(tmp_path, case) -> None:
    ours = reader_verdict(case.read_bytes(), tmp_path)
    assert ours.accepted == (case.parent.name == "accepted"), ours.message
    if case.parent.name == "rejected":
        assert ours.line > 0, ours.message  # where: at least the line
    if case.parent.name == "refused-by-design":
        assert "syntax error" not in ours.message, ours.message


@needs_terraform
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.parent.name}/{c.stem}")
def test_terraform_agrees_with_each_corpus_verdict(tmp_path, terraform_says, case) -> None:
    theirs = terraform_says[case]
    ours = reader_verdict(case.read_bytes(), tmp_path)
    assert theirs is not None
    if case.parent.name == "rejected":
        assert not theirs.accepted
        assert ours.line == theirs.line, (ours.message, theirs.message)
    else:
        assert theirs.accepted, theirs.message
    if case.parent.name == "accepted":
        assert ours.values == theirs.values


@needs_terraform
@settings(
    max_examples=2,
    phases=[Phase.generate],
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(st.lists(texts, min_size=15, max_size=15))
def test_generated_and_mutated_texts_read_as_terraform_reads_them(tmp_path_factory, batch) -> None:
    directory = tmp_path_factory.mktemp("reader")
    for text, theirs in zip(batch, terraform_verdicts(batch), strict=True):
        ours = reader_verdict(text, directory)
        if theirs is None or (
            theirs.accepted and not ours.accepted and "syntax" not in ours.message
        ):
            continue  # a key Terraform cannot declare; a constant expression refused by design
        assert ours.agrees_with(theirs), (text, ours, theirs)
