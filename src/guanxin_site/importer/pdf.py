"""PDF bulletins through pypdfium2: characters with their boxes, paragraphs rebuilt from the geometry.

Per page, the characters are grouped into printed lines (PDFium marks line ends; a jump in height
also ends one). Page numbers (— 2 —, -2-, 第2页) and running headers and footers (a line repeated
at the same height on several pages) are dropped. Then, over all pages in order:
- a line indented by about two characters from the left margin starts a paragraph;
- a line flush with the left margin continues the paragraph above if that line ran to the right
  margin (across a page break too), and starts a new one otherwise;
- a line set further in (centred masthead, issue line, headline) stands alone; the lines of a
  headline printed over two centred lines of the same large type are joined.
A page whose text cannot be read (no Unicode map, a scan) goes to OCR when the `ocr` extra is
installed, and is otherwise refused with a message naming the page.
"""
from __future__ import annotations

import re
import statistics
from collections.abc import Callable

from guanxin_site.importer.lines import BulletinImportError, Line
from guanxin_site.importer.rows import Row, scan_message

__all__ = ["Row", "pdf_lines", "paragraph_lines"]  # Row lives in rows.py (shared with ocr.py)

# A page is unreadable when this share of its characters has no Unicode map or maps to junk.
_UNREADABLE_SHARE = 0.1
_JUNK = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd]")
# OCR reads the dashes of "— 2 —" as 一 at times.
_PAGE_NUMBER = re.compile(r"[-—–－~～一\s]*(?:第\s*)?[0-9０-９]{1,3}(?:\s*页)?(?:\s*/\s*[0-9]{1,3})?[-—–－~～一\s]*")
_CJK_CHAR = re.compile("[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_DIGITS = re.compile(r"[0-9０-９]+")
_INDENT_MIN, _INDENT_MAX = 1.4, 2.7  # "about two characters", in character widths
_FLUSH = 0.6  # a line starting within this many characters of the margin is flush with it
_FULL = 1.6  # a line ending within this many characters of the right margin runs to it
_SAME_SIZE = 0.12  # relative difference of character widths that still counts as the same type
_EDGE_ZONE = 0.12  # share of the page height at top and bottom where headers and footers stand
_GAP = 1.4  # a line this many usual line distances below the one above starts a new paragraph
_SHORT = 4.0  # a line ending within this many characters of the right margin may have been cut by line-breaking rules
_SENTENCE_END = re.compile(r"[。！？…!?.][”’」』）)]*$")
_DISTRIBUTION_START = re.compile(r"(?:报|送|发|抄报|抄送|报送|分送)\s*[:：]")


def pdf_lines(data: bytes, *, read_scan: Callable[[object, int], list[Row]] | None = None,
              on_ocr: Callable[[int, int], None] | None = None) -> tuple[list[Line], list[int]]:
    """The lines of a PDF bulletin, and the pages that were read by OCR.
    read_scan(document, index): the printed lines of a page without extractable text (the OCR reader, which
    sources.py hands over only when the extra is installed); None: such pages are refused, all named at once.
    on_ocr(page, pages): called before a page is read by OCR (seconds each), to show progress."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise BulletinImportError(None, _open_problem(str(exc))) from None
    except Exception:  # PDFium on a damaged file: any failure means the same to the editor
        raise BulletinImportError(None, _open_problem("")) from None
    try:
        rows: list[Row] = []
        scans: list[int] = []
        for index in range(len(document)):
            page_rows = _page_rows(document, index)
            if page_rows is None:
                scans.append(index + 1)
                if read_scan is None:
                    continue
                if on_ocr is not None:
                    on_ocr(index + 1, len(document))
                page_rows = read_scan(document, index)
            rows += page_rows
    except BulletinImportError:
        raise
    except Exception:
        raise BulletinImportError(None, _open_problem("")) from None
    finally:
        document.close()
    if not rows and not scans:
        raise BulletinImportError(None, "这个 PDF 中没有文字")
    if scans and read_scan is None:
        raise BulletinImportError(None, scan_message(scans), page=scans[0])
    return paragraph_lines(_drop_furniture(rows)), scans if read_scan is not None else []


def _open_problem(detail: str) -> str:
    if "password" in detail.lower():
        return "这个 PDF 有密码保护，无法读取；请用没有密码的原件（或在 PDF 阅读器中另存一份不加密的）再导入"
    return "无法打开这个 PDF 文件（可能已损坏或不完整）；请重新下载或重新导出 PDF 后再导入"


def _page_rows(document, index: int) -> list[Row] | None:
    """The printed lines of a page; None when its text cannot be read (a scan, a font without a map)."""
    import pypdfium2.raw as raw

    page = document[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            count = textpage.count_chars()
            chars = []
            unreadable = 0
            for i in range(max(count, 0)):
                code = raw.FPDFText_GetUnicode(textpage.raw, i)
                char = chr(code) if 0 <= code < 0x110000 and not 0xD800 <= code < 0xE000 else "\ufffd"
                generated = bool(raw.FPDFText_IsGenerated(textpage.raw, i))
                if not generated and not char.isspace():
                    if raw.FPDFText_HasUnicodeMapError(textpage.raw, i) == 1 or _JUNK.match(char):
                        unreadable += 1
                box = textpage.get_charbox(i, loose=True) if not generated else None
                chars.append((char, generated, box))
            printed = sum(1 for c, g, _ in chars if not g and not c.isspace())
            if printed == 0:  # a scan has an image; a blank page, or one with only rules and shapes, has none
                return None if _has_image(page.raw) else []
            if unreadable > _UNREADABLE_SHARE * printed:
                return None
            return _rows(chars, index + 1, height)
        finally:
            textpage.close()
    finally:
        page.close()


def _has_image(raw_page) -> bool:
    import pypdfium2.raw as raw

    return any(raw.FPDFPageObj_GetType(raw.FPDFPage_GetObject(raw_page, i)) == raw.FPDF_PAGEOBJ_IMAGE
               for i in range(raw.FPDFPage_CountObjects(raw_page)))


def _rows(chars, page: int, height: float) -> list[Row]:
    rows: list[Row] = []
    current: list[tuple[str, tuple | None]] = []

    def flush() -> None:
        row = _make_row(current, page, height)
        if row is not None:
            rows.append(row)
        current.clear()

    for char, generated, box in chars:
        if generated and char in "\r\n":
            if current:
                flush()
            continue
        if box is not None and current and not char.isspace():
            last = next((b for c, b in reversed(current) if b is not None and not c.isspace()), None)
            if last is not None:
                size = max(last[3] - last[1], box[3] - box[1], 1.0)
                if abs((last[1] + last[3]) / 2 - (box[1] + box[3]) / 2) > 0.6 * size or box[0] < last[0] - 2 * size:
                    flush()
        current.append((char, box))
    if current:
        flush()
    return rows


def _make_row(chars, page: int, height: float) -> Row | None:
    boxes = [(c, b) for c, b in chars if b is not None and not c.isspace() and b[2] > b[0]]
    text = "".join(c for c, _ in chars)
    if not boxes or not text.strip():
        return None
    widths = [b[2] - b[0] for c, b in boxes if _CJK_CHAR.match(c)]
    em = statistics.median(widths) if widths else statistics.median(b[3] - b[1] for _, b in boxes)
    centres = [(b[1] + b[3]) / 2 for _, b in boxes]
    return Row(page, text, min(b[0] for _, b in boxes), max(b[2] for _, b in boxes),
               statistics.median(centres), max(em, 1.0), height)


def _drop_furniture(rows: list[Row]) -> list[Row]:
    """Without page numbers and running headers/footers (text repeated at the same height)."""
    by_page: dict[int, list[Row]] = {}
    for row in rows:
        by_page.setdefault(row.page, []).append(row)
    seen: dict[tuple[str, int], set[int]] = {}
    for row in rows:
        if _in_edge(row):
            seen.setdefault((_DIGITS.sub("#", "".join(row.text.split())), round(row.y / 6)), set()).add(row.page)
    body_em = _body_em(rows)
    extremes = {page: (max(r.y for r in page_rows), min(r.y for r in page_rows)) for page, page_rows in by_page.items()}
    kept = []
    for row in rows:
        compact = "".join(row.text.split())
        page_rows = by_page[row.page]
        outermost = row is page_rows[0] or row is page_rows[-1] or row.y in extremes[row.page]
        if _PAGE_NUMBER.fullmatch(compact) and (outermost or _in_edge(row)):
            continue
        if _in_edge(row) and len(seen.get((_DIGITS.sub("#", compact), round(row.y / 6)), ())) >= 2:
            continue
        if _small_running_head(row, page_rows, body_em):
            continue
        kept.append(row)
    return kept


def _body_em(rows: list[Row]) -> float:
    """The type size most of the text is set in."""
    weight: dict[float, int] = {}
    for row in rows:
        weight[round(row.em)] = weight.get(round(row.em), 0) + len(row.text)
    return float(max(weight, key=weight.get)) if weight else 0.0


def _small_running_head(row: Row, page_rows: list[Row], body_em: float) -> bool:
    """A line in small type at the top of a page, above all the text: a running header (even on one page)."""
    return (bool(row.page_height) and row.y > row.page_height * (1 - _EDGE_ZONE) and row.em < 0.8 * body_em
            and all(r.y < row.y for r in page_rows if r is not row))


def _in_edge(row: Row) -> bool:
    return bool(row.page_height) and (row.y > row.page_height * (1 - _EDGE_ZONE) or row.y < row.page_height * _EDGE_ZONE)


def paragraph_lines(rows: list[Row]) -> list[Line]:
    """Lines for the core, one per paragraph rebuilt from the geometry (each marked as ended)."""
    if not rows:
        return []
    left, right = _margins(rows)
    pitch = _line_pitch(rows)
    paragraphs: list[tuple[int, list[Row], str]] = []  # (page, rows, kind)
    for row in rows:
        kind = _kind(row, left)
        previous = paragraphs[-1] if paragraphs else None
        if previous is not None and _continues(previous, row, kind, right, pitch):
            previous[1].append(row)
            continue
        paragraphs.append((row.page, [row], kind))
    lines = []
    for number, (page, members, _) in enumerate(paragraphs, 1):
        rows = tuple((row.page, row.x0, row.x1, row.y, row.em, row.text) for row in members)
        lines.append(Line(number, _join(members), page=page, ends=True, ocr=any(row.ocr for row in members), rows=rows))
    return lines


def _margins(rows: list[Row]) -> tuple[float, float]:
    """The body's left margin (the most common start) and right margin (the most common end)."""
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    for row in rows:
        starts[round(row.x0 / 2)] = starts.get(round(row.x0 / 2), 0) + len(row.text)
        ends[round(row.x1 / 2)] = ends.get(round(row.x1 / 2), 0) + len(row.text)
    left = 2 * max(starts, key=lambda k: (starts[k], -k))
    right = 2 * max(ends, key=lambda k: (ends[k], k))
    # Ragged (unjustified) lines end anywhere in the last character: the margin is the furthest
    # end of the body's own lines near the most common one.
    right = max([right] + [r.x1 for r in rows if abs(r.x0 - left) < r.em and right - r.em <= r.x1 <= right + r.em])
    return float(left), float(right)


def _kind(row: Row, left: float) -> str:
    indent = (row.x0 - left) / row.em
    if abs(indent) <= _FLUSH:
        return "flush"
    if _INDENT_MIN <= indent <= _INDENT_MAX:
        return "indented"
    return "apart"  # centred or set in: a line of its own


def _line_pitch(rows: list[Row]) -> dict[int, float]:
    """The usual distance between consecutive lines of each type size (rounded), on one page."""
    gaps: dict[int, list[float]] = {}
    for a, b in zip(rows, rows[1:]):
        if a.page == b.page and round(a.em) == round(b.em) and 0 < a.y - b.y < 4 * a.em:
            gaps.setdefault(round(a.em), []).append(a.y - b.y)
    return {size: statistics.median(values) for size, values in gaps.items()}


def _continues(previous: tuple[int, list[Row], str], row: Row, kind: str, right: float,
               pitch: dict[int, float]) -> bool:
    _, members, first_kind = previous
    last = members[-1]
    same_type = abs(last.em - row.em) <= _SAME_SIZE * max(last.em, row.em)
    if not same_type:
        return False
    usual = pitch.get(round(last.em))
    if usual and last.page == row.page and last.y - row.y > _GAP * usual:
        return False  # space between paragraphs (block style, without indents)
    if first_kind == "apart":
        # a headline over two centred lines of the same large type
        return kind == "apart" and len(members) == 1 and _centred(last, row) and abs(last.y - row.y) < 2.5 * row.em \
            and last.page == row.page
    if kind != "flush":
        return False
    if last.x1 >= right - _FULL * last.em:
        return True
    # A line a character or two short of the margin: the line-breaking rules took its last character down
    # with a 。 or 》 that may not start a line, or Latin digits packed it differently. It goes on when the
    # next line is not indented (checked above), its text does not end a sentence there, and it does not
    # start a 报/送/发 line.
    return (last.x1 >= right - _SHORT * last.em and not _ends_sentence(last.text)
            and not _DISTRIBUTION_START.match(row.text.lstrip()))


def _ends_sentence(text: str) -> bool:
    """。！？ at the end, perhaps inside a closing quote or bracket (……。” / ……。）)."""
    return _SENTENCE_END.search(text.rstrip()) is not None


def _centred(a: Row, b: Row) -> bool:
    return abs((a.x0 + a.x1) / 2 - (b.x0 + b.x1) / 2) < 2 * max(a.em, b.em)


def _join(rows: list[Row]) -> str:
    """The rows' text as one line; the core's cleaning drops spaces next to Chinese characters."""
    return " ".join(" ".join(row.text.split()) for row in rows)
