"""The received original beside the form: a PDF's pages as images with the box of every printed line,
or the text of a Word or text file, and the importer's notes.

The boxes come from 原件.json, which `import` writes beside the kept 原件.pdf; for an issue imported
before there was one, the PDF is read again (without OCR: a scan's boxes only exist if its import
kept them). Pages are rendered by PDFium once and kept in .guanxin-cache/desk/pages/.
"""
from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path

from guanxin_site.desk.model import Document
from guanxin_site.desk.store import Entry, Store, StoreError
from guanxin_site.fsutil import write_file
from guanxin_site.importer.issuefile import ORIGINAL_NAME
from guanxin_site.importer.layout import LAYOUT_NAME, read_layout

# PDFium is not thread-safe: every use of it in this process (rendering here, an import job) holds this.
PDFIUM = threading.Lock()
SCALE = 1.5  # 893 px for an A4 page: sharp in the half of a 1280 px screen, and at 2x zoom
MAX_PAGES_SHOWN = 200


class Originals:
    def __init__(self, store: Store):
        self.store = store
        self.pages_folder = store.folder / "pages"
        self._rows: dict[str, list] = {}  # PDF digest -> rows read from the PDF itself (no sidecar)

    def pdf(self, entry: Entry, document: Document | None) -> Path | None:
        """The issue's original PDF: 原件.pdf beside it, else the first PDF it lists as an attachment."""
        candidates = [entry.path.with_suffix("") / f"{ORIGINAL_NAME}.pdf"]
        attachments = document.entries.get("attachments") if document is not None and document.entries else None
        if attachments is not None and isinstance(attachments.value, list):
            candidates += [entry.path.parent / name for name in attachments.value
                           if isinstance(name, str) and name.lower().endswith(".pdf")]
        issues = self.store.issues.resolve()
        for candidate in candidates:
            try:
                real = candidate.resolve(strict=True)
            except (OSError, RuntimeError, ValueError):
                continue
            if real.is_relative_to(issues) and real.is_file():
                return real
        return None

    def describe(self, entry: Entry, document: Document | None) -> dict:
        """What the page shows of the original (JSON)."""
        layout = read_layout(entry.path.with_suffix("") / LAYOUT_NAME)
        notes = [n for n in (layout.notes if layout else ()) if isinstance(n.get("message"), str)]
        pdf = self.pdf(entry, document)
        if pdf is not None:
            pages = self._page_sizes(pdf)
            rows = _rows_of(layout) if layout is not None and layout.kind == "pdf" else self._read_rows(pdf)
            return {"kind": "pdf", "pages": pages, "rows": rows, "notes": notes,
                    "received": layout.received if layout else pdf.name}
        if layout is not None:
            return {"kind": layout.kind, "paragraphs": [p["text"] for p in layout.paragraphs], "notes": notes,
                    "received": layout.received}
        return {"kind": None, "notes": []}

    def _page_sizes(self, pdf: Path) -> list[dict]:
        import pypdfium2 as pdfium

        with PDFIUM:
            try:
                document = pdfium.PdfDocument(str(pdf))
            except Exception:  # noqa: BLE001 - a damaged PDF: show no pages, say so
                raise StoreError("原件 PDF 无法打开（可能已损坏）", 409) from None
            try:
                sizes = []
                for index in range(min(len(document), MAX_PAGES_SHOWN)):
                    width, height = document[index].get_size()
                    sizes.append({"width": round(width, 1), "height": round(height, 1)})
                return sizes
            finally:
                document.close()

    def _read_rows(self, pdf: Path) -> list:
        """The printed lines of a PDF imported before 原件.json existed (text pages only, no OCR)."""
        from guanxin_site.importer.core import BulletinImportError
        from guanxin_site.importer.layout import encode_layout
        from guanxin_site.importer.pdf import pdf_lines

        data = pdf.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest not in self._rows:
            with PDFIUM:
                try:
                    lines, _ = pdf_lines(data, ocr=False)
                except BulletinImportError:
                    lines = []
            import json

            layout = json.loads(encode_layout(lines, "pdf", (), pdf.name))
            self._rows[digest] = _rows_of_paragraphs(layout["paragraphs"])
        return self._rows[digest]

    def page_png(self, entry: Entry, document: Document | None, number: int) -> bytes:
        pdf = self.pdf(entry, document)
        if pdf is None:
            raise StoreError("这一期没有原件 PDF", 404)
        data = pdf.read_bytes()
        cached = self.pages_folder / f"{hashlib.sha256(data).hexdigest()}-{number}-{SCALE}.png"
        try:
            return cached.read_bytes()
        except OSError:
            pass
        png = _render(data, number)
        self.pages_folder.mkdir(parents=True, exist_ok=True)
        write_file(cached, png, sync=False)
        return png


def _render(data: bytes, number: int) -> bytes:
    import pypdfium2 as pdfium

    with PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except Exception:  # noqa: BLE001
            raise StoreError("原件 PDF 无法打开（可能已损坏）", 409) from None
        try:
            if not 1 <= number <= len(document):
                raise StoreError("原件中没有这一页", 404)
            page = document[number - 1]
            try:
                image = page.render(scale=SCALE).to_pil()
            finally:
                page.close()
        finally:
            document.close()
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "PNG", compress_level=1)  # fast; cached once made
    return buffer.getvalue()


def _rows_of(layout) -> list:
    return _rows_of_paragraphs(layout.paragraphs)


def _rows_of_paragraphs(paragraphs) -> list:
    """[page, x0, x1, y, em, text, paragraph] for every printed line the sidecar knows."""
    rows = []
    for number, paragraph in enumerate(paragraphs):
        for row in paragraph.get("rows", ()) if isinstance(paragraph, dict) else ():
            if isinstance(row, list) and len(row) == 6:
                rows.append([*row, number])
    return rows
