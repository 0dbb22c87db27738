"""Plain-Python definitions the search is compared with, written apart from the code under test.

- reference_fold / reference_keywords: what docs/search.md says a query and a text are compared as,
  written out character by character (search/terms.py folds with a cached translate table; a bug
  there must show as a difference, not be shared by both sides);
- reference_docs: every doc of an archive in the index's order;
- reference_doc_lists: a segment's doc lists, which search/grams.py computes with numpy (a set of
  grams per doc, read back as the differences between its docs; tests/test_search_grams.py);
- reference_shards: shard files merged from several segments' lists, one gram at a time (as
  search/index.py merged them before its columns: tests/test_search_grams.py);
- reference_frequent: a segment's frequent grams by heapq.nlargest of (count, gram);
- reference_rewrites: a doc's rewritten forms, by every form of every pair.
"""
from __future__ import annotations

import heapq
import unicodedata
import zlib

from guanxin_site.search.grams import END, MAX_GRAM, PREFIXED
from guanxin_site.search.index import varint
from guanxin_site.search.terms import issue_docs


def reference_fold(text: str) -> str:
    """Compose the text (NFC); then each character on its own: NFKC, lower case, and only what is a
    letter or a digit (Unicode general category L* or N*) is kept."""
    kept = []
    for char in unicodedata.normalize("NFC", text):
        for c in unicodedata.normalize("NFKC", char).lower():
            if unicodedata.category(c).startswith(("L", "N")):
                kept.append(c)
    return "".join(kept)


def reference_keywords(query: str) -> list[str]:
    """The query cut at every white-space character (str.isspace) and U+FEFF, each piece folded,
    the empty ones dropped."""
    pieces, piece = [], []
    for char in query:
        if char.isspace() or char == "\ufeff":
            pieces.append("".join(piece))
            piece = []
        else:
            piece.append(char)
    pieces.append("".join(piece))
    return [k for k in map(reference_fold, pieces) if k]


def reference_docs(archive, gazetteer) -> list:
    """Every doc of the archive, oldest issue first (the doc numbers of the index)."""
    return [doc for issue in reversed(archive.issues) for doc in issue_docs(issue, gazetteer)]


def reference_doc_lists(docs) -> dict[str, tuple[int, int, int, bytes]]:
    """gram -> (first doc, last doc, number of docs, the differences as varints)."""
    members: dict[str, list[int]] = {}
    for number, texts in enumerate(docs):
        grams: set[str] = set()
        for text in texts:
            for n in range(1, min(MAX_GRAM, len(text)) + 1):
                if n != PREFIXED:
                    grams.update(text[i : i + n] for i in range(len(text) - n + 1))
            if len(text) >= PREFIXED:
                grams.add(text[-PREFIXED:] + END)
        for gram in grams:
            members.setdefault(gram, []).append(number)
    return {gram: (docs_[0], docs_[-1], len(docs_), b"".join(varint(b - a) for a, b in zip(docs_, docs_[1:])))
            for gram, docs_ in members.items()}


def reference_shards(segments: list[dict], bases: list[int], shards: int) -> dict[int, bytes]:
    """Raw shard files (before compression) of segments' lists (gram -> (first, last, count, tail), doc numbers
    relative to the segment; bases: each segment's first doc): per gram, sorted by gram, varint length, UTF-8,
    varint number of docs, varint byte length, then the doc numbers (the first plus one, then differences).
    A gram goes to the shard of the CRC-32 of its UTF-8 (of its first PREFIXED characters if it has MAX_GRAM)."""
    docs: dict[str, list[int]] = {}
    for lists, base in zip(segments, bases):
        for gram, (first, last, count, tail) in lists.items():
            numbers = [base + first]
            at = 0
            while at < len(tail):
                value, shift = 0, 0
                while True:
                    byte = tail[at]
                    at += 1
                    value |= (byte & 0x7F) << shift
                    shift += 7
                    if byte < 0x80:
                        break
                numbers.append(numbers[-1] + value)
            assert len(numbers) == count and numbers[-1] == base + last
            docs.setdefault(gram, []).extend(numbers)
    out: dict[int, list[bytes]] = {}
    for gram in sorted(docs):
        hashed = gram[:PREFIXED] if len(gram) == MAX_GRAM else gram
        numbers = docs[gram]
        data = varint(numbers[0] + 1) + b"".join(varint(b - a) for a, b in zip(numbers, numbers[1:]))
        encoded = gram.encode()
        out.setdefault(zlib.crc32(hashed.encode()) % shards, []).append(
            varint(len(encoded)) + encoded + varint(len(numbers)) + varint(len(data)) + data)
    return {shard: b"".join(parts) for shard, parts in out.items()}


def reference_frequent(lists: dict, names: frozenset[str], most: int) -> list[tuple[str, int]]:
    """The grams of 2 to 4 characters of U+3400..U+9FFF in at least 3 docs, the `most` largest by (docs, gram),
    and the names held, with their numbers of docs, sorted."""
    found = heapq.nlargest(most, ((count, gram) for gram, (_, _, count, _) in lists.items()
                                  if count >= 3 and 2 <= len(gram) <= 4 and all("\u3400" <= c <= "\u9fff" for c in gram)))
    named = {gram: entry[2] for gram, entry in lists.items() if gram in names}
    return sorted({**named, **{gram: count for count, gram in found}}.items())


def reference_rewrites(folded: str, pairs: list[tuple[str, str]]) -> list[str]:
    """A doc's rewritten forms as they were defined before the store kept only the forms met: one
    pattern of every form of every pair (longest first), each occurrence in each other form with
    CONTEXT characters each side."""
    import re

    from guanxin_site.search.terms import CONTEXT, other_forms

    other = other_forms(pairs)  # the table of forms is not what is compared: the matching is
    if not other:
        return []
    pattern = re.compile("|".join(map(re.escape, other)))
    found: dict[str, None] = {}
    for match in pattern.finditer(folded):
        before = folded[max(0, match.start() - CONTEXT) : match.start()]
        after = folded[match.end() : match.end() + CONTEXT]
        for replacement in other[match.group()]:
            found[before + replacement + after] = None
    return list(found)
