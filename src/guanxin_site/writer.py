"""Stage 6: write the site atomically.

A build writes into a staging directory beside the output and swaps it in only
when everything succeeded, so readers and a killed build never see half a site.
Files whose bytes did not change are hard-linked from the previous output: their
mtimes stay as they were (rsync and CDNs see no change), and a build that changes
nothing touches nothing at all.
"""
from __future__ import annotations

import ctypes
import hashlib
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from guanxin_site.errors import OutputError

MANIFEST = ".guanxin-site.json"  # marks a directory as ours and records what we wrote
STAGING_MARK = ".guanxin-staging"


def _lock_file(handle) -> bool:
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


@contextmanager
def output_lock(target: Path):
    """One build per output directory at a time; a second one is refused, not queued."""
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.parent / f".{target.name}.lock"
    with open(lock_path, "a+b") as handle:
        if not _lock_file(handle):
            raise OutputError(f"另一个构建正在写入 {target}，请等它结束后再试")
        yield


def read_manifest(target: Path) -> dict | None:
    try:
        data = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else None


def check_target(target: Path, project_dir: Path) -> None:
    """Refuse an output directory we might damage: not ours, or holding the project."""
    resolved, project = target.resolve(), project_dir.resolve()
    if resolved == project or project.is_relative_to(resolved):
        raise OutputError(f"输出目录 {target} 包含项目本身，不能使用；请用单独的目录，例如 site/")
    for protected in ("issues", "templates"):
        if resolved.is_relative_to(project / protected):
            raise OutputError(f"输出目录 {target} 位于 {protected}/ 之内，不能使用")
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise OutputError(f"输出位置 {target} 不是一个普通目录，拒绝覆盖")
    if target.is_dir() and read_manifest(target) is None and any(target.iterdir()):
        raise OutputError(f"输出目录 {target} 不是空的，也不是 guanxin-site 生成的网站；为避免误删其中的文件，拒绝使用。请换一个目录，或确认后手动清空它")


def _recover(target: Path) -> None:
    """Undo what a build killed mid-swap or mid-write left behind beside the output."""
    parent = target.parent
    olds = sorted(parent.glob(f".{target.name}.old-*"))
    if olds and not target.exists() and (olds[-1] / MANIFEST).exists():
        os.rename(olds[-1], target)
    for leftover in parent.glob(f".{target.name}.staging-*"):
        if (leftover / STAGING_MARK).exists() or (leftover / MANIFEST).exists():
            shutil.rmtree(leftover, ignore_errors=True)
    for leftover in parent.glob(f".{target.name}.old-*"):
        if leftover.exists() and (leftover / MANIFEST).exists():
            shutil.rmtree(leftover, ignore_errors=True)


def _rename_exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def safe_relpath(rel: str) -> str:
    """Output paths come from slugs and file names: never let one escape the site."""
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or rel.startswith(("/", "\\")):
        raise OutputError(f"内部错误：不安全的输出路径 {rel!r}")
    return pure.as_posix()


class SiteWriter:
    """Collects the files of one build and publishes them in a single swap."""

    def __init__(self, target: Path, project_dir: Path):
        self.target = target
        self.project_dir = project_dir
        self.files: dict[str, str] = {}  # path -> sha256 of what the new site holds there
        self.written = 0  # files whose bytes changed
        self._staging: Path | None = None
        self._kept: set[str] = set()

    def __enter__(self) -> "SiteWriter":
        check_target(self.target, self.project_dir)
        _recover(self.target)
        check_target(self.target, self.project_dir)
        self.previous = read_manifest(self.target) or {"files": {}}
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._staging is not None and self._staging.exists():
            shutil.rmtree(self._staging, ignore_errors=True)  # on failure nothing was swapped in

    @property
    def previous_files(self) -> dict[str, str]:
        return self.previous["files"]

    def put(self, rel: str, data: bytes) -> None:
        rel = safe_relpath(rel)
        if rel in self.files:
            raise OutputError(f"内部错误：两个页面都要写入 {rel}")
        digest = hashlib.sha256(data).hexdigest()
        self.files[rel] = digest
        if self.previous_files.get(rel) == digest and (self.target / rel).is_file():
            self._kept.add(rel)
            return
        path = self._stage() / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.written += 1

    def keep(self, rel: str) -> bool:
        """Reuse the previous build's file unchanged; False if there is none to reuse."""
        digest = self.previous_files.get(rel)
        if digest is None or rel in self.files or not (self.target / rel).is_file():
            return False
        self.files[rel] = digest
        self._kept.add(rel)
        return True

    @property
    def changed(self) -> bool:
        return self.written > 0 or set(self.files) != set(self.previous_files) or not self.target.exists()

    def commit(self, extra_manifest: dict | None = None) -> bool:
        """Swap the new site in; returns False when nothing changed (and nothing was touched)."""
        if not self.changed:
            return False
        staging = self._stage()
        for rel in sorted(self._kept):
            self._link(self.target / rel, staging / rel)
        manifest = {"generator": "guanxin-site", **(extra_manifest or {}), "files": dict(sorted(self.files.items()))}
        (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
        (staging / STAGING_MARK).unlink()
        self._swap(staging)
        self._staging = None
        return True

    def _stage(self) -> Path:
        if self._staging is None:
            self._staging = self.target.parent / f".{self.target.name}.staging-{os.getpid()}"
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging.mkdir(parents=True)
            (self._staging / STAGING_MARK).write_bytes(b"")
        return self._staging

    @staticmethod
    def _link(source: Path, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, dest)
        except OSError:  # file systems without hard links (FAT, some network drives)
            shutil.copy2(source, dest)

    def _swap(self, staging: Path) -> None:
        target = self.target
        if not target.exists():
            os.rename(staging, target)
            return
        if _rename_exchange(staging, target):
            shutil.rmtree(staging)  # now holds the previous site
            return
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        os.rename(target, old)
        os.rename(staging, target)
        shutil.rmtree(old, ignore_errors=True)
