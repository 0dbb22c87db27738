"""The build cache in <project>/.guanxin-cache/: what can be reused from the last build.

- parse results (parse_cache.py), keyed by each file's identity (size, mtime, ctime, inode), so an
  unchanged file is not read or parsed again;
- the last build's input key and messages, so a build with nothing changed can stop
  before parsing anything;
- photos' renditions and cleaned image attachments (images.py), search segments (search/).

Deleting the folder (and the output) gives a cold build. A missing, damaged or
out-of-date cache is ignored. Nothing in it can run code when read (the folder travels
with the project): the parse cache is JSON (records.py), never a pickle; compiled
templates are kept outside the project (template_cache_dir). A cache that cannot be
written (the name taken by a file, a read-only folder, a full disk) never stops a build:
open_cache() then hands the build a temporary folder and a warning for the editor, and a
write that fails later drops the parse cache for that build, again with a warning.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from guanxin_site.errors import ContentError
from guanxin_site.fsutil import try_lock, write_file

CACHE_DIR = ".guanxin-cache"
LAST_BUILD_FILE = "last-build.json"

Identity = tuple[int, int, int, int]


def identity(path: str | os.PathLike) -> Identity:
    """Cheap change detection, as git does: any write changes mtime or ctime, size or inode."""
    try:
        st = os.stat(path)
    except OSError:  # a dangling or looping link: the reader reports it; here it only means "changed"
        return (-1, -1, -1, -1)
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def inputs_key(parts: list[str], files: list[tuple[str, str | Path]], known: dict | None = None) -> str:
    """Hash of option strings plus the identity of every input file (`known`: identities already taken)."""
    known = known or {}
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() + b"\0")
    for rel, path in files:
        h.update(f"{rel}\0{known.get(path) or identity(path)}\0".encode())
    return h.hexdigest()


# -- where the cache is, and what happens when it cannot be written ------------------------------

_WHY = {
    errno.ENOSPC: "磁盘已满", errno.EDQUOT: "磁盘配额已用完", errno.EROFS: "磁盘是只读的",
    errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限",
    errno.ENOTDIR: f"{CACHE_DIR} 是一个文件而不是文件夹", errno.EEXIST: f"{CACHE_DIR} 是一个文件而不是文件夹",
}


def write_problem(exc: OSError) -> str:
    """Why the cache could not be written, in the editor's words."""
    return _WHY.get(exc.errno, exc.strerror or str(exc))


def no_cache_warning(why: str) -> ContentError:
    """The one warning a build gives when it goes on without its cache."""
    return ContentError(CACHE_DIR, None, f"缓存文件夹无法写入（{why}）：这次生成没有使用缓存，照片等要重新处理，会慢一些；"
                                         f"网站照常生成。请检查磁盘空间，或删除项目中的 {CACHE_DIR}（它只是缓存，可以随时删除）")


@dataclass
class CacheFolder:
    """The folder a build keeps its cache in: the project's, or a temporary one standing in for it
    (removed when this object goes) when the project's cannot be written."""

    path: Path
    problem: str | None = None  # why the project's cache is not used, for no_cache_warning
    _temporary: tempfile.TemporaryDirectory | None = field(default=None, repr=False)

    @property
    def persistent(self) -> bool:
        return self._temporary is None

    def warning(self) -> ContentError | None:
        return None if self.problem is None else no_cache_warning(self.problem)


def open_cache(project_dir: Path) -> CacheFolder:
    """The project's cache folder, made ready (with its .gitignore) and known to be writable; or,
    when it cannot be written, a temporary folder and the reason."""
    folder = project_dir / CACHE_DIR
    try:
        _prepare(folder)
        probe = folder / f"writable.{os.getpid()}"
        write_file(probe, b"", sync=False)  # a read-only folder or a full disk fails here, not mid-build
        probe.unlink()
    except OSError as exc:
        temporary = tempfile.TemporaryDirectory(prefix="guanxin-cache-")
        return CacheFolder(Path(temporary.name), write_problem(exc), temporary)
    return CacheFolder(folder)


def _prepare(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    gitignore = folder / ".gitignore"
    if not gitignore.exists():
        write_file(gitignore, b"*\n", sync=False)  # never committed by accident


def template_cache_dir() -> Path | None:
    """Where compiled templates are kept between builds: in the user's own cache folder, never in
    the project, since Jinja runs a compiled template as Python code. None if there is none."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
    elif sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    if not base or base.startswith("~"):
        return None
    folder = Path(base) / "guanxin-site" / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


class SharedUse:
    """A build using files in a cache folder that builds into other outputs share (build, and
    build --drafts -o preview, at the same time): while it lasts, a locked marker file tells the
    others not to remove what they do not use themselves. A killed build's lock goes with it."""

    PREFIX = "in-use."

    def __init__(self, folder: Path):
        self.marker = folder / f"{self.PREFIX}{os.getpid()}.{os.urandom(4).hex()}"
        self.handle = open(self.marker, "a+b")
        try_lock(self.handle)

    def alone(self) -> bool:
        """No other build is using the folder now (markers of builds that ended are removed)."""
        alone = True
        for marker in self.marker.parent.glob(self.PREFIX + "*"):
            if marker == self.marker:
                continue
            try:
                with open(marker, "a+b") as handle:
                    ended = try_lock(handle)
                if ended:
                    marker.unlink()
                else:
                    alone = False
            except OSError:
                alone = False  # unsure: keep everything
        return alone

    def end(self) -> None:
        self.handle.close()
        self.marker.unlink(missing_ok=True)


# -- the last build's summary ---------------------------------------------------------------------

def load_last_build(folder: Path) -> dict:
    try:
        data = json.loads((folder / LAST_BUILD_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save_last_build(folder: Path, data: dict) -> str | None:
    """Returns why it could not be written, or None. Not synced: a torn file reads as no summary."""
    try:
        write_file(folder / LAST_BUILD_FILE, json.dumps(data, ensure_ascii=False, sort_keys=True).encode(), sync=False)
    except OSError as exc:
        return write_problem(exc)
    return None
