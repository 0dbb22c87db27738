"""Reading on a phone, in real Chromium (issue 22): targets large enough to tap and text large enough to
read at 360 px, 大字 reaching the charts and tables and keeping counts, dates and names whole, a way back
up long pages, and keyboard focus that moves as the eye does. One build of the generated five-year
archive, served on 127.0.0.1."""
from __future__ import annotations

import shutil

import pytest

from browser_support import Server
from conftest import REPO
from guanxin_site.build import build

PHONE = {"width": 360, "height": 780}
SMALL_PHONE = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 900}
ISSUE = "2019/48/"  # five reports: a table of contents and a long page
REGION = "regions/yichun/"  # five years of reports, with counties
PAGES = ("", ISSUE, REGION, "2020/", "stats/", "archive/", "regions/", "regions/yichun/2021/")
LARGE = 'try { localStorage.setItem("guanxin-large-text", "1"); } catch (e) {}'

# What a reader taps: the 适老化 rules ask for targets of 44 x 44 px and control text of 16 px or more.
# Links inside running text (a report, an excerpt, a list of issue titles) are words in a sentence, not controls.
CONTROLS = (".site-name, .site-header nav a, .site-header input, .site-header button, .footer-links a, .footer-filing a, "
            ".toc a, .data-table a, .pager a, .back a, .crumbs a, .back-up a, .year-jump a, .year-nav a, .region-chips a, "
            ".year-list a, .region-list a, .page-links a")
MEASURE_CONTROLS = """(selector) => Array.from(document.querySelectorAll(selector)).filter(e => e.offsetParent).map(e => {
  const r = e.getBoundingClientRect();
  const shown = [e, ...e.querySelectorAll('*')].filter(x => x.getClientRects().length);  // not the hidden parts
  const sizes = shown.map(x => parseFloat(getComputedStyle(x).fontSize));
  return {what: e.outerHTML.slice(0, 70), width: r.width, height: r.height, font: Math.min(...sizes)};
})"""


@pytest.fixture(scope="module")
def site(generated_project, tmp_path_factory):
    www = tmp_path_factory.mktemp("reader")
    server = Server(www)
    build(generated_project, www, base_url=server.url, search=False)
    yield server.url
    server.close()


@pytest.fixture(scope="module")
def phone(browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("large", [False, True], ids=["normal", "大字"])
def test_controls_are_44_px_targets_with_16_px_text_at_360_px(browser, site, large):
    context = browser.new_context(viewport=PHONE)
    if large:
        context.add_init_script(LARGE)
    page = context.new_page()
    small = {}
    try:
        for rel in PAGES:
            page.goto(site + rel)
            controls = page.evaluate(MEASURE_CONTROLS, CONTROLS)
            assert len(controls) > 8, rel
            wrong = [c for c in controls if c["width"] < 43.5 or c["height"] < 43.5 or c["font"] < 16]
            if wrong:
                small[rel] = wrong
            assert page.locator("button.text-size").is_visible()
    finally:
        context.close()
    assert small == {}


def _text_scale(page, chart: str) -> list[dict]:
    """Every text of a chart: its size as drawn on screen (font size in user units times the drawn scale),
    and whether it lies inside the chart and the chart inside what can be scrolled to."""
    return page.evaluate("""(chart) => {
      const svg = document.querySelector(chart), box = svg.getBoundingClientRect();
      const scale = box.width / svg.viewBox.baseVal.width, column = document.querySelector('main').getBoundingClientRect();
      const holder = svg.closest('.chart-scroll');
      const reach = holder ? holder.getBoundingClientRect().left + holder.scrollWidth : column.right;
      return Array.from(svg.querySelectorAll('text')).map(t => {
        const r = t.getBoundingClientRect();
        return {text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * scale,
                inside: r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1
                        && box.right <= reach + 1 && box.left >= column.left - 1};
      });
    }""", chart)


@pytest.mark.parametrize("viewport", [SMALL_PHONE, PHONE], ids=["320px", "360px"])
def test_large_text_reaches_the_charts_and_tables(browser, site, viewport):
    context = browser.new_context(viewport=viewport)
    context.add_init_script(LARGE)
    page = context.new_page()
    try:
        page.goto(site + "stats/")
        for chart in (".chart-issues", ".chart-regions"):
            texts = _text_scale(page, chart)
            assert texts and [t for t in texts if t["px"] < 16] == [], chart
            assert [t for t in texts if not t["inside"]] == [], chart  # nothing cut off
        # The bar chart fits the column; the heat map and a wide table scroll, and say so.
        assert page.evaluate("document.documentElement.scrollWidth") == viewport["width"]
        boxes = page.evaluate("""() => Array.from(document.querySelectorAll('.table-scroll, .chart-scroll')).map(b => ({
            wide: b.scrollWidth > b.clientWidth + 1, marked: b.classList.contains('scrolls'),
            hint: getComputedStyle(b, '::before').content, focusable: b.tabIndex === 0}))""")
        assert len(boxes) == 3 and all(b["focusable"] for b in boxes)
        assert any(b["wide"] for b in boxes)
        for b in boxes:
            assert b["marked"] == b["wide"] and (("左右滑动" in b["hint"]) == b["wide"]), b
        # Table text at 大字 is larger than the page's normal text, and its links are whole.
        assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('.data-table td')).fontSize)") >= 16
    finally:
        context.close()


def test_a_scroll_box_that_fits_again_drops_its_hint(browser, site):
    """The hint follows the box: 大字 off on a wide screen, the heat map fits and says nothing."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        page.goto(site + "stats/")
        assert page.evaluate("document.querySelector('.chart-scroll').classList.contains('scrolls')") is False
        page.set_viewport_size(SMALL_PHONE)
        page.get_by_role("button", name="大字", exact=True).click()
        page.wait_for_function("document.querySelector('.chart-scroll').classList.contains('scrolls')")
        page.get_by_role("button", name="大字", exact=True).click()
        page.set_viewport_size(DESKTOP)
        page.wait_for_function("!document.querySelector('.chart-scroll').classList.contains('scrolls')")
    finally:
        context.close()


def test_a_stylesheet_that_comes_after_the_page_is_parsed_still_gets_the_scroll_hints(browser, site):
    """enhance.js marks the boxes that scroll when the page is parsed; on a slow link the stylesheet (after
    it in the head) can arrive later, and the boxes only then become wide: they are measured again once
    everything is loaded. (A busy test machine made this race flaky in the test above.)"""
    import time

    context = browser.new_context(viewport=SMALL_PHONE)
    context.add_init_script(LARGE)
    page = context.new_page()
    parsed = []
    page.on("domcontentloaded", lambda _: parsed.append(True))

    def late(route):
        time.sleep(0.4)  # the page is parsed meanwhile (no script after the stylesheet waits for it)
        route.continue_()

    page.route("**/*.css", late)
    try:
        page.goto(site + "stats/")
        boxes = page.evaluate("""() => Array.from(document.querySelectorAll('.table-scroll, .chart-scroll')).map(b => ({
            wide: b.scrollWidth > b.clientWidth + 1, marked: b.classList.contains('scrolls')}))""")
        assert parsed and any(b["wide"] for b in boxes)
        assert all(b["marked"] == b["wide"] for b in boxes), boxes
    finally:
        context.close()


UNITS = (".count, time, .issue-label, .site-header nav a, .footer-links a, .toc a, .region-chips a, .year-jump a, .back-up a, "
         ".year-table thead th, .year-table tbody th a")  # 2009年 and 期数 on a phone: the reader audit saw 2009 / 年
SPLIT = """(selector) => Array.from(document.querySelectorAll(selector)).filter(e => e.offsetParent)
  .filter(e => new Set(Array.from(e.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top))).size > 1)
  .map(e => e.outerHTML.slice(0, 80))"""
# A name and its count on one line: "大兴安岭地区 68 篇", never "大兴安岭地区" and "68 篇" on two.
PARTED = """() => Array.from(document.querySelectorAll('.year-list li, .region-list li')).filter(li => {
  const name = li.querySelector('a').getBoundingClientRect(), count = li.querySelector('.count').getBoundingClientRect();
  const middle = (count.top + count.bottom) / 2;
  return middle < name.top || middle > name.bottom;
}).map(li => li.textContent)"""


@pytest.mark.parametrize("viewport", [SMALL_PHONE, PHONE], ids=["320px", "360px"])
def test_large_text_keeps_counts_dates_and_names_whole(browser, site, viewport):
    context = browser.new_context(viewport=viewport)
    context.add_init_script(LARGE)
    page = context.new_page()
    broken = {}
    try:
        for rel in PAGES:
            page.goto(site + rel)
            assert page.evaluate("document.documentElement.classList.contains('large-text')")
            split = page.evaluate(SPLIT, UNITS) + page.evaluate(PARTED)
            if split:
                broken[rel] = split
            assert page.evaluate("document.documentElement.scrollWidth") == viewport["width"], rel
    finally:
        context.close()
    assert broken == {}


def test_an_issue_page_leads_back_to_its_contents_and_the_top(phone, site):
    page = phone
    page.goto(site + ISSUE)
    reports = page.locator("section.report")
    assert reports.count() == 5
    for n in range(reports.count()):  # after every report, in the flow of the page
        assert reports.nth(n).locator(".back-up a").get_attribute("href") == "#toc"
    reports.last.locator(".back-up a").click()
    page.wait_for_function("Math.abs(document.getElementById('toc').getBoundingClientRect().top) < 2")
    page.locator("a", has_text="回到顶部").click()
    page.wait_for_function("window.scrollY === 0")
    assert _nothing_fixed(page)


def test_a_region_page_lists_its_years_to_jump_to_and_back(phone, site):
    page = phone
    page.goto(site + REGION)
    years = page.locator("nav.year-jump a")
    headings = page.locator("main section h2[id^='h-2']")
    assert years.all_inner_texts() == [h.get_attribute("id")[2:] + "年" for h in headings.all()]
    assert years.count() == 5
    years.nth(3).click()  # 2020
    target = headings.nth(3).get_attribute("id")
    page.wait_for_function(f"Math.abs(document.getElementById('{target}').getBoundingClientRect().top) < 2")
    page.locator(f"section:has(#{target}) .back-up a").click()
    page.wait_for_function("Math.abs(document.getElementById('years').getBoundingClientRect().top) < 2")
    page.locator("a", has_text="回到顶部").click()
    page.wait_for_function("window.scrollY === 0")
    assert _nothing_fixed(page)


def _nothing_fixed(page) -> bool:
    """The ways back are links in the text: nothing floats over what is being read."""
    return page.evaluate("""() => !Array.from(document.querySelectorAll('body *'))
        .some(e => ['fixed', 'sticky'].includes(getComputedStyle(e).position))""")


FOCUS_STOP = """() => { const e = document.activeElement, r = e.getBoundingClientRect();
  return {what: (e.innerText || e.placeholder || '').trim().slice(0, 12), x: r.left, y: r.top, right: r.right, bottom: r.bottom,
          header: !!e.closest('.site-header')}; }"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "360px"])
def test_focus_moves_through_the_header_as_the_eye_reads(browser, site, viewport):
    """Left to right along a line, then down to the next: 大字 no longer jumps right, left and right again."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        page.goto(site + ISSUE)
        page.keyboard.press("Tab")  # 跳到正文, the skip link
        stops = []
        for _ in range(12):
            page.keyboard.press("Tab")
            stop = page.evaluate(FOCUS_STOP)
            if not stop["header"]:
                break
            stops.append(stop)
    finally:
        context.close()
    assert [s["what"] for s in stops][:2] == ["关心下一代工作", "大字"]
    assert len(stops) == 8  # the name, 大字, four sections, the search box and its button
    for before, after in zip(stops, stops[1:]):
        same_line = after["y"] < before["bottom"] - 4
        assert (after["x"] >= before["right"] - 1) if same_line else (after["y"] >= before["bottom"] - 4), (before, after)


WIDE_TABLE = """
| 单位 | 参加人数 | 学习次数 | 覆盖学校 | 五老人数 | 关爱留守儿童人数 | 备注说明 |
|---|---|---|---|---|---|---|
| 黑河市关工委 | 38 | 12 | 45 | 1200 | 3400 | 全市各县区关工委均参加了本次学习活动 |
| 爱辉区关工委 | 21 | 8 | 17 | 300 | 800 | 无 |
"""
CELLS = """() => Array.from(document.querySelectorAll('td, th')).map(c => {
  const style = getComputedStyle(c), text = document.createRange();
  text.selectNodeContents(c);  // the text's own lines (the cell is as tall as its row)
  return {text: c.textContent, width: c.getBoundingClientRect().width, font: parseFloat(style.fontSize),
          lines: new Set(Array.from(text.getClientRects(), r => Math.round(r.top))).size};
})"""


@pytest.fixture(scope="module")
def table_site(tmp_path_factory):
    """The shipped issue with a seven-column table in its second report, as offices print their figures."""
    project = tmp_path_factory.mktemp("table")
    shutil.copy(REPO / "site.yaml", project / "site.yaml")
    shutil.copytree(REPO / "issues", project / "issues")
    issue = project / "issues" / "2023" / "053.md"
    text = issue.read_text(encoding="utf-8")
    second = text.index("\n## ", text.index("\n## ") + 1)  # the table ends the first report
    issue.write_text(text[:second] + "\n" + WIDE_TABLE + text[second:], encoding="utf-8")
    www = tmp_path_factory.mktemp("table-site")
    server = Server(www)
    build(project, www, base_url=server.url, search=False)
    yield server.url
    server.close()


@pytest.mark.parametrize("rel", ["2023/53/", "2023/53/wechat.html"], ids=["issue", "公众号"])
def test_a_wide_table_scrolls_sideways_instead_of_squeezing_its_columns(phone, table_site, rel):
    """At 360 px a seven-column table used to shrink to one character a line (黑/河/市…), and the 公众号
    edition split numbers (12/00): each cell now keeps room for a few characters, and the table scrolls."""
    phone.goto(table_site + rel)
    cells = phone.evaluate(CELLS)
    assert len(cells) == 21
    assert all(cell["width"] >= 4 * cell["font"] for cell in cells), cells
    numbers = [cell for cell in cells if cell["text"].isdigit()]
    assert numbers and all(cell["lines"] == 1 for cell in numbers), numbers
    assert phone.evaluate("document.documentElement.scrollWidth") == PHONE["width"]  # the page itself does not move
    scroller = ("(() => { const t = document.querySelector('table');"
                "  const box = getComputedStyle(t).overflowX === 'auto' ? t : t.parentElement;"
                "  return box.scrollWidth > box.clientWidth; })()")
    assert phone.evaluate(scroller)


@pytest.mark.parametrize("width", [280, 320])
def test_the_mastheads_name_stays_on_one_line_on_a_narrow_phone_with_large_text(browser, site, width):
    """A reader audit: with 大字 at 320 px (and at 280 px, a phone's large display size, even without it)
    the masthead broke as 关心下一代工 / 作."""
    context = browser.new_context(viewport={"width": width, "height": 640})
    context.add_init_script(LARGE)
    page = context.new_page()
    try:
        page.goto(site)
        lines = page.evaluate("""() => { const text = document.createRange();
          text.selectNodeContents(document.querySelector('.masthead-title'));
          return new Set(Array.from(text.getClientRects(), r => Math.round(r.top))).size; }""")
        assert lines == 1
    finally:
        context.close()


def test_printed_pages_keep_the_legends_colours_and_a_readable_button(phone, site):
    """A reader audit: printed, the statistics' legend was blank boxes (backgrounds are left out of print)
    and the home page's 阅读本期全文 a pale block."""
    page = phone
    page.emulate_media(media="print")
    try:
        page.goto(site + "stats/")
        assert page.evaluate("getComputedStyle(document.querySelector('.swatch')).printColorAdjust") == "exact"
        page.goto(site)
        button = page.evaluate("(() => { const s = getComputedStyle(document.querySelector('a.button'));"
                               " return [s.color, s.backgroundColor]; })()")
        assert button == ["rgb(0, 0, 0)", "rgba(0, 0, 0, 0)"]
    finally:
        page.emulate_media(media="screen")
