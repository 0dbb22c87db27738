"""Related results and suggestions (issue 25), checked against a brute force as the exact search is.

On the generated archive of test_search.py (150 issues), read by the real search-reader.js in
headless Chromium:
- related(query) gives exactly the docs holding every part it names (folded by the reference's
  own definition), the parts cut from the query's keywords (each keyword the concatenation of its
  parts); queries planted and hypothesis-made;
- the page shows them labelled as related, none of them an exact result, every one holding every
  part, ranked by how close the parts stand (then by date), each part marked in the excerpt;
- a keyword that finds nothing gets the archive's own word of the same sound, or one character
  off, and one click searches it;
- the vocabulary file and the sound table it comes from.
"""
from __future__ import annotations

import json
import random
import re
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_search import BruteForce, Server, build_site, load_archive, write_generated_archive
from test_search_browser import wait_for_results
from search_reference import reference_keywords
from guanxin_site.search.reader import IndexReader

PLANTED = ("心理留守", "关爱留守儿童", "阵地五老", "红色心理健康", "学习留守 儿童关爱", "伊春心理", "嘉荫留守",
           "关工委流动", "青少年哈尔滨")


@pytest.fixture(scope="module")
def related_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("search-related")
    write_generated_archive(root / "project", 150)
    build_site(root / "project", root / "site")
    server = Server(root / "site")
    yield root, BruteForce(*load_archive(root / "project")), server.url
    server.close()


@pytest.fixture(scope="module")
def page(browser, related_site):
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(related_site[2] + "search/")
    yield page
    context.close()
    assert errors == []


JS_RELATED = """async (queries) => {
  const q = guanxinSearch;
  const out = {};
  for (const query of queries) {
    const r = await q.related(query);
    const ok = await Promise.all(r.ids.map((id) => q.check(id, r.unchecked)));
    const ids = r.ids.filter((id, n) => ok[n]);
    out[query] = [r.parts, await Promise.all(ids.map(async (id) => (await q.doc(id)).url))];
  }
  return out;
}"""


def holding_all(brute: BruteForce, parts: list[str]) -> set[str]:
    return {doc.url for doc, texts in zip(brute.docs, brute.texts) if all(any(p in t for t in texts) for p in parts)}


def check_related(brute: BruteForce, answers: dict) -> None:
    for query, (parts, urls) in answers.items():
        words = reference_keywords(query)
        assert set(parts) <= {p for w in words for p in _cuts(w, parts)}, (query, parts)
        if len(parts) > len(set(words)):  # the query was cut: the related docs are those holding every part
            assert set(urls) == holding_all(brute, parts), query
            assert len(urls) == len(set(urls))
        else:
            assert urls == [], query


def _cuts(word: str, parts: list[str]) -> list[str]:
    """Parts that, one after the other, make up the word exactly (each keyword is cut into pieces)."""
    ways: dict[int, list[str]] = {len(word): []}
    for at in range(len(word) - 1, -1, -1):
        for part in parts:
            if word.startswith(part, at) and at + len(part) in ways:
                ways[at] = [part, *ways[at + len(part)]]
                break
    assert 0 in ways, (word, parts)
    return ways[0]


def test_related_results_are_exactly_the_docs_holding_every_part(related_site, page):
    root, brute, _ = related_site
    rng = random.Random(3)
    texts = [t[0] for t in brute.texts if len(t[0]) > 20]
    mixed = []
    for _ in range(40):  # two pieces of two reports: mostly no exact hit, often related ones
        a, b = rng.sample(texts, 2)
        i, j = rng.randrange(len(a) - 4), rng.randrange(len(b) - 4)
        mixed.append(a[i : i + rng.randint(2, 3)] + b[j : j + rng.randint(2, 3)])
    answers = page.evaluate(JS_RELATED, list(PLANTED) + mixed)
    check_related(brute, answers)
    assert sum(1 for parts, urls in answers.values() if urls) >= 10  # most planted and many mixed have some


def test_related_results_are_the_same_read_from_the_tails_shards(related_site, browser):
    """This archive's tail (two store files) is read from its store; read from its shards, as a larger
    tail is, the related results are the same docs."""
    root, brute, base = related_site
    context = browser.new_context()
    context.add_init_script("globalThis.guanxinSearchTailScan = 0;")
    page = context.new_page()
    fetched = []
    page.on("request", lambda r: fetched.append(r.url))
    try:
        page.goto(base + "search/")
        answers = page.evaluate(JS_RELATED, list(PLANTED))
    finally:
        context.close()
    check_related(brute, answers)
    assert any("/search/data/t/" in url for url in fetched)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_hypothesis_related_agree_with_the_brute_force(related_site, page, data):
    root, brute, _ = related_site
    words = []
    for _ in range(data.draw(st.integers(1, 2))):
        text = brute.texts[data.draw(st.integers(0, len(brute.texts) - 1))][0]
        start = data.draw(st.integers(0, max(0, len(text) - 2)))
        words.append(text[start : start + data.draw(st.integers(1, 7))])
    query = " ".join(words)
    check_related(brute, page.evaluate(JS_RELATED, [query]))


def _search(page, base: str, query: str, extra: str = "") -> None:
    page.goto(f"{base}search/?q={quote(query)}{extra}")
    wait_for_results(page)
    page.wait_for_function("['results', 'none'].includes(document.getElementById('search-related').dataset.state)"
                           " || document.getElementById('search-status').dataset.state === 'results'"
                           " && Number(document.getElementById('search-status').dataset.count) >= 10")


def test_the_page_labels_related_results_each_holding_and_marking_every_part(related_site, page):
    root, brute, base = related_site
    query = "关爱留守儿童"
    assert not brute.search(query)
    _search(page, base, query)
    assert page.get_attribute("#search-status", "data-state") == "none"
    assert page.get_attribute("#search-related", "data-state") == "results"
    title = page.inner_text("#search-related-title")
    parts = ["关爱", "留守", "儿童"]
    wanted = holding_all(brute, parts)
    assert title == f"没有完全相同的说法；以下 {len(wanted)} 篇报告同时提到“关爱”、“留守”和“儿童”："
    assert int(page.get_attribute("#search-related", "data-count")) == len(wanted)
    items = page.locator("#search-related-results li")
    assert items.count() == 10
    urls = [u.split("/", 3)[3] for u in page.eval_on_selector_all("#search-related-results h2 a", "a => a.map(x => x.href)")]
    assert set(urls) <= wanted
    for n in range(items.count()):
        marks = {m for m in items.nth(n).locator("mark").all_inner_texts()}
        assert set(parts) <= marks, marks
    # Ranked by how close the parts stand, then newest first (within the candidates read).
    spreads = page.evaluate("""async (ids) => {
      const q = guanxinSearch;
      const links = [...document.querySelectorAll('#search-related-results h2 a')].map((a) => a.href);
      const m = await q.manifest();
      const out = [];
      for (let id = m.docs - 1; id >= 0 && out.length < 400; id--) {
        const d = await q.doc(id);
        if (links.includes(new URL(d.url, q.ROOT).href)) out.push([links.indexOf(new URL(d.url, q.ROOT).href), q.spread(d, ['关爱', '留守', '儿童']), d.date]);
      }
      return out.sort((a, b) => a[0] - b[0]).map((x) => [x[1], x[2]]);
    }""", [])
    assert len(spreads) == 10 and spreads == sorted(spreads, key=lambda s: (s[0], tuple(-int(x) for x in s[1].split("-"))))
    page.click("#search-related-more")
    page.wait_for_function("document.querySelectorAll('#search-related-results li').length === 20")


def test_few_exact_results_are_followed_by_related_ones_without_repeating_them(related_site, page):
    root, brute, base = related_site
    places = ("铁力", "漠河", "嘉荫", "逊克", "金林", "五大连池", "加格达奇", "大箐山")
    tried = [f"{a} {b}" for a in ("留守儿童", "阵地关爱", "红色阵地", "心理健康", "青少年健康") for b in places]
    answers = page.evaluate(JS_RELATED, [q for q in tried if 0 < len(brute.search(q)) < 10])
    query = next(q for q, (parts, urls) in answers.items() if set(urls) - brute.search(q))
    exact = brute.search(query)
    _search(page, base, query)
    page.wait_for_function("document.getElementById('search-related').dataset.state === 'results'")
    shown = [u.split("/", 3)[3] for u in page.eval_on_selector_all("#search-results h2 a", "a => a.map(x => x.href)")]
    related = [u.split("/", 3)[3] for u in page.eval_on_selector_all("#search-related-results h2 a", "a => a.map(x => x.href)")]
    assert set(shown) == exact and related and not set(related) & exact
    assert page.inner_text("#search-related-title").startswith("另有 ")
    # Fewer than ten exact results in every region: each region's count adds its related ones.
    parts = answers[query][0]
    shown = region_options(page)
    assert shown == region_counts(brute, exact | holding_all(brute, parts), shown)


def region_options(page) -> dict[str, str]:
    """The region menu's options once their counts are in: {region: its option's text}."""
    page.wait_for_function("document.querySelector('#search-region option[value]:not([value=\"\"])').textContent.includes('（')")
    return dict(page.eval_on_selector_all("#search-region option[value]:not([value=''])",
                                          "os => os.map((o) => [o.value, o.textContent])"))


def region_counts(brute: BruteForce, urls: set[str], names) -> dict[str, str]:
    """The options a reader should see: each region named with the number of the reports that it holds."""
    regions = [doc.region for doc in brute.docs if doc.url in urls]
    return {name: f"{name}（{regions.count(name)}）" for name in names}


def test_with_related_results_only_each_regions_count_is_what_choosing_it_shows(related_site, page):
    """The audit's 哈尔滨市（0） that then listed 20 reports: with no exact result the counts are the
    related results' (all of them known, each region's), and choosing a region shows that many."""
    root, brute, base = related_site
    query = "关爱留守儿童"
    related = holding_all(brute, ["关爱", "留守", "儿童"])
    assert not brute.search(query) and related
    _search(page, base, query)
    shown = region_options(page)
    wanted = region_counts(brute, related, shown)
    assert shown == wanted and len(set(wanted.values()) - {f"{name}（0）" for name in wanted}) > 2
    region = max(wanted, key=lambda name: int(re.search(r"（(\d+)）", wanted[name])[1]))
    page.select_option("#search-region", region)
    page.wait_for_function("document.getElementById('search-related').dataset.state === 'results'")
    assert wanted[region] == f"{region}（{page.get_attribute('#search-related', 'data-count')}）"
    assert region_options(page) == wanted  # the same counts, seen from the region chosen


@pytest.mark.parametrize("query", ["心理留守", "关爱留守儿童"])  # a keyword of four and of six characters
def test_a_query_with_related_results_costs_at_most_eight_requests(related_site, browser, query):
    """Issue 25: the page is one request (its stylesheet, reader and icon inside it), and the tail of
    this archive (two store files) is read from its store once for the query and every part, so the
    exact lookup, the parts' and the first ten related results take at most 8 requests, cold."""
    root, brute, base = related_site
    context = browser.new_context()
    page = context.new_page()
    requested = []
    page.on("request", lambda r: requested.append(r.url.removeprefix(base)))
    try:
        _search(page, base, query)
        page.wait_for_function("document.getElementById('search-related').dataset.state === 'results'")
        shown = page.locator("#search-related-results li").count()
    finally:
        context.close()
    assert shown == 10 and len(brute.search(query)) < 10
    requested = [path for path in requested if path != "search/data/index.json"]  # the regions, after the results
    assert [path for path in requested if not path.startswith("search/data/")] == [f"search/?q={quote(query)}"]
    assert not [path for path in requested if path.startswith("search/data/t/")]  # the tail from its store
    assert len(requested) == len(set(requested)) <= 8, requested


@pytest.mark.parametrize(("query", "too_few"), [("青少年哈尔滨", True), ("伊春心理", False)])  # in this archive's tail
def test_the_newest_sealed_store_file_is_read_early_when_the_tail_holds_too_few(related_site, browser, page, query,
                                                                                too_few):
    """Related results are shown newest first: when fewer than the first screen's of them are in the tail,
    the sealed part's newest store file is read while the parts' shards are on their way, not after them
    (a round trip fewer on a slow link: issue 10's first result within a second). Not when the tail
    holds enough, nor when they are shown oldest first. Queries without an exact result, so that no
    exact one reads that file."""
    root, brute, base = related_site
    reader = IndexReader(root / "site")
    m = reader.manifest
    newest, segment = m["bases"][-1] - 1, len(m["bases"]) - 2
    newest_file = f"d/{m['segments'][segment]}-{(newest - m['bases'][segment]) // m['store']}.bin"
    tail = {reader.doc(i).url for i in range(m["bases"][-1], m["docs"])}
    parts = page.evaluate("async (query) => (await guanxinSearch.related(query)).parts", query)
    in_tail = (holding_all(brute, parts) - holding_all(brute, reference_keywords(query))) & tail
    assert not brute.search(query) and (len(in_tail) < 10) == too_few and newest >= 0
    for sort, early in (("", too_few), ("&sort=old", False)):
        requests = _data_requests(browser, base, query, sort)
        exact_answered = min(end for path, start, end in requests if path.startswith("i/"))
        parts_answered = max(end for path, start, end in requests if path.startswith("i/") and start >= exact_answered)
        read_early = [path for path, start, _ in requests if path == newest_file and start < parts_answered]
        assert bool(read_early) == early, (sort, requests)


def _data_requests(browser, base: str, query: str, extra: str = "") -> list[tuple[str, float, float]]:
    """The search data the page read for a query (path, start, end of the response: ms), over a link
    with 100 ms of latency, so that what starts together and what waits for an answer are apart."""
    context = browser.new_context()
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 100, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    try:
        _search(page, base, query, extra)
        return page.evaluate("""() => performance.getEntriesByType("resource").filter((e) => e.name.includes("/search/data/"))
          .map((e) => [new URL(e.name).pathname.split("/search/data/")[1], e.startTime, e.responseEnd])""")
    finally:
        context.close()


def test_a_long_keywords_vocabulary_is_read_beside_the_exact_lookup(related_site, browser):
    """Issue 10 (first results within 1 s on a throttled phone): a keyword of five characters or more is
    cut into parts by the vocabulary when it finds fewer than ten reports, so the page reads it with the
    keyword's own shard, not after it; a keyword of three characters, never cut, does not read it."""
    root, brute, base = related_site
    assert not brute.search("关爱留守儿童") and len(brute.search("关工委")) >= 10
    six = _data_requests(browser, base, "关爱留守儿童")
    first_answer = min(end for path, start, end in six if path.startswith("i/"))
    assert [path for path, start, _ in six if path.startswith("suggest-") and start < first_answer]
    three = _data_requests(browser, base, "关工委")
    assert not [path for path, _, _ in three if path.startswith("suggest-")]


@pytest.mark.parametrize(("typed", "meant"), [("关工伟", "关工委"), ("黑和", "黑河")])
def test_a_slip_of_the_input_method_is_offered_the_word_meant_and_one_click_searches_it(related_site, page, typed, meant):
    root, brute, base = related_site
    assert not brute.search(typed) and brute.search(meant)
    page.goto(f"{base}search/?q={quote(typed)}")
    page.wait_for_function("document.getElementById('search-suggest').dataset.state === 'shown'")
    assert page.inner_text("#search-suggest") == f"您要找的是不是：{meant}？"
    page.click("#search-suggest a")
    page.wait_for_function(f"document.title.startsWith('“{meant}”')")
    wait_for_results(page)
    assert int(page.get_attribute("#search-status", "data-count")) == len(brute.search(meant))
    assert page.input_value("#search-q") == meant and f"q={quote(meant)}" in page.url
    assert page.is_hidden("#search-suggest")


def test_the_vocabulary_file_holds_places_abbreviations_frequent_words_and_their_sounds(related_site):
    root, brute, _ = related_site
    vocabulary = IndexReader(root / "site").suggestions()
    words = {word: (kind, reports) for word, kind, reports in vocabulary["words"]}
    assert words["黑河"][0] == 0 and words["嘉荫县"][0] == 0 and words["嘉荫"][0] == 0  # places, full and short
    assert words["黑河"][1] == len(holding_all(brute, ["黑河"]))
    assert "伊美区" not in words and "伊春区" not in words  # places no report names are not offered
    assert words["关工委"][0] == 1 and words["关心下一代工作委员会"][0] == 1
    assert words["留守"] == (2, len(holding_all(brute, ["留守"])))  # a frequent word, with its number of reports
    lines = dict(line.split(" ") for line in vocabulary["sounds"].splitlines())
    assert "委" in lines["wei"] and "伟" in lines["wei"] and "河" in lines["he"] and "和" in lines["he"]
    assert len(json.dumps(vocabulary, ensure_ascii=False).encode()) < 60_000


def test_the_sound_table_is_what_its_generator_makes():
    import importlib.util
    from pathlib import Path

    pytest.importorskip("pypinyin")
    script = Path(__file__).resolve().parents[1] / "scripts/gen_pinyin.py"
    spec = importlib.util.spec_from_file_location("gen_pinyin", script)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert gen.OUT.read_text(encoding="utf-8") == gen.table()
    assert len(gen.gb2312_characters()) == 3755
