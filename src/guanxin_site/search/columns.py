"""Doc lists as columns: one row per gram, every field an array, the bytes of all rows in one blob.

A segment's lists are counted (grams.py), written to its cache file, read back one group at a
time and merged into shards (index.py) without a Python object per gram: at 5,000 issues there
are millions of (gram, segment) rows, and a loop over them in Python was most of the index's time.

A row's gram is kept three ways: its UTF-8 (what a shard file holds), its CRC-32 (which shard it
goes to: index.gram_hash), and a sort key of three 64-bit words that orders rows as Python orders
their strings: the first six characters, each as its code point + 1 in 21 bits, three to a word
(0 after the end: a shorter string first), then 0, or for a name longer than six characters
(terms.long_phrases) its rank among them + 1.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

KEY_CHARS = 6  # characters held by the first two words of a key
_CHAR_BITS = 21


@dataclass(frozen=True)
class Lists:
    """Rows of doc lists: keys (rows x 3, uint64: see the module docstring), crc (uint32), first,
    last and count (int64: doc numbers within the segment), text (UTF-8 of every gram, uint8) and
    text_at (where each row's starts, one more at the end), tail and tail_at likewise (the
    differences between a row's docs after the first, as varints)."""

    keys: np.ndarray
    crc: np.ndarray
    first: np.ndarray
    last: np.ndarray
    count: np.ndarray
    text: np.ndarray
    text_at: np.ndarray
    tail: np.ndarray
    tail_at: np.ndarray

    def __len__(self) -> int:
        return len(self.crc)

    def take(self, rows: np.ndarray) -> Lists:
        """The rows given (indices, in their order), their bytes gathered."""
        text, text_at = gather(self.text, self.text_at[rows], self.text_at[rows + 1])
        tail, tail_at = gather(self.tail, self.tail_at[rows], self.tail_at[rows + 1])
        return Lists(self.keys[rows], self.crc[rows], self.first[rows], self.last[rows], self.count[rows],
                     text, text_at, tail, tail_at)

    def rows(self, start: int, end: int) -> Lists:
        """Rows start..end-1, their blobs sliced (offsets from 0 again)."""
        text_at, tail_at = self.text_at[start : end + 1], self.tail_at[start : end + 1]
        return Lists(self.keys[start:end], self.crc[start:end], self.first[start:end], self.last[start:end],
                     self.count[start:end], self.text[text_at[0] : text_at[-1]], text_at - text_at[0],
                     self.tail[tail_at[0] : tail_at[-1]], tail_at - tail_at[0])

    def grams(self, rows: np.ndarray) -> list[str]:
        """The grams of some rows, with one copy out of the blob."""
        text, at = gather(self.text, self.text_at[rows], self.text_at[rows + 1])
        data, at = text.tobytes(), at.tolist()
        return [data[a:b].decode() for a, b in zip(at, at[1:])]

    def gram(self, row: int) -> str:
        return self.text[self.text_at[row] : self.text_at[row + 1]].tobytes().decode()

    def tail_bytes(self, row: int) -> bytes:
        return self.tail[self.tail_at[row] : self.tail_at[row + 1]].tobytes()

    def entries(self) -> list[tuple[str, int, int, int, bytes]]:
        """(gram, first, last, count, tail) of every row: for tests and small comparisons."""
        return [(self.gram(r), int(self.first[r]), int(self.last[r]), int(self.count[r]), self.tail_bytes(r))
                for r in range(len(self))]

    def to_bytes(self) -> bytes:
        head = struct.pack("<III", len(self), len(self.text), len(self.tail))
        return b"".join([head, self.keys.astype("<u8").tobytes(), self.crc.astype("<u4").tobytes(),
                         *(a.astype("<u4").tobytes() for a in (self.first, self.last, self.count, self.text_at, self.tail_at)),
                         self.text.tobytes(), self.tail.tobytes()])

    @staticmethod
    def from_bytes(data: bytes | memoryview, at: int = 0) -> Lists:
        rows, text_size, tail_size = struct.unpack_from("<III", data, at)
        at += 12
        out = []
        for dtype, count in (("<u8", rows * 3), ("<u4", rows), ("<u4", rows), ("<u4", rows), ("<u4", rows),
                             ("<u4", rows + 1), ("<u4", rows + 1), ("u1", text_size), ("u1", tail_size)):
            array = np.frombuffer(data, dtype=dtype, count=count, offset=at)
            at += array.nbytes
            out.append(array)
        keys, crc, first, last, count, text_at, tail_at, text, tail = out
        return Lists(keys.reshape(rows, 3), crc, first.astype(np.int64), last.astype(np.int64),
                     count.astype(np.int64), text, text_at.astype(np.int64), tail, tail_at.astype(np.int64))


def from_entries(entries: list[tuple[str, int, int, int, bytes]], keys: list[tuple[int, int, int]],
                 crcs: list[int]) -> Lists:
    """Rows made one by one in Python (a few: the long names of a segment), with their keys and CRCs."""
    if not entries:
        return empty()
    texts = [entry[0].encode() for entry in entries]
    tails = [entry[4] for entry in entries]

    def offsets(pieces: list[bytes]) -> np.ndarray:
        return np.concatenate([[0], np.cumsum([len(piece) for piece in pieces])]).astype(np.int64)

    return Lists(np.array(keys, dtype=np.uint64).reshape(len(entries), 3), np.array(crcs, dtype=np.uint32),
                 *(np.array([entry[k] for entry in entries], dtype=np.int64) for k in (1, 2, 3)),
                 np.frombuffer(b"".join(texts), dtype=np.uint8), offsets(texts),
                 np.frombuffer(b"".join(tails), dtype=np.uint8), offsets(tails))


def empty() -> Lists:
    nothing = np.zeros(0, dtype=np.int64)
    return Lists(np.zeros((0, 3), dtype=np.uint64), np.zeros(0, dtype=np.uint32), nothing, nothing, nothing,
                 np.zeros(0, dtype=np.uint8), np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.uint8),
                 np.zeros(1, dtype=np.int64))


def concat(parts: list[Lists]) -> Lists:
    """The rows of several Lists, one after another."""
    parts = [part for part in parts if len(part)]
    if not parts:
        return empty()
    if len(parts) == 1:
        return parts[0]

    def offsets(name: str, blob: str) -> np.ndarray:
        shift = np.cumsum([0] + [len(getattr(part, blob)) for part in parts[:-1]])
        return np.concatenate([getattr(part, name)[:-1] + s for part, s in zip(parts, shift)]
                              + [[sum(len(getattr(part, blob)) for part in parts)]])

    return Lists(np.concatenate([p.keys for p in parts]), np.concatenate([p.crc for p in parts]),
                 *(np.concatenate([getattr(p, name) for p in parts]) for name in ("first", "last", "count")),
                 np.concatenate([p.text for p in parts]), offsets("text_at", "text"),
                 np.concatenate([p.tail for p in parts]), offsets("tail_at", "tail"))


def gather(blob: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pieces blob[starts[k]:ends[k]] one after another, and where each starts (one more at the end)."""
    lengths = (ends - starts).astype(np.int64)
    at = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=at[1:])
    if not at[-1]:
        return np.zeros(0, dtype=blob.dtype), at
    index = np.repeat(starts.astype(np.int64) - at[:-1], lengths) + np.arange(at[-1], dtype=np.int64)
    return blob[index], at


def keys_of(codes: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Sort keys (rows x 3) of strings given as code points (rows x at least KEY_CHARS columns, those
    past each string's length ignored)."""
    rows = len(codes)
    chars = np.zeros((rows, KEY_CHARS), dtype=np.uint64)
    width = min(codes.shape[1], KEY_CHARS)
    present = np.arange(width)[None, :] < lengths[:, None]
    chars[:, :width] = np.where(present, codes[:, :width].astype(np.uint64) + np.uint64(1), np.uint64(0))
    keys = np.zeros((rows, 3), dtype=np.uint64)
    for word in range(2):
        for k in range(3):
            keys[:, word] |= chars[:, 3 * word + k] << np.uint64(_CHAR_BITS * (2 - k))
    return keys


def key_of(text: str, rank: int = 0) -> tuple[int, int, int]:
    """keys_of for one string (rank: a long name's rank + 1, else 0)."""
    chars = [ord(c) + 1 for c in text[:KEY_CHARS]] + [0] * (KEY_CHARS - min(len(text), KEY_CHARS))
    words = [chars[0] << 42 | chars[1] << 21 | chars[2], chars[3] << 42 | chars[4] << 21 | chars[5]]
    return words[0], words[1], rank


def chars_of(keys: np.ndarray) -> np.ndarray:
    """The code points + 1 (0 past the end) of the first KEY_CHARS characters: rows x KEY_CHARS."""
    mask = np.uint64((1 << _CHAR_BITS) - 1)
    return np.stack([keys[:, k // 3] >> np.uint64(_CHAR_BITS * (2 - k % 3)) & mask for k in range(KEY_CHARS)], axis=1)


def _crc_table() -> np.ndarray:
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, np.uint32(0xEDB88320) ^ (table >> np.uint32(1)), table >> np.uint32(1))
    return table.astype(np.uint32)


_CRC_TABLE = _crc_table()


def crc32_of(text: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """zlib.crc32 of text[starts[k] : starts[k] + lengths[k]] for every k, a byte position of all rows at a time."""
    crc = np.full(len(starts), 0xFFFFFFFF, dtype=np.uint32)
    starts = starts.astype(np.int64)
    for k in range(int(lengths.max(initial=0))):
        rows = np.flatnonzero(lengths > k)
        crc[rows] = _CRC_TABLE[(crc[rows] ^ text[starts[rows] + k]) & np.uint32(0xFF)] ^ (crc[rows] >> np.uint32(8))
    return crc ^ np.uint32(0xFFFFFFFF)


def varints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LEB128 of each value in one array of bytes (a 0 takes no bytes), and where each value's
    bytes start (one more offset at the end)."""
    values = values.astype(np.uint64)
    size = (values > 0).astype(np.int64)
    for shift in range(7, int(values.max(initial=0)).bit_length(), 7):
        size += values >= np.uint64(1 << shift)
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(size, out=offsets[1:])
    low = (values & np.uint64(0x7F)).astype(np.uint8) | np.where(size > 1, np.uint8(0x80), np.uint8(0))
    out = np.repeat(low, size)  # each value's first byte, as many times as it has bytes (most have one); the rest below
    for k in range(1, int(size.max(initial=0))):
        has = np.flatnonzero(size > k)
        more = np.where(size[has] > k + 1, 0x80, 0).astype(np.uint8)
        out[offsets[has] + k] = (values[has] >> np.uint64(7 * k) & np.uint64(0x7F)).astype(np.uint8) | more
    return out, offsets


def in_key_order(rows: Lists, first_by: np.ndarray) -> np.ndarray:
    """The order of rows by (first_by, key), stable: rows of the same key keep their order."""
    return np.lexsort([rows.keys[:, 2], rows.keys[:, 1], rows.keys[:, 0], first_by])


def merged_lists(rows: Lists, bases: np.ndarray, shard: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The shard files' contents of rows from several segments (in segment order; bases: each row's
    segment's first doc; shard: each row's shard): one byte array, the shard of each gram written,
    and where each gram's bytes start (one more at the end). Per gram, sorted by (shard, gram): varint
    length, UTF-8, varint number of docs, varint byte length, then its doc numbers (the first one plus
    one, then differences), a segment's tail copied as it is after its first doc's difference."""
    if not len(rows):
        return np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64)
    order = in_key_order(rows, shard)  # stable: a gram's segments stay in order
    rows, bases, shard = rows.take(order), bases[order], shard[order]
    count = len(rows)
    same = np.zeros(count, dtype=bool)
    if count > 1:
        same[1:] = (shard[1:] == shard[:-1]) & np.all(rows.keys[1:] == rows.keys[:-1], axis=1)
    starts = np.flatnonzero(~same)  # each gram's first row
    firsts, lasts = bases + rows.first, bases + rows.last
    previous_last = np.concatenate([[0], lasts[:-1]])
    heads, head_at = varints(np.where(same, firsts - previous_last, firsts + 1))
    row_bytes = np.diff(head_at) + np.diff(rows.tail_at)
    text_len = rows.text_at[starts + 1] - rows.text_at[starts]
    sizes, size_at = varints(np.add.reduceat(row_bytes, starts))
    counts, count_at = varints(np.add.reduceat(rows.count, starts))
    lengths, length_at = varints(text_len)
    # Every piece of the output is a slice of one source: the sources one after another in `source`.
    sources = [lengths, rows.text, counts, sizes, heads, rows.tail]
    shift = np.cumsum([0] + [len(s) for s in sources[:-1]])
    source = np.concatenate(sources)
    grams = len(starts)
    gram_of_row = np.cumsum(~same) - 1
    rank_in_gram = np.arange(count) - starts[gram_of_row]
    gram_piece = 4 * np.arange(grams) + 2 * starts  # where each gram's first piece goes among all pieces
    piece_start = np.zeros(4 * grams + 2 * count, dtype=np.int64)
    piece_end = np.zeros_like(piece_start)
    for k, (at, which, rows_at) in enumerate(((length_at, 0, None), (rows.text_at, 1, starts),
                                              (count_at, 2, None), (size_at, 3, None))):
        index = np.arange(grams) if rows_at is None else rows_at
        piece_start[gram_piece + k] = at[index] + shift[which]
        piece_end[gram_piece + k] = at[index + 1] + shift[which]
    row_piece = gram_piece[gram_of_row] + 4 + 2 * rank_in_gram
    piece_start[row_piece], piece_end[row_piece] = head_at[:-1] + shift[4], head_at[1:] + shift[4]
    piece_start[row_piece + 1], piece_end[row_piece + 1] = rows.tail_at[:-1] + shift[5], rows.tail_at[1:] + shift[5]
    out, piece_at = gather(source, piece_start, piece_end)
    gram_at = np.concatenate([piece_at[gram_piece], [len(out)]])
    return out, shard[starts], gram_at
