"""Unit tests of the writer: staging, reuse by hard link, the manifest, recovery, refusals."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from guanxin_site.errors import OutputError
from guanxin_site.writer import (GENERATOR, MANIFEST, STAGING_MARK, SiteWriter, _is_current, _lock_file, _recover, check_target,
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
    # Beside it, the spare the next build stages into: the same files, as hard links (no second copy).
    assert sorted(p.name for p in project.iterdir()) == [".site.spare", "issues", "site"]
    spare = project / ".site.spare"
    assert all((spare / rel).stat().st_ino == (target / rel).stat().st_ino for rel in ("index.html", "2023/53/index.html"))


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
    assert sorted(p.name for p in project.iterdir()) == [".site.spare", "issues", "site"]


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
    # The spare it staged into is gone too: what it holds now matches no manifest.
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
    assert sorted(p.name for p in project.iterdir()) == [".site.spare", "issues", "site"]  # the first build's spare


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


# -- Windows: a file another program holds open; the truth after the swap -------------------------

@pytest.fixture
def like_windows(monkeypatch):
    """The swap as it runs on Windows (two renames, no atomic exchange), with no waiting between attempts.
    held_open(path, times): os.rename of that folder fails as Windows fails it while a program holds a file
    inside open (PermissionError, WinError 32), the given number of times."""
    from guanxin_site import writer

    monkeypatch.setattr(writer, "_rename_exchange", lambda a, b: False)
    monkeypatch.setattr(writer, "RENAME_PAUSE", 0)
    refusals: dict[Path, int] = {}
    rename = os.rename

    def refusing(source, dest, *args, **kwargs):
        if refusals.get(Path(source), 0) > 0:
            refusals[Path(source)] -= 1
            raise PermissionError(13, "The process cannot access the file because it is being used by another process",
                                  str(source))
        return rename(source, dest, *args, **kwargs)

    monkeypatch.setattr(os, "rename", refusing)
    return lambda path, times: refusals.__setitem__(Path(path), times)


def test_a_site_held_open_for_a_moment_is_replaced_after_a_retry(project, like_windows):
    target = project / "site"
    write_site(target, project, {"index.html": b"old"})
    like_windows(target, 3)  # three refusals, then the program lets go
    write_site(target, project, {"index.html": b"new"})
    assert files_of(target)["index.html"] == b"new"


def test_a_site_held_open_throughout_is_left_whole_with_a_chinese_message(project, like_windows):
    from guanxin_site.writer import RENAME_ATTEMPTS

    target = project / "site"
    write_site(target, project, {"index.html": b"old", "2023/1/index.html": b"issue"})
    before = files_of(target)
    like_windows(target, RENAME_ATTEMPTS)
    with pytest.raises(OutputError) as caught:
        write_site(target, project, {"index.html": b"new", "2023/1/index.html": b"issue"})
    assert "正被其他程序打开" in str(caught.value) and "原有的网站保持不变" in str(caught.value)
    assert files_of(target) == before
    assert not [p for p in project.iterdir() if ".staging-" in p.name or ".old-" in p.name]


def test_a_new_site_that_cannot_be_moved_in_puts_the_old_one_back(project, like_windows, monkeypatch):
    from guanxin_site import writer

    target = project / "site"
    write_site(target, project, {"index.html": b"old"})
    before = files_of(target)
    staged: list[Path] = []
    seal = writer._Staging.seal

    def sealing(self, manifest):
        seal(self, manifest)
        staged.append(self.path)
        like_windows(self.path, writer.RENAME_ATTEMPTS)  # the new site cannot be moved into place

    monkeypatch.setattr(writer._Staging, "seal", sealing)
    with pytest.raises(OutputError, match="原有的网站保持不变"):
        write_site(target, project, {"index.html": b"new"})
    assert files_of(target) == before and not staged[0].exists()


def test_after_the_swap_a_failure_to_keep_the_previous_site_fails_nothing(project, like_windows, monkeypatch):
    """Issue 24: a later failure said "原有的网站保持不变" and removed the previous site. Once the new site is in
    place the build has succeeded; keeping the previous one as the spare is only a help for the next build."""
    from guanxin_site import writer

    target = project / "site"
    for content in (b"one", b"two"):
        write_site(target, project, {"index.html": content})
    olds: list[Path] = []
    keep = writer._keep_as_spare

    def refused(previous, live):
        olds.append(previous)
        like_windows(previous, writer.RENAME_ATTEMPTS)  # the previous site is held open: it cannot become the spare
        keep(previous, live)

    monkeypatch.setattr(writer, "_keep_as_spare", refused)
    monkeypatch.setattr(writer.shutil, "rmtree", lambda *a, **k: (_ for _ in ()).throw(PermissionError(13, "held")))
    writer_, changed = write_site(target, project, {"index.html": b"three"})
    assert changed and files_of(target)["index.html"] == b"three"
    assert olds and (olds[0] / "index.html").read_bytes() == b"two"  # not removed: the next build tidies it
    monkeypatch.undo()
    write_site(target, project, {"index.html": b"four"})
    assert files_of(target)["index.html"] == b"four" and not olds[0].exists()


def test_the_staged_site_is_on_disk_before_it_is_swapped_in(project, monkeypatch):
    """A failure to flush it (an I/O error) stops the build before the swap: the old site stays."""
    from guanxin_site import writer

    target = project / "site"
    write_site(target, project, {"index.html": b"old"})
    flushed: list[Path] = []
    monkeypatch.setattr(writer, "_flush_to_disk", lambda folder: flushed.append(folder) or (_ for _ in ()).throw(
        OSError(5, "Input/output error")))
    with pytest.raises(OutputError, match="原有的网站保持不变"):
        write_site(target, project, {"index.html": b"new"})
    assert files_of(target)["index.html"] == b"old" and len(flushed) == 1


def test_two_files_whose_names_differ_only_in_case_are_refused_before_either_is_replaced(project):
    """Windows tells no letter case apart: the second would silently replace the first. Photos and attachments
    avoid it upstream (images.py numbers a clashing photo's name); this is the net under every other name."""
    from guanxin_site.writer import OutputNameError

    target = project / "site"
    with SiteWriter(target, project) as writer:
        writer.put("2019/1/原件.pdf", b"one")
        with pytest.raises(OutputNameError, match="只差字母大小写"):
            writer.put("2019/1/原件.PDF", b"two")


def test_the_rebuild_after_a_first_build_stages_into_its_spare_and_creates_no_folders(project, monkeypatch):
    """The first rebuild used to create the whole tree of folders and links again (most of the time of an
    issue added to a large archive): the first build leaves a spare of hard links for it."""
    target = project / "site"
    pages = {f"{year}/{n}/index.html": f"{year}-{n}".encode() for year in range(2000, 2010) for n in range(1, 20)}
    write_site(target, project, {"index.html": b"home", **pages})
    made: list[str] = []
    mkdir = os.mkdir
    monkeypatch.setattr(os, "mkdir", lambda path, *a, **k: mkdir(path, *a, **k) or made.append(str(path)))  # made ones
    writer, changed = write_site(target, project, {"index.html": b"home, again", **pages})
    assert changed and writer.written == 1 and [m for m in made if ".site." in m] == []
    assert files_of(target)["index.html"] == b"home, again"


def test_a_manifest_is_parsed_once_while_its_file_is_the_same(project, monkeypatch):
    """A build reads the site's manifest several times (the build, the target's check, recovery): parsed
    once per identity of the file, parsed again when the file is replaced or rewritten."""
    from guanxin_site import writer as writer_module
    from guanxin_site.writer import read_manifest, spare_path

    monkeypatch.setattr(writer_module, "_READ_MANIFESTS", {})  # not the manifests earlier tests left remembered
    target = project / "site"
    write_site(target, project, {"a.html": b"a"})
    parsed = []
    real_loads = json.loads
    # json is shared by the whole process: count only this site's manifests (a server thread of another
    # test's fixture may parse JSON meanwhile).
    monkeypatch.setattr(writer_module.json, "loads", lambda text, *args, **kwargs: (
        parsed.append(1) if isinstance(text, str) and '"a.html"' in text and GENERATOR in text else None,
        real_loads(text, *args, **kwargs))[1])
    first = read_manifest(target)
    assert read_manifest(target) is first and len(parsed) == 1
    assert read_manifest(spare_path(target)) is not None and len(parsed) == 2  # the spare a first build leaves
    with SiteWriter(target, project) as writer:  # checks the target twice, recovers, reads both again
        writer.put("a.html", b"a")
    assert len(parsed) == 2
    write_site(target, project, {"a.html": b"b"})  # a new manifest in place
    assert read_manifest(target)["files"] != first["files"] and len(parsed) > 1
