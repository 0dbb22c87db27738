"""Safe output: atomic swap, builds killed mid-way, concurrent builds, refused output dirs.

Builds run as real processes (python -m guanxin_site) and are killed with a real
SIGKILL, either by themselves at a named point of writing or from outside while they
are held at one (tests/faulty_build.py replaces writer.checkpoint, the seam for this).
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive_factory import write_archive
from guanxin_site.cli import main
from guanxin_site.writer import MANIFEST, SPARE_MARK, STAGING_MARK, output_lock

LOCKED = "另一个构建正在写入"


def snapshot(root: Path) -> dict[str, tuple[bytes | None, int]]:
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() and not p.is_symlink() else None, p.lstat().st_mtime_ns)
            for p in sorted(root.rglob("*"))}


FAULTY = Path(__file__).with_name("faulty_build.py")


def start_build(project: Path, *args: str, fault: str | None = None) -> subprocess.Popen:
    """A build in its own process; with fault="POINT:kill" or "POINT:pause", through tests/faulty_build.py."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    command = [str(FAULTY), fault] if fault else ["-m", "guanxin_site"]
    return subprocess.Popen([sys.executable, *command, "build", "--source", str(project), *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def held_at(proc: subprocess.Popen, point: str) -> subprocess.Popen:
    """Wait (on the pipe, no timing) until a build started with fault="POINT:pause" is held there."""
    line = proc.stdout.readline()
    assert line == f"paused at {point}\n", (line, proc.communicate())
    return proc


def release(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = proc.communicate("go\n", timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def run_build(project: Path, *args: str, fault: str | None = None) -> subprocess.CompletedProcess:
    proc = start_build(project, *args, fault=fault)
    out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def leftovers(site: Path) -> list[str]:
    """What a killed build left beside the site: its staging folder or the old site, under their own names or
    in the spare (which a build stages into, and which holds the previous site right after the swap) when the
    spare is not one a finished build kept (marked as staging, or without its mark as the spare)."""
    spare = site.parent / f".{site.name}.spare"
    unfinished = spare.is_dir() and ((spare / STAGING_MARK).exists() or not (spare / SPARE_MARK).exists())
    return sorted(p.name for p in site.parent.iterdir()
                  if p.name.startswith((f".{site.name}.staging-", f".{site.name}.old-")) or p == spare and unfinished)


def assert_site_valid(site: Path) -> dict:
    """The site is exactly what its manifest says, with nothing half-written beside it."""
    manifest = json.loads((site / MANIFEST).read_text(encoding="utf-8"))
    on_disk = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()} - {MANIFEST}
    assert on_disk == set(manifest["files"])
    for rel, digest in manifest["files"].items():
        assert hashlib.sha256((site / rel).read_bytes()).hexdigest() == digest, rel
    assert leftovers(site) == []
    return manifest


@pytest.fixture
def project(project: Path) -> Path:
    """conftest's empty project, with 30 issues and a first build."""
    write_archive(project, 30)
    result = CliRunner().invoke(main, ["build", "--source", str(project)])
    assert result.exit_code == 0, result.output
    return project


def change_content(project: Path, marker: str) -> None:
    """Change one issue's title so the next build has pages to write."""
    path = sorted((project / "issues").rglob("*.md"))[-1]
    text = path.read_text(encoding="utf-8")
    lines = [f"title: {marker}" if line.startswith("title: ") else line for line in text.split("\n")]
    path.write_text("\n".join(lines), encoding="utf-8")


def latest_page_has(site: Path, marker: str) -> bool:
    return marker in (site / "index.html").read_text(encoding="utf-8")


# -- killed builds -----------------------------------------------------------------


@pytest.mark.parametrize("point", ["put", "commit"])
def test_build_killed_before_the_swap_leaves_the_old_site(project, point):
    site = project / "site"
    before = snapshot(site)
    change_content(project, "被中断的构建")
    killed = run_build(project, fault=f"{point}:kill")
    assert killed.returncode == -signal.SIGKILL
    assert snapshot(site) == before
    assert leftovers(site), "the killed build should have left its staging directory"

    again = run_build(project)
    assert again.returncode == 0, again.stderr
    assert_site_valid(site)
    assert latest_page_has(site, "被中断的构建")


def test_build_killed_right_after_the_swap_has_the_new_site(project):
    site = project / "site"
    change_content(project, "交换之后被中断")
    killed = run_build(project, fault="swapped:kill")
    assert killed.returncode == -signal.SIGKILL
    assert latest_page_has(site, "交换之后被中断")  # the swap happened, in one step
    assert leftovers(site)  # the previous site, not yet deleted

    again = run_build(project)
    assert again.returncode == 0, again.stderr
    assert_site_valid(site)
    assert latest_page_has(site, "交换之后被中断")


def test_build_killed_from_outside_once_staging_appears(project):
    site = project / "site"
    before = snapshot(site)
    change_content(project, "外部中断")
    proc = held_at(start_build(project, fault="put:pause"), "put")
    assert leftovers(site)  # its staging directory
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert snapshot(site) == before

    again = run_build(project)
    assert again.returncode == 0, again.stderr
    assert_site_valid(site)


def test_first_build_killed_leaves_no_site_and_the_next_one_recovers(tmp_path):
    project = tmp_path / "fresh"
    project.mkdir()
    write_archive(project, 5)
    killed = run_build(project, fault="commit:kill")
    assert killed.returncode == -signal.SIGKILL
    assert not (project / "site").exists()
    again = run_build(project)
    assert again.returncode == 0, again.stderr
    assert_site_valid(project / "site")


def test_readers_never_see_a_missing_or_partial_site(project):
    """While builds replace the site again and again, every page path keeps resolving."""
    site = project / "site"
    watched = [site / "index.html", site / "archive/index.html", site / MANIFEST]
    failures: list[str] = []
    stop = threading.Event()

    def read_forever() -> None:
        while not stop.is_set():
            for path in watched:
                try:
                    if not path.read_bytes():
                        failures.append(f"{path}: empty")
                except OSError as exc:
                    failures.append(f"{path}: {exc}")

    reader = threading.Thread(target=read_forever)
    reader.start()
    try:
        for n in range(6):
            change_content(project, f"第{n}次改版")
            result = CliRunner().invoke(main, ["build", "--source", str(project)])
            assert result.exit_code == 0, result.output
    finally:
        stop.set()
        reader.join()
    assert failures == []
    assert_site_valid(site)


# -- concurrent builds -------------------------------------------------------------


def test_build_refused_while_another_holds_the_lock(project):
    site = project / "site"
    before = snapshot(site)
    change_content(project, "锁")
    with output_lock(site):
        result = CliRunner().invoke(main, ["build", "--source", str(project)])
    assert result.exit_code == 1
    assert LOCKED in result.stderr and "Traceback" not in result.output
    assert snapshot(site) == before


def test_second_build_during_a_first_is_refused_and_the_first_completes(project):
    site = project / "site"
    change_content(project, "并发构建")
    first = held_at(start_build(project, fault="commit:pause"), "commit")  # holds the lock, staging complete
    second = run_build(project)
    assert second.returncode == 1
    assert LOCKED in second.stderr and "Traceback" not in second.stderr
    done = release(first)
    assert done.returncode == 0, done.stderr
    assert_site_valid(site)
    assert latest_page_has(site, "并发构建")


def test_a_build_that_opened_the_lock_file_before_another_finished_is_refused(project):
    """Two builds started at once: the second opens the lock file, the first takes the lock,
    builds and removes the file; the second then locks a file no longer there and must stop."""
    site = project / "site"
    change_content(project, "同时开始")
    late = held_at(start_build(project, fault="lock:pause"), "lock")
    first = run_build(project)
    assert first.returncode == 0, first.stderr
    refused_late = release(late)
    assert refused_late.returncode == 1, refused_late.stdout
    assert LOCKED in refused_late.stderr and "Traceback" not in refused_late.stderr
    assert_site_valid(site)
    assert latest_page_has(site, "同时开始")


# -- where the output may go -------------------------------------------------------


def refused(project: Path, output: Path | str, words: str) -> None:
    result = CliRunner().invoke(main, ["build", "--source", str(project), "--output", str(output)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert words in result.stderr and "不能用作输出目录" in result.stderr, result.stderr


def test_refuses_a_non_empty_directory_that_is_not_ours(project, tmp_path):
    other = tmp_path / "documents"
    (other / "sub").mkdir(parents=True)
    (other / "报告.docx").write_bytes(b"PK\x03\x04 keep me")
    (other / "sub/notes.txt").write_text("keep me too")
    before = snapshot(other)
    refused(project, other, "不是 guanxin-site 生成的网站")
    assert snapshot(other) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".documents")] == []  # not even a lock file


def test_refuses_a_directory_whose_manifest_is_not_ours(project, tmp_path):
    other = tmp_path / "fake"
    other.mkdir()
    (other / MANIFEST).write_text('{"files": {}}')
    (other / "index.html").write_text("someone else's")
    refused(project, other, "不是 guanxin-site 生成的网站")
    assert (other / "index.html").read_text() == "someone else's"


@pytest.mark.parametrize("where", ["project", "parent", "grandparent", "issues", "templates"])
def test_refuses_the_project_itself_a_parent_of_it_or_its_inputs(project, where):
    (project / "templates").mkdir(exist_ok=True)
    output = {"project": project, "parent": project.parent, "grandparent": project.parent.parent,
              "issues": project / "issues/2019", "templates": project / "templates/out"}[where]
    def inputs() -> dict:  # the project minus its build cache, which every run may refresh
        return {k: v for k, v in snapshot(project).items() if not k.startswith(".guanxin-cache")}

    before = inputs()
    refused(project, output, "包含项目本身" if where in ("project", "parent", "grandparent") else "之内")
    assert inputs() == before


def test_refuses_a_symlink_as_output(project, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    refused(project, tmp_path / "link", "不是一个普通目录")
    assert list(real.iterdir()) == []


def test_unwritable_output_location_is_a_message_not_a_traceback(project, tmp_path):
    (tmp_path / "plain-file").write_text("x")
    result = CliRunner().invoke(main, ["build", "--source", str(project), "--output", str(tmp_path / "plain-file/site")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "无法写入输出目录" in result.stderr


def test_empty_directory_and_earlier_output_are_accepted(project, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    for _ in range(2):
        result = CliRunner().invoke(main, ["build", "--source", str(project), "--output", str(out)])
        assert result.exit_code == 0, result.output
    assert_site_valid(out)


OURS = ("site", ".site.spare")  # the output and the previous site kept for the next build


def test_never_deletes_outside_the_output_directory(project, tmp_path):
    out = tmp_path / "www" / "site"
    result = CliRunner().invoke(main, ["build", "--source", str(project), "--output", str(out)])
    assert result.exit_code == 0, result.output
    # Things beside and behind the output that look like ours by name but are not.
    neighbours = tmp_path / "www"
    (neighbours / ".site.staging-mine").mkdir()
    (neighbours / ".site.staging-mine/keep.txt").write_text("not ours")
    (neighbours / ".site.old-mine").mkdir()
    (neighbours / ".site.old-mine/keep.txt").write_text("not ours")
    (neighbours / "readme.txt").write_text("beside the site")
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "data.txt").write_text("precious")
    (out / "link-to-precious").symlink_to(outside)  # someone linked a folder into the old site
    before_neighbours = {p.name: snapshot(p) if p.is_dir() else p.read_bytes()
                         for p in neighbours.iterdir() if p.name not in OURS}
    before_outside = snapshot(outside)

    change_content(project, "不删外面的文件")
    result = CliRunner().invoke(main, ["build", "--source", str(project), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name: snapshot(p) if p.is_dir() else p.read_bytes()
            for p in neighbours.iterdir() if p.name not in OURS} == before_neighbours
    assert snapshot(outside) == before_outside
    assert not (out / "link-to-precious").exists()  # inside the output: replaced with the new site
