"""Atom feeds, sitemap and robots.txt: valid, absolute, deterministic, and left out without a base URL."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from lxml import etree
from lxml import html as lxml_html

from archive_factory import write_archive
from guanxin_site.archive import organise
from guanxin_site.build import build
from guanxin_site.loader import load_project
from guanxin_site.config import SiteConfig
from guanxin_site.feeds import xml_text
from guanxin_site.planner import left_out

BASE = "https://example.org/guanxin/"
ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def atom_problems(data: bytes) -> list[str]:
    """What RFC 4287 requires of a feed document, checked element by element (section numbers in brackets)."""
    problems: list[str] = []
    root = etree.fromstring(data)
    if root.tag != ATOM + "feed":
        return [f"root element is {root.tag}, not atom:feed"]
    if not root.get(XML_LANG):
        problems.append("feed has no xml:lang")

    def one(parent, name: str, where: str, required: bool = True) -> etree._Element | None:
        found = parent.findall(ATOM + name)
        if len(found) > 1 or (required and not found):
            problems.append(f"{where} must contain exactly one atom:{name} (found {len(found)})")
        return found[0] if found else None

    def check_text(el, where: str) -> None:
        if el is not None and el.get("type", "text") not in ("text", "html", "xhtml"):
            problems.append(f"{where}: text construct of unknown type {el.get('type')} (3.1.1)")

    def check_date(el, where: str) -> None:
        if el is not None and not RFC3339.match(el.text or ""):
            problems.append(f"{where}: {el.text!r} is not an RFC 3339 date-time (3.3)")

    def check_iri(value: str | None, where: str) -> None:
        parts = urlsplit(value or "")
        if parts.scheme not in ("http", "https", "tag") or re.search(r"\s", value or ""):
            problems.append(f"{where}: {value!r} is not an absolute IRI (4.2.6)")

    def check_links(parent, where: str) -> None:
        alternates = set()
        for link in parent.findall(ATOM + "link"):
            if not link.get("href"):
                problems.append(f"{where}: atom:link without href (4.2.7.1)")
            key = (link.get("rel", "alternate"), link.get("type"), link.get("hreflang"))
            if key[0] == "alternate":
                if key in alternates:
                    problems.append(f"{where}: two alternate links with the same type and hreflang (4.1.1)")
                alternates.add(key)
            else:
                check_iri(link.get("href"), f"{where} link rel={key[0]}")

    feed_id = one(root, "id", "feed")
    check_iri(feed_id.text if feed_id is not None else None, "feed id")
    check_text(one(root, "title", "feed"), "feed title")
    check_date(one(root, "updated", "feed"), "feed updated")
    check_links(root, "feed")
    if not root.findall(ATOM + "link[@rel='self']"):
        problems.append("feed should have a rel=self link (4.1.1)")
    feed_has_author = bool(root.findall(ATOM + "author"))
    for author in root.iter(ATOM + "author"):
        if author.find(ATOM + "name") is None or not (author.find(ATOM + "name").text or "").strip():
            problems.append("atom:author without a name (3.2.1)")
    ids = []
    for n, entry in enumerate(root.findall(ATOM + "entry"), 1):
        where = f"entry {n}"
        entry_id = one(entry, "id", where)
        ids.append(entry_id.text if entry_id is not None else None)
        check_iri(ids[-1], f"{where} id")
        check_text(one(entry, "title", where), f"{where} title")
        check_date(one(entry, "updated", where), f"{where} updated")
        check_date(one(entry, "published", where, required=False), f"{where} published")
        check_text(one(entry, "summary", where, required=False), f"{where} summary")
        content = one(entry, "content", where, required=False)
        check_links(entry, where)
        if not feed_has_author and not entry.findall(ATOM + "author"):
            problems.append(f"{where}: no atom:author in the entry or the feed (4.1.2)")
        if content is None and not entry.findall(ATOM + "link[@rel='alternate']"):
            problems.append(f"{where}: neither content nor an alternate link (4.1.2)")
        if content is not None and content.get("type") not in (None, "text", "html", "xhtml"):
            problems.append(f"{where}: content type {content.get('type')} would need a summary (4.1.2)")
    if len(set(ids)) != len(ids):
        problems.append("two entries share an atom:id (4.1.1)")
    return problems


@pytest.fixture(scope="module")
def site(generated_project, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("feeds") / "site"
    build(generated_project, out, base_url=BASE)
    return out


@pytest.fixture(scope="module")
def archive(generated_project):
    project = load_project(generated_project)
    return organise(list(project.issues), project.gazetteer)


def _text_of(fragment: str) -> str:
    return re.sub(r"\s+", "", lxml_html.fromstring(f"<div>{fragment}</div>").text_content())


def test_site_feed_is_valid_atom_with_the_latest_twenty_issues_in_full(site, archive):
    data = (site / "feed.xml").read_bytes()
    assert atom_problems(data) == []
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.language == "zh-CN"
    assert parsed.feed.author == "黑龙江省关心下一代工作委员会办公室"
    latest = archive.issues[:20]
    assert len(parsed.entries) == 20
    for entry, issue in zip(parsed.entries, latest):
        assert entry.link == entry.id == f"{BASE}{issue.url}"
        assert entry.updated == entry.published == f"{issue.date.isoformat()}T00:00:00+08:00"
        assert issue.title in entry.title and issue.label in entry.title
        content = entry.content[0]
        assert content.type == "text/html"
        text = _text_of(content.value)
        for report in issue.reports:  # the full text, each report under its region heading
            assert f'<a href="{BASE}regions/{report.region.slug}/">{report.region.name}</a></h2>' in content.value
            assert re.sub(r"\s+", "", report.text) in text
        assert [t.term for t in entry.tags] == [r.region.slug for r in issue.reports]
    assert parsed.feed.updated == parsed.entries[0].updated  # from the newest issue, never the build clock


def test_region_feed_lists_the_latest_twenty_reports_with_anchors(site, archive):
    busy = max(archive.regions, key=lambda index: len(index.entries))
    assert len(busy.entries) > 20
    data = (site / "regions" / busy.region.slug / "feed.xml").read_bytes()
    assert atom_problems(data) == []
    parsed = feedparser.parse(data)
    assert not parsed.bozo and parsed.version == "atom10"
    assert parsed.feed.link == f"{BASE}regions/{busy.region.slug}/"
    assert len(parsed.entries) == 20
    for entry, item in zip(parsed.entries, busy.entries):
        assert entry.link == f"{BASE}{item.issue.url}#{busy.region.slug}"
        assert entry.id == entry.link
        page = lxml_html.fromstring((site / item.issue.url / "index.html").read_bytes())
        assert page.get_element_by_id(busy.region.slug) is not None  # the fragment lands on the report
        assert _text_of(entry.content[0].value) == re.sub(r"\s+", "", item.report.text)


def test_every_feed_is_valid_and_every_reporting_region_has_one(site, archive):
    for index in archive.regions:
        feed = site / "regions" / index.region.slug / "feed.xml"
        page = lxml_html.fromstring((site / "regions" / index.region.slug / "index.html").read_bytes())
        links = page.xpath("//head/link[@rel='alternate'][@type='application/atom+xml']/@href")
        if index.entries:
            assert atom_problems(feed.read_bytes()) == [], index.region.slug
            assert "feed.xml" in links  # the region's own feed, beside the site feed
            assert "../../feed.xml" in links
        else:
            assert not feed.exists() and "feed.xml" not in links


def _feed_files(site: Path) -> list[Path]:
    return [site / "feed.xml", *sorted((site / "regions").glob("*/feed.xml"))]


def test_every_feed_names_its_browser_stylesheet_and_stays_a_valid_feed(site):
    """The xml-stylesheet instruction gives a browser a readable page; feed readers must still read the feed."""
    feeds = _feed_files(site)
    assert len(feeds) > 5
    for feed in feeds:
        data = feed.read_bytes()
        root = etree.fromstring(data)
        instructions = [n for n in root.itersiblings(preceding=True) if isinstance(n, etree._ProcessingInstruction)]
        assert [pi.target for pi in instructions] == ["xml-stylesheet"], feed
        assert instructions[0].get("type") == "text/xsl"
        stylesheet = (feed.parent / instructions[0].get("href")).resolve()
        assert stylesheet == (site / "static" / "feed.xslt.xml").resolve() and stylesheet.is_file()
        parsed = feedparser.parse(data)
        assert not parsed.bozo and parsed.version == "atom10" and parsed.entries, feed
        assert atom_problems(data) == [], feed


def test_a_feed_opened_in_the_browser_reads_as_a_chinese_page(site, browser):
    """Chromium applies the stylesheet: a page that says what a feed is, gives its address and lists its entries."""
    from browser_support import Server

    axe = (Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
    server = Server(site)
    page = browser.new_page(viewport={"width": 360, "height": 780})
    failed = []
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    try:
        for rel in ("feed.xml", "regions/yichun/feed.xml"):
            feed = feedparser.parse((site / rel).read_bytes())
            page.goto(server.url + rel)
            assert page.title() == f"订阅：{feed.feed.title}"
            assert page.evaluate("document.documentElement.lang") == "zh-CN"
            assert "订阅源" in page.locator("main").inner_text() and "阅读器" in page.locator("main").inner_text()
            assert page.locator("#feed-address").input_value() == BASE + rel
            entries = page.locator(".entry-list li")
            assert entries.count() == len(feed.entries)
            assert entries.first.locator("a").get_attribute("href") == feed.entries[0].link
            year, month, day = feed.entries[0].published[:10].split("-")
            assert entries.first.locator("time").inner_text() == f"{year}年{int(month)}月{int(day)}日"  # as the site writes it
            # The site's own look, and the way home: the stylesheet path comes from the feed's instruction.
            assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") == "rgb(192, 0, 0)"
            home = page.locator(".site-name")
            assert home.inner_text() == "关心下一代工作"
            assert page.evaluate("document.querySelector('.site-name').href") == server.url
            assert page.locator("button.text-size").is_visible()  # 大字 works here too
            page.add_script_tag(content=axe)
            result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
            assert [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")] == [], rel
        assert failed == []
    finally:
        page.close()
        server.close()


def test_home_page_announces_the_site_feed(site):
    home = lxml_html.fromstring((site / "index.html").read_bytes())
    assert home.xpath("//head/link[@rel='alternate'][@type='application/atom+xml']/@href") == ["feed.xml"]
    assert "subscribe/" in home.xpath("//footer//a/@href")  # the page with the addresses: a browser shows a feed as XML


def test_feed_text_drops_characters_xml_cannot_carry():
    """The parser already refuses control characters; the feed still never emits one XML 1.0 cannot parse."""
    assert xml_text("控制\x0c字符\x0b测试\x00\ufffe") == "控制字符测试"
    assert xml_text("换行\n制表\t保留") == "换行\n制表\t保留"


def test_sitemap_lists_every_html_page_but_404_and_search_with_lastmod(site, archive):
    root = etree.fromstring((site / "sitemap.xml").read_bytes())
    assert root.tag == SITEMAP + "urlset"
    entries = {u.findtext(SITEMAP + "loc"): u.findtext(SITEMAP + "lastmod") for u in root.findall(SITEMAP + "url")}
    assert len(entries) == len(root.findall(SITEMAP + "url"))  # no URL twice
    pages = set()
    for path in site.rglob("*.html"):
        rel = path.relative_to(site).as_posix()
        if rel not in ("404.html", "search/index.html") and not re.search(r"/wechat(-\d+)?\.html$", rel):
            # search results are not for search engines; the 公众号 edition repeats its issue page (noindex)
            pages.add(BASE + (rel[: -len("index.html")] if rel.endswith("index.html") else rel))
    assert set(entries) == pages
    newest, oldest = archive.issues[0], archive.issues[-1]
    assert entries[BASE] == newest.date.isoformat()
    assert entries[BASE + "stats/"] == newest.date.isoformat()
    assert entries[BASE + newest.url] == newest.date.isoformat()
    following = archive.neighbours[oldest.key][1]
    assert entries[BASE + oldest.url] == following.date.isoformat()  # it gained a "next issue" link then
    year, issues = archive.years[-1]
    assert entries[f"{BASE}{year}/"] == issues[0].date.isoformat()
    for index in archive.regions:
        expected = index.entries[0].issue.date.isoformat() if index.entries else None
        assert entries[f"{BASE}regions/{index.region.slug}/"] == expected


def test_robots_points_to_the_sitemap(site):
    lines = (site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in lines
    assert f"Sitemap: {BASE}sitemap.xml" in lines


def test_without_base_url_feeds_sitemap_and_robots_are_left_out_and_said_so(generated_project, tmp_path):
    out = tmp_path / "site"
    build(generated_project, out)
    for name in ("feed.xml", "sitemap.xml", "robots.txt", "regions/yichun/feed.xml"):
        assert not (out / name).exists(), name
    for path in out.rglob("*.html"):
        assert "feed.xml" not in path.read_text(encoding="utf-8"), path  # no link to a file that is not there
    notes = left_out(SiteConfig())
    assert len(notes) == 1
    for name in ("feed.xml", "sitemap.xml", "robots.txt", "base_url", "--base-url", "site.yaml", "分享卡片"):
        assert name in notes[0]
    assert left_out(SiteConfig(base_url=BASE)) == ()


def test_build_result_reports_what_was_left_out(generated_project, tmp_path):
    result = build(generated_project, tmp_path / "site")
    assert result.left_out == left_out(SiteConfig())


def _files(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*"))
            if p.is_file() and p.name != ".guanxin-site.json"}


def test_feeds_sitemap_and_stats_are_deterministic(generated_project, site, tmp_path):
    again = tmp_path / "again"
    build(generated_project, again, base_url=BASE)
    first, second = _files(site), _files(again)
    assert first.keys() == second.keys()
    for name in ("feed.xml", "regions/yichun/feed.xml", "sitemap.xml", "robots.txt", "stats/index.html"):
        assert first[name] == second[name], name
    assert first == second


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("change", ["edit newest", "edit old", "add", "delete newest"])
def test_incremental_build_equals_a_clean_build(tmp_path, change):
    """The build reuses a page when its deps are unchanged: feeds, sitemap and stats must list every input they show.
    (Without the search index: an edit to an old issue writes its changed shards under a tag of their own,
    which test_search.py compares with a clean build's.)"""
    project = tmp_path / "project"
    (project / "issues").mkdir(parents=True)
    write_archive(project, 30, start=40)  # late 2019 to mid 2020
    incremental = tmp_path / "incremental"
    build(project, incremental, base_url=BASE, search=False)
    newest = sorted((project / "issues" / "2020").glob("*.md"))[-1]
    oldest = sorted((project / "issues" / "2019").glob("*.md"))[0]
    if change == "edit newest":
        newest.write_text(newest.read_text(encoding="utf-8") + "\n关工委组织“五老”开展宣讲活动。\n", encoding="utf-8")
    elif change == "edit old":
        _edit(oldest, "title: ", "title: 修订：")
    elif change == "add":
        write_archive(project, 1, start=70)
    else:
        newest.unlink()
    build(project, incremental, base_url=BASE, search=False)
    clean = tmp_path / "clean"
    build(project, clean, base_url=BASE, search=False)
    assert _files(incremental) == _files(clean)


def test_feed_escapes_markup_once(site):
    """Report HTML goes into <content type="html"> escaped exactly once: a reader shows paragraphs, not tags."""
    raw = (site / "feed.xml").read_text(encoding="utf-8")
    assert "&lt;p&gt;" in raw and "&amp;lt;" not in raw
    value = feedparser.parse(raw.encode()).entries[0].content[0].value
    assert value.lstrip().startswith("<h2") and "<p>" in value and "&lt;" not in value


def test_subscribe_links_lead_to_a_page_with_the_feed_addresses(site):
    """Browsers are dropping XSLT, so a feed opened in one shows raw XML: the site's 订阅 links go to a page
    that says what a feed is and lists the addresses, the site's and each region's that has a feed."""
    home = lxml_html.fromstring((site / "index.html").read_bytes())
    assert home.xpath("//footer//a[normalize-space()='订阅']/@href") == ["subscribe/"]
    assert home.xpath("//link[@rel='alternate'][@type='application/atom+xml']/@href") == ["feed.xml"]  # for feed readers
    page = lxml_html.fromstring((site / "subscribe" / "index.html").read_bytes())
    assert page.xpath("//input[@id='feed-all']/@value") == [BASE + "feed.xml"]
    listed = {li.get("id"): li.xpath("string(.//code)") for li in page.xpath("//ul[@class='feed-list']/li")}
    feeds = {p.parent.name for p in (site / "regions").glob("*/feed.xml")}
    assert set(listed) == feeds and feeds
    assert all(listed[slug] == f"{BASE}regions/{slug}/feed.xml" for slug in feeds)
    for slug in feeds:  # each region page's 订阅 link names its own line of that page
        region = lxml_html.fromstring((site / "regions" / slug / "index.html").read_bytes())
        assert region.xpath("//main//a[starts-with(normalize-space(), '订阅')]/@href") == [f"../../subscribe/#{slug}"]


def test_without_a_base_url_there_is_nothing_to_subscribe_to(generated_project, tmp_path):
    out = tmp_path / "site"
    build(generated_project, out, search=False)
    assert not (out / "subscribe").exists() and not (out / "feed.xml").exists()
    home = lxml_html.fromstring((out / "index.html").read_bytes())
    assert not home.xpath("//a[contains(@href, 'subscribe') or contains(@href, 'feed.xml')]")
