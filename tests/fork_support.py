"""Making sure a forked child takes part in a process_map, without sleeping.

process_map hands chunks to whichever process is free, so a test that needs a child to do
some of the work (to fail there, or to die) cannot rely on this process being slow.
`Meeting` is a pair of pipes made before the fork: `here()` in this process waits until a
child has called `child()`; with `both=True` a child also waits until this process has
started an item, so each side surely does at least one.
"""
from __future__ import annotations

import os
import select

TIMEOUT = 60  # seconds: a child that never comes is a failure, not a hang


class Meeting:
    def __init__(self, both: bool = False):
        self.parent = os.getpid()
        self.both = both
        self._from_child = os.pipe()
        self._from_parent = os.pipe()
        self._met = False  # per process: each forked child has its own copy

    def __enter__(self) -> "Meeting":
        return self

    def __exit__(self, *exc) -> None:
        for fd in (*self._from_child, *self._from_parent):
            os.close(fd)

    def in_child(self) -> bool:
        return os.getpid() != self.parent

    def here(self) -> None:
        """In this process, before its first item completes: wait until a child has started."""
        if self._met:
            return
        self._met = True
        if self.both:
            os.write(self._from_parent[1], b"p" * 64)  # one for each child, however many there are
        _wait(self._from_child[0], "no forked child took any work")

    def child(self) -> None:
        """In a child, at its first item: say so (and, with both=True, wait for this process)."""
        if self._met:
            return
        self._met = True
        if self.both:
            _wait(self._from_parent[0], "this process never started an item")
        os.write(self._from_child[1], b"c")

    def step(self) -> None:
        """The right one of here() and child() for the process it runs in."""
        self.child() if self.in_child() else self.here()


def _wait(fd: int, failure: str) -> None:
    ready, _, _ = select.select([fd], [], [], TIMEOUT)
    assert ready, failure
    os.read(fd, 1)
