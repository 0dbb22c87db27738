"""Reading a built index in Python, the way templates/static/search-reader.js does in the browser.

Used by the tests (differential against a brute-force scan of the sources, tests/search_reference.py)
and handy for inspecting an index; the build does not use it.
"""
from __future__ import annotations

import base64
import bisect
import json
import re
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from guanxin_site.search.index import DATA_DIR, MAX_GRAM, PREFIXED, gram_hash, offline_name, script_contents
from guanxin_site.search.terms import extra_forms, fold

# Keyword separators, as search-reader.js SEPARATORS: str.isspace() characters plus U+FEFF.
SEPARATORS = re.compile("[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")


# A tail of at most this many store files is searched in its stored text, not its shards (search-reader.js
# TAIL_SCAN): the same docs, in fewer requests. 0 reads the tail's shards always.
TAIL_SCAN = 2


def keywords(query: str) -> list[str]:
    return [k for k in map(fold, SEPARATORS.split(query)) if k]


@dataclass(frozen=True)
class StoredDoc:
    id: int
    url: str
    title: str
    label: str
    date: str
    region: str
    text: str
    terms: tuple[str, ...]

    def contains(self, keyword: str) -> bool:
        return any(keyword in fold(t) for t in (self.text, self.title, *self.terms))


class IndexReader:
    """A built index, the web's (index.json and .bin files) or the offline copy's (index.js and the
    scripts holding the same files)."""

    def __init__(self, site: Path, tail_scan: int = TAIL_SCAN):
        self.root = Path(site) / DATA_DIR
        self.tail_scan = tail_scan
        if (self.root / "index.json").is_file():
            self.manifest = json.loads((self.root / "index.json").read_text(encoding="utf-8"))
        else:
            self.manifest = script_contents((self.root / "index.js").read_text(encoding="utf-8"))
        self._edited = {shard: tag for tag, shards in self.manifest["edits"].items() for shard in shards}
        self._shard = cache(self._read_shard)
        self._store = cache(self._read_store)
        self.doc = cache(self.doc)  # type: ignore[method-assign]  # a scanned tail reads its docs for every gram
        self._script = cache(lambda name: script_contents((self.root / name).read_text(encoding="utf-8")))

    def files(self) -> list[str]:
        """Every data file the manifest names (relative to search/data/), as the reader asks for them."""
        m = self.manifest
        return ([self.shard_file("i", s) for s in range(m["shards"])] + [self.shard_file("t", s) for s in range(m["tail"])]
                + [f"d/{tag}-{block}.bin" for k, tag in enumerate(m["segments"])
                   for block in range(-(-(self._segment_end(k) - m["bases"][k]) // m["store"]))])

    def site_files(self) -> set[str]:
        """The files search/data/ holds: those the manifest names, packed into scripts offline."""
        packed, suggest = self.manifest.get("offline"), f"suggest-{self.manifest['suggest']}"
        if packed is None:
            return {*self.files(), "index.json", f"{suggest}.json"}
        return ({offline_name(f"{DATA_DIR}/{rel}", packed)[len(DATA_DIR) + 1 :] for rel in self.files()}
                | {"index.js", f"{suggest}.js"})

    def suggestions(self) -> dict:
        """The suggestions' vocabulary file (search/suggest.py)."""
        name = f"suggest-{self.manifest['suggest']}"
        if self.manifest.get("offline") is None:
            return json.loads((self.root / f"{name}.json").read_text(encoding="utf-8"))
        return script_contents((self.root / f"{name}.js").read_text(encoding="utf-8"))

    def _segment_end(self, k: int) -> int:
        return self.manifest["bases"][k + 1] if k + 1 < len(self.manifest["bases"]) else self.manifest["docs"]

    def shard_file(self, part: str, number: int) -> str:
        tag = self._edited.get(number, self.manifest["sealed"]) if part == "i" else self.manifest["tailtag"]
        return f"{part}/{tag}-{number:x}.bin"

    def raw(self, rel: str) -> bytes:
        """A data file's bytes (raw deflate), from the file or from the offline script holding it."""
        packed = self.manifest.get("offline")
        if packed is None:
            return (self.root / rel).read_bytes()
        script = offline_name(f"{DATA_DIR}/{rel}", packed)[len(DATA_DIR) + 1 :]
        return base64.b64decode(self._script(script)[rel])

    def _read(self, rel: str) -> bytes:
        return zlib.decompress(self.raw(rel), -15)

    def _read_shard(self, part: str, number: int) -> dict[str, tuple[int, bytes]]:
        data = self._read(self.shard_file(part, number))
        grams, at = {}, 0
        while at < len(data):
            length, at = _varint(data, at)
            gram = data[at : at + length].decode()
            at += length
            count, at = _varint(data, at)
            size, at = _varint(data, at)
            grams[gram] = (count, data[at : at + size])
            at += size
        return grams

    def _read_store(self, segment: int, block: int) -> list:
        return json.loads(self._read(f"d/{self.manifest['segments'][segment]}-{block}.bin"))

    def postings(self, gram: str) -> list[int]:
        """The sealed part's list, then the tail's. A gram of PREFIXED characters: the union of the
        lists of the MAX_GRAM grams it starts."""
        sealed, tail = self.posting_parts(gram)
        return sealed + tail

    def posting_parts(self, gram: str) -> tuple[list[int], list[int]]:
        """The sealed part's list and the tail's; a tail of at most `tail_scan` store files is read
        from its store, as search-reader.js does (postingParts)."""
        sealed = self._part("i", self.manifest["shards"], gram)
        if self.tail_scanned:
            return sealed, [d for d in range(self.manifest["bases"][-1], self.manifest["docs"]) if self.doc(d).contains(gram)]
        return sealed, self._part("t", self.manifest["tail"], gram)

    @property
    def tail_scanned(self) -> bool:
        m = self.manifest
        return m["tail"] > 0 and -(-(m["docs"] - m["bases"][-1]) // m["store"]) <= self.tail_scan

    def _part(self, part: str, shards: int, gram: str) -> list[int]:
        if not shards:
            return []
        entries = self._shard(part, gram_hash(gram) % shards)
        if len(gram) != PREFIXED:
            return _decode(*entries[gram]) if gram in entries else []
        found: set[int] = set()
        for other, entry in entries.items():
            if len(other) == MAX_GRAM and other.startswith(gram):
                found.update(_decode(*entry))
        return sorted(found)

    def doc(self, doc_id: int) -> StoredDoc:
        size, bases = self.manifest["store"], self.manifest["bases"]
        segment = bisect.bisect_right(bases, doc_id) - 1
        offset = doc_id - bases[segment]
        url, title, label, date, region, text, names, forms = self._store(segment, offset // size)[offset % size]
        rewrites = tuple((form, tuple(others)) for form, others in forms)
        terms = extra_forms(tuple(names.split("\n")) if names else (), text, rewrites)
        return StoredDoc(doc_id, url, title, label, date, region, text, terms)

    def keyword_docs(self, keyword: str) -> list[int]:
        gram = self.manifest["gram"]
        if len(keyword) <= gram:
            return self.postings(keyword)
        sealed, tail = self.posting_parts(keyword)  # a long name's list (a scanned tail holds any keyword)
        if sealed or (tail and not self.tail_scanned):
            return sealed + tail
        starts = list(range(0, len(keyword) - gram, gram)) + [len(keyword) - gram]
        candidates = set.intersection(*(set(self.postings(keyword[s : s + gram])) for s in starts))
        return sorted(d for d in candidates if self.doc(d).contains(keyword))

    def search(self, query: str) -> list[int]:
        words = list(dict.fromkeys(keywords(query)))
        if not words:
            return []
        return sorted(set.intersection(*(set(self.keyword_docs(w)) for w in words)))


def _decode(count: int, data: bytes) -> list[int]:
    ids, doc, at = [], -1, 0
    for _ in range(count):
        step, at = _varint(data, at)
        doc += step
        ids.append(doc)
    if at != len(data):
        raise ValueError("damaged doc list")
    return ids


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7
