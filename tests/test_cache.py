"""The parse cache in .guanxin-cache/: a base file streamed by a cold parse, deltas after it; marshal records that run
nothing when read; a cache that cannot be written never stops a build."""
from __future__ import annotations

import errno
import json
import marshal
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive_factory import write_archive
from fork_support import Meeting
from guanxin_site import loader as loader_module
from guanxin_site.build import build
from guanxin_site.loader import load_project
from guanxin_site.cache import CACHE_DIR, identity, open_cache
from guanxin_site.parse_cache import DELTA_FILE, PARSE_FILE, ParseCache
from guanxin_site.records import encode_issue
from guanxin_site.errors import OutputError
from guanxin_site.workers import MIN_ITEMS, START_METHOD_VARIABLE


@pytest.fixture
def project(tmp_path):
    project = tmp_path / "project"
    write_archive(project, 12)
    return project


def _parsed(project):
    return {issue.source: issue for issue in load_project(project).issues}


def _folder(project):
    return open_cache(project).path


def test_streamed_base_round_trip(project):
    """put() during a streamed cold parse writes each entry as it comes, encoded or not."""
    parsed = _parsed(project)
    cache = ParseCache("key")
    folder = _folder(project)
    cache.stream_base(folder)
    for n, (rel, issue) in enumerate(sorted(parsed.items())):
        blob = encode_issue(issue) if n % 2 else None  # as a worker sends it, or as parsed in this process
        cache.put(rel, identity(project / rel), issue, project, blob)
    cache.save(folder, set(parsed))
    assert (folder / PARSE_FILE).is_file() and not (folder / DELTA_FILE).exists()
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []
    loaded = ParseCache.load(folder, "key")
    assert {rel: loaded.get(rel, identity(project / rel), project) for rel in parsed} == parsed
    assert ParseCache.load(folder, "another key").entries == {}  # parser or gazetteer changed: cold


def test_small_changes_go_to_a_delta_and_removals_are_remembered(project):
    parsed = _parsed(project)
    first = ParseCache("key")
    folder = _folder(project)
    first.stream_base(folder)
    for rel, issue in parsed.items():
        first.put(rel, identity(project / rel), issue, project)
    first.save(folder, set(parsed))
    base = folder / PARSE_FILE
    base_stat = base.stat()

    second = ParseCache.load(folder, "key")
    gone, edited = sorted(parsed)[:2]
    (project / edited).write_text((project / edited).read_text(encoding="utf-8") + "\n补记一句。\n", encoding="utf-8")
    (project / gone).unlink()
    reparsed = _parsed(project)[edited]
    second.stream_base(folder)  # a base exists: no new one is streamed
    second.put(edited, identity(project / edited), reparsed, project)
    second.save(folder, set(parsed) - {gone})
    assert (base.stat().st_ino, base.stat().st_mtime_ns) == (base_stat.st_ino, base_stat.st_mtime_ns)
    assert (folder / DELTA_FILE).is_file()

    third = ParseCache.load(folder, "key")
    assert gone not in third.entries
    assert third.get(edited, identity(project / edited), project) == reparsed
    assert third.get(edited, (0, 0, 0, 0), project) is None  # another identity: parse again


def test_an_interrupted_stream_leaves_no_partial_base(project):
    cache = ParseCache("key")
    folder = _folder(project)
    cache.stream_base(folder)
    rel, issue = next(iter(_parsed(project).items()))
    cache.put(rel, identity(project / rel), issue, project)
    cache.discard_stream()
    assert list(folder.glob("*parsed*")) == []
    assert ParseCache.load(folder, "key").entries == {}


def test_a_truncated_cache_means_a_cold_parse(project):
    build(project, project / "site", search=False)
    base = project / CACHE_DIR / PARSE_FILE
    key = load_project_cache_key(project)
    base.write_bytes(base.read_bytes()[: base.stat().st_size // 2])
    assert ParseCache.load(project / CACHE_DIR, key).entries == {}
    build(project, project / "out2", search=False)  # still builds, and rewrites the cache
    assert len(ParseCache.load(project / CACHE_DIR, key).entries) == 12


def load_project_cache_key(project) -> str:
    """The key load_project uses, read back from the base file it wrote."""
    with open(project / CACHE_DIR / PARSE_FILE, "rb") as handle:
        return json.loads(handle.readline())["key"]


@pytest.mark.skipif(sys.platform != "linux", reason="worker processes are forked on Linux only")
def test_parallel_cold_parse_streams_a_cache_that_later_builds_read(tmp_path, monkeypatch):
    project = tmp_path / "project"
    write_archive(project, MIN_ITEMS + 20)
    cached = load_project(project, use_cache=True, jobs=2)  # issues encoded by the workers, streamed to disk
    fresh = load_project(project, use_cache=False, jobs=1)
    assert cached.issues == fresh.issues

    parsed_again = []
    real_parse = loader_module._ParseTask.__call__
    monkeypatch.setattr(loader_module._ParseTask, "__call__",
                        lambda task, path: parsed_again.append(path) or real_parse(task, path))
    edited = project / fresh.issues[5].source
    edited.write_text(edited.read_text(encoding="utf-8").replace("关工委", "关工委（修订）", 1), encoding="utf-8")
    warm = load_project(project, use_cache=True, jobs=2)
    assert parsed_again == [edited]  # one file changed: one file parsed, in this process
    assert warm.issues == load_project(project, use_cache=False, jobs=1).issues


@pytest.mark.skipif(sys.platform != "linux", reason="the meeting's pipes reach forked workers only, and fork is Linux's")
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

        real_parse = loader_module._ParseTask.__call__
        monkeypatch.setattr(loader_module._ParseTask, "__call__", parse_or_die)
        with pytest.raises(OutputError):
            load_project(project, use_cache=True, jobs=2)
    assert list((project / CACHE_DIR).glob("*parsed*")) == []


def test_a_killed_builds_temporary_file_is_removed_by_the_next_cold_parse(project):
    folder = project / CACHE_DIR
    folder.mkdir()
    old, fresh = folder / f".{PARSE_FILE}.4242.tmp", folder / f".{PARSE_FILE}.4343.tmp"
    for tmp in (old, fresh):
        tmp.write_bytes(b"x" * 1000)
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    load_project(project, use_cache=True)
    assert not old.exists()
    assert fresh.exists()  # young: perhaps another build's, still writing
    assert (folder / PARSE_FILE).is_file()


# -- nothing in the cache runs code when read ----------------------------------------------------

class _Payload:
    """Unpickling this creates the marker file: what a crafted cache on a USB stick could do instead."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _plant(path, marker) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(_Payload(marker)))


def _jinja_bucket_names(project):
    """The files Jinja's FileSystemBytecodeCache would read for the project's templates."""
    import hashlib

    from guanxin_site.loader import load_site_config
    from guanxin_site.render import make_environment

    env = make_environment(project, load_site_config(project, None)[0])
    names = []
    for name in env.list_templates(extensions=["html", "xml", "txt", "js", "css"]):
        filename = env.loader.get_source(env, name)[1]
        key = hashlib.sha1(name.encode("utf-8"))
        key.update(("|" + filename).encode("utf-8"))
        names.append(f"__jinja2_{key.hexdigest()}.cache")
    return names


def test_a_crafted_cache_never_runs_code_and_is_rebuilt(project, tmp_path):
    """A project handed over with a .guanxin-cache whose every file (the parse cache under its old
    and new names, compiled templates, the last build's summary) is a pickle that writes a marker
    file when unpickled: the build never runs it, and writes a cache of its own."""
    build(project, tmp_path / "site", search=False)
    marker = tmp_path / "ran"
    cache = project / CACHE_DIR
    for path in [*(p for p in cache.rglob("*") if p.is_file() and p.name != ".gitignore"),
                 cache / "parsed.pickle", cache / "parsed-delta.pickle",
                 *(cache / "templates" / name for name in _jinja_bucket_names(project))]:
        _plant(path, marker)
    for name in _jinja_bucket_names(project):  # Jinja's bytecode files start with a magic; its checksum is a pickle
        from jinja2.bccache import bc_magic

        (cache / "templates" / name).write_bytes(bc_magic + pickle.dumps(_Payload(marker)))
    edited = sorted((project / "issues").rglob("*.md"))[3]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n补记一句。\n", encoding="utf-8")

    result = build(project, tmp_path / "site", search=False)
    assert not marker.exists()
    assert result.changed and result.issues == 12
    assert len(ParseCache.load(cache, load_project_cache_key(project)).entries) == 12  # a cache of its own, plain values
    assert not (cache / "parsed.pickle").exists() and not (cache / "parsed-delta.pickle").exists()
    assert build(project, tmp_path / "site", search=False).inputs_unchanged  # and it is used
    assert not marker.exists()


def test_no_cache_file_is_a_pickle_or_compiled_code(project, tmp_path):
    """What a build leaves in .guanxin-cache: records, JSON, images, search segments and the sealed part's
    vocabulary sum (their own formats), nothing else."""
    build(project, tmp_path / "site")
    for path in (project / CACHE_DIR).rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not data.startswith(b"\x80") and b"__jinja2_" not in path.name.encode(), path  # pickle protocol 2+
            assert path.suffix in (".bin", ".json", ".seg", ".vocab", "") or path.name == ".gitignore", path


# -- a cache that cannot be written never stops a build ------------------------------------------

def _photo_issue(project):
    from photo_support import phone_jpeg

    issue = sorted((project / "issues").rglob("*.md"))[0]
    issue.write_text(issue.read_text(encoding="utf-8") + "\n![会议现场](会议.jpg)\n", encoding="utf-8")
    phone_jpeg(issue.parent / "会议.jpg", 900, 600)
    return issue


def _cli_build(project, site):
    from click.testing import CliRunner

    from guanxin_site.cli import main

    return CliRunner().invoke(main, ["build", "--source", str(project), "--output", str(site)], catch_exceptions=False)


def test_a_file_where_the_cache_folder_should_be(project, tmp_path):
    _photo_issue(project)
    (project / CACHE_DIR).write_text("不是文件夹", encoding="utf-8")
    result = _cli_build(project, tmp_path / "site")
    assert result.exit_code == 0, result.output
    assert result.output.count("缓存文件夹无法写入（.guanxin-cache 是一个文件而不是文件夹）") == 1, result.output
    assert "Traceback" not in result.output
    assert list((tmp_path / "site").rglob("会议-*.jpg"))  # photos made all the same, in a temporary folder
    assert (project / CACHE_DIR).read_text(encoding="utf-8") == "不是文件夹"


@pytest.mark.parametrize("code, said", [(errno.ENOSPC, "磁盘已满"), (errno.EROFS, "磁盘是只读的"), (errno.EACCES, "没有写入权限")])
def test_a_cache_folder_that_refuses_writes(project, tmp_path, monkeypatch, code, said):
    """A full disk, a read-only one, a folder without permission (simulated: tests may run as root,
    whom permissions do not stop): every write into .guanxin-cache fails."""
    from guanxin_site import fsutil

    build(project, tmp_path / "first", search=False)  # a cache folder with a parse cache in it
    _photo_issue(project)
    cache = (project / CACHE_DIR).resolve()

    def refusing_open(path, *args, **kwargs):
        if Path(path).resolve().is_relative_to(cache):
            raise OSError(code, os.strerror(code), str(path))
        return open(path, *args, **kwargs)

    monkeypatch.setattr(fsutil, "open", refusing_open, raising=False)
    before = {p: p.read_bytes() for p in cache.rglob("*") if p.is_file()}
    result = build(project, tmp_path / "site")
    assert [str(w) for w in result.warnings if CACHE_DIR in w.path] == [
        f"{CACHE_DIR}: 缓存文件夹无法写入（{said}）：这次生成没有使用缓存，照片等要重新处理，会慢一些；网站照常生成。"
        f"请检查磁盘空间，或删除项目中的 {CACHE_DIR}（它只是缓存，可以随时删除）"]
    assert result.photos_made == 1 and list((tmp_path / "site").rglob("会议-*.jpg"))
    assert {p: p.read_bytes() for p in cache.rglob("*") if p.is_file()} == before  # left as it was


def test_a_disk_that_fills_up_while_the_parse_cache_is_written(project, tmp_path, monkeypatch):
    from guanxin_site import fsutil

    real_write = fsutil.Replacement.write

    def full_disk(self, data):
        if self.path.name == PARSE_FILE:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(self, data)

    monkeypatch.setattr(fsutil.Replacement, "write", full_disk)
    result = build(project, tmp_path / "site", search=False)
    cache_warnings = [w.message for w in result.warnings if w.path == CACHE_DIR]
    assert result.issues == 12 and len(cache_warnings) == 1 and cache_warnings[0].startswith("缓存文件夹无法写入（磁盘已满）")
    folder = project / CACHE_DIR
    assert not (folder / PARSE_FILE).exists() and not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.undo()
    edited = sorted((project / "issues").rglob("*.md"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n补记一句。\n", encoding="utf-8")
    assert not [w for w in build(project, tmp_path / "site", search=False).warnings if w.path == CACHE_DIR]
    assert len(ParseCache.load(folder, load_project_cache_key(project)).entries) == 12  # the disk has room again


def test_a_full_disk_while_photos_are_stored_is_a_message(project, tmp_path, monkeypatch):
    """Photos are made into the cache and published from it: when that write fails mid-build, the build
    stops with a Chinese message, not a traceback, and the site is left as it was."""
    from click.testing import CliRunner

    from guanxin_site import fsutil
    from guanxin_site.cli import main

    _photo_issue(project)
    real_write = fsutil.Replacement.write

    def full_disk(self, data):
        if self.path.suffix in (".jpg", ".webp"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(self, data)

    monkeypatch.setattr(fsutil.Replacement, "write", full_disk)
    result = CliRunner().invoke(main, ["build", "--source", str(project), "--output", str(tmp_path / "site")])
    assert result.exit_code == 1 and "无法写入缓存文件夹 .guanxin-cache（磁盘已满）" in result.output, result.output
    assert not (tmp_path / "site").exists()


# -- two builds at once share the cache ----------------------------------------------------------

def test_two_builds_into_different_outputs_at_once_keep_each_others_search_segments(project, tmp_path, monkeypatch):
    """build, and build --drafts -o preview started while the first is indexing: their archives differ
    (a draft), so each has segments the other has not. Neither removes the other's while it runs."""
    from guanxin_site.search import index

    draft = project / "issues/2030/001.md"
    draft.parent.mkdir(parents=True)
    draft.write_text("---\nnumber: 1\ndate: 2030-01-04\ntitle: 草稿\ndraft: true\n---\n\n## 黑河市\n\n黑河市关工委召开会议。\n",
                     encoding="utf-8")
    real_shard_items, started = index.shard_items, []

    def preview_meanwhile(shards):  # the first build has its segments on disk and is about to read them
        if not started:
            started.append(subprocess.run([sys.executable, "-m", "guanxin_site", "build", "--source", str(project), "--drafts",
                                           "--output", str(tmp_path / "preview"), "-j", "1"], capture_output=True, text=True))
        return real_shard_items(shards)

    monkeypatch.setattr(index, "shard_items", preview_meanwhile)
    build(project, tmp_path / "site", jobs=1)
    assert started[0].returncode == 0, started[0].stderr
    monkeypatch.undo()
    build(project, tmp_path / "clean", jobs=1, use_cache=False)
    site, clean = tmp_path / "site" / index.DATA_DIR, tmp_path / "clean" / index.DATA_DIR
    assert {p.relative_to(site): p.read_bytes() for p in site.rglob("*.*")} == \
        {p.relative_to(clean): p.read_bytes() for p in clean.rglob("*.*")}
    # Alone again: a later build removes the segments no build uses any more.
    draft.unlink()
    build(project, tmp_path / "site", jobs=1)
    assert len(list((project / CACHE_DIR / "search").glob("*.seg"))) == 1
    assert not list((project / CACHE_DIR / "search").glob("in-use.*"))


# -- records.py: the models as plain values ---------------------------------------------------------------

def test_every_field_of_an_issue_round_trips(project):
    """An issue with every kind of field filled (photos with renditions, attachments, counties, the
    distribution lines, None and non-None optionals) comes back equal, with tuples where it had them."""
    from dataclasses import fields, is_dataclass

    from photo_support import phone_jpeg
    from guanxin_site.records import decode_issue

    issue_path = _photo_issue(project)
    text = issue_path.read_text(encoding="utf-8")
    issue_path.write_text(text.replace("---\n", "---\nsummary: 摘要\nattachments: [原件.pdf]\ndistribution: [报：省关工委]\n", 1)
                          .replace("黑河市关工委", "黑河市北安市关工委", 1), encoding="utf-8")
    (issue_path.parent / "原件.pdf").write_bytes(b"%PDF-1.4 a")
    phone_jpeg(issue_path.parent / "会议.jpg", 900, 600)
    issues = load_project(project).issues
    rich = next(i for i in issues if i.photos)
    assert rich.attachments and rich.summary and rich.distribution and any(r.counties for r in rich.reports)

    def same(a, b):  # equal, and of the same types all the way down (a list is not a tuple)
        assert type(a) is type(b), (a, b)
        if is_dataclass(a):
            for f in fields(a):
                same(getattr(a, f.name), getattr(b, f.name))
        elif isinstance(a, tuple):
            assert len(a) == len(b)
            for x, y in zip(a, b):
                same(x, y)
        else:
            assert a == b

    for issue in issues:
        same(decode_issue(encode_issue(issue)), issue)


@pytest.mark.parametrize("damage", [
    lambda r: r.__setitem__(2, "53"),  # number as text
    lambda r: r.__setitem__(3, 10**9),  # a date beyond year 9999
    lambda r: r.__setitem__(11, [["x"]]),  # a report that is not one
    lambda r: r[11][0].__setitem__(0, '["1", 2]'),  # a place that is not one
    lambda r: r.append(None),  # a field too many
    lambda r: r.pop(),  # one too few
    lambda r: r.__setitem__(16, [["date", "5"]]),  # a line that is not a number
])
def test_a_damaged_record_is_refused(project, damage):
    from guanxin_site.records import RecordError, decode_issue, issue_record

    def editable(value):  # the record's tuples as lists, to damage in place
        return [editable(v) for v in value] if isinstance(value, tuple) else value

    def stored(value):
        return tuple(stored(v) for v in value) if isinstance(value, list) else value

    record = editable(issue_record(load_project(project).issues[0]))
    damage(record)
    with pytest.raises(RecordError):
        decode_issue(marshal.dumps(stored(record)))


@pytest.mark.parametrize("planted", [
    lambda: marshal.dumps(compile("1", "x", "eval")),  # a code object: marshal makes it, nothing runs it
    lambda: marshal.dumps([1, 2]),  # a list where a record is a tuple
    lambda: marshal.dumps(frozenset({1})),
    lambda: b"\xe3\x00",  # cut short
    lambda: b"",
])
def test_marshal_data_that_is_not_a_record_is_refused(planted):
    from guanxin_site.records import RecordError, decode_issue

    with pytest.raises(RecordError):
        decode_issue(planted())


def test_a_damaged_frame_length_means_a_cold_parse(project):
    """A length that runs past the end, or a huge one, is a damaged file: read as no cache, never a crash."""
    build(project, project / "site", search=False)
    base = project / CACHE_DIR / PARSE_FILE
    key = load_project_cache_key(project)
    data = base.read_bytes()
    first_frame = data.index(b"\n") + 1
    for length in (len(data), 2**32 - 1):
        base.write_bytes(data[:first_frame] + length.to_bytes(4, "little") + data[first_frame + 4:])
        assert ParseCache.load(project / CACHE_DIR, key).entries == {}
    base.write_bytes(data)
    assert len(ParseCache.load(project / CACHE_DIR, key).entries) == 12
