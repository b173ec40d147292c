"""What a configuration file must be before it is parsed: a small, readable, regular UTF-8 text
file of HCL. Anything else is refused with one line saying what it is instead.

The file is opened without blocking (a FIFO would wait for a writer forever) and checked by its
open descriptor, then read with a bound: no file is read whole that is over the limit, and a
``/proc`` or ``/sys`` file (size 0, yet with content) is refused after the first read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from aks_workload_identity.problems import NO_VALUE, ConfigError, Problem

# The largest example is ~10 KB; 1 MiB holds thousands of ExternalSecrets and parses in < 0.2 s.
LARGEST_CONFIG_BYTES = 1 << 20
_KINDS = {
    stat.S_ISFIFO: "a named pipe (FIFO)",
    stat.S_ISCHR: "a character device",
    stat.S_ISBLK: "a block device",
    stat.S_ISSOCK: "a socket",
}


def read_config_text(path: Path) -> str:
    """The text of ``path``; a ``ConfigError`` for anything that is not a tfvars file."""
    data = _read_bounded(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        _refuse(f"{path}:{line}:{column}", f"not UTF-8 text (byte {error.start})")
    if _first_token(text) in ("{", "["):
        _refuse(
            str(path),
            "looks like JSON: a tfvars file is HCL, one key = value per line",
            'Terraform reads JSON only from a .tfvars.json file; write key = "value" lines',
        )
    return text


def _read_bounded(path: Path) -> bytes:
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except FileNotFoundError:
        _refuse(str(path), "file not found")
    except PermissionError:
        _refuse(str(path), "cannot be read: permission denied")
    except OSError as error:
        _refuse(str(path), f"cannot be opened: {error.strerror}")
    status = os.fstat(descriptor)
    mode, size = status.st_mode, status.st_size
    if not stat.S_ISREG(mode):
        os.close(descriptor)
    if stat.S_ISDIR(mode):
        _refuse(str(path), "is a directory, not a tfvars file")
    for is_kind, kind in _KINDS.items():
        if is_kind(mode):
            _refuse(str(path), f"is {kind}, not a regular file")
    with os.fdopen(descriptor, "rb") as file:
        if size > LARGEST_CONFIG_BYTES:
            _refuse(str(path), f"is {size} bytes; a configuration is at most {_LIMIT}")
        try:
            data = file.read(LARGEST_CONFIG_BYTES + 1)
        except OSError as error:
            _refuse(str(path), f"cannot be read: {error.strerror}")
    if len(data) > LARGEST_CONFIG_BYTES:
        _refuse(str(path), f"is over {_LIMIT}; a configuration is at most that")
    if size == 0 and data:
        _refuse(str(path), "is not an ordinary file (a /proc or /sys file?): its size is unknown")
    return data


_LIMIT = f"{LARGEST_CONFIG_BYTES // (1 << 20)} MiB"


def _first_token(text: str) -> str:
    """The first character that is neither a blank nor in a comment."""
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "//")):
            return stripped[0]
    return ""


def _refuse(source: str, rule: str, suggestion: str = "") -> None:
    raise ConfigError([Problem(source, "", NO_VALUE, rule, suggestion)])
