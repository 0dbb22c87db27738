"""Writing the search index: segments of issues -> n-gram shards and the doc store.

The format is specified in README.md ("Search index format"); search-query.js and
reader.py read it. In short, under search/data/:

- index.json: format, counts, the first doc of each segment, the region names and each
  doc's region as one character;
- i/<shard>.bin (the sealed part: every segment but the last) and t/<shard>.bin (the tail,
  the last segment): raw deflate of the doc lists of every gram (and every long name, see
  terms.long_phrases) whose CRC-32 (of its UTF-8) modulo that part's number of shards is
  <shard> (lower-case hex); per gram, sorted by gram: varint length, UTF-8 bytes, varint
  number of docs, varint byte length, then the doc numbers as varint differences (the
  first one plus one);
- d/<segment>-<n>.bin: raw deflate of a JSON array of that segment's docs n*STORE_DOCS ...
  (url, headline, issue label, date, region, text, extra terms joined by newlines).

Docs are numbered oldest issue first, each issue in page order (lead text, then reports).

How it is built, so that no process holds the whole archive's postings and an added issue
costs little: issues are cut into segments of SEGMENT_ISSUES (oldest first); each segment is
indexed on its own (in the build's processes, workers.process_map; the counting in grams.py) into
a file in the cache, keyed by its issues' digests: gram -> (first doc, last doc, count, the
differences after the first), with doc numbers relative to the segment, in FINE sections by
the gram's CRC-32, plus its docs' store rows. Then each group of sections (CRC % GROUPS) is
merged over the segments of a part in order (a concatenation of bytes per gram: only the first
difference of each segment is re-encoded) and its shards written, again spread over the
processes. When the sealed part's segments are those of the previous build, its files are kept
without being read: an added issue rewrites only the tail. When an older segment changed but
kept its number of docs, only the shards of the grams whose lists changed are merged again
(_edit_plan). The writer's digests leave unchanged files alone, and the output is
byte-identical to a clean build's.
"""
from __future__ import annotations

import hashlib
import json
import marshal
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from guanxin_site.gazetteer import Gazetteer
from guanxin_site.models import Issue
from guanxin_site.search.grams import MAX_GRAM, PREFIXED, Entry, doc_lists
from guanxin_site.search.terms import issue_docs, long_phrases
from guanxin_site.workers import process_map

if TYPE_CHECKING:
    from guanxin_site.writer import Stager

FORMAT = 3
DATA_DIR = "search/data"  # in the site; static/search-query.js finds it from its own URL
MANIFEST = f"{DATA_DIR}/index.json"
# MAX_GRAM: queries up to this long are answered exactly from the doc lists alone. Grams of PREFIXED
# characters have no lists of their own: they are the prefixes of the MAX_GRAM grams kept with them, in
# the shard of their first PREFIXED characters (and a text's last PREFIXED characters are kept as a
# MAX_GRAM gram ending in END). This saves a sixth of the index.
GROUPS = 64  # shards are merged and written in this many groups (a power of two)
FINE = 4096  # sections of a segment file, by CRC (a power of two, a multiple of GROUPS)
SEGMENT_ISSUES = 64
STORE_DOCS = 64  # docs per store file: the ten newest results of a common word are in one or two
SHARD_BYTES = 24_000  # aimed-at raw size of a shard's doc lists: the number of shards is the smallest power of two >= GROUPS giving it
_MAGIC = b"GXSEG002"
# Everything the files' layout depends on, for the keys that decide what a later build may reuse.
LAYOUT = f"{FORMAT}/{MAX_GRAM}/{GROUPS}/{FINE}/{SEGMENT_ISSUES}/{STORE_DOCS}/{SHARD_BYTES}"


def varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def deflate(data: bytes, strategy: int = zlib.Z_DEFAULT_STRATEGY) -> bytes:
    """Raw deflate (no header, no time stamp: the same bytes for the same input)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, strategy)
    return packer.compress(data) + packer.flush()


def deflate_lists(data: bytes) -> bytes:
    """Raw deflate of doc lists: Huffman codes only. Lists are mostly one-byte differences with
    few repeated strings, so the search for repeats (level 9: most of a build's deflate time) finds
    little, and without it the codes fit the bytes better: at 5,000 issues 11% smaller, 11x faster."""
    return deflate(data, zlib.Z_HUFFMAN_ONLY)


def gram_hash(gram: str) -> int:
    """What names a gram's shard: the CRC-32 of its UTF-8, for a MAX_GRAM gram of its first PREFIXED characters."""
    return zlib.crc32((gram[:PREFIXED] if len(gram) == MAX_GRAM else gram).encode())


def shard_count(total: int, smallest: int = GROUPS) -> int:
    shards = smallest
    while total / shards > SHARD_BYTES:
        shards *= 2
    return shards


# -- segments ---------------------------------------------------------------------------


def segment_key(issues: list[Issue], version: str) -> str:
    """Names a segment's cache file: the layout and software version, and its issues' files and digests."""
    h = hashlib.sha256(version.encode())
    for issue in issues:
        h.update(f"\0{issue.source}\0{issue.digest}".encode())
    return h.hexdigest()[:32]


def segment_bytes(issues: list[Issue], gazetteer: Gazetteer) -> bytes:
    """The segment file of some consecutive issues (format in the module docstring)."""
    texts: list[tuple[str, ...]] = []
    rows: list[str] = []
    for issue in issues:
        for doc in issue_docs(issue, gazetteer):
            texts.append(doc.texts())
            rows.append(json.dumps([doc.url, doc.title, doc.label, doc.date, doc.region, doc.text, "\n".join(doc.names),
                                    [[form, list(others)] for form, others in doc.rewrites]],
                                   ensure_ascii=False, separators=(",", ":")))
    fine: list[dict] = [{} for _ in range(FINE)]
    entries = doc_lists(texts) + _phrase_lists(texts, gazetteer)
    for entry, where in zip(entries, map(gram_hash, [entry[0] for entry in entries])):
        fine[where % FINE][entry[0]] = entry[1:]
    total = sum(len(entry[4]) for entry in entries) + len(entries)
    # Sorted, so that the same lists give the same bytes: an edit's changed sections are found by comparing them.
    sections = [marshal.dumps(dict(sorted(fine[f].items()))) for f in _FINE_ORDER] + [marshal.dumps(rows)]
    offsets, at = [], 0
    for section in sections:
        offsets.append(at)
        at += len(section)
    offsets.append(at)
    header = _MAGIC + struct.pack(f"<QQ{len(offsets)}Q", total, len(rows), *offsets)
    return header + b"".join(sections)


def _phrase_lists(texts: list[tuple[str, ...]], gazetteer: Gazetteer) -> list[Entry]:
    """The entries of the long names (longer than MAX_GRAM: terms.long_phrases) the docs contain."""
    entries = []
    for phrase in long_phrases(gazetteer, MAX_GRAM):
        docs = [n for n, doc in enumerate(texts) if any(phrase in text for text in doc)]
        if docs:
            gaps = [b - a for a, b in zip(docs, docs[1:])]
            entries.append((phrase, docs[0], docs[-1], len(docs), b"".join(map(varint, gaps))))
    return entries


# A segment's lists are kept in FINE sections by CRC, those of one group (CRC % GROUPS) next to each other,
# so that merging a group reads one stretch of the file and an edit re-merges only the sections it changed.
_FINE_ORDER = [group + GROUPS * k for group in range(GROUPS) for k in range(FINE // GROUPS)]
_PLACE = {f: n for n, f in enumerate(_FINE_ORDER)}
_HEAD = len(_MAGIC) + 16 + 8 * (FINE + 2)


class Segment:
    """A segment file on disk: its totals, and its sections read on demand."""

    def __init__(self, path: Path):
        self.path = path
        with open(path, "rb") as f:
            head = f.read(_HEAD)
        if len(head) < _HEAD or not head.startswith(_MAGIC):
            raise ValueError(f"not a search segment: {path}")
        values = struct.unpack(f"<QQ{FINE + 2}Q", head[len(_MAGIC):])
        self.total, self.docs, self._offsets = values[0], values[1], values[2:]
        if os.path.getsize(path) != _HEAD + self._offsets[-1]:  # cut short (or grown) after its header
            raise ValueError(f"not a whole search segment: {path}")

    def lists(self, fines) -> dict:
        """gram -> (first, last, count, differences) of the grams in some fine sections."""
        wanted = sorted(_PLACE[f] for f in fines)
        out: dict = {}
        if not wanted:
            return out
        with open(self.path, "rb") as f:  # one read for the stretch they span (usually one group's)
            f.seek(_HEAD + self._offsets[wanted[0]])
            data = f.read(self._offsets[wanted[-1] + 1] - self._offsets[wanted[0]])
        for place in wanted:
            at = self._offsets[place] - self._offsets[wanted[0]]
            out.update(marshal.loads(data[at : at + self._offsets[place + 1] - self._offsets[place]]))
        return out

    def raw_sections(self) -> list[bytes]:
        data = self.path.read_bytes()
        return [data[_HEAD + self._offsets[n] : _HEAD + self._offsets[n + 1]] for n in range(FINE)]

    def rows(self) -> list[str]:
        with open(self.path, "rb") as f:
            f.seek(_HEAD + self._offsets[FINE])
            return marshal.loads(f.read(self._offsets[FINE + 1] - self._offsets[FINE]))


def changed_grams(old: Segment, new: Segment) -> set[str]:
    """The grams whose lists differ between two versions of a segment."""
    changed: set[str] = set()
    for before, after in zip(old.raw_sections(), new.raw_sections()):
        if before != after:
            a, b = marshal.loads(before), marshal.loads(after)
            changed.update(gram for gram in a.keys() | b.keys() if a.get(gram) != b.get(gram))
    return changed


def fines_of(shard: int, shards: int) -> range:
    """The fine sections that hold a shard's grams (shard counts and FINE are powers of two)."""
    return range(shard, FINE, shards) if shards <= FINE else range(shard % FINE, shard % FINE + 1)


# -- the whole index ---------------------------------------------------------------------

def write_index(issues: list[Issue], gazetteer: Gazetteer, regions: list[str], writer, previous: dict,
                cache_dir: Path, version: str, jobs: int) -> tuple[dict, str]:
    """Write the index of the issues (oldest first) through a SiteWriter (stage, record, keep).

    The last segment is the tail, indexed in shards of its own (t/); the others make the sealed
    part (i/), which is kept from the previous build (previous: the record this returned then) when its
    segments are the same: adding an issue rewrites only the tail's files. When an older segment
    changed without changing its number of docs (an edit to an old issue), only the sealed shards
    holding a gram whose list changed, and that segment's store files, are written again. Returns
    the record for the next build ({"sealed": {"key", "files", "segments", "shards", "bases",
    "version"}, "files": every file}) and the text of the manifest (MANIFEST). cache_dir holds the
    segment files (those of segments that no longer exist are removed).
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    cuts = [issues[at : at + SEGMENT_ISSUES] for at in range(0, len(issues), SEGMENT_ISSUES)]
    keys = [segment_key(cut, version) for cut in cuts]
    paths = [cache_dir / f"{key}.seg" for key in keys]
    sealed_key = hashlib.sha256("\0".join([str(FORMAT), *keys[:-1]]).encode()).hexdigest()
    old = previous.get("sealed") or {}
    keep_sealed = (old.get("key") == sealed_key and old.get("files") is not None
                   and all(_valid(path) for path in paths[:-1]) and _keep_all(old["files"], writer))
    todo = [n for n, path in enumerate(paths) if (n == len(paths) - 1 or not keep_sealed) and not _valid(path)]
    files: list[str] = []
    for _ in process_map(_SegmentTask(cuts, paths, gazetteer), todo, jobs, min_items=2, chunk_size=1):
        pass
    segments = [Segment(path) for path in paths]
    bases, docs = [], 0
    for segment in segments:
        bases.append(docs)
        docs += segment.docs
    last = len(segments) - 1
    sealed = shard_count(sum(s.total for s in segments[:-1])) if len(segments) > 1 else 0
    tail = shard_count(segments[-1].total, smallest=1) if segments else 0
    items: list = [("t", shards) for shards in shard_items(range(tail))] + ([("d", last)] if segments else [])
    sealed_files: list[str] = old["files"] if keep_sealed else []
    if not keep_sealed:
        edit = _edit_plan(old, keys, segments, bases, sealed, cache_dir, writer, version)
        if edit is None:
            items += [("i", shards) for shards in shard_items(range(sealed))] + [("d", n) for n in range(last)]
        else:
            shards, changed, sealed_files = edit
            items += [("i", group) for group in shard_items(shards)] + [("d", n) for n in changed]
    task = _PartTask(segments, bases, {"i": sealed, "t": tail}, last, writer.stager()) if items else None
    for _, staged in process_map(task, items, jobs, min_items=2, chunk_size=1):
        for rel, digest, written in staged:
            writer.record(rel, digest, written)
            files.append(rel)
            if not rel.startswith(f"{DATA_DIR}/t/") and not rel.startswith(f"{DATA_DIR}/d/{last}-"):
                sealed_files.append(rel)
    for stale in [*cache_dir.glob("*.seg"), *cache_dir.glob("*.tmp")]:  # gone segments; a killed build's halves
        if stale not in paths:
            stale.unlink(missing_ok=True)
    manifest = json.dumps({"format": FORMAT, "docs": docs, "gram": MAX_GRAM, "shards": sealed, "tail": tail,
                           "store": STORE_DOCS, "bases": bases, "regions": regions,
                           "region": _region_string(issues, regions)}, ensure_ascii=False, separators=(",", ":"))
    writer.put(MANIFEST, manifest.encode())
    all_files = sorted(set(files) | set(sealed_files) | {MANIFEST})
    record = {"sealed": {"key": sealed_key, "files": sorted(sealed_files), "segments": keys[:-1], "shards": sealed,
                         "bases": bases[:-1], "version": version},
              "files": all_files}
    return record, manifest


def _edit_plan(old: dict, keys: list[str], segments: list[Segment], bases: list[int], sealed: int,
               cache_dir: Path, writer, version: str) -> tuple[list[int], list[int], list[str]] | None:
    """When only some older segments changed, and none of them changed its number of docs (so every
    doc number stays), the sealed shards to write again, those segments, and the kept files (kept
    through the writer already). None when the whole sealed part must be written: also after a new
    version of the software or layout (a kept shard's bytes are those of the version that wrote them)."""
    old_keys = old.get("segments")
    last = len(keys) - 1
    if (not old_keys or len(old_keys) != last or old.get("shards") != sealed or old.get("bases") != bases[:last]
            or old.get("files") is None or old.get("version") != version):
        return None
    changed = [n for n in range(last) if keys[n] != old_keys[n]]
    shards: set[int] = set()
    for n in changed:
        before = cache_dir / f"{old_keys[n]}.seg"
        if not _valid(before) or Segment(before).docs != segments[n].docs:
            return None
        try:
            grams = changed_grams(Segment(before), segments[n])
        except (OSError, ValueError, EOFError, TypeError):  # a damaged old file: write everything instead
            return None
        shards.update(gram_hash(gram) % sealed for gram in grams)
    rewritten = {f"{DATA_DIR}/i/{shard:x}.bin" for shard in shards}
    kept = [rel for rel in old["files"]
            if rel not in rewritten and not any(rel.startswith(f"{DATA_DIR}/d/{n}-") for n in changed)]
    if not _keep_all(kept, writer):
        return None
    return sorted(shards), changed, kept


def _keep_all(files: list[str], writer) -> bool:
    """Keep every file of the previous build's sealed part, or none (keep() cannot be undone)."""
    if not all(rel in writer.previous_files and writer.reusable(rel) for rel in files):
        return False
    return all([writer.keep(rel) for rel in files])


def _valid(path: Path) -> bool:
    try:
        Segment(path)
    except (OSError, ValueError, struct.error):
        return False
    return True


@dataclass(frozen=True)
class _SegmentTask:
    """Writing segment n's file into the cache (a task for workers.process_map)."""

    cuts: list[list[Issue]]
    paths: list[Path]
    gazetteer: Gazetteer

    def __call__(self, n: int) -> None:
        path = self.paths[n]
        data = segment_bytes(self.cuts[n], self.gazetteer)
        temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temp.write_bytes(data)
        os.replace(temp, path)


@dataclass(frozen=True)
class _PartTask:
    """Merging and staging a group of shards, or writing a segment's store files (a task for process_map)."""

    segments: list[Segment]
    bases: list[int]
    parts: dict[str, int]  # shards of the sealed part ("i") and of the tail ("t")
    last: int  # the tail's segment
    stager: Stager

    def __call__(self, item: tuple) -> list[tuple[str, str, bool]]:
        kind, n = item
        segments, bases, last = self.segments, self.bases, self.last
        if kind == "d":
            files = {f"{DATA_DIR}/d/{n}-{block}.bin": data for block, data in store_files(segments[n]).items()}
        else:
            part = (segments[:last], bases[:last]) if kind == "i" else (segments[last:], bases[last:])
            files = {f"{DATA_DIR}/{kind}/{shard:x}.bin": data
                     for shard, data in write_shards(n, *part, self.parts[kind]).items()}
        return [(rel, *self.stager.stage(rel, data)) for rel, data in files.items()]


def shard_items(shards) -> list[tuple[int, ...]]:
    """The shards to write, as pieces of work: those of one group (shard % GROUPS) together, since
    their lists lie in one stretch of each segment file."""
    pieces: dict[int, list[int]] = {}
    for shard in shards:
        pieces.setdefault(shard % GROUPS, []).append(shard)
    return [tuple(pieces[group]) for group in sorted(pieces)]


def write_shards(wanted: tuple[int, ...], segments: list[Segment], bases: list[int], shards: int) -> dict[int, bytes]:
    """Some shard files of a part (its segments, their first docs, its number of shards): shard number -> bytes."""
    fines = sorted({f for shard in wanted for f in fines_of(shard, shards)})
    merged: dict[str, list] = {}
    for segment, base in zip(segments, bases):
        for gram, (first, last, count, tail) in segment.lists(fines).items():
            entry = merged.get(gram)
            if entry is None:
                merged[gram] = [bytearray(varint(base + first + 1)) + tail, base + last, count]
            else:
                entry[0] += varint(base + first - entry[1])
                entry[0] += tail
                entry[1] = base + last
                entry[2] += count
    by_shard: dict[int, list[str]] = {shard: [] for shard in wanted}
    for gram in merged:
        shard = gram_hash(gram) % shards
        if shard in by_shard:  # a fine section of several shards (more shards than FINE) has the others' grams too
            by_shard[shard].append(gram)
    out = {}
    for shard, grams in by_shard.items():
        parts = []
        for gram in sorted(grams):
            data, _, count = merged[gram]
            encoded = gram.encode()
            parts += [varint(len(encoded)), encoded, varint(count), varint(len(data)), bytes(data)]
        out[shard] = deflate_lists(b"".join(parts))
    return out


def store_files(segment: Segment) -> dict[int, bytes]:
    """The store files of a segment: block number -> deflated JSON of its docs STORE_DOCS * block ..."""
    rows = segment.rows()
    return {block: deflate(("[" + ",".join(rows[block * STORE_DOCS : (block + 1) * STORE_DOCS]) + "]").encode())
            for block in range(-(-len(rows) // STORE_DOCS))}


def _region_string(issues: list[Issue], regions: list[str]) -> str:
    """Each doc's region as one character: "A" + its place in regions, "-" for a lead text."""
    number = {name: chr(65 + n) for n, name in enumerate(regions)}
    out = []
    for issue in issues:
        if issue.lead_text.strip():
            out.append("-")
        out += [number[report.region.name] for report in issue.reports]
    return "".join(out)
