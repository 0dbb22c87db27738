"""Spreading stages over forked processes: same results as one process, failures reported, nothing left behind.

These tasks are closures, which only fork can hand over: the module pins the fork start method
(test_start_methods.py covers spawn and forkserver with picklable tasks)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from archive_factory import write_archive
from fork_support import Meeting
from guanxin_site.build import build
from guanxin_site.errors import OutputError
from guanxin_site.workers import MIN_ITEMS, START_METHOD_VARIABLE, process_map

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="children are forked on Linux only")


def square(n: int) -> int:
    return n * n


def forked_children() -> set[int]:
    """This process's forked children, running or not yet reaped: those whose command line is
    this process's own (a browser or server another fixture started is not one of them).

    A thread that ends while its siblings are read hands its children to one of them: read
    again until no thread went away meanwhile, so no child is missed and none is counted twice."""
    while True:
        try:
            return _children_of_every_thread()
        except FileNotFoundError:
            continue  # a thread ended during the scan


def _children_of_every_thread() -> set[int]:
    own = Path("/proc/self/cmdline").read_bytes()
    pids: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                if Path(f"/proc/{pid}/cmdline").read_bytes() in (own, b""):  # a zombie's is empty
                    pids.add(int(pid))
            except OSError:
                pass  # gone meanwhile
    return pids


@pytest.fixture(autouse=True)
def forked(monkeypatch):
    monkeypatch.setenv(START_METHOD_VARIABLE, "fork")


@pytest.fixture(autouse=True)
def no_children_left():
    """Every test here must leave no forked child behind: all of them reaped."""
    before = forked_children()
    yield
    assert forked_children() <= before


@pytest.mark.parametrize("jobs", [1, 2, 3])
@pytest.mark.parametrize("count", [MIN_ITEMS - 1, MIN_ITEMS, MIN_ITEMS + 7])
def test_every_item_once_with_its_own_result(jobs, count):
    pairs = list(process_map(square, list(range(count)), jobs))
    assert sorted(pairs) == [(n, n * n) for n in range(count)]


def test_children_run_child_func_and_this_process_runs_func():
    parent = os.getpid()
    with Meeting(both=True) as meeting:  # each side does at least one item, whoever is faster
        def run(kind):
            meeting.step()
            return kind, os.getpid()

        pairs = list(process_map(lambda n: run("here"), list(range(MIN_ITEMS)), 2, child_task=lambda n: run("child")))
    assert {(kind, pid == parent) for _, (kind, pid) in pairs} == {("here", True), ("child", False)}
    assert len(pairs) == MIN_ITEMS


def test_an_exception_in_a_child_reaches_the_caller():
    with Meeting() as meeting:  # this process waits at its first item until the child has one
        def fail_in_child(n):
            meeting.step()
            if meeting.in_child():
                raise ValueError(f"item {n} is bad")
            return n

        with pytest.raises(ValueError, match=r"item \d+ is bad"):
            list(process_map(fail_in_child, list(range(MIN_ITEMS)), 2))


def test_a_child_killed_by_the_system_stops_the_map():
    with Meeting() as meeting:
        def die_in_child(n):
            meeting.step()
            if meeting.in_child():
                os._exit(9)
            return n

        with pytest.raises(OutputError, match="工作进程意外退出"):
            list(process_map(die_in_child, list(range(MIN_ITEMS)), 2))


def test_a_failure_here_kills_and_reaps_the_children():
    with Meeting(both=True) as meeting:  # the children are surely at work when this process fails, and it does
        def fail_here(n):
            meeting.step()
            if not meeting.in_child():
                raise KeyError("here")
            return n

        with pytest.raises(KeyError):
            list(process_map(fail_here, list(range(MIN_ITEMS * 4)), 3))


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_one_two_and_three_processes_build_the_same_site(tmp_path):
    """Large enough that parsing and rendering are both spread; base_url on, so feeds and sitemap too."""
    project = tmp_path / "project"
    write_archive(project, MIN_ITEMS + 30)
    sites = {}
    for jobs in (1, 2, 3):
        out = tmp_path / f"site-{jobs}"
        build(project, out, jobs=jobs, use_cache=False, search=False, base_url="https://example.org/g/")
        sites[jobs] = tree(out)
    assert len(sites[1]) > MIN_ITEMS and sites[1] == sites[2] == sites[3]


def test_a_refused_fork_leaves_the_work_to_this_process(monkeypatch):
    """EAGAIN or ENOMEM from fork: no error, no leaked pipe, every item still done."""
    def refuse():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    fds = len(os.listdir("/proc/self/fd"))
    monkeypatch.setattr(os, "fork", refuse)
    assert sorted(process_map(square, list(range(MIN_ITEMS)), 3)) == [(n, n * n) for n in range(MIN_ITEMS)]
    assert len(os.listdir("/proc/self/fd")) == fds


def test_a_result_that_cannot_be_sent_back_stops_the_map():
    with Meeting() as meeting:
        def unpicklable_in_child(n):
            meeting.step()
            if meeting.in_child():
                return lambda: n  # a function cannot be pickled
            return n

        with pytest.raises(Exception) as caught:
            list(process_map(unpicklable_in_child, list(range(MIN_ITEMS)), 2))
    assert "lambda" in str(caught.value) or "pickle" in str(caught.value).lower()
