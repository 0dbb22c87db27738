"""One way to replace a file: write a temporary file beside it, sync it, rename it over the old one.

Readers see the old bytes or the new, never half of them; a hard link to the old file
(the spare site shares files with the live one) is broken, never written through; a
failed write leaves no temporary file behind.

`write_file` is the one helper for every file an editor owns (issue files written by
`import`, `new` and the desk, their photos, the project's settings): the data and the
directory entry are flushed to disk before it returns, so a power cut just after a
save leaves the old file or the new one, never an empty one (a rename alone is not
durable on ext4/XFS/NTFS until the directory is synced). `backup=True` keeps the
replaced bytes as `<name>.bak` first, the one step of undo the desk and `import
--force` promise.

Writes the build can recreate (pages in a staging folder, the cache) may pass
`sync=False` and sync once at their own commit point instead (`sync_tree`), since an
fsync per page would cost more than the page.
"""
from __future__ import annotations

import os
from pathlib import Path

TEMP_SUFFIX = ".tmp"
BACKUP_SUFFIX = ".bak"


def temp_path(path: Path) -> Path:
    """The temporary name used while replacing `path` (hidden, named after this process)."""
    return path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")


def backup_path(path: Path) -> Path:
    """Where `write_file(..., backup=True)` keeps the previous version of `path`."""
    return path.with_name(path.name + BACKUP_SUFFIX)


def sync_directory(folder: Path) -> None:
    """Flush a directory's entries (a rename or a new name in it) to disk.

    Windows cannot open a directory for fsync and NTFS journals renames itself: skipped there."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file(path: Path, data: bytes, *, sync: bool = True, backup: bool = False) -> Path | None:
    """Replace `path` with `data` atomically; returns the backup's path when one was made.

    With backup=True the old file (if any) is first copied to `<name>.bak` (itself written
    atomically), so the previous version survives even if this write is the one that fails."""
    path = Path(path)
    kept = None
    if backup and path.is_file():
        kept = backup_path(path)
        write_file(kept, path.read_bytes(), sync=sync)
    replacement = Replacement(path, sync=sync)
    try:
        replacement.write(data)
    except BaseException:
        replacement.abort()
        raise
    replacement.commit()
    return kept


class Replacement:
    """A new version of `path`, written piece by piece (data too large to hold at once, such as a
    cache streamed as it is made): commit() puts it in place as write_file does, abort() drops it."""

    def __init__(self, path: Path, *, sync: bool = True):
        self.path, self.sync = Path(path), sync
        self.tmp = temp_path(self.path)
        self.handle = open(self.tmp, "wb")

    def write(self, data: bytes) -> None:
        self.handle.write(data)

    def commit(self) -> None:
        try:
            if self.sync:
                self.handle.flush()
                os.fsync(self.handle.fileno())
            self.handle.close()
            os.replace(self.tmp, self.path)
        finally:
            self.abort()  # after a failure: no temporary file left behind
        if self.sync:
            sync_directory(self.path.parent)

    def abort(self) -> None:
        self.handle.close()
        self.tmp.unlink(missing_ok=True)


def replace_file(path: Path, data: bytes, *, sync: bool = True) -> None:
    """`write_file` without a backup (kept for the callers that only replace)."""
    write_file(path, data, sync=sync)


def try_lock(handle) -> bool:
    """Lock an open file for this process without waiting; False if another process holds it.
    The lock goes when the handle is closed, or the process ends (killed included)."""
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


def sync_tree(root: Path) -> None:
    """fsync every file and directory under `root` (a staged site before it is swapped in)."""
    if os.name == "nt":
        return
    for folder, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        sync_directory(Path(folder))
