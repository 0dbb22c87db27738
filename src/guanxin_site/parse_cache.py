"""The parse cache in <project>/.guanxin-cache/: each issue file's parse result, keyed by the
file's identity (cache.identity), as marshal records of the frozen models (records.py), never a
pickle. Apart from cache.py so that a build with nothing to do, which needs only identities and
the last build's summary, loads neither the models nor their codec."""
from __future__ import annotations

import gc
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from guanxin_site.cache import Identity, identity, write_problem
from guanxin_site.fsutil import Replacement
from guanxin_site.models import Issue
from guanxin_site.records import (MARSHAL_VERSION, RecordError, dumps, encode_issue, issue_from_record, plain_bytes,
                                  plain_values)

PARSE_FILE = "parsed.bin"
DELTA_FILE = "parsed-delta.bin"
# Earlier versions' files (pickles; JSON lines, which took half as long again to read): removed unread.
FORMER_FILES = ("parsed.pickle", "parsed-delta.pickle", "parsed.jsonl", "parsed-delta.jsonl")
FORMAT = 6  # bump when the layout of the parse cache's files changes (records.py follows models.py by itself)
_END = bytes(4)  # a frame of length 0: the last of a whole file
_MAX_FRAME = 2**31  # a damaged length is refused before anything is read for it


Entry = tuple[Identity, tuple[tuple[str, Identity], ...], Issue]


@dataclass
class ParseCache:
    """Parsed issues by file. Stored as a base file plus a small delta of later changes,
    so adding one issue to a large archive rewrites kilobytes, not the whole cache.

    A file is a JSON header line, then frames (a 4-byte little-endian length and that many bytes of
    marshal data): per entry one of (rel, identity, attachments' identities) followed by one of the
    issue's record (records.py), or in a delta one of (rel, None) for a removed file; last, a frame
    of length 0. Frames rather than one marshal value: the file is read entry by entry (the
    whole of it is never held at once) and a worker's encoded record is written as it is. A cold parse
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
            _remove_former_files(folder)
            self.base_size = len(self.entries)
        if not self.dirty:
            return
        if self.base_id and len(self.delta) <= max(50, self.base_size // 10):
            _write_entries(folder / DELTA_FILE, {"format": FORMAT, "base": self.base_id}, self.delta)
        else:
            self.base_id = _write_entries(folder / PARSE_FILE, {"format": FORMAT, "key": self.key, "id": "pending"},
                                          self.entries)
            (folder / DELTA_FILE).unlink(missing_ok=True)
            _remove_former_files(folder)
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
        if not isinstance(header, dict) or header.get("marshal") != MARSHAL_VERSION or not accept(header):
            return header, None
        read = handle.read
        entries: dict = {}
        while (meta := _frame(read)) is not None:  # frame by frame: 90 MB at 5,000 issues, never held at once
            rel, entry = _entry_from(meta, read)
            entries[rel] = entry
        return header, entries


def _frame(read):
    """The next frame's values, None at the end frame; RecordError where the file stops short."""
    head = read(4)
    if len(head) != 4:
        raise RecordError("the cache file is not whole")
    size = int.from_bytes(head, "little")
    if size == 0:
        return None
    data = read(size) if size < _MAX_FRAME else b""
    if len(data) != size:
        raise RecordError("the cache file is not whole")
    return plain_values(data)


def _entry_from(values, read) -> tuple[str, Entry | None]:
    if type(values) is not tuple or not values or type(values[0]) is not str:
        raise RecordError("not a cache entry")
    if len(values) == 2 and values[1] is None:
        return values[0], None
    rel, file_identity, attachments = values
    if type(attachments) is not tuple:
        raise RecordError("not a tuple of attachments")
    record = _frame(read)
    if record is None:
        raise RecordError("an entry without its record")
    return rel, (_identity_from(file_identity), tuple(map(_seen_from, attachments)), issue_from_record(record))


def _seen_from(pair) -> tuple[str, Identity]:
    if type(pair) is not tuple or len(pair) != 2 or type(pair[0]) is not str:
        raise RecordError("not an attachment's path")
    return pair[0], _identity_from(pair[1])


_IDENTITY_TYPES = (int, int, int, int)


def _identity_from(values) -> Identity:
    if type(values) is not tuple or len(values) != 4 or not all(map(isinstance, values, _IDENTITY_TYPES)):
        raise RecordError("not a file identity")
    return values


def _framed(data: bytes) -> bytes:
    return len(data).to_bytes(4, "little") + data


def _entry_frames(rel: str, entry: Entry | None, encoded: bytes | None = None) -> bytes:
    if entry is None:
        return _framed(plain_bytes((rel, None)))
    file_identity, attachments, issue = entry
    meta = _framed(plain_bytes((rel, tuple(file_identity), tuple((a, tuple(i)) for a, i in attachments))))
    return meta + _framed(encoded if encoded is not None else encode_issue(issue))


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


def _remove_former_files(folder: Path) -> None:
    """An earlier version's cache files (pickles, JSON lines): never read, removed once this one is in place."""
    for name in FORMER_FILES:
        try:
            (folder / name).unlink(missing_ok=True)
        except OSError:
            pass


class _EntryWriter:
    """Streams a cache file's frames to a fsutil.Replacement; commit() puts it in place.

    Not synced (sync=False): the cache can always be made again, and a file a power cut left
    incomplete lacks its end frame and is ignored."""

    def __init__(self, path: Path, header: dict):
        header = {**header, "marshal": MARSHAL_VERSION}
        self.header = {**header, "id": os.urandom(8).hex()} if header.get("id") == "pending" else header
        self.replacement = Replacement(path, sync=False)
        try:
            self.replacement.write(dumps(self.header).encode() + b"\n")
        except BaseException:
            self.replacement.abort()
            raise

    def add(self, rel: str, entry: Entry | None, encoded: bytes | None = None) -> None:
        self.replacement.write(_entry_frames(rel, entry, encoded))

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
