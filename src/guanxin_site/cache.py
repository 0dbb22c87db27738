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
import time
from dataclasses import dataclass, field
from pathlib import Path

from guanxin_site.fsutil import replace_file
from guanxin_site.models import Issue

CACHE_DIR = ".guanxin-cache"
PARSE_FILE = "parsed.pickle"
DELTA_FILE = "parsed-delta.pickle"
LAST_BUILD_FILE = "last-build.json"
FORMAT = 4  # bump when the pickled layout changes

Identity = tuple[int, int, int, int]


def identity(path: Path) -> Identity:
    """Cheap change detection, as git does: any write changes mtime or ctime, size or inode."""
    try:
        st = path.stat()
    except OSError:  # a dangling or looping link: the reader reports it; here it only means "changed"
        return (-1, -1, -1, -1)
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def inputs_key(parts: list[str], files: list[tuple[str, Path]], known: dict[Path, Identity] | None = None) -> str:
    """Hash of option strings plus the identity of every input file (`known`: identities already taken)."""
    known = known or {}
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() + b"\0")
    for rel, path in files:
        h.update(f"{rel}\0{known.get(path) or identity(path)}\0".encode())
    return h.hexdigest()


@dataclass
class ParseCache:
    """Parsed issues by file. Stored as a base file plus a small delta of later changes,
    so adding one issue to a large archive rewrites kilobytes, not the whole cache.

    A cold parse streams its results into a new base as they arrive (stream_base), already
    pickled by the worker that parsed them, so the cache costs no second pickling pass."""

    key: str  # parser version, gazetteer and default publisher: what parsing depends on besides the file
    entries: dict[str, tuple[Identity, tuple[tuple[str, Identity], ...], Issue]] = field(default_factory=dict)
    base_id: str = ""  # identifies the base file a delta applies to
    base_size: int = 0
    delta: dict = field(default_factory=dict)  # rel -> entry, or None when removed, since the base
    dirty: bool = False
    _stream: "_EntryWriter | None" = None

    @classmethod
    def load(cls, project_dir: Path, key: str) -> "ParseCache":
        folder = project_dir / CACHE_DIR
        try:
            header, entries = _read_entries(folder / PARSE_FILE, lambda h: h.get("format") == FORMAT and h.get("key") == key)
            if entries is None:
                return cls(key)
            cache = cls(key, entries, header["id"], len(entries))
        except Exception:  # noqa: BLE001 - any unreadable cache means a cold parse, never a failed build
            return cls(key)
        try:
            _, delta = _read_entries(folder / DELTA_FILE, lambda h: h.get("format") == FORMAT and h.get("base") == cache.base_id)
            if delta is not None:
                cache.delta = delta
                for rel, entry in delta.items():
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

    def stream_base(self, project_dir: Path) -> None:
        """With no base to build on, write a new one entry by entry as put() receives them."""
        if not self.base_id and self._stream is None:
            _remove_stale_temporaries(project_dir / CACHE_DIR)
            self.base_id = os.urandom(8).hex()
            self._stream = _EntryWriter(project_dir / CACHE_DIR / PARSE_FILE,
                                        {"format": FORMAT, "key": self.key, "id": self.base_id})

    def put(self, rel: str, file_identity: Identity, issue: Issue, project_dir: Path, pickled: bytes | None = None) -> None:
        """Record a freshly parsed file; `pickled` is the issue already pickled (by a worker)."""
        attachments = tuple((a.source, identity(project_dir / a.source)) for a in (*issue.attachments, *issue.photos))
        entry = self.entries[rel] = (file_identity, attachments, issue)
        if self._stream is not None:
            self._stream.add(rel, entry, pickled)
            return
        self.delta[rel] = entry
        self.dirty = True

    def save(self, project_dir: Path, keep: set[str]) -> None:
        """Write what changed: a delta while it is small, otherwise a new base."""
        for rel in [r for r in self.entries if r not in keep]:
            del self.entries[rel]
            self.delta[rel] = None
            self.dirty = True
        folder = project_dir / CACHE_DIR
        if self._stream is not None:
            self._stream.commit()
            self._stream = None  # only now: if the commit failed, discard_stream() removes its file
            (folder / DELTA_FILE).unlink(missing_ok=True)
            self.base_size = len(self.entries)
        if not self.dirty:
            return
        if self.base_id and len(self.delta) <= max(50, self.base_size // 10):
            _write_entries(folder / DELTA_FILE, {"format": FORMAT, "base": self.base_id}, self.delta)
        else:
            self.base_id = os.urandom(8).hex()
            _write_entries(folder / PARSE_FILE, {"format": FORMAT, "key": self.key, "id": self.base_id}, self.entries)
            (folder / DELTA_FILE).unlink(missing_ok=True)
            self.base_size, self.delta = len(self.entries), {}
        self.dirty = False

    def discard_stream(self) -> None:
        """A parse that failed midway leaves no partial base behind."""
        if self._stream is not None:
            self._stream.abort()
            self._stream, self.base_id = None, ""


def _read_entries(path: Path, accept) -> tuple[dict, dict | None]:
    """A header, then per entry (rel, identity, attachments) and the pickled issue; None ends the file.
    A removed entry (in a delta) is (rel, None, None) with no issue after it. The entries are
    read only if accept(header): a cache for another version or key is not unpickled at all."""
    with open(path, "rb") as handle:
        header = pickle.load(handle)
        if not isinstance(header, dict) or not accept(header):
            return header, None
        entries: dict = {}
        while (meta := pickle.load(handle)) is not None:
            rel, file_identity, attachments = meta
            entries[rel] = None if file_identity is None else (file_identity, attachments, pickle.load(handle))
        return header, entries


STALE_SECONDS = 3600  # no parse takes an hour: an older temporary file is a killed build's


def _remove_stale_temporaries(folder: Path) -> None:
    """A build killed while streaming leaves its temporary file (as large as the cache) behind."""
    now = time.time()
    for tmp in folder.glob("*.tmp"):
        try:
            if now - tmp.stat().st_mtime > STALE_SECONDS:
                tmp.unlink()
        except OSError:
            pass  # gone meanwhile, or not ours to remove


class _EntryWriter:
    """Streams entries to a temporary file; commit() renames it into place.

    One pickle per entry keeps the pickler's memo small (a single pickle of the whole
    cache would hold a reference table to every object in it), and lets an issue
    pickled in a worker process be written as it is."""

    def __init__(self, path: Path, header: dict):
        _prepare(path.parent)
        self.path = path
        self.tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        self.handle = open(self.tmp, "wb")
        pickle.dump(header, self.handle, protocol=pickle.HIGHEST_PROTOCOL)

    def add(self, rel: str, entry: tuple | None, pickled: bytes | None = None) -> None:
        if entry is None:
            pickle.dump((rel, None, None), self.handle, protocol=pickle.HIGHEST_PROTOCOL)
            return
        file_identity, attachments, issue = entry
        pickle.dump((rel, file_identity, attachments), self.handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.handle.write(pickled if pickled is not None else pickle.dumps(issue, protocol=pickle.HIGHEST_PROTOCOL))

    def commit(self) -> None:
        pickle.dump(None, self.handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.handle.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        self.handle.close()
        self.tmp.unlink(missing_ok=True)


def _write_entries(path: Path, header: dict, entries: dict) -> None:
    writer = _EntryWriter(path, header)
    try:
        for rel, entry in entries.items():
            writer.add(rel, entry)
        writer.commit()
    except BaseException:
        writer.abort()
        raise


def load_last_build(project_dir: Path) -> dict:
    try:
        data = json.loads((project_dir / CACHE_DIR / LAST_BUILD_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save_last_build(project_dir: Path, data: dict) -> None:
    _atomic_write(project_dir / CACHE_DIR / LAST_BUILD_FILE, json.dumps(data, ensure_ascii=False, sort_keys=True).encode())


def cache_folder(project_dir: Path, *parts: str) -> Path:
    """A folder of the project's cache (.guanxin-cache/<parts...>), made if missing, with the cache's
    .gitignore: the way in for every module that keeps something there (the build's compiled templates
    and search segments; photo renditions)."""
    root = project_dir / CACHE_DIR
    _prepare(root)
    folder = root.joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _prepare(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    gitignore = folder / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("*\n", encoding="utf-8")  # never committed by accident


def _atomic_write(path: Path, data: bytes) -> None:
    _prepare(path.parent)
    replace_file(path, data)
