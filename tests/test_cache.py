"""The parse cache in .guanxin-cache/: a base file streamed by a cold parse, deltas after it."""
from __future__ import annotations

import os
import pickle
import sys
import time

import pytest

from archive_factory import write_archive
from fork_support import Meeting
from guanxin_site import build as build_module
from guanxin_site.build import build, load_project
from guanxin_site.cache import CACHE_DIR, DELTA_FILE, PARSE_FILE, ParseCache, identity
from guanxin_site.errors import OutputError
from guanxin_site.workers import MIN_ITEMS, START_METHOD_VARIABLE


@pytest.fixture
def project(tmp_path):
    project = tmp_path / "project"
    write_archive(project, 12)
    return project


def _parsed(project):
    return {issue.source: issue for issue in load_project(project).issues}


def test_streamed_base_round_trip(project):
    """put() during a streamed cold parse writes each entry as it comes, pickled or not."""
    parsed = _parsed(project)
    cache = ParseCache("key")
    cache.stream_base(project)
    for n, (rel, issue) in enumerate(sorted(parsed.items())):
        blob = pickle.dumps(issue) if n % 2 else None  # as a worker sends it, or as parsed in this process
        cache.put(rel, identity(project / rel), issue, project, blob)
    cache.save(project, set(parsed))
    folder = project / CACHE_DIR
    assert (folder / PARSE_FILE).is_file() and not (folder / DELTA_FILE).exists()
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []
    loaded = ParseCache.load(project, "key")
    assert {rel: loaded.get(rel, identity(project / rel), project) for rel in parsed} == parsed
    assert ParseCache.load(project, "another key").entries == {}  # parser or gazetteer changed: cold


def test_small_changes_go_to_a_delta_and_removals_are_remembered(project):
    parsed = _parsed(project)
    first = ParseCache("key")
    first.stream_base(project)
    for rel, issue in parsed.items():
        first.put(rel, identity(project / rel), issue, project)
    first.save(project, set(parsed))
    base = project / CACHE_DIR / PARSE_FILE
    base_stat = base.stat()

    second = ParseCache.load(project, "key")
    gone, edited = sorted(parsed)[:2]
    (project / edited).write_text((project / edited).read_text(encoding="utf-8") + "\n补记一句。\n", encoding="utf-8")
    (project / gone).unlink()
    reparsed = _parsed(project)[edited]
    second.stream_base(project)  # a base exists: no new one is streamed
    second.put(edited, identity(project / edited), reparsed, project)
    second.save(project, set(parsed) - {gone})
    assert (base.stat().st_ino, base.stat().st_mtime_ns) == (base_stat.st_ino, base_stat.st_mtime_ns)
    assert (project / CACHE_DIR / DELTA_FILE).is_file()

    third = ParseCache.load(project, "key")
    assert gone not in third.entries
    assert third.get(edited, identity(project / edited), project) == reparsed
    assert third.get(edited, (0, 0, 0, 0), project) is None  # another identity: parse again


def test_an_interrupted_stream_leaves_no_partial_base(project):
    cache = ParseCache("key")
    cache.stream_base(project)
    rel, issue = next(iter(_parsed(project).items()))
    cache.put(rel, identity(project / rel), issue, project)
    cache.discard_stream()
    assert list((project / CACHE_DIR).glob("parsed*")) == []
    assert ParseCache.load(project, "key").entries == {}


def test_a_truncated_cache_means_a_cold_parse(project):
    build(project, project / "site", search=False)
    base = project / CACHE_DIR / PARSE_FILE
    base.write_bytes(base.read_bytes()[: base.stat().st_size // 2])
    assert ParseCache.load(project, load_project_cache_key(project)).entries == {}
    build(project, project / "out2", search=False)  # still builds, and rewrites the cache
    assert len(ParseCache.load(project, load_project_cache_key(project)).entries) == 12


def load_project_cache_key(project) -> str:
    """The key load_project uses, read back from the base file it wrote."""
    with open(project / CACHE_DIR / PARSE_FILE, "rb") as handle:
        return pickle.load(handle)["key"]


@pytest.mark.skipif(sys.platform != "linux", reason="worker processes are forked on Linux only")
def test_parallel_cold_parse_streams_a_cache_that_later_builds_read(tmp_path, monkeypatch):
    project = tmp_path / "project"
    write_archive(project, MIN_ITEMS + 20)
    cached = load_project(project, use_cache=True, jobs=2)  # issues pickled by the workers, streamed to disk
    fresh = load_project(project, use_cache=False, jobs=1)
    assert cached.issues == fresh.issues

    parsed_again = []
    real_parse = build_module._ParseTask.__call__
    monkeypatch.setattr(build_module._ParseTask, "__call__",
                        lambda task, path: parsed_again.append(path) or real_parse(task, path))
    edited = project / fresh.issues[5].source
    edited.write_text(edited.read_text(encoding="utf-8").replace("关工委", "关工委（修订）", 1), encoding="utf-8")
    warm = load_project(project, use_cache=True, jobs=2)
    assert parsed_again == [edited]  # one file changed: one file parsed, in this process
    assert warm.issues == load_project(project, use_cache=False, jobs=1).issues


@pytest.mark.skipif(sys.platform != "linux", reason="worker processes are forked on Linux only")
def test_a_worker_dying_mid_parse_leaves_no_cache(tmp_path, monkeypatch):
    project = tmp_path / "project"
    write_archive(project, MIN_ITEMS + 20)
    monkeypatch.setenv(START_METHOD_VARIABLE, "fork")  # the meeting's pipes reach forked children only

    with Meeting() as meeting:  # this process waits at its first file until the child has one
        def parse_or_die(task, path):
            meeting.step()
            if meeting.in_child():
                os._exit(1)  # as if the system killed the child, at its first file
            return real_parse(task, path)

        real_parse = build_module._ParseTask.__call__
        monkeypatch.setattr(build_module._ParseTask, "__call__", parse_or_die)
        with pytest.raises(OutputError):
            load_project(project, use_cache=True, jobs=2)
    assert list((project / CACHE_DIR).glob("parsed*")) == []


def test_a_killed_builds_temporary_file_is_removed_by_the_next_cold_parse(project):
    folder = project / CACHE_DIR
    folder.mkdir()
    old, fresh = folder / "parsed.pickle.4242.tmp", folder / "parsed.pickle.4343.tmp"
    for tmp in (old, fresh):
        tmp.write_bytes(b"x" * 1000)
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    load_project(project, use_cache=True)
    assert not old.exists()
    assert fresh.exists()  # young: perhaps another build's, still writing
    assert (folder / PARSE_FILE).is_file()
