"""The 公众号 edition (editions/wechat.py, templates/wechat.html): the transform of the shared
report HTML, the split of long issues into parts, the inlined styles, on real builds."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import assume, example, given, strategies as st
from lxml import html as lxml_html

from archive_factory import REGIONS, SENTENCES
from photo_support import phone_jpeg
from guanxin_site.build import build
from guanxin_site.loader import load_project
from guanxin_site.editions import wechat
from guanxin_site.models import html_text
from guanxin_site.parser import markdown

REPO = Path(__file__).resolve().parents[1]
BASE = "https://example.org/guanxin/"


# -- transform: links, lists, images ----------------------------------------------------------------

def test_links_become_text_with_numbered_notes_and_anchor_links_lose_their_address():
    html = ('<p>见<a href="https://www.gov.cn/a">国务院通知</a>和<a href="#yichun">伊春</a>，'
            '又见<a href="https://www.gov.cn/a">同一通知</a>与<a href="../../regions/heihe/">黑河市的报告</a>。</p>')
    notes = wechat._Notes()
    out, images = wechat.transform(html, notes, BASE + "2023/53/")
    assert images == 0
    assert "<a" not in out and "href" not in out
    assert out == ('<p>见国务院通知<sup class="note-ref">[1]</sup>和伊春，又见同一通知<sup class="note-ref">[1]</sup>'
                   '与黑河市的报告<sup class="note-ref">[2]</sup>。</p>')
    assert notes.notes == (wechat.Note(1, "https://www.gov.cn/a", "国务院通知"),
                           wechat.Note(2, BASE + "regions/heihe/", "黑河市的报告"))


def test_a_link_whose_text_is_its_address_needs_no_note():
    notes = wechat._Notes()
    out, _ = wechat.transform(markdown().render("网址：<https://www.gov.cn/a>。"), notes, BASE)
    assert out == "<p>网址：https://www.gov.cn/a。</p>\n" and notes.notes == ()


def test_links_to_wechat_articles_stay_links():
    out, _ = wechat.transform('<p>转载自<a href="https://mp.weixin.qq.com/s/abc">省关工委<em>公众号</em></a>。</p>')
    assert out == '<p>转载自<a href="https://mp.weixin.qq.com/s/abc">省关工委<em>公众号</em></a>。</p>'


def test_list_items_carry_their_marker_as_text():
    out, _ = wechat.transform(markdown().render("- 抓学习\n- 抓贯彻\n\n3. 第三\n4. 第四\n"))
    doc = lxml_html.fragment_fromstring(out, create_parent="div")
    assert [li.text_content() for li in doc.iter("li")] == ["• 抓学习", "• 抓贯彻", "3. 第三", "4. 第四"]


def test_images_keep_an_absolute_address_only_when_the_site_has_one():
    html = '<p><img src="合影.jpg" alt="座谈会合影"></p>'
    with_base, count = wechat.transform(html, None, BASE + "2023/53/")
    assert count == 1 and with_base == (f'<p><img src="{BASE}2023/53/合影.jpg" alt="座谈会合影">'
                                        '<span class="image-caption">座谈会合影</span></p>')
    in_figure, _ = wechat.transform('<figure><img src="a.jpg" alt="合影"><figcaption>合影</figcaption></figure>', None, BASE)
    assert in_figure == f'<figure><img src="{BASE}a.jpg" alt="合影"><figcaption>合影</figcaption></figure>'
    photo = ('<figure class="photo">\n<picture><source type="image/webp" srcset="a-480.webp 480w, a-960.webp 960w" '
             'sizes="100vw"><img src="a-960.jpg" srcset="a-480.jpg 480w, a-960.jpg 960w" sizes="100vw" width="1200" '
             'height="800" alt="合影" loading="lazy" decoding="async"></picture>\n<figcaption>座谈会合影</figcaption>\n</figure>\n')
    out, count = wechat.transform(photo, None, BASE + "2023/53/")  # a photo as images.py writes it
    assert count == 1 and out == (f'<figure>\n<img src="{BASE}2023/53/a-960.jpg" alt="合影">\n'
                                  '<figcaption>座谈会合影</figcaption>\n</figure>\n')
    without, count = wechat.transform(html, None, None)
    assert count == 0 and "<img" not in without and "［图片：座谈会合影］" in without


def test_without_a_base_url_a_photo_is_described_once_not_again_above_its_caption(tmp_path):
    """Issue 21: the bracket repeated the caption that follows it; a description unlike the caption stays."""
    same, _ = wechat.transform('<figure><img src="a.jpg" alt="座谈会合影"><figcaption>座谈会合影</figcaption></figure>')
    assert same == '<figure><span class="image-missing">［图片］</span><figcaption>座谈会合影</figcaption></figure>'
    other, _ = wechat.transform('<figure><img src="a.jpg" alt="活动现场"><figcaption>座谈会合影</figcaption></figure>')
    assert "［图片：活动现场］" in other
    project = tmp_path / "project"
    (project / "issues").mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", project / "site.yaml")
    (project / "site.yaml").write_text((REPO / "site.yaml").read_text(encoding="utf-8").replace("base_url:", "# base_url:"),
                                       encoding="utf-8")
    photo_project = (project / "issues" / "2024" / "005.md")
    photo_project.parent.mkdir(parents=True)
    phone_jpeg(photo_project.parent / "合影.jpg", 800, 600)
    photo_project.write_text("---\nnumber: 5\ndate: 2024-03-01\ntitle: 座谈会\n---\n\n## 黑河市\n\n"
                             "黑河市关工委召开座谈会。\n\n![座谈会合影](合影.jpg)\n", encoding="utf-8")
    out = tmp_path / "site"
    build(project, out, search=False)
    _, article = _article(out / "2024/5/wechat.html")
    text = _text(article)
    assert "［图片］ 座谈会合影" in text or "［图片］座谈会合影" in text
    assert text.count("座谈会合影") == 1


@given(st.text(alphabet=st.sampled_from("关心下一代 *_[]()<>&#-\n\\`!:/.hw"), max_size=200))
def test_transform_keeps_every_character_of_the_text(source):
    """Whatever markdown an editor writes, the edition shows the same text (plus note markers and list markers)."""
    html = markdown().render(source)
    out, _ = wechat.transform(html, wechat._Notes(), BASE)
    shown = re.sub(r"\[\d+\]|•|\d+\.", "", html_text(out))
    assert "".join(shown.split()) == "".join(re.sub(r"\d+\.", "", html_text(html)).split())


@given(st.text(alphabet=st.sampled_from("关心 *_>`#&<\"'\n"), max_size=120))
@example("```<")  # a fenced code block's language: a class attribute
def test_reports_without_links_lists_images_or_tables_pass_through_unchanged(source):
    """The shortcut in transform(): such HTML would come out of the full transform with the same text and tags
    (but for class attributes, which the full transform drops and the styles' inlining drops from both:
    a fenced code block's language, ```<)."""
    html = markdown().render(source)
    assume(not wechat._NEEDS_TRANSFORM.search(html))
    out, _ = wechat.transform(html)
    assert out == html
    parser = wechat._Transform(wechat._Notes(), None)
    parser.feed(html)
    parser.close()
    full = "".join(parser.out)
    assert html_text(full) == html_text(html)
    tags = lambda text: re.findall(r"<[^>]*>", re.sub(r'\s*/>| class="[^"]*"', lambda m: "" if "class" in m.group() else ">", text))  # noqa: E731  (<hr /> is <hr> in HTML)
    assert tags(full) == tags(html)


def test_blocks_cover_the_report_html_exactly():
    html = markdown().render("第一段。\n\n- 一\n- 二\n\n> 引文\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n第二段<br>。\n")
    pieces = wechat.blocks(html)
    assert "".join(pieces) == html.rstrip("\n") or "".join(pieces) == html
    assert [p.strip()[:3] for p in pieces] == ["<p>", "<ul", "<bl", "<ta", "<p>"]


# -- inline(): the stylesheet moved into style attributes ---------------------------------------------

def test_inline_moves_rules_into_style_attributes_and_drops_classes():
    out = wechat.inline('<style>.wx p { text-indent: 2em; } .wx .note-ref { color: #9d0000; }</style>'
                        '<section class="wx"><p>正文<sup class="note-ref">[1]</sup></p></section>')
    assert out == ('<section><p style="text-indent: 2em;">正文<sup style="color: #9d0000;">[1]</sup></p></section>')


def test_inline_reads_tags_as_the_tag_pattern_does_wherever_they_stand():
    """StyleTable.apply finds tags by "<" and ">" and remembers each tag's text: a "<" that starts no
    tag, a comment holding ">", and a quoted value holding ">" (twice, the second time where the first
    ">" is not the tag's end) are read as re.sub over _TAG reads them."""
    tricky = '<span title="x>y" class="b">z</span>'
    out = wechat.inline('<style>.a { color: red; } .b { color: blue; } .a .b { margin: 0; }</style>'
                        f'<p class="a">1 < 2 <!-- a > b --> {tricky}</p>{tricky}<p class="a">再</p>')
    assert out == ('<p style="color: red;">1 < 2 <!-- a > b --> '
                   '<span title="x>y" style="color: blue;margin: 0;">z</span></p>'
                   '<span title="x>y" style="color: blue;">z</span><p style="color: red;">再</p>')


def _styles(html: str) -> list[tuple[str, str | None]]:
    """Each element's tag and style, in document order (css-inline adds the <tbody> HTML implies)."""
    doc = lxml_html.fragment_fromstring(html, create_parent="div")
    return [(e.tag, e.get("style")) for e in doc.iter() if isinstance(e.tag, str) and e.tag != "tbody"]


RICH_ISSUE = ("---\nnumber: 8\ndate: 2024-03-08\ntitle: 各种写法\n---\n\n## 黑河市\n\n"
              "黑河市关工委见[通知](https://www.gov.cn/a)和[公众号](https://mp.weixin.qq.com/s/x)。\n\n"
              "- 抓学习\n- 抓贯彻\n\n3. 第三\n4. 第四\n\n> 引文，**加重**与*强调*。\n\n"
              "| 县 | 人数 |\n|:---|---:|\n| 爱辉 | 12 |\n\n![座谈会合影](合影.jpg)\n\n结尾。\n")


def test_the_style_table_gives_every_element_what_css_inline_gives_it(tmp_path, monkeypatch):
    """The edition's styles come from a table built once (StyleTable), not from css-inline per page: on whole
    editions (masthead, reports, lists, an aligned table, images, notes, parts), element by element, the same."""
    import css_inline

    fragments: list[str] = []
    table_of = wechat.StyleTable.of
    monkeypatch.setattr(wechat, "StyleTable", _Recording(wechat.StyleTable, fragments))
    project = _project(tmp_path, long_issue(5))
    (project / "issues/2024/008.md").write_text(RICH_ISSUE, encoding="utf-8")
    phone_jpeg(project / "issues/2024/合影.jpg", 800, 600)
    build(project, tmp_path / "site", base_url=BASE, search=False)
    assert len(fragments) == 3  # the long issue's two parts, and the issue of every kind of block
    css = (REPO / "templates" / "_wechat.css").read_text(encoding="utf-8")
    for fragment in fragments:
        expected = wechat._CLASS.sub("", css_inline.inline_fragment(fragment, css))
        assert _styles(table_of(css).apply(fragment)) == _styles(expected)
    rich = next(f for f in fragments if "<table" in f)
    assert "text-align:right" in rich and "<img" in rich and "<li>" in rich  # the cell's own style is kept, last


class _Recording:
    """StyleTable, recording the HTML each edition page asks it to style."""

    def __init__(self, real, seen: list[str]):
        self.real, self.seen = real, seen

    def of(self, css: str):
        table = self.real.of(css)
        seen = self.seen

        class Recorded:
            def apply(self, html: str) -> str:
                seen.append(html)
                return table.apply(html)

        return Recorded()


def test_a_stylesheet_the_table_cannot_follow_is_inlined_by_css_inline():
    """A project's own _wechat.css may use selectors beyond tags, classes and descendants."""
    css = ".wx p:first-child { color: red; } .wx > p { margin: 0; }"
    assert wechat.StyleTable.of(css) is None
    out = wechat.inline(f"<style>{css}</style><section class=\"wx\"><p>一</p><p>二</p></section>")
    assert out == '<section><p style="margin: 0;color: red;">一</p><p style="margin: 0;">二</p></section>'


# -- long issues: parts ------------------------------------------------------------------------------

def long_issue(paragraphs: int, *, single_region: bool = False) -> str:
    """An issue of every region (or one region) with `paragraphs` long paragraphs each, some with links."""
    lines = ["---", "number: 7", "total: 600", "date: 2024-03-01", "title: 全省各地关工委工作综述（长篇）", "---", ""]
    regions = REGIONS[:1] if single_region else REGIONS
    for n, region in enumerate(regions):
        lines += [f"## {region}", ""]
        for p in range(paragraphs):
            text = "".join(SENTENCES[(n + p + k) % len(SENTENCES)] for k in range(8))
            if p % 3 == 0:
                text += f"详见[{region}关工委网站](https://example.gov.cn/{n}/{p}.html)。"
            lines += [(f"{region}关工委" if p == 0 else "") + text, ""]
    return "\n".join(lines)


def _project(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "project"
    (root / "issues" / "2024").mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    (root / "issues" / "2024" / "007.md").write_text(text, encoding="utf-8")
    return root


def _article(path: Path):
    doc = lxml_html.fromstring(path.read_bytes())
    return doc, doc.body.xpath("./section")[0]


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _check_wechat_rules(article) -> None:
    """What the editor keeps: inline styles only, no anchor links, sections, indented justified paragraphs."""
    assert not article.xpath(".//*[@class] | .//*[@id] | .//script | .//style | .//a[starts-with(@href, '#')]")
    # Other links become notes; the one exception is the 阅读原文 address, a link for a reader of the page,
    # pasted as its text (wechat-copy.js; WeChat's editor drops such links itself).
    assert not article.xpath(".//a[not(contains(@href, 'mp.weixin.qq.com'))][not(parent::p[starts-with(., '阅读原文：')])]")
    for p in article.xpath(".//section[h2]/p"):
        style = p.get("style")
        assert "text-indent: 2em" in style and "text-align: justify" in style, style


def test_a_long_issue_is_split_into_parts_at_report_boundaries(tmp_path):
    project = _project(tmp_path, long_issue(10))
    out = tmp_path / "site"
    build(project, out, base_url=BASE, search=False)
    issue = load_project(project).issues[0]
    parts = sorted((out / "2024" / "7").glob("wechat*.html"))
    assert [p.name for p in parts] == ["wechat-2.html", "wechat-3.html", "wechat.html"]
    parts = [out / "2024/7/wechat.html", out / "2024/7/wechat-2.html", out / "2024/7/wechat-3.html"]
    headings, texts = [], []
    for number, path in enumerate(parts, 1):
        doc, article = _article(path)
        _check_wechat_rules(article)
        text = _text(article)
        assert len(text) < wechat.TEXT_LIMIT, (path.name, len(text))
        assert len(path.read_bytes()) < wechat.BYTE_LIMIT
        assert f"全省各地关工委工作综述（长篇）（{'一二三'[number - 1]}）" in article.xpath(".//h1")[0].text_content()
        assert f"阅读原文：{BASE}2024/7/" in text
        headings += [h.text_content() for h in article.xpath(".//section/h2")]
        texts += [_text(s) for s in article.xpath(".//section[h2]")]
        notes = [p.text_content() for p in article.xpath(".//section[h3='引用链接']/p")]
        assert notes and all(re.match(r"\[\d+\] .+：https://example\.gov\.cn/", n) for n in notes)
    assert headings == list(REGIONS)  # every report once, in order, none cut
    for report, shown in zip(issue.reports, texts):
        plain = re.sub(r"\[\d+\]", "", shown)
        assert " ".join(report.text.split()).replace(" ", "") in plain.replace(" ", "")


def test_a_single_report_longer_than_an_article_continues_under_a_continued_heading(tmp_path):
    project = _project(tmp_path, long_issue(60, single_region=True))
    out = tmp_path / "site"
    build(project, out, base_url=BASE, search=False)
    issue = load_project(project).issues[0]
    parts = sorted((out / "2024" / "7").glob("wechat*.html"), key=lambda p: (len(p.name), p.name))
    assert len(parts) >= 2
    shown = ""
    for path in [out / "2024/7/wechat.html"] + [out / f"2024/7/wechat-{n}.html" for n in range(2, len(parts) + 1)]:
        _, article = _article(path)
        _check_wechat_rules(article)
        assert len(_text(article)) < wechat.TEXT_LIMIT
        for section in article.xpath(".//section[h2]"):
            assert section.xpath("h2")[0].text_content() in (REGIONS[0], f"{REGIONS[0]}（续）")
            shown += "".join(p.text_content() for p in section.xpath("p"))
    assert re.sub(r"\[\d+\]", "", shown) == "".join(issue.reports[0].text.split("\n"))


def test_two_parts_are_called_upper_and_lower(tmp_path):
    assert [wechat.part_label(n, 1) for n in (1,)] == [""]
    assert [wechat.part_label(n, 2) for n in (1, 2)] == ["（上）", "（下）"]
    assert [wechat.part_label(n, 4) for n in (1, 2, 3, 4)] == ["（一）", "（二）", "（三）", "（四）"]
    project = _project(tmp_path, long_issue(5))  # about 21,600 characters of reports
    out = tmp_path / "site"
    build(project, out, base_url=BASE, search=False)
    assert sorted(p.name for p in (out / "2024/7").glob("wechat*.html")) == ["wechat-2.html", "wechat.html"]
    first, second = (_article(out / "2024/7" / name)[1] for name in ("wechat.html", "wechat-2.html"))
    assert first.xpath(".//h1")[0].text_content().endswith("（上）") and second.xpath(".//h1")[0].text_content().endswith("（下）")
    assert "（未完，见下篇）" in _text(first) and "这是第2篇，接上篇" in _text(second)


def test_the_shipped_issue_is_one_article_with_every_report_in_order(shipped_project, tmp_path):
    out = tmp_path / "site"
    build(shipped_project, out, base_url=BASE, search=False)
    issue = load_project(shipped_project).issues[0]
    assert not (out / "2023/53/wechat-2.html").exists()
    doc, article = _article(out / "2023/53/wechat.html")
    _check_wechat_rules(article)
    assert doc.xpath("//meta[@name='robots']/@content") == ["noindex"]
    assert doc.xpath("//link[@rel='canonical']/@href") == [BASE + "2023/53/"]
    masthead = article.xpath("./section")[0]
    assert masthead.xpath("./p")[0].text_content() == "关心下一代工作"
    assert "color: #c00000" in masthead.xpath("./p")[0].get("style")
    assert not article.xpath(".//img")  # the masthead is text, not a picture
    assert [h.text_content() for h in article.xpath(".//section/h2")] == [r.region.name for r in issue.reports]
    text = _text(article)
    positions = [text.find(" ".join(r.text.split())[:60]) for r in issue.reports]
    assert -1 not in positions and positions == sorted(positions)
    assert text.endswith(f"阅读原文：{BASE}2023/53/")
    # The edition repeats the issue page: not in the sitemap.
    assert "wechat" not in (out / "sitemap.xml").read_text(encoding="utf-8")


def test_without_a_base_url_the_edition_has_no_address_to_give(shipped_project, tmp_path):
    out = tmp_path / "site"
    build(shipped_project, out, search=False)
    doc, article = _article(out / "2023/53/wechat.html")
    assert "阅读原文" not in _text(article)
    assert not doc.xpath("//link[@rel='canonical']")


def test_the_issue_page_offers_one_copy_button_per_part(tmp_path):
    project = _project(tmp_path, long_issue(10))
    out = tmp_path / "site"
    build(project, out, base_url=BASE, search=False, editor_tools=True)  # the box is an editors' tool: serve's preview
    doc = lxml_html.fromstring((out / "2024/7/index.html").read_bytes())
    buttons = doc.xpath("//button[contains(@class, 'wechat-copy')]")
    assert [b.text_content() for b in buttons] == ["复制到公众号（一）", "复制到公众号（二）", "复制到公众号（三）"]
    assert all(b.get("hidden") is not None for b in buttons)  # shown by the script; without it, the links beside them
    links = [b.getparent().xpath("a/@href")[0] for b in buttons]  # the part each button copies
    assert links == ["wechat.html", "wechat-2.html", "wechat-3.html"]
    assert "全选（Ctrl+A）后复制" in doc.xpath("//aside[contains(@class, 'wechat-edition')]")[0].text_content()


def test_the_fast_path_of_planning_agrees_with_measuring(generated_project, tmp_path, monkeypatch):
    """plan() skips measuring when lengths alone prove an issue fits; measuring must then give one part too."""
    issues = load_project(generated_project).issues
    fast = [wechat.plan(issue, BASE) for issue in issues]
    assert all(edition.count == 1 for edition in fast)
    with monkeypatch.context() as patch:
        patch.setattr(wechat, "_surely_fits", lambda pieces: False)
        measured = [wechat.plan(issue, BASE) for issue in issues]
    assert [e.groups for e in measured] == [e.groups for e in fast]
    # Only a shortcut: an issue past its bound is measured (and split).
    long = load_project(_project(tmp_path, long_issue(10))).issues[0]
    assert not wechat._surely_fits([(r.region.name, r.html) for r in long.reports]) and wechat.plan(long, BASE).count == 3
