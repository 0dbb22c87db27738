"""The offline copy's search (build --offline): the same index as the web's, in classic scripts that
a page opened from disk (file://) may load, read on demand a piece at a time.

Checked: the offline index holds the same files as the web's (read back through its scripts), its
scripts are few and each small beside the whole, an added issue gives the clean build, and in
headless Chromium the search page opened from file:// answers as the web version over HTTP does.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

from test_search import (TODAY, BruteForce, Server, build_site, found_urls, index_files, load_archive,
                         new_project, write_generated_archive)
from test_search_browser import INFLATE_JS, WITHOUT_DECOMPRESSION_STREAM, page_answers, show_all, wait_for_results
from guanxin_site.build import build
from guanxin_site.search import DATA_DIR
from guanxin_site.search.reader import IndexReader
from archive_factory import write_archive

QUERIES = ("关工委", "关心下一代工作委员会", "心理健康", "五老", "嘉荫县", "嘉荫", "伊春", "33次", "留守儿童",
           "召开全体委员会议传达", "哈尔滨冰雪", "第 33 次全委会", "红色阵地")


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """One generated archive of 150 issues (three segments), built for the web and offline."""
    root = tmp_path_factory.mktemp("search-offline")
    write_generated_archive(root / "project", 150)
    build_site(root / "project", root / "web")
    build(root / "project", root / "offline", today=TODAY, offline=True)
    return root


def test_the_offline_index_is_the_web_index_in_scripts(sites):
    web, offline = index_files(sites / "web"), index_files(sites / "offline")
    manifest = IndexReader(sites / "offline").manifest
    assert manifest["offline"] == {"i": 2, "t": 1}  # a small archive: a few scripts of shards a part
    data = sites / "offline" / DATA_DIR
    assert not list(data.rglob("*.bin")) and not (data / "index.json").exists()
    same = [name for name in web if name not in ("index", "search page", "page manifest")]
    assert same and all(web[name] == offline[name] for name in same)
    brute = BruteForce(*load_archive(sites / "project"))
    reader = IndexReader(sites / "offline")
    assert all(found_urls(reader, q) == brute.search(q) for q in QUERIES)


def test_the_offline_index_is_few_files_each_a_small_part_of_the_whole(sites):
    data = sites / "offline" / DATA_DIR
    scripts = [p for p in data.rglob("*") if p.is_file()]
    web = [p for p in (sites / "web" / DATA_DIR).rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in scripts)
    assert all(p.suffix == ".js" for p in scripts) and len(scripts) < len(web) / 10
    assert max(p.stat().st_size for p in scripts) < total / 2  # a query reads pieces, never the whole index
    for script in scripts:  # each hands its data to the reader, JSON inside a string
        text = script.read_text(encoding="utf-8")
        assert re.fullmatch(r'guanxinSearchData\("[^"]+",".*"\);\n', text, re.S), script


def test_an_added_issue_to_the_offline_copy_gives_the_clean_build(tmp_path):
    project, _ = new_project(tmp_path, 70)
    build(project, tmp_path / "copy", today=TODAY, offline=True)
    write_archive(project, 1, start=70)
    build(project, tmp_path / "copy", today=TODAY, offline=True)
    build(project, tmp_path / "clean", today=TODAY, offline=True, use_cache=False)
    assert index_files(tmp_path / "copy") == index_files(tmp_path / "clean")




def _relative(page, base: str) -> list[str]:
    links = page.eval_on_selector_all("#search-results h2 a", "links => links.map(a => a.href)")
    return [re.sub(r"index\.html(?=#|$)", "", unquote(a).removeprefix(base)) for a in links]


def test_chromium_from_disk_answers_as_the_web_version_over_http(sites, browser):
    """The offline copy opened from file:// (no setting changed) against the web build over HTTP."""
    server = Server(sites / "web")
    context = browser.new_context()
    page = context.new_page()
    errors, requests = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("request", lambda request: requests.append(request.url))
    try:
        on_disk, over_http = {}, {}
        for answers, base in ((over_http, server.url), (on_disk, (sites / "offline").as_uri() + "/")):
            search = base + ("search/" if base.startswith("http") else "search/index.html")
            for query in QUERIES:
                page.goto(f"{search}?q={quote(query)}")
                wait_for_results(page)
                if query == "嘉荫县":
                    show_all(page)  # the later results too, read from further store files
                answers[query] = (page.get_attribute("#search-status", "data-state"),
                                  page.get_attribute("#search-status", "data-count"),
                                  page.inner_text("#search-status"), _relative(page, base))
        assert on_disk == over_http
        assert sum(1 for state, *_ in on_disk.values() if state == "results") >= len(QUERIES) - 2
        # From disk only scripts of the copy were read: no fetch (which Chromium refuses there).
        disk = [unquote(r) for r in requests if r.startswith("file:")]
        assert any(r.endswith(".js") and "/search/data/" in r for r in disk)
        assert not [r for r in disk if r.endswith((".bin", ".json"))]
        page.goto((sites / "offline" / "search" / "index.html").as_uri() + "?q=" + quote("嘉荫县"))
        wait_for_results(page)
        page.click("#search-results h2 a >> nth=0")  # a result opens its report's file
        assert page.url.startswith((sites / "offline").as_uri()) and "/index.html#" in page.url
        assert Path(unquote(urlsplit(page.url).path)).is_file()
    finally:
        context.close()
        server.close()
    assert errors == []


def test_from_disk_a_browser_without_deflate_raw_answers_with_static_inflate_js(sites, browser):
    """The offline copy on an older phone's browser (no DecompressionStream: Safari before 16.4): the
    reader loads static/inflate.js from disk, a classic script, and answers as with the browser's own."""
    search = (sites / "offline" / "search" / "index.html").as_uri()
    queries = ("关工委", "嘉荫县", "学习留守儿童")
    native, _ = page_answers(browser, search, queries)
    answers, requested = page_answers(browser, search, queries, init_script=WITHOUT_DECOMPRESSION_STREAM)
    assert answers == native and native["关工委"][0][0] == "results"
    assert unquote((sites / "offline").as_uri()) + "/" + INFLATE_JS in requested
