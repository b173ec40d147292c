"""The one way verify runs a command (kubectl, az, terraform), so tests can stand in for them."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COMMAND_TIMEOUT_SECONDS = 120
NOT_ON_PATH = "not found on PATH"


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def error(self) -> str:
        """The command's complaint, on one line."""
        text = (self.stderr or self.stdout).strip()
        return " ".join(text.split()) or f"exit status {self.returncode}"

    def json(self) -> Any:
        return json.loads(self.stdout)


class Runner:
    """Runs commands found on PATH; also the clock the rotation waits by."""

    def run(self, argv: Sequence[str], *, cwd: Path | None = None) -> Outcome:
        try:
            done = subprocess.run(
                list(argv),
                cwd=cwd,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT_SECONDS,
                check=False,
            )
        except FileNotFoundError:
            return Outcome(127, "", f"{argv[0]}: {NOT_ON_PATH}")
        except subprocess.TimeoutExpired:
            return Outcome(124, "", f"{argv[0]}: no answer in {COMMAND_TIMEOUT_SECONDS} s")
        return Outcome(done.returncode, done.stdout, done.stderr)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def now(self) -> float:
        return time.monotonic()
