"""The vocabulary of the search's suggestions and related results, written at build time into one
small file (search/data/suggest-<tag>.json) that the page reads only when a query needs it.

When a keyword finds nothing, the page offers the archive's own words that sound the same (the same
toneless pinyin syllables, character by character: 关工伟 -> 关工委, 黑和 -> 黑河) or differ from it in
one character; and when a query finds few reports, it cuts its keywords into the longest words of
this vocabulary (留守儿童 -> 留守 + 儿童) for related results. The vocabulary: the gazetteer's
region and county names in all their forms, the abbreviations the index knows (terms.ABBREVIATIONS)
and 五老, and the archive's most frequent words and pieces of words (2 or 3 Chinese characters, by the
number of reports holding them, counted per segment at indexing: index.frequent_grams).

The sounds come from data/pinyin.txt (scripts/gen_pinyin.py: GB 2312's characters by toneless
syllable); the file carries the lines of the syllables its words use, so that the page can read the
syllables of what the reader typed.
"""
from __future__ import annotations

import json
from collections import Counter
from functools import cache, lru_cache
from importlib import resources

from guanxin_site.gazetteer import Gazetteer
from guanxin_site.search.terms import ABBREVIATIONS, FIVE_ELDERS, fold

FREQUENT_WORDS = 600  # the archive's most frequent words of 2 or 3 characters kept
NAME, ABBREVIATION, WORD = 0, 1, 2  # kinds of words, in the order suggestions are offered


def suggestion_file(gazetteer: Gazetteer, frequent: Counter) -> bytes:
    """The JSON file: {"words": [[word, kind, reports], ...], "sounds": "syllable characters\\n..."};
    words folded, each once (its first kind), kinds as above, reports: how many reports hold it."""
    words: dict[str, tuple[int, int]] = {}
    for kind, names in ((NAME, place_names(gazetteer)), (ABBREVIATION, abbreviations())):
        for name in map(fold, names):
            if frequent.get(name):  # only what the archive holds is offered
                words.setdefault(name, (kind, frequent[name]))
    short = {word: count for word, count in frequent.items() if len(word) <= 3}  # longer ones are mostly phrases
    for word, count in sorted(short.items(), key=lambda item: (-item[1], item[0]))[:FREQUENT_WORDS]:
        words.setdefault(word, (WORD, count))
    listed = sorted((word, kind, count) for word, (kind, count) in words.items() if len(word) >= 2)
    used = {char for word, _, _ in listed for char in word}
    sounds = "".join(line for line in _pinyin_lines() if used.intersection(line.split(" ", 1)[1].strip()))
    return json.dumps({"words": listed, "sounds": sounds}, ensure_ascii=False, separators=(",", ":")).encode()


@lru_cache(maxsize=4)
def vocabulary_names(gazetteer: Gazetteer) -> frozenset[str]:
    """The folded names and abbreviations the vocabulary offers when the archive holds them (each
    segment counts them: index.frequent_grams)."""
    return frozenset(f for f in map(fold, [*place_names(gazetteer), *abbreviations()]) if len(f) >= 2)


def place_names(gazetteer: Gazetteer) -> list[str]:
    """Every region and county name, short form and historic name."""
    names = []
    for region in gazetteer.regions:
        for place in (region, *gazetteer.counties_of(region.name)):
            names += [place.name, place.short, *place.aliases]
    return names


def abbreviations() -> list[str]:
    return [form for pair in ABBREVIATIONS for form in pair] + ["五老", *FIVE_ELDERS]


@cache
def _pinyin_lines() -> tuple[str, ...]:
    text = resources.files("guanxin_site").joinpath("data/pinyin.txt").read_text(encoding="utf-8")
    return tuple(text.splitlines(keepends=True))
