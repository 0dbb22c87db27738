"""Quality bars over every page of two real builds, checked with the real tools.

Sites: the shipped archive, and a generated one over three years that also holds four long
issues for the print checks. Both are served by http.server on 127.0.0.1 and built with that
address as their base URL, so absolute links (404 page, feeds) resolve locally too.

Tools (see the README's test command): the Nu Html Checker from npm `vnu-jar` (needs Java),
npm `axe-core` injected into headless Chromium (/usr/bin/chromium), poppler-utils
(pdftotext, pdftoppm, pdfinfo) to read the printed PDF.
"""
from __future__ import annotations

import asyncio
import functools
import http.server
import json
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html
from playwright.async_api import async_playwright

from archive_factory import CHINA_SETTINGS, REGIONS, SENTENCES, write_archive
from photo_support import write_photo_issue
from browser_support import CHROMIUM, CHROMIUM_ARGS
from guanxin_site.build import build
from guanxin_site.gazetteer import Gazetteer

REPO = Path(__file__).resolve().parents[1]
VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
NPM_HINT = "run `npm ci` in the repository (package.json pins axe-core and vnu-jar)"
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}
ISSUE_BUDGET = 30 * 1024  # bytes of HTML plus CSS for an issue page
# enhance.js, the one script a page loads: 大字 before first paint, remembered (with a cookie where storage is
# blocked), WeChat's share hint, the scroll hint of wide tables.
SCRIPT_BUDGET = 2 * 1024
# The search page loads, before the reader types, its HTML alone: site.css, search.css, enhance.js, its
# UI, the index reader, the icon and the index's manifest are inside it (issues 10 and 25 count its
# requests), the scripts and stylesheets without their whole-line comments; its manifest leaves out
# each doc's region, so it hardly grows with the archive. Uncompressed bytes: related results and
# suggestions (issue 25) are part of the UI and the reader; over the wire, gzipped as a host sends
# it, the page is 18 KB (bench/query_cost.py).
SEARCH_PAGE_BUDGET = 72 * 1024
PRINT_ISSUES = ("2021/40/", "2021/41/", "2021/42/", "2021/43/")
PHOTO_ISSUE = "2021/44/"  # six captioned photos between paragraphs of varied length
KEY_PAGES = ("", "2023/53/", "regions/yichun/", "stats/")  # of the shipped site
WECHAT_PAGE = re.compile(r"wechat(-\d+)?\.html$")  # the 公众号 edition: inline styles only, no stylesheet
WECHAT_PAGE_LOADS = ("static/enhance.js",)  # 大字 for reading it on the site; its icon is in the test of requests


# -- the sites ----------------------------------------------------------------------------------

class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files; a missing file gets the site's own 404.html, as a web server configured for it would."""

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def send_error(self, code, message=None, explain=None):
        site = self.path.lstrip("/").split("/", 1)[0]
        page = Path(self.directory) / site / "404.html"
        if code != 404 or not site or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@dataclass(frozen=True)
class Site:
    name: str
    root: Path  # output directory
    url: str  # base URL, ends with "/"

    def pages(self) -> list[str]:
        """Site-relative URL of every HTML page."""
        urls = []
        for path in sorted(self.root.rglob("*.html")):
            rel = path.relative_to(self.root).as_posix()
            urls.append(rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        return urls


def _print_issue(variant: int) -> str:
    """A long issue with a report from every region; the variants shift where headings fall on the page."""
    lines = ["---", f"number: {40 + variant}", f"total: {444 + variant}", f"date: 2021-10-{1 + 7 * variant:02d}",
             f"title: 全省各地关工委扎实推进关心下一代工作（打印检查{variant + 1}）"]
    if variant == 0:  # as `import` writes a PDF bulletin: the original kept, the 报/送/发 lines at the foot
        lines += ["attachments:", "  - 040/原件.pdf", "distribution:", "  - 报：省委、省政府领导，中国关工委办公室",
                  "  - 送：省委组织部、省委宣传部、省委老干部局", "  - 发：各市（地）、县（市、区）关工委，省直各成员单位"]
    lines += ["---", ""]
    for n, region in enumerate(REGIONS):
        lines += [f"## {region}", ""]
        for p in range(1 + (n + variant) % 3):
            count = 2 + (n * 5 + p * 3 + variant) % 4
            picked = [SENTENCES[(n * 7 + p * 5 + variant * 3 + k) % len(SENTENCES)] for k in range(count)]
            lines += [(f"{region}关工委" if p == 0 else "") + "".join(picked), ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Site]:
    www = tmp_path_factory.mktemp("www")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(www)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}/"
    sources = tmp_path_factory.mktemp("sources")

    shipped = sources / "shipped"
    shipped.mkdir()
    shutil.copy(REPO / "site.yaml", shipped / "site.yaml")
    shutil.copytree(REPO / "issues", shipped / "issues")
    assert (shipped / "issues" / "2023" / "053.md").is_file(), "the shipped issue 2023/053.md is missing"

    generated = sources / "generated"
    (generated / "issues").mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", generated / "site.yaml")
    with (generated / "site.yaml").open("a", encoding="utf-8") as config:  # the footer and meta of a filed site
        config.write(CHINA_SETTINGS)
    write_archive(generated, 6, start=49)  # December 2019 to January 2020
    write_archive(generated, 4, start=104)  # December 2020 to January 2021
    for variant in range(len(PRINT_ISSUES)):
        (generated / "issues" / "2021" / f"{40 + variant:03d}.md").write_text(_print_issue(variant), encoding="utf-8")
    (generated / "issues" / "2021" / "040").mkdir()
    (generated / "issues" / "2021" / "040" / "原件.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    paragraphs = ["".join(SENTENCES[k:k + 3]) for k in range(0, len(SENTENCES), 3)]
    write_photo_issue(generated, "2021/044.md", 44, "2021-11-05", 6, paragraphs)

    # Another province, started as an office starts: init, import a raw bulletin (its pages use Jilin's words).
    from guanxin_site.cli import main as cli_main
    from guanxin_site.project_init import init_project

    jilin = sources / "jilin"
    init_project(jilin, province="吉林省")
    imported = CliRunner().invoke(cli_main, ["import", str(REPO / "tests/data/bulletins/jilin.txt"), "--source", str(jilin)])
    assert imported.exit_code == 0, imported.output

    # A municipality: 38 districts and counties as regions, a heat map wider than a phone.
    from test_gazetteer_areas import generate_issues

    chongqing = sources / "chongqing"
    init_project(chongqing, province="重庆市")
    generate_issues(chongqing, Gazetteer.load("chongqing"), seed=5, count=3)

    built = {}
    for name, project in (("shipped", shipped), ("generated", generated), ("jilin", jilin), ("chongqing", chongqing)):
        built[name] = Site(name, www / name, f"{origin}{name}/")
        build(project, built[name].root, base_url=built[name].url)
    yield built
    server.shutdown()
    server.server_close()


# -- Nu Html Checker ---------------------------------------------------------------------------

def test_nu_html_checker_finds_no_errors(sites):
    java = shutil.which("java")
    assert java, "Java is needed for the Nu Html Checker (Debian: apt-get install default-jre-headless)"
    assert VNU_JAR.is_file(), f"{VNU_JAR} is missing: {NPM_HINT}"
    files = [str(p) for site in sites.values() for p in sorted(site.root.rglob("*.html"))]
    static = sites["shipped"].root / "static"
    files += [str(p) for p in sorted(static.glob("*.css"))] + [str(p) for p in sorted(static.glob("*.svg"))]
    run = subprocess.run([java, "-jar", str(VNU_JAR), "--format", "json", "--also-check-css", "--also-check-svg", *files],
                         capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr or run.stdout)["messages"]
    errors = [f"{m.get('url', '').split('/www')[-1]}:{m.get('lastLine')}: {m.get('message')}"
              for m in messages if m.get("type") in ("error", "non-document-error")]
    assert errors == []
    assert len(files) > 60  # every page of both sites was checked, not an empty list


# -- axe-core, phone width, requests: every page, in a real browser -----------------------------

@dataclass
class PageAudit:
    url: str
    violations: list[str] = field(default_factory=list)
    scroll_width: int = 0
    requests: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


AXE_RUN = "axe.run(document, {resultTypes: ['violations']})"


def _cancelled(request) -> bool:
    """A request the browser gave up itself (net::ERR_ABORTED): the icon Chromium fetches after the load
    event, cancelled by moving on to the next page, and, seen once in several runs under load, site.css
    of a page whose two audit tabs share a cache. Not a failure of the site: a missing file answers 404
    and a broken server 5xx, which the response handler records; a file that does not load at all
    shows in the other checks (axe's contrast, the sideways-scroll width)."""
    return request.failure == "net::ERR_ABORTED"


async def _audit_worker(context, queue: list[str], results: list[PageAudit]) -> None:
    """Audit pages one after another in one tab (a fresh tab per page costs more than the audit)."""
    page = await context.new_page()
    current: list[PageAudit] = []
    page.on("request", lambda request: current[-1].requests.append(request.url))
    page.on("requestfailed", lambda request: not _cancelled(request)
            and current[-1].failures.append(f"{request.url} {request.failure}"))
    page.on("response", lambda response: response.status >= 400
            and current[-1].failures.append(f"{response.url} {response.status}"))
    try:
        while queue:
            audit = PageAudit(queue.pop(0))
            current.append(audit)
            await page.goto(audit.url, wait_until="load")
            audit.scroll_width = await page.evaluate("document.documentElement.scrollWidth")
            result = await page.evaluate(AXE_RUN)
            audit.violations = [f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
                                for v in result["violations"] if v["impact"] in ("serious", "critical")]
            results.append(audit)
    finally:
        await page.close()


async def _audit(urls: list[str], viewport: dict, workers: int = 2) -> list[PageAudit]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport=viewport)
            await context.add_init_script(script=AXE_JS.read_text(encoding="utf-8"))  # axe-core in every page
            queue, results = list(urls), []
            await asyncio.gather(*(_audit_worker(context, queue, results) for _ in range(workers)))
        finally:
            await browser.close()
    return sorted(results, key=lambda audit: audit.url)


@pytest.fixture(scope="module")
def phone_audits(sites) -> list[PageAudit]:
    assert AXE_JS.is_file(), f"{AXE_JS} is missing: {NPM_HINT}"
    urls = [site.url + page for site in sites.values() for page in site.pages()]
    return asyncio.run(_audit(urls, PHONE))


def test_axe_finds_no_serious_violation_on_any_page(phone_audits):
    assert len(phone_audits) > 60
    problems = {a.url: a.violations for a in phone_audits if a.violations}
    assert problems == {}


def test_no_page_scrolls_sideways_on_a_360px_phone(phone_audits):
    wide = {a.url: a.scroll_width for a in phone_audits if a.scroll_width > PHONE["width"]}
    assert wide == {}
    assert all(a.scroll_width == PHONE["width"] for a in phone_audits)


def test_every_request_stays_on_the_site_and_succeeds(phone_audits):
    third_party = sorted({url for a in phone_audits for url in a.requests if urlsplit(url).hostname != "127.0.0.1"})
    assert third_party == []
    assert {a.url: a.failures for a in phone_audits if a.failures} == {}
    assert all(any(url.endswith("static/site.css") for url in a.requests) for a in phone_audits
               if not WECHAT_PAGE.search(a.url) and not a.url.endswith("/search/"))  # the search page carries it inline
    for audit in phone_audits:  # the edition loads nothing but itself, 大字 and its photos (one JPEG each)
        if WECHAT_PAGE.search(audit.url):
            assert audit.requests[0] == audit.url, audit
            assert all(url.endswith((".jpg", *WECHAT_PAGE_LOADS, "static/favicon.svg")) for url in audit.requests[1:]), audit


def test_key_pages_pass_at_desktop_width(sites):
    urls = [sites["shipped"].url + page for page in KEY_PAGES]
    audits = asyncio.run(_audit(urls, DESKTOP))
    assert {a.url: a.violations for a in audits if a.violations} == {}
    assert {a.url: a.scroll_width for a in audits if a.scroll_width > DESKTOP["width"]} == {}


def test_missing_page_gets_the_styled_404_page(sites):
    audits = asyncio.run(_audit([sites["shipped"].url + "2099/1/"], PHONE))
    audit = audits[0]
    assert audit.violations == []
    # The 404 page is served at the missing address: its stylesheet must still load (absolute from the base URL).
    assert sites["shipped"].url + "static/site.css" in audit.requests
    assert [f for f in audit.failures if not f.endswith("2099/1/ 404")] == []


# -- JavaScript off, page weight ----------------------------------------------------------------

# The one script of every page only adds to a page that works without it: the 大字 switch and WeChat's
# share hint are hidden without JavaScript (the 复制到公众号 buttons too, in serve's preview).
ENHANCEMENTS = {"static/enhance.js"}


def test_pages_need_no_javascript(sites):
    for site in sites.values():
        for page in site.pages():
            if page.startswith("search/"):
                continue  # search is the one feature that needs JavaScript; it says so in <noscript>
            doc = lxml_html.fromstring((site.root / (page + "index.html" if page.endswith("/") or not page else page)).read_bytes())
            assert not doc.xpath("//script[not(@src)] | //*[@*[starts-with(name(), 'on')]]"), f"{site.name}/{page}"
            scripts = {re.sub(r"^.*?(?=static/)", "", src) for src in doc.xpath("//script/@src")}
            assert scripts <= ENHANCEMENTS, f"{site.name}/{page}: {scripts}"
            assert not doc.xpath("//button[not(ancestor-or-self::*[@hidden])][not(ancestor::form)]"), f"{site.name}/{page}: a button that needs JavaScript"


def test_public_pages_carry_no_editors_tool(sites):
    """The 公众号版 copy box and its Ctrl+V / Ctrl+A instructions are for editors (serve's preview), not readers."""
    checked = 0
    for site in sites.values():
        for page in site.pages():
            doc = lxml_html.fromstring((site.root / (page + "index.html" if page.endswith("/") or not page else page)).read_bytes())
            for script in doc.xpath("//script"):  # the search page carries enhance.js inline: its words are not shown
                script.drop_tree()
            assert not doc.xpath("//*[contains(@class, 'wechat-edition') or contains(@class, 'wechat-copy')]"
                                 " | //script[contains(@src, 'wechat-copy')]"), f"{site.name}/{page}"
            assert not re.search(r"复制到公众号|Ctrl\+[VA]", doc.text_content()), f"{site.name}/{page}"
            checked += 1
    assert checked > 60


def test_key_pages_work_with_javascript_off(sites, browser):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    site = sites["shipped"]
    try:
        page.goto(site.url)
        assert page.locator("header nav a").count() >= 4
        page.locator("main a.button").click()  # 阅读本期全文
        assert page.url == site.url + "2023/53/"
        assert page.locator("section.report").count() == 4
        assert page.locator("section.report").first.is_visible()
        page.goto(site.url + "regions/yichun/")
        assert page.locator(".entry-list li").count() >= 1
        page.goto(site.url + "stats/")
        for chart in page.locator("svg.chart").all():
            box = chart.bounding_box()
            assert box and box["width"] > 300 and box["height"] > 50
        assert page.locator("table.data-table").count() == 2
    finally:
        context.close()


def test_issue_page_is_under_30_kb_of_html_and_css(sites, browser):
    site = sites["shipped"]
    files = (site.root / "2023" / "53" / "index.html").stat().st_size + (site.root / "static" / "site.css").stat().st_size
    assert files < ISSUE_BUDGET
    # What the browser actually loads: documents, stylesheets and scripts (enhance.js, the one script).
    page = browser.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    try:
        page.goto(site.url + "2023/53/", wait_until="load")
        loaded = [(r.request.resource_type, r.url, len(r.body())) for r in responses]
    finally:
        page.close()
    weight = sum(size for kind, _, size in loaded if kind in ("document", "stylesheet"))
    assert weight < ISSUE_BUDGET, loaded
    assert sum(size for kind, _, size in loaded if kind == "script") < SCRIPT_BUDGET, loaded
    assert {kind for kind, _, _ in loaded} <= {"document", "stylesheet", "script", "image", "other"}
    assert [url for kind, url, _ in loaded if kind == "script"] == [site.url + "static/enhance.js"]  # no copy code: preview only


def test_search_page_loads_nothing_but_itself_within_its_budget(sites, browser):
    site = sites["shipped"]
    page = browser.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    try:
        page.goto(site.url + "search/", wait_until="load")
        page.wait_for_function("document.getElementById('search-status').dataset.state === 'idle'")
        loaded = [(r.request.resource_type, r.url, len(r.body())) for r in responses]
    finally:
        page.close()
    assert [url for _, url, _ in loaded] == [site.url + "search/"]  # stylesheet, scripts and icon inside it (issue 25)
    assert not [url for _, url, _ in loaded if "/search/data/" in url]  # the manifest is in the page
    assert sum(size for kind, _, size in loaded if kind in ("document", "stylesheet", "script")) < SEARCH_PAGE_BUDGET, loaded


# -- print -----------------------------------------------------------------------------------------

def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    assert path, f"{tool} is missing: apt-get install poppler-utils"
    return path


@pytest.fixture(scope="module")
def printed(sites, browser, tmp_path_factory) -> dict[str, Path]:
    """PDF of the shipped issue and of the long generated ones, printed the way a reader's browser prints them."""
    out = tmp_path_factory.mktemp("pdf")
    pdfs = {}
    page = browser.new_page()
    try:
        for site, issue in [(sites["shipped"], "2023/53/")] + [(sites["generated"], url) for url in (*PRINT_ISSUES, PHOTO_ISSUE)]:
            page.goto(site.url + issue)
            path = out / (site.name + "-" + issue.strip("/").replace("/", "-") + ".pdf")
            page.pdf(path=str(path), prefer_css_page_size=True, print_background=True)
            pdfs[f"{site.name}/{issue}"] = path
    finally:
        page.close()
    return pdfs


def _pdf_pages(pdf: Path) -> list[list[str]]:
    text = subprocess.run([_poppler("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [[line.strip() for line in page.splitlines() if line.strip()] for page in text.split("\f") if page.strip()]


def _red_share(pdf: Path, top: float) -> float:
    """Share of strongly red pixels in the top part of page one (pdftoppm renders it as a binary PPM)."""
    ppm = subprocess.run([_poppler("pdftoppm"), "-r", "40", "-f", "1", "-l", "1", str(pdf)], capture_output=True,
                         check=True).stdout
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", ppm)
    width, height = int(header[1]), int(header[2])
    pixels = ppm[header.end():]
    rows = int(height * top)
    red = sum(1 for i in range(0, width * rows * 3, 3)
              if pixels[i] > 150 and pixels[i + 1] < 70 and pixels[i + 2] < 70)
    return red / (width * rows)


def test_printed_issue_looks_like_the_paper_bulletin(printed):
    pdf = printed["shipped/2023/53/"]
    info = subprocess.run([_poppler("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+59\d(\.\d+)? x 841\.\d+ pts \(A4\)", info), info
    pages = _pdf_pages(pdf)
    first = "\n".join(pages[0])
    # The masthead opens page one: title, issue line, publisher and date, then the headline.
    assert pages[0][0] == "关心下一代工作"
    assert "（2023年第53期·总第509期）" in pages[0][1]
    assert "黑龙江省关心下一代工作委员会办公室" in first and "2023年11月17日" in first
    assert "全省各地关工委认真学习贯彻省关工委第33次全委会议精神" in first
    assert _red_share(pdf, top=0.12) > 0.01  # the red masthead and rule
    everything = "\n".join(line for page in pages for line in page)
    for screen_only in ("跳到正文", "搜索", "最新一期", "往期", "订阅", "本期目录", "上一期", "下一期"):
        assert screen_only not in everything, screen_only
    assert re.fullmatch(r"—\s*1\s*—", pages[0][-1])  # page numbers at the foot, as on paper


def _platform_fonts(page, selector: str) -> list[str]:
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument")["root"]["nodeId"]
    node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    session.detach()
    return [f["familyName"] for f in fonts]


def test_print_uses_a_serif_body_and_hides_navigation(sites, browser):
    page = browser.new_page()
    try:
        page.goto(sites["shipped"].url + "2023/53/")
        page.emulate_media(media="print")
        for selector in (".site-header", ".site-footer", "form", ".toc", ".pager"):
            assert not page.locator(selector).first.is_visible(), selector
        colour = page.eval_on_selector(".masthead-title", "e => getComputedStyle(e).color")
        rule = page.eval_on_selector(".masthead-rule", "e => getComputedStyle(e).borderBottomColor")
        assert colour == rule == "rgb(192, 0, 0)"
        # The fonts Chromium actually drew with (not the CSS wish list): last, the DevTools session ends the emulation.
        for selector in (".prose p", ".masthead-title", ".headline"):
            fonts = _platform_fonts(page, selector)
            assert fonts and all("Serif" in name or "Song" in name for name in fonts), (selector, fonts)
    finally:
        page.close()


def test_printed_photos_stay_with_their_captions(printed):
    """Every photo is printed, whole, on the page that also holds its caption (break-inside: avoid)."""
    pdf = printed[f"generated/{PHOTO_ISSUE}"]
    listing = subprocess.run([_poppler("pdfimages"), "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    image_pages = [int(line.split()[0]) for line in listing.splitlines()[2:] if line.split()[2] == "image"]
    pages = [re.sub(r"\s", "", "".join(lines)) for lines in _pdf_pages(pdf)]
    caption_pages = [next(n for n, text in enumerate(pages, 1) if f"第{k}张照片的说明" in text) for k in range(1, 7)]
    assert len(pages) >= 3 and image_pages == caption_pages, (image_pages, caption_pages)


def test_no_heading_is_stranded_at_a_page_foot(printed):
    headings = {re.sub(r"\s", "", region) for region in REGIONS}
    checked = 0
    for name, pdf in printed.items():
        pages = _pdf_pages(pdf)
        assert len(pages) >= 2, name
        for number, lines in enumerate(pages[:-1], 1):
            body = [line for line in lines if not re.fullmatch(r"—\s*\d+\s*—", line)]
            last = re.sub(r"[\s■]", "", body[-1])
            assert last not in headings, f"{name}: page {number} ends with the heading {last}"
            checked += 1
    assert checked >= 8


def test_the_bulletins_name_inside_a_sentence_is_in_book_title_marks(tmp_path):
    """A reader audit: 本站收录关心下一代工作…共 300 期 and 哈尔滨市关工委在关心下一代工作中的全部报告 read as
    "the work of caring for the next generation". In a sentence the name is 《关心下一代工作》; titles and
    the masthead keep it bare, and a title already in 《》 is not marked twice."""
    from guanxin_site.pages import book_title

    assert book_title("关心下一代工作") == "《关心下一代工作》" and book_title("《关工简报》") == "《关工简报》"
    project, site = tmp_path / "project", tmp_path / "site"
    project.mkdir()
    shutil.copy(REPO / "site.yaml", project / "site.yaml")
    shutil.copytree(REPO / "issues", project / "issues")
    build(project, site)
    stats = (site / "stats" / "index.html").read_text(encoding="utf-8")
    assert "本站收录《关心下一代工作》" in stats and "<title>统计 · 关心下一代工作</title>" in stats
    region = (site / "regions" / "heihe" / "index.html").read_text(encoding="utf-8")
    assert 'content="黑河市关工委在《关心下一代工作》中的全部' in region
    assert "编印《关心下一代工作》2023年第53期" in (site / "2023" / "53" / "wechat.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("size, shown", [(1, "1 KB"), (500, "1 KB"), (2048, "2 KB"), (839_680, "820 KB"),
                                         (1024 * 1024 - 1, "1024 KB"), (1024 * 1024, "1.0 MB"), (3_500_000, "3.3 MB")])
def test_an_attachments_size_reads_as_a_reader_expects(size, shown):
    """A reader audit: a 3.4 MB original was offered as 原件（PDF）（3418.0 KB）."""
    from guanxin_site.pages import file_size

    assert file_size(size) == shown
