"""One line per check as it finishes, then a summary; the exit status follows the failures."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TextIO

PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"


@dataclass(frozen=True)
class Result:
    status: str
    subject: str
    detail: str
    cause: str = ""
    evidence: str = ""  # what ESO said, last: it can be long

    def line(self) -> str:
        """One line, so that grep FAIL shows each failure with its cause."""
        text = f"{self.status}  {self.subject}: {self.detail}"
        text += f" -- likely cause: {self.cause}" if self.cause else ""
        return text + (f" -- event: {self.evidence}" if self.evidence else "")


def passed(subject: str, detail: str) -> Result:
    return Result(PASS, subject, detail)


def failed(subject: str, detail: str, cause: str, evidence: str | None = None) -> Result:
    return Result(FAIL, subject, detail, cause, evidence or "")


def skipped(subject: str, why: str) -> Result:
    return Result(SKIP, subject, why)


class Report:
    """Prints each result as it comes, so a slow check (the rotation) shows progress."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.results: list[Result] = []

    def add(self, result: Result) -> Result:
        self.results.append(result)
        print(result.line(), file=self.out, flush=True)
        return result

    def note(self, text: str) -> None:
        print(f"      {text}", file=self.out, flush=True)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    def summary(self, interrupted: bool = False) -> str:
        total, failures = len(self.results), self.count(FAIL)
        verdict = "INTERRUPTED" if interrupted else "FAILED" if failures else "OK"
        parts = [f"{self.count(PASS)} passed", f"{failures} failed"]
        if self.count(SKIP):
            parts.append(f"{self.count(SKIP)} skipped")
        return f"verify {verdict}: {total} checks, {', '.join(parts)}"

    def finish(self, interrupted: bool = False) -> int:
        print(self.summary(interrupted), file=self.out, flush=True)
        return 1 if self.count(FAIL) else 0
