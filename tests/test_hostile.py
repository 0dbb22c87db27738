"""Hostile content: XSS payloads everywhere an editor can type, checked in headless Chromium.

Every payload tries to set window.__xss or open a dialog. The test builds a real
site from them, serves it over HTTP, opens every page, clicks every link in the
reports and asserts that nothing ran, that payloads are shown as text, and that
no link in the site can run script.
"""
from __future__ import annotations

import base64
import shutil
from pathlib import Path

import lxml.html
import pytest
from PIL import Image
from click.testing import CliRunner
from lxml import etree
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from browser_support import Server
from guanxin_site.cli import main

REPO = Path(__file__).resolve().parents[1]
RUN = "window.__xss=1;alert(1)"

# Markdown body payloads: raw HTML, event handlers, SVG, and links with script schemes,
# plain and obfuscated (case, entities, whitespace, control characters, percent-encoding).
BODY_PAYLOADS = [
    f"<script>{RUN}</script>",
    f'<img src=x onerror="{RUN}">',
    f'<svg onload="{RUN}"></svg>',
    f"<svg><script>{RUN}</script></svg>",
    f'<iframe src="javascript:{RUN}"></iframe>',
    f'<a href="javascript:{RUN}">原始链接</a>',
    f'<details open ontoggle="{RUN}">x</details>',
    f'<body onload="{RUN}">',
    f"<style>@import 'javascript:{RUN}';</style>",
    f"<!-- --><script>{RUN}</script>",
    f'<math><mtext><table><mglyph><style><img src=x onerror="{RUN}">',
    f"[链接1](javascript:{RUN})",
    f"[链接2](JaVaScRiPt:{RUN})",
    f"[链接3](jav&#x61;script:{RUN})",
    f"[链接4](&#106;avascript:{RUN})",
    f"[链接5](&#x6A&#x61vascript:{RUN})",
    f"[链接6](<java\tscript:{RUN}>)",
    f"[链接7](java%0ascript:{RUN})",
    f"[链接8](\\javascript:{RUN})",
    "[链接9](vbscript:msgbox(1))",
    "[链接10](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
    "[链接11](data:text/html,<script>window.__xss=1</script>)",
    "![图1](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9IndpbmRvdy5fX3hzcz0xIj48L3N2Zz4=)",
    f"![图2\" onerror=\"{RUN}](x.png)",
    f'[链接12](https://example.org/ "\\" onmouseover=\\"{RUN}")',
    f"<javascript:{RUN}>",
    f"[链接13][ref]\n\n[ref]: javascript:{RUN}",
    f"[链接14](javascript&colon;{RUN})",
    f"[链接15](\x01javascript:{RUN})",
    "`<script>window.__xss=1</script>`",
    f"```html\n<script>{RUN}</script>\n```",
]

HOSTILE_TITLE = f"</title><script>{RUN}</script>标题"
HOSTILE_SUMMARY = f'" onfocus="{RUN}" autofocus="'
HOSTILE_PUBLISHER = f"<img src=x onerror={RUN}>编印单位"


def yaml_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def issue(number: int, date: str, title: str, extra: list[str], paragraphs: list[str], region: str) -> str:
    front = [f"number: {number}", f"date: {date}", f"title: {yaml_quote(title)}", *extra]
    body = "\n\n".join(paragraphs)
    return "---\n" + "\n".join(front) + f"\n---\n\n导语：{paragraphs[0]}\n\n## {region}\n\n{body}\n\n## 伊春市\n\n铁力市关工委。{body}\n"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("hostile")
    (project / "issues/2023").mkdir(parents=True)
    Image.new("RGB", (64, 48), (200, 0, 0)).save(project / "issues/2023/x.png")  # a real photo: its alt is hostile
    (project / "site.yaml").write_text(
        f"title: {yaml_quote('<script>' + RUN + '</script>关心下一代工作')}\n"
        f"publisher: {yaml_quote(HOSTILE_PUBLISHER)}\n"
        f"description: {yaml_quote(HOSTILE_SUMMARY)}\n", encoding="utf-8")
    half = len(BODY_PAYLOADS) // 2
    (project / "issues/2023/052.md").write_text(
        issue(52, "2023-11-10", "第52期" + HOSTILE_TITLE, [f"summary: {yaml_quote(HOSTILE_SUMMARY)}"],
              BODY_PAYLOADS[:half], "黑河市"), encoding="utf-8")
    (project / "issues/2023/053.md").write_text(
        issue(53, "2023-11-17", HOSTILE_TITLE, [f"publisher: {yaml_quote(HOSTILE_PUBLISHER)}",
                                                 f"summary: {yaml_quote(HOSTILE_SUMMARY)}"],
              BODY_PAYLOADS[half:], "鹤岗市"), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--source", str(project), "--base-url", "https://example.org/guanxin/"])
    assert result.exit_code == 0, result.output
    return project / "site"


@pytest.fixture(scope="module")
def server(hostile_site):
    served = Server(hostile_site)
    yield served.url
    served.close()


def html_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


# The one data: address a page may carry: the theme's own icon, inline on the search page so that the
# page costs one request (a favicon is an image, never run as a document). Anything else is flagged.
THEME_ICON = "data:image/svg+xml;charset=utf-8;base64," + base64.b64encode(
    (Path(__file__).resolve().parents[1] / "templates/static/favicon.svg").read_bytes()).decode("ascii")

AUDIT_JS = """(themeIcon) => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.getAttributeNames()) {
      if (attr.toLowerCase().startsWith('on')) bad.push(`${el.tagName} ${attr}`);
    }
  }
  for (const el of document.querySelectorAll('a[href], area[href], link[href]')) {
    if (el.tagName === 'LINK' && el.relList.contains('icon') && el.getAttribute('href') === themeIcon) continue;
    if (!['http:', 'https:', 'mailto:', 'tel:'].includes(el.protocol || new URL(el.href).protocol)) bad.push(`link ${el.href}`);
  }
  for (const el of document.querySelectorAll('img[src], iframe, embed, object, frame, base, form[action] button[formaction]')) {
    const src = el.src || el.data || el.href || '';
    if (el.tagName !== 'IMG' || /^(javascript|vbscript|data:image\\/svg)/i.test(src)) bad.push(`${el.tagName} ${src}`);
  }
  for (const s of document.scripts) {
    // Scripts from elsewhere, and inline scripts carrying a payload's marks (the theme's own inline
    // script, such as the search page's loader, is not content).
    if (s.src ? new URL(s.src).origin !== location.origin : /__xss|alert\\(/.test(s.text)) bad.push(`script ${s.src || s.text.slice(0, 40)}`);
  }
  return bad;
}"""


def test_no_payload_runs_on_any_page(browser, server, hostile_site):
    pages = html_pages(hostile_site)
    assert len(pages) > 15 and "2023/53/index.html" in pages
    context = browser.new_context(java_script_enabled=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for rel in pages:
        # No waiting for handlers to fire: the audit proves there is none to fire (no on*
        # attribute, no script from content, no script URL), whenever it would have run.
        page.goto(server + rel, wait_until="load")
        assert page.evaluate("typeof window.__xss") == "undefined", rel
        assert page.evaluate(AUDIT_JS, THEME_ICON) == [], rel
    assert dialogs == []
    context.close()


def test_the_audit_finds_what_a_payload_would_leave(browser):
    """The audit stands in for waiting on handlers, so it must see each kind of live markup."""
    page = browser.new_page()
    for markup, expected in [(f'<img src="x.png" onerror="{RUN}">', "IMG onerror"),
                             (f'<details ontoggle="{RUN}">x</details>', "DETAILS ontoggle"),
                             (f'<a href="javascript:{RUN}">x</a>', "link javascript:"),
                             (f"<script>{RUN}</script>", "script "),
                             (f'<iframe src="about:blank"></iframe>', "IFRAME"),
                             ('<link rel="icon" href="data:image/svg+xml;base64,PHN2Zy8+">', "link data:")]:
        page.set_content(f"<!DOCTYPE html><html><body>{markup}</body></html>")
        found = page.evaluate(AUDIT_JS, THEME_ICON)
        assert any(item.startswith(expected) for item in found), (markup, found)
    page.close()


def test_clicking_every_report_link_runs_nothing(browser, server):
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    clicked = 0
    for url in ("2023/52/", "2023/53/"):
        page.goto(server + url)
        count = page.locator(".prose a").count()
        for n in range(count):
            page.goto(server + url)
            link = page.locator(".prose a").nth(n)
            if link.get_attribute("href").startswith("http"):
                continue  # leaves the test server; its href was audited above
            try:
                with page.expect_navigation(wait_until="load", timeout=5000):
                    link.click()
            except PlaywrightTimeout:
                pass  # a link that does not navigate, as a script link would not: the check below tells
            assert page.evaluate("typeof window.__xss") == "undefined", (url, n)
            clicked += 1
    assert clicked >= 3  # the harmless relative links that payloads were reduced to
    assert dialogs == []
    context.close()


# Raw HTML in a report is escaped, so each of these shows on its page exactly as typed.
SHOWN_AS_TYPED = {
    "2023/52/": [f"<script>{RUN}</script>", f'<img src=x onerror="{RUN}">', f'<svg onload="{RUN}"></svg>',
                 f"<svg><script>{RUN}</script></svg>", f'<iframe src="javascript:{RUN}"></iframe>',
                 f'<details open ontoggle="{RUN}">x</details>', f'<body onload="{RUN}">'],
    "2023/53/": ["<script>window.__xss=1</script>", f"<script>{RUN}</script>"],  # in code and in a fenced block
}


@pytest.mark.parametrize("url", sorted(SHOWN_AS_TYPED))
def test_payloads_are_shown_as_text_not_dropped(browser, server, url):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + url)
    text = page.inner_text("main")
    assert HOSTILE_TITLE in page.title()
    assert HOSTILE_TITLE in text
    missing = [payload for payload in SHOWN_AS_TYPED[url] if payload not in text]
    assert missing == [], text
    description = page.locator('meta[name="description"]').get_attribute("content")
    assert description == HOSTILE_SUMMARY
    context.close()


def test_the_publisher_payload_is_shown_as_text(browser, server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "2023/53/")
    assert HOSTILE_PUBLISHER in page.inner_text("main")
    context.close()


def test_source_html_has_no_live_markup_from_content(hostile_site):
    """The same, without a browser: parse every page and look for what a payload would create."""
    for rel in html_pages(hostile_site):
        doc = lxml.html.fromstring((hostile_site / rel).read_bytes())
        assert not doc.xpath("//script[contains(., '__xss')] | //iframe | //embed | //object | //base"), rel
        prose = "//*[contains(concat(' ', @class, ' '), ' prose ')]"
        assert not doc.xpath(f"{prose}//*[not(self::p or self::a or self::code or self::pre or self::img or self::em"
                             " or self::strong or self::table or self::thead or self::tbody or self::tr or self::th"
                             " or self::td or self::ul or self::ol or self::li or self::blockquote or self::br"
                             " or self::s or self::h3 or self::h4 or self::h5 or self::h6 or self::hr"
                             " or self::figure or self::picture or self::source or self::figcaption)]"), rel  # photos
        assert not [a for a in doc.xpath("//@*") if a.attrname.lower().startswith("on")], rel
        for href in doc.xpath("//a/@href | //img/@src"):
            assert not href.strip().lower().startswith(("javascript:", "vbscript:", "data:text", "data:image/svg")), (rel, href)


def test_feed_escapes_payloads(hostile_site):
    feeds = [p for p in hostile_site.rglob("*.xml")]
    assert feeds, "no feed was written"
    for feed in feeds:
        tree = etree.fromstring(feed.read_bytes())  # well-formed despite the payloads
        for content in tree.iter("{http://www.w3.org/2005/Atom}content"):
            fragment = lxml.html.fragment_fromstring(content.text or "", create_parent="div")
            assert not fragment.xpath("//script | //iframe | //svg | //@*[starts-with(name(), 'on')]"), feed


def test_payload_in_region_heading_is_refused(tmp_path):
    project = tmp_path / "project"
    (project / "issues/2023").mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", project / "site.yaml")
    (project / "issues/2023/053.md").write_text(
        f"---\nnumber: 53\ndate: 2023-11-17\ntitle: 第53期\n---\n\n## 黑河市<script>{RUN}</script>\n\n正文。\n"
        f'\n## <img src=x onerror="{RUN}">\n\n正文。\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--source", str(project)])
    assert result.exit_code == 1
    assert "issues/2023/053.md:7: 不认识的地区“黑河市<script>" in result.stderr
    assert "issues/2023/053.md:11: 不认识的地区" in result.stderr
    assert not (project / "site").exists()
