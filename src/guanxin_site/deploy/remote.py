"""What our deploys recorded on the target: the manifest, and progress records of an unfinished deploy.

The manifest (`.guanxin-deploy.json` at the target's root) is written after every upload
of a deploy succeeded: it names each file the site holds with its sha256, the files of
ours still to be deleted (`leftover`), and older bookkeeping to remove (`internal`). Only
names in it (or in a progress record) are ever deleted.

Progress records make a rerun after an interruption upload only what is missing. Before
the first upload a record lists the new names about to go up (`pending`: ours from then on,
content unknown); every FLUSH_FILES uploads or FLUSH_SECONDS, and after a failure or Ctrl-C,
a record lists the names now in place with their hashes (`files`). A deploy of a few dozen
files writes one record (and removes it at the end); one of thousands, one per few hundred. Records are named after the manifest
they extend (`.guanxin-deploy-progress-<id>-<n>.json`), so a record left by a deploy
that was followed by a complete one is never read again; the next manifest lists the
records it supersedes, to be removed with the deletions.
"""
from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field

from guanxin_site.deploy.base import INTERNAL_PREFIX, Target
from guanxin_site.deploy.headers import NO_STORE
from guanxin_site.errors import OutputError
from guanxin_site.writer import GENERATOR, safe_relpath

REMOTE_MANIFEST = INTERNAL_PREFIX + ".json"
FORMAT = 1
FIRST = "first"
MANIFEST_ID = re.compile(r"[0-9a-f]{8,64}")  # it names progress records: never a path  # the base of progress records written while the target has no manifest of ours
JSON_TYPE = "application/json; charset=utf-8"
# A progress record after this many uploads, or this long after the last one, whichever comes first:
# one extra request per 200 uploads (0.5 %), and never more than 15 s of uploads sent again after a kill.
FLUSH_FILES = 200
FLUSH_SECONDS = 15.0


def record_name(base: str, number: int) -> str:
    return f"{INTERNAL_PREFIX}-progress-{base}-{number}.json"


@dataclass
class RemoteState:
    id: str | None  # the manifest's id; None: no manifest of ours
    files: dict[str, str] = field(default_factory=dict)  # name -> sha256 ("" when unknown) of what is there
    leftover: set[str] = field(default_factory=set)  # ours, no longer in the site, not yet deleted
    records: list[str] = field(default_factory=list)  # progress records read (this manifest's)
    internal: set[str] = field(default_factory=set)  # older bookkeeping files to remove
    site: str | None = None  # the base_url of the site the manifest records

    @property
    def base(self) -> str:
        return self.id or FIRST

    @property
    def ours(self) -> set[str]:
        return set(self.files) | self.leftover

    @property
    def known(self) -> bool:
        """The target holds something of ours (a manifest, or records of an interrupted first deploy)."""
        return self.id is not None or bool(self.records)


def _names(values) -> list[str]:
    """Names from a record, each checked: a damaged or planted record must not make us touch `../x`
    (a name that is not already a plain relative path is dropped, not repaired)."""
    names = []
    for value in values if isinstance(values, (list, dict)) else ():
        try:
            if isinstance(value, str) and safe_relpath(value) == value:
                names.append(value)
        except OutputError:
            continue
    return names


def _hashes(values) -> dict[str, str]:
    return {name: str(values[name]) for name in _names(values)} if isinstance(values, dict) else {}


def _internal(values) -> set[str]:
    """Our bookkeeping files: top-level names with our prefix, nothing else."""
    return {name for name in _names(values) if name.startswith(INTERNAL_PREFIX) and "/" not in name}


def _load(data: bytes | None) -> dict | None:
    if data is None:
        return None
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) and value.get("generator") == GENERATOR else None


def read_remote(target: Target) -> RemoteState:
    manifest = _load(target.read(REMOTE_MANIFEST))
    state = RemoteState(None)
    if manifest is not None and isinstance(manifest.get("id"), str) and MANIFEST_ID.fullmatch(manifest["id"]):
        state = RemoteState(manifest["id"], _hashes(manifest.get("files")), set(_names(manifest.get("leftover"))),
                            internal=_internal(manifest.get("internal")),
                            site=manifest.get("site") if isinstance(manifest.get("site"), str) else None)
    while (record := _load(target.read(record_name(state.base, len(state.records))))) is not None:
        state.records.append(record_name(state.base, len(state.records)))
        for name in _names(record.get("pending")):
            state.files.setdefault(name, "")
        state.files.update(_hashes(record.get("files")))
    state.leftover -= set(state.files)
    return state


def encode(document: dict) -> bytes:
    return json.dumps({"generator": GENERATOR, "format": FORMAT, **document}, ensure_ascii=False,
                      sort_keys=True, separators=(",", ":")).encode("utf-8")


class Progress:
    """Writes the progress records of one deploy (see the module's docstring)."""

    def __init__(self, target: Target, state: RemoteState, clock=time.monotonic):
        self.target = target
        self.base = state.base
        self.number = len(state.records)
        self.written: list[str] = []
        self._done: dict[str, str] = {}
        self._clock = clock
        self._since = clock()

    def pending(self, names: list[str]) -> None:
        if names:
            self._write({"pending": names})

    def done(self, name: str, digest: str) -> None:
        self._done[name] = digest
        if len(self._done) >= FLUSH_FILES or self._clock() - self._since >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self._done:
            self._write({"files": self._done})
            self._done = {}

    def _write(self, document: dict) -> None:
        name = record_name(self.base, self.number)
        self.target.put(name, encode(document), JSON_TYPE, NO_STORE)
        self.written.append(name)
        self.number += 1
        self._since = self._clock()


def new_manifest(files: dict[str, str], leftover: list[str], internal: list[str], site: str | None,
                 manifest_id: str | None = None) -> tuple[str, bytes]:
    manifest_id = manifest_id or secrets.token_hex(8)
    return manifest_id, encode({"id": manifest_id, "files": dict(sorted(files.items())), "leftover": sorted(leftover),
                                "internal": sorted(internal), "site": site})
