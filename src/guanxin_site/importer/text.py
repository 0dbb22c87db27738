"""Text files as editors save them: UTF-8 (with or without BOM), GBK/GB18030, UTF-16 (with BOM).

Other encodings get charset-normalizer's best guess, accepted only if it reads as Chinese text.
Files of another kind (a PDF renamed to .txt, an old .doc...) are recognised by their first bytes.
"""
from __future__ import annotations

import re

from guanxin_site.importer.lines import CONTROL, BulletinImportError, Line
from guanxin_site.parser import normalize_newlines

__all__ = ["decode_bulletin", "text_lines"]

_NOT_TEXT = "不是可识别的文本文件"
SAVE_AS = "请在 Word 或记事本中另存为 .docx 或 UTF-8 编码的 .txt 后再导入"
# Magic numbers of files editors mistake for the bulletin text, with the advice that fits each.
_MAGIC = (
    (b"%PDF", "这是 PDF 文件，不是文字文件：请用 guanxin-site import 直接导入这个 PDF"),
    (b"\xd0\xcf\x11\xe0", "这是旧版 Word（.doc）文件：" + SAVE_AS),
    (b"{\\rtf", "这是 RTF 文件：" + SAVE_AS),
    (b"PK\x03\x04", "这是 Word（.docx）或压缩文件，不是纯文本；Word 文件请以 .docx 为扩展名导入"),
    (b"\x89PNG", "这是图片文件，不是简报文字"),
    (b"\xff\xd8\xff", "这是图片文件，不是简报文字"),
)
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
# What a bulletin is written in: ASCII, common Han, CJK and general punctuation, full-width forms,
# and the few Latin-1 signs Chinese text uses (· × ° ±); other Latin-1 means a wrong guess.
_COMMON = re.compile(
    r"[\t\n\r\f\v\x20-\x7e\xa0\xa7\xb0\xb1\xb7\xd7\xf7\u2000-\u206f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
)
_MIN_COMMON_SHARE = 0.9


def decode_bulletin(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030; line endings normalised to LF."""
    for magic, advice in _MAGIC:
        if data.startswith(magic):
            raise BulletinImportError(None, advice)
    text = _decode_text(data)
    if text is None:
        raise BulletinImportError(None, f"文件{_NOT_TEXT}（不是 UTF-8、UTF-16 或 GBK/GB18030 编码，可能是二进制文件）；{SAVE_AS}")
    return normalize_newlines(text)


def text_lines(text: str) -> list[Line]:
    """One Line per line of the text, numbered from 1 (empty lines included: core skips them)."""
    return [Line(number, raw) for number, raw in enumerate(normalize_newlines(text).split("\n"), 1)]


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
    if len(CONTROL.findall(text)) > 2 + len(text) // 100:
        return False
    if not require_common or not text:
        return True
    return len(_COMMON.findall(text)) >= _MIN_COMMON_SHARE * len(text)
