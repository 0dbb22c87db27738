"""Photos imported from a .docx (issue 24): written into issues/ without camera, time or GPS position
(orientation applied), each picture with its own description; a PDF import writes no image at all."""
from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from PIL import Image

from guanxin_site.cli import main
from guanxin_site.importer.photos import clean_photo
from pdf_factory import reportlab_pdf
from photo_support import XMP, metadata_found, phone_jpeg, png_with_text
from test_cli_import import SHIPPED
from test_importer import SEED_TEXT

_DOC_PR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"


def describe_pictures(paragraph, descriptions: list[str]) -> None:
    """Give each picture of the paragraph its own description (Word's 替换文字), in order."""
    for element, text in zip(paragraph._p.iter(_DOC_PR), descriptions):
        element.set("descr", text)


@pytest.fixture
def photos(tmp_path) -> dict[str, Path]:
    return {
        "upright": phone_jpeg(tmp_path / "upright.jpg", 1200, 800, orientation=1, seed=3),
        "turned": phone_jpeg(tmp_path / "turned.jpg", 1200, 800, orientation=6, seed=4),
        "png": png_with_text(tmp_path / "text.png", 400, 300),
    }


def docx_with_photos(path: Path, photos: dict[str, Path]) -> Path:
    document = docx.Document()
    for line in SEED_TEXT.split("\n"):
        document.add_paragraph(line)
        if line.startswith("鹤岗市关工委为"):
            paragraph = document.add_paragraph()
            run = paragraph.add_run()
            run.add_picture(str(photos["upright"]), width=docx.shared.Mm(60))
            run.add_picture(str(photos["turned"]), width=docx.shared.Mm(40))
            describe_pictures(paragraph, ["鹤岗市联席会议现场", "“五老”与孩子们交谈"])
        if line.startswith("伊春市关工委于"):
            document.add_picture(str(photos["png"]))
    document.save(path)
    return path


def test_docx_photos_lose_their_metadata_and_each_keeps_its_description(project, tmp_path, photos):
    for path in photos.values():  # the received photos really carry what must not be published
        assert metadata_found(path.read_bytes()), path
    received = docx_with_photos(tmp_path / "第53期.docx", photos)
    result = CliRunner().invoke(main, ["import", "--source", str(project), str(received)])
    assert result.exit_code == 0, result.output
    folder = project / "issues/2023/053"
    written = sorted(p for p in folder.iterdir() if p.name != "原件.json")  # the desk's proofreading sidecar
    assert [p.name for p in written] == ["图1.jpg", "图2.jpg", "图3.png"]
    for path in written:
        data = path.read_bytes()
        assert metadata_found(data) == [], (path.name, metadata_found(data))
        with Image.open(path) as image:
            assert not image.getexif() and "xmp" not in image.info and "XML:com.adobe.xmp" not in image.info
    with Image.open(folder / "图2.jpg") as turned:
        assert turned.size == (800, 1200)  # orientation 6 applied: upright, not lying on its side
    with Image.open(folder / "图1.jpg") as upright:
        assert upright.size == (1200, 800)
    text = (project / "issues/2023/053.md").read_text(encoding="utf-8")
    assert "![鹤岗市联席会议现场](053/图1.jpg)" in text
    assert "![“五老”与孩子们交谈](053/图2.jpg)" in text  # its own description, not the first one's


def test_an_upright_jpeg_is_cleaned_without_encoding_it_again(photos):
    original = photos["upright"].read_bytes()
    cleaned = clean_photo(original, "jpg")
    assert metadata_found(cleaned) == [] and XMP not in cleaned
    start = original.index(b"\xff\xda")  # the scan data: byte for byte the same
    assert cleaned.endswith(original[start:original.rindex(b"\xff\xd9") + 2])
    with Image.open(io.BytesIO(cleaned)) as image, Image.open(photos["upright"]) as before:
        assert image.tobytes() == before.tobytes()


def test_gif_and_webp_lose_their_metadata(tmp_path):
    from photo_support import picture

    exif = Image.Exif()
    exif[0x0110] = "TestPhone"
    webp = io.BytesIO()
    picture(200, 120).save(webp, "WEBP", exif=exif.tobytes(), xmp=XMP)
    gif = io.BytesIO()
    picture(200, 120).convert("P").save(gif, "GIF", comment=b"TestPhone GPSLatitude")
    for data, ext in ((webp.getvalue(), "webp"), (gif.getvalue(), "gif")):
        assert metadata_found(data)
        cleaned = clean_photo(data, ext)
        assert cleaned and metadata_found(cleaned) == [], ext


def test_a_damaged_picture_is_reported_not_written(tmp_path):
    assert clean_photo(b"\xff\xd8\xff\xe0 not really a jpeg", "jpg") is None


def test_a_pdf_import_writes_no_image_into_issues(project, tmp_path):
    pdf = reportlab_pdf(SHIPPED.read_text(encoding="utf-8"), tmp_path / "第53期.pdf")
    assert CliRunner().invoke(main, ["import", "--source", str(project), str(pdf)]).exit_code == 0
    kept = sorted(p.name for p in (project / "issues/2023/053").iterdir())
    assert kept == ["原件.json", "原件.pdf"]  # the original (and the desk's sidecar) only: its pictures are not taken out


def test_a_photo_the_editor_replaced_is_kept_as_bak_when_the_issue_is_imported_again(project, tmp_path, photos):
    """import --force warns that the issue file's old version goes to .bak; its photos were written over
    with no copy at all (and so, without --force, were the photos of a folder whose .md was gone)."""
    received = docx_with_photos(tmp_path / "第53期.docx", photos)
    run = lambda *args: CliRunner().invoke(main, ["import", "--source", str(project), *args, str(received)])
    assert run().exit_code == 0
    folder = project / "issues/2023/053"
    imported = (folder / "图1.jpg").read_bytes()
    own = phone_jpeg(tmp_path / "编辑换的.jpg", 640, 480, seed=9).read_bytes()
    (folder / "图1.jpg").write_bytes(own)
    assert run("--force").exit_code == 0
    assert (folder / "图1.jpg").read_bytes() == imported and (folder / "图1.jpg.bak").read_bytes() == own
    assert not (folder / "图2.jpg.bak").exists()  # unchanged photos are left alone
    (project / "issues/2023/053.md").unlink()  # without --force: a folder left behind by its issue file
    (folder / "图1.jpg").write_bytes(own)
    assert run().exit_code == 0
    assert (folder / "图1.jpg.bak").read_bytes() == own
