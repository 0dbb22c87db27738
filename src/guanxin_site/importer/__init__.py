"""Import bulletins as offices have them: text copied out of a PDF (.txt), Word (.docx), PDF, scans.

One shared core (core.py) turns lines into an ImportedIssue; one module per source kind turns a file
into lines: text.py (UTF-8, GB18030, UTF-16), docx.py, pdf.py (geometry from pypdfium2), ocr.py
(scanned pages, optional extra). sources.py is the table of readers by file kind; lines.py and rows.py
hold what they share (no module of the package imports one above it); batch.py imports files and
folders into a project (nothing overwritten unless asked) and says what became of each file.
"""
from __future__ import annotations

from pathlib import Path

from guanxin_site.importer.core import parse_bulletin, parse_lines
from guanxin_site.importer.issuefile import ImportedIssue
from guanxin_site.importer.lines import BulletinImportError, Figure, ImportNote, Line
from guanxin_site.importer.text import decode_bulletin

__all__ = [
    "BulletinImportError",
    "Figure",
    "ImportNote",
    "ImportedIssue",
    "Line",
    "decode_bulletin",
    "parse_bulletin",
    "parse_lines",
    "read_bulletin",
]


def read_bulletin(path: Path) -> str:
    """Text of a received .txt or .docx bulletin (photos left out)."""
    from guanxin_site.importer.sources import read_bytes, text_of

    return text_of(Path(path), read_bytes(Path(path)))
