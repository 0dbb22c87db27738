"""The shared core of every importer: lines of a received bulletin -> an ImportedIssue.

Each source kind (text, .docx, PDF, OCR of a scan) turns its file into Lines: text in reading
order, numbered (input line, paragraph, or running number with the page it stands on), with what
the source knows about where paragraphs end. The core then reads the header (masthead, issue line,
publisher, date), the headline, and the body: it joins lines cut by page breaks into paragraphs,
drops page numbers, keeps the 报/送/发 distribution lines apart, and groups the paragraphs into one
report per region. Nothing of the body is dropped: what cannot be placed under a region is kept as
the lead and reported in a note.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from guanxin_site.importer.issuefile import ImportedIssue
from guanxin_site.importer.lines import CONTROL, BulletinImportError, Figure, ImportNote, Line, where
from guanxin_site.models import MAX_ISSUE_NUMBER

if TYPE_CHECKING:  # only for annotations: parse_lines takes any object with this API
    from guanxin_site.gazetteer import Gazetteer, Opening

# Line, Figure, ImportNote and BulletinImportError live in lines.py (shared by every reader); named here too.
__all__ = ["BulletinImportError", "CONTROL", "Figure", "ImportNote", "Line", "parse_bulletin", "parse_lines", "where"]


# -- characters as printed -----------------------------------------------------

# Some PDF producers write radicals for the ideographs they look like: Kangxi radicals (U+2F00-2FD5,
# where NFKC per character is right) and CJK radicals supplement forms (U+2E80-2EF3, where NFKC knows
# only two: this table gives the simplified forms that stand for whole characters). CJK compatibility
# ideographs fold by their canonical mapping. Never NFKC over the whole text: it turns ，into "," and
# （into "(".
_RADICALS_SUPPLEMENT = dict(zip(
    "⺁⺅⺆⺉⺊⺌⺏⺐⺒⺓⺔⺖⺗⺘⺙⺛⺜⺝⺞⺟⺠⺡⺢⺣⺤⺦⺧⺨⺩⺪⺫⺬⺭⺮⺯⺰⺱⺲⺶⺹⺺⺻⺼⺽⺾⻁⻂⻃⻄⻅⻆⻈⻉⻊⻋⻌⻏⻐⻑⻒⻓⻔⻖⻗⻘⻙⻚⻛⻜⻝⻟⻠⻢⻣⻤⻥⻦⻧⻨⻩⻪⻫⻬⻭⻮⻯⻰⻱⻲⻳",
    "厂亻冂刂卜小尣尢巳幺彑忄心扌攵旡日月歺母民氵氺灬爫丬牛犭王疋目示礻竹糹纟罓罒羊耂肀聿肉臼艹虎衤覀西见角讠贝足车辶阝钅長镸长门阝雨青韦页风飞食飠饣马骨鬼鱼鸟卤麦黄黾斉齐歯齿竜龙龜亀龟",
))


def _folding_table() -> dict[int, str]:
    table = {ord(k): v for k, v in _RADICALS_SUPPLEMENT.items()}
    for code in range(0x2F00, 0x2FD6):
        table[code] = unicodedata.normalize("NFKC", chr(code))
    for first, last in ((0xF900, 0xFAFF), (0x2F800, 0x2FA1F)):
        for code in range(first, last + 1):
            folded = unicodedata.normalize("NFC", chr(code))
            if folded != chr(code):
                table[code] = folded
    return table


_FOLD = _folding_table()


def fold_characters(text: str) -> str:
    """Radicals and compatibility ideographs -> the ideographs they stand for; all else unchanged."""
    return text.translate(_FOLD)


# -- cleaning lines ----------------------------------------------------------

# Characters set without spaces in Chinese text: Han, kana, CJK and general punctuation,
# full-width forms. Hangul is left out on purpose: Korean separates words with spaces.
_CJK = re.compile(
    "[\u00b7\u2010-\u2027\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3200-\u33ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe6f\uff00-\uffef\U00020000-\U0003ffff]"
)
_SPACE = re.compile(r"[\s\u200b\ufeff]+")  # \s covers U+3000, NBSP, form feed
_CLOSING = set("。！？…⋯；：”’）)」』》】〕!?.;:\"'．")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(line: str) -> str:
    """Strip a line and drop the spaces a PDF copy puts next to CJK; Latin words keep one space."""
    return _glue([p for p in _SPACE.split(CONTROL.sub(" ", fold_characters(line))) if p])


def _glue(pieces: list[str]) -> str:
    out = pieces[:1]
    for piece in pieces[1:]:
        cjk_edge = _CJK.match(out[-1][-1]) or _CJK.match(piece[0])
        out += ["" if cjk_edge else " ", piece]
    return "".join(out)


def _is_open(text: str) -> bool:
    """A paragraph not ended by closing punctuation was cut (by a page break) and goes on."""
    return text[-1] not in _CLOSING


def _input_lines(source: list[Line]) -> list[tuple[int, str | Figure]]:
    """(number, cleaned text) of every non-empty line; (number, Figure) where a photo stood."""
    lines: list[tuple[int, str | Figure]] = []
    for line in source:
        if line.figure is not None:
            lines.append((line.number, line.figure))
            continue
        if _SURROGATE.search(line.text):
            raise BulletinImportError(line.number, "这一行含有无效字符（损坏的编码）；请重新复制这一行的文字")
        cleaned = _clean(line.text)
        if cleaned:
            lines.append((line.number, cleaned))
    return lines


# -- header --------------------------------------------------------------------

_HEADER_SCAN = 8  # the header is the first few lines; later dates belong to the body
_ISSUE = re.compile(
    r"[（(【\[]?(?:(\d{4})年)?第(\d+)期(?:[·・•‧･∙⋅、，,（(]?总第(\d+)期[）)]?)?[）)】\]]?"
)
_DATE = re.compile(
    r"(\d{4})(?:年(\d{1,2})月(\d{1,2})日|[-./](\d{1,2})[-./](\d{1,2}))"
    r"(?:[（(]?(?:星期|周)[一二三四五六日天][）)]?)?"
)
_PUBLISHER_PREFIX = r"^(?:主办|编印|编|印发)[:：]"
_PUBLISHER = re.compile(_PUBLISHER_PREFIX + r"|(?:委员会|办公室|秘书处|关工委)(?:编印|主办|编|印发)?$")
# After the date only an office counts as the publisher: a headline may end in 委员会 or 关工委.
_OFFICE = re.compile(_PUBLISHER_PREFIX + r"|办公室|秘书处")
_MASTHEAD = "关心下一代工作"
_EXAMPLE_ISSUE = "（2023年第53期·总第509期）"
_EXAMPLE_DATE = "2023年11月17日"


@dataclass
class _Header:
    number: int
    total: int | None
    date: dt.date
    publisher: str | None
    end: int  # index (into the non-empty lines) of the first line after the header


@dataclass
class _HeaderLine:
    issue: re.Match | None
    date: re.Match | None
    rest: str  # what is left once issue and date are taken out

    @property
    def kind(self) -> str:
        """publisher, masthead, items (nothing but issue/date), or "" for a line that is not header."""
        if _PUBLISHER.search(self.rest):
            return "publisher"
        if _MASTHEAD in self.rest and len(self.rest) <= len(_MASTHEAD) + 6:
            return "masthead"
        return "" if self.rest else "items"


def _header_line(text: str) -> _HeaderLine:
    compact = _SPACE.sub("", text)
    issue = _ISSUE.search(compact)
    if issue:
        compact = compact[: issue.start()] + compact[issue.end():]
    date = _DATE.search(compact)
    if date:
        compact = compact[: date.start()] + compact[date.end():]
    return _HeaderLine(issue, date, compact)


def _parse_header(lines: list[tuple[int, str]], notes: _Notes) -> _Header:
    parsed = [_header_line(text) for _, text in lines[:_HEADER_SCAN]]
    # An issue or date found in a line that is otherwise body text (a headline) does not count.
    found = [i for i, h in enumerate(parsed) if (h.issue or h.date) and h.kind]
    issue_at = next((i for i in found if parsed[i].issue), None)
    date_at = next((i for i in found if parsed[i].date), None)
    if issue_at is None:
        _missing_issue(lines, parsed)
    if date_at is None:
        _missing_date(lines, parsed, issue_at, notes)
    end = max(issue_at, date_at) + 1
    publisher = _take_publisher(lines, parsed, end, notes)
    if publisher is None and end < len(lines) and _is_office(_header_line(lines[end][1])):
        publisher, end = _publisher_text(lines[end][1]), end + 1  # publisher printed after the date
    date = _date(parsed[date_at].date, lines[date_at][0])
    number, total = _issue_numbers(parsed[issue_at].issue, date, lines[issue_at][0])
    return _Header(number, total, date, publisher, end)


def _missing_issue(lines, parsed) -> None:
    masthead = next((i for i, h in enumerate(parsed) if h.kind == "masthead"), None)
    where = f"请在刊头“{lines[masthead][1]}”之后" if masthead is not None else "请在文件开头"
    line = lines[masthead if masthead is not None else 0][0]
    raise BulletinImportError(line, f"找不到期号行。{where}加一行期号，例如“{_EXAMPLE_ISSUE}”")


def _missing_date(lines, parsed, issue_at: int, notes: _Notes) -> None:
    after = next((i for i, h in enumerate(parsed) if h.kind == "publisher"), issue_at)
    raise BulletinImportError(
        lines[after][0],
        f"找不到出版日期。请在{notes.ref(lines[after][0])}“{lines[after][1]}”之后单独加一行日期，"
        f"例如“{_EXAMPLE_DATE}”（用阿拉伯数字，也可写成 2023-11-17）",
    )


def _take_publisher(lines, parsed, end: int, notes: _Notes) -> str | None:
    """The publisher among the header lines; other unrecognised header lines are reported."""
    publisher = None
    for (line, text), header in zip(lines[:end], parsed):
        if header.kind == "publisher" and publisher is None:
            publisher = _publisher_text(text)
        elif header.kind in ("", "publisher"):
            notes.append(ImportNote(line, f"刊头中的这一行无法识别，没有导入：“{text}”"))
    return publisher


def _is_office(header: _HeaderLine) -> bool:
    return header.kind == "publisher" and _OFFICE.search(header.rest) is not None


def _publisher_text(text: str) -> str:
    """The publisher's name: without a 主办： label, or a date printed on the same line."""
    return re.sub(_PUBLISHER_PREFIX, "", _header_line(text).rest)


def _date(match: re.Match, line: int) -> dt.date:
    year, month, day = (int(g) for g in match.groups() if g is not None)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise BulletinImportError(line, f"日期“{match.group()}”不存在，请改正（例如“{_EXAMPLE_DATE}”）") from None


def _issue_numbers(match: re.Match, date: dt.date, line: int) -> tuple[int, int | None]:
    year, number, total = match.groups()
    if year is not None and int(year) != date.year:
        raise BulletinImportError(line, f"期号行写的是{int(year)}年，出版日期却是{date.year}年；请核对后改成一致")
    if int(number) < 1 or (total is not None and int(total) < 1):
        raise BulletinImportError(line, f"期号“{match.group()}”中的期数必须大于 0")
    if int(number) > MAX_ISSUE_NUMBER or (total is not None and int(total) > MAX_ISSUE_NUMBER):
        raise BulletinImportError(line, f"期号“{match.group()}”中的期数超过了 {MAX_ISSUE_NUMBER}（期号和总期号最大为 {MAX_ISSUE_NUMBER}）；请核对期号")
    return int(number), int(total) if total is not None else None


# -- headline ------------------------------------------------------------------

_HEADLINE_MAX = 60  # a longer "headline", or one ending in 。, is the first paragraph: the headline is missing
_HEADLINE_TAIL_MAX = 24  # the second half of a headline the PDF cut in two is short
_SENTENCE_END = set("。！？；：…!?;:")
_NOT_HEADLINE_TAIL = re.compile(r"^(?:编者按|按语|本刊讯|[（(【\[“《])")


def _parse_headline(lines, start: int, gazetteer, notes: _Notes) -> tuple[str, int]:
    """(headline, index of the first body line)."""
    if start >= len(lines):
        raise BulletinImportError(lines[-1][0], "日期之后没有标题和正文；请在日期下面加上标题行和正文")
    line, title = lines[start]
    if title.endswith("。"):
        raise BulletinImportError(line, "日期之后应是本期标题，这一行却像正文段落（以“。”结尾）；请在它前面加一行标题")
    if len(title) > _HEADLINE_MAX:
        raise BulletinImportError(line, (
            f"日期之后的这一行有 {len(title)} 个字，当作本期标题太长：标题最多 {_HEADLINE_MAX} 个字"
            "（网页、搜索结果和公众号都显示不下更长的）。如果它是标题，请把它缩短到 "
            f"{_HEADLINE_MAX} 字以内再导入（较长的说明可以放进正文第一段）；如果它其实是正文，请在它前面加一行标题"))
    if start + 1 < len(lines) and _is_headline_tail(lines[start + 1][1], gazetteer):
        tail_line, tail = lines[start + 1]
        title = _glue([title, tail])
        notes.append(ImportNote(tail_line, f"这一行很短，当作标题的第二行，与上一行（{notes.ref(line)}）合并为标题“{title}”；如果它其实是正文，请核对"))
        return title, start + 2
    return title, start + 1


def _is_headline_tail(text: str, gazetteer) -> bool:
    return (
        len(text) <= _HEADLINE_TAIL_MAX
        and text[-1] not in _SENTENCE_END
        and not _NOT_HEADLINE_TAIL.match(text)
        and gazetteer.opening(text) is None
    )


# -- body: paragraphs and reports --------------------------------------------------

_PAGE_NUMBER = re.compile(r"[-—–－~～\s]*(?:第\s*)?[0-9０-９]{1,3}(?:\s*页)?(?:\s*/\s*[0-9]{1,3})?[-—–－~～\s]*")


# The distribution lines printed at the end of a bulletin: who it is reported (报), sent (送) and
# issued (发) to. They are not part of any report: kept in the front matter, shown at the page's foot.
_DISTRIBUTION = re.compile(r"^(?:报|送|发|抄报|抄送|报送|分送)[:：]")


@dataclass
class _Paragraph:
    line: int
    text: str | Figure
    region: str | None  # None: the lead, before the first report
    last: int = 0  # number of the last line joined into it
    distribution: bool = False

    def takes_more(self, closed: set[int]) -> bool:
        """Cut by a page break: no closing punctuation, and the source does not know it ended."""
        return isinstance(self.text, str) and self.last not in closed and _is_open(self.text)


def _paragraphs(lines, gazetteer, notes: _Notes, closed: set[int]) -> list[_Paragraph]:
    """Join lines cut by page breaks into paragraphs and give each its region."""
    paragraphs: list[_Paragraph] = []
    for line, text in lines:
        current = paragraphs[-1].region if paragraphs else None
        if isinstance(text, Figure):
            paragraphs.append(_Paragraph(line, text, current, line))
            continue
        if _PAGE_NUMBER.fullmatch(text):
            notes.append(ImportNote(line, f"“{text}”像是页码，已删去"))
            continue
        distribution = _DISTRIBUTION.match(text) is not None
        if not distribution and paragraphs and _distribution_goes_on(paragraphs[-1]):
            # 报/送/发 wrapped (…省直各系统关工 / 委。): whatever the source said about where the line ended
            paragraphs[-1].text, paragraphs[-1].last = _glue([paragraphs[-1].text, text]), line
            continue
        opening = None if distribution else gazetteer.opening(text)
        opens = _opens(opening, current)
        if paragraphs and paragraphs[-1].takes_more(closed) and not distribution:
            if opens is None:
                paragraphs[-1].text = _glue([paragraphs[-1].text, text])
                paragraphs[-1].last = line
                continue
            notes.append(ImportNote(line, (
                f"上一段（{notes.ref(paragraphs[-1].line)}起）末尾没有句末标点，可能被分页断开；但这一行开始了{opens}的报道，"
                "所以没有接在上一段后面，请核对")))
        if opens is not None and opening.county is not None:
            notes.append(_county_note(line, opening, current))
        elif opens is None and opening is not None and current not in opening.regions:
            notes.append(_unsure_opening_note(line, opening, current))
        elif opening is None and not distribution and (unit := gazetteer.unknown_unit_at_start(text)) is not None:
            notes.append(_unknown_unit_note(line, unit, current, gazetteer))
        paragraphs.append(_Paragraph(line, text, opens or current, line, distribution))
    return paragraphs


def _distribution_goes_on(previous: _Paragraph) -> bool:
    """A 报/送/发 line not yet ended (no closing punctuation): the next line is the rest of it."""
    return previous.distribution and isinstance(previous.text, str) and _is_open(previous.text)


def _unknown_unit_note(line: int, unit: str, current: str | None, gazetteer) -> ImportNote:
    hint = gazetteer.suggest_region(unit)
    guess = f"（是不是“{hint}”？）" if hint else ""
    placed = f"已接在{current}的报道后面" if current is not None else "已作为导语保留"
    return ImportNote(line, (
        f"这一段以“{unit}关工委”开头，像是一篇报道的开头，但“{unit}”不在地名表中{guess}，{placed}；请核对："
        f"如果是错字，请改正并放到正确的地区下；如果它是地名表以外的单位，请在 site.yaml 的 units 中加上“{unit}”"))


def _take_distribution(paragraphs: list[_Paragraph]) -> tuple[str, ...]:
    """The 报/送/发 lines at the end, taken out of the body (one entry per 报/送/发, however they were set)."""
    taken: list[str] = []
    while paragraphs and paragraphs[-1].distribution:
        taken[:0] = _split_distribution(paragraphs.pop().text)
    return tuple(taken)


# A second 送：/发： inside one distribution paragraph: the lines were set on one line, or joined.
_DISTRIBUTION_INSIDE = re.compile(r"(?<=[^\s报抄分])(?=(?:抄报|抄送|报送|分送|报|送|发)[:：])")


def _split_distribution(text: str) -> list[str]:
    return [part for part in _DISTRIBUTION_INSIDE.split(text) if part]


def _opens(opening: Opening | None, current: str | None) -> str | None:
    """The region whose new report a paragraph starts, or None: it opens with no place, with a place of the
    current report (its own name, one of its counties), or with a name that is not sure (see _unsure_opening_note)."""
    if opening is None or current in opening.regions:
        return None
    return opening.region


def _county_note(line: int, opening: Opening, current: str | None) -> ImportNote:
    why = "前面还没有地区报道" if current is None else f"它不属于前面的{current}"
    return ImportNote(line, f"这一段以“{opening.words}”开头，{why}，已作为{opening.region}的报道")


def _unsure_opening_note(line: int, opening: Opening, current: str | None) -> ImportNote:
    placed = f"已接在{current}的报道后面" if current is not None else "已作为导语保留"
    return ImportNote(line, (
        f"这一段以“{opening.said}”开头，像是一篇报道的开头，但{opening.doubt}，没有把握，{placed}；"
        "请对照原件核对，放到正确的地区下"))


_Reports = tuple[tuple[str, tuple[str | Figure, ...]], ...]


def _group(paragraphs: list[_Paragraph], notes: _Notes, gazetteer: Gazetteer) -> tuple[tuple[str | Figure, ...], _Reports]:
    """Lead paragraphs, and reports in order of first appearance (one per region)."""
    lead = tuple(p.text for p in paragraphs if p.region is None)
    reports: dict[str, list[str]] = {}
    first_line: dict[str, int] = {}
    previous = None
    for p in paragraphs:
        if p.region is None:
            continue
        if p.region in reports and p.region != previous:
            notes.append(ImportNote(p.line, (
                f"{p.region}的报道在前面（{notes.ref(first_line[p.region])}起）已经出现；一期中每个地区只能有一篇报道，"
                f"已把这一段接在前面{p.region}报道的末尾，请核对顺序")))
        reports.setdefault(p.region, []).append(p.text)
        first_line.setdefault(p.region, p.line)
        previous = p.region
    # One paragraph of the publisher's own committee (黑龙江省关工委…) before the reports is the usual 导语: a note
    # on every such import would teach editors to skip the notes that matter.
    usual = reports and len(lead) == 1 and isinstance(lead[0], str) and gazetteer.opens_as_publisher(lead[0])
    if lead and not usual:
        notes.append(_lead_note(paragraphs[0].line, len(lead), bool(reports)))
    return lead, tuple((region, tuple(texts)) for region, texts in reports.items())


def _lead_note(line: int, count: int, has_reports: bool) -> ImportNote:
    if has_reports:
        return ImportNote(line, f"从这一行起的{count}段在第一篇地区报道之前，不属于任何地区，已作为导语保留在正文开头")
    return ImportNote(line, (
        "全文没有以地区名（site.yaml 中 gazetteer 设置的地名表中的地区全称，或简称加“关工委”）开头的段落，正文全部作为导语保留；"
        "如需按地区归类，请在各地报道第一段的开头写上地区全称"))


def parse_bulletin(text: str, gazetteer: Gazetteer) -> ImportedIssue:
    """Parse bulletin text (copied out of the PDF). Raises BulletinImportError for what the editor must fix."""
    from guanxin_site.importer.text import text_lines

    return parse_lines(text_lines(text), gazetteer)


def parse_lines(source: list[Line], gazetteer: Gazetteer) -> ImportedIssue:
    """Parse the lines a source read. Raises BulletinImportError (with line and page) for what the editor must fix."""
    pages = {line.number: line.page for line in source if line.page is not None}
    try:
        issue = _parse(source, gazetteer, pages, proofread=not any(line.ocr for line in source))
    except BulletinImportError as exc:
        exc.page = pages.get(exc.line) if exc.line else exc.page
        raise
    if not pages:
        return issue
    import dataclasses

    notes = tuple(dataclasses.replace(note, page=pages.get(note.line)) for note in issue.notes)
    return dataclasses.replace(issue, notes=notes)


class _Notes(list):
    """The notes of one import, and how its messages refer to another place of the input."""

    def __init__(self, pages: dict[int, int]):
        super().__init__()
        self.pages = pages

    def ref(self, line: int) -> str:
        """第12行 in text; 第2页 in a PDF, whose line numbers mean nothing to the editor."""
        page = self.pages.get(line)
        return f"第{page}页" if page is not None else f"第{line}行"


def _parse(source: list[Line], gazetteer: Gazetteer, pages: dict[int, int], proofread: bool) -> ImportedIssue:
    every = _input_lines(source)
    lines = [(n, t) for n, t in every if isinstance(t, str)]
    if not lines:
        raise BulletinImportError(None, "文件中没有文字")
    notes = _Notes(pages)
    header = _parse_header(lines, notes)
    title, body_start = _parse_headline(lines, header.end, gazetteer, notes)
    # Photos before the body (beside the masthead, say) go to its start; the rest stay where they stood.
    first = lines[body_start][0] if body_start < len(lines) else None
    figures_before = [(n, t) for n, t in every if isinstance(t, Figure) and first is not None and n < first]
    in_body = {n for n, _ in lines[body_start:]}
    body = figures_before + [(n, t) for n, t in every if first is not None and n >= first
                             and (isinstance(t, Figure) or n in in_body)]
    closed = {line.number for line in source if line.ends}
    paragraphs = _paragraphs(body, gazetteer, notes, closed)
    distribution = _take_distribution(paragraphs)
    if not any(isinstance(p.text, str) for p in paragraphs):
        raise BulletinImportError(lines[body_start - 1][0], "标题之后没有正文；请检查是否复制完整")
    lead, reports = _group(paragraphs, notes, gazetteer)
    return ImportedIssue(
        year=header.date.year,
        number=header.number,
        total=header.total,
        date=header.date,
        title=title,
        publisher=header.publisher,
        lead=lead,
        reports=reports,
        notes=tuple(sorted(notes, key=lambda n: n.line)),
        distribution=distribution,
        proofread=proofread,
    )
