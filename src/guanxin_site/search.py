"""Full-text search: a Pagefind bundle of every report, with the Chinese matching done here.

Why the text is not simply handed to Pagefind to segment (measured in tests/test_search.py):
Pagefind 1.5 matches a query word only as the prefix of an indexed word. Its extended binary
cuts the text into words with jieba, while the browser cuts the query with Intl.Segmenter, and
the two disagree: Chromium cuts 关工委 into 关|工委, 伊春 into 伊|春 and 嘉荫县 into 嘉|荫|县, so a
report containing the query is missed whenever jieba kept the word whole, and a phrase that
starts inside a jieba word is never found. The words the browser does produce are ANDed
anywhere in a report, so 五老 also finds every report with a 五 and a 老 somewhere. Pagefind
has no synonyms either: 关工委 never finds 关心下一代工作委员会.

So this is a character n-gram index, the usual answer for Chinese full-text search. A text is
reduced to its letters and digits (punctuation and spaces dropped) and every position is
indexed with the WINDOW characters that start there. The browser cuts each keyword of a query
into its overlapping WINDOW-character pieces (templates/static/search-query.js), which Pagefind
ANDs; a piece is a prefix of the window at each of its occurrences, so every text containing
the keyword is found. To keep the browser's segmenter from cutting the pieces again, windows and
pieces are spelled in a private Latin alphabet (four letters per character), which every
segmenter leaves whole. search-query.js spells queries the same way; the browser tests check
that the two agree.

A record's content is only its index terms: the windows of the report, of the headline and of
extra terms that make abbreviations and place names findable in either form (关工委 /
关心下一代工作委员会, 嘉荫 / 嘉荫县, 伊春 / 伊春市), and a term naming its region, which the region
filter adds to the query. The readable text travels in the "text" meta field, in private-use
characters that Pagefind does not index (it indexes letters and digits only); search-query.js
builds the excerpt from it.
"""
from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from pagefind.index import IndexConfig
from pagefind.service import PagefindService

from guanxin_site.archive import Archive
from guanxin_site.errors import GuanxinError
from guanxin_site.gazetteer import Gazetteer, Place
from guanxin_site.models import Issue, Report

SEARCH_VERSION = "1"  # bump when the records change, so the next build re-indexes
BUNDLE_DIR = "pagefind"  # the bundle's place in the site; static/search.js imports it from there

WINDOW = 2  # characters per indexed window and per query piece: bigrams (search-query.js WINDOW)
# Pagefind segments only languages it knows to need it (zh, ja, th); the text is cut here, so the
# records carry "und" (BCP 47 "undetermined"). With one language in the bundle, the browser
# loads it whatever <html lang> says.
INDEX_LANGUAGE = "und"

# Spelling of a character: its code point in base 26, four letters a-z. Text stays below U+40000
# (planes 0-3 hold every CJK extension), so a spelled character starts with a letter up to "o".
# END ("z") closes the window cut short by the end of a text, so that window is never the prefix
# of a longer query piece (Pagefind falls back to the longest indexed prefix of a query word that
# matches nothing), and starts the region terms, which no query piece can therefore reach.
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_CODE_LIMIT = 0x40000
END = "z"

# Pagefind files the site does not use: its stock UIs and highlighter (static/search.js is the UI).
_UNUSED_FILES = re.compile(r"^pagefind-(ui|modular-ui|component-ui|highlight)\.(js|css)$")

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


class SearchIndexError(GuanxinError):
    """Pagefind could not be run, or failed while indexing."""


@dataclass(frozen=True)
class SearchRecord:
    url: str  # relative to the site root: "2023/53/#yichun", or "2023/53/" for an issue's lead text
    text: str  # the readable text, for the excerpt
    terms: tuple[str, ...]  # indexed as well, not shown: the headline, place names, other forms
    region: str  # the report's region; "" for a lead text
    meta: dict[str, str] = field(compare=False)  # title, label, date, region (shown with the result)
    sort: dict[str, str] = field(compare=False)

    def content(self) -> str:
        words = index_words(self.text, *self.terms)
        if self.region:
            words.append(region_word(self.region))
        return " ".join(words)

    def pagefind_meta(self) -> dict[str, str]:
        return {**self.meta, "text": conceal(" ".join(self.text.split()))}


# -- normalising and spelling ------------------------------------------------------

_NOT_LETTERS = re.compile(r"[\W_]+")  # all but letters and digits; search-query.js: /[^\p{L}\p{N}]+/gu


def normalize(text: str) -> str:
    """What both sides compare: NFKC (full-width to half-width, ① to 1) then lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def letters(text: str) -> str:
    """The normalised text without punctuation and spaces. Windows run across them, so
    发挥“五老”作用 is found by 五老作用 and 11 月 9 日 by 11月9日."""
    return _NOT_LETTERS.sub("", normalize(text))


def spell(text: str) -> str:
    """A string in the private alphabet, four letters per character."""
    out = []
    for char in text:
        code = ord(char)
        if code < _CODE_LIMIT:  # a bulletin has nothing above; such a character cannot be searched
            out.append(_LETTERS[code // 17576] + _LETTERS[code // 676 % 26]
                       + _LETTERS[code // 26 % 26] + _LETTERS[code % 26])
    return "".join(out)


def windows(text: str) -> Iterator[str]:
    """One spelled window per character of the text's letters; END closes the short last one."""
    spelled = spell(letters(text))
    chars = len(spelled) // 4
    for start in range(chars):
        window = spelled[start * 4 : (start + WINDOW) * 4]
        yield window if start + WINDOW <= chars else window + END


def index_words(*texts: str) -> list[str]:
    """The windows of each text; no window spans two texts."""
    return [w for text in texts for w in windows(text)]


def region_word(region: str) -> str:
    """The indexed word that search-query.js adds to a query to keep one region's reports.

    A word, not a Pagefind filter: Pagefind 1.5 writes its filter files in a different order on
    every run, and the site must come out byte-identical from the same input.
    """
    return END + spell(region) + END


def conceal(text: str) -> str:
    """The text in private-use characters, which Pagefind stores but does not index: U+F0000 plus
    the code point, or for a character beyond the BMP two characters from U+100000 (high and low
    ten bits, like UTF-16). search-query.js readableText() turns it back."""
    out = []
    for char in text:
        code = ord(char)
        if code < 0x10000:
            out.append(chr(0xF0000 + code))
        else:
            code -= 0x10000
            out.append(chr(0x100000 + (code >> 10)) + chr(0x100400 + (code & 0x3FF)))
    return "".join(out)


# -- records ---------------------------------------------------------------------------


def search_records(archive: Archive, gazetteer: Gazetteer) -> list[SearchRecord]:
    """Every report, and every issue's lead text, as a search record; newest issue first."""
    records: list[SearchRecord] = []
    for issue in archive.issues:
        if issue.lead_text.strip():
            records.append(_record(issue, None, issue.lead_text, gazetteer))
        for report in issue.reports:
            records.append(_record(issue, report, report.text, gazetteer))
    return records


def _record(issue: Issue, report: Report | None, text: str, gazetteer: Gazetteer) -> SearchRecord:
    region = report.region.name if report else ""
    return SearchRecord(
        url=f"{issue.url}#{report.anchor}" if report else issue.url,
        text=text,
        terms=(issue.title, *_extra_terms(text, report, gazetteer)),
        region=region,
        meta={"title": issue.title, "label": issue.label, "date": issue.date.isoformat(), "region": region},
        sort={"date": f"{issue.date.isoformat()}-{issue.number:03d}"},
    )


def _extra_terms(text: str, report: Report | None, gazetteer: Gazetteer) -> list[str]:
    """What makes the other forms of names findable: the report's region (伊春市 finds every
    report of 伊春市) and counties, and each occurrence of an abbreviation or place name
    rewritten in its other forms (see _rewrites)."""
    pairs = list(ABBREVIATIONS)
    terms: list[str] = []
    if report is not None:
        region = report.region
        terms += [region.name, region.short, *region.aliases]
        terms += [name for county in report.counties for name in (county.name, county.short)]
        pairs += _place_pairs(region)
        # Counties of the report's own region only: short names like 友好 or 前进 are common words.
        for county in gazetteer.counties_of(region.name):
            pairs += _place_pairs(county)
    terms += _rewrites(text, pairs)
    if all(elder in text for elder in FIVE_ELDERS):
        terms.append("五老")
    return terms


def _place_pairs(place: Place) -> list[tuple[str, str]]:
    forms = [*place.aliases, *([place.short] if len(place.short) >= 2 else [])]  # 宾 alone matches too much
    return [(place.name, form) for form in forms if form != place.name]


def _rewrites(text: str, pairs: list[tuple[str, str]]) -> list[str]:
    """Each occurrence of one form of a pair in the text, in the other form, with WINDOW - 1
    characters of context on each side, so a query running across the name is found too
    (嘉荫关工委 in a report that says 嘉荫县关工委)."""
    text = letters(text)
    other: dict[str, set[str]] = {}
    for a, b in pairs:
        a, b = letters(a), letters(b)
        if a != b:
            other.setdefault(a, set()).add(b)
            other.setdefault(b, set()).add(a)
    if not other:
        return []
    pattern = re.compile("|".join(re.escape(f) for f in sorted(other, key=lambda f: (-len(f), f))))
    margin = WINDOW - 1
    found: dict[str, None] = {}
    for match in pattern.finditer(text):
        before = text[max(0, match.start() - margin) : match.start()]
        after = text[match.end() : match.end() + margin]
        for replacement in sorted(other[match.group()]):
            found[before + replacement + after] = None
    return list(found)


# -- the bundle ----------------------------------------------------------------------


def search_key(archive: Archive, gazetteer: Gazetteer) -> str:
    """Hash of everything indexed and of the indexer, so a build can skip re-indexing."""
    h = hashlib.sha256(f"{SEARCH_VERSION}\0{WINDOW}\0{version('pagefind')}".encode())
    for record in search_records(archive, gazetteer):
        fields = [record.url, record.text, record.terms, record.region, record.meta, record.sort]
        h.update(json.dumps(fields, ensure_ascii=False, sort_keys=True).encode() + b"\0")
    return h.hexdigest()


def search_bundle(archive: Archive, gazetteer: Gazetteer) -> dict[str, bytes]:
    """The Pagefind bundle of the archive: path inside BUNDLE_DIR -> bytes, sorted by path.

    Byte-identical for the same archive. Raises SearchIndexError when Pagefind cannot run.
    """
    rows = [dict(url=r.url, content=r.content(), language=INDEX_LANGUAGE, meta=r.pagefind_meta(), sort=r.sort)
            for r in search_records(archive, gazetteer)]
    try:
        files = _run_in_own_thread(_index_records(rows))
    except Exception as exc:  # the wrapper raises bare Exceptions and OSErrors
        message = exc if isinstance(exc, SearchIndexError) else f"Pagefind 生成搜索索引失败：{exc}"
        raise SearchIndexError(f"{message}（可以加 --no-search 先生成不带搜索的网站）") from exc
    return {path: files[path] for path in sorted(files) if not _UNUSED_FILES.match(path)}


def build_search_index(archive: Archive, gazetteer: Gazetteer, out_dir: Path) -> int:
    """Write the Pagefind bundle of the archive into out_dir (created if missing); how many files."""
    bundle = search_bundle(archive, gazetteer)
    for rel, data in bundle.items():
        path = Path(out_dir) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return len(bundle)


def _run_in_own_thread(coroutine):
    """asyncio.run in a thread of its own: the caller may be running an event loop already
    (Playwright's sync API does), and asyncio.run refuses to nest."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _index_records(rows: list[dict]) -> dict[str, bytes]:
    """add_custom_record for each row (its keyword arguments); the bundle's files.

    The files are fetched from the binary rather than written by it: its write_files answers
    before the files are written, and closing the service then leaves some of them empty.
    """
    service = await _Service().launch()
    try:
        index = await service.create_index(IndexConfig(write_playground=False))
        # All sent at once: the binary answers in order and _Service reads the answers as they come.
        await asyncio.gather(*(index.add_custom_record(**row) for row in rows))
        return {f["path"]: f["content"] for f in await index.get_files()}
    finally:
        await service.close()


class _Service(PagefindService):
    """The wrapper's service, reading the binary's answers differently: without its 0.1 s pause
    before each one (upstream issue Pagefind/pagefind#976: 5,000 records took over 500 s), without
    its 2 MiB limit on one answer (get_files answers with the whole bundle), and failing every
    pending request instead of hanging when the binary dies."""

    async def _wait_for_responses(self) -> None:
        received: list[bytes] = []
        try:
            while chunk := await self._backend.stdout.read(1 << 20):
                *answers, rest = chunk.split(b",")  # answers are base64, so "," only ends one
                for answer in answers:
                    if whole := b"".join(received) + answer:
                        self._answer(whole)
                    received.clear()
                received.append(rest)
            raise EOFError("Pagefind 进程已退出")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure here ends every pending request
            for future in self._responses.values():
                if not future.done():
                    future.set_exception(SearchIndexError(f"Pagefind 意外退出（{exc}）"))

    def _answer(self, raw: bytes) -> None:
        response = json.loads(base64.b64decode(raw))
        if response is None:
            return
        payload = response["payload"]
        message_id = response.get("message_id")
        if message_id is None and payload.get("original_message"):
            message_id = json.loads(payload["original_message"]).get("message_id")
        future = self._responses.get(message_id)
        if future is None or future.done():
            return
        if payload["type"] == "Error":
            future.set_exception(SearchIndexError(f"Pagefind 报告错误：{payload['message']}"))
        else:
            future.set_result(payload)
