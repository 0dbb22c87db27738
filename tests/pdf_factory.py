"""Real bulletin PDFs made at test time, the ways offices make them.

- Chromium print-to-PDF of a bulletin-like page (embedded Noto CJK subset, running header, page numbers
  "— 2 —" in the footer), as a browser or a Word export would.
- reportlab with the non-embedded CID font STSong-Light (no /ToUnicode: PDFium maps Adobe-GB1 itself).
- a scan: pages rendered to images and saved as an image-only PDF by Pillow.
- pypdf with every /ToUnicode deleted from an embedded-font PDF: text that cannot be extracted.

The page is built from an issue file (issues/2023/053.md): masthead, issue line, publisher and date on one
line, headline, then the reports as the printed bulletin has them (no region headings, each report opening
with the region's name), paragraphs indented by two characters, and the 报/送/发 lines at the end.
"""
from __future__ import annotations

import html
import io
from pathlib import Path

import yaml

DISTRIBUTION = (
    "报：省委、省政府领导，中国关工委办公室",
    "送：省委组织部、省委宣传部、省委老干部局",
    "发：各市（地）、县（市、区）关工委，省直各成员单位",
)


def issue_parts(markdown: str) -> tuple[dict, list[str]]:
    """(front matter, body paragraphs without the region headings) of an issue file."""
    _, front, body = markdown.split("---\n", 2)
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip() and not p.strip().startswith("## ")]
    return yaml.safe_load(front), paragraphs


def bulletin_html(markdown: str, distribution=DISTRIBUTION, block: bool = False) -> str:
    """block: paragraphs without first-line indents, set apart by space (as some offices type them)."""
    front, paragraphs = issue_parts(markdown)
    date = front["date"]
    esc = html.escape
    body = "\n".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    dist = "\n".join(f"<div>{esc(line)}</div>" for line in distribution)
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
body {{ font-family: "Noto Serif CJK SC", serif; font-size: 16pt; line-height: 1.6; margin: 0; }}
.mast {{ color: #c00; text-align: center; font-size: 40pt; font-weight: bold; margin: 0 0 8pt; }}
.no {{ text-align: center; margin: 0; }}
.pub {{ display: flex; justify-content: space-between; border-bottom: 2px solid #c00; padding-bottom: 4pt; }}
h1 {{ font-size: 20pt; text-align: center; margin: 18pt 3em; font-weight: bold; line-height: 1.4; }}
p {{ text-indent: {0 if block else 2}em; text-align: justify; margin: 0 0 {0.8 if block else 0}em; }}
.dist {{ margin-top: 24pt; border-top: 1px solid #000; font-size: 14pt; }}
</style></head><body>
<div class="mast">关心下一代工作</div>
<div class="no">（{date.year}年第{front['number']}期·总第{front['total']}期）</div>
<div class="pub"><span>{esc(front['publisher'])}</span><span>{date.year}年{date.month}月{date.day}日</span></div>
<h1>{esc(front['title'])}</h1>
{body}
<div class="dist">{dist}</div>
</body></html>"""


def chromium_pdf(browser, markdown: str, path: Path, distribution=DISTRIBUTION, block: bool = False) -> Path:
    page = browser.new_page()
    try:
        page.set_content(bulletin_html(markdown, distribution, block))
        page.pdf(
            path=str(path), format="A4", display_header_footer=True,
            margin={"top": "28mm", "bottom": "25mm", "left": "26mm", "right": "26mm"},
            header_template='<div style="font-size:9pt;width:100%;text-align:center;'
                            'font-family:Noto Serif CJK SC">关心下一代工作简报</div>',
            footer_template='<div style="font-size:11pt;width:100%;text-align:center;font-family:Noto Serif CJK SC">'
                            '— <span class="pageNumber"></span> —</div>',
        )
    finally:
        page.close()
    return path


# What Chinese line-breaking rules (禁则) keep from starting a line: the character before goes down with it.
NO_LINE_START = set("。，、；：？！”’）》」』】")


def reportlab_pdf(markdown: str, path: Path, distribution=DISTRIBUTION, kinsoku: bool = False) -> Path:
    """The bulletin set in STSong-Light (a CID font reportlab does not embed), wrapped by hand; with kinsoku,
    wrapped as some layout programs do (not justified): a line that would have to start with 。 or ” ends
    two characters early, taking them down with it, so it stops about two characters short of the margin."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    front, paragraphs = issue_parts(markdown)
    date = front["date"]
    width, height = A4
    left, right, top, bottom = 72.0, width - 72.0, height - 72.0, 80.0
    size, leading = 14.0, 24.0
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    page = 1
    y = top

    def centred(text: str, font_size: float, gap: float) -> None:
        nonlocal y
        c.setFont("STSong-Light", font_size)
        c.drawCentredString(width / 2, y - font_size, text)
        y -= font_size + gap

    def new_page() -> None:
        nonlocal page, y
        c.setFont("STSong-Light", 11)
        c.drawCentredString(width / 2, 40, f"-{page}-")
        c.showPage()
        page += 1
        y = top

    def line(text: str, x: float) -> None:
        nonlocal y
        if y - leading < bottom:
            new_page()
        c.setFont("STSong-Light", size)
        c.drawString(x, y - size, text)
        y -= leading

    def wrap(text: str, first_indent: float) -> None:
        start, x = 0, left + first_indent
        while start < len(text):
            end = start
            while end < len(text) and x + pdfmetrics.stringWidth(text[start:end + 1], "STSong-Light", size) <= right:
                end += 1
            if kinsoku and end < len(text) and text[end] in NO_LINE_START and end - start > 2:
                end -= 2  # the mark takes the two characters before it down (a word kept whole), as some programs do
            line(text[start:end], x)
            start, x = end, left

    centred("关心下一代工作", 36, 14)
    centred(f"（{date.year}年第{front['number']}期·总第{front['total']}期）", 14, 10)
    c.setFont("STSong-Light", 14)
    c.drawString(left, y - 14, front["publisher"])
    c.drawRightString(right, y - 14, f"{date.year}年{date.month}月{date.day}日")
    y -= 40
    centred(front["title"], 16, 18)
    for paragraph in paragraphs:
        wrap(paragraph, 2 * size)
    y -= leading
    for entry in distribution:
        wrap(entry, 0)
    c.setFont("STSong-Light", 11)
    c.drawCentredString(width / 2, 40, f"-{page}-")
    c.showPage()
    c.save()
    return path


def scanned_pdf(source: Path, path: Path, pages: int | None = None, dpi: int = 150) -> Path:
    """An image-only PDF of the first `pages` pages of source, as a scanner makes it."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(source))
    try:
        count = len(document) if pages is None else min(pages, len(document))
        images = [document[i].render(scale=dpi / 72).to_pil().convert("L") for i in range(count)]
    finally:
        document.close()
    images[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return path


def without_unicode_maps(source: Path, path: Path) -> Path:
    """source with every font's /ToUnicode deleted: its text can no longer be read out."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter(clone_from=PdfReader(str(source)))
    for page in writer.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            if NameObject("/ToUnicode") in font:
                del font[NameObject("/ToUnicode")]
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def bulletin_docx(markdown: str, path: Path, distribution=DISTRIBUTION) -> Path:
    """The bulletin as an office types it in Word: centred red masthead, publisher and date on one line
    (a right tab), a centred headline, justified paragraphs with a two-character first-line indent,
    "— n —" page numbers in the footer, the 报/送/发 lines at the end."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    front, paragraphs = issue_parts(markdown)
    date = front["date"]
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(28)
    section.top_margin, section.bottom_margin = Mm(30), Mm(28)
    style = document.styles["Normal"]
    style.font.name = "Noto Serif CJK SC"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    style.font.size = Pt(16)
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.line_spacing = 1.3

    def add(text: str, *, size: float = 16, centre: bool = False, red: bool = False, bold: bool = False,
            indent: bool = False, justify: bool = False):
        paragraph = document.add_paragraph()
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.bold = bold
        if red:
            run.font.color.rgb = RGBColor(0xC0, 0, 0)
        if centre:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if justify:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if indent:
            paragraph.paragraph_format.first_line_indent = Pt(2 * size)
        return paragraph

    add("关心下一代工作", size=40, centre=True, red=True, bold=True)
    add(f"（{date.year}年第{front['number']}期·总第{front['total']}期）", centre=True)
    line = add(f"{front['publisher']}\t{date.year}年{date.month}月{date.day}日")
    line.paragraph_format.tab_stops.add_tab_stop(section.page_width - section.left_margin - section.right_margin,
                                                 WD_TAB_ALIGNMENT.RIGHT)
    add("", size=8)
    add(front["title"], size=20, centre=True, bold=True)
    add("", size=8)
    for text in paragraphs:
        add(text, indent=True, justify=True)
    add("", size=8)
    for text in distribution:
        add(text, size=14)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number = OxmlElement("w:r")
    text_element = OxmlElement("w:t")
    text_element.text = "1"
    number.append(text_element)
    field.append(number)
    footer._p.append(field)
    footer.add_run(" —")
    document.save(path)
    return path


def libreoffice_pdf(source: Path, folder: Path) -> Path:
    """source (.docx) exported to PDF by LibreOffice Writer, as an office exports from Word or WPS."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is missing: apt-get install libreoffice-writer-nogui"
    profile = folder / ".lo-profile"  # a private profile: parallel test workers must not share one
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), str(source)], check=True, capture_output=True, timeout=300)
    return folder / (source.stem + ".pdf")
