"""Input that must not get through or crash, and output written whole or not at all: each case
ends with one clear line and a non-zero exit, never a traceback. The app's entry point runs in
the test process (``tests/app_runs.py``) where no process boundary is at stake; as a subprocess
(``python main.py`` with ``AZWI_CONFIG``, ``make synth``) for each exit status, a case that
could overflow a fresh interpreter's stack, and Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from aks_workload_identity import config_file
from aks_workload_identity.problems import ConfigError
from tests.app_runs import main_in_process
from tests.conftest import EXAMPLE_CONFIG, PROJECT_DIR

SECRET = "Qx7vB2mN9kL4pR8sT1wY6zA3cD5fG0hJ"


def app(
    config: Path | str, outdir: Path, cwd: Path = PROJECT_DIR, **popen: object
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CDKTF_", "NODE_OPTIONS"))}
    env.update(AZWI_CONFIG=str(config), CDKTF_OUTDIR=str(outdir), CHECKPOINT_DISABLE="1")
    return subprocess.Popen(
        [sys.executable, "-O", str(PROJECT_DIR / "main.py")],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def refused_by_process(config: Path | str, outdir: Path) -> tuple[int, str]:
    """Exit status and standard error of an app run that must stop before synthesizing."""
    process = app(config, outdir)
    _, errors = process.communicate(timeout=120)
    assert "Traceback" not in errors, errors
    assert process.returncode != 0
    assert not outdir.exists()
    return process.returncode, errors


@pytest.fixture
def refused(monkeypatch) -> Callable[[Path | str, Path], tuple[int, str]]:
    """``refused_by_process``, with the entry point run in the test process."""

    def run(config: Path | str, outdir: Path) -> tuple[int, str]:
        status, errors = main_in_process(monkeypatch, config, outdir)
        assert "Traceback" not in errors, errors
        assert status != 0
        assert not outdir.exists()
        return status, errors

    return run


def written(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


REQUIRED = 'aks_resource_group_name = "rg-aks-demo"\naks_cluster_name = "aks-demo"\n'
CASES = {
    "deep nesting": (f"tags = {'[' * 5000}{']' * 5000}\n", "nested deeper than 32 levels"),
    "huge number": ("tags = 1e999999999\n", "number too large"),
    "huge integer": (f"tags = {'9' * 100_000}\n", "number too large"),
    "out-of-range escape": ('tags = "\\U00110000"\n', "invalid escape sequence \\U00110000"),
    "lone surrogate escape": ('tags = "\\ud800"\n', "invalid escape sequence \\ud800"),
    "hex literal": ("tags = 0x10\n", "a number is written in decimal digits only"),
    "form feed": ("tags\f= {}\n", "character '\\x0c' is not allowed here"),
    "cr-only line ends": ('identity_name = "x"\rtags = {}\r', "character '\\r' is not allowed"),
    "missing separator": ("tags = { a = 1 b = 2 }\n", "object elements must be apart"),
    "JSON": ('{"aks_cluster_name": "aks-demo"}\n', "looks like JSON"),
}


def _bad_content(tmp_path: Path, case: str) -> tuple[Path, str]:
    text, message = CASES[case]
    content = text if text.startswith("{") else REQUIRED + text
    return written(tmp_path, "bad.tfvars", content), message


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_content_ends_with_one_line_naming_it(tmp_path, refused, case) -> None:
    config, message = _bad_content(tmp_path, case)
    status, errors = refused(config, tmp_path / "out")
    assert status == 2
    assert message in errors
    assert max(len(line) for line in errors.splitlines()) < 400  # values are cut


def test_python_main_py_exits_2_on_bad_content_without_a_traceback(tmp_path) -> None:
    # The deepest input: a fresh interpreter's stack, as main.py starts it, must hold it too.
    config, message = _bad_content(tmp_path, "deep nesting")
    status, errors = refused_by_process(config, tmp_path / "out")
    assert status == 2
    assert message in errors


def test_a_line_with_a_credential_is_never_echoed_in_full(tmp_path, refused) -> None:
    config = written(tmp_path, "secret.tfvars", f'{REQUIRED}client_secret = "{SECRET}" x\n')
    _, errors = refused(config, tmp_path / "out")
    assert "HCL syntax error" in errors
    assert SECRET not in errors
    _, errors = refused(
        written(tmp_path, "value.tfvars", REQUIRED + f'tags = "{SECRET}"\n'), tmp_path / "out"
    )
    assert SECRET not in errors


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path, refused) -> None:
    big = tmp_path / "big.tfvars"
    with big.open("wb") as file:
        file.truncate(1 << 30)  # 1 GiB, sparse: nothing to read in before the size is known
    _, errors = refused(big, tmp_path / "out")
    assert "is 1073741824 bytes; a configuration is at most 1 MiB" in errors


def special_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    fifo = tmp_path / "fifo.tfvars"
    os.mkfifo(fifo)
    return {
        "directory": (tmp_path, "is a directory, not a tfvars file"),
        "FIFO": (fifo, "is a named pipe (FIFO), not a regular file"),
        "device": (Path("/dev/zero"), "is a character device, not a regular file"),
        "/proc": (Path("/proc/self/environ"), "is not an ordinary file (a /proc or /sys file?)"),
        "missing": (tmp_path / "none.tfvars", "file not found"),
    }


@pytest.mark.parametrize("kind", ["directory", "FIFO", "device", "/proc", "missing"])
def test_what_is_not_a_regular_file_is_named_for_what_it_is(tmp_path, refused, kind) -> None:
    path, message = special_files(tmp_path)[kind]
    _, errors = refused(path, tmp_path / "out")
    assert f"{path}: {message}" in errors
    assert os.environ.get("PATH", "") not in errors  # /proc/self/environ is not echoed


def test_an_unreadable_file_is_named_so(tmp_path, monkeypatch) -> None:
    # The suite may run as root, which reads any file: the refusal itself is what is tested.
    def denied(*_: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(config_file.os, "open", denied)
    with pytest.raises(ConfigError, match="cannot be read: permission denied"):
        config_file.read_config_text(EXAMPLE_CONFIG)


@pytest.mark.parametrize(
    ("outdir", "message"),
    [
        ("missing/parent/out", "missing/parent does not exist; nothing was synthesized"),
        ("/sys/azwi-out", "cannot write /sys/azwi-out in /sys"),  # unwritable, even for root
    ],
)
def test_an_output_that_cannot_be_written_ends_with_one_line(
    tmp_path, refused, outdir, message
) -> None:
    target = tmp_path / outdir if not outdir.startswith("/") else Path(outdir)
    # The exit status of main.py itself: once in-process, once as the process it is.
    run = refused if outdir.startswith("missing") else refused_by_process
    status, errors = run(EXAMPLE_CONFIG, target)
    assert status == 1
    assert message in errors
    assert len(errors.splitlines()) == 1


def test_make_synth_into_an_unwritable_place_fails_with_that_line(tmp_path) -> None:
    done = subprocess.run(
        ["make", "--no-print-directory", "synth", "OUT=/sys/azwi-out"],
        cwd=PROJECT_DIR,
        env={k: v for k, v in os.environ.items() if not k.startswith(("CDKTF_", "AZWI_"))},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "azwi: cannot write /sys/azwi-out in /sys" in done.stderr


def _stacks(outdir: Path) -> dict[str, str]:
    return {p.parent.name: p.read_text() for p in outdir.glob("stacks/*/cdk.tf.json")}


def _interrupt_once_started(process: subprocess.Popen[str], outdir: Path) -> str:
    """Ctrl-C (SIGINT to the process group, as a terminal sends it) once synthesis began."""
    deadline = time.monotonic() + 120
    while not list(outdir.parent.glob(f".{outdir.name}.synth-{process.pid}")):
        assert process.poll() is None
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(process.pid, signal.SIGINT)
    _, errors = process.communicate(timeout=120)
    assert process.returncode != 0
    assert "Traceback" not in errors, errors
    return errors


def test_synths_into_one_directory_never_mix_and_ctrl_c_keeps_the_previous_output(
    tmp_path,
) -> None:
    outdir = tmp_path / "cdktf.out"
    base = EXAMPLE_CONFIG.read_text()
    first = written(tmp_path, "a.tfvars", base + 'identity_name = "umi-run-a"\n')
    second = written(tmp_path, "b.tfvars", base + 'identity_name = "umi-run-b"\n')
    (outdir / "stacks" / "identity" / ".terraform").mkdir(parents=True)  # an earlier init
    (outdir / "stacks" / "gone").mkdir()  # a stack no longer synthesized
    interrupted = app(first, outdir, start_new_session=True)
    finished = app(second, outdir, cwd=tmp_path)  # run from elsewhere, output elsewhere
    errors = _interrupt_once_started(interrupted, outdir)
    assert "azwi: interrupted; nothing was synthesized" in errors
    assert finished.wait(timeout=300) == 0, finished.communicate()[1]
    stacks = _stacks(outdir)
    assert sorted(stacks) == ["cluster", "identity", "secrets"]
    assert all("umi-run-b" in text and "umi-run-a" not in text for text in stacks.values())
    assert (outdir / "stacks" / "identity" / ".terraform").is_dir()
    for stack, text in stacks.items():  # the state stays beside the project all the same
        state = json.loads(text)["terraform"]["backend"]["local"]["path"]
        assert (
            outdir / "stacks" / stack / state
        ).resolve() == PROJECT_DIR / f"terraform.{stack}.tfstate"
    assert not list(tmp_path.glob(".cdktf.out.*"))  # no staging directory left behind

    again = app(first, outdir, start_new_session=True)
    _interrupt_once_started(again, outdir)
    assert _stacks(outdir) == stacks
    assert not list(tmp_path.glob(".cdktf.out.*"))
