"""The doc lists of a segment's grams, counted with numpy.

This is the one loop over every (gram, doc) pair of the archive (tens of millions at 5,000
issues), so it runs on arrays: every window of a segment's texts becomes one integer key,
the keys are sorted once per gram length, and the differences between the docs of each gram
are varint-encoded in one pass; the result is columns (columns.Lists), so Python touches
no gram one by one.
A window too wide for one integer with its doc (six characters of a segment's 2,000-character
alphabet) is keyed by the number of its first four characters among the segment's distinct
grams of four, then its last two: still one sort (the several-word sort remains for the rare
segment where even that does not fit).
tests/search_reference.py keeps the plain-Python definition it is compared with.

Which grams (the format in README.md "Search index format"): of every folded text, every
gram of 1 to 4 and of MAX_GRAM characters, plus the last PREFIXED characters followed by END
(a gram of PREFIXED characters is looked up through the MAX_GRAM grams it starts).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from guanxin_site.search.columns import Lists, concat, crc32_of, empty, keys_of, varints

MAX_GRAM = 6
PREFIXED = MAX_GRAM - 1
END = "\0"  # never in a folded text: fold() keeps letters and digits only
LENGTHS = (1, 2, 3, 4, MAX_GRAM)

def doc_lists(docs: Sequence[Sequence[str]]) -> Lists:
    """Each gram of the docs (each a sequence of folded texts; a gram never spans two) with the
    docs it is in, numbered from 0 in the order given, as rows (columns.Lists). Grams come grouped
    by length, in no particular order otherwise."""
    texts = [(number, text) for number, doc in enumerate(docs) for text in doc if text]
    if not texts:
        return empty()
    joined = END.join(text for _, text in texts) + END  # each text followed by END
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype="<u4")
    lengths = np.fromiter((len(text) + 1 for _, text in texts), dtype=np.int64, count=len(texts))
    doc_of = np.repeat(np.fromiter((n for n, _ in texts), dtype=np.uint64, count=len(texts)), lengths)
    # How many characters each position has before its text's END: a window of n fits where it is >= n.
    room = np.repeat(np.cumsum(lengths) - 1, lengths) - np.arange(len(codes), dtype=np.int64)
    # Characters as ranks among the segment's distinct ones (END is rank 0), so that a window
    # packs into as few bits as the segment's alphabet needs. By a table of every code point:
    # a sort of the segment's characters (np.unique) took longer than the rest of this step.
    seen = np.zeros(0x110000, dtype=bool)
    seen[codes] = True
    alphabet = np.flatnonzero(seen).astype(np.uint32)
    rank_of = np.zeros(0x110000, dtype=np.uint32)  # half the memory to clear of a 64-bit table
    rank_of[alphabet] = np.arange(len(alphabet), dtype=np.uint32)
    ranks = np.concatenate([rank_of[codes], np.zeros(MAX_GRAM, dtype=np.uint32)]).astype(np.uint64)
    bits = max(1, (len(alphabet) - 1).bit_length())
    doc_bits = max(1, int(doc_of[-1]).bit_length())
    entries: list[Lists] = []
    key = ranks  # the window of n characters at each position, packed: n * bits bits
    shorter: tuple[int, np.ndarray, np.ndarray] | None = None  # (n, keys at every position, its distinct keys)
    for n in range(1, MAX_GRAM + 1):
        if n > 1:
            key = key[:-1] << np.uint64(bits) | ranks[n - 1 :]
        if n not in LENGTHS:
            continue
        starts = np.flatnonzero(room >= (n if n < MAX_GRAM else PREFIXED))
        if not len(starts):
            continue
        if n * bits + doc_bits <= 64:  # (gram, doc) in one integer: one sort. The usual case.
            found, distinct = _entries_packed(n, key[starts], doc_of[starts], alphabet, bits, doc_bits)
            entries.append(found)
            shorter = (n, key, distinct)
        elif shorter is not None and _prefix_bits(shorter[2]) + (n - shorter[0]) * bits + doc_bits <= 64:
            entries.append(_entries_by_prefix(n, starts, doc_of[starts], shorter, ranks, alphabet, bits, doc_bits))
        else:
            entries.append(_entries_wide(n, starts, doc_of[starts], ranks, alphabet, bits))
    return concat(entries)


def _prefix_bits(distinct: np.ndarray) -> int:
    return max(1, (len(distinct) - 1).bit_length())


def _entries_packed(n: int, keys: np.ndarray, docs: np.ndarray, alphabet: np.ndarray, bits: int,
                    doc_bits: int) -> tuple[Lists, np.ndarray]:
    """The entries of the grams of n characters whose windows (packed in keys) start in docs, and the
    grams' distinct keys, sorted (what a longer gram's prefix is numbered by: _entries_by_prefix)."""
    keys, pair_docs, new_gram = _distinct_pairs(keys, docs, n * bits, doc_bits)
    distinct = keys[new_gram]
    return _encode(n, _unpack(distinct, n, bits), alphabet, pair_docs, new_gram), distinct


def _distinct_pairs(keys: np.ndarray, docs: np.ndarray, key_bits: int,
                    doc_bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (gram, doc) pairs of packed keys (of key_bits) and their docs, sorted, one integer each:
    the grams' keys, the docs, and where each gram's pairs start (True)."""
    pairs = keys << np.uint64(doc_bits) | docs
    # Short grams of a small alphabet fit 32 bits with their doc, which sort in half the time.
    pairs = np.sort(pairs.astype(np.uint32)).astype(np.uint64) if key_bits + doc_bits <= 32 else np.sort(pairs)
    pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]
    keys, pair_docs = pairs >> np.uint64(doc_bits), (pairs & np.uint64((1 << doc_bits) - 1)).astype(np.int64)
    return keys, pair_docs, np.concatenate([[True], keys[1:] != keys[:-1]])


def _entries_by_prefix(n: int, starts: np.ndarray, docs: np.ndarray, shorter: tuple[int, np.ndarray, np.ndarray],
                       ranks: np.ndarray, alphabet: np.ndarray, bits: int, doc_bits: int) -> Lists:
    """The grams too wide to pack with their doc (n * bits + doc_bits > 64, a segment of a large alphabet),
    packed instead as the number of their first p characters among the distinct grams of p characters
    (shorter: p, their keys at every position, their distinct keys) followed by the other characters:
    still one integer with the doc, one sort."""
    p, prefix_keys, distinct = shorter
    tail = n - p
    key = np.searchsorted(distinct, prefix_keys[starts]).astype(np.uint64)
    for k in range(p, n):
        key = key << np.uint64(bits) | ranks[starts + k]
    keys, pair_docs, new_gram = _distinct_pairs(key, docs, _prefix_bits(distinct) + tail * bits, doc_bits)
    grams = keys[new_gram]
    head = _unpack(distinct[(grams >> np.uint64(tail * bits)).astype(np.int64)], p, bits)
    rest = _unpack(grams & np.uint64((1 << (tail * bits)) - 1), tail, bits)
    return _encode(n, np.concatenate([head, rest], axis=1), alphabet, pair_docs, new_gram)


def _entries_wide(n: int, starts: np.ndarray, docs: np.ndarray, ranks: np.ndarray, alphabet: np.ndarray,
                  bits: int) -> Lists:
    """The same for grams too wide for one integer with their doc (a large alphabet): the gram in
    several words, the doc in the last one's low bits when they have room, sorted together."""
    per_word = 64 // bits
    docs = docs.astype(np.int64)
    doc_bits = max(1, int(docs.max()).bit_length())
    words = [_pack([ranks[starts + k] for k in range(at, min(at + per_word, n))], bits) for at in range(0, n, per_word)]
    spare = 64 - bits * (n - per_word * (len(words) - 1))
    if spare >= doc_bits:
        words[-1] = words[-1] << np.uint64(doc_bits) | docs.astype(np.uint64)
    order = np.lexsort(list(reversed(words)) if spare >= doc_bits else [docs, *reversed(words)])
    words = [word[order] for word in words]
    pair_docs = docs[order]
    if spare >= doc_bits:
        words[-1] >>= np.uint64(doc_bits)
    new_gram = np.zeros(len(order), dtype=bool)
    new_gram[0] = True
    for word in words:
        new_gram[1:] |= word[1:] != word[:-1]
    keep = new_gram.copy()
    keep[1:] |= pair_docs[1:] != pair_docs[:-1]
    pair_docs, new_gram = pair_docs[keep], new_gram[keep]
    first = starts[order[keep][new_gram]]  # where each distinct gram is first seen: its characters, once
    return _encode(n, np.stack([ranks[first + k] for k in range(n)], axis=1), alphabet, pair_docs, new_gram)


def _pack(columns: list[np.ndarray], bits: int) -> np.ndarray:
    """Columns of ranks (first character first) packed into one integer each."""
    key = columns[0]
    for column in columns[1:]:
        key = key << np.uint64(bits) | column
    return key


def _unpack(keys: np.ndarray, n: int, bits: int) -> np.ndarray:
    mask = np.uint64((1 << bits) - 1)
    return np.stack([keys >> np.uint64(bits * (n - 1 - k)) & mask for k in range(n)], axis=1)


def _encode(n: int, gram_windows: np.ndarray, alphabet: np.ndarray, pair_docs: np.ndarray,
            new_gram: np.ndarray) -> Lists:
    """The rows of the grams of n characters from their sorted distinct (gram, doc) pairs: new_gram
    marks each gram's first pair."""
    codes = alphabet[gram_windows.astype(np.int64)]
    text = np.frombuffer(codes.astype("<u4").tobytes().decode("utf-32-le").encode(), dtype=np.uint8)
    char_bytes = 1 + (codes >= 0x80).astype(np.int64) + (codes >= 0x800) + (codes >= 0x10000)
    text_at = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(char_bytes.sum(axis=1), out=text_at[1:])
    hashed = char_bytes[:, :PREFIXED].sum(axis=1)  # a MAX_GRAM gram goes where its first PREFIXED characters do
    first_pair = np.flatnonzero(new_gram)
    end_pair = np.concatenate([first_pair[1:], [len(pair_docs)]])
    gaps = np.diff(pair_docs, prepend=0)
    gaps[first_pair] = 0  # a gram's first doc is stored on its own, not as a difference: it takes no bytes
    tail, offsets = varints(gaps)
    return Lists(keys_of(codes, np.full(len(codes), n)), crc32_of(text, text_at[:-1], hashed),
                 pair_docs[first_pair], pair_docs[end_pair - 1], end_pair - first_pair, text, text_at,
                 tail, np.concatenate([offsets[first_pair], offsets[-1:]]))
