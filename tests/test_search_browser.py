"""The /search/ page in headless Chromium: what a reader types, sees and clicks.

One site (the shipped issue plus a generated archive), built by build() with its index, is
served twice by http.server on 127.0.0.1: at the root, and under /guanxin/ as on a subpath
deployment; and opened from file:// as the offline copy would be.

The page's contract (also what bench/ relies on): the query is typed into #search-q and sent
with Enter (or given as ?q=); #search-status has data-state "results" (and data-count) once the
first results are in #search-results, "none" when nothing was found.
"""
from __future__ import annotations

import re
import shutil
from urllib.parse import quote, unquote, urlsplit

import pytest

from test_search import BruteForce, Server, build_site, copy_shipped_archive, load_archive, write_generated_archive

SUBPATH = "guanxin"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("search-page")
    project = root / "project"
    copy_shipped_archive(project)
    write_generated_archive(project, 40)
    build_site(project, root / "serve" / SUBPATH)
    archive, gazetteer = load_archive(project)
    brute = BruteForce(archive, gazetteer)
    at_root, under_subpath = Server(root / "serve" / SUBPATH), Server(root / "serve")
    yield {"archive": archive, "gazetteer": gazetteer, "brute": brute, "dir": root / "serve" / SUBPATH, "root": at_root.url,
           "subpath": f"{under_subpath.url}{SUBPATH}/"}
    at_root.close()
    under_subpath.close()


@pytest.fixture
def page(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    yield page
    context.close()
    assert errors == []


def search_for(page, base: str, query: str, region: str = "") -> None:
    page.goto(f"{base}search/?q={quote(query)}" + (f"&region={quote(region)}" if region else ""))
    wait_for_results(page)


def wait_for_results(page) -> None:
    page.wait_for_function("['results', 'none'].includes(document.getElementById('search-status').dataset.state)")


def shown_urls(page, base: str) -> list[str]:
    """The result links, relative to the site root."""
    prefix = urlsplit(base).path
    links = page.eval_on_selector_all("#search-results h2 a", "links => links.map(a => a.href)")
    return [unquote(urlsplit(a).path).removeprefix(prefix) + (f"#{urlsplit(a).fragment}" if urlsplit(a).fragment else "")
            for a in links]


def show_all(page) -> None:
    while page.is_visible("#search-more"):
        count = page.locator("#search-results li").count()
        page.click("#search-more")
        page.wait_for_function(f"document.querySelectorAll('#search-results li').length > {count}")


def test_header_search_box_leads_to_the_reports_containing_the_query(site, page):
    page.goto(site["root"])
    page.fill("#site-search", "嘉荫县")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/search/?q=*")
    wait_for_results(page)
    show_all(page)
    wanted = site["brute"].search("嘉荫县")
    assert set(shown_urls(page, site["root"])) == wanted
    assert page.input_value("#search-q") == "嘉荫县"
    assert f"找到 {len(wanted)} 篇" in page.text_content("#search-status")


def test_a_result_shows_issue_date_region_and_the_match(site, page):
    search_for(page, site["root"], "顾秀莲")  # only in the shipped issue's 黑河市 and 伊春市 reports
    first = page.locator("#search-results li").first
    assert "2023年第53期·总第509期" in first.inner_text()
    assert first.locator("time").get_attribute("datetime") == "2023-11-17"
    assert "2023年11月17日" in first.inner_text()
    region = first.locator(".search-result-region").inner_text()
    assert region in ("黑河市", "伊春市")
    # Issue 22: the region and the issue are told apart: the link names the report, the issue (whose
    # headline may name another city) is on its own line, labelled.
    assert first.locator("h2 a").inner_text() == f"{region}的报告"
    meta = first.locator(".search-result-meta")
    assert meta.inner_text().startswith("载于2023年第53期") and meta.locator("cite").count() == 1
    assert first.locator("h2 a cite").count() == 0
    assert first.locator("mark").first.inner_text() == "顾秀莲"
    assert set(shown_urls(page, site["root"])) == {"2023/53/#heihe", "2023/53/#yichun"}


def test_a_result_links_to_the_report_in_its_issue(site, page):
    search_for(page, site["root"], "南岔镇")  # only in the shipped issue
    assert shown_urls(page, site["root"]) == ["2023/53/#yichun"]
    page.click("#search-results h2 a >> nth=0")
    page.wait_for_url("**/2023/53/#yichun")
    heading = page.locator("#yichun h2").inner_text()
    assert heading == "伊春市"
    assert "南岔镇" in page.locator("#yichun").inner_text()


def test_region_filter_narrows_the_results_to_that_region(site, page):
    search_for(page, site["root"], "心理健康")
    show_all(page)
    everywhere = set(shown_urls(page, site["root"]))
    regions = {d.url: d.region for d in site["brute"].docs}
    assert everywhere == site["brute"].search("心理健康")
    in_yichun = {url for url in everywhere if regions[url] == "伊春市"}
    assert in_yichun and everywhere - in_yichun
    # The counts come once the answer is shown (they need each doc's region, fetched then).
    page.wait_for_function("document.querySelector('#search-region option[value=\"伊春市\"]').textContent.includes('（')")
    assert page.locator('#search-region option[value="伊春市"]').inner_text() == f"伊春市（{len(in_yichun)}）"
    page.select_option("#search-region", "伊春市")
    page.wait_for_url("**region=*")
    wait_for_results(page)
    show_all(page)
    assert set(shown_urls(page, site["root"])) == in_yichun
    assert all(r == "伊春市" for r in page.locator(".search-result-region").all_inner_texts())
    assert "在伊春市的报告中找到" in page.text_content("#search-status")


def test_newest_first_by_default_and_oldest_first_on_request(site, page):
    search_for(page, site["root"], "关工委")
    dates = page.eval_on_selector_all("#search-results time", "ts => ts.map(t => t.dateTime)")
    assert len(dates) == 10 and dates == sorted(dates, reverse=True) and dates[0] == "2023-11-17"
    page.select_option("#search-sort", "old")
    page.wait_for_url("**sort=old*")
    wait_for_results(page)
    dates = page.eval_on_selector_all("#search-results time", "ts => ts.map(t => t.dateTime)")
    assert len(dates) == 10 and dates == sorted(dates) and dates[0] == "2021-01-08"


def test_more_results_are_shown_ten_at_a_time(site, page):
    search_for(page, site["root"], "关工委")
    assert page.locator("#search-results li").count() == 10
    page.click("#search-more")
    page.wait_for_function("document.querySelectorAll('#search-results li').length === 20")


def test_nothing_found_says_so(site, page):
    search_for(page, site["root"], "哈尔滨冰雪")
    assert page.locator("#search-results li").count() == 0
    assert "没有找到包含“哈尔滨冰雪”的报告" in page.text_content("#search-status")


def test_search_works_under_a_subpath(site, page):
    base = site["subpath"]
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(base)
    page.fill("#site-search", "嘉荫县")
    page.press("#site-search", "Enter")
    wait_for_results(page)
    show_all(page)
    assert set(shown_urls(page, base)) == site["brute"].search("嘉荫县")
    hrefs = page.eval_on_selector_all("#search-results h2 a", "links => links.map(a => a.href)")
    assert all(h.startswith(base) for h in hrefs)
    response = page.goto(hrefs[0])
    assert response.status == 200 and page.locator(f"#{urlsplit(hrefs[0]).fragment}").count() == 1
    assert all(urlsplit(r).netloc == urlsplit(base).netloc for r in requests)  # nothing third-party
    assert any("/guanxin/search/data/" in r for r in requests)


def test_without_javascript_the_page_points_to_the_archive_and_regions(site, browser):  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site["root"] + "search/?q=五老")
    note = page.locator(".search-note")
    assert note.is_visible() and "需要浏览器启用 JavaScript" in note.inner_text()
    assert note.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))") == ["../archive/", "../regions/"]
    assert not page.is_visible("#search-form")
    context.close()


def test_fits_a_360_px_phone(site, browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    search_for(page, site["root"], "青少年心理健康")
    assert page.locator("#search-results li").count() > 0
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    for selector in ("#search-q", "#search-region", "#search-sort", "#search-results li"):
        box = page.locator(selector).first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, selector
    assert_touch_sized_menus(page, same_row=False)
    page.set_viewport_size({"width": 1280, "height": 800})  # the desktop's row: both menus beside each other
    assert_touch_sized_menus(page, same_row=True)
    context.close()


def assert_touch_sized_menus(page, same_row: bool) -> None:
    """The 地区 and 排序 menus: 44 px tall at least (a touch target), one row apart on a phone."""
    region, sort = (page.locator(selector).bounding_box() for selector in ("#search-region", "#search-sort"))
    assert region["height"] >= 44 and sort["height"] >= 44, (region, sort)
    assert (region["y"] == sort["y"] and region["x"] + region["width"] < sort["x"]) is same_row, (region, sort)


def assert_said_to_a_reader(status: str) -> None:
    """What the page says to readers names no command, option or program (readers run none)."""
    assert not re.search(r"[A-Za-z]", status), status


def test_a_site_without_its_search_index_says_where_else_to_look(site, browser, tmp_path):  # noqa: F811
    """As a build with --no-search would leave it: the page explains and links on."""
    copy = tmp_path / "site"
    shutil.copytree(site["dir"], copy, ignore=shutil.ignore_patterns("data"))
    server = Server(copy)
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url + "search/?q=五老")
    page.wait_for_function("document.getElementById('search-status').dataset.state === 'unavailable'")
    status = page.text_content("#search-status")
    assert "没有载入" in status and "请检查网络连接，然后刷新页面重试" in status  # what a reader can do
    assert_said_to_a_reader(status)
    links = page.locator("#search-status a")
    assert links.evaluate_all("links => links.map(a => a.href)") == [server.url + "archive/", server.url + "regions/"]
    context.close()
    server.close()


def test_from_file_the_offline_copy_says_search_needs_the_web_version(site, page):
    page.goto((site["dir"] / "search" / "index.html").as_uri() + "?q=五老")
    page.wait_for_function("document.getElementById('search-status').dataset.state === 'offline'")
    status = page.text_content("#search-status")
    assert "离线副本" in status and "请在网上打开本站搜索" in status
    assert_said_to_a_reader(status)
    hrefs = page.locator("#search-status a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs == [(site["dir"] / "archive/index.html").as_uri(), (site["dir"] / "regions/index.html").as_uri()]  # files: no folder listing


def test_typing_more_fetches_only_what_it_lacks(site, page):
    """Each file is fetched once per page: a longer query reuses the manifest and the docs it has."""
    fetched = []
    page.on("request", lambda r: "/search/data/" in r.url and fetched.append(r.url))
    search_for(page, site["root"], "心理")
    for query in ("心理健", "心理健康", "心理健康 伊春", "心理健"):
        page.fill("#search-q", query)
        page.press("#search-q", "Enter")
        page.wait_for_function(f"document.title.startsWith('“{query}”')")
        wait_for_results(page)
        assert page.text_content("#search-status").startswith("找到 ")
        count = int(page.get_attribute("#search-status", "data-count"))
        assert count == len(site["brute"].search(query))
    page.wait_for_function("document.querySelector('#search-region option[value]:not([value=\"\"])').textContent.includes('（')")
    assert len(fetched) == len(set(fetched))
    # The page carries the manifest but for each doc's region, fetched once for the region counts.
    assert len([u for u in fetched if u.endswith("/search/data/index.json")]) == 1


def test_the_page_and_a_query_cost_at_most_eight_requests(site, page):
    """Issue 10: the page brings its stylesheet, its scripts, its icon and the index's manifest inside
    it; a query then fetches only its gram's shards and the store files it shows."""
    requested = []
    page.on("request", lambda r: requested.append(urlsplit(r.url).path))
    page.goto(site["root"] + "search/")
    page.wait_for_function("document.getElementById('search-status').dataset.state === 'idle'")
    page.evaluate("""() => {
      const list = document.getElementById("search-results");
      new MutationObserver(() => {
        if (list.children.length >= 10 && !window.tenShownAt) window.tenShownAt = performance.now();
      }).observe(list, { childList: true });
    }""")
    page.fill("#search-q", "心理健康")
    page.press("#search-q", "Enter")
    wait_for_results(page)
    assert int(page.get_attribute("#search-status", "data-count")) == len(site["brute"].search("心理健康"))
    assert page.locator("#search-results li").count() == 10
    # The regions of every doc (for the region counts) come once the ten are shown: index.json, once.
    page.wait_for_function("document.querySelector('#search-region option[value]:not([value=\"\"])').textContent.includes('（')")
    shown_at, asked_at = page.evaluate("""() => [window.tenShownAt,
      performance.getEntriesByType("resource").filter((e) => e.name.endsWith("/search/data/index.json"))
        .map((e) => e.startTime)]""")
    assert requested.count("/search/data/index.json") == 1 and len(asked_at) == 1 and asked_at[0] >= shown_at
    requested = [path for path in requested if path != "/search/data/index.json"]
    # The page carries its stylesheet, the reader and the icon (a data: address): one request (issue 25).
    files = [path for path in requested if not path.startswith("/search/data/")]
    assert files == ["/search/"]
    data = [path for path in requested if path.startswith("/search/data/")]
    assert data and all(re.fullmatch(r"/search/data/[itd]/[0-9a-f-]+\.bin", path) for path in data), data
    assert len(data) == len(set(data)) and len(files) + len(data) <= 8, requested


def test_a_long_query_shows_first_results_then_the_exact_count(site, page):
    """Longer than the index's grams and not a name it holds whole: candidates are checked against
    their text, the first page first; the count comes when all are checked."""
    query = "召开全体委员会议传达"
    wanted = site["brute"].search(query)
    assert len(wanted) > 10
    search_for(page, site["root"], query)
    assert int(page.get_attribute("#search-status", "data-count")) == len(wanted)
    show_all(page)
    assert set(shown_urls(page, site["root"])) == wanted


def test_a_search_replaced_while_the_regions_load_changes_nothing_of_the_new_one(site, page):
    """A search filtered by region waits for the regions of every doc (index.json). If the reader
    changes the filter meanwhile, the new search's results are its own: none skipped, none added
    by the old one when the file arrives."""
    held = []
    page.route("**/search/data/index.json", lambda route: held.append(route))
    page.goto(f"{site['root']}search/?q={quote('心理健康')}&region={quote('伊春市')}")
    for _ in range(200):  # the filtered search asks for index.json at once
        if held:
            break
        page.wait_for_timeout(25)
    assert held, "the filtered search did not ask for the regions"
    page.select_option("#search-region", "")  # a new search, without a filter
    wait_for_results(page)
    held[0].continue_()  # the old search's file arrives now
    page.wait_for_function("document.querySelector('#search-region option[value]:not([value=\"\"])').textContent.includes('（')")
    show_all(page)
    shown = shown_urls(page, site["root"])
    assert len(shown) == len(set(shown)) and set(shown) == site["brute"].search("心理健康")
    assert int(page.get_attribute("#search-status", "data-count")) == len(shown)


def test_results_arriving_on_a_slow_link_shift_nothing_in_view(site, browser):  # noqa: F811
    """Issue 22: Lighthouse counted a layout shift of 0.157 as the form, the status, the results and
    the region counts arrived on a slow link. Measured here as Chromium reports it (layout-shift
    entries, none after input), on a phone's screen with a throttled link: under 0.1, Lighthouse's good."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.add_init_script("""window.__shift = 0;
      new PerformanceObserver((list) => { for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value; })
        .observe({ type: "layout-shift", buffered: true });""")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 150, "downloadThroughput": 160_000,
                                                  "uploadThroughput": 90_000})
    page.goto(site["root"] + "search/?q=" + quote("心理健康"))
    wait_for_results(page)
    page.wait_for_function("document.querySelector('#search-region option[value]:not([value=\"\"])').textContent.includes('（')")
    page.wait_for_timeout(300)
    shift = page.evaluate("window.__shift")
    context.close()
    assert shift < 0.1, shift


def test_without_an_index_readers_are_told_plainly_and_only_the_preview_tells_its_editor_how(tmp_path, browser):  # noqa: F811
    """A site built with --no-search tells its readers only that it has no search (they run no
    command); serve's preview (issue 21: built without an index, with the editors' tools) adds, for
    its editor, that a site made by build searches."""
    from test_search import TODAY, new_project
    from guanxin_site.build import build

    project, _ = new_project(tmp_path, 3)
    context = browser.new_context()
    page = context.new_page()
    said = {}
    for name, editor_tools in (("public", False), ("preview", True)):
        build(project, tmp_path / name, today=TODAY, search=False, editor_tools=editor_tools)
        server = Server(tmp_path / name)
        try:
            page.goto(server.url + "search/?q=五老")
            page.wait_for_function("document.getElementById('search-status').dataset.state === 'unavailable'")
            said[name] = page.text_content("#search-status")
        finally:
            server.close()
    context.close()
    assert said["public"].startswith("本站暂未提供搜索。") and "往期目录" in said["public"]
    assert_said_to_a_reader(said["public"])
    assert said["preview"].startswith(said["public"])
    assert "给编辑的提示" in said["preview"] and "guanxin-site build 生成的网站可以搜索" in said["preview"]


# What an older browser lacks (docs/search.md, "Browsers"): DecompressionStream itself (Safari before
# 16.4, so WeChat on iOS 15), or its "deflate-raw" format (Chrome 80-102). Run before the page's scripts.
WITHOUT_DECOMPRESSION_STREAM = "delete globalThis.DecompressionStream;"
WITHOUT_DEFLATE_RAW = """{
  const Native = globalThis.DecompressionStream;
  globalThis.DecompressionStream = class extends Native {
    constructor(format) {
      if (format === "deflate-raw") throw new TypeError("Unsupported compression format: 'deflate-raw'");
      super(format);
    }
  };
}"""
INFLATE_JS = "static/inflate.js"


def page_answers(browser, search_url: str, queries, show_every=(), init_script: str = ""):  # noqa: F811
    """What the search page at search_url shows for each query (status, results, related results,
    suggestions; every result of the queries in show_every), in a fresh context with init_script
    run before the page's own, and the addresses it requested."""
    context = browser.new_context()
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    errors, requested, answers = [], [], {}
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("request", lambda request: requested.append(unquote(request.url)))
    try:
        for query in queries:
            page.goto(f"{search_url}?q={quote(query)}")
            page.wait_for_function("['results', 'none', 'unavailable'].includes(document.getElementById('search-status').dataset.state)")
            page.wait_for_function("['search-related', 'search-suggest'].every((id) =>"
                                   " document.getElementById(id).dataset.state !== 'searching')")
            if query in show_every:
                show_all(page)
            answers[query] = page.evaluate("""() => [
              ...["search-status", "search-related", "search-suggest"].map((id) => {
                const box = document.getElementById(id);
                return [box.dataset.state, box.dataset.count, box.innerText];
              }),
              Array.from(document.querySelectorAll("#search-results li, #search-related-results li"), (li) => li.innerText)]""")
    finally:
        context.close()
    assert errors == []
    return answers, requested


def test_a_browser_without_deflate_raw_inflates_with_static_inflate_js_and_finds_the_same(site, browser):  # noqa: F811
    """Where DecompressionStream("deflate-raw") is missing (or refuses the format) the reader loads
    static/inflate.js and the page answers every query as it does with the browser's own; a browser
    that has it never loads the file."""
    queries = ("关工委", "嘉荫县", "学习留守儿童", "关工伟")  # results, more of them, related results, a suggestion
    native, requested = page_answers(browser, site["root"] + "search/", queries, show_every={"嘉荫县"})
    assert [answer[0][0] for answer in native.values()] == ["results", "results", "none", "none"]
    assert native["学习留守儿童"][1][0] == "results" and native["关工伟"][2][0] == "shown"
    assert not [url for url in requested if url.endswith(INFLATE_JS)]
    for lacking, asked in ((WITHOUT_DECOMPRESSION_STREAM, queries), (WITHOUT_DEFLATE_RAW, queries[:1])):
        answers, requested = page_answers(browser, site["root"] + "search/", asked, {"嘉荫县"}, lacking)
        assert answers == {query: native[query] for query in asked}
        assert site["root"] + INFLATE_JS in requested
