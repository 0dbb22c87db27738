"""Import a bulletin as editors receive it (text copied out of the PDF, or a .docx)
into an issue file of our content format.

The received text has a header (masthead, issue line, publisher, date), a headline,
then regional reports, one paragraph per line. Copying out of a PDF adds spurious
spaces between CJK characters and cuts paragraphs at page breaks; both are undone
here. Nothing of the body is dropped: what cannot be placed under a region is kept
as the lead and reported in a note.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:  # only for annotations: parse_bulletin takes any object with this API
    from guanxin_site.gazetteer import Gazetteer, Place

__all__ = [
    "BulletinImportError",
    "ImportNote",
    "ImportedIssue",
    "decode_bulletin",
    "read_bulletin",
    "parse_bulletin",
]


class BulletinImportError(Exception):
    """The bulletin cannot be imported; .message tells the editor what to fix."""

    def __init__(self, line: int | None, message: str):
        self.line = line
        self.message = message
        super().__init__(f"第{line}行：{message}" if line else message)


@dataclass(frozen=True)
class ImportNote:
    line: int  # 1-based line of the input
    message: str


@dataclass(frozen=True)
class ImportedIssue:
    """One imported bulletin; to_markdown() gives the issue file."""

    year: int
    number: int
    total: int | None
    date: dt.date
    title: str
    publisher: str | None
    lead: tuple[str, ...]
    reports: tuple[tuple[str, tuple[str, ...]], ...]
    notes: tuple[ImportNote, ...]

    def to_markdown(self) -> str:
        front = [f"number: {self.number}"]
        if self.total is not None:
            front.append(f"total: {self.total}")
        front += [f"date: {self.date.isoformat()}", f"title: {_yaml_scalar(self.title)}"]
        if self.publisher is not None:
            front.append(f"publisher: {_yaml_scalar(self.publisher)}")
        blocks = [_escape_markdown(p) for p in self.lead]
        for region, paragraphs in self.reports:
            blocks.append(f"## {region}")
            blocks += [_escape_markdown(p) for p in paragraphs]
        return "---\n" + "".join(f"{f}\n" for f in front) + "---\n" + "".join(f"\n{b}\n" for b in blocks)


# -- reading and decoding ----------------------------------------------------

_NOT_TEXT = "不是可识别的文本文件"
_SAVE_AS = "请在 Word 或记事本中另存为 .docx 或 UTF-8 编码的 .txt 后再导入"
# Magic numbers of files editors mistake for the bulletin text, with the advice that fits each.
_MAGIC = (
    (b"%PDF", "这是 PDF 文件：请在 PDF 阅读器中全选复制正文，粘贴到记事本，另存为 UTF-8 编码的 .txt 后再导入"),
    (b"\xd0\xcf\x11\xe0", "这是旧版 Word（.doc）文件：" + _SAVE_AS),
    (b"{\\rtf", "这是 RTF 文件：" + _SAVE_AS),
    (b"PK\x03\x04", "这是 Word（.docx）或压缩文件，不是纯文本；Word 文件请以 .docx 为扩展名导入"),
    (b"\x89PNG", "这是图片文件，不是简报文字"),
    (b"\xff\xd8\xff", "这是图片文件，不是简报文字"),
)
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# What a bulletin is written in: ASCII, common Han, CJK and general punctuation, full-width forms,
# and the few Latin-1 signs Chinese text uses (· × ° ±); other Latin-1 means a wrong guess.
_COMMON = re.compile(
    r"[\t\n\r\f\v\x20-\x7e\xa0\xa7\xb0\xb1\xb7\xd7\xf7\u2000-\u206f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
)
_MIN_COMMON_SHARE = 0.9


def read_bulletin(path: Path) -> str:
    """Text of a received bulletin: .docx through python-docx, anything else decoded."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BulletinImportError(None, f"无法读取文件（{exc.strerror or exc}）") from None
    if Path(path).suffix.lower() == ".docx" or data.startswith(b"PK\x03\x04"):
        return _docx_text(data)
    return decode_bulletin(data)


def _docx_text(data: bytes) -> str:
    import io  # python-docx is imported only when a Word file comes in: it is slow to load

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises zip, XML, KeyError, ValueError... for a damaged file
        raise BulletinImportError(None, "无法打开这个 Word 文件（可能已损坏，或不是 .docx）；" + _SAVE_AS) from None
    return "\n".join(_docx_lines(document))


def _docx_lines(container) -> list[str]:
    """Paragraph texts in document order, table cells included (each cell once)."""
    from docx.table import Table

    lines: list[str] = []
    for block in container.iter_inner_content():
        if not isinstance(block, Table):
            lines.append(block.text)
            continue
        # A merged cell is returned once per grid column. Keep its XML element, not its id():
        # lxml makes a new proxy (perhaps at a reused address) once the old one is gone.
        seen = set()
        for row in block.rows:
            for cell in row.cells:
                if cell._tc not in seen:
                    seen.add(cell._tc)
                    lines += _docx_lines(cell)
    return lines


def decode_bulletin(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030; line endings normalised to LF."""
    for magic, advice in _MAGIC:
        if data.startswith(magic):
            raise BulletinImportError(None, advice)
    text = _decode_text(data)
    if text is None:
        raise BulletinImportError(None, f"文件{_NOT_TEXT}（不是 UTF-8 或 GBK/GB18030 编码，可能是二进制文件）；{_SAVE_AS}")
    return _normalise_newlines(text)


def _decode_text(data: bytes) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _strict(data, codec, require_common=False)
    if b"\x00" not in data:
        for codec, require_common in (("utf-8", False), ("gb18030", True)):
            text = _strict(data, codec, require_common)
            if text is not None:
                return text
    return _guess(data)


def _strict(data: bytes, codec: str, require_common: bool) -> str | None:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    return text if _plausible(text, require_common) else None


def _guess(data: bytes) -> str | None:
    """Last resort (UTF-16 without BOM, Big5...): charset-normalizer's best guess, if it reads as text."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None and _plausible(str(best), True) else None


def _plausible(text: str, require_common: bool) -> bool:
    """Text, not binary: almost no control characters; a legacy decode must give common characters."""
    if len(_CONTROL.findall(text)) > 2 + len(text) // 100:
        return False
    if not require_common or not text:
        return True
    return len(_COMMON.findall(text)) >= _MIN_COMMON_SHARE * len(text)


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


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
    return _glue([p for p in _SPACE.split(_CONTROL.sub(" ", line)) if p])


def _glue(pieces: list[str]) -> str:
    out = pieces[:1]
    for piece in pieces[1:]:
        cjk_edge = _CJK.match(out[-1][-1]) or _CJK.match(piece[0])
        out += ["" if cjk_edge else " ", piece]
    return "".join(out)


def _is_open(text: str) -> bool:
    """A paragraph not ended by closing punctuation was cut (by a page break) and goes on."""
    return text[-1] not in _CLOSING


def _input_lines(text: str) -> list[tuple[int, str]]:
    """(1-based input line, cleaned text) of every non-empty line."""
    lines = []
    for number, raw in enumerate(_normalise_newlines(text).split("\n"), 1):
        if _SURROGATE.search(raw):
            raise BulletinImportError(number, "这一行含有无效字符（损坏的编码）；请重新复制这一行的文字")
        cleaned = _clean(raw)
        if cleaned:
            lines.append((number, cleaned))
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


def _parse_header(lines: list[tuple[int, str]], notes: list[ImportNote]) -> _Header:
    parsed = [_header_line(text) for _, text in lines[:_HEADER_SCAN]]
    # An issue or date found in a line that is otherwise body text (a headline) does not count.
    found = [i for i, h in enumerate(parsed) if (h.issue or h.date) and h.kind]
    issue_at = next((i for i in found if parsed[i].issue), None)
    date_at = next((i for i in found if parsed[i].date), None)
    if issue_at is None:
        _missing_issue(lines, parsed)
    if date_at is None:
        _missing_date(lines, parsed, issue_at)
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


def _missing_date(lines, parsed, issue_at: int) -> None:
    after = next((i for i, h in enumerate(parsed) if h.kind == "publisher"), issue_at)
    raise BulletinImportError(
        lines[after][0],
        f"找不到出版日期。请在第{lines[after][0]}行“{lines[after][1]}”之后单独加一行日期，"
        f"例如“{_EXAMPLE_DATE}”（用阿拉伯数字，也可写成 2023-11-17）",
    )


def _take_publisher(lines, parsed, end: int, notes: list[ImportNote]) -> str | None:
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
    return int(number), int(total) if total is not None else None


# -- headline ------------------------------------------------------------------

_HEADLINE_MAX = 60  # a longer "headline", or one ending in 。, is the first paragraph: the headline is missing
_HEADLINE_TAIL_MAX = 24  # the second half of a headline the PDF cut in two is short
_SENTENCE_END = set("。！？；：…!?;:")
_NOT_HEADLINE_TAIL = re.compile(r"^(?:编者按|按语|本刊讯|[（(【\[“《])")


def _parse_headline(lines, start: int, gazetteer, notes: list[ImportNote]) -> tuple[str, int]:
    """(headline, index of the first body line)."""
    if start >= len(lines):
        raise BulletinImportError(lines[-1][0], "日期之后没有标题和正文；请在日期下面加上标题行和正文")
    line, title = lines[start]
    if len(title) > _HEADLINE_MAX or title.endswith("。"):
        raise BulletinImportError(line, "日期之后应是本期标题，这一行却像正文段落；请在它前面加一行标题")
    if start + 1 < len(lines) and _is_headline_tail(lines[start + 1][1], gazetteer):
        tail_line, tail = lines[start + 1]
        title = _glue([title, tail])
        notes.append(ImportNote(tail_line, f"这一行很短，当作标题的第二行，与第{line}行合并为标题“{title}”；如果它其实是正文，请核对"))
        return title, start + 2
    return title, start + 1


def _is_headline_tail(text: str, gazetteer) -> bool:
    return (
        len(text) <= _HEADLINE_TAIL_MAX
        and text[-1] not in _SENTENCE_END
        and not _NOT_HEADLINE_TAIL.match(text)
        and gazetteer.region_at_start(text) is None
        and gazetteer.county_at_start(text) is None
    )


# -- body: paragraphs and reports --------------------------------------------------

_PAGE_NUMBER = re.compile(r"[-—–－~～\s]*(?:第\s*)?[0-9０-９]{1,3}(?:\s*页)?(?:\s*/\s*[0-9]{1,3})?[-—–－~～\s]*")


@dataclass
class _Paragraph:
    line: int
    text: str
    region: str | None  # None: the lead, before the first report


def _paragraphs(lines, gazetteer, notes: list[ImportNote]) -> list[_Paragraph]:
    """Join lines cut by page breaks into paragraphs and give each its region."""
    paragraphs: list[_Paragraph] = []
    for line, text in lines:
        if _PAGE_NUMBER.fullmatch(text):
            notes.append(ImportNote(line, f"“{text}”像是页码，已删去"))
            continue
        current = paragraphs[-1].region if paragraphs else None
        opens, county = _opening(text, current, gazetteer)
        if paragraphs and _is_open(paragraphs[-1].text):
            if opens is None:
                paragraphs[-1].text = _glue([paragraphs[-1].text, text])
                continue
            notes.append(ImportNote(line, (
                f"上一段（第{paragraphs[-1].line}行起）末尾没有句末标点，可能被分页断开；但这一行开始了{opens}的报道，"
                "所以没有接在上一段后面，请核对")))
        if county is not None:
            notes.append(_county_note(line, county, current))
        paragraphs.append(_Paragraph(line, text, opens or current))
    return paragraphs


def _opening(text: str, current: str | None, gazetteer) -> tuple[str | None, Place | None]:
    """(region whose new report this paragraph starts, or None; the county that made it so)."""
    region = gazetteer.region_at_start(text)
    if region is not None:
        return (region.name if region.name != current else None), None
    if current is not None and gazetteer.county_at_start(text, current) is not None:
        return None, None
    county = gazetteer.county_at_start(text)
    if county is not None:
        return county.region, county
    return None, None


def _county_note(line: int, county: Place, current: str | None) -> ImportNote:
    why = "前面还没有地区报道" if current is None else f"它不属于前面的{current}"
    return ImportNote(line, f"这一段以“{county.name}”开头，{why}，已作为{county.region}的报道")


_Reports = tuple[tuple[str, tuple[str, ...]], ...]


def _group(paragraphs: list[_Paragraph], notes: list[ImportNote]) -> tuple[tuple[str, ...], _Reports]:
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
                f"{p.region}的报道在前面（第{first_line[p.region]}行起）已经出现；一期中每个地区只能有一篇报道，"
                f"已把这一段接在前面{p.region}报道的末尾，请核对顺序")))
        reports.setdefault(p.region, []).append(p.text)
        first_line.setdefault(p.region, p.line)
        previous = p.region
    if lead:
        notes.append(_lead_note(paragraphs[0].line, len(lead), bool(reports)))
    return lead, tuple((region, tuple(texts)) for region, texts in reports.items())


def _lead_note(line: int, count: int, has_reports: bool) -> ImportNote:
    if has_reports:
        return ImportNote(line, f"从这一行起的{count}段在第一篇地区报道之前，不属于任何地区，已作为导语保留在正文开头")
    return ImportNote(line, (
        "全文没有以地区名（site.yaml 中 gazetteer 设置的地名表中的地区全称）开头的段落，正文全部作为导语保留；"
        "如需按地区归类，请在各地报道第一段的开头写上地区全称"))


def parse_bulletin(text: str, gazetteer: Gazetteer) -> ImportedIssue:
    """Parse a received bulletin. Raises BulletinImportError for what the editor must fix."""
    lines = _input_lines(text)
    if not lines:
        raise BulletinImportError(None, "文件中没有文字")
    notes: list[ImportNote] = []
    header = _parse_header(lines, notes)
    title, body_start = _parse_headline(lines, header.end, gazetteer, notes)
    paragraphs = _paragraphs(lines[body_start:], gazetteer, notes)
    if not paragraphs:
        raise BulletinImportError(lines[body_start - 1][0], "标题之后没有正文；请检查是否复制完整")
    lead, reports = _group(paragraphs, notes)
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
    )


# -- writing the content format -----------------------------------------------------

# Read as a number by some YAML loader (1e3 is a float in YAML 1.2, a string in PyYAML): always quoted.
_NUMBERISH = re.compile(r"[-+.]?[0-9][0-9A-Za-z.+_:-]*")
# PyYAML refuses these characters anywhere in a stream, and folds these line breaks inside quotes.
_YAML_UNSAFE = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _yaml_scalar(value: str) -> str:
    """Plain if YAML reads it back unchanged (no ': ', no indicator, not a number/bool/date), else quoted."""
    if value == value.strip() and not _YAML_UNSAFE.search(value) and not _NUMBERISH.fullmatch(value):
        try:
            if yaml.safe_load(f"k: {value}") == {"k": value}:
                return value
        except yaml.YAMLError:
            pass
    return _YAML_UNSAFE.sub(_yaml_escape, json.dumps(value, ensure_ascii=False))


def _yaml_escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


_ASCII_PUNCT = frozenset(string.punctuation)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Block syntax a one-line paragraph can start with (CommonMark): heading, quote, list item, thematic
# break. Fences need ``` or ~~~, and ` and ~~ are escaped wherever they are.
_BLOCK_START = re.compile(
    r"#{1,6}(?=[ \t]|$)|>|[-+](?=[ \t]|$)|[0-9]{1,9}(?=[.)](?:[ \t]|$))|([-_*])(?:[ \t]*\1){2,}[ \t]*$"
)


def _escape_markdown(text: str) -> str:
    """Backslash-escape what markdown-it (CommonMark + tables + strikethrough) would read as syntax."""
    escaped = "".join(_escape_char(text, i) for i in range(len(text)))
    block = _BLOCK_START.match(escaped)
    if block is None:
        return escaped
    if escaped[0].isdigit():  # 1. / 1) : escape the delimiter after the digits
        return escaped[: block.end()] + "\\" + escaped[block.end():]
    return "\\" + escaped


def _escape_char(text: str, i: int) -> str:
    ch = text[i]
    following = text[i + 1: i + 2]
    if (
        ch in "`*_[<"
        or (ch == "\\" and following in _ASCII_PUNCT)
        or (ch == "&" and _ENTITY.match(text, i))
        or (ch == "~" and "~" in (text[i - 1: i] if i else "", following))
    ):
        return "\\" + ch
    return ch
