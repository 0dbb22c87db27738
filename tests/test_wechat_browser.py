"""In real Chromium: 复制到公众号 fills the clipboard (an editors' tool: in serve's preview, never on the
public site), the share hint shows in WeChat only, covers nothing and stays closed, 大字 is remembered
from page to page and fits a 360 px phone, and the 公众号 edition reads as a page with a way back; on
real builds of a filed site."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html

from archive_factory import CHINA_SETTINGS
from browser_support import Server
from guanxin_site.build import build
from guanxin_site.loader import load_project
from guanxin_site.editions import wechat
from test_wechat import long_issue

REPO = Path(__file__).resolve().parents[1]
PHONE = {"width": 360, "height": 780}
WECHAT_UA = ("Mozilla/5.0 (Linux; Android 13; V2241A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 "
             "MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64")
LINKED = """---
number: 8
total: 601
date: 2024-03-08
title: 省关工委转发有关通知
---

## 哈尔滨市

哈尔滨市关工委认真学习[中国关心下一代工作委员会](https://www.zgggw.gov.cn/)的通知精神，并转载了省关工委[公众号文章](https://mp.weixin.qq.com/s/abc)。

详情见[本站伊春市的报告](../../regions/yichun/)和[中国关工委](https://www.zgggw.gov.cn/)网站。

## 伊春市

伊春市关工委[召开会议](#伊春市)，部署下一步工作。
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    project = tmp_path_factory.mktemp("wechat") / "project"
    project.mkdir()
    shutil.copytree(REPO / "issues", project / "issues")
    (project / "site.yaml").write_text((REPO / "site.yaml").read_text(encoding="utf-8") + CHINA_SETTINGS, encoding="utf-8")
    (project / "issues" / "2024").mkdir()
    (project / "issues" / "2024" / "007.md").write_text(long_issue(10), encoding="utf-8")
    (project / "issues" / "2024" / "008.md").write_text(LINKED, encoding="utf-8")
    www = tmp_path_factory.mktemp("www")
    server = Server(www)
    build(project, www, base_url=server.url, search=False, editor_tools=True)  # as serve's preview builds it
    issues = {issue.url: issue for issue in load_project(project).issues}
    yield server.url, www, issues
    server.close()


READ_CLIPBOARD = """async () => {
  const [item] = await navigator.clipboard.read();
  return {types: item.types, html: await (await item.getType('text/html')).text(),
          text: await (await item.getType('text/plain')).text()};
}"""


def _copy(context, url: str, part: int = 0) -> dict:
    page = context.new_page()
    try:
        page.goto(url)
        button = page.locator("button.wechat-copy").nth(part)
        label = button.inner_text().replace("复制到公众号", "")
        button.click()
        status = page.locator(".wechat-status")
        status.filter(has_text="已复制").wait_for(timeout=10_000)
        assert status.inner_text() == f"已复制公众号版{label}。请到公众号编辑器的正文中粘贴（Ctrl+V）。"
        return page.evaluate(READ_CLIPBOARD)
    finally:
        page.close()


def _article(clipboard_html: str):
    doc = lxml_html.fromstring(clipboard_html)
    sections = doc.xpath("//section")
    assert sections, clipboard_html[:300]
    return sections[0]


def _check_pasteable(article) -> None:
    """What WeChat's editor keeps: inline styles only, no class, id, script, style, anchor or outside links."""
    assert article.tag == "section"
    assert not article.xpath(".//*[@class] | .//*[@id] | .//script | .//style | .//a[starts-with(@href, '#')]")
    assert not article.xpath(".//a[not(starts-with(@href, 'https://mp.weixin.qq.com/'))]")
    styled = article.xpath(".//p | .//h1 | .//h2")
    assert styled and all(e.get("style") for e in styled)


def _flat(text: str) -> str:
    return "".join(re.sub(r"\[\d+\]", "", text).split())


def test_copy_button_puts_the_edition_on_the_clipboard_as_html_and_text(browser, site):
    url, _, issues = site
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"], viewport=PHONE)
    try:
        clipboard = _copy(context, url + "2023/53/")
        assert set(clipboard["types"]) == {"text/html", "text/plain"}
        article = _article(clipboard["html"])
        _check_pasteable(article)
        text = _flat(article.text_content())
        issue = issues["2023/53/"]
        positions = [text.find(_flat(report.text)) for report in issue.reports]
        assert -1 not in positions and positions == sorted(positions)  # every report, whole and in order
        assert len(article.text_content()) < wechat.TEXT_LIMIT and len(clipboard["html"].encode()) < wechat.BYTE_LIMIT
        assert clipboard["text"].startswith("关心下一代工作\n\n（2023年第53期·总第509期）")
        assert _flat(issue.reports[-1].text) in _flat(clipboard["text"])
        assert clipboard["text"].rstrip().endswith(f"阅读原文：{url}2023/53/")
    finally:
        context.close()


def test_links_become_notes_in_the_copied_article(browser, site):
    url, _, _ = site
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    try:
        article = _article(_copy(context, url + "2024/8/")["html"])
    finally:
        context.close()
    _check_pasteable(article)
    text = " ".join(article.text_content().split())
    assert "中国关心下一代工作委员会[1]" in text and "中国关工委[1]" in text  # one address, one note
    assert "本站伊春市的报告[2]" in text and "召开会议，" in text  # the anchor link keeps only its text
    assert article.xpath(".//a/@href") == ["https://mp.weixin.qq.com/s/abc"]
    notes = [" ".join(p.text_content().split()) for p in article.xpath(".//section[h3]/p")]
    assert notes == ["[1] 中国关心下一代工作委员会：https://www.zgggw.gov.cn/",
                     f"[2] 本站伊春市的报告：{url}regions/yichun/"]


def test_each_part_of_a_long_issue_is_copied_under_the_limits(browser, site):
    url, _, issues = site
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    shown = ""
    try:
        for part in range(3):
            clipboard = _copy(context, url + "2024/7/", part)
            article = _article(clipboard["html"])
            _check_pasteable(article)
            assert len(" ".join(article.text_content().split())) < wechat.TEXT_LIMIT
            assert len(clipboard["html"].encode()) < wechat.BYTE_LIMIT
            assert article.xpath(".//h1")[0].text_content().endswith(f"（{'一二三'[part]}）")
            shown += "".join(_flat(s.text_content()) for s in article.xpath(".//section[h2]"))
    finally:
        context.close()
    expected = "".join(_flat(r.region.name + r.text) for r in issues["2024/7/"].reports)
    assert shown == expected  # all three parts together: every report, once, in order


def test_copy_falls_back_to_a_copy_event_without_the_async_clipboard(browser, site):
    url, _, issues = site
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    context.add_init_script("delete window.ClipboardItem;")
    try:
        article = _article(_copy(context, url + "2023/53/")["html"])
    finally:
        context.close()
    _check_pasteable(article)
    assert _flat(issues["2023/53/"].reports[0].text) in _flat(article.text_content())


def test_without_javascript_the_issue_page_links_to_the_edition(browser, site):
    url, _, _ = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(url + "2023/53/")
        assert not page.locator("button.wechat-copy").is_visible()
        assert not page.locator("button.text-size").is_visible()
        assert "全选（Ctrl+A）后复制" in page.locator(".wechat-edition").inner_text()
        page.get_by_role("link", name="打开公众号版").click()
        assert page.url == url + "2023/53/wechat.html"
        assert page.locator("body > section h1").inner_text() == "全省各地关工委认真学习贯彻省关工委第33次全委会议精神"
    finally:
        context.close()


# Controls the WeChat hint lies over: hit-testing the corners and centre of every link, button and field on screen.
COVERED_BY_HINT = """() => {
  const hint = document.querySelector('.wechat-hint'), covered = [];
  for (const el of document.querySelectorAll('a, button, input')) {
    const r = el.getBoundingClientRect();
    if (hint.contains(el) || !r.width || !r.height) continue;
    for (const [x, y] of [[r.left + 2, r.top + 2], [r.right - 2, r.bottom - 2], [(r.left + r.right) / 2, (r.top + r.bottom) / 2]]) {
      if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
      const top = document.elementFromPoint(x, y);
      if (top && hint.contains(top)) { covered.push(el.outerHTML.slice(0, 80)); break; }
    }
  }
  return covered;
}"""
BLOCK_STORAGE = """for (const name of ['localStorage', 'sessionStorage']) {
  Object.defineProperty(window, name, {configurable: true, get() { throw new DOMException('blocked', 'SecurityError'); }});
}"""


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}], ids=["360px", "1280px"])
@pytest.mark.parametrize("large", [False, True], ids=["normal", "大字"])
def test_share_hint_in_wechat_covers_no_control(browser, site, viewport, large):
    url, _, _ = site
    context = browser.new_context(user_agent=WECHAT_UA, viewport=viewport)
    context.add_init_script(f'localStorage.setItem("guanxin-large-text", "{int(large)}");')
    page = context.new_page()
    try:
        page.goto(url + "2023/53/")
        hint = page.locator(".wechat-hint")
        assert hint.is_visible() and hint.inner_text().startswith("点右上角 ··· 可分享给朋友")
        assert page.locator("html").get_attribute("class") == ("large-text" if large else None)
        assert hint.evaluate("e => getComputedStyle(e).position") == "static"  # in the flow: it moves nothing over
        for y in (0, 300):  # at the top, and scrolled a little
            page.evaluate(f"window.scrollTo(0, {y})")
            assert page.evaluate(COVERED_BY_HINT) == [], y
        header = page.locator(".site-header").bounding_box()
        assert hint.bounding_box()["y"] >= header["y"] + header["height"]  # below the site name and 大字
        close = page.get_by_role("button", name="关闭提示")
        box = close.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
    finally:
        context.close()


def test_share_hint_once_closed_stays_closed_even_without_storage(browser, site):
    url, _, _ = site
    for blocked in (False, True):
        context = browser.new_context(user_agent=WECHAT_UA, viewport=PHONE)
        if blocked:  # storage refused (as some WebViews and private modes do): a cookie remembers instead
            context.add_init_script(BLOCK_STORAGE)
        page = context.new_page()
        try:
            page.goto(url + "2023/53/")
            page.get_by_role("button", name="关闭提示").click()
            assert not page.locator(".wechat-hint").is_visible()
            page.reload()
            page.wait_for_load_state("load")
            assert not page.locator(".wechat-hint").is_visible(), blocked
            other = context.new_page()  # a new WeChat page, as opening another shared link makes
            other.goto(url + "2024/8/")
            assert other.locator(".wechat-hint").count() == 1 and not other.locator(".wechat-hint").is_visible(), blocked
            if blocked:
                assert "guanxin-share-hint=closed" in page.evaluate("document.cookie")
        finally:
            context.close()


def test_share_hint_shows_in_wechat_only(browser, site):
    url, _, _ = site
    other = browser.new_context(viewport=PHONE)
    page = other.new_page()
    try:
        page.goto(url + "2023/53/")
        page.wait_for_load_state("load")
        assert not page.locator(".wechat-hint").is_visible()
    finally:
        other.close()


# Records, when <body> first appears, whether 大字 is already on: then the first paint has it.
BEFORE_BODY = """
window.__largeBeforeBody = null;
new MutationObserver(function (changes, observer) {
  if (document.body) {
    window.__largeBeforeBody = document.documentElement.classList.contains('large-text');
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


def _pages(www: Path) -> list[str]:
    pages = []
    for path in sorted(www.rglob("*.html")):
        rel = path.relative_to(www).as_posix()
        pages.append(rel[: -len("index.html")] if rel.endswith("index.html") else rel)
    return pages


def test_large_text_is_remembered_applied_before_paint_and_fits_a_phone(browser, site):
    url, www, _ = site
    context = browser.new_context(viewport=PHONE)
    context.add_init_script(BEFORE_BODY)
    page = context.new_page()
    try:
        page.goto(url)
        assert page.evaluate("window.__largeBeforeBody") is False
        normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        button = page.get_by_role("button", name="大字", exact=True)  # a toggle keeps its name; aria-pressed tells
        assert button.inner_text() == "大字" and button.get_attribute("aria-pressed") == "false"
        button.click()
        assert button.get_attribute("aria-pressed") == "true"
        assert button.inner_text().split() == ["大字：开", "点此恢复"]  # when on, it says how to turn it off
        assert page.evaluate("getComputedStyle(document.querySelector('.text-size')).backgroundColor") == "rgb(0, 0, 0)"
        large = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert large >= normal * 1.25
        page.goto(url + "2024/7/")  # the preview's copy box: 打开公众号版（一） stays on one line
        lines = page.evaluate("""Array.from(document.querySelectorAll('.wechat-parts a')).map(a =>
            new Set(Array.from(a.getClientRects()).map(r => Math.round(r.top))).size)""")
        assert lines == [1, 1, 1]
        wide = {}
        for rel in _pages(www):
            page.goto(url + rel)
            assert page.evaluate("window.__largeBeforeBody") is True, rel  # the 公众号 edition honours it too
            assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"] or wide.setdefault(rel, True)
        assert wide == {}
        page.locator("button.text-size").click()
        page.goto(url + "archive/")
        assert page.evaluate("window.__largeBeforeBody") is False  # switched off: remembered too
    finally:
        context.close()


DOUBLE_TEXT = "html { font-size: 200% !important; } body { font-size: 34px !important; }"


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}], ids=["360px", "1280px"])
def test_text_at_twice_its_size_does_not_break_the_layout(browser, site, viewport):
    url, _, _ = site
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        for rel in ("", "2023/53/", "2024/8/", "archive/", "regions/yichun/", "stats/", "search/"):
            page.goto(url + rel)
            page.add_style_tag(content=DOUBLE_TEXT)
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], rel
            # The header's parts stay apart: nothing overlaps the site name or the 大字 button.
            boxes = [page.locator(s).first.bounding_box() for s in (".site-name", "button.text-size", ".site-header nav")]
            assert None not in boxes, (rel, boxes)
            for a, b in ((0, 1), (1, 2)):
                overlap = not (boxes[a]["x"] + boxes[a]["width"] <= boxes[b]["x"] or boxes[b]["x"] + boxes[b]["width"] <= boxes[a]["x"]
                               or boxes[a]["y"] + boxes[a]["height"] <= boxes[b]["y"] or boxes[b]["y"] + boxes[b]["height"] <= boxes[a]["y"])
                assert not overlap, (rel, boxes)
    finally:
        context.close()


def test_footer_shows_the_filings_linked_to_their_registries(browser, site):
    url, _, _ = site
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(url + "2023/53/")
        footer = page.locator(".footer-filing")
        assert footer.locator("a").nth(0).inner_text() == "黑ICP备12345678号-1"
        assert footer.locator("a").nth(0).get_attribute("href") == "https://beian.miit.gov.cn/"
        assert footer.locator("a").nth(1).inner_text() == "黑公网安备23010202000001号"
        assert footer.locator("a").nth(1).get_attribute("href") == \
            "https://beian.mps.gov.cn/#/query/webSearch?code=23010202000001"
        assert "网站标识码：2300000001" in footer.inner_text()
        assert footer.is_visible()
    finally:
        page.close()


def test_serve_preview_offers_the_same_copy_button(browser, tmp_path):
    """`serve` adds its live-reload script to every page, wechat.html too: the copy takes the article alone."""
    from test_serve import new_project, start_server, stop_server

    server = start_server(new_project(tmp_path / "project"))
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    try:
        clipboard = _copy(context, server.url + "2023/53/")
    finally:
        context.close()
        stop_server(server)
    article = _article(clipboard["html"])
    _check_pasteable(article)
    assert "__livereload" not in clipboard["html"] and "<script" not in clipboard["html"]
    assert "伊春市关工委于11月9日" in article.text_content()


def test_pasting_into_an_editor_keeps_the_article_styles(browser, site):
    """Ctrl+V into a contenteditable, as into WeChat's editor: sections, headings and indented, justified paragraphs."""
    url, _, issues = site
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        page.goto(url + "2023/53/")
        page.locator("button.wechat-copy").click()
        page.locator(".wechat-status").filter(has_text="已复制").wait_for(timeout=10_000)
        page.goto("about:blank")
        page.set_content('<div id="editor" contenteditable="true" style="width: 578px"></div>')
        page.focus("#editor")
        page.keyboard.press("Control+V")
        page.wait_for_function("document.getElementById('editor').textContent.length > 1000")
        pasted = lxml_html.fragment_fromstring(page.eval_on_selector("#editor", "e => e.innerHTML"), create_parent="div")
    finally:
        context.close()
    assert [h.text_content() for h in pasted.xpath(".//h2")] == [r.region.name for r in issues["2023/53/"].reports]
    paragraphs = pasted.xpath(".//section[h2]/p")
    assert len(paragraphs) >= len(issues["2023/53/"].reports)
    for p in paragraphs:
        style = p.get("style").replace(" ", "")
        assert "text-indent:2em" in style and "text-align:justify" in style
    title = pasted.xpath(".//section/p")[0]
    assert title.text_content() == "关心下一代工作" and "color:rgb(192,0,0)" in title.get("style").replace(" ", "")


def test_axe_finds_no_serious_violation_with_large_text_on(browser, site):
    url, _, _ = site
    axe = (REPO / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
    context = browser.new_context(viewport=PHONE)
    context.add_init_script('try { localStorage.setItem("guanxin-large-text", "1"); } catch (e) {}')
    context.add_init_script(axe)
    page = context.new_page()
    problems = {}
    try:
        for rel in ("", "2023/53/", "2024/8/", "regions/yichun/", "stats/", "search/"):
            page.goto(url + rel)
            assert page.locator("button.text-size").get_attribute("aria-pressed") == "true"
            result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
            serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
            if serious:
                problems[rel] = serious
    finally:
        context.close()
    assert problems == {}


def _edition_tools(page_file: Path) -> list[str]:
    doc = lxml_html.fromstring(page_file.read_bytes())
    return [e.tag for e in doc.xpath("//*[contains(@class, 'wechat-edition') or contains(@class, 'wechat-copy')]")] + \
        [word for word in ("复制到公众号", "Ctrl+V", "Ctrl+A") if word in doc.text_content()]


def test_the_public_site_carries_no_editors_tool_and_never_reuses_a_preview_page(shipped_project, tmp_path):
    """The 公众号版 box is for editors (serve's preview); a public build after a preview renders the page anew."""
    out = tmp_path / "site"
    issue_page = out / "2023" / "53" / "index.html"
    build(shipped_project, out, search=False, editor_tools=True)
    assert "复制到公众号" in _edition_tools(issue_page)
    result = build(shipped_project, out, search=False)  # same inputs, same folder: only the option differs
    assert not result.inputs_unchanged and result.rendered >= 1
    assert _edition_tools(issue_page) == []
    for page_file in out.rglob("*.html"):
        assert _edition_tools(page_file) == [], page_file
    assert (out / "2023" / "53" / "wechat.html").is_file()  # the edition itself is still published
    build(shipped_project, out, search=False, editor_tools=True)
    assert "复制到公众号" in _edition_tools(issue_page)


def test_the_edition_page_has_a_way_back_honours_large_text_and_links_its_original(browser, site):
    url, _, _ = site
    context = browser.new_context(viewport=PHONE, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    failed = []
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    try:
        page.goto(url + "2023/53/wechat.html")
        original = page.locator("body > section p", has_text="阅读原文").locator("a")
        assert original.get_attribute("href") == original.inner_text() == url + "2023/53/"
        icon = page.evaluate("document.querySelector('link[rel=icon]').href")
        assert icon == url + "static/favicon.svg" and page.request.get(icon).ok  # no favicon 404
        title, text = page.locator("body > section h1"), page.locator("body > section > section:nth-of-type(2) p").first
        normal = [title.bounding_box(), text.bounding_box()]
        page.get_by_role("button", name="大字", exact=True).click()
        assert text.bounding_box()["height"] >= normal[1]["height"] * 1.25  # more lines of larger text
        assert title.bounding_box()["height"] > normal[0]["height"]
        masthead = page.locator("body > section p").first  # the red 关心下一代工作 keeps to one line
        assert masthead.bounding_box()["height"] < 2 * float(masthead.evaluate("e => getComputedStyle(e).fontSize")[:-2])
        assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
        # Select all and copy, as the editors' guide says: the way back and 大字 are not taken along.
        page.keyboard.press("Control+A")
        page.keyboard.press("Control+C")
        copied = page.evaluate(READ_CLIPBOARD)
        assert "返回本期网页版" not in copied["text"] and "大字" not in copied["text"]
        assert "关心下一代工作" in copied["text"]
        page.get_by_role("link", name="← 返回本期网页版").click()
        assert page.url == url + "2023/53/"
        assert page.locator("html").get_attribute("class") == "large-text"  # remembered back on the site
        page.goto(url + "2024/7/wechat-2.html")  # a later part leads back to its issue too
        page.get_by_role("link", name="← 返回本期网页版").click()
        assert page.url == url + "2024/7/"
        assert failed == []
    finally:
        context.close()
