"""search/grams.py (numpy) against the plain-Python definition in search_reference.py.

The fast version packs each window into an integer over the segment's own alphabet and takes
another path when the alphabet is too large for one word; both paths, astral characters, texts
shorter than every gram length, docs without texts and differences of several varint bytes are
generated here, and the two must agree exactly.
"""
from __future__ import annotations

import random
import zlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxin_site.search.columns import varints
from guanxin_site.search.grams import doc_lists
from guanxin_site.search.index import varint
from search_reference import reference_doc_lists, reference_frequent, reference_shards


def fast(docs) -> dict:
    out = {}
    for gram, first, last, count, tail in doc_lists(docs).entries():
        assert gram not in out, f"{gram!r} listed twice"
        out[gram] = (first, last, count, tail)
    return out


# Letters a folded text can hold: a few common ones (so grams repeat across docs), CJK, digits,
# Latin, and CJK Extension B (four UTF-8 bytes, above U+FFFF).
SMALL = st.sampled_from("关工委心下一代作ab1２")
WIDE = st.sampled_from([chr(c) for c in (*range(0x4E00, 0x4E40), *range(0x20000, 0x20010), *b"xyz09")])
text = st.one_of(st.text(SMALL, max_size=12), st.text(WIDE, max_size=30))
docs = st.lists(st.lists(text, max_size=4), max_size=12)


@settings(max_examples=300, deadline=None)
@given(docs)
def test_doc_lists_equal_the_reference(docs):
    assert fast(docs) == reference_doc_lists(docs)


def test_a_large_alphabet_takes_the_other_path_and_agrees():
    # 17,000 distinct characters: 15 bits a character, so neither a 4- nor a 6-character gram with its
    # doc (7 bits) fits one 64-bit word.
    rng = random.Random(7)
    alphabet = [chr(0x4E00 + n) for n in range(17_000)]
    docs = [[("".join(rng.choice(alphabet[:40]) for _ in range(30)) + "".join(alphabet[k::97]))]
            for k in range(97)]
    assert len(set("".join(t for d in docs for t in d))) == 17_000
    assert fast(docs) == reference_doc_lists(docs)


def test_many_docs_give_differences_of_several_bytes():
    docs = [["关心下一代"] if n % 300 == 0 or n == 70_000 else ["x"] for n in range(70_001)]
    lists = fast(docs)
    assert lists == reference_doc_lists(docs)
    first, last, count, tail = lists["关心下一代\0"]
    assert (first, last, count) == (0, 70_000, 235)
    assert tail == varint(300) * 233 + varint(100) and len(varint(300)) == 2


def test_varints_are_leb128_of_each_value():
    rng = np.random.default_rng(1)
    values = np.concatenate([[1, 127, 128, 16_383, 16_384, 2**35 + 5], rng.integers(1, 2**40, 500)])
    blob, offsets = varints(values)
    blob = blob.tobytes()
    assert blob == b"".join(varint(int(v)) for v in values)
    assert [blob[offsets[k]:offsets[k + 1]] for k in range(len(values))] == [varint(int(v)) for v in values]
    assert varints(np.array([0, 3]))[0].tobytes() == b"\x03"  # a zero takes no bytes


def test_nothing_to_index_gives_nothing():
    assert fast([]) == fast([[], [""]]) == {}


def test_an_alphabet_of_a_real_segment_keys_six_characters_by_their_first_four(monkeypatch):
    """About 2,000 distinct characters (11 bits each): a 6-character gram with its doc needs 75 bits, so it is
    keyed by the number of its first four among the segment's 4-grams (one sort), not by several words."""
    from guanxin_site.search import grams

    taken: list[str] = []
    for name in ("_entries_by_prefix", "_entries_wide"):
        real = getattr(grams, name)
        monkeypatch.setattr(grams, name, lambda *a, _real=real, _name=name: taken.append(_name) or _real(*a))
    rng = random.Random(11)
    alphabet = [chr(0x4E00 + n) for n in range(2_000)]
    docs = [["".join(rng.choice(alphabet[:300]) for _ in range(200)) + "".join(alphabet[k::50])] for k in range(300)]
    assert fast(docs) == reference_doc_lists(docs)
    assert taken == ["_entries_by_prefix"]


class _Issue:
    """Just what doc_count reads: a lead text and reports."""

    def __init__(self, n: int, lead: bool, reports: int):
        self.n, self.lead_text, self.reports = n, "导语" if lead else " ", (None,) * reports


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 31)), max_size=400))
def test_the_tail_stays_small_and_its_start_never_moves_back(shapes):
    """segment_cuts (issue 25): every issue once, in order; sealed segments of SEGMENT_ISSUES but the last;
    a tail of fewer than TAIL_DOCS docs plus its newest issue's (two store files while an issue has at most
    32 docs); and adding an issue never moves the sealed part's end back (its full segments stay as they were)."""
    from guanxin_site.search.index import SEGMENT_ISSUES, STORE_DOCS, TAIL_DOCS, segment_cuts
    from guanxin_site.search.terms import doc_count

    issues = [_Issue(n, lead, reports) for n, (lead, reports) in enumerate(shapes)]
    previous_sealed: list = []
    for end in range(len(issues) + 1):
        cuts = segment_cuts(issues[:end])
        assert [i for cut in cuts for i in cut] == issues[:end] and all(cuts)
        if not cuts:
            continue
        *sealed, tail = cuts
        assert all(len(cut) == SEGMENT_ISSUES for cut in sealed[:-1]) and all(len(cut) <= SEGMENT_ISSUES for cut in sealed)
        tail_docs = sum(map(doc_count, tail))
        assert tail_docs < TAIL_DOCS + doc_count(tail[-1]) <= 2 * STORE_DOCS
        flat = [i for cut in sealed for i in cut]
        assert flat[: len(previous_sealed)] == previous_sealed  # grows only at its end, cut from the first issue
        previous_sealed = flat


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=20))
def test_the_crc_of_many_rows_at_once_is_zlibs(pieces):
    from guanxin_site.search.columns import crc32_of

    blob = np.frombuffer(b"".join(pieces), dtype=np.uint8)
    starts = np.cumsum([0] + [len(p) for p in pieces]).astype(np.int64)[:-1]
    lengths = np.array([len(p) for p in pieces], dtype=np.int64)
    assert crc32_of(blob, starts, lengths).tolist() == [zlib.crc32(p) for p in pieces]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.sampled_from(["\0", "a", "z", "关", "工", "\u9fff", "\U00020000", "\U0010ffff"]), max_size=6),
                min_size=1, max_size=30))
def test_row_keys_sort_as_python_sorts_strings(grams):
    """The keys merged shards are sorted by (columns.py) order grams as Python orders their strings,
    a long name (its rank among the long names in the third word) after the six characters it starts with."""
    from guanxin_site.search.columns import key_of, keys_of

    codes = np.array([[ord(c) for c in g] + [0] * (6 - len(g)) for g in grams], dtype=np.uint32).reshape(len(grams), 6)
    keys = keys_of(codes, np.array([len(g) for g in grams]))
    assert [tuple(map(int, k)) for k in keys] == [key_of(g) for g in grams]
    assert sorted(grams, key=key_of) == sorted(grams)
    longer = sorted({g + "关工委会" for g in grams})  # long names: ranked among themselves
    rank = {name: n + 1 for n, name in enumerate(longer)}
    assert sorted([*grams, *longer], key=lambda g: key_of(g, rank.get(g, 0))) == sorted([*grams, *longer])


segments = st.lists(docs, min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(segments, st.sampled_from([1, 2, 4, 64, 128]))
def test_merged_shards_equal_a_gram_by_gram_merge(parts, shards):
    """Several segments' lists merged as columns (index.write_shards' core) against the reference's merge
    of each gram's docs; every shard's bytes, and no shard with grams left out."""
    from guanxin_site.search.columns import concat, merged_lists

    lists = [doc_lists(part) for part in parts]
    bases = np.cumsum([0] + [len(part) for part in parts[:-1]]).tolist()
    rows = concat(lists)
    row_bases = np.repeat(np.array(bases, dtype=np.int64), [len(part) for part in lists])
    out, gram_shard, gram_at = merged_lists(rows, row_bases, (rows.crc % shards).astype(np.int64))
    got = {}
    for shard in sorted(set(gram_shard.tolist())):
        a, b = np.searchsorted(gram_shard, shard), np.searchsorted(gram_shard, shard, side="right")
        got[shard] = out[gram_at[a]:gram_at[b]].tobytes()
    assert got == reference_shards([fast(part) for part in parts], bases, shards)


@settings(max_examples=150, deadline=None)
@given(docs, st.integers(1, 40))
def test_frequent_grams_equal_the_largest_counts(docs, most):
    from guanxin_site.search import index

    lists = doc_lists(docs)
    names = frozenset(g for g in fast(docs) if len(g) in (2, 3) and g[0] in "关ab")
    keys = frozenset(index.key_of(name) for name in names)
    index._name_keys.cache_clear()
    original, real = index.FREQUENT_GRAMS, index._name_keys
    try:
        index.FREQUENT_GRAMS = most
        index._name_keys = lambda _gazetteer: (keys, index._key_hash(np.array(sorted(keys), dtype=np.uint64).reshape(-1, 3)))
        assert index.frequent_grams(lists, None) == reference_frequent(fast(docs), names, most)
    finally:
        index.FREQUENT_GRAMS, index._name_keys = original, real
