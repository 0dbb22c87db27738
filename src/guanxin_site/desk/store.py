"""The desk's files: issue files found by their id (never by a path the page sends), saved atomically
with a backup and never over a version the page did not load; photos and received files stored by
the hash of their bytes; the desk's own small records (ticks, what was published) in the cache.

Ids: `2023-53` for the file holding 2023年第53期; a file whose front matter names no issue (or that
shares its issue with another file) is `f<n>`, its place among issues/'s files in their order.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path

from guanxin_site.cache import CACHE_DIR, identity
from guanxin_site.errors import ContentError
from guanxin_site.fsutil import backup_path, write_file
from guanxin_site.reader import ISSUES_DIR, SourceFile, discover, read_source

DESK_DIR = "desk"  # under .guanxin-cache/
PHOTO_PREFIX = "照片-"
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}


class StoreError(Exception):
    """A request the desk refuses; .message is Chinese, .status the HTTP status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Entry:
    """One issue file as the list shows it (from its front matter only)."""

    id: str
    rel: str
    path: Path
    year: int | None
    number: int | None
    total: int | None
    date: str
    title: str
    draft: bool
    identity: tuple  # cache.identity: changes when the file does


@dataclass(frozen=True)
class Conflict:
    """The file changed on disk since the page loaded it."""

    theirs: bytes
    digest: str


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Store:
    def __init__(self, project_dir: Path):
        self.project = project_dir.resolve()
        self.issues = self.project / ISSUES_DIR
        self.folder = self.project / CACHE_DIR / DESK_DIR
        self._write_lock = threading.Lock()  # compare-and-write of issue files and the desk's records
        self._entries: dict[str, tuple[tuple, Entry | None]] = {}  # rel -> (identity, entry)
        self.photos: dict[str, Path] = {}  # sha256 -> a photo file the page may show
        self.received: dict[str, str] = {}  # sha256 -> the name the editor's file had

    # -- finding issues ---------------------------------------------------------------

    def entries(self) -> list[Entry]:
        """Every issue file, with its id; front matter read again only for files that changed."""
        found = []
        for index, path in enumerate(discover(self.project)):
            rel = path.relative_to(self.project).as_posix()
            stamp = identity(path)
            cached = self._entries.get(rel)
            if cached is None or cached[0] != stamp or stamp[0] < 0:
                cached = (stamp, _entry(path, rel, stamp))
                self._entries[rel] = cached
            found.append((index, cached[1] or Entry("", rel, path, None, None, None, "", "", False, stamp)))
        keys: dict[tuple, int] = {}
        for _, entry in found:
            if entry.year is not None:
                keys[(entry.year, entry.number)] = keys.get((entry.year, entry.number), 0) + 1
        named = []
        for index, entry in found:
            unique = entry.year is not None and keys[(entry.year, entry.number)] == 1
            named.append(_with_id(entry, f"{entry.year}-{entry.number}" if unique else f"f{index}"))
        return named

    def find(self, issue_id) -> Entry:
        if not isinstance(issue_id, str) or len(issue_id) > 40:
            raise StoreError("没有这一期", 404)
        for entry in self.entries():
            if entry.id == issue_id:
                return entry
        raise StoreError("找不到这一期：它的文件可能已被删除、改名，或期号已改；请回到“全部期”重新打开", 404)

    def read(self, entry: Entry) -> SourceFile:
        source = read_source(entry.path, self.project)
        if isinstance(source, ContentError):
            raise StoreError(f"{source.path}：{source.message}", 409)
        return source

    # -- saving ------------------------------------------------------------------------

    def save(self, entry: Entry, base: str, data: bytes) -> str | Conflict:
        """Write data over the file if it is still the version `base` (its digest); keep the replaced
        version as <name>.bak. Returns the new digest, or the Conflict found."""
        with self._write_lock:
            current = self._current(entry)
            if digest_of(current) != base:
                return Conflict(current, digest_of(current))
            if data == current:  # a second Ctrl+S out of habit: the .bak keeps the version before the real edit
                return base
            write_file(entry.path, data, sync=True, backup=True)
            return digest_of(data)

    def undo(self, entry: Entry, base: str) -> str | Conflict:
        """Put the previous version (<name>.bak) back; the version undone becomes the .bak (redo)."""
        with self._write_lock:
            current = self._current(entry)
            if digest_of(current) != base:
                return Conflict(current, digest_of(current))
            try:
                previous = backup_path(entry.path).read_bytes()
            except OSError:
                raise StoreError("没有可以撤销的上一个版本", 409) from None
            write_file(entry.path, previous, sync=True, backup=True)
            return digest_of(previous)

    def has_backup(self, entry: Entry) -> bool:
        return backup_path(entry.path).is_file()

    def _current(self, entry: Entry) -> bytes:
        try:
            return entry.path.read_bytes()
        except OSError as exc:
            raise StoreError(f"无法读取 {entry.rel}（{exc.strerror or exc}）；它可能已被删除或移走", 409) from None

    # -- photos --------------------------------------------------------------------------

    def add_photo(self, entry: Entry, data: bytes) -> str:
        """Keep a photo beside the issue as 照片-<hash>.<ext>; returns its sha256 (the page's token)."""
        fmt = photo_format(data)
        digest = digest_of(data)
        folder = entry.path.with_suffix("")
        path = folder / f"{PHOTO_PREFIX}{digest[:12]}.{PHOTO_FORMATS[fmt]}"
        with self._write_lock:
            if not (path.is_file() and digest_of(path.read_bytes()) == digest):
                folder.mkdir(parents=True, exist_ok=True)
                write_file(path, data, sync=True)
        self.photos[digest] = path
        return digest

    def photo_src(self, entry: Entry, token) -> str | None:
        """The Markdown path (relative to the issue file) of a photo added by add_photo, by its token."""
        if not isinstance(token, str) or len(token) != 64 or not all(c in "0123456789abcdef" for c in token):
            return None
        path = self.photos.get(token)
        if path is None or path.parent != entry.path.with_suffix("") or not path.is_file():
            return None
        return f"{path.parent.name}/{path.name}"

    def register_photo(self, issue_path: Path, src: str) -> str | None:
        """The token of a photo an issue file names (src as written in it), if it is a file inside issues/."""
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(src.strip("<>"))
        if parts.scheme or parts.netloc or not parts.path:
            return None
        try:
            real = (issue_path.parent / unquote(parts.path)).resolve(strict=True)
            if not real.is_relative_to(self.issues.resolve()) or not real.is_file() or real.stat().st_size > 40 << 20:
                return None
            digest = digest_of(real.read_bytes())
        except (OSError, RuntimeError, ValueError):
            return None
        self.photos[digest] = real
        return digest

    # -- received files --------------------------------------------------------------------

    def receive(self, name: str, data: bytes, suffix: str) -> str:
        """Keep a received file under .guanxin-cache/desk/received/<sha256><suffix>; returns the sha256."""
        digest = digest_of(data)
        path = self.received_path(digest, suffix)
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_file(path, data, sync=False)
        self.received[digest] = name
        return digest

    def received_path(self, digest: str, suffix: str) -> Path:
        return self.folder / "received" / f"{digest}{suffix}"

    def received_file(self, digest) -> Path | None:
        if not isinstance(digest, str) or len(digest) != 64 or digest not in self.received:
            return None
        folder = self.folder / "received"
        return next((p for p in folder.glob(f"{digest}.*") if p.is_file()), None)

    # -- the desk's own records ----------------------------------------------------------------

    def record(self, name: str) -> dict:
        try:
            data = json.loads((self.folder / f"{name}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def write_record(self, name: str, data: dict) -> None:
        with self._write_lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_file(self.folder / f"{name}.json", json.dumps(data, ensure_ascii=False).encode("utf-8"), sync=False)

    def ticks(self, entry: Entry) -> list:
        ticks = self.record("checked").get(entry.rel, [])
        return [t for t in ticks if isinstance(t, str)] if isinstance(ticks, list) else []

    def set_ticks(self, entry: Entry, ticks: list[str]) -> None:
        record = self.record("checked")
        if sorted(record.get(entry.rel, [])) != sorted(ticks):
            record[entry.rel] = sorted(set(ticks))
            self.write_record("checked", record)


def photo_format(data: bytes) -> str:
    """JPEG, PNG, GIF or WEBP, read by Pillow from the bytes (not the name); StoreError otherwise."""
    import io

    from PIL import Image, UnidentifiedImageError

    from guanxin_site.images import FORMATS, MAX_BYTES

    if len(data) > MAX_BYTES:
        raise StoreError(f"照片超过 {MAX_BYTES // 1048576} MB；请缩小后再添加（长边 3000 像素足够）", 413)
    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
            return image.format
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise StoreError("这不是 JPEG、PNG、GIF 或 WebP 照片；请另存为 JPG 后再添加") from None


def _entry(path: Path, rel: str, stamp: tuple) -> Entry | None:
    """The list's facts from a file's front matter (None for a file that cannot be read at all)."""
    from guanxin_site.scaffold import front_entries, numbering

    try:
        entries = front_entries(path.read_bytes())
    except OSError:
        return None
    if entries is None:
        return None
    known = numbering(rel, entries)
    title = entries["title"].value if "title" in entries else None
    draft = "draft" in entries and entries["draft"].value is True
    date = entries["date"].value if "date" in entries else None
    return Entry("", rel, path, known.date.year if known else None, known.number if known else None,
                 known.total if known else None, known.date.isoformat() if known else str(date or ""),
                 title if isinstance(title, str) else "", draft, stamp)


def _with_id(entry: Entry, issue_id: str) -> Entry:
    import dataclasses

    return dataclasses.replace(entry, id=issue_id)


def remember_published(store: Store, *, deployed: bool, url: str) -> None:
    """What was published (by the desk's 发布, or by `guanxin-site deploy` of a site built from the files as
    they are), so the desk's list can say which issues are live as they are now."""
    files = {}
    for entry in store.entries():
        if entry.draft:
            continue
        try:
            files[entry.rel] = digest_of(entry.path.read_bytes())
        except OSError:
            continue
    stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    store.write_record("published", {"files": files, "deployed": deployed, "url": url, "at": stamp})
