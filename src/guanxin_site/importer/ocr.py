"""OCR of scanned pages (the optional `ocr` extra: RapidOCR on ONNX Runtime, models inside the wheel,
offline). The page is rendered by PDFium; each recognised text box becomes a Row, so the paragraphs
of a scan are rebuilt by the same geometry as those of a PDF with text. What OCR reads is marked for
proof-reading (proofread: false) by the caller."""
from __future__ import annotations

import functools

from guanxin_site.importer.lines import BulletinImportError
from guanxin_site.importer.rows import OCR_INSTALL, Row, scan_message

__all__ = ["available", "ocr_rows"]

_DPI = 200  # enough for 10.5 pt type; the time per page grows with the square of it
_MIN_SCORE = 0.5
_SAME_TYPE = 0.3  # OCR boxes of one type size differ by up to this share in height  # boxes read with less confidence are noise (stains, lines, seals)


def available() -> bool:
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


@functools.cache
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def ocr_rows(document, index: int) -> list[Row]:
    """The printed lines of page index (0-based), read by OCR."""
    if not available():
        raise BulletinImportError(None, scan_message([index + 1]), page=index + 1)
    import numpy

    page = document[index]
    try:
        height = page.get_size()[1]
        scale = _DPI / 72
        image = page.render(scale=scale, grayscale=False).to_pil().convert("RGB")
    finally:
        page.close()
    try:
        result, _ = _engine()(numpy.asarray(image))
    except Exception as exc:  # ONNX Runtime or the models failing (memory, a broken install): name the page
        raise BulletinImportError(None, f"第{index + 1}页是扫描的图片，文字识别（OCR）没有成功（{type(exc).__name__}）；"
                                        f"请检查 OCR 的安装（{OCR_INSTALL}），或从 Word 原稿导出 PDF 再导入",
                                  page=index + 1) from None
    boxes = []
    for points, text, score in result or ():
        if float(score) < _MIN_SCORE or not text.strip():
            continue
        xs = [p[0] / scale for p in points]
        ys = [height - p[1] / scale for p in points]
        boxes.append((min(xs), max(xs), min(ys), max(ys), text.strip()))
    return _merge(boxes, index + 1, height)


def _merge(boxes, page: int, height: float) -> list[Row]:
    """Boxes on one printed line (publisher and date, say) become one Row, left to right."""
    rows: list[list] = []
    for box in sorted(boxes, key=lambda b: -(b[2] + b[3]) / 2):
        centre = (box[2] + box[3]) / 2
        size = box[3] - box[2]
        for row in rows:
            if abs(row[0] - centre) < 0.5 * size:
                row[1].append(box)
                break
        else:
            rows.append([centre, [box]])
    out = []
    heights = sorted(sorted(b[3] - b[2] for b in members)[len(members) // 2] for _, members in rows)
    typical = heights[len(heights) // 2] if heights else 1.0
    for centre, members in rows:
        members.sort(key=lambda b: b[0])
        text = " ".join(b[4] for b in members)
        em = sorted(b[3] - b[2] for b in members)[len(members) // 2]
        if abs(em - typical) < _SAME_TYPE * typical:  # box heights vary with the glyphs: one size for body type
            em = typical
        out.append(Row(page, text, members[0][0], members[-1][1], centre, max(em, 1.0), height, ocr=True))
    return out
