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
LAST_BUILD_FILE = "last-build.json"
FORMAT = 1  # bump when the pickled layout changes

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
    key: str  # parser version, gazetteer and default publisher: what parsing depends on besides the file
    entries: dict[str, tuple[Identity, tuple[tuple[str, Identity], ...], Issue]] = field(default_factory=dict)

    @classmethod
    def load(cls, project_dir: Path, key: str) -> "ParseCache":
        try:
            with open(project_dir / CACHE_DIR / PARSE_FILE, "rb") as handle:
                data = pickle.load(handle)
            if data.get("format") == FORMAT and data.get("key") == key:
                return cls(key, data["entries"])
        except Exception:  # noqa: BLE001 - any unreadable cache means a cold parse, never a failed build
            pass
        return cls(key)

    def get(self, rel: str, file_identity: Identity, project_dir: Path) -> Issue | None:
        cached = self.entries.get(rel)
        if cached is None or cached[0] != file_identity:
            return None
        for attachment, seen in cached[1]:
            try:
                if identity(project_dir / attachment) != seen:
                    return None
            except OSError:
                return None
        return cached[2]

    def put(self, rel: str, file_identity: Identity, issue: Issue, project_dir: Path) -> None:
        attachments = tuple((a.source, identity(project_dir / a.source)) for a in issue.attachments)
        self.entries[rel] = (file_identity, attachments, issue)

    def save(self, project_dir: Path, keep: set[str]) -> None:
        """Write atomically, keeping only files that still exist."""
        entries = {rel: value for rel, value in self.entries.items() if rel in keep}
        _atomic_write(project_dir / CACHE_DIR / PARSE_FILE,
                      pickle.dumps({"format": FORMAT, "key": self.key, "entries": entries}, protocol=pickle.HIGHEST_PROTOCOL))


def load_last_build(project_dir: Path) -> dict:
    try:
        data = json.loads((project_dir / CACHE_DIR / LAST_BUILD_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save_last_build(project_dir: Path, data: dict) -> None:
    _atomic_write(project_dir / CACHE_DIR / LAST_BUILD_FILE, json.dumps(data, ensure_ascii=False, sort_keys=True).encode())


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    gitignore = path.parent / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("*\n", encoding="utf-8")  # never committed by accident
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
