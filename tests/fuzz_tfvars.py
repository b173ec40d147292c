"""The large differential run (``make fuzz-tfvars``): generated and mutated tfvars texts read by
``read_tfvars`` and by ``terraform``; every disagreement is written to ``fuzz-tfvars.out/``.

``python -m tests.fuzz_tfvars [CASES]`` (default 2000), in batches of 50 per terraform run.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.terraform_tfvars import Verdict, reader_verdict, terraform_verdicts
from tests.tfvars_cases import texts

BATCH = 50
OUT = Path("fuzz-tfvars.out")


def compare(batch: list[bytes], tally: Counter[str], directory: Path) -> None:
    for text, theirs in zip(batch, terraform_verdicts(batch), strict=True):
        try:
            ours = reader_verdict(text, directory)
        except Exception as error:
            ours = Verdict(False, message=f"CRASH {type(error).__name__}: {error}")
        outcome = _outcome(ours, theirs)
        tally[outcome] += 1
        if outcome.startswith("DISAGREE") or ours.message.startswith("CRASH"):
            number = sum(tally[k] for k in tally if k.startswith("DISAGREE"))
            (OUT / f"{number:04d}.tfvars").write_bytes(text)
            (OUT / f"{number:04d}.txt").write_text(f"ours:   {ours}\ntheirs: {theirs}\n")


def _outcome(ours: Verdict, theirs: Verdict | None) -> str:
    if theirs is None:
        return "inconclusive (a key terraform cannot declare)"
    if ours.message.startswith("CRASH"):
        return "DISAGREE: reader crashed"
    if ours.agrees_with(theirs):
        if ours.accepted:
            return "agree: accepted, same values"
        return "agree: rejected, same line" if ours.line == theirs.line else "agree: rejected"
    if theirs.accepted and not ours.accepted and "syntax error" not in ours.message:
        return "stricter by design: a constant expression, template or heredoc"
    if theirs.accepted and ours.accepted:
        return "DISAGREE: different values"
    return "DISAGREE: terraform accepts" if theirs.accepted else "DISAGREE: terraform rejects"


def main(cases: int) -> int:
    OUT.mkdir(exist_ok=True)
    tally: Counter[str] = Counter()

    @settings(
        max_examples=max(1, cases // BATCH),
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(texts, min_size=BATCH, max_size=BATCH))
    def run(batch: list[bytes]) -> None:
        with tempfile.TemporaryDirectory() as directory:
            compare(batch, tally, Path(directory))

    run()
    for outcome, count in sorted(tally.items()):
        print(f"{count:6d}  {outcome}")
    disagreements = sum(n for k, n in tally.items() if k.startswith("DISAGREE"))
    print(f"{sum(tally.values())} cases, {disagreements} disagreements (written to {OUT}/)")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
