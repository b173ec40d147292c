"""The stand-in provider executable: asks the zygote for a provider, or becomes one itself.

The mirror installs a copy of this file as each ``terraform-provider-<name>_v<version>``, with
its ``schema.json`` beside it. It runs as ``python -S`` with only the standard library's socket,
os, sys and json, so a start costs milliseconds instead of the ~0.45 s a full import takes.
"""

import json
import os
import socket
import sys

HERE = os.path.dirname(os.path.realpath(sys.argv[0]))
MIRROR = os.path.abspath(os.path.join(HERE, *[os.pardir] * 5))
ARGV = [os.path.join(HERE, "schema.json"), MIRROR]


def main() -> None:
    try:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(os.path.join(MIRROR, "zygote.sock"))
    except OSError:
        with open(os.path.join(MIRROR, "launcher.json")) as file:
            setup = json.load(file)
        os.environ["PYTHONPATH"] = setup["project"]
        python = setup["python"]
        os.execv(python, [python, "-m", "rehearsal.standin", *ARGV])
    request = {"argv": ARGV, "env": dict(os.environ), "cwd": os.getcwd()}
    socket.send_fds(connection, [json.dumps(request).encode() + b"\n"], [1, 2])
    # The forked provider holds the other end: its exit (or ours) ends the conversation.
    while connection.recv(4096):
        pass


main()
