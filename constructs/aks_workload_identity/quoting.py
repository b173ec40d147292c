"""Input quoted in a message: cut to a readable length, and what looks like a credential hidden.

A problem line quotes the user's text; a config file (or a file named by mistake, such as a
``.env``) can hold a password on the very line that is wrong. Every quoted value and line goes
through ``shown``.
"""

from __future__ import annotations

import re

LONGEST_SHOWN = 80
HIDDEN = "<hidden: looks like a credential>"
# A key whose name says it holds a secret, and everything after its "=" or ":".
_SECRET_KEY = re.compile(
    r"(?i)(?:password|passwd|pwd|secret|token|api_?key|access_?key|private_?key|"
    r"connection_?string|sas|credentials?)[\"']?\s*[=:]"
)
# Values that are credentials whatever their key: a JWT, a PEM block, a connection string's key,
# and long random-looking runs (both cases and several digits: no name, GUID or path segment is;
# a run stops at "/", so a resource ID is never one).
_SECRET_VALUE = re.compile(
    r"eyJ[\w-]{8,}\.[\w.-]*|-----BEGIN[^\n]*|(?i:accountkey|sharedaccesskey|sig|password|pwd)=[^;\s\"]+"
)
_RANDOM_RUN = re.compile(r"[A-Za-z0-9+=_~.-]{32,}")


def shown(text: str) -> str:
    """``text`` with credentials hidden, cut to ``LONGEST_SHOWN`` characters."""
    text = redacted(text)
    return text if len(text) <= LONGEST_SHOWN else text[: LONGEST_SHOWN - 1] + "…"


def quoted_line(line: str) -> str:
    """A line of input as a message quotes it: stripped, ``shown``, in quotes."""
    return repr(shown(line.strip()))


def redacted(text: str) -> str:
    key = _SECRET_KEY.search(text)
    if key is not None:
        text = text[: key.end()] + " " + HIDDEN
    text = _SECRET_VALUE.sub(HIDDEN, text)
    return _RANDOM_RUN.sub(lambda run: HIDDEN if _looks_random(run[0]) else run[0], text)


def _looks_random(run: str) -> bool:
    return (
        any(c.isupper() for c in run)
        and any(c.islower() for c in run)
        and sum(c.isdigit() for c in run) >= 4
    )
