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


# How an editor installs OCR: in the program's own folder (guanxin-site is on no package index), with the
# double quotes Windows' command prompt needs (it passes single quotes on as part of the name).
OCR_INSTALL = '在本程序（guanxin-site）的文件夹中运行 py -m pip install ".[ocr]"（不是 Windows 时用 python3 -m pip install ".[ocr]"）'


def scan_message(pages: list[int]) -> str:
    shown = "、".join(f"第{p}页" for p in pages[:10]) + ("等" if len(pages) > 10 else "")
    return (f"{shown}是扫描的图片（或字体没有文字编码），无法直接读出文字。"
            f"安装文字识别（OCR）后可以自动识别：{OCR_INSTALL}，再重新导入；"
            "识别的结果会标记为待校对（proofread: false）。也可以从 Word 原稿导出 PDF 或 .docx 再导入")
