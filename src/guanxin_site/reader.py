"""Stage 1: find the issue files of a project and read their bytes."""
from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from guanxin_site.errors import ContentError

ISSUES_DIR = "issues"
CONFIG_FILE = "site.yaml"
MAX_FILE_BYTES = 2 * 1024 * 1024  # a real issue is about 10 KB; megabytes mean a wrong or pasted file


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute
    rel: str  # relative to the project, forward slashes: what messages show
    data: bytes
    digest: str


_READ_ERRORS = {
    errno.ENOENT: "文件不存在，可能是指向已删除文件的链接",
    errno.ELOOP: "链接循环",
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
}


def relative_posix(path: Path, root: Path) -> str:
    """path relative to root with forward slashes, by string slicing: pathlib's relative_to
    is slow on thousands of files. path must lie under root."""
    prefix = str(root) + os.sep
    text = str(path)
    rel = text[len(prefix):] if text.startswith(prefix) else path.relative_to(root).as_posix()
    return rel.replace(os.sep, "/")


def discover(project_dir: Path) -> list[Path]:
    """Every *.md under issues/, in a stable order; editor and OS temp files skipped.

    Like Path.rglob (links to folders are not followed, links to files are listed), but
    with os.scandir: this runs on every build, even one with nothing to do."""
    return [Path(path) for _, path in issue_files(project_dir)]


def issue_files(project_dir: Path) -> list[tuple[str, str]]:
    """discover() as (name relative to the project with forward slashes, path) strings: the
    nothing-changed check looks at thousands of them and needs no Path objects."""
    root = os.path.join(project_dir, ISSUES_DIR)
    if not os.path.isdir(root):
        return []
    found: list[str] = []
    _scan(root, "", found)
    return [(f"{ISSUES_DIR}/{rel}", os.path.join(root, *rel.split("/"))) for rel in sorted(found)]


def _scan(folder: str, prefix: str, found: list[str]) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return  # unreadable or vanished meanwhile: as rglob, skip it
    for entry in entries:
        if entry.name.startswith((".", "~$", "_")):
            continue
        rel = prefix + entry.name
        try:
            is_folder = entry.is_dir(follow_symlinks=False)
        except OSError:
            continue
        if os.path.normcase(entry.name).endswith(".md"):  # case-insensitive where the system is (Windows)
            found.append(rel)  # a folder too: reading reports that it is not a file
        if is_folder:
            _scan(entry.path, rel + "/", found)


def _resolved_dir(folder: Path, resolved_dirs: dict[Path, str] | None) -> str:
    if resolved_dirs is None:
        return str(folder.resolve(strict=True))
    real = resolved_dirs.get(folder)
    if real is None:
        real = resolved_dirs[folder] = str(folder.resolve(strict=True))
    return real


def read_source(path: Path, project_dir: Path, resolved_dirs: dict[Path, str] | None = None) -> SourceFile | ContentError:
    """Read one file, refusing what cannot be an issue (too big, outside the project).

    resolved_dirs: a dict kept for one build, so that each folder is resolved once, not once per file.
    Runs for every file of a cold build, hence plain os calls rather than pathlib's.
    """
    rel = relative_posix(path, project_dir)
    try:
        mode = os.lstat(path).st_mode
        if resolved_dirs is None or stat.S_ISLNK(mode):
            real = str(path.resolve(strict=True))
            mode = os.stat(real).st_mode
        else:  # not a link: its real path is its folder's real path plus its name
            real = os.path.join(_resolved_dir(path.parent, resolved_dirs), path.name)
        root = _resolved_dir(project_dir, resolved_dirs)
        if not real.startswith(root if root.endswith(os.sep) else root + os.sep):  # a project at E:\ or /
            return ContentError(rel, 1, "这个文件是指向项目以外的链接，不能作为简报使用")
        if not stat.S_ISREG(mode):  # a folder named *.md, a pipe or a device would never finish reading
            return ContentError(rel, 1, "这不是一个普通文件，不能作为简报使用")
        data = _read_at_most(real, MAX_FILE_BYTES + 1)  # never more, even if the file grows while we read
        if len(data) > MAX_FILE_BYTES:
            size = max(os.stat(real).st_size, len(data))
            return ContentError(rel, 1, f"文件过大（{size / 1048576:.1f} MB），一期简报通常不超过 100 KB；请检查是否放错了文件")
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop on Python < 3.13
        reason = _READ_ERRORS.get(getattr(exc, "errno", None), "链接循环" if isinstance(exc, RuntimeError) else None)
        return ContentError(rel, 1, f"无法读取文件（{reason or getattr(exc, 'strerror', None) or exc}）")
    return SourceFile(path, rel, data, hashlib.sha256(data).hexdigest())


def _read_at_most(path: str, limit: int) -> bytes:
    """The file's bytes, at most `limit` of them, in reads sized by the file (not by the limit)."""
    # O_NOFOLLOW: the path was checked to be no link; a link swapped in since is refused, not followed.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0))
    try:
        parts = []
        wanted = min(os.fstat(fd).st_size + 1, limit)  # one more than its size: to see it has ended
        while wanted > 0 and (chunk := os.read(fd, wanted)):
            parts.append(chunk)
            limit -= len(chunk)
            wanted = min(max(wanted, 65536), limit)
        return b"".join(parts)
    finally:
        os.close(fd)


def is_project(folder: Path) -> bool:
    """A project folder: it has site.yaml or an issues/ folder."""
    return (folder / CONFIG_FILE).is_file() or (folder / ISSUES_DIR).is_dir()


def not_a_project(folder: Path) -> str | None:
    """Why a command cannot run in `folder` (Chinese), naming the project above it if there is one; None for a project."""
    if is_project(folder):
        return None
    shown = f"当前文件夹（{folder.resolve()}）" if folder == Path(".") else f"{folder} "  # never a bare "."
    where = f"{shown}中没有 issues/ 文件夹，也没有 {CONFIG_FILE}，不像是简报网站的项目目录"
    above = next((p for p in folder.resolve().parents if is_project(p)), None)
    if above is not None:
        return f"{where}；它在项目 {above} 里面。请回到项目目录运行（cd {above}），或加上 --source {above}"
    return f"{where}；请在项目目录中运行，或用 --source 指定项目目录（新项目请先运行 guanxin-site init）"
