"""What every importer module shares: the lines a source reads, the notes and errors it gives.

The bottom of the importer package: it imports nothing of the package, so the readers (text, docx,
pdf, ocr), the core and the issue file all stand on it without import circles.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["BulletinImportError", "CONTROL", "Figure", "ImportNote", "Line", "where"]


class BulletinImportError(Exception):
    """The bulletin cannot be imported; .message tells the editor what to fix, .line/.page where."""

    def __init__(self, line: int | None, message: str, page: int | None = None):
        self.line = line
        self.message = message
        self.page = page
        super().__init__(f"{where(line, page)}：{message}" if line or page else message)


def where(line: int | None, page: int | None) -> str:
    """第3页 for a PDF, 第12行 for text: how an editor finds the place in the original."""
    if page is not None:
        return f"第{page}页"
    return f"第{line}行" if line else ""


@dataclass(frozen=True)
class ImportNote:
    line: int  # 1-based line (paragraph, for PDF a running number) of the input
    message: str
    page: int | None = None  # page of a PDF


@dataclass(frozen=True)
class Figure:
    """A photo embedded in the received file, kept where it stood."""

    index: int  # 1, 2, ... in the order of the file
    caption: str
    ext: str  # file extension without the dot: jpg, png...
    data: bytes = field(repr=False, compare=False)


@dataclass(frozen=True)
class Line:
    """One line as a source reads it."""

    number: int
    text: str
    page: int | None = None
    ends: bool | None = None  # the source knows this line ends its paragraph (True) or goes on (False)
    figure: Figure | None = None
    ocr: bool = False  # read by OCR from a scan: the issue needs proof-reading
    rows: tuple = ()  # a PDF's printed lines this line was made of: (page, x0, x1, y, em, text), for proofreading


CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
