"""Writing the search index: segments of issues -> n-gram shards and the doc store.

The format is specified in docs/search.md ("Search index format"); search-reader.js and
reader.py read it. In short, under search/data/:

- index.json: format, counts, the first doc and the tag of each segment, the tags that name the
  shard files, the region names and each doc's region as one character;
- i/<tag>-<shard>.bin (the sealed part: every segment but the last) and t/<tag>-<shard>.bin (the
  tail, the last segment): raw deflate of the doc lists of every gram (and every long name, see
  terms.long_phrases) whose CRC-32 (of its UTF-8) modulo that part's number of shards is
  <shard> (lower-case hex); per gram, sorted by gram: varint length, UTF-8 bytes, varint
  number of docs, varint byte length, then the doc numbers as varint differences (the
  first one plus one);
- d/<segment tag>-<n>.bin: raw deflate of a JSON array of that segment's docs n*STORE_DOCS ...
  (url, headline, issue label, date, region, text, extra terms joined by newlines).

Every file that can change between builds is named by a tag of what decides its bytes (a segment's
key, the sealed part's, the whole index's), so a page still carrying the previous build's manifest
never reads a file of the next one: while a deploy uploads the new files before the pages, and
deletes the old ones after, both kinds of page search correctly. An offline copy (offline=True)
holds the same files packed into classic scripts (pack_offline).

Docs are numbered oldest issue first, each issue in page order (lead text, then reports).

How it is built, so that no process holds the whole archive's postings and an added issue
costs little: issues are cut into segments of SEGMENT_ISSUES (oldest first); each segment is
indexed on its own (in the build's processes, workers.process_map; the counting in grams.py) into
a file in the cache, keyed by its issues' digests: per gram, (first doc, last doc, count, the
differences after the first), with doc numbers relative to the segment, as columns (columns.py)
in GROUPS sections by the gram's CRC-32, plus its docs' store rows. Then each group (CRC % GROUPS)
is merged over the segments of a part in order, as arrays (a concatenation of bytes per gram:
only the first difference of each segment is re-encoded) and its shards written, again spread
over the processes. When the sealed part's segments are those of the previous build, its files are kept
without being read: an added issue rewrites only the tail. When an older segment changed but
kept its number of docs, only the shards of the grams whose lists changed are merged again
(_edit_plan). The writer's digests leave unchanged files alone, and the output is
byte-identical to a clean build's.
"""
from __future__ import annotations

import base64
import hashlib
import json
import marshal
import os
import struct
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from guanxin_site.cache import SharedUse
from guanxin_site.gazetteer import Gazetteer
from guanxin_site.models import Issue
from guanxin_site.search.columns import Lists, chars_of, concat, from_entries, in_key_order, key_of, merged_lists
from guanxin_site.search.grams import MAX_GRAM, PREFIXED, doc_lists
from guanxin_site.search.suggest import suggestion_file, vocabulary_names
from guanxin_site.search.terms import doc_count, issue_docs, long_phrases
from guanxin_site.workers import process_map

if TYPE_CHECKING:
    from guanxin_site.writer import Stager

FORMAT = 4
DATA_DIR = "search/data"  # in the site; static/search-reader.js finds it from its own URL
MANIFEST = f"{DATA_DIR}/index.json"
# MAX_GRAM: queries up to this long are answered exactly from the doc lists alone. Grams of PREFIXED
# characters have no lists of their own: they are the prefixes of the MAX_GRAM grams kept with them, in
# the shard of their first PREFIXED characters (and a text's last PREFIXED characters are kept as a
# MAX_GRAM gram ending in END). This saves a sixth of the index.
GROUPS = 64  # shards are merged and written in this many groups (a power of two)
SEGMENT_ISSUES = 64
# The tail starts where the archive's docs last reached a multiple of TAIL_DOCS (segment_cuts): fewer
# than TAIL_DOCS docs plus those of its newest issue, so two store files (STORE_DOCS each) while an issue
# has at most 32 docs, which the reader searches in their text (reader.TAIL_SCAN) at any archive size.
TAIL_DOCS = 96
STORE_DOCS = 64  # docs per store file: the ten newest results of a common word are in one or two
SHARD_BYTES = 24_000  # aimed-at raw size of a shard's doc lists: the number of shards is the smallest power of two >= GROUPS giving it
# The tail's lists are short (one segment's docs) and the text of its grams makes most of a shard: it is
# compressed with deflate's repeat search too (a third of the Huffman-only size) and cut into shards as if
# its lists were TAIL_TEXT times their size, so that a query's tail shard costs a few KB, not 30.
TAIL_TEXT = 4
FREQUENT_GRAMS = 3000  # a segment's most frequent grams kept for the suggestions' vocabulary
TAG = 10  # hex digits of the tags that name files (40 bits of a SHA-256)
OFFLINE_BYTES = 256 * 1024  # aimed-at size of the offline copy's shard scripts: fewer, larger files for FAT32/exFAT
_MAGIC = b"GXSEG005"
# Everything the files' layout depends on, for the keys that decide what a later build may reuse.
LAYOUT = (f"{FORMAT}/{MAX_GRAM}/{GROUPS}/{_MAGIC.decode()}/{SEGMENT_ISSUES}/{STORE_DOCS}/{SHARD_BYTES}/{FREQUENT_GRAMS}/{TAIL_TEXT}"
          f"/{TAIL_DOCS}")


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


def segment_cuts(issues: list[Issue]) -> list[list[Issue]]:
    """The segments, oldest first: the sealed part's, SEGMENT_ISSUES issues each (its last one shorter),
    then the tail, never empty. The tail starts after the last issue with which the archive's docs
    reached a multiple of TAIL_DOCS: such a boundary stays where it is as issues are added, and the tail
    holds fewer than TAIL_DOCS docs plus its newest issue's. The price: the sealed part is merged and
    written again each time the docs pass a multiple (about every 18 issues of five reports) instead
    of every SEGMENT_ISSUES issues."""
    start, docs, boundary = 0, 0, TAIL_DOCS
    for n, issue in enumerate(issues[:-1]):
        docs += doc_count(issue)
        if docs >= boundary:
            start, boundary = n + 1, (docs // TAIL_DOCS + 1) * TAIL_DOCS
    sealed = issues[:start]
    return [sealed[at : at + SEGMENT_ISSUES] for at in range(0, len(sealed), SEGMENT_ISSUES)] + ([issues[start:]] if issues else [])


def segment_key(issues: list[Issue], version: str) -> str:
    """Names a segment's cache file: the layout and software version, and its issues' files and digests."""
    h = hashlib.sha256(version.encode())
    for issue in issues:
        h.update(f"\0{issue.source}\0{issue.digest}".encode())
    return h.hexdigest()[:32]


def segment_bytes(issues: list[Issue], gazetteer: Gazetteer) -> bytes:
    """The segment file of some consecutive issues: its doc lists (columns.Lists) in GROUPS sections by
    CRC, each sorted by gram (so that the same lists give the same bytes: an edit's changed sections
    are found by comparing them), then its docs' store rows and its frequent grams."""
    texts: list[tuple[str, ...]] = []
    rows: list[str] = []
    for issue in issues:
        for doc in issue_docs(issue, gazetteer):
            texts.append(doc.texts())
            rows.append(json.dumps([doc.url, doc.title, doc.label, doc.date, doc.region, doc.text, "\n".join(doc.names),
                                    [[form, list(others)] for form, others in doc.rewrites]],
                                   ensure_ascii=False, separators=(",", ":")))
    lists = concat([doc_lists(texts), _phrase_lists(texts, gazetteer)])
    group = lists.crc % GROUPS
    order = in_key_order(lists, group)
    lists, group = lists.take(order), group[order]
    bounds = np.searchsorted(group, np.arange(GROUPS + 1))
    sections = ([lists.rows(int(bounds[g]), int(bounds[g + 1])).to_bytes() for g in range(GROUPS)]
                + [marshal.dumps(rows), marshal.dumps(frequent_grams(lists, gazetteer))])
    offsets, at = [], 0
    for section in sections:
        offsets.append(at)
        at += len(section)
    offsets.append(at)
    total = int(lists.tail_at[-1]) + len(lists)
    header = _MAGIC + struct.pack(f"<QQ{len(offsets)}Q", total, len(rows), *offsets)
    return header + b"".join(sections)


def frequent_grams(lists: Lists, gazetteer: Gazetteer) -> list[tuple[str, int]]:
    """A segment's most frequent words and pieces of words (2 to 4 Chinese characters), and the names
    of the suggestions' vocabulary it holds (suggest.vocabulary_names), with the number of its docs
    that hold each: the counts of the vocabulary (suggest.py)."""
    chars = chars_of(lists.keys).astype(np.int64)  # code point + 1, 0 past the end
    length = (chars > 0).sum(axis=1)
    chinese = ((chars >= 0x3400 + 1) & (chars <= 0x9FFF + 1)) | (chars == 0)
    wanted = np.flatnonzero((lists.count >= 3) & (length >= 2) & (length <= 4) & (lists.keys[:, 2] == 0)
                            & chinese.all(axis=1))
    # The largest (count, gram) first: by count, then by gram, as heapq.nlargest of those pairs would give.
    order = np.lexsort([lists.keys[wanted, 1], lists.keys[wanted, 0], lists.count[wanted]])[::-1][:FREQUENT_GRAMS]
    found = dict(zip(lists.grams(wanted[order]), lists.count[wanted[order]].tolist()))
    keys, hashes = _name_keys(gazetteer)
    candidates = np.flatnonzero(np.isin(_key_hash(lists.keys), hashes))
    candidates = candidates[[tuple(key) in keys for key in lists.keys[candidates].tolist()]]
    named = dict(zip(lists.grams(candidates), lists.count[candidates].tolist()))
    return sorted({**named, **found}.items())


def _key_hash(keys: np.ndarray) -> np.ndarray:
    """One number per key (three words), for a quick test of membership (np.isin) before an exact one."""
    return keys[:, 0] * np.uint64(0x9E3779B97F4A7C15) ^ keys[:, 1] * np.uint64(0xC2B2AE3D27D4EB4F) ^ keys[:, 2]


@lru_cache(maxsize=4)
def _name_keys(gazetteer: Gazetteer) -> tuple[frozenset, np.ndarray]:
    """The keys of the vocabulary's names (a long name's: by its rank among the long phrases), and their hashes."""
    rank = {phrase: n + 1 for n, phrase in enumerate(long_phrases(gazetteer, MAX_GRAM))}
    keys = frozenset(key_of(name, rank.get(name, 0)) for name in vocabulary_names(gazetteer)
                     if len(name) <= MAX_GRAM or name in rank)
    array = np.array(sorted(keys), dtype=np.uint64).reshape(len(keys), 3)
    return keys, _key_hash(array)


def _phrase_lists(texts: list[tuple[str, ...]], gazetteer: Gazetteer) -> Lists:
    """The rows of the long names (longer than MAX_GRAM: terms.long_phrases) the docs contain; a name's
    key carries its rank among them (columns.py)."""
    entries, keys, crcs = [], [], []
    for rank, phrase in enumerate(long_phrases(gazetteer, MAX_GRAM), 1):
        docs = [n for n, doc in enumerate(texts) if any(phrase in text for text in doc)]
        if docs:
            gaps = [b - a for a, b in zip(docs, docs[1:])]
            entries.append((phrase, docs[0], docs[-1], len(docs), b"".join(map(varint, gaps))))
            keys.append(key_of(phrase, rank))
            crcs.append(gram_hash(phrase))
    return from_entries(entries, keys, crcs)


_HEAD = len(_MAGIC) + 16 + 8 * (GROUPS + 3)


class Segment:
    """A segment file on disk: its totals, and its sections read on demand."""

    def __init__(self, path: Path):
        self.path = path
        with open(path, "rb") as f:
            head = f.read(_HEAD)
        if len(head) < _HEAD or not head.startswith(_MAGIC):
            raise ValueError(f"not a search segment: {path}")
        values = struct.unpack(f"<QQ{GROUPS + 3}Q", head[len(_MAGIC):])
        self.total, self.docs, self._offsets = values[0], values[1], values[2:]
        if os.path.getsize(path) != _HEAD + self._offsets[-1]:  # cut short (or grown) after its header
            raise ValueError(f"not a whole search segment: {path}")

    def lists(self, groups: list[int]) -> Lists:
        """The rows of some groups (sorted numbers), read in one stretch."""
        if not groups:
            return concat([])
        with open(self.path, "rb") as f:
            f.seek(_HEAD + self._offsets[groups[0]])
            data = f.read(self._offsets[groups[-1] + 1] - self._offsets[groups[0]])
        return concat([Lists.from_bytes(data, self._offsets[g] - self._offsets[groups[0]]) for g in groups])

    def raw_sections(self) -> list[bytes]:
        data = self.path.read_bytes()
        return [data[_HEAD + self._offsets[n] : _HEAD + self._offsets[n + 1]] for n in range(GROUPS)]

    def rows(self) -> list[str]:
        return self._section(GROUPS)

    def frequent(self) -> list[tuple[str, int]]:
        """frequent_grams() of the segment."""
        return self._section(GROUPS + 1)

    def _section(self, n: int):
        with open(self.path, "rb") as f:
            f.seek(_HEAD + self._offsets[n])
            return marshal.loads(f.read(self._offsets[n + 1] - self._offsets[n]))


def changed_hashes(old: Segment, new: Segment) -> set[int]:
    """The hashes (gram_hash) of the grams whose lists differ between two versions of a segment."""
    changed: set[int] = set()
    for before, after in zip(old.raw_sections(), new.raw_sections()):
        if before != after:
            a, b = (set(zip(map(tuple, lists.keys.tolist()), lists.crc.tolist(), lists.first.tolist(),
                            lists.last.tolist(), lists.count.tolist(),
                            map(lists.tail_bytes, range(len(lists)))))
                    for lists in map(Lists.from_bytes, (before, after)))
            changed.update(row[1] for row in a ^ b)
    return changed


# -- the whole index ---------------------------------------------------------------------

def shard_path(part: str, tag: str, shard: int) -> str:
    return f"{DATA_DIR}/{part}/{tag}-{shard:x}.bin"


def store_path(tag: str, block: int) -> str:
    return f"{DATA_DIR}/d/{tag}-{block}.bin"


def _tag(*pieces: str) -> str:
    return hashlib.sha256("\0".join(pieces).encode()).hexdigest()[:TAG]


def write_index(issues: list[Issue], gazetteer: Gazetteer, regions: list[str], writer, previous: dict,
                cache_dir: Path, version: str, jobs: int, offline: bool = False) -> tuple[dict, str]:
    """Write the index of the issues (oldest first) through a SiteWriter (stage, record, keep).

    The last segment is the tail, indexed in shards of its own (t/); the others make the sealed
    part (i/), which is kept from the previous build (previous: the record this returned then) when its
    segments are the same: adding an issue rewrites only the tail's files. When an older segment
    changed without changing its number of docs (an edit to an old issue), only the sealed shards
    holding a gram whose list changed, and that segment's store files, are written again, under the
    new sealed part's tag (the manifest's "edits" name them). offline: the files packed into classic
    scripts (pack_offline), the sealed part written whole when it changed. Returns the record for the
    next build ({"sealed": {"key", "base", "files", "segments", "shards", "bases", "version"}, "files":
    every file}) and the text of the manifest (MANIFEST). cache_dir holds the segment files (those of
    segments that no longer exist are removed).
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    use = SharedUse(cache_dir)  # another build may share the segments (build, and build --drafts -o preview)
    cuts = segment_cuts(issues)
    keys = [segment_key(cut, version) for cut in cuts]
    paths = [cache_dir / f"{key}.seg" for key in keys]
    sealed_key = hashlib.sha256("\0".join([str(FORMAT), f"offline={offline}", *keys[:-1]]).encode()).hexdigest()
    old = previous.get("sealed") or {}
    keep_sealed = (old.get("key") == sealed_key and old.get("files") is not None and old.get("base")
                   and (not offline or "scripts" in old) and all(_valid(path) for path in paths[:-1]) and _keep_all(old["files"], writer))
    todo = [n for n, path in enumerate(paths) if (n == len(paths) - 1 or not keep_sealed) and not _valid(path)]
    tags = {"i": sealed_key[:TAG], "t": _tag(str(FORMAT), f"offline={offline}", *keys), "d": [key[:TAG] for key in keys]}
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
    tail = shard_count(segments[-1].total * TAIL_TEXT, smallest=1) if segments else 0
    items: list = [("t", shards) for shards in shard_items(range(tail))] + ([("d", last)] if segments else [])
    sealed_files: list[str] = old["files"] if keep_sealed else []
    base = old["base"] if keep_sealed else tags["i"]
    if not keep_sealed:
        edit = None if offline else _edit_plan(old, keys, segments, bases, sealed, cache_dir, writer, version)
        if edit is None:
            items += [("i", shards) for shards in shard_items(range(sealed))] + [("d", n) for n in range(last)]
        else:
            shards, changed, sealed_files = edit
            base = old["base"]
            items += [("i", group) for group in shard_items(shards)] + [("d", n) for n in changed]
    tail_files = (f"{DATA_DIR}/t/", f"{DATA_DIR}/d/{tags['d'][-1]}" if segments else f"{DATA_DIR}/t/")
    task = (_PartTask(segments, bases, {"i": sealed, "t": tail}, last, tags, None if offline else writer.stager())
            if items else None)
    made = process_map(task, items, jobs, min_items=2, chunk_size=1)
    if offline:  # this process packs the files, which the workers made, into scripts
        packed, made = _pack_all(made, writer, old.get("scripts") if keep_sealed else None)
    for _, staged in made:
        for rel, digest, written in staged:
            writer.record(rel, digest, written)
            files.append(rel)
            if not rel.startswith(tail_files):
                sealed_files.append(rel)
    suggest, suggest_tag = _write_suggestions(segments, keys, gazetteer, writer, offline, cache_dir, sealed_key, old)
    if use.alone():  # never while another build may be using segments this one does not
        vocabulary = _vocabulary_path(cache_dir, sealed_key)
        for stale in [*cache_dir.glob("*.seg"), *cache_dir.glob("*.vocab"), *cache_dir.glob("*.tmp")]:
            if stale not in paths and stale != vocabulary:  # gone segments and sums; a killed build's halves
                stale.unlink(missing_ok=True)
    use.end()
    files.append(suggest)
    manifest = {"format": FORMAT, "docs": docs, "gram": MAX_GRAM, "shards": sealed, "tail": tail,
                "store": STORE_DOCS, "bases": bases, "segments": tags["d"], "sealed": base,
                "edits": _edits(sealed_files, base), "tailtag": tags["t"], "suggest": suggest_tag}
    if offline:
        manifest["offline"] = packed
    text = json.dumps({**manifest, "regions": regions, "region": _region_string(issues, regions)},
                      ensure_ascii=False, separators=(",", ":"))
    name = OFFLINE_MANIFEST if offline else MANIFEST
    writer.put(name, pack_manifest(text) if offline else text.encode())
    all_files = sorted(set(files) | set(sealed_files) | {name})
    record = {"sealed": {"key": sealed_key, "base": base, "files": sorted(sealed_files), "segments": keys[:-1],
                         "shards": sealed, "bases": bases[:-1], "version": version,
                         **({"scripts": packed["i"]} if offline else {})},
              "files": all_files}
    return record, text


def _write_suggestions(segments: list[Segment], keys: list[str], gazetteer: Gazetteer, writer, offline: bool,
                       cache_dir: Path, sealed_key: str, old: dict) -> tuple[str, str]:
    """The suggestions' vocabulary (suggest.py), named by a tag of its bytes: the file's path and tag."""
    frequent = Counter(_sealed_frequent(segments[:-1], keys[:-1], cache_dir, sealed_key, old))
    frequent.update(_summed_frequent(segments[-1:]))
    data = suggestion_file(gazetteer, frequent)
    tag = hashlib.sha256(data).hexdigest()[:TAG]
    rel = f"{DATA_DIR}/suggest-{tag}.{'js' if offline else 'json'}"
    writer.put(rel, offline_script(rel[len(DATA_DIR) + 1 :], data.decode()) if offline else data)
    return rel, tag


def _vocabulary_path(cache_dir: Path, sealed_key: str) -> Path:
    return cache_dir / f"{sealed_key[:32]}.vocab"


def _sealed_frequent(segments: list[Segment], keys: list[str], cache_dir: Path, sealed_key: str,
                     old: dict) -> dict[str, int]:
    """The sealed segments' frequent grams summed, kept in the cache by the sealed part's key: an added
    issue changes only the tail's (summing every segment's took a tenth of such a build at 5,000 issues),
    and a new sealed part's sum is the previous one's with the segments that changed taken out and put in."""
    path = _vocabulary_path(cache_dir, sealed_key)
    total = _read_sum(path)
    if total is None:
        total = _sum_from_previous(segments, keys, cache_dir, old)
        if total is None:
            total = dict(_summed_frequent(segments))
        temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            temp.write_bytes(marshal.dumps(total))
            os.replace(temp, path)
        except OSError:
            temp.unlink(missing_ok=True)  # a cache that cannot be written costs time, never the build
    return total


def _summed_frequent(segments: list[Segment]) -> Counter:
    """The segments' frequent grams (frequent_grams()), their counts added."""
    summed: Counter = Counter()
    for segment in segments:
        summed.update(dict(segment.frequent()))
    return summed


def _read_sum(path: Path) -> dict[str, int] | None:
    try:
        kept = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None  # none yet, or damaged: summed again
    if isinstance(kept, dict) and all(type(k) is str and type(v) is int and v > 0 for k, v in kept.items()):
        return kept
    return None


def _sum_from_previous(segments: list[Segment], keys: list[str], cache_dir: Path, old: dict) -> dict[str, int] | None:
    """The previous build's sealed sum less the segments it had and this build has not, plus those this build
    has and it had not (a segment's key names its contents); None when that sum or a gone segment's file is
    missing, or when most segments changed (a new version: summing them all costs no more)."""
    old_keys, old_key = old.get("segments"), old.get("key")
    before = _read_sum(_vocabulary_path(cache_dir, old_key)) if isinstance(old_key, str) and isinstance(old_keys, list) else None
    if before is None:
        return None
    gone, added = Counter(old_keys) - Counter(keys), Counter(keys) - Counter(old_keys)
    if sum(gone.values()) + sum(added.values()) > len(keys) // 2:
        return None
    total = Counter(before)
    for key in gone.elements():
        gone_segment = _opened(cache_dir / f"{key}.seg")
        if gone_segment is None:
            return None
        total.subtract(dict(gone_segment.frequent()))
    where = {key: n for n, key in enumerate(keys)}
    for key in added.elements():
        total.update(dict(segments[where[key]].frequent()))
    return {gram: count for gram, count in total.items() if count > 0}


def _edits(sealed_files: list[str], base: str) -> dict[str, list[int]]:
    """The sealed shards written by an edit under another tag than the sealed part's: tag -> shards."""
    edits: dict[str, list[int]] = {}
    for rel in sealed_files:
        if rel.startswith(f"{DATA_DIR}/i/") and rel.endswith(".bin"):
            tag, shard = rel[len(DATA_DIR) + 3 : -4].split("-")
            if tag != base:
                edits.setdefault(tag, []).append(int(shard, 16))
    return {tag: sorted(shards) for tag, shards in sorted(edits.items())}


def _edit_plan(old: dict, keys: list[str], segments: list[Segment], bases: list[int], sealed: int,
               cache_dir: Path, writer, version: str) -> tuple[list[int], list[int], list[str]] | None:
    """When only some older segments changed, and none of them changed its number of docs (so every
    doc number stays), the sealed shards to write again, those segments, and the kept files (kept
    through the writer already). None when the whole sealed part must be written: also after a new
    version of the software or layout (a kept shard's bytes are those of the version that wrote them)."""
    old_keys = old.get("segments")
    last = len(keys) - 1
    if (not old_keys or len(old_keys) != last or old.get("shards") != sealed or old.get("bases") != bases[:last]
            or old.get("files") is None or old.get("version") != version or not old.get("base")):
        return None
    changed = [n for n in range(last) if keys[n] != old_keys[n]]
    shards: set[int] = set()
    for n in changed:
        before = _opened(cache_dir / f"{old_keys[n]}.seg")
        if before is None or before.docs != segments[n].docs:
            return None
        try:
            hashes = changed_hashes(before, segments[n])
        except (OSError, ValueError, EOFError, TypeError, struct.error):  # a damaged old file: write everything instead
            return None
        shards.update(h % sealed for h in hashes)
    rewritten = {f"-{shard:x}.bin" for shard in shards}
    gone = tuple(f"{DATA_DIR}/d/{old_keys[n][:TAG]}" for n in changed)
    kept = [rel for rel in old["files"] if not (rel.startswith(f"{DATA_DIR}/i/") and rel[rel.rindex("-"):] in rewritten)
            and not rel.startswith(gone)]
    if not _keep_all(kept, writer):
        return None
    return sorted(shards), changed, kept


def _keep_all(files: list[str], writer) -> bool:
    """Keep every file of the previous build's sealed part, or none (keep() cannot be undone)."""
    if not all(rel in writer.previous_files and writer.reusable(rel) for rel in files):
        return False
    return all([writer.keep(rel) for rel in files])


def _valid(path: Path) -> bool:
    return _opened(path) is not None


def _opened(path: Path) -> Segment | None:
    """The segment file at path, or None where there is none or it is not whole."""
    try:
        return Segment(path)
    except (OSError, ValueError, struct.error):
        return None


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
    """Merging a group of shards, or writing a segment's store files (a task for process_map): staged
    with `stager`, or returned as bytes for this process to pack (the offline copy: stager None)."""

    segments: list[Segment]
    bases: list[int]
    parts: dict[str, int]  # shards of the sealed part ("i") and of the tail ("t")
    last: int  # the tail's segment
    tags: dict  # the files' name tags: "i", "t" (str) and "d" (per segment)
    stager: Stager | None

    def __call__(self, item: tuple) -> list[tuple]:
        kind, n = item
        segments, bases, last, tags = self.segments, self.bases, self.last, self.tags
        if kind == "d":
            files = {store_path(tags["d"][n], block): data for block, data in store_files(segments[n]).items()}
        else:
            part = (segments[:last], bases[:last]) if kind == "i" else (segments[last:], bases[last:])
            pack = deflate_lists if kind == "i" else deflate
            files = {shard_path(kind, tags[kind], shard): data
                     for shard, data in write_shards(n, *part, self.parts[kind], pack).items()}
        if self.stager is None:
            return list(files.items())
        return [(rel, *self.stager.stage(rel, data)) for rel, data in files.items()]


# -- the offline copy ----------------------------------------------------------------------

OFFLINE_MANIFEST = f"{DATA_DIR}/index.js"
OFFLINE_CALLBACK = "guanxinSearchData"


def offline_script(name: str, text: str) -> bytes:
    """A classic script that hands JSON to the reader: guanxinSearchData(name, "JSON"), the JSON inside
    a string (parsed much faster than the same object as a literal)."""
    return f"{OFFLINE_CALLBACK}({json.dumps(name)},{json.dumps(text, ensure_ascii=False)});\n".encode()


def script_contents(script: str):
    """What an offline script hands the reader (offline_script's inverse): its JSON's value."""
    return json.loads(json.loads(script[script.index(",") + 1 : script.rindex(")")]))


def offline_name(rel: str, packed: dict) -> str:
    """The script of the offline copy that holds a data file: a shard's is that of its number modulo
    packed[part] (the part's number of scripts), a segment's store files share one."""
    part, name = rel[len(DATA_DIR) + 1 :].split("/")
    tag, number = name[: -len(".bin")].split("-")
    if part == "d":
        return f"{DATA_DIR}/d/{tag}.js"
    return f"{DATA_DIR}/{part}/{tag}-{int(number, 16) % packed[part]:x}.js"


def _pack_all(made, writer, kept: int | None) -> tuple[dict, list]:
    """Every data file the children made, packed into the offline copy's scripts and staged: how many
    scripts the sealed part's shards and the tail's share (packed), and what was staged. kept: the
    number of the sealed part's scripts when they are kept from the previous build."""
    files = {rel: data for _, pieces in made for rel, data in pieces}
    packed = {part: _scripts_for(sum(len(data) for rel, data in files.items() if rel.startswith(f"{DATA_DIR}/{part}/")))
              for part in ("i", "t")}
    if kept is not None:
        packed["i"] = kept
    stager = writer.stager()
    return packed, [(None, [(rel, *stager.stage(rel, data)) for rel, data in pack_offline(files, packed).items()])]


def _scripts_for(size: int) -> int:
    """The number of scripts a part's shards share: a power of two, each about OFFLINE_BYTES (1.37 times
    the shards' size once in base64); the shard counts are powers of two too."""
    scripts = 1
    while size * 4 / 3 / scripts > OFFLINE_BYTES:
        scripts *= 2
    return scripts


def pack_offline(files: dict[str, bytes], packed: dict) -> dict[str, bytes]:
    """Data files (path -> raw deflate) as the offline copy's scripts: each file base64 in a JSON
    object by its path (relative to search/data/), as the reader asks for it."""
    scripts: dict[str, dict[str, str]] = {}
    for rel in sorted(files):
        scripts.setdefault(offline_name(rel, packed), {})[rel[len(DATA_DIR) + 1 :]] = base64.b64encode(files[rel]).decode()
    return {rel: offline_script(rel[len(DATA_DIR) + 1 :], json.dumps(contents, separators=(",", ":")))
            for rel, contents in scripts.items()}


def pack_manifest(text: str) -> bytes:
    """The manifest as the offline copy's index.js: its JSON handed to the reader as it is."""
    return offline_script("index.js", text)


def shard_items(shards) -> list[tuple[int, ...]]:
    """The shards to write, as pieces of work: those of one group (shard % GROUPS) together, since
    their lists lie in one stretch of each segment file."""
    pieces: dict[int, list[int]] = {}
    for shard in shards:
        pieces.setdefault(shard % GROUPS, []).append(shard)
    return [tuple(pieces[group]) for group in sorted(pieces)]


def write_shards(wanted: tuple[int, ...], segments: list[Segment], bases: list[int], shards: int,
                 pack=deflate_lists) -> dict[int, bytes]:
    """Some shard files of a part (its segments, their first docs, its number of shards): shard number -> bytes.
    pack: how a shard is compressed (the tail's with deflate: see TAIL_TEXT). The segments' rows of the
    groups those shards take grams from are merged as columns (columns.merged_lists)."""
    groups = (sorted({shard % GROUPS for shard in wanted}) if shards >= GROUPS
              else [g for g in range(GROUPS) if g % shards in wanted])
    parts = [segment.lists(groups) for segment in segments]
    rows = concat(parts)
    row_bases = np.repeat(np.array(bases, dtype=np.int64), [len(part) for part in parts])
    shard = (rows.crc % np.uint32(shards)).astype(np.int64)
    keep = np.isin(shard, wanted)  # a group of several shards holds the others' grams too
    if not keep.all():
        keep = np.flatnonzero(keep)
        rows, row_bases, shard = rows.take(keep), row_bases[keep], shard[keep]
    out, gram_shard, gram_at = merged_lists(rows, row_bases, shard)
    ends = np.searchsorted(gram_shard, wanted, side="right")
    starts = np.searchsorted(gram_shard, wanted, side="left")
    return {number: pack(out[gram_at[a] : gram_at[b]].tobytes()) for number, a, b in zip(wanted, starts, ends)}


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
