"""The plain-Python definition of a segment's doc lists, which search/grams.py computes with numpy.

Kept here as the reference the fast version is compared with (tests/test_search_grams.py): a set
of grams per doc, then one bit mask per gram, read back as the differences between its docs.
"""
from __future__ import annotations

from guanxin_site.search.grams import END, MAX_GRAM, PREFIXED
from guanxin_site.search.index import varint


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
