"""guanxin-site with writer.checkpoint replaced: the seam the crash-safety tests use.

    python tests/faulty_build.py POINT:ACTION build --source ...

ACTION is `kill` (the process SIGKILLs itself at POINT) or `pause` (it writes
"paused at POINT" on stdout and waits there, holding whatever it holds, until a line
arrives on stdin). Each fires the first time the point is reached. Points: see
guanxin_site.writer.checkpoint.
"""
from __future__ import annotations

import os
import signal
import sys

from guanxin_site import writer
from guanxin_site.cli import main


def install(spec: str) -> None:
    point, _, action = spec.partition(":")
    if action not in ("kill", "pause"):
        raise SystemExit(f"unknown action in {spec!r}")
    fired = False

    def checkpoint(name: str) -> None:
        nonlocal fired
        if name != point or fired:
            return
        fired = True
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        print(f"paused at {point}", flush=True)
        sys.stdin.readline()

    writer.checkpoint = checkpoint


if __name__ == "__main__":
    install(sys.argv[1])
    main(sys.argv[2:], prog_name="guanxin-site")
