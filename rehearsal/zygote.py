"""Start stand-in providers in milliseconds: one process that has already imported gRPC,
protobuf and the schemas forks a provider for each start Terraform makes.

A start costs ~0.45 s of CPU when Python imports everything anew, and a deploy, redeploy and
destroy start about eighty. The provider executable in the mirror is then only a small client
(``launcher.py``): it hands its standard output and error and its environment to this process,
which forks a child that serves Terraform on them, and exits when the child does.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rehearsal import standin

SOCKET_NAME = "zygote.sock"


def _receive(connection: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _flags, _addr = socket.recv_fds(connection, 1 << 20, 2)
    buffer = data
    while not buffer.endswith(b"\n"):
        more = connection.recv(1 << 20)
        if not more:
            break
        buffer += more
    return json.loads(buffer), fds


def _child(connection: socket.socket, request: dict, fds: list[int], preloaded: dict) -> None:
    os.dup2(fds[0], 1)
    os.dup2(fds[1], 2)
    for fd in fds:
        os.close(fd)
    sys.stdout = os.fdopen(1, "w", closefd=False)
    sys.stderr = os.fdopen(2, "w", closefd=False)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    schema_file = Path(request["argv"][0])
    provider = preloaded.get(str(schema_file)) or standin.StandIn(schema_file)
    provider.reset()

    def client_gone() -> bool:
        try:
            return connection.recv(1, socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False

    standin.protocol.serve(provider, Path(request["argv"][1]), stop_when=client_gone)


def serve(mirror_dir: Path) -> None:
    """Accept starts on ``mirror_dir/zygote.sock`` until terminated."""
    preloaded = {
        str(path): standin.StandIn(path, world_from_env=False)
        for path in mirror_dir.glob("registry.terraform.io/*/*/*/*/schema.json")
    }
    path = mirror_dir / SOCKET_NAME
    path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    print("ready", flush=True)
    parent = os.getppid()
    listener.settimeout(1.0)
    while os.getppid() == parent:  # ends with the rehearsal that started it, however it ends
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            continue
        connection.settimeout(None)
        try:
            request, fds = _receive(connection)
        except (OSError, ValueError):
            connection.close()
            continue
        if os.fork() == 0:
            listener.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                _child(connection, request, fds, preloaded)
            finally:
                os._exit(0)
        connection.close()
        for fd in fds:
            os.close(fd)


@contextmanager
def running(mirror_dir: Path) -> Iterator[None]:
    """A zygote for the stand-ins of ``mirror_dir`` while the block runs."""
    process = subprocess.Popen(
        [sys.executable, "-m", "rehearsal.zygote", str(mirror_dir)],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != b"ready":
            raise RuntimeError("the stand-in zygote did not start")
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
