"""The offline copy (`build --offline`, `offline: true`): a site that opens from disk by double-click.

Checked by crawling every page of an offline build of a generated archive (with photos and an
attachment) for links that would not resolve to a file, and by clicking through it in Chromium
over file://, where no server picks a folder's index.html.
"""
from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from guanxin_site.build import build
from guanxin_site.cli import main
from guanxin_site.editions.offline import offline_links
from photo_support import write_photo_issue
from archive_factory import SENTENCES

LINK_ATTRIBUTES = ("href", "src", "action", "poster", "data")


@pytest.fixture(scope="module")
def offline_project(generated_project, tmp_path_factory) -> Path:
    """The generated 230-issue archive, plus an issue with photos and an attachment."""
    root = tmp_path_factory.mktemp("offline") / "project"
    shutil.copytree(generated_project, root, ignore=shutil.ignore_patterns(".guanxin-cache"))
    paragraphs = ["".join(SENTENCES[k:k + 3]) for k in range(0, len(SENTENCES), 3)]
    write_photo_issue(root, "2023/photos/030.md", 30, "2023-07-21", 2, paragraphs)
    issue = root / "issues/2023/photos/030.md"
    (issue.parent / "原件.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    text = issue.read_text(encoding="utf-8")
    issue.write_text(text.replace("---\n\n", "attachments:\n  - 原件.pdf\n---\n\n", 1), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def offline_site(offline_project, tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("offline-site") / "site"
    result = build(offline_project, site, offline=True)
    assert result.photos == 2
    return site


def _links(page: Path) -> list[str]:
    doc = lxml_html.fromstring(page.read_bytes())
    urls = [value for attribute in LINK_ATTRIBUTES for value in doc.xpath(f"//@{attribute}")]
    for srcset in doc.xpath("//@srcset"):
        urls += [candidate.strip().split(" ")[0] for candidate in srcset.split(",")]
    return urls


def test_every_internal_link_of_every_page_names_an_existing_file(offline_site):
    pages = sorted(offline_site.rglob("*.html"))
    assert len(pages) > 300
    checked, problems = 0, []
    for page in pages:
        for url in _links(page):
            parts = urlsplit(url)
            if parts.scheme in ("http", "https", "mailto", "tel"):
                continue  # another site (or the web version's address in feeds and meta tags)
            if parts.scheme == "data":
                continue  # carries its file (the search page's icon)
            where = f"{page.relative_to(offline_site)}: {url}"
            if parts.scheme or parts.netloc or url.startswith("/"):
                problems.append(f"{where} (absolute: no such thing on a USB stick)")
                continue
            if not parts.path:
                continue  # "#anchor" or "?query" on the page itself
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_file():
                problems.append(f"{where} ({'a folder' if target.is_dir() else 'missing'})")
            checked += 1
    assert problems == []
    assert checked > 5_000


def test_nothing_but_the_search_page_fetches_anything(offline_site):
    """Pages opened from disk get no data from a server: outside search/ only classic scripts
    (browsers refuse modules from file://) that fetch nothing."""
    scripts = set()
    for page in offline_site.rglob("*.html"):
        if page.relative_to(offline_site).parts[0] == "search":
            continue
        doc = lxml_html.fromstring(page.read_bytes())
        for script in doc.xpath("//script"):
            assert script.get("type") in (None, "text/javascript") and script.get("src"), page
            scripts.add((page.parent / script.get("src")).resolve())
    for script in scripts:
        code = script.read_text(encoding="utf-8")
        assert not re.search(r"\bfetch\(|XMLHttpRequest|\bimport\(|sendBeacon|EventSource", code), script


def test_offline_true_in_site_yaml_is_the_same_as_the_option(tmp_path, project):
    paragraphs = ["".join(SENTENCES[k:k + 3]) for k in range(0, len(SENTENCES), 3)]
    write_photo_issue(project, "2023/053.md", 53, "2023-11-17", 2, paragraphs)
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--source", str(project), "--output", str(tmp_path / "a"), "--offline", "-q",
                                "--no-search"]).exit_code == 0
    config = project / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\noffline: true\n", encoding="utf-8")
    assert runner.invoke(main, ["build", "--source", str(project), "--output", str(tmp_path / "b"), "-q",
                                "--no-search"]).exit_code == 0

    def files(root: Path) -> dict[str, str]:
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".guanxin-site.json"}

    assert files(tmp_path / "a") == files(tmp_path / "b")
    home = (tmp_path / "a" / "index.html").read_text(encoding="utf-8")
    assert 'href="2023/53/index.html"' in home and 'href="archive/index.html"' in home
    config.write_text(config.read_text(encoding="utf-8").replace("offline: true", "offline: 是"), encoding="utf-8")
    result = runner.invoke(main, ["build", "--source", str(project), "--output", str(tmp_path / "c"), "--no-search"])
    assert result.exit_code == 1 and "“offline”只能是 true 或 false" in result.output


def test_switching_to_offline_and_back_renders_every_page_again(tmp_path, project):
    paragraphs = ["".join(SENTENCES[k:k + 3]) for k in range(0, len(SENTENCES), 3)]
    write_photo_issue(project, "2023/053.md", 53, "2023-11-17", 1, paragraphs)
    site = tmp_path / "site"
    online = build(project, site, search=False)
    assert 'href="archive/"' in (site / "index.html").read_text(encoding="utf-8")
    offline = build(project, site, search=False, offline=True)
    assert offline.changed and offline.rendered == online.rendered  # no page of the web version is reused
    assert 'href="archive/index.html"' in (site / "index.html").read_text(encoding="utf-8")
    again = build(project, site, search=False)
    assert again.changed and 'href="archive/"' in (site / "index.html").read_text(encoding="utf-8")


def test_the_404_page_of_an_offline_copy_has_no_absolute_paths(offline_site):
    page = (offline_site / "404.html").read_text(encoding="utf-8")
    assert not re.search(r'(href|src|action)="/', page)


@pytest.mark.parametrize("url, expected", [
    ("", "index.html"),
    ("../", "../index.html"),
    ("../../regions/heihe/", "../../regions/heihe/index.html"),
    ("2023/53/#heihe", "2023/53/index.html#heihe"),
    ("../search/?q=%E4%BC%9A", "../search/index.html?q=%E4%BC%9A"),
    ("..", "../index.html"),
    (".", "./index.html"),
    ("?q=1", "index.html?q=1"),
    ("#main", "#main"),
    ("会议照片-960.jpg", "会议照片-960.jpg"),
    ("../static/site.css", "../static/site.css"),
    ("https://example.org/guanxin/", "https://example.org/guanxin/"),
    ("mailto:office@example.org", "mailto:office@example.org"),
])
def test_offline_links(url, expected):
    assert offline_links(f'<a href="{url}">x</a><img src="{url}"><form action="{url}">') == \
        f'<a href="{expected}">x</a><img src="{expected}"><form action="{expected}">'


def _icon_cut_short(request) -> bool:
    """The icon Chromium fetches after the load event, given up by the browser itself when the test moves
    on to the next page (net::ERR_ABORTED; seen once in a CI run). A file missing from the copy fails with
    net::ERR_FILE_NOT_FOUND and still counts."""
    return request.url.endswith("/static/favicon.svg") and request.failure == "net::ERR_ABORTED"


def test_click_through_the_offline_copy_in_chromium(offline_site, browser):
    """Opened from disk as an editor would (file://): home → year → issue (photos load) → region."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    failed: list[str] = []
    errors: list[str] = []
    page.on("requestfailed", lambda request: _icon_cut_short(request) or failed.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        # Each page loads completely before the next click: a request our own click cuts short would count as failed.
        page.goto((offline_site / "index.html").as_uri())
        assert page.locator("main h1, main h2").first.is_visible()
        page.locator("main a[href='2023/index.html']").first.click()
        page.wait_for_load_state("load")
        assert page.url == (offline_site / "2023/index.html").as_uri()
        page.locator("main a[href='../2023/30/index.html']").first.click()
        page.wait_for_load_state("load")
        assert page.url == (offline_site / "2023/30/index.html").as_uri()
        images = page.locator("figure.photo img")
        assert images.count() == 2
        for n in range(images.count()):
            images.nth(n).scroll_into_view_if_needed()
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=images.nth(n).element_handle())
        page.locator("section.report h2 a").first.click()
        page.wait_for_load_state("load")
        assert re.fullmatch(re.escape((offline_site / "regions").as_uri()) + r"/[a-z]+/index\.html", page.url)
        assert page.locator(".entry-list li").count() >= 1
        page.locator("header nav a", has_text="统计").click()
        page.wait_for_load_state("load")
        assert page.url == (offline_site / "stats/index.html").as_uri()
        page.go_back(wait_until="load")
        page.locator("a.site-name").click()
        page.wait_for_load_state("load")
        assert page.url == (offline_site / "index.html").as_uri()
    finally:
        page.close()
    assert failed == [] and errors == []  # every script of the pages runs from disk without an error


def test_the_search_page_of_the_offline_copy_searches_from_disk(offline_site, browser):
    """From file:// the search page reads the offline copy's index (classic scripts): a query from
    the header's box shows results, and each result names its report's file."""
    page = browser.new_page(viewport={"width": 360, "height": 780})
    failed: list[str] = []
    page.on("requestfailed", lambda request: _icon_cut_short(request) or failed.append(request.url))
    try:
        page.goto((offline_site / "2023/index.html").as_uri())
        page.fill("#site-search", "会议")
        page.press("#site-search", "Enter")
        page.wait_for_url((offline_site / "search/index.html").as_uri() + "?q=*")
        page.wait_for_function("() => document.getElementById('search-status').dataset.state === 'results'")
        assert "找到" in page.locator("#search-status").inner_text()
        links = page.locator("#search-results h2 a").evaluate_all("links => links.map(a => a.href)")
        assert len(links) == 10
        for href in links:  # each names a file: no folder listing on a USB stick
            assert Path(unquote(urlsplit(href).path)).is_file(), href
        page.locator("#search-results h2 a").first.click()
        assert page.url == links[0]
    finally:
        page.close()
    assert failed == []
