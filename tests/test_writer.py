"""Unit tests of the writer: staging, reuse by hard link, the manifest, recovery, refusals."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from guanxin_site.errors import OutputError
from guanxin_site.writer import (MANIFEST, STAGING_MARK, SiteWriter, _is_current, _lock_file, _recover, check_target,
                                 output_lock, safe_relpath)


def write_site(target: Path, project: Path, files: dict[str, bytes]) -> tuple[SiteWriter, bool]:
    with SiteWriter(target, project) as writer:
        for rel, data in files.items():
            writer.put(rel, data)
        changed = writer.commit({"pages": {}})
    return writer, changed


def files_of(target: Path) -> dict[str, bytes]:
    return {p.relative_to(target).as_posix(): p.read_bytes() for p in sorted(target.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "issues").mkdir(parents=True)
    return root


def test_first_write_creates_the_site_and_its_manifest(project):
    target = project / "site"
    writer, changed = write_site(target, project, {"index.html": b"home", "2023/53/index.html": b"issue"})
    assert changed and writer.written == 2
    files = files_of(target)
    assert files.pop("index.html") == b"home" and files.pop("2023/53/index.html") == b"issue"
    manifest = json.loads(files.pop(MANIFEST))
    assert manifest["generator"] == "guanxin-site" and sorted(manifest["files"]) == ["2023/53/index.html", "index.html"]
    assert files == {}
    assert sorted(p.name for p in project.iterdir()) == ["issues", "site"]


def test_unchanged_files_keep_inode_and_mtime(project):
    target = project / "site"
    write_site(target, project, {"a.html": b"same", "b.html": b"old"})
    before = (target / "a.html").stat()
    os.utime(target / "a.html", ns=(1_000_000_000, 1_000_000_000))
    writer, changed = write_site(target, project, {"a.html": b"same", "b.html": b"new"})
    assert changed and writer.written == 1
    after = (target / "a.html").stat()
    assert after.st_ino == before.st_ino and after.st_mtime_ns == 1_000_000_000
    assert (target / "b.html").read_bytes() == b"new"


def test_nothing_changed_touches_nothing(project):
    target = project / "site"
    write_site(target, project, {"a.html": b"same"})
    inode = target.stat().st_ino
    writer, changed = write_site(target, project, {"a.html": b"same"})
    assert not changed and writer.written == 0
    assert target.stat().st_ino == inode
    assert sorted(p.name for p in project.iterdir()) == ["issues", "site"]


def test_removed_pages_disappear(project):
    target = project / "site"
    write_site(target, project, {"a.html": b"a", "old/b.html": b"b"})
    write_site(target, project, {"a.html": b"a"})
    assert set(files_of(target)) == {"a.html", MANIFEST}


def test_manifest_is_deterministic(tmp_path):
    outputs = []
    for name in ("one", "two"):
        project = tmp_path / name
        (project / "issues").mkdir(parents=True)
        write_site(project / "site", project, {"z.html": b"z", "a/b.html": "中文".encode()})
        outputs.append((project / "site" / MANIFEST).read_bytes())
    assert outputs[0] == outputs[1]


def test_failure_inside_the_writer_leaves_the_old_site_and_no_staging(project):
    target = project / "site"
    write_site(target, project, {"a.html": b"old"})
    with pytest.raises(RuntimeError):
        with SiteWriter(target, project) as writer:
            writer.put("a.html", b"new")
            raise RuntimeError("render failed")
    assert (target / "a.html").read_bytes() == b"old"
    assert sorted(p.name for p in project.iterdir()) == ["issues", "site"]


@pytest.mark.parametrize("rel", ["../x.html", "/etc/passwd", "a/../../x", "", "\\\\server\\x", "/"])
def test_unsafe_output_paths_are_refused(rel):
    with pytest.raises(OutputError):
        safe_relpath(rel)


def test_the_same_path_twice_is_refused(project):
    with SiteWriter(project / "site", project) as writer:
        writer.put("a.html", b"1")
        with pytest.raises(OutputError):
            writer.put("a.html", b"2")


def test_a_forged_manifest_cannot_reach_outside(project, tmp_path):
    target = project / "site"
    write_site(target, project, {"a.html": b"a"})
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"secret")
    manifest = json.loads((target / MANIFEST).read_text())
    manifest["files"]["../../secret.txt"] = "x"
    manifest["files"]["planted.html"] = "y"
    (target / MANIFEST).write_text(json.dumps(manifest))
    (target / "planted.html").symlink_to(secret)
    with SiteWriter(target, project) as writer:
        with pytest.raises(OutputError):
            writer.keep("../../secret.txt")
        assert writer.keep("planted.html") is False  # a symlink is never republished
        writer.put("a.html", b"a")
        writer.commit()
    assert secret.read_bytes() == b"secret"
    assert set(files_of(target)) == {"a.html", MANIFEST}


def test_recover_after_a_kill_between_the_two_renames(project):
    """Where RENAME_EXCHANGE is missing, a kill can leave the old site moved aside and no site."""
    target = project / "site"
    write_site(target, project, {"a.html": b"old"})
    os.rename(target, project / ".site.old-4242-abcd")
    staging = project / ".site.staging-xyz"
    staging.mkdir()
    (staging / STAGING_MARK).write_bytes(b"")
    (staging / "a.html").write_bytes(b"half")
    _recover(target)
    assert files_of(target)["a.html"] == b"old"
    assert sorted(p.name for p in project.iterdir()) == ["issues", "site"]


def test_recover_leaves_directories_that_are_not_ours(project):
    target = project / "site"
    for name in (".site.staging-mine", ".site.old-mine"):
        (project / name).mkdir()
        (project / name / "keep.txt").write_text("x")
    _recover(target)
    assert not target.exists()
    assert (project / ".site.staging-mine/keep.txt").exists() and (project / ".site.old-mine/keep.txt").exists()


def test_check_target_refusals(project, tmp_path):
    (tmp_path / "a-file").write_text("x")
    for target, words in ((tmp_path / "a-file", "不是一个普通目录"), (project, "包含项目本身"),
                          (tmp_path, "包含项目本身"), (project / "issues/out", "issues/"),
                          (project / ".git/site", ".git/")):
        with pytest.raises(OutputError, match=words):
            check_target(target, project)
    check_target(project / "site", project)  # missing: fine
    (tmp_path / "empty").mkdir()
    check_target(tmp_path / "empty", project)  # empty: fine


def test_output_lock_is_exclusive_and_released(project):
    target = project / "site"
    with output_lock(target):
        with pytest.raises(OutputError, match="另一个构建正在写入"):
            with output_lock(target):
                pass
    with output_lock(target):  # released
        pass
    assert list(project.iterdir()) == [project / "issues"]  # the lock leaves nothing beside the output


def test_output_lock_leaves_no_file_and_a_stale_opener_is_refused(project, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    target = project / "site"
    with output_lock(target):
        [lock_path] = (tmp_path / "tmp").iterdir()
        stale = open(lock_path, "a+b")  # a second build that opened the file but had not locked it yet
    assert list((tmp_path / "tmp").iterdir()) == []
    with stale:
        assert _lock_file(stale) and not _is_current(stale, lock_path)
    with output_lock(target):  # a later build gets a fresh lock file
        assert len(list((tmp_path / "tmp").iterdir())) == 1


def two_builds(tmp_path):
    """A site built twice ("one", then "two"): the first build's site is now the spare."""
    from guanxin_site.writer import SiteWriter, spare_path

    project, site = tmp_path / "project", tmp_path / "site"
    project.mkdir()
    for content in (b"one", b"two"):
        with SiteWriter(site, project) as writer:
            writer.put("index.html", content)
            writer.commit()
    spare = spare_path(site)
    assert (spare / "index.html").read_bytes() == b"one"
    return project, site, spare


def test_a_spare_taken_for_staging_survives_a_build_that_changes_nothing(tmp_path):
    from guanxin_site.writer import SiteWriter

    project, site, spare = two_builds(tmp_path)
    with SiteWriter(site, project) as writer:
        writer.stager()  # takes the spare for staging
        writer.put("index.html", b"two")  # identical to the live site: nothing written
        assert not writer.commit()
    assert (spare / "index.html").read_bytes() == b"one" and (spare / ".guanxin-site.json").exists()
    with SiteWriter(site, project) as writer:
        writer.put("index.html", b"three")
        writer.commit()
    assert (site / "index.html").read_bytes() == b"three"
    assert not (site / ".guanxin-staging").exists() and not (site / ".guanxin-spare").exists()


def test_a_spare_written_by_workers_of_a_failed_build_is_discarded(tmp_path):
    """Workers stage pages before the parent records them; if the build then fails, the spare's
    old manifest would describe bytes it no longer holds, so the spare must not be kept."""
    from guanxin_site.writer import SiteWriter

    project, site, spare = two_builds(tmp_path)
    with pytest.raises(RuntimeError):
        with SiteWriter(site, project) as writer:
            writer.stager().stage("index.html", b"from a failed build")  # as a worker does; never recorded
            raise RuntimeError("a later page failed")
    assert not spare.exists() or b"failed" not in (spare / "index.html").read_bytes()
    with SiteWriter(site, project) as writer:
        writer.put("index.html", b"two")
        writer.put("other.html", b"x")
        writer.commit()
    assert (site / "index.html").read_bytes() == b"two"
