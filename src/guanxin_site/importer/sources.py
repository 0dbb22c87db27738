"""Which reader a file needs, by its name and its first bytes; the lines it gives."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from guanxin_site.importer.core import BulletinImportError, ImportNote, Line

__all__ = ["IMPORTABLE", "CONVERTIBLE", "Extracted", "extract", "read_bytes", "text_of"]

IMPORTABLE = (".pdf", ".docx", ".txt")
CONVERTIBLE = (".doc", ".wps")  # older Word and WPS files: LibreOffice converts them to .docx


@dataclass(frozen=True)
class Extracted:
    lines: list[Line]
    kind: str  # "text", "docx", "pdf"
    proofread: bool = True  # False when some page was read by OCR
    ocr_pages: tuple[int, ...] = ()
    notes: tuple[ImportNote, ...] = ()  # what the reader could not keep


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except IsADirectoryError:
        raise BulletinImportError(None, "这是一个文件夹，不是文件") from None
    except OSError as exc:
        raise BulletinImportError(None, f"无法读取文件（{exc.strerror or exc}）") from None


def _kind(path: Path, data: bytes) -> str:
    if data.startswith(b"%PDF") or (path.suffix.lower() == ".pdf" and b"%PDF" in data[:1024]):
        return "pdf"
    if path.suffix.lower() == ".docx" or data.startswith(b"PK\x03\x04"):
        return "docx"
    if path.suffix.lower() == ".pdf":
        return "pdf"  # not a PDF inside: the PDF reader says so
    return "text"


def text_of(path: Path, data: bytes) -> str:
    """The text of a .txt or .docx (for `read_bulletin`)."""
    from guanxin_site.importer.text import decode_bulletin

    if _kind(path, data) == "docx":
        from guanxin_site.importer.docx import docx_lines

        return "\n".join(line.text for line in docx_lines(data) if line.figure is None)
    return decode_bulletin(data)


def extract(path: Path, data: bytes | None = None, *, ocr: bool = True,
            on_ocr: Callable[[int, int], None] | None = None) -> Extracted:
    """The lines of a received file. Raises BulletinImportError (with page or line) for what cannot be read.
    on_ocr(page, pages): called before each page OCR reads."""
    data = read_bytes(path) if data is None else data
    kind = _kind(path, data)
    if kind == "pdf":
        from guanxin_site.importer.pdf import pdf_lines

        lines, ocr_pages = pdf_lines(data, ocr=ocr, on_ocr=on_ocr)
        return Extracted(lines, kind, proofread=not ocr_pages, ocr_pages=tuple(ocr_pages))
    if kind == "docx":
        from guanxin_site.importer.docx import docx_read

        lines, notes = docx_read(data)
        return Extracted(lines, kind, notes=tuple(notes))
    from guanxin_site.importer.text import decode_bulletin, text_lines

    return Extracted(text_lines(decode_bulletin(data)), kind)
