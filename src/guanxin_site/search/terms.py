"""What a search matches: the folded text of each report, and the extra forms it is findable by.

Folding (the same in templates/static/search-reader.js fold(), checked by tests/search_vectors.json):
the text is composed (NFC, so an accent typed separately joins its letter), then each character
on its own is put in Unicode NFKC form and lower-cased, and what comes out is kept
only if it is a letter or a digit (general category L* or N*). So full-width Ａ１ and half-width a1
match, Kangxi and compatibility forms match their usual characters, ① matches 1, and punctuation
and spaces are ignored: 发挥“五老”作用 is found by 五老作用, 11 月 9 日 by 11月9日.

A report is findable by its text, its issue's headline, and extra terms: its region's names
(伊春市, 伊春, historic aliases), the counties it names (full and short), and each occurrence of
an abbreviation or place name rewritten in its other form (关工委 / 关心下一代工作委员会,
嘉荫 / 嘉荫县) with a few characters of context, so a query running across the name is found too.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from guanxin_site.gazetteer import Gazetteer, Place
from guanxin_site.models import Issue, Report

# Abbreviations common in the bulletins, with their full forms. A report containing one form is
# indexed with the other, so a search for either finds both.
ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("关工委", "关心下一代工作委员会"),
    ("关工", "关心下一代工作"),
    ("中办", "中共中央办公厅"),
    ("国办", "国务院办公厅"),
    ("团市委", "共青团市委"),
    ("团县委", "共青团县委"),
    ("妇联", "妇女联合会"),
)
# 五老, the "five elders"; a report that lists all five is indexed with 五老 too.
FIVE_ELDERS = ("老干部", "老战士", "老专家", "老教师", "老模范")
CONTEXT = 5  # characters kept each side of a rewritten name (MAX_GRAM - 1: every gram across it is indexed)


class _FoldTable(dict):
    """Code point -> its folded form (None: dropped; the code point itself: kept), filled as met."""

    def __missing__(self, code: int):
        out = "".join(c for c in unicodedata.normalize("NFKC", chr(code)).lower()
                      if unicodedata.category(c)[0] in "LN")
        value = None if not out else code if out == chr(code) else out
        self[code] = value
        return value


_FOLD = _FoldTable()
# The same table for numpy, for long texts (a report's): a character's folded code point, or one of these.
_UNKNOWN, _DROPPED, _SEVERAL = -1, -2, -3
_FOLDED = np.full(0x110000, _UNKNOWN, dtype=np.int32)
_LONG = 256  # shorter texts are folded by str.translate, which costs less than numpy's setting up


@lru_cache(maxsize=256)  # a doc's text is folded for its rewrites and, a few docs later, for the index; names recur
def fold(text: str) -> str:
    """The text as search compares it: NFC, then per character NFKC, lower case, letters and digits only."""
    text = unicodedata.normalize("NFC", text)
    return _fold_long(text) if len(text) >= _LONG else text.translate(_FOLD)


def _fold_long(text: str) -> str:
    """text.translate(_FOLD) by a lookup of all its characters at once (a report of 1,500 characters
    took a third of its indexing's Python time character by character)."""
    try:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    except UnicodeEncodeError:  # a lone surrogate: left to translate
        return text.translate(_FOLD)
    mapped = _FOLDED[codes]
    unknown = mapped == _UNKNOWN
    if unknown.any():
        for code in np.unique(codes[unknown]).tolist():
            value = _FOLD[code]
            _FOLDED[code] = (_DROPPED if value is None else code if value == code
                             else ord(value) if len(value) == 1 else _SEVERAL)
        mapped = _FOLDED[codes]
    if (mapped == _SEVERAL).any():  # a character that folds to several (① is 1, but ㍿ is 株式会社)
        return text.translate(_FOLD)
    return mapped[mapped >= 0].astype("<u4").tobytes().decode("utf-32-le")


Rewrite = tuple[str, tuple[str, ...]]  # a form of a name met in the folded text, and its other forms


@dataclass(frozen=True)
class Doc:
    """One searchable unit: a report, or an issue's lead text (region "")."""

    url: str  # relative to the site root: "2023/53/#yichun", or "2023/53/" for a lead text
    title: str
    label: str
    date: str
    region: str
    text: str  # readable, for excerpts
    names: tuple[str, ...]  # its region's and counties' names, 五老: findable by, not shown
    # The forms met in the folded text, in the order they are tried: the store keeps these instead of
    # the rewritten texts (a third of its size), and the browser rewrites as expand_rewrites does.
    rewrites: tuple[Rewrite, ...]

    @property
    def terms(self) -> tuple[str, ...]:
        return extra_forms(self.names, self.text, self.rewrites)

    def texts(self) -> tuple[str, ...]:
        """The folded texts a query is looked for in; a match never spans two of them."""
        return (fold(self.text), fold(self.title), *(fold(t) for t in self.terms))


def doc_count(issue: Issue) -> int:
    """len(issue_docs(issue, …)), without making them."""
    return bool(issue.lead_text.strip()) + len(issue.reports)


def issue_docs(issue: Issue, gazetteer: Gazetteer) -> list[Doc]:
    """The docs of one issue, in page order: the lead text (if any), then each report."""
    out = []
    lead = issue.lead_text
    if lead.strip():
        out.append(_doc(issue, None, lead, gazetteer))
    for report in issue.reports:
        out.append(_doc(issue, report, report.text, gazetteer))
    return out


def _doc(issue: Issue, report: Report | None, text: str, gazetteer: Gazetteer) -> Doc:
    names, pairs = _names_and_pairs(text, report, gazetteer)
    return Doc(url=f"{issue.url}#{report.anchor}" if report else issue.url, title=issue.title, label=issue.label,
               date=issue.date.isoformat(), region=report.region.name if report else "", text=text,
               names=names, rewrites=met_forms(fold(text), pairs))


def extra_forms(names: tuple[str, ...], text: str, rewrites: tuple[Rewrite, ...]) -> tuple[str, ...]:
    """Every extra form a doc is findable by (see the module's docstring): its names, then each
    rewrite of a name met in its text, with context. reader.py makes them from the stored doc."""
    return tuple(dict.fromkeys((*names, *expand_rewrites(fold(text), rewrites))))


def _names_and_pairs(text: str, report: Report | None,
                     gazetteer: Gazetteer) -> tuple[tuple[str, ...], list[tuple[str, str]]]:
    """A doc's names (findable by as they are), and the pairs of forms its text is rewritten by."""
    pairs = list(ABBREVIATIONS)
    names: list[str] = []
    if report is not None:
        region = report.region
        names += [region.name, region.short, *region.aliases]
        names += [name for county in report.counties for name in (county.name, county.short)]
        pairs = _region_pairs(region, gazetteer)
    if all(elder in text for elder in FIVE_ELDERS):
        names.append("五老")
    return tuple(dict.fromkeys(name for name in names if fold(name))), pairs


def long_phrases(gazetteer: Gazetteer, longer_than: int) -> tuple[str, ...]:
    """Names and their forms longer than the index's grams (关心下一代工作委员会): indexed whole, so
    that looking one of them up costs one doc list instead of checking texts."""
    names = [name for pair in ABBREVIATIONS for name in pair]
    for region in gazetteer.regions:
        for place in (region, *gazetteer.counties_of(region.name)):
            names += [place.name, place.short, *place.aliases]
    return tuple(sorted({f for f in map(fold, names) if len(f) > longer_than}))


@lru_cache(maxsize=512)
def _region_pairs(region: Place, gazetteer: Gazetteer) -> list[tuple[str, str]]:
    """The pairs a report of the region is rewritten by: the abbreviations, the region's names and those
    of its counties (only its own: short names like 友好 or 前进 are common words). Made once per region.
    Callers do not change the list."""
    pairs = [*ABBREVIATIONS, *_place_pairs(region)]
    for county in gazetteer.counties_of(region.name):
        pairs += _place_pairs(county)
    return pairs


def _place_pairs(place: Place) -> list[tuple[str, str]]:
    forms = [*place.aliases, *([place.short] if len(place.short) >= 2 else [])]  # 宾 alone matches too much
    return [(place.name, form) for form in forms if form != place.name]


def other_forms(pairs: list[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """Each folded form of the pairs with its other forms (sorted), in the order forms are tried:
    longest first, so that 关工委 is taken before 关工."""
    other: dict[str, set[str]] = {}
    for a, b in pairs:
        a, b = fold(a), fold(b)
        if a != b:
            other.setdefault(a, set()).add(b)
            other.setdefault(b, set()).add(a)
    return {form: tuple(sorted(other[form])) for form in sorted(other, key=lambda f: (-len(f), f))}


_FORMS: dict[tuple, tuple[re.Pattern, dict]] = {}


def met_forms(folded: str, pairs: list[tuple[str, str]]) -> tuple[Rewrite, ...]:
    """The forms of the pairs met in a folded text, each with its other forms, in the order they are
    tried (longest first). Trying only these, in this order, meets the same occurrences as trying all
    of them: a form never met never takes a place from another."""
    key = tuple(pairs)
    if key not in _FORMS:
        other = other_forms(pairs)
        _FORMS[key] = (re.compile("|".join(map(re.escape, other))), {f: (n, other[f]) for n, f in enumerate(other)})
    pattern, forms = _FORMS[key]
    met = sorted(forms[form] + (form,) for form in set(pattern.findall(folded)))
    return tuple((form, others) for _, others, form in met)


@lru_cache(maxsize=1024)
def _tried(forms: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(map(re.escape, forms)))


def expand_rewrites(folded: str, rewrites: tuple[Rewrite, ...]) -> list[str]:
    """Each occurrence of a form in the folded text (forms tried in the order given, the first that
    fits taken, as a regular expression's alternatives are; search-reader.js does the same), in each of
    its other forms, with CONTEXT characters of context on each side."""
    if not rewrites:
        return []
    pattern = _tried(tuple(form for form, _ in rewrites))
    others = dict(rewrites)
    found: dict[str, None] = {}
    for match in pattern.finditer(folded):
        start, end = match.span()
        before, after = folded[max(0, start - CONTEXT) : start], folded[end : end + CONTEXT]
        for replacement in others[match.group()]:
            found[before + replacement + after] = None
    return list(found)
