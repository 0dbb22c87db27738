"""Worker processes started by fork (Linux), forkserver and spawn (what Windows has, tested here as its
stand-in): the build gives the same bytes whichever started them, and a worker's failure reaches the caller.

The whole suite also runs under one start method: `GUANXIN_START_METHOD=spawn .venv/bin/python -m pytest`
(docs/testing.md); this module tries every method in every run.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import time
from pathlib import Path

import pytest

from archive_factory import write_archive
from guanxin_site import workers
from guanxin_site.build import build
from guanxin_site.errors import OutputError
from guanxin_site.workers import START_METHOD_VARIABLE, process_map

METHODS = [m for m in ("fork", "forkserver", "spawn") if m in multiprocessing.get_all_start_methods()]
BASE_URL = "https://example.org/g/"  # feeds and the sitemap too
WAIT = 120  # seconds: a spawned child on a loaded machine takes a while to start; never a hang


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


ISSUES = 139  # three search segments; a 140th issue stays in the tail (search/index.segment_cuts)
FEW = 16  # items from which the build spreads a stage here (MIN_ITEMS otherwise): every stage is spread


@pytest.fixture(autouse=True)
def spread_from_few_items(monkeypatch):
    monkeypatch.setattr(workers, "MIN_ITEMS", FEW)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("methods") / "project"
    write_archive(project, ISSUES)
    return project


@pytest.fixture(scope="module")
def one_process(archive, tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("one") / "site"
    build(archive, out, jobs=1, use_cache=False, base_url=BASE_URL)
    return tree(out)


@pytest.fixture
def started(monkeypatch) -> list[str]:
    """The start method of every worker a map used meanwhile (a build that used none proves nothing)."""
    methods: list[str] = []
    start = workers._start_children

    def counting(children, method, *args):
        start(children, method, *args)
        methods.extend(child.method for child in children)

    monkeypatch.setattr(workers, "_start_children", counting)
    return methods


@pytest.mark.parametrize("method", METHODS)
def test_every_start_method_builds_what_one_process_builds(method, archive, one_process, started, tmp_path,
                                                          monkeypatch):
    monkeypatch.setenv(START_METHOD_VARIABLE, method)
    out = tmp_path / "site"
    build(archive, out, jobs=2, use_cache=False, base_url=BASE_URL)
    assert started and set(started) == {method}
    assert tree(out) == one_process


def test_an_added_issue_built_by_spawned_workers_equals_a_clean_build(archive, started, tmp_path, monkeypatch):
    """The incremental path under spawn: the cache and spare written by spawned workers, then reused."""
    monkeypatch.setenv(START_METHOD_VARIABLE, "spawn")
    project = tmp_path / "project"
    shutil.copytree(archive, project, ignore=shutil.ignore_patterns(".guanxin-cache"))
    out = tmp_path / "site"
    build(project, out, jobs=2, base_url=BASE_URL)
    sealed = json.loads((out / "search/data/index.json").read_text(encoding="utf-8"))["sealed"]
    write_archive(project, ISSUES + 1)  # the same issues, and one more
    result = build(project, out, jobs=2, base_url=BASE_URL)
    assert json.loads((out / "search/data/index.json").read_text(encoding="utf-8"))["sealed"] == sealed  # tail only
    assert result.changed and result.written < 60
    clean = tmp_path / "clean"
    build(project, clean, jobs=1, use_cache=False, base_url=BASE_URL)
    assert tree(out) == tree(clean)
    assert "spawn" in started


def test_an_unknown_start_method_is_a_chinese_message(monkeypatch):
    monkeypatch.setenv(START_METHOD_VARIABLE, "threads")
    with pytest.raises(OutputError, match="GUANXIN_START_METHOD=threads 无效"):
        workers.start_method()


# -- the map itself, with tasks a spawned child can unpickle ---------------------------------------

class Squares:
    """Squares numbers. With a meeting place (a file a child makes at its first item), this process
    waits at its first item until a child has taken one, so the children surely take part, however
    slowly they start (a file, because a spawned child receives its task pickled)."""

    def __init__(self, met: Path | None = None, in_child: str = "square"):
        self.met, self.in_child = met, in_child

    def __call__(self, n: int) -> int:
        if self.met is not None:
            waited = 0.0
            while not self.met.exists():
                assert waited < WAIT, "no worker process took any work"
                time.sleep(0.01)
                waited += 0.01
        return n * n

    def child(self, n: int) -> int:
        self.met.touch()
        if self.in_child == "raise":
            raise ValueError(f"item {n} is bad")
        if self.in_child == "die":
            os._exit(9)
        return n * n


@pytest.mark.parametrize("method", METHODS)
def test_every_item_once_with_its_own_result(method, started, tmp_path, monkeypatch):
    monkeypatch.setenv(START_METHOD_VARIABLE, method)
    task = Squares(tmp_path / "met")
    pairs = sorted(process_map(task, list(range(FEW * 4 + 7)), 3, child_task=task.child))
    assert pairs == [(n, n * n) for n in range(FEW * 4 + 7)]
    assert started == [method, method]


@pytest.mark.parametrize("method", METHODS)
def test_an_exception_in_a_worker_reaches_the_caller(method, tmp_path, monkeypatch):
    monkeypatch.setenv(START_METHOD_VARIABLE, method)
    task = Squares(tmp_path / "met", in_child="raise")
    with pytest.raises(ValueError, match=r"item \d+ is bad"):
        list(process_map(task, list(range(FEW * 4)), 2, child_task=task.child))


@pytest.mark.parametrize("method", METHODS)
def test_a_worker_that_dies_stops_the_map_with_a_chinese_message(method, tmp_path, monkeypatch):
    monkeypatch.setenv(START_METHOD_VARIABLE, method)
    task = Squares(tmp_path / "met", in_child="die")
    with pytest.raises(OutputError, match="工作进程意外退出"):
        list(process_map(task, list(range(FEW * 4)), 2, child_task=task.child))
