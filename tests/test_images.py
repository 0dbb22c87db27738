"""Photos in reports: found, checked by their bytes, published as metadata-free renditions, cached."""
from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st
from lxml import html as lxml_html
from PIL import Image

from guanxin_site.build import build
from guanxin_site.cli import main
from guanxin_site.errors import ContentErrors
from guanxin_site.images import MAX_BYTES, plan_renditions, rendition_widths
from guanxin_site.models import html_text
from photo_support import (GPS_IFD, LOADED, fake_heic, image_format, loaded_gif, loaded_jpeg, loaded_png, loaded_tiff,
                           loaded_webp, metadata_found, phone_jpeg, picture, png_with_text, structure_metadata,
                           write_photo_issue)

TODAY = "2026-12-01"


def write_issue(project: Path, body: str, number: int = 53, date: str = "2023-11-17", folder: str = "2023") -> Path:
    path = project / "issues" / folder / f"{number:03d}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\nnumber: {number}\ndate: {date}\ntitle: 全省各地关工委认真学习贯彻会议精神\n---\n\n{body}", encoding="utf-8")
    return path


TWO_PHOTOS = """## 黑河市

黑河市关工委11月9日上午召开会议，传达学习会议精神。

![黑河市关工委召开会议](会议照片.jpg)
*11月9日，黑河市关工委召开全体会议*

会议要求各地认真学习。

## 伊春市

伊春市关工委于11月9日召开会议。

![伊春市“五老”与孩子们在一起](照片/活动.png)
"""


@pytest.fixture
def photo_project(project: Path) -> Path:
    issue = write_issue(project, TWO_PHOTOS)
    phone_jpeg(issue.parent / "会议照片.jpg", 3000, 2000, orientation=6)  # held upright: stored sideways
    png_with_text(issue.parent / "照片" / "活动.png")
    return project


def _page(site: Path, url: str = "2023/53/"):
    return lxml_html.fromstring((site / url / "index.html").read_bytes())


def test_photos_are_published_without_an_attachments_list(photo_project, tmp_path):
    site = tmp_path / "site"
    result = build(photo_project, site, search=False)
    assert result.photos == 2 and result.photos_made == 2
    page = _page(site)
    figures = page.xpath("//figure[@class='photo']")
    assert len(figures) == 2
    first, second = (f.xpath(".//img")[0] for f in figures)
    # Orientation applied: the sideways-stored 3000x2000 photo is shown upright, 1600 wide at most.
    assert (first.get("width"), first.get("height")) == ("1600", "2400")
    assert first.get("alt") == "黑河市关工委召开会议"
    assert first.get("loading") is None and second.get("loading") == "lazy"  # the first photo is not deferred
    assert first.get("decoding") == second.get("decoding") == "async"
    assert [f.xpath(".//figcaption")[0].text for f in figures] == ["11月9日，黑河市关工委召开全体会议", "伊春市“五老”与孩子们在一起"]
    # Every file a figure names exists, with the size its srcset descriptor claims.
    for figure in figures:
        img, source = figure.xpath(".//img")[0], figure.xpath(".//source")[0]
        assert source.get("type") == "image/webp" and img.get("sizes") == source.get("sizes")
        assert (site / "2023/53" / img.get("src")).is_file()
        for srcset, fmt in ((img.get("srcset"), "JPEG"), (source.get("srcset"), "WEBP")):
            for candidate in srcset.split(", "):
                name, width = candidate.split(" ")
                with Image.open(site / "2023/53" / name) as published:
                    assert published.format == fmt and f"{published.width}w" == width
                    assert published.height == round(published.width * int(img.get("height")) / int(img.get("width")))
    # The 800 px PNG is never upscaled: 480 and its own width.
    assert sorted(p.name for p in (site / "2023/53").glob("活动-*")) == [
        "活动-480.jpg", "活动-480.webp", "活动-800.jpg", "活动-800.webp"]


def test_no_published_file_carries_exif_gps_xmp_or_png_text(photo_project, tmp_path):
    issue = photo_project / "issues" / "2023"
    webp_source = issue / "照片" / "合影.webp"
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (45.0, 45.0, 12.5)}
    picture(1200, 900, 5).save(webp_source, "WEBP", exif=exif.tobytes())
    text = (issue / "053.md").read_text(encoding="utf-8")
    (issue / "053.md").write_text(text + "\n![合影留念](照片/合影.webp)\n", encoding="utf-8")
    for source in (issue / "会议照片.jpg", issue / "照片" / "活动.png", webp_source):
        assert metadata_found(source.read_bytes()), f"the test photo {source.name} should carry metadata"
    site = tmp_path / "site"
    build(photo_project, site, search=False)
    published = [p for p in site.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp", ".gif")]
    photos = [p for p in published if p.parent == site / "2023/53"]
    assert len(photos) == (3 + 2 + 3) * 2  # widths of the 1600, 800 and 1200 px photos, two formats each
    assert published  # every image: the photos, and the theme's own (the share card)
    for path in published:
        data = path.read_bytes()
        assert metadata_found(data) == [], path
        with Image.open(path) as image:
            assert not image.getexif(), path
            assert image.getexif().get_ifd(GPS_IFD) == {}, path
            assert not {"exif", "xmp", "XML:com.adobe.xmp", "Author", "Comment"} & set(image.info), (path, image.info.keys())
    with Image.open(site / "2023/53/会议照片-480.jpg") as upright:
        assert upright.height > upright.width  # orientation applied before the EXIF went


def test_two_clean_builds_are_byte_identical(photo_project, tmp_path):
    """One build in one process, one with the photos spread over two (six photos: enough to fork for)."""
    write_photo_issue(photo_project, "2023/054.md", 54, "2023-11-24", 4, ["黑河市关工委召开会议。"], base=(700, 500))
    copy = tmp_path / "copy"
    shutil.copytree(photo_project, copy)
    assert build(photo_project, tmp_path / "a", search=False, jobs=1).photos_made == 6
    assert build(copy, tmp_path / "b", search=False, jobs=2).photos_made == 6

    def files(root: Path) -> dict[str, str]:
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".guanxin-site.json"}

    assert files(tmp_path / "a") == files(tmp_path / "b")


def test_unchanged_photos_are_never_processed_again(photo_project, tmp_path):
    site = tmp_path / "site"
    assert build(photo_project, site, search=False).photos_made == 2
    second = build(photo_project, site, search=False)
    assert not second.changed and second.photos_made == 0  # the nothing-changed path
    issue = photo_project / "issues/2023/053.md"
    issue.write_text(issue.read_text(encoding="utf-8").replace("会议要求", "会议强调"), encoding="utf-8")
    third = build(photo_project, site, search=False)
    assert third.changed and third.photos_made == 0  # the text changed, the photos did not
    # Into another output directory, from the cache: still nothing processed.
    assert build(photo_project, tmp_path / "other", search=False).photos_made == 0
    # A photo replaced under the same name is an input: the build sees it and processes only it.
    before = (site / "2023/53/活动-480.jpg").read_bytes()
    png_with_text(photo_project / "issues/2023/照片/活动.png", seed=9)
    fourth = build(photo_project, site, search=False)
    assert fourth.changed and fourth.photos_made == 1
    assert (site / "2023/53/活动-480.jpg").read_bytes() != before


def test_the_same_photo_twice_is_published_once(project, tmp_path):
    issue = write_issue(project, "## 黑河市\n\n![会议现场](a.jpg)\n\n正文。\n\n## 伊春市\n\n![会议现场](b.jpg)\n")
    phone_jpeg(issue.parent / "a.jpg", 1000, 700)
    shutil.copy(issue.parent / "a.jpg", issue.parent / "b.jpg")
    result = build(project, tmp_path / "site", search=False)
    assert result.photos_made == 1
    srcs = [img.get("src") for img in _page(tmp_path / "site").xpath("//img")]
    assert srcs == ["a-1000.jpg", "a-1000.jpg"]


def test_captions_are_part_of_the_report_text(photo_project):
    from guanxin_site.loader import load_project

    issue = load_project(photo_project).issues[0]
    assert "11月9日，黑河市关工委召开全体会议" in issue.reports[0].text
    assert "伊春市“五老”与孩子们在一起" in html_text(issue.reports[1].html)
    assert "会议照片" not in issue.reports[0].text and ".jpg" not in issue.reports[0].text  # no file names


def test_a_caption_in_the_next_italic_paragraph_and_photos_inside_text(project, tmp_path):
    issue = write_issue(project, "## 黑河市\n\n![会议](a.jpg)\n\n*黑河市关工委召开会议*\n\n"
                                 "会上，![小图](b.jpg)展示了成果。\n")
    phone_jpeg(issue.parent / "a.jpg", 1000, 700)
    phone_jpeg(issue.parent / "b.jpg", 400, 300, seed=3)
    build(project, tmp_path / "site", search=False)
    page = _page(tmp_path / "site")
    figure = page.xpath("//figure[@class='photo']")
    assert len(figure) == 1 and figure[0].xpath(".//figcaption")[0].text == "黑河市关工委召开会议"
    assert figure[0].xpath(".//img")[0].get("alt") == "会议"
    inline = page.xpath("//div[@class='prose']/p//img")
    assert len(inline) == 1 and inline[0].get("alt") == "小图" and inline[0].get("loading") == "lazy"
    assert not page.xpath("//div[@class='prose']/p/em")  # the caption paragraph was taken into the figure


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims a size (a decompression bomb's header) and has no pixels."""
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def _problems(project: Path, tmp_path: Path) -> tuple[str, str]:
    """What check prints, and what build raises."""
    result = CliRunner().invoke(main, ["check", "--source", str(project), "--today", TODAY], catch_exceptions=False)
    assert result.exit_code == 1
    with pytest.raises(ContentErrors) as raised:
        build(project, tmp_path / "site", search=False)
    return result.output, str(raised.value)


@pytest.mark.parametrize("make, reference, expected", [
    (None, "会议照片.jpg", "找不到图片“会议照片.jpg”"),
    (lambda d: (d / "会议照片.jpg").write_bytes(b"%PDF-1.4 not a photo"), "会议照片.jpg", "不是 JPEG、PNG、GIF 或 WebP 图片"),
    (lambda d: (d / "x.jpg").write_bytes(phone_jpeg(d / "y.jpg", 800, 600).read_bytes()[:3000]), "x.jpg", "已损坏或不完整"),
    (lambda d: Image.new("L", (8000, 5001)).save(d / "big.png"), "big.png", "超过 40 百万像素"),
    (lambda d: (d / "huge.jpg").write_bytes(b"\xff\xd8" + b"\0" * (MAX_BYTES + 1)), "huge.jpg", "超过 20 MB"),
    (lambda d: phone_jpeg(d.parents[1] / "outside.jpg", 300, 200), "../../outside.jpg", "在 issues/ 文件夹以外"),
    (lambda d: (d / "bomb.png").write_bytes(_png_header(30000, 30000)), "bomb.png", "像素过多"),
    (None, "https://example.org/a.jpg", "是网上的地址"),
    (None, "/etc/passwd", "用了绝对路径"),
    (None, "C:\\Users\\编辑部\\照片\\会议.jpg", "是这台电脑上的路径"),
    (None, "file:///D:/照片/会议.jpg", "是这台电脑上的路径"),
])
def test_each_photo_mistake_is_a_located_error_in_check_and_build(project, tmp_path, make, reference, expected):
    issue = write_issue(project, f"## 黑河市\n\n黑河市关工委召开会议。\n\n![会议现场]({reference})\n")
    if make:
        make(issue.parent)
    checked, built = _problems(project, tmp_path)
    for output in (checked, built):
        assert "issues/2023/053.md:11: " in output and expected in output, output
        assert "Traceback" not in output and "Warning" not in output


def test_a_link_to_outside_issues_is_refused(project, tmp_path):
    issue = write_issue(project, "## 黑河市\n\n黑河市关工委召开会议。\n\n![会议现场](link.jpg)\n")
    phone_jpeg(tmp_path / "private.jpg", 300, 200)
    (issue.parent / "link.jpg").symlink_to(tmp_path / "private.jpg")
    checked, built = _problems(project, tmp_path)
    assert "issues/2023/053.md:11: 图片“link.jpg”在 issues/ 文件夹以外" in built


def test_a_photo_without_description_warns_in_build_and_fails_check(project, tmp_path):
    issue = write_issue(project, "## 黑河市\n\n黑河市关工委召开会议。\n\n![](会议照片.jpg)\n")
    phone_jpeg(issue.parent / "会议照片.jpg", 800, 600)
    result = build(project, tmp_path / "site", search=False)
    assert [str(w) for w in result.warnings] == [
        "issues/2023/053.md:11: 图片“会议照片.jpg”没有说明文字；请写成 ![说明文字](文件名)，例如 ![黑河市关工委召开会议](会议照片.jpg)："
        "使用读屏软件的读者靠它知道照片的内容，它也显示在照片下方"]
    assert not _page(tmp_path / "site").xpath("//figcaption")
    checked = CliRunner().invoke(main, ["check", "--source", str(project), "--today", TODAY], catch_exceptions=False)
    assert checked.exit_code == 1 and "issues/2023/053.md:11: 图片“会议照片.jpg”没有说明文字" in checked.output
    # An italic caption line is a description too.
    issue.write_text(issue.read_text(encoding="utf-8").replace("![](会议照片.jpg)", "![](会议照片.jpg)\n*黑河市关工委召开会议*"),
                     encoding="utf-8")
    assert build(project, tmp_path / "site", search=False).warnings == ()


def test_rendition_widths_never_upscale_and_skip_near_duplicates():
    assert rendition_widths(300) == (300,)
    assert rendition_widths(1000) == (480, 1000)
    assert rendition_widths(1700) == (480, 960, 1600)
    assert rendition_widths(6000) == (480, 960, 1600)
    for width in range(1, 5000, 37):
        widths = rendition_widths(width)
        assert max(widths) <= width and list(widths) == sorted(set(widths))
    names = [r.name for r in plan_renditions("会议", 1200, 800)]
    assert names == ["会议-480.webp", "会议-480.jpg", "会议-960.webp", "会议-960.jpg", "会议-1200.webp", "会议-1200.jpg"]


def test_photo_names_are_safe_in_urls_and_srcset(project, tmp_path):
    issue = write_issue(project, "## 黑河市\n\n![会议](<my photo, 1%.jpg>)\n")
    phone_jpeg(issue.parent / "my photo, 1%.jpg", 600, 400)
    build(project, tmp_path / "site", search=False)
    img = _page(tmp_path / "site").xpath("//img")[0]
    assert re.fullmatch(r"[^\s,%]+ 480w, [^\s,%]+ 600w", img.get("srcset")), img.get("srcset")
    assert (tmp_path / "site/2023/53" / img.get("src")).is_file()


def test_stats_count_photos_per_year(photo_project, tmp_path):
    issue = write_issue(photo_project, "## 黑河市\n\n![会议现场](../2023/会议照片.jpg)\n", number=1, date="2024-01-05",
                        folder="2024")
    assert issue.is_file()
    site = tmp_path / "site"
    build(photo_project, site, search=False)
    rows = {tr.xpath("th")[0].text_content(): [td.text_content() for td in tr.xpath("td")]
            for tr in _page(site, "stats/").xpath("//section[@aria-labelledby='h-issues']//table/tbody/tr")}
    assert rows["2023年"][-1] == "2" and rows["2024年"][-1] == "1"
    assert "照片 3 张" in _page(site, "stats/").xpath("//p[@class='lede']")[0].text_content()


def test_feeds_name_photos_by_their_full_address(photo_project, tmp_path):
    import feedparser

    site = tmp_path / "site"
    build(photo_project, site, base_url="https://example.org/guanxin/", search=False)
    for feed in ("feed.xml", "regions/heihe/feed.xml"):
        content = feedparser.parse((site / feed).read_bytes()).entries[0].content[0].value
        srcs = re.findall(r'src="([^"]+)"', content) + [c.split(" ")[0] for s in re.findall(r'srcset="([^"]+)"', content)
                                                         for c in s.split(", ")]
        assert srcs and all(u.startswith("https://example.org/guanxin/2023/53/会议照片-") for u in srcs if "会议" in u), srcs
        for url in srcs:
            assert (site / url.removeprefix("https://example.org/guanxin/")).is_file(), url


def test_an_image_listed_as_attachment_is_published_without_metadata(project, tmp_path):
    issue = write_issue(project, "## 黑河市\n\n黑河市关工委召开会议。\n")
    issue.write_text(issue.read_text(encoding="utf-8").replace("---\n\n", "attachments:\n  - 原图.jpg\n  - 截图.png\n---\n\n", 1),
                     encoding="utf-8")
    phone_jpeg(issue.parent / "原图.jpg", 1200, 800, orientation=6)
    png_with_text(issue.parent / "截图.png")
    site = tmp_path / "site"
    build(project, site, search=False)
    for name in ("原图.jpg", "截图.png"):
        data = (site / "2023/53" / name).read_bytes()
        assert metadata_found(data) == [], name
        with Image.open(site / "2023/53" / name) as image:
            assert not image.getexif() and not {"exif", "xmp", "Author", "Comment"} & set(image.info), name
    with Image.open(site / "2023/53/原图.jpg") as upright:
        assert upright.size == (800, 1200)  # turned upright at full size
    with Image.open(site / "2023/53/截图.png") as png, Image.open(issue.parent / "截图.png") as original:
        assert png.mode == "RGBA" and png.tobytes() == original.tobytes()  # lossless
    assert (site / "2023/53/原图.jpg").read_bytes() == build_again(project, tmp_path / "again")


def build_again(project: Path, site: Path) -> bytes:
    shutil.rmtree(project / ".guanxin-cache")
    build(project, site, search=False)
    return (site / "2023/53/原图.jpg").read_bytes()


@settings(max_examples=150)
@given(src=st.text(st.characters(codec="utf-8"), max_size=40).map(lambda s: s.replace(")", "").replace("\n", "")),
       alt=st.text(max_size=10))
def test_any_image_reference_gives_a_photo_or_a_located_error(tmp_path_factory, src, alt):
    from guanxin_site.loader import load_project

    project = tmp_path_factory.mktemp("any")
    (project / "issues/2023").mkdir(parents=True)
    phone_jpeg(project / "issues/2023/a.jpg", 300, 200)
    safe_alt = alt.replace("]", "").replace("\n", " ")
    write_issue(project, f"## 黑河市\n\n黑河市关工委召开会议。\n\n![{safe_alt}]({src})\n\n![x](%00a.jpg)\n")
    try:
        load_project(project)
    except ContentErrors as exc:
        assert all(e.path == "issues/2023/053.md" and e.line for e in exc.errors), exc.errors


def test_a_16_bit_greyscale_scan_keeps_its_tones(project, tmp_path):
    issue = write_issue(project, "## 黑河市\n\n![老照片翻拍](scan.png)\n")
    Image.linear_gradient("L").resize((600, 400)).convert("I").point(lambda v: v * 257).convert("I;16").save(
        issue.parent / "scan.png")
    build(project, tmp_path / "site", search=False)
    with Image.open(tmp_path / "site/2023/53/scan-600.jpg") as published:
        top, middle, bottom = (published.getpixel((300, y))[0] for y in (5, 200, 394))
    assert top < 20 and 110 < middle < 145 and bottom > 235  # the same gradient, not blown out to white


def test_a_gif_from_a_word_file_is_published_as_a_still_photo(project, tmp_path):
    """import writes the images of a .docx as they were, GIFs included."""
    issue = write_issue(project, "## 黑河市\n\n![图1 活动现场](导入/图1.gif)\n")
    (issue.parent / "导入").mkdir()
    frames = [picture(320, 240, seed).convert("P") for seed in (1, 2)]
    frames[0].save(issue.parent / "导入/图1.gif", save_all=True, append_images=frames[1:], comment=b"secret comment")
    build(project, tmp_path / "site", search=False)
    for name in ("图1-320.jpg", "图1-320.webp"):
        data = (tmp_path / "site/2023/53" / name).read_bytes()
        assert b"secret comment" not in data and metadata_found(data) == []
        with Image.open(tmp_path / "site/2023/53" / name) as still:
            assert still.size == (320, 240) and getattr(still, "n_frames", 1) == 1


def test_check_site_finds_a_missing_rendition(photo_project, tmp_path):
    site = tmp_path / "site"
    build(photo_project, site, search=False)
    runner = CliRunner()
    ok = runner.invoke(main, ["check", "--source", str(photo_project), "--site", str(site), "--today", TODAY])
    assert ok.exit_code == 0, ok.output
    (site / "2023/53/活动-480.webp").unlink()  # named only in a srcset
    broken = runner.invoke(main, ["check", "--source", str(photo_project), "--site", str(site), "--today", TODAY])
    assert broken.exit_code == 1 and "2023/53/index.html: 链接“活动-480.webp”无效" in broken.output, broken.output


# --- Whatever is published is clean; whatever cannot be cleaned is not published -------------------

def with_attachments(issue: Path, *names: str) -> int:
    """List attachments in an issue's front matter; returns the line of `attachments:`."""
    text = issue.read_text(encoding="utf-8")
    listed = "".join(f"  - {name}\n" for name in names)
    issue.write_text(text.replace("---\n\n", f"attachments:\n{listed}---\n\n", 1), encoding="utf-8")
    return text.split("\n").index("---", 1) + 1


def _no_metadata(path: Path) -> None:
    """The published bytes, walked and scanned, and Pillow's view of them: no metadata at all."""
    data = path.read_bytes()
    assert image_format(data) in ("jpeg", "png", "webp", "gif", "tiff"), path
    assert structure_metadata(data) == [], path
    assert metadata_found(data) == [], path
    with Image.open(path) as image:
        for frame in range(getattr(image, "n_frames", 1)):
            image.seek(frame)
            exif = image.getexif()  # a TIFF's holds its structural tags, walked by structure_metadata
            assert exif.get_ifd(GPS_IFD) == {} and (image.format == "TIFF" or not exif), (path, frame)
            assert not {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "Author", "Comment"} & set(image.info), \
                (path, frame, image.info.keys())


def test_no_published_image_carries_metadata_on_any_path(project, tmp_path):
    """Photos in the text, image attachments of every format that can be cleaned, and the project's own
    share image: each made with EXIF+GPS, XMP, IPTC, comments, text chunks and an ICC profile naming its
    owner. Every image file in the built site (found by its bytes, whatever its name) is clean."""
    issue = write_issue(project, "## 黑河市\n\n黑河市关工委召开会议。\n\n" + "".join(
        f"![活动{ext}](照片/活动.{ext})\n\n" for ext in ("jpg", "png", "webp", "gif")))
    for ext in ("jpg", "png", "webp", "gif"):
        LOADED[ext](issue.parent / f"照片/活动.{ext}")
    attachments = [f"原图.{ext}" for ext in LOADED]
    for name in attachments:
        LOADED[name.rsplit(".", 1)[1]](issue.parent / name)
    loaded_jpeg(issue.parent / "改了扩展名.dat")  # a photo under another name: found by its bytes
    with_attachments(issue, *attachments, "改了扩展名.dat")
    loaded_jpeg(project / "templates/static/分享图.jpg", 600, 315)
    with open(project / "site.yaml", "a", encoding="utf-8") as settings:
        settings.write("\nshare_image: static/分享图.jpg\n")
    site = tmp_path / "site"
    build(project, site, search=False)

    images = [p for p in site.rglob("*") if p.is_file() and image_format(p.read_bytes()[:16])]
    published = {p.relative_to(site).as_posix() for p in images}
    assert {f"2023/53/{name}" for name in [*attachments, "改了扩展名.dat"]} <= published
    assert {f"2023/53/活动-{w}.{ext}" for w in (320, 480, 640) for ext in ("jpg", "webp")} & published
    assert "static/分享图.jpg" in published and "static/share.png" in published
    for path in images:
        _no_metadata(path)
    with Image.open(site / "2023/53/原图.gif") as gif, Image.open(issue.parent / "原图.gif") as original:
        assert gif.n_frames == original.n_frames == 2  # still animated
    with Image.open(site / "2023/53/原图.tif") as tiff:
        assert tiff.n_frames == 2  # every page of a scan


def test_a_photos_colours_survive_dropping_its_profile(project, tmp_path):
    """The ICC profile goes (it can name a camera or its owner); the pixels are turned into sRGB,
    which browsers assume for an image without one, so the colours stay."""
    issue = write_issue(project, "## 黑河市\n\n![会议](会议.png)\n")
    with_attachments(issue, "会议.png")
    loaded_png(issue.parent / "会议.png", 600, 400)
    build(project, tmp_path / "site", search=False)
    with Image.open(issue.parent / "会议.png") as source, Image.open(tmp_path / "site/2023/53/会议.png") as published:
        assert published.convert("RGB").tobytes() == source.convert("RGB").tobytes()  # the profile was sRGB
    with Image.open(tmp_path / "site/2023/53/会议-600.jpg") as rendition, Image.open(issue.parent / "会议.png") as source:
        assert all(abs(a - b) < 24 for a, b in zip(rendition.getpixel((300, 200)), source.convert("RGB").getpixel((300, 200))))


def _huge_phone_jpeg(folder: Path) -> None:
    """8,000 x 5,100 (40.8 megapixels) with camera model and GPS: the case the review found published as it was."""
    from photo_support import _phone_exif

    Image.new("RGB", (8000, 5100), (90, 120, 160)).save(folder / "原图.jpg", "JPEG", quality=60, exif=_phone_exif().tobytes())


def _avif(folder: Path) -> None:
    from photo_support import _phone_exif

    picture(200, 150).save(folder / "原图.avif", "AVIF", exif=_phone_exif().tobytes())


@pytest.mark.parametrize("name, make, expected", [
    ("原图.jpg", _huge_phone_jpeg, "附件“原图.jpg”有 8000×5100 像素，超过 40 百万像素"),
    ("原图.jpg", lambda d: (d / "原图.jpg").write_bytes(loaded_jpeg(d / "x.jpg").read_bytes()[:4000]), "附件“原图.jpg”已损坏或不完整"),
    ("原图.png", lambda d: (d / "原图.png").write_bytes(loaded_png(d / "x.png").read_bytes()[:-3000]), "附件“原图.png”已损坏或不完整"),
    ("原图.webp", lambda d: (d / "原图.webp").write_bytes(loaded_webp(d / "x.webp").read_bytes()[:600]), "附件“原图.webp”已损坏或不完整"),
    ("原图.gif", lambda d: (d / "原图.gif").write_bytes(loaded_gif(d / "x.gif").read_bytes()[:900]), "附件“原图.gif”已损坏或不完整"),
    ("原图.tif", lambda d: (d / "原图.tif").write_bytes(loaded_tiff(d / "x.tif").read_bytes()[:5000]), "附件“原图.tif”已损坏或不完整"),
    ("原图.png", lambda d: (d / "原图.png").write_bytes(_png_header(30000, 30000)), "超过 40 百万像素"),
    ("原图.heic", lambda d: fake_heic(d / "原图.heic"), "附件“原图.heic”是 HEIC/HEIF 图片"),
    ("原图.avif", _avif, "附件“原图.avif”是 AVIF 图片"),
    ("原图.dng", lambda d: loaded_tiff(d / "原图.dng"), "附件“原图.dng”是相机原始格式（RAW）"),
    ("照片.pdf", lambda d: fake_heic(d / "照片.pdf"), "附件“照片.pdf”是 HEIC/HEIF 图片"),  # by its bytes, not its name
])
def test_an_image_attachment_that_cannot_be_cleaned_is_refused_in_check_and_build(project, tmp_path, name, make, expected):
    issue = write_issue(project, "## 黑河市\n\n黑河市关工委召开会议。\n")
    line = with_attachments(issue, name)
    make(issue.parent)
    checked, built = _problems(project, tmp_path)
    for output in (checked, built):
        assert f"issues/2023/053.md:{line}: " in output and expected in output, output
        assert "拍摄地点" in output and "Traceback" not in output, output
    assert not (tmp_path / "site").exists()  # nothing published


@pytest.mark.parametrize("name, expected", [
    ("a\0b/原件.pdf", "附件“a\\x00b/原件.pdf”的路径中含有看不见的控制字符"),
    ("原件\x1b[31m.pdf", "附件“原件\\x1b[31m.pdf”的路径中含有看不见的控制字符"),
    ("CON.pdf", "附件“CON.pdf”是 Windows 不允许的文件名"),
    ("sub/nul", "附件“sub/nul”是 Windows 不允许的文件名"),
    ("原件.pdf.", "附件“原件.pdf.”是 Windows 不允许的文件名"),
    ("长" * 101 + ".pdf", "的文件名太长（超过 100 个字）"),
])
def test_an_attachment_path_the_site_cannot_carry_is_a_located_error(project, tmp_path, name, expected):
    """A NUL once ended check and build in a ValueError traceback; names Windows refuses would break
    the offline copy on a USB stick."""
    import json

    issue = write_issue(project, "## 黑河市\n\n黑河市关工委召开会议。\n")
    text = issue.read_text(encoding="utf-8")
    issue.write_text(text.replace("---\n\n", f"attachments: [{json.dumps(name, ensure_ascii=False)}]\n---\n\n", 1),
                     encoding="utf-8")
    checked, built = _problems(project, tmp_path)
    for output in (checked, built):
        assert "issues/2023/053.md:5: " in output and expected in output, output
        assert "\0" not in output and "\x1b" not in output and "Traceback" not in output


def test_a_cleaned_attachment_is_neither_cleaned_nor_read_again(project, tmp_path, monkeypatch):
    """The published file of a cleaned image never has the source's digest: the build compares it with
    the cleaned version's, kept in the cache, and keeps the file without reading the source."""
    from guanxin_site import images

    issue = write_issue(project, "## 黑河市\n\n黑河市关工委召开会议。\n")
    with_attachments(issue, "原图.jpg", "原件.pdf")
    loaded_jpeg(issue.parent / "原图.jpg")
    (issue.parent / "原件.pdf").write_bytes("%PDF-1.4 原件".encode())
    other = write_issue(project, "## 伊春市\n\n伊春市关工委召开会议。\n", number=54, date="2023-11-24")
    site = tmp_path / "site"
    build(project, site, search=False)
    published = (site / "2023/53/原图.jpg").stat()

    cleaned, read = [], []
    real_clean, real_read = images._reencoded, Path.read_bytes
    monkeypatch.setattr(images, "_reencoded", lambda data, fmt: cleaned.append(fmt) or real_clean(data, fmt))
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self.name) or real_read(self))
    other.write_text(other.read_text(encoding="utf-8") + "\n补记一句。\n", encoding="utf-8")  # a build, not the no-change path
    assert build(project, site, search=False).changed
    assert cleaned == [] and "原图.jpg" not in read and "原件.pdf" not in read
    assert (site / "2023/53/原图.jpg").stat().st_mtime_ns == published.st_mtime_ns
    build(project, tmp_path / "other", search=False)  # another output: from the cache, not cleaned again
    assert cleaned == [] and metadata_found((tmp_path / "other/2023/53/原图.jpg").read_bytes()) == []


def test_a_theme_image_that_cannot_be_cleaned_stops_the_build(project, tmp_path):
    write_issue(project, "## 黑河市\n\n黑河市关工委召开会议。\n")
    fake_heic(project / "templates/static/分享图.heic")
    with pytest.raises(ContentErrors) as raised:
        build(project, tmp_path / "site", search=False)
    assert "templates/static/分享图.heic: 图片“static/分享图.heic”是 HEIC/HEIF 图片" in str(raised.value)
    assert not (tmp_path / "site").exists()
