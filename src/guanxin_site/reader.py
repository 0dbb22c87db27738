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
    """Every *.md under issues/, in a stable order; editor and OS temp files skipped."""
    root = project_dir / ISSUES_DIR
    if not root.is_dir():
        return []
    found = []
    for path in root.rglob("*.md"):
        rel = relative_posix(path, root)
        if any(part.startswith((".", "~$", "_")) for part in rel.split("/")):
            continue
        found.append((rel, path))
    return [path for _, path in sorted(found)]


def _resolved_dir(folder: Path, resolved_dirs: dict[Path, Path] | None) -> Path:
    if resolved_dirs is None:
        return folder.resolve(strict=True)
    real = resolved_dirs.get(folder)
    if real is None:
        real = resolved_dirs[folder] = folder.resolve(strict=True)
    return real


def read_source(path: Path, project_dir: Path, resolved_dirs: dict[Path, Path] | None = None) -> SourceFile | ContentError:
    """Read one file, refusing what cannot be an issue (too big, outside the project).

    resolved_dirs: a dict kept for one build, so that each folder is resolved once, not once per file.
    """
    rel = relative_posix(path, project_dir)
    try:
        if resolved_dirs is None or stat.S_ISLNK(os.lstat(path).st_mode):
            real = path.resolve(strict=True)
        else:  # not a link: its real path is its folder's real path plus its name
            real = _resolved_dir(path.parent, resolved_dirs) / path.name
        root = _resolved_dir(project_dir, resolved_dirs)
        if not real.is_relative_to(root):
            return ContentError(rel, 1, "这个文件是指向项目以外的链接，不能作为简报使用")
        if not real.is_file():  # a folder named *.md, a pipe or a device would never finish reading
            return ContentError(rel, 1, "这不是一个普通文件，不能作为简报使用")
        with open(real, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # never more, even if the file grows while we read
            if len(data) > MAX_FILE_BYTES:
                size = max(os.fstat(handle.fileno()).st_size, len(data))
                return ContentError(rel, 1, f"文件过大（{size / 1048576:.1f} MB），一期简报通常不超过 100 KB；请检查是否放错了文件")
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop on Python < 3.13
        reason = _READ_ERRORS.get(getattr(exc, "errno", None), "链接循环" if isinstance(exc, RuntimeError) else None)
        return ContentError(rel, 1, f"无法读取文件（{reason or getattr(exc, 'strerror', None) or exc}）")
    return SourceFile(path, rel, data, hashlib.sha256(data).hexdigest())
