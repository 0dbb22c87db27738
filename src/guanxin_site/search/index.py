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
indexed on its own (in the build's processes, workers.fork_map) into a file in the cache,
keyed by its issues' digests: gram -> (first doc, last doc, count, the differences after the
first), with doc numbers relative to the segment, split into GROUPS groups by the gram's
CRC-32, plus its docs' store rows. Then each group is merged over the segments of a part in
order (a concatenation of bytes per gram: only the first difference of each segment is
re-encoded) and its shards written, again spread over the processes. When the sealed part's
segments are those of the previous build, its files are kept without being read: an added
issue rewrites only the tail. The writer's digests leave unchanged files alone, and the
output is byte-identical to a clean build's.
"""
from __future__ import annotations

import hashlib
import json
import marshal
import os
import struct
import zlib
from pathlib import Path

from guanxin_site.gazetteer import Gazetteer
from guanxin_site.models import Issue
from guanxin_site.search.grams import MAX_GRAM, PREFIXED, Entry, doc_lists
from guanxin_site.search.terms import issue_docs, long_phrases
from guanxin_site.workers import fork_map

FORMAT = 2
DATA_DIR = "search/data"  # in the site; static/search-query.js finds it from its own URL
# MAX_GRAM: queries up to this long are answered exactly from the doc lists alone. Grams of PREFIXED
# characters have no lists of their own: they are the prefixes of the MAX_GRAM grams kept with them, in
# the shard of their first PREFIXED characters (and a text's last PREFIXED characters are kept as a
# MAX_GRAM gram ending in END). This saves a sixth of the index.
GROUPS = 64  # shards are merged and written in this many groups (a power of two)
SEGMENT_ISSUES = 64
STORE_DOCS = 32  # docs per store file: the ten newest results of a common word are in one or two
SHARD_BYTES = 12_000  # aimed-at raw size of a shard's doc lists: the number of shards is the smallest power of two >= GROUPS giving it
_MAGIC = b"GXSEG001"
# Everything the files' layout depends on, for the keys that decide what a later build may reuse.
LAYOUT = f"{FORMAT}/{MAX_GRAM}/{GROUPS}/{SEGMENT_ISSUES}/{STORE_DOCS}/{SHARD_BYTES}"


def varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def deflate(data: bytes) -> bytes:
    """Raw deflate (no header, no time stamp: the same bytes for the same input)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    return packer.compress(data) + packer.flush()


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
            rows.append(json.dumps([doc.url, doc.title, doc.label, doc.date, doc.region, doc.text, "\n".join(doc.terms)],
                                   ensure_ascii=False, separators=(",", ":")))
    groups: list[dict] = [{} for _ in range(GROUPS)]
    total = 0
    for gram, first, last, count, tail in [*doc_lists(texts), *_phrase_lists(texts, gazetteer)]:
        groups[gram_hash(gram) % GROUPS][gram] = (first, last, count, tail)
        total += len(tail) + 1
    sections = [marshal.dumps(group) for group in groups] + [marshal.dumps(rows)]
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


class Segment:
    """A segment file on disk: its totals, and its sections read on demand."""

    def __init__(self, path: Path):
        self.path = path
        with open(path, "rb") as f:
            head = f.read(len(_MAGIC) + 16 + 8 * (GROUPS + 2))
        if len(head) < len(_MAGIC) + 16 + 8 * (GROUPS + 2) or not head.startswith(_MAGIC):
            raise ValueError(f"not a search segment: {path}")
        values = struct.unpack(f"<QQ{GROUPS + 2}Q", head[len(_MAGIC):])
        self.total, self.docs, self._offsets = values[0], values[1], values[2:]
        self._start = len(head)

    def section(self, n: int):
        with open(self.path, "rb") as f:
            f.seek(self._start + self._offsets[n])
            return marshal.loads(f.read(self._offsets[n + 1] - self._offsets[n]))

    def rows(self) -> list[str]:
        return self.section(GROUPS)


# -- the whole index ---------------------------------------------------------------------

_WORK: dict = {}  # state the forked children inherit


def write_index(issues: list[Issue], gazetteer: Gazetteer, regions: list[str], writer, previous: dict,
                cache_dir: Path, version: str, jobs: int) -> dict:
    """Write the index of the issues (oldest first) through a SiteWriter (stage, record, keep).

    The last segment is the tail, indexed in shards of its own (t/); the others make the sealed
    part (i/), which is kept from the previous build (previous: what this returned then) when its
    segments are the same: adding an issue rewrites only the tail's files. Returns the record for
    the next build: {"sealed": {"key", "files"}, "files": every file}. cache_dir holds the segment
    files (those of segments that no longer exist are removed).
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
    _WORK.update(cuts=cuts, paths=paths, gazetteer=gazetteer)
    files: list[str] = []
    try:
        for _ in fork_map(_make_segment, todo, jobs, min_items=2, chunk_size=1):
            pass
        segments = [Segment(path) for path in paths]
        bases, docs = [], 0
        for segment in segments:
            bases.append(docs)
            docs += segment.docs
        sealed = shard_count(sum(s.total for s in segments[:-1])) if len(segments) > 1 else 0
        tail = shard_count(segments[-1].total, smallest=1) if segments else 0
        _WORK.update(segments=segments, bases=bases, stage=writer.stage, parts={"i": sealed, "t": tail},
                     last=len(segments) - 1)
        items: list = [("t", piece) for piece in shard_items(tail)] + ([("d", len(segments) - 1)] if segments else [])
        if not keep_sealed:
            items += [("i", piece) for piece in shard_items(sealed)] + [("d", n) for n in range(len(segments) - 1)]
        sealed_files = old["files"] if keep_sealed else []
        for _, staged in fork_map(_write_part, items, jobs, min_items=2, chunk_size=1):
            for rel, digest, written in staged:
                writer.record(rel, digest, written)
                files.append(rel)
                if not rel.startswith(f"{DATA_DIR}/t/") and not rel.startswith(f"{DATA_DIR}/d/{len(segments) - 1}-"):
                    sealed_files.append(rel)
    finally:
        _WORK.clear()
    for stale in [*cache_dir.glob("*.seg"), *cache_dir.glob("*.tmp")]:  # gone segments; a killed build's halves
        if stale not in paths:
            stale.unlink(missing_ok=True)
    manifest = json.dumps({"format": FORMAT, "docs": docs, "gram": MAX_GRAM, "shards": sealed, "tail": tail,
                           "store": STORE_DOCS, "bases": bases, "regions": regions,
                           "region": _region_string(issues, regions)}, ensure_ascii=False, separators=(",", ":"))
    rel = f"{DATA_DIR}/index.json"
    writer.record(rel, *writer.stage(rel, manifest.encode()))
    all_files = sorted(set(files) | set(sealed_files) | {rel})
    return {"sealed": {"key": sealed_key, "files": sorted(sealed_files)}, "files": all_files}


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


def _make_segment(n: int) -> None:
    path = _WORK["paths"][n]
    data = segment_bytes(_WORK["cuts"][n], _WORK["gazetteer"])
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temp.write_bytes(data)
    os.replace(temp, path)


def _write_part(item: tuple) -> list[tuple[str, str, bool]]:
    kind, n = item
    stage, segments, bases = _WORK["stage"], _WORK["segments"], _WORK["bases"]
    if kind == "d":
        files = {f"{DATA_DIR}/d/{n}-{block}.bin": data for block, data in store_files(segments[n]).items()}
    else:
        last = _WORK["last"]
        part = (segments[:last], bases[:last]) if kind == "i" else (segments[last:], bases[last:])
        files = {f"{DATA_DIR}/{kind}/{shard:x}.bin": data
                 for shard, data in group_shards(*n, *part, _WORK["parts"][kind]).items()}
    return [(rel, *stage(rel, data)) for rel, data in files.items()]


def shard_items(shards: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """How the shards are written: (groups merged, shards written) per piece of work. One group makes
    shards // GROUPS shards; with fewer shards than groups, a shard takes GROUPS // shards groups."""
    if shards >= GROUPS:
        return [((g,), tuple(range(g, shards, GROUPS))) for g in range(GROUPS)]
    return [(tuple(range(s, GROUPS, shards)), (s,)) for s in range(shards)]


def group_shards(groups: tuple[int, ...], wanted: tuple[int, ...], segments: list[Segment], bases: list[int],
                 shards: int) -> dict[int, bytes]:
    """The shard files made from some groups: shard number -> deflated bytes."""
    merged: dict[str, list] = {}
    for segment, base in zip(segments, bases):
        section: dict = {}
        for group in groups:
            section.update(segment.section(group))
        for gram, (first, last, count, tail) in section.items():
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
        by_shard[gram_hash(gram) % shards].append(gram)
    out = {}
    for shard, grams in by_shard.items():
        parts = []
        for gram in sorted(grams):
            data, _, count = merged[gram]
            encoded = gram.encode()
            parts += [varint(len(encoded)), encoded, varint(count), varint(len(data)), bytes(data)]
        out[shard] = deflate(b"".join(parts))
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
