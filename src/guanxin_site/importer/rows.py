"""Printed lines of a page (from PDFium's characters or from OCR's boxes): what pdf.py and ocr.py share."""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Row", "scan_message"]


@dataclass
class Row:
    """One printed line: its text and where it stands (PDF points, y upwards)."""

    page: int  # 1-based
    text: str
    x0: float
    x1: float
    y: float  # vertical centre
    em: float  # width of one character of its type
    page_height: float = 0.0
    ocr: bool = False  # read by OCR


def scan_message(pages: list[int]) -> str:
    shown = "、".join(f"第{p}页" for p in pages[:10]) + ("等" if len(pages) > 10 else "")
    return (f"{shown}是扫描的图片（或字体没有文字编码），无法直接读出文字。"
            "安装文字识别（OCR）后可以自动识别：pip install 'guanxin-site[ocr]'，再重新导入；"
            "识别的结果会标记为待校对（proofread: false）。也可以从 Word 原稿导出 PDF 或 .docx 再导入")
