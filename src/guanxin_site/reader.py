"""Stage 1: find the issue files of a project and read their bytes."""
from __future__ import annotations

import hashlib
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


def discover(project_dir: Path) -> list[Path]:
    """Every *.md under issues/, in a stable order; editor and OS temp files skipped."""
    root = project_dir / ISSUES_DIR
    if not root.is_dir():
        return []
    found = []
    for path in root.rglob("*.md"):
        parts = path.relative_to(root).parts
        if any(part.startswith((".", "~$", "_")) for part in parts):
            continue
        found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def read_source(path: Path, project_dir: Path) -> SourceFile | ContentError:
    """Read one file, refusing what cannot be an issue (too big, outside the project)."""
    rel = path.relative_to(project_dir).as_posix()
    try:
        real = path.resolve(strict=True)
        if not real.is_relative_to(project_dir.resolve()):
            return ContentError(rel, None, "这个文件是指向项目以外的链接，不能作为简报使用")
        size = real.stat().st_size
        if size > MAX_FILE_BYTES:
            return ContentError(rel, None, f"文件过大（{size / 1048576:.1f} MB），一期简报通常不超过 100 KB；请检查是否放错了文件")
        data = real.read_bytes()
    except OSError as exc:
        return ContentError(rel, None, f"无法读取文件（{exc.strerror or exc}）")
    return SourceFile(path, rel, data, hashlib.sha256(data).hexdigest())
