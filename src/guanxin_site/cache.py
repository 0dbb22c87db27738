"""The build cache in <project>/.guanxin-cache/: what can be reused from the last build.

- parse results, keyed by each file's identity (size, mtime, ctime, inode), so an
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
import gc
import hashlib
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from guanxin_site.errors import ContentError
from guanxin_site.fsutil import Replacement, try_lock, write_file
from guanxin_site.models import Issue
from guanxin_site.records import RecordError, dumps, issue_from_record, issue_record

CACHE_DIR = ".guanxin-cache"
PARSE_FILE = "parsed.jsonl"
DELTA_FILE = "parsed-delta.jsonl"
LAST_BUILD_FILE = "last-build.json"
FORMERLY_PICKLED = ("parsed.pickle", "parsed-delta.pickle")  # earlier versions' files: removed unread
FORMAT = 5  # bump when the layout of the parse cache's lines changes (records.py follows models.py by itself)
_END = b'"end"'  # the last line of a whole file

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


# -- the parse cache -----------------------------------------------------------------------------

Entry = tuple[Identity, tuple[tuple[str, Identity], ...], Issue]


@dataclass
class ParseCache:
    """Parsed issues by file. Stored as a base file plus a small delta of later changes,
    so adding one issue to a large archive rewrites kilobytes, not the whole cache.

    A file is JSON lines: a header, one line per entry ([rel, identity, attachments' identities,
    the issue's record]; in a delta [rel, null] for a removed file), and "end". A cold parse
    streams its results into a new base as they arrive (stream_base), the issues already encoded
    by the workers that parsed them, so the cache costs no second encoding pass. A write that
    fails (a full disk) leaves the cache as it was and sets `problem`."""

    key: str  # parser version, gazetteer and default publisher: what parsing depends on besides the file
    entries: dict[str, Entry] = field(default_factory=dict)
    base_id: str = ""  # identifies the base file a delta applies to
    base_size: int = 0
    delta: dict = field(default_factory=dict)  # rel -> entry, or None when removed, since the base
    dirty: bool = False
    problem: str | None = None  # why the cache could not be written, once it could not
    _stream: "_EntryWriter | None" = None

    @classmethod
    def load(cls, folder: Path, key: str) -> "ParseCache":
        """The cache in `folder` (a CacheFolder's path) for this key, or an empty one."""
        was_enabled = gc.isenabled()
        gc.disable()  # tens of thousands of new objects and no cycles: collections would only rescan them
        try:
            return cls._load(folder, key)
        finally:
            if was_enabled:
                gc.enable()

    @classmethod
    def _load(cls, folder: Path, key: str) -> "ParseCache":
        try:
            header, entries = _read_entries(folder / PARSE_FILE, lambda h: h.get("format") == FORMAT and h.get("key") == key)
            if entries is None:
                return cls(key)
            cache = cls(key, entries, header["id"], len(entries))
        except (OSError, ValueError, KeyError, TypeError):  # RecordError included: any damage means a cold parse
            return cls(key)
        try:
            _, delta = _read_entries(folder / DELTA_FILE, lambda h: h.get("format") == FORMAT and h.get("base") == cache.base_id)
        except (OSError, ValueError, KeyError, TypeError):  # no delta, or a damaged one
            delta = None
        if delta is not None:
            cache.delta = delta
            for rel, entry in delta.items():
                if entry is None:
                    cache.entries.pop(rel, None)
                else:
                    cache.entries[rel] = entry
        return cache

    def get(self, rel: str, file_identity: Identity, project_dir: Path) -> Issue | None:
        cached = self.entries.get(rel)
        if cached is None or cached[0] != file_identity:
            return None
        for attachment, seen in cached[1]:
            if identity(project_dir / attachment) != seen:
                return None
        return cached[2]

    def stream_base(self, folder: Path) -> None:
        """With no base to build on, write a new one entry by entry as put() receives them."""
        if not self.base_id and self._stream is None and self.problem is None:
            _remove_stale_temporaries(folder)
            try:
                self._stream = _EntryWriter(folder / PARSE_FILE, {"format": FORMAT, "key": self.key, "id": "pending"})
            except OSError as exc:
                self.problem = write_problem(exc)
                return
            self.base_id = self._stream.header["id"]

    def put(self, rel: str, file_identity: Identity, issue: Issue, project_dir: Path, encoded: bytes | None = None) -> None:
        """Record a freshly parsed file; `encoded` is the issue already encoded (records.encode_issue, by a worker)."""
        attachments = tuple((a.source, identity(project_dir / a.source)) for a in (*issue.attachments, *issue.photos))
        entry = self.entries[rel] = (file_identity, attachments, issue)
        if self._stream is not None:
            try:
                self._stream.add(rel, entry, encoded)
            except OSError as exc:
                self._fail(exc)
            return
        self.delta[rel] = entry
        self.dirty = True

    def save(self, folder: Path, keep: set[str]) -> None:
        """Write what changed: a delta while it is small, otherwise a new base."""
        for rel in [r for r in self.entries if r not in keep]:
            del self.entries[rel]
            self.delta[rel] = None
            self.dirty = True
        if self.problem is not None:
            return
        try:
            self._save(folder)
        except OSError as exc:
            self._fail(exc)

    def _save(self, folder: Path) -> None:
        if self._stream is not None:
            self._stream.commit()
            self._stream = None  # only now: if the commit failed, discard_stream() removes its file
            (folder / DELTA_FILE).unlink(missing_ok=True)
            _remove_pickles(folder)
            self.base_size = len(self.entries)
        if not self.dirty:
            return
        if self.base_id and len(self.delta) <= max(50, self.base_size // 10):
            _write_entries(folder / DELTA_FILE, {"format": FORMAT, "base": self.base_id}, self.delta)
        else:
            self.base_id = _write_entries(folder / PARSE_FILE, {"format": FORMAT, "key": self.key, "id": "pending"},
                                          self.entries)
            (folder / DELTA_FILE).unlink(missing_ok=True)
            _remove_pickles(folder)
            self.base_size, self.delta = len(self.entries), {}
        self.dirty = False

    def _fail(self, exc: OSError) -> None:
        """A write failed: this build keeps no parse cache (the files on disk are as they were)."""
        self.problem = write_problem(exc)
        self.discard_stream()

    def discard_stream(self) -> None:
        """A parse that failed midway leaves no partial base behind."""
        if self._stream is not None:
            self._stream.abort()
            self._stream, self.base_id = None, ""


def _read_entries(path: Path, accept) -> tuple[dict, dict | None]:
    """The header, and the entries if accept(header) (a cache for another version or key is not
    read further). Raises ValueError (RecordError) for a file that is not whole or not ours."""
    with open(path, "rb") as handle:
        header = json.loads(handle.readline())
        if not isinstance(header, dict) or not accept(header):
            return header, None
        entries: dict = {}
        for line in handle:  # line by line: the whole file (90 MB at 5,000 issues) is never held at once
            if line == _END:
                return header, entries
            rel, entry = _entry_from(json.loads(line))
            entries[rel] = entry
    raise RecordError(f"{path.name} is not whole")


def _entry_from(values) -> tuple[str, Entry | None]:
    if type(values) is not list or not values or type(values[0]) is not str:
        raise RecordError("not a cache entry")
    if len(values) == 2 and values[1] is None:
        return values[0], None
    rel, file_identity, attachments, record = values
    if type(attachments) is not list:
        raise RecordError("not a list of attachments")
    return rel, (_identity_from(file_identity), tuple(map(_seen_from, attachments)), issue_from_record(record))


def _seen_from(pair) -> tuple[str, Identity]:
    source, seen = pair
    if type(source) is not str:
        raise RecordError("not an attachment's path")
    return source, _identity_from(seen)


_IDENTITY_TYPES = (int, int, int, int)


def _identity_from(values) -> Identity:
    if type(values) is not list or len(values) != 4 or not all(map(isinstance, values, _IDENTITY_TYPES)):
        raise RecordError("not a file identity")
    return tuple(values)


def _entry_line(rel: str, entry: Entry | None, encoded: bytes | None = None) -> bytes:
    if entry is None:
        return dumps([rel, None]).encode() + b"\n"
    file_identity, attachments, issue = entry
    meta = dumps([rel, file_identity, attachments]).encode()
    return meta[:-1] + b"," + (encoded if encoded is not None else dumps(issue_record(issue)).encode()) + b"]\n"


STALE_SECONDS = 3600  # no parse takes an hour: an older temporary file is a killed build's


def _remove_stale_temporaries(folder: Path) -> None:
    """A build killed while streaming leaves its temporary file (as large as the cache) behind."""
    now = time.time()
    for tmp in folder.glob("*.tmp"):
        try:
            if tmp.is_file() and now - tmp.stat().st_mtime > STALE_SECONDS:
                tmp.unlink()
        except OSError:
            pass  # gone meanwhile, or not ours to remove


def _remove_pickles(folder: Path) -> None:
    """An earlier version's pickled cache: never read, removed once a JSON one is in place."""
    for name in FORMERLY_PICKLED:
        try:
            (folder / name).unlink(missing_ok=True)
        except OSError:
            pass


class _EntryWriter:
    """Streams a cache file's lines to a fsutil.Replacement; commit() puts it in place.

    Not synced (sync=False): the cache can always be made again, and a file a power cut left
    incomplete lacks its last line ("end") and is ignored."""

    def __init__(self, path: Path, header: dict):
        self.header = {**header, "id": os.urandom(8).hex()} if header.get("id") == "pending" else header
        self.replacement = Replacement(path, sync=False)
        try:
            self.replacement.write(dumps(self.header).encode() + b"\n")
        except BaseException:
            self.replacement.abort()
            raise

    def add(self, rel: str, entry: Entry | None, encoded: bytes | None = None) -> None:
        self.replacement.write(_entry_line(rel, entry, encoded))

    def commit(self) -> None:
        self.replacement.write(_END)
        self.replacement.commit()

    def abort(self) -> None:
        self.replacement.abort()


def _write_entries(path: Path, header: dict, entries: dict) -> str:
    """Write a whole cache file; returns its id (a new one for a header saying "pending")."""
    writer = _EntryWriter(path, header)
    try:
        for rel, entry in entries.items():
            writer.add(rel, entry)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return writer.header.get("id", "")


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
