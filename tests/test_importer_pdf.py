"""PDF import on real PDFs made at test time from the shipped issue (see pdf_factory.py).

The shipped issue printed as a bulletin (masthead, issue line, publisher and date on one line,
reports without headings, paragraphs indented two characters, page numbers, a running header,
报/送/发 lines at the end) must import back to the same regions, paragraphs and characters.
"""
from __future__ import annotations

import difflib
import os
import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxin_site.gazetteer import Gazetteer
from guanxin_site.importer import BulletinImportError, parse_bulletin, parse_lines
from guanxin_site.importer.core import fold_characters
from guanxin_site.importer.sources import extract
from pdf_factory import DISTRIBUTION, chromium_pdf, reportlab_pdf, scanned_pdf, without_unicode_maps
from test_importer import SEED_TEXT

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "issues" / "2023" / "053.md"
GZ = Gazetteer.load()


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory, browser) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pdfs")
    shipped = SHIPPED.read_text(encoding="utf-8")
    made = {
        "chromium": chromium_pdf(browser, shipped, folder / "chromium.pdf"),
        "reportlab": reportlab_pdf(shipped, folder / "reportlab.pdf"),
        "kinsoku": reportlab_pdf(shipped, folder / "kinsoku.pdf", kinsoku=True),
        "block-paragraphs": chromium_pdf(browser, shipped, folder / "block.pdf", block=True),
    }
    made["no-map"] = without_unicode_maps(made["chromium"], folder / "no-map.pdf")
    made["scan"] = scanned_pdf(made["chromium"], folder / "scan.pdf", pages=1, dpi=200)
    return made


def with_distribution(markdown: str) -> str:
    """The shipped file as a PDF import writes it: the 报/送/发 lines in the front matter."""
    extra = "distribution:\n" + "".join(f"  - {line}\n" for line in DISTRIBUTION)
    return markdown.replace("\n---\n", "\n" + extra + "---\n", 1)


@pytest.mark.parametrize("kind", ["chromium", "reportlab", "block-paragraphs", "kinsoku"])
def test_printed_bulletin_imports_to_the_shipped_issue(pdfs, kind):
    extracted = extract(pdfs[kind])
    assert extracted.kind == "pdf" and extracted.proofread and extracted.ocr_pages == ()
    issue = parse_lines(extracted.lines, GZ)
    expected = parse_bulletin(SEED_TEXT, GZ)
    assert [region for region, _ in issue.reports] == ["黑河市", "鹤岗市", "伊春市", "齐齐哈尔市"]
    assert issue.reports == expected.reports  # same paragraphs, character for character
    assert (issue.number, issue.total, issue.date, issue.title, issue.publisher) == \
        (expected.number, expected.total, expected.date, expected.title, expected.publisher)
    assert issue.distribution == DISTRIBUTION
    assert issue.to_markdown() == with_distribution(SHIPPED.read_text(encoding="utf-8"))


def test_lines_cut_short_by_line_breaking_rules_are_really_there(pdfs):
    """The kinsoku PDF has body lines ending a character or more short of the margin in mid-sentence
    (their last characters went down with a 。 or ”): the old rule (a line ending short ends its paragraph)
    would cut the paragraph there."""
    from guanxin_site.importer.pdf import _drop_furniture, _margins, _page_rows
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdfs["kinsoku"]))
    rows = [row for i in range(len(document)) for row in _page_rows(document, i)]
    document.close()
    rows = _drop_furniture(rows)
    left, right = _margins(rows)
    short = [a for a, b in zip(rows, rows[1:]) if right - 4 * a.em < a.x1 < right - 1.6 * a.em
             and a.text.rstrip()[-1:] not in "。！？" and abs(b.x0 - left) < 0.5 * b.em and b.text[2:3] in "。，、”；：）"]
    assert len(short) >= 3, [r.text for r in short]


def test_chromium_pdf_has_page_numbers_and_a_running_header_that_are_dropped(pdfs):
    """The PDF really has what must be dropped: checked on PDFium's own plain text."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdfs["chromium"]))
    plain = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert len(document) >= 3
    assert plain.count("关心下一代工作简报") == len(document)  # the running header, on every page
    assert re.search(r"—\s*2\s*—", plain)
    document.close()
    issue = parse_lines(extract(pdfs["chromium"]).lines, GZ)
    text = "".join(p for _, ps in issue.reports for p in ps)
    assert "简报" not in text and "—" not in text
    assert not any("页码" in note.message for note in issue.notes)  # dropped by position, not guessed


def test_paragraph_cut_by_a_page_break_is_joined(pdfs):
    lines = extract(pdfs["chromium"]).lines
    pages = {line.page for line in lines}
    assert len(pages) >= 3
    issue = parse_lines(lines, GZ)
    # Page 1 of the Chromium PDF ends inside 市委副书记's paragraph ("全力以" / "赴"): one paragraph.
    heihe = dict(issue.reports)["黑河市"]
    assert len(heihe) == 2 and "市委一定会全力以赴，与关工委共同努力" in heihe[1]


def test_no_stray_spaces_and_full_width_punctuation_kept(pdfs):
    issue = parse_lines(extract(pdfs["reportlab"]).lines, GZ)
    text = "".join(p for _, ps in issue.reports for p in ps)
    assert " " not in text and "\u3000" not in text
    assert "，" in text and "（扩大）" in text and "(扩大)" in text  # both kinds, as printed


def test_radicals_are_folded_and_nothing_else():
    assert fold_characters("⾼度重视⻓效机制，⻔⼝⻝堂") == "高度重视长效机制，门口食堂"
    assert fold_characters("\uf900") == "\u8c48"  # a CJK compatibility ideograph
    untouched = "，。：；（）“”①Ａ１\u3000·—…"
    assert fold_characters(untouched) == untouched  # no NFKC: full-width forms stay
    text = SEED_TEXT.replace("全省各地关工委认真学习贯彻", "全省各地关⼯委认真学习贯彻").replace("鹤岗市关工委为", "鹤岗市关⼯委为")
    issue = parse_bulletin(text, GZ)
    assert issue.title.startswith("全省各地关工委") and dict(issue.reports)["鹤岗市"][0].startswith("鹤岗市关工委为")


def test_pdf_without_unicode_maps_is_never_imported_as_garbage(pdfs):
    with pytest.raises(BulletinImportError) as caught:
        extract(pdfs["no-map"], ocr=False)
    assert caught.value.page == 1
    assert "第1页" in caught.value.message and "扫描" in caught.value.message
    assert 'py -m pip install ".[ocr]"' in caught.value.message


def test_scan_without_the_ocr_extra_names_file_page_and_how_to_get_ocr(pdfs, project, monkeypatch):
    from click.testing import CliRunner

    from guanxin_site.cli import main

    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # as if the extra were not installed
    result = CliRunner().invoke(main, ["import", "--source", str(project), str(pdfs["scan"])])
    assert result.exit_code == 1
    assert f"{pdfs['scan']}:第1页: 第1页是扫描的图片" in result.stderr
    assert 'py -m pip install ".[ocr]"' in result.stderr
    assert "正在识别" not in result.output  # no promise of OCR before saying it is not installed
    assert "Traceback" not in result.output
    assert not list((project / "issues").rglob("*.md"))


def _ocr_installed() -> bool:
    from guanxin_site.importer.ocr import available

    if not available() and os.environ.get("CI") == "true":
        pytest.fail("the ocr extra (rapidocr-onnxruntime) must be installed in CI: scripts/test.sh installs .[test,ocr]")
    return available()


def test_scanned_page_is_read_by_ocr_and_marked_for_proofreading(pdfs):
    if not _ocr_installed():
        pytest.skip("the ocr extra is not installed")
    import pypdfium2 as pdfium

    pages_read = []
    extracted = extract(pdfs["scan"], on_ocr=lambda page, pages: pages_read.append((page, pages)))
    assert extracted.ocr_pages == (1,) and not extracted.proofread
    assert pages_read == [(1, 1)]  # the progress the command shows
    issue = parse_lines(extracted.lines, GZ)
    assert not issue.proofread and "proofread: false" in issue.to_markdown()
    assert (issue.number, issue.total, str(issue.date)) == (53, 509, "2023-11-17")
    assert issue.title == "全省各地关工委认真学习贯彻省关工委第33次全委会议精神"
    # The body read by OCR against the text of the same page in the PDF it was scanned from.
    document = pdfium.PdfDocument(str(pdfs["chromium"]))
    printed = re.sub(r"\s", "", document[0].get_textpage().get_text_range())
    document.close()
    body = "".join(p for _, ps in issue.reports for p in ps)
    start = printed.index("黑河市关工委")
    page_body = printed[start: printed.index("—", start)]
    ratio = difflib.SequenceMatcher(None, body, page_body, autojunk=False).ratio()
    assert ratio > 0.97, (ratio, body, page_body)


# -- hostile PDFs ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_pdf(pdfs) -> bytes:
    return pdfs["reportlab"].read_bytes()


def _assert_clear(path: Path) -> None:
    try:
        issue = parse_lines(extract(path, ocr=False).lines, GZ)
    except BulletinImportError as exc:
        assert re.search("[\u4e00-\u9fff]", exc.message), exc.message
        return
    assert issue.number == 53  # a corruption PDFium repairs may still import


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(cut=st.floats(0.0, 1.0))
def test_truncated_pdf_gives_a_clear_error(small_pdf, tmp_path_factory, cut):
    path = tmp_path_factory.mktemp("cut") / "cut.pdf"
    path.write_bytes(small_pdf[: int(len(small_pdf) * cut)])
    _assert_clear(path)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(changes=st.lists(st.tuples(st.floats(0.0, 1.0, exclude_max=True), st.binary(min_size=1, max_size=16)),
                        min_size=1, max_size=8))
def test_corrupted_pdf_gives_a_clear_error(small_pdf, tmp_path_factory, changes):
    data = bytearray(small_pdf)
    for at, junk in changes:
        i = int(at * len(data))
        data[i: i + len(junk)] = junk
    path = tmp_path_factory.mktemp("bad") / "bad.pdf"
    path.write_bytes(bytes(data))
    _assert_clear(path)


def test_encrypted_and_empty_pdfs(tmp_path, pdfs):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(pdfs["reportlab"])))
    writer.encrypt("secret")
    locked = tmp_path / "locked.pdf"
    with open(locked, "wb") as handle:
        writer.write(handle)
    with pytest.raises(BulletinImportError, match="密码"):
        extract(locked)
    blank = PdfWriter()
    blank.add_blank_page(595, 842)
    empty = tmp_path / "empty.pdf"
    with open(empty, "wb") as handle:
        blank.write(handle)
    with pytest.raises(BulletinImportError, match="没有文字"):
        extract(empty)


# -- a Word-like document exported by LibreOffice Writer ------------------------------------------

def _soffice() -> bool:
    import shutil

    if shutil.which("soffice") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice must be installed in CI: scripts/test.sh installs libreoffice-writer-nogui")
        return False
    return True


def test_word_document_exported_to_pdf_imports_to_the_shipped_issue(tmp_path):
    """The closest to an office's Word or WPS export: a .docx typed like the bulletin, exported by LibreOffice."""
    if not _soffice():
        pytest.skip("LibreOffice is not installed")
    from pdf_factory import bulletin_docx, libreoffice_pdf

    source = bulletin_docx(SHIPPED.read_text(encoding="utf-8"), tmp_path / "第53期.docx")
    pdf = libreoffice_pdf(source, tmp_path)
    extracted = extract(pdf)
    assert len({line.page for line in extracted.lines}) >= 3
    issue = parse_lines(extracted.lines, GZ)
    assert issue.reports == parse_bulletin(SEED_TEXT, GZ).reports
    assert issue.distribution == DISTRIBUTION
    assert issue.to_markdown() == with_distribution(SHIPPED.read_text(encoding="utf-8"))


_ROW_TEXT = st.text(alphabet=st.sampled_from("关心下一代工作，。（）ab 12"), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(1, 3), _ROW_TEXT, st.floats(0, 500), st.floats(1, 500),
                               st.floats(0, 842), st.sampled_from([10.0, 14.0, 16.0, 40.0])), min_size=1, max_size=40))
def test_paragraphs_from_any_geometry_lose_nothing(rows):
    """Whatever the boxes, rebuilding paragraphs keeps every character, in reading order."""
    from guanxin_site.importer.pdf import _PAGE_NUMBER, Row, _drop_furniture, paragraph_lines

    made = [Row(page, text, x0, x0 + width, y, em, 842.0) for page, text, x0, width, y, em in sorted(rows, key=lambda r: r[0])]
    kept = _drop_furniture(made)
    lines = paragraph_lines(kept)
    squash = lambda s: re.sub(r"\s", "", s)  # noqa: E731
    assert squash("".join(line.text for line in lines)) == squash("".join(row.text for row in kept))
    assert all(line.ends for line in lines)
    dropped = [row for row in made if row not in kept]
    # Only page furniture goes: page numbers (digits, with the dashes OCR may read as 一, 第…页) or edge bands.
    assert all(_PAGE_NUMBER.fullmatch("".join(row.text.split())) or row.y > 842 * 0.88 or row.y < 842 * 0.12
               for row in dropped)
