"""The build cache in <project>/.guanxin-cache/: what can be reused from the last build.

- parse results, keyed by each file's identity (size, mtime, ctime, inode), so an
  unchanged file is not read or parsed again;
- the last build's input key and messages, so a build with nothing changed can stop
  before parsing anything.
Deleting the folder (and the output) gives a cold build. A missing, corrupt or
out-of-date cache is simply ignored.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

from guanxin_site.models import Issue

CACHE_DIR = ".guanxin-cache"
PARSE_FILE = "parsed.pickle"
DELTA_FILE = "parsed-delta.pickle"
LAST_BUILD_FILE = "last-build.json"
FORMAT = 3  # bump when the pickled layout changes

Identity = tuple[int, int, int, int]


def identity(path: Path) -> Identity:
    """Cheap change detection, as git does: any write changes mtime or ctime, size or inode."""
    try:
        st = path.stat()
    except OSError:  # a dangling or looping link: the reader reports it; here it only means "changed"
        return (-1, -1, -1, -1)
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def inputs_key(parts: list[str], files: list[tuple[str, Path]]) -> str:
    """Hash of option strings plus the identity of every input file."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() + b"\0")
    for rel, path in files:
        h.update(f"{rel}\0{identity(path)}\0".encode())
    return h.hexdigest()


@dataclass
class ParseCache:
    """Parsed issues by file. Stored as a base file plus a small delta of later changes,
    so adding one issue to a large archive rewrites kilobytes, not the whole cache."""

    key: str  # parser version, gazetteer and default publisher: what parsing depends on besides the file
    entries: dict[str, tuple[Identity, tuple[tuple[str, Identity], ...], Issue]] = field(default_factory=dict)
    base_id: str = ""  # identifies the base file a delta applies to
    base_size: int = 0
    delta: dict = field(default_factory=dict)  # rel -> entry, or None when removed, since the base
    dirty: bool = False

    @classmethod
    def load(cls, project_dir: Path, key: str) -> "ParseCache":
        folder = project_dir / CACHE_DIR
        try:
            base = _read_pickle(folder / PARSE_FILE)
            if base.get("format") != FORMAT or base.get("key") != key:
                return cls(key)
            cache = cls(key, base["entries"], base["id"], len(base["entries"]))
        except Exception:  # noqa: BLE001 - any unreadable cache means a cold parse, never a failed build
            return cls(key)
        try:
            delta = _read_pickle(folder / DELTA_FILE)
            if delta.get("base") == cache.base_id:
                cache.delta = delta["entries"]
                for rel, entry in cache.delta.items():
                    if entry is None:
                        cache.entries.pop(rel, None)
                    else:
                        cache.entries[rel] = entry
        except Exception:  # noqa: BLE001 - no delta, or one for another base
            pass
        return cache

    def get(self, rel: str, file_identity: Identity, project_dir: Path) -> Issue | None:
        cached = self.entries.get(rel)
        if cached is None or cached[0] != file_identity:
            return None
        for attachment, seen in cached[1]:
            if identity(project_dir / attachment) != seen:
                return None
        return cached[2]

    def put(self, rel: str, file_identity: Identity, issue: Issue, project_dir: Path) -> None:
        cached = self.entries.get(rel)
        if cached is not None and cached[0] == file_identity and cached[2] is issue:
            return  # taken from the cache unchanged
        attachments = tuple((a.source, identity(project_dir / a.source)) for a in issue.attachments)
        self.entries[rel] = self.delta[rel] = (file_identity, attachments, issue)
        self.dirty = True

    def save(self, project_dir: Path, keep: set[str]) -> None:
        """Write what changed: a delta while it is small, otherwise a new base."""
        for rel in [r for r in self.entries if r not in keep]:
            del self.entries[rel]
            self.delta[rel] = None
            self.dirty = True
        if not self.dirty:
            return
        folder = project_dir / CACHE_DIR
        if self.base_id and len(self.delta) <= max(50, self.base_size // 10):
            _atomic_pickle(folder / DELTA_FILE, {"format": FORMAT, "base": self.base_id, "entries": self.delta})
            return
        self.base_id = os.urandom(8).hex()
        _atomic_pickle(folder / PARSE_FILE, {"format": FORMAT, "key": self.key, "id": self.base_id, "entries": self.entries})
        (folder / DELTA_FILE).unlink(missing_ok=True)
        self.base_size, self.delta = len(self.entries), {}


def _read_pickle(path: Path) -> dict:
    with open(path, "rb") as handle:
        header = pickle.load(handle)
        header["entries"] = dict(pickle.load(handle) for _ in range(header.pop("count")))
        return header


def _atomic_pickle(path: Path, data: dict) -> None:
    """Stream entry by entry to disk, then rename into place.

    One pickle per entry keeps the pickler's memo small: a single pickle of the
    whole cache would hold a reference table to every object in it.
    """
    _prepare(path.parent)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    entries = data["entries"]
    with open(tmp, "wb") as handle:
        pickle.dump({**data, "entries": None, "count": len(entries)}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        for item in entries.items():
            pickle.dump(item, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def load_last_build(project_dir: Path) -> dict:
    try:
        data = json.loads((project_dir / CACHE_DIR / LAST_BUILD_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save_last_build(project_dir: Path, data: dict) -> None:
    _atomic_write(project_dir / CACHE_DIR / LAST_BUILD_FILE, json.dumps(data, ensure_ascii=False, sort_keys=True).encode())


def _prepare(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    gitignore = folder / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("*\n", encoding="utf-8")  # never committed by accident


def _atomic_write(path: Path, data: bytes) -> None:
    _prepare(path.parent)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
