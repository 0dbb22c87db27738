"""The original as the importer read it, kept beside the issue as 原件.json for proofreading.

The issue file stays an ordinary issue file; what the desk needs to show the original beside it
goes here instead: each paragraph as read (for a PDF, with the box of every printed line it was
made of, in PDF points, y upwards, and whether OCR read it) and the importer's notes. Written by
`import` next to the kept 原件.pdf (or where a .docx's photos go), never listed as an attachment,
so never published. Plain JSON: nothing in it is executed when it is read.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from guanxin_site.importer.core import fold_characters
from guanxin_site.importer.lines import ImportNote, Line

__all__ = ["LAYOUT_NAME", "Layout", "encode_layout", "read_layout"]

LAYOUT_NAME = "原件.json"
VERSION = 1
MAX_LAYOUT_BYTES = 8 * 1024 * 1024  # a 40-page scan's boxes are well under 1 MB
_SPACE = re.compile(r"\s+")


def encode_layout(lines: list[Line], kind: str, notes: tuple[ImportNote, ...], received: str) -> bytes:
    """The sidecar's bytes for the lines a reader gave (kind: pdf, docx, text)."""
    paragraphs = []
    for line in lines:
        if line.figure is not None or not line.text.strip():
            continue
        entry: dict = {"text": line.text}
        if line.page is not None:
            entry["page"] = line.page
        if line.rows:
            entry["rows"] = [[page, round(x0, 1), round(x1, 1), round(y, 1), round(em, 2), _compact(text)]
                             for page, x0, x1, y, em, text in line.rows]
        if line.ocr:
            entry["ocr"] = True
        paragraphs.append(entry)
    data = {"version": VERSION, "kind": kind, "received": received, "paragraphs": paragraphs,
            "notes": [{"line": n.line, "page": n.page, "message": n.message} for n in notes]}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _compact(text: str) -> str:
    """A printed line's text as the desk matches it against paragraphs: folded, without spaces."""
    return _SPACE.sub("", fold_characters(text))


@dataclass(frozen=True)
class Layout:
    kind: str
    received: str  # the received file's name
    paragraphs: tuple[dict, ...]
    notes: tuple[dict, ...]


def read_layout(path: Path) -> Layout | None:
    """The sidecar at path, or None if there is none or it is not one (an old or damaged file)."""
    try:
        if path.stat().st_size > MAX_LAYOUT_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return None
    paragraphs = tuple(p for p in data.get("paragraphs", ()) if isinstance(p, dict) and isinstance(p.get("text"), str))
    notes = tuple(n for n in data.get("notes", ()) if isinstance(n, dict) and isinstance(n.get("message"), str))
    return Layout(str(data.get("kind", "")), str(data.get("received", "")), paragraphs, notes)
