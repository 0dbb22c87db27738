"""Word files (.docx) through python-docx: paragraphs in document order, table cells once each,
and the photos embedded in the text, kept where they stood with their captions."""
from __future__ import annotations

import io
import re

from guanxin_site.importer.lines import BulletinImportError, Figure, ImportNote, Line
from guanxin_site.importer.photos import clean_photo
from guanxin_site.importer.text import SAVE_AS

__all__ = ["docx_lines", "docx_read"]

_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
_WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
_DOC_PR = _WP + "docPr"
_DRAWINGS = (_WP + "inline", _WP + "anchor")  # one picture each, with its own description (docPr)
_IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
# A caption is the short line under a photo: Word's 题注 style, or a line such as “图为……” / “▲……”.
# Not any line starting with 图: 图书馆… after a photo is text.
_CAPTION_TEXT = re.compile(r"^\s*(?:[（(]图\s*\d*[）)]|图\s*\d+|图为|图[:：]|▲|△|上图|下图|照片[:：])")
_CAPTION_MAX = 80


def docx_lines(data: bytes) -> list[Line]:
    return docx_read(data)[0]


def docx_read(data: bytes) -> tuple[list[Line], list[ImportNote]]:
    """The lines of a .docx, and notes on what of it could not be kept (pictures in formats browsers do not show)."""
    import docx  # python-docx is imported only when a Word file comes in: it is slow to load

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises zip, XML, KeyError, ValueError... for a damaged file
        raise BulletinImportError(None, "无法打开这个 Word 文件（可能已损坏，或不是 .docx）；" + SAVE_AS) from None
    blocks = _blocks(document, document.part)
    styles = {style.style_id: style.name or "" for style in document.styles}
    lines: list[Line] = []
    notes: list[ImportNote] = []
    figures = 0
    index = 0
    while index < len(blocks):
        text, images, style = blocks[index]
        number = index + 1
        caption = None
        if images and index + 1 < len(blocks) and _is_caption(*blocks[index + 1], styles):
            caption = blocks[index + 1][0].strip()
        if text.strip() or not images:
            lines.append(Line(number, text))
        for data_, ext, alt in images:
            if ext is None:
                notes.append(ImportNote(number, "这里有一张网页不能显示的图片（例如 EMF/WMF 格式的图），没有导入；"
                                                "需要时请在 Word 中把它另存为 JPG 或 PNG，放在本期文件旁边，再在正文中引用"))
                continue
            cleaned = clean_photo(data_, ext)  # no camera, time or GPS position goes into issues/
            if cleaned is None:
                notes.append(ImportNote(number, "这里有一张图片无法读取（可能已损坏），没有导入；需要时请从原稿中另存这张照片，"
                                                "放在本期文件旁边，再在正文中引用"))
                continue
            figures += 1
            # One picture: the caption under it, else its own description. Several in one paragraph: each its
            # own description (the caption line under them is kept as text).
            described = (caption or alt) if len(images) == 1 else (alt or caption)
            lines.append(Line(number, "", figure=Figure(figures, described or f"图{figures}", ext, cleaned)))
        index += 2 if caption is not None else 1
    return lines, notes


def _is_caption(text: str, images, paragraph, styles: dict[str, str]) -> bool:
    if images or not text.strip() or len(text.strip()) > _CAPTION_MAX:
        return False
    # The style from the XML: python-docx's paragraph.style looks the default style up anew on every call.
    properties = paragraph.pPr
    style_id = properties.pStyle.val if properties is not None and properties.pStyle is not None else ""
    style = styles.get(style_id, style_id)
    return "caption" in style.lower() or "题注" in style or bool(_CAPTION_TEXT.match(text))


def _blocks(container, part) -> list[tuple[str, list, object]]:
    """(text, [(image bytes, extension, alt text)], paragraph XML) of each paragraph in document order."""
    from docx.table import Table

    blocks: list[tuple[str, list, object]] = []
    for block in container.iter_inner_content():
        if not isinstance(block, Table):
            blocks.append((block.text, _images(block._p, part), block._p))
            continue
        # A merged cell is returned once per grid column. Keep its XML element, not its id():
        # lxml makes a new proxy (perhaps at a reused address) once the old one is gone.
        seen = set()
        for row in block.rows:
            for cell in row.cells:
                if cell._tc not in seen:
                    seen.add(cell._tc)
                    blocks += _blocks(cell, part)
    return blocks


def _images(element, part) -> list[tuple[bytes, str | None, str]]:
    """(bytes, extension or None for a format browsers do not show, description) of each embedded picture,
    each with the description of its own drawing."""
    found = []
    for drawing in element.iter(*_DRAWINGS):  # in document order
        properties = next(drawing.iter(_DOC_PR), None)
        alt = (properties.get("descr") or "").strip() if properties is not None else ""
        for blip in drawing.iter(_BLIP):
            rel = blip.get(_EMBED)
            image = part.related_parts.get(rel) if rel else None
            if image is None:
                continue  # a linked (not embedded) picture: nothing to keep
            found.append((image.blob, _IMAGE_TYPES.get(getattr(image, "content_type", "")), alt))
    return found
