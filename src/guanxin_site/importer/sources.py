"""The readers, as a table by file kind (as Pelican keeps its readers): which one a file needs, the lines it gives.

Each `Reader` names its kind, the file names it takes, how to recognise its files by their first
bytes, and a function from bytes to `Extracted` lines; the next kind (WPS, a 公众号 article, a
web page) is one module and one entry of READERS. Page readers are a second, smaller table: a PDF
page without extractable text goes to the `scan` reader (OCR), which is there only when the
`ocr` extra is installed. Readers import their libraries when first used (python-docx and PDFium
are slow to load), so a text import pays for neither.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from guanxin_site.importer.lines import BulletinImportError, ImportNote, Line

__all__ = ["CONVERTIBLE", "IMPORTABLE", "READERS", "Extracted", "Reader", "extract", "read_bytes", "reader_for",
           "scan_reader", "text_of"]

CONVERTIBLE = (".doc", ".wps")  # older Word and WPS files: LibreOffice converts them to .docx (batch.py)


@dataclass(frozen=True)
class Extracted:
    lines: list[Line]
    kind: str  # the Reader's kind: "text", "docx", "pdf"
    proofread: bool = True  # False when some page was read by OCR
    ocr_pages: tuple[int, ...] = ()
    notes: tuple[ImportNote, ...] = ()  # what the reader could not keep


@dataclass(frozen=True)
class Options:
    """How the import was asked for: whether scans may be read by OCR, and who wants to hear about it."""

    ocr: bool = True
    on_ocr: Callable[[int, int], None] | None = None  # (page, pages) before a page is read by OCR


@dataclass(frozen=True)
class Reader:
    kind: str
    suffixes: tuple[str, ...]  # the file names it takes (lower case)
    magic: tuple[bytes, ...]  # first bytes that make a file its own, whatever its name
    read: Callable[[bytes, Options], Extracted] = field(repr=False)
    keeps_original: bool = False  # the received file is kept beside the issue (原件.pdf)


def _read_pdf(data: bytes, options: Options) -> Extracted:
    from guanxin_site.importer.pdf import pdf_lines

    lines, ocr_pages = pdf_lines(data, read_scan=scan_reader() if options.ocr else None, on_ocr=options.on_ocr)
    return Extracted(lines, "pdf", proofread=not ocr_pages, ocr_pages=tuple(ocr_pages))


def _read_docx(data: bytes, options: Options) -> Extracted:
    from guanxin_site.importer.docx import docx_read

    lines, notes = docx_read(data)
    return Extracted(lines, "docx", notes=tuple(notes))


def _read_text(data: bytes, options: Options) -> Extracted:
    from guanxin_site.importer import text

    decoded = text.decode_bulletin(data)
    if _is_issue_file(decoded):
        raise BulletinImportError(1, "这已经是整理好的简报文件（开头有“---”和期号、日期等设置），不需要导入："
                                     "请把它直接复制到项目的 issues/<年>/ 文件夹中（例如 issues/2023/054.md），"
                                     "再运行 guanxin-site check 检查")
    return Extracted(text.text_lines(decoded), "text")


def _is_issue_file(text: str) -> bool:
    """An issue file (front matter with a number), such as a colleague's: the received bulletin never has one."""
    from guanxin_site.parser import normalize_newlines, split_front_matter

    split = split_front_matter(normalize_newlines(text.lstrip("\ufeff")))
    return split is not None and any(line.startswith("number:") for line in split.front.split("\n"))


# In order: the first whose magic starts the file, else the first that takes its name, else the last (text).
READERS: tuple[Reader, ...] = (
    Reader("pdf", (".pdf",), (b"%PDF",), _read_pdf, keeps_original=True),
    Reader("docx", (".docx",), (b"PK\x03\x04",), _read_docx),
    Reader("text", (".txt",), (), _read_text),
)
IMPORTABLE = tuple(suffix for reader in READERS for suffix in reader.suffixes)


def scan_reader() -> Callable[[object, int], list] | None:
    """The page reader for scans (OCR), or None when the `ocr` extra is not installed."""
    from guanxin_site.importer import ocr

    return ocr.ocr_rows if ocr.available() else None


def reader_for(path: Path, data: bytes) -> Reader:
    """The reader a file needs: by its first bytes (a PDF renamed .txt is a PDF), then by its name."""
    for reader in READERS:
        if any(data.startswith(magic) for magic in reader.magic):
            return reader
    suffix = path.suffix.lower()
    if suffix == ".pdf" and b"%PDF" in data[:1024]:  # a PDF with bytes before its header
        return READERS[0]
    return next((reader for reader in READERS if suffix in reader.suffixes), READERS[-1])


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except IsADirectoryError:
        raise BulletinImportError(None, "这是一个文件夹，不是文件") from None
    except OSError as exc:
        raise BulletinImportError(None, f"无法读取文件（{exc.strerror or exc}）") from None


def text_of(path: Path, data: bytes) -> str:
    """The text of a .txt or .docx (for `read_bulletin`): photos left out."""
    extracted = reader_for(path, data).read(data, Options(ocr=False))
    return "\n".join(line.text for line in extracted.lines if line.figure is None)


def extract(path: Path, data: bytes | None = None, *, ocr: bool = True,
            on_ocr: Callable[[int, int], None] | None = None) -> Extracted:
    """The lines of a received file. Raises BulletinImportError (with page or line) for what cannot be read.
    on_ocr(page, pages): called before each page OCR reads."""
    data = read_bytes(path) if data is None else data
    return reader_for(path, data).read(data, Options(ocr, on_ocr))
