"""Search index: recall of Chinese queries, measured by searching the real Pagefind bundle in Chromium.

Two archives: the shipped issue (issues/2023/053.md) and a generated one whose sentences come
from that issue (copied here: tests must not read ../shared), with planted cases for Pagefind's
weak spots: reports naming 关心下一代工作委员会 but never 关工委, counties by short name only,
留守儿童, mid-word phrases. Every query must find every report containing it (and, for the
abbreviations and place names the index compensates for, every report containing another form).

The helpers here (archives, site, server, browser, running queries) are also used by
test_search_browser.py.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from pathlib import Path

import pytest

from browser_support import CHROMIUM, CHROMIUM_ARGS, Server  # noqa: F401 (Server: used by test_search_browser)
from guanxin_site import search
from guanxin_site.archive import Archive, organise
from guanxin_site.build import build, load_project
from guanxin_site.gazetteer import Gazetteer
from guanxin_site.planner import Page
from guanxin_site.render import make_environment, render_page

REPO = Path(__file__).resolve().parents[1]
TODAY = dt.date(2024, 6, 1)

# -- a generated archive -------------------------------------------------------

# Sentences of the 2023 issue 53, some trimmed at a clause.
SENTENCES = (
    "黑河市关工委11月9日上午召开学习贯彻省关工委第33次全委会精神工作会议，市委副书记到会并讲话。",
    "传达了会议精神，集中学习了工作报告和领导讲话。",
    "与会人员表示，工作报告在总结今年工作基础上对2024年工作进行安排部署，为做好关心下一代工作指明了方向。",
    "多年来关工委老同志为黑河的经济社会发展做出了贡献，现在依然在发挥余热，把自己的经验智慧贡献给关工事业。",
    "会议由市关工委副主任主持。",
    "今年以来，全市关心下一代工作呈现出良好态势，实现了“四个新突破”、取得“六个新成效”。",
    "一是请市委宣传部抓好舆论宣传，在媒体开设关爱青少年心理健康专栏，广泛宣传先进典型。",
    "六是各级关工委要组织动员“五老”积极参与青少年心理健康工作，发挥好“五老”先进性、能动性、专业性优势作用。",
    "在市关工委驻会人员集中学习的同时，采取线上线下连线互动方式，与各县（市）、区关工委班子共同学习、互动交流，快速掀起学习热潮。",
    "要坚持把农村留守、流动儿童和困境儿童作为关爱服务对象，做好政治关爱和心理辅导。",
    "积极探索结对关爱和阵地关爱等陪伴成长模式，为青少年健康成长营造良好社会环境。",
    "用好红色资源，建好红色阵地，积极引导青少年培育和践行社会主义核心价值观。",
    "以“五好”为标准，加强基层关工委规范化、制度化、常态化建设，不断提升基层工作质效。",
    "组织市关工委全体人员、各成员单位领导集中收听收看了省关工委第33次全体委员（扩大）会议实况。",
    "通过常态化系统性的学习，找短板、强弱项，从而进一步推动我市关心下一代工作高质量发展。",
    "全面贯彻中办国办《意见》、省委《细则》和市委《实施意见》精神。",
)
# Sentences without 关工委 or 关工, for reports that name the committee only in full.
PLAIN_SENTENCES = (
    "传达了会议精神，集中学习了工作报告和领导讲话。",
    "积极探索结对关爱和阵地关爱等陪伴成长模式，为青少年健康成长营造良好社会环境。",
    "用好红色资源，建好红色阵地，积极引导青少年培育和践行社会主义核心价值观。",
    "教育引导青少年扣好人生第一粒扣子。",
)
FULL_NAME_SENTENCE = "{region}关心下一代工作委员会召开全体委员会议，传达学习会议精神。"
LEFT_BEHIND_SENTENCE = "关爱农村留守儿童和困境儿童，做好政治关爱和心理辅导。"
COUNTY_SENTENCE = "{county}关工委集中在县政府视频会议室收听收看会议实况。"
SHORT_NAME_SENTENCE = "在{short}召开现场推进会，组织“五老”交流经验。"  # a county by its short name only
VISIT_SENTENCE = "赴伊春学习交流关爱青少年心理健康工作经验。"  # the region's short name in another region's report
HEADLINES = (
    "全省各地关工委认真学习贯彻省关工委第33次全委会议精神",
    "各地扎实推进青少年心理健康关爱工作",
    "发挥“五老”作用  助力青少年健康成长",
)
REGIONS = ("哈尔滨市", "齐齐哈尔市", "鹤岗市", "伊春市", "黑河市", "大兴安岭地区", "绥化市")
COUNTIES = {  # as the gazetteer writes them, with the short name the reports may use
    "伊春市": (("嘉荫县", "嘉荫"), ("铁力市", "铁力"), ("大箐山县", "大箐山"), ("金林区", "金林")),
    "黑河市": (("五大连池市", "五大连池"), ("逊克县", "逊克")),
    "大兴安岭地区": (("加格达奇区", "加格达奇"), ("漠河市", "漠河")),
}
START = dt.date(2021, 1, 8)


def generated_issue(k: int) -> tuple[str, str]:
    """Issue k (0-based) of the generated archive: (path under the project, file text)."""
    rng = random.Random(7919 * (k + 1))
    date = START + dt.timedelta(weeks=k)
    number = (date - dt.date(date.year, 1, 1)).days // 7 + 1
    lines = ["---", f"number: {number}", f"total: {400 + k}", f"date: {date.isoformat()}",
             f"title: {HEADLINES[k % len(HEADLINES)]}（{k + 1}）", "---", ""]
    if k % 9 == 4:
        lines += ["编者按：各地关工委深入学习贯彻会议精神，现将部分地区的做法刊发如下。", ""]
    for region in rng.sample(REGIONS, rng.randint(2, 4)):
        lines += [f"## {region}", "", _report(rng, region), ""]
    return f"issues/{date.year}/{number:03d}.md", "\n".join(lines)


def _report(rng: random.Random, region: str) -> str:
    full_name_only = rng.random() < 0.15
    pool = PLAIN_SENTENCES if full_name_only else SENTENCES
    paragraphs = []
    for p in range(rng.randint(1, 3)):
        sentences = rng.sample(pool, rng.randint(1, min(3, len(pool))))
        if p == 0:
            first = FULL_NAME_SENTENCE if full_name_only else "{region}关工委" + sentences.pop(0)
            sentences.insert(0, first.format(region=region))
        if rng.random() < 0.2:
            sentences.append(LEFT_BEHIND_SENTENCE)
        if region in COUNTIES and rng.random() < 0.5:
            county, short = rng.choice(COUNTIES[region])
            if full_name_only or rng.random() < 0.5:
                sentences.append(SHORT_NAME_SENTENCE.format(short=short))
            else:
                sentences.append(COUNTY_SENTENCE.format(county=county))
        if region != "伊春市" and rng.random() < 0.1:
            sentences.append(VISIT_SENTENCE)
        paragraphs.append("".join(sentences))
    return "\n\n".join(paragraphs)


def write_generated_archive(project: Path, count: int) -> None:
    project.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "site.yaml", project / "site.yaml")
    for k in range(count):
        rel, text = generated_issue(k)
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text, encoding="utf-8")


def copy_shipped_archive(project: Path) -> None:
    shipped = REPO / "issues/2023/053.md"
    assert shipped.exists(), "the shipped issue issues/2023/053.md is missing"
    project.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "site.yaml", project / "site.yaml")
    shutil.copytree(REPO / "issues", project / "issues")


# -- the site with its search ------------------------------------------------------


def load_archive(project: Path) -> tuple[Archive, Gazetteer]:
    loaded = load_project(project, today=TODAY)
    return organise(list(loaded.issues), loaded.gazetteer), loaded.gazetteer


def build_site(project: Path, out: Path) -> Archive:
    """The HTML site, the /search/ page and the search bundle of a project, as a build makes them.

    Until build.py makes the last two itself, they are made here the way the lead will wire them.
    """
    build(project, out, today=TODAY, jobs=1, use_cache=False)
    loaded = load_project(project, today=TODAY)
    archive, gazetteer = organise(list(loaded.issues), loaded.gazetteer), loaded.gazetteer
    if not (out / "search/index.html").exists():
        page = Page("search/", "search.html", {"regions": tuple(r.region for r in archive.regions)}, ())
        (out / "search").mkdir(exist_ok=True)
        (out / "search/index.html").write_bytes(render_page(make_environment(project, loaded.config), page))
    if not (out / search.BUNDLE_DIR).exists():
        search.build_search_index(archive, gazetteer, out / search.BUNDLE_DIR)
    return archive


# The search the /search/ page runs (search-query.js runSearch), for many queries at once:
# query -> every result's URL, as the browser resolves it.
SEARCH_JS = """async ([queries, options]) => {
  const q = await import(new URL("../static/search-query.js", location.href).href);
  const pf = await import(new URL("../pagefind/pagefind.js", location.href).href);
  const found = {};
  for (const query of queries) {
    const response = await q.runSearch(pf, query, options);
    found[query] = await Promise.all(response.results.map(async (r) => (await r.data()).url));
  }
  return found;
}"""

# Plain Pagefind, as its own UI searches: the raw query.
RAW_SEARCH_JS = """async (queries) => {
  const pf = await import(new URL("../pagefind/pagefind.js", location.href).href);
  const found = {};
  for (const query of queries) {
    const response = await pf.search(query);
    found[query] = await Promise.all(response.results.map(async (r) => (await r.data()).url));
  }
  return found;
}"""


def run_queries(page, base: str, queries, options=None, script=SEARCH_JS) -> dict[str, set[str]]:
    """Open <base>search/ and run the queries there; URLs come back relative to base."""
    page.goto(base + "search/")
    found = page.evaluate(script, [list(queries), options or {}] if script == SEARCH_JS else list(queries))
    prefix = "/" + base.split("/", 3)[3]  # the path part of base: "/" or "/guanxin/"
    return {query: {url.removeprefix(prefix) for url in urls} for query, urls in found.items()}


# -- what each query should find ---------------------------------------------------

# Forms a query also stands for: the abbreviations the index compensates for.
OTHER_FORMS = {
    "关工委": ("关心下一代工作委员会",),
    "关心下一代工作委员会": ("关工委",),
    "国务院办公厅": ("国办",),
}


def records_of(archive: Archive) -> dict[str, tuple[tuple[str, ...], str]]:
    """url -> (letters of its text and of its headline, region name) for every indexed record."""
    out = {}
    for issue in archive.issues:
        if issue.lead_text.strip():
            out[issue.url] = ((search.letters(issue.lead_text), search.letters(issue.title)), "")
        for report in issue.reports:
            out[f"{issue.url}#{report.anchor}"] = ((search.letters(report.text), search.letters(issue.title)),
                                                   report.region.name)
    return out


def keywords(query: str) -> list[str]:
    """As search-query.js reads a query: words separated by spaces, without punctuation."""
    return [k for k in (search.letters(word) for word in search.normalize(query).split()) if k]


def contains(texts: tuple[str, ...], query: str) -> bool:
    """Every keyword of the query is in one of the texts, punctuation and spaces ignored."""
    return all(any(k in t for t in texts) for k in keywords(query))


def expected(archive: Archive, gazetteer: Gazetteer, query: str) -> set[str]:
    """Records that contain the query, another form of it, or (a place) its short name in its own region."""
    forms = (query, *OTHER_FORMS.get(query, ()))
    place_short = _short_names(gazetteer).get(query)
    found = set()
    for url, (texts, region) in records_of(archive).items():
        if any(contains(texts, f) for f in forms) or region == query:
            found.add(url)
        elif place_short and region == place_short[1] and contains(texts, place_short[0]):
            found.add(url)
    return found


def _short_names(gazetteer: Gazetteer) -> dict[str, tuple[str, str]]:
    """County full name -> (short name, its region), for short names of two characters or more."""
    return {c.name: (c.short, r.name) for r in gazetteer.regions for c in gazetteer.counties_of(r.name)
            if len(c.short) >= 2 and c.short != c.name}


GENERATED_QUERIES = (
    "关工委", "关心下一代工作委员会", "心理健康", "五老", "留守儿童", "嘉荫县", "嘉荫", "大箐山县", "加格达奇区",
    "伊春", "伊春市", "铁力市", "学习贯彻", "委全体人", "神工作会", "33次", "第33次全委会", "青少年心理健康专栏",
    "红色阵地", "扣好人生第一粒扣子", "编者按", "五老作用", "心理", "关", "阵地关爱",
)
SHIPPED_QUERIES = (
    "关工委", "关心下一代工作委员会", "心理健康", "五老", "留守", "嘉荫县", "嘉荫", "大箐山县", "铁力", "金林区",
    "伊春", "伊春市", "齐齐哈尔", "学习贯彻", "委全体成", "神工作会", "三连冠", "2024年", "顾秀莲", "第33次全委会",
    "青少年心理健康", "党建带关建", "线上线下", "金山屯", "邮政局", "中办国办", "国务院办公厅",
)


def recall(found: dict[str, set[str]], wanted: dict[str, set[str]]) -> tuple[int, int, dict[str, set[str]]]:
    """(reports found, reports wanted, missed per query), summed over the queries."""
    missed = {q: wanted[q] - found.get(q, set()) for q in wanted if wanted[q] - found.get(q, set())}
    total = sum(len(w) for w in wanted.values())
    return total - sum(len(m) for m in missed.values()), total, missed


# -- fixtures ----------------------------------------------------------------------


def served_site(root: Path, make_project):
    """Make a project under root, build it with its search index and serve it: (root, archive, gazetteer, server)."""
    make_project(root / "project")
    archive = build_site(root / "project", root / "site")
    _, gazetteer = load_archive(root / "project")
    server = Server(root / "site")
    yield root, archive, gazetteer, server
    server.close()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    yield from served_site(tmp_path_factory.mktemp("search-generated"), lambda project: write_generated_archive(project, 120))


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    yield from served_site(tmp_path_factory.mktemp("search-shipped"), copy_shipped_archive)


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


# -- recall ------------------------------------------------------------------------


@pytest.mark.parametrize("archive_name", ["generated", "shipped"])
def test_every_query_finds_every_report_containing_it(archive_name, request, page):
    root, archive, gazetteer, server = request.getfixturevalue(archive_name)
    queries = GENERATED_QUERIES if archive_name == "generated" else SHIPPED_QUERIES
    wanted = {q: expected(archive, gazetteer, q) for q in queries}
    assert all(wanted.values()), [q for q, w in wanted.items() if not w]  # every query has something to find
    found = run_queries(page, server.url, queries)
    hits, total, missed = recall(found, wanted)
    print(f"\n[{archive_name}] recall {hits}/{total} over {len(queries)} queries")
    assert not missed


@pytest.mark.parametrize("archive_name", ["generated", "shipped"])
def test_every_result_contains_every_piece_of_the_query(archive_name, request, page):
    """Precision the n-grams guarantee: a result holds every bigram of the query (in its text,
    headline or compensating terms); no result comes from a piece matched nowhere."""
    root, archive, gazetteer, server = request.getfixturevalue(archive_name)
    queries = GENERATED_QUERIES if archive_name == "generated" else SHIPPED_QUERIES
    found = run_queries(page, server.url, queries)
    indexed = _indexed_terms(archive, gazetteer)
    for query in queries:
        pieces = _pieces(query)
        for url in found[query]:
            assert all(p in indexed[url] for p in pieces), (query, url)


def _pieces(query: str) -> list[str]:
    out = []
    for run in keywords(query):
        if len(run) <= search.WINDOW:
            out.append(run)
        else:
            out += [run[i:i + search.WINDOW] for i in range(len(run) - search.WINDOW + 1)]
    return out


def _indexed_terms(archive: Archive, gazetteer: Gazetteer) -> dict[str, str]:
    return {r.url: "\n".join(search.letters(t) for t in (r.text, *r.terms)) for r in search.search_records(archive, gazetteer)}


def test_a_query_with_a_piece_found_nowhere_finds_nothing(shipped, page):
    """Pagefind drops a query word it cannot find and ANDs the rest: 哈尔滨 would find the
    齐齐哈尔 report of the shipped issue (which never says 哈尔滨). runSearch refuses that."""
    root, archive, gazetteer, server = shipped
    found = run_queries(page, server.url, ["哈尔滨", "齐齐哈尔", "伊春 火星", "火星"])
    assert found["哈尔滨"] == set()
    assert found["齐齐哈尔"] == {"2023/53/#qiqihaer"}
    assert found["伊春 火星"] == set() and found["火星"] == set()


def test_region_filter_narrows_to_the_region(generated, page):
    root, archive, gazetteer, server = generated
    found = run_queries(page, server.url, ["心理健康"], {"region": "伊春市"})
    wanted = {url for url in expected(archive, gazetteer, "心理健康") if records_of(archive)[url][1] == "伊春市"}
    assert found["心理健康"] == wanted and wanted


# -- Pagefind alone, for the record ------------------------------------------------------


@pytest.fixture(scope="module")
def baseline(generated, shipped, tmp_path_factory):
    """Both archives indexed the plain way: each report's text and headline as one zh-cn record,
    segmented by Pagefind's extended binary (jieba), searched with the raw query."""
    root = tmp_path_factory.mktemp("search-baseline")
    sites = {}
    for name, (src, archive, gazetteer, _) in (("generated", generated), ("shipped", shipped)):
        site = root / name
        shutil.copytree(src / "site", site, ignore=shutil.ignore_patterns(search.BUNDLE_DIR))
        for rel, data in search._run_in_own_thread(search._index_records(_plain_records(archive))).items():
            (site / "pagefind" / rel).parent.mkdir(parents=True, exist_ok=True)
            (site / "pagefind" / rel).write_bytes(data)
        sites[name] = site
    server = Server(root)
    yield {name: f"{server.url}{name}/" for name in sites}
    server.close()


def _plain_records(archive: Archive) -> list[dict]:
    rows = []
    for issue in archive.issues:
        if issue.lead_text.strip():
            rows.append(dict(url=issue.url, content=f"{issue.title}\n{issue.lead_text}", language="zh-cn",
                             meta={"title": issue.title}))
        rows += [dict(url=f"{issue.url}#{report.anchor}", content=f"{issue.title}\n{report.text}", language="zh-cn",
                      meta={"title": issue.title}) for report in issue.reports]
    return rows


@pytest.mark.parametrize("archive_name", ["generated", "shipped"])
def test_plain_pagefind_misses_what_the_ngram_index_finds(archive_name, request, baseline, page):
    """The weak spots the n-gram index exists for, measured: Pagefind 1.5 on its own misses
    reports. If this starts failing, Pagefind has caught up and search.py may be simplified."""
    root, archive, gazetteer, server = request.getfixturevalue(archive_name)
    queries = GENERATED_QUERIES if archive_name == "generated" else SHIPPED_QUERIES
    wanted = {q: expected(archive, gazetteer, q) for q in queries}
    found = run_queries(page, baseline[archive_name], queries, script=RAW_SEARCH_JS)
    hits, total, missed = recall(found, wanted)
    wrong = {q: sorted(found[q] - wanted[q]) for q in queries if found[q] - wanted[q]}
    print(f"\n[{archive_name}] plain Pagefind recall {hits}/{total}; missed: "
          + json.dumps({q: len(m) for q, m in missed.items()}, ensure_ascii=False)
          + "; found without the query: " + json.dumps({q: len(w) for q, w in wrong.items()}, ensure_ascii=False))
    assert missed.get("关心下一代工作委员会") or missed.get("关工委")  # no synonyms in Pagefind
    assert hits < total


# -- the two sides agree -----------------------------------------------------------------

SAMPLES = ("关工委", "发挥“五老”作用", "伊春 火星", "第 33 次全委会", "ＡＢＣ１２３", "PDF 文件", "①号", "Café",
           "𠀀𪚥", "  ", "《意见》", "2023年11月17日", "ǅ", "İstanbul")


def test_browser_reads_and_spells_queries_as_the_index_does(shipped, page):
    root, archive, gazetteer, server = shipped
    page.goto(server.url + "search/")
    js = page.evaluate("""async (samples) => {
      const q = await import(new URL("../static/search-query.js", location.href).href);
      return samples.map((s) => q.keywords(s).map(q.spell));
    }""", list(SAMPLES))
    python = [[search.spell(k) for k in keywords(s)] for s in SAMPLES]
    assert js == python


def test_concealed_text_is_not_indexed_and_reads_back(shipped, page):
    root, archive, gazetteer, server = shipped
    texts = [r.text for r in search.search_records(archive, gazetteer)] + list(SAMPLES)
    for text in texts:
        concealed = search.conceal(text)
        assert not any(c.isalnum() or c.isspace() for c in concealed)
    page.goto(server.url + "search/")
    back = page.evaluate("""async (texts) => {
      const q = await import(new URL("../static/search-query.js", location.href).href);
      return texts.map((t) => q.readableText({ text: t }));
    }""", [search.conceal(t) for t in texts])
    assert back == texts


def test_excerpt_shows_the_match_highlighted_across_punctuation(shipped, page):
    root, archive, gazetteer, server = shipped
    page.goto(server.url + "search/")
    text = "伊春市关工委提出，要弘扬“五老”精神，发挥“五老”作用，关爱留守儿童。" * 3
    parts = page.evaluate("""async ([text, queries]) => {
      const q = await import(new URL("../static/search-query.js", location.href).href);
      return queries.map((query) => q.excerptParts(text, query, 40));
    }""", [text, ["五老作用", "留守儿童", "关工委 火星", "哈尔滨"]])
    marked = [[t for t, m in p if m] for p in parts]
    assert marked[0][0] == "五老”作用"
    assert marked[1][0] == "留守儿童"
    assert marked[2] and set(marked[2]) == {"关工委"}
    assert marked[3] == [] and "".join(t for t, _ in parts[3]).startswith("伊春市关工委")
    assert all(len("".join(t for t, _ in p).replace("……", "")) <= 42 for p in parts)


# -- records and bundle ------------------------------------------------------------------


def test_records_of_the_shipped_issue(shipped):
    root, archive, gazetteer, server = shipped
    records = {r.url: r for r in search.search_records(archive, gazetteer)}
    assert list(records) == ["2023/53/#heihe", "2023/53/#hegang", "2023/53/#yichun", "2023/53/#qiqihaer"]
    yichun = records["2023/53/#yichun"]
    assert yichun.meta == {"title": archive.issues[0].title, "label": "2023年第53期·总第509期", "date": "2023-11-17",
                           "region": "伊春市"}
    words = yichun.content().split()
    assert len(words) == sum(len(search.letters(t)) for t in (yichun.text, *yichun.terms)) + 1
    assert words[-1] == search.region_word("伊春市")
    assert {"伊春市", "伊春", "嘉荫县", "嘉荫", "金林区"} <= set(yichun.terms)
    assert any("关心下一代工作委员会" in t for t in yichun.terms)  # from 关工委
    assert any("金山屯区" in t for t in yichun.terms)  # an old name of 金林区, which the report names


def test_abbreviations_and_short_names_are_indexed_in_their_other_forms(project):
    (project / "issues/2023").mkdir(parents=True)
    (project / "issues/2023/001.md").write_text(
        "---\nnumber: 1\ndate: 2023-01-06\ntitle: 简报\n---\n\n"
        "## 伊春市\n\n市关心下一代工作委员会在嘉荫召开会议，老干部、老战士、老专家、老教师、老模范参加。\n\n"
        "## 鹤岗市\n\n在嘉荫召开会议，友好交流。\n", encoding="utf-8")
    archive, gazetteer = load_archive(project)
    yichun, hegang = search.search_records(archive, gazetteer)
    assert "市关工委在" in yichun.terms  # the abbreviation, with a character of context each side
    assert "在嘉荫县召" in yichun.terms  # 嘉荫 is a county of 伊春市
    assert "五老" in yichun.terms
    assert not any("嘉荫县" in t for t in hegang.terms)  # but not of 鹤岗市


def test_bundle_is_byte_identical_for_the_same_archive_and_leaves_out_stock_ui(shipped):
    root, archive, gazetteer, server = shipped
    first, second = search.search_bundle(archive, gazetteer), search.search_bundle(archive, gazetteer)
    assert first == second
    assert {"pagefind.js", "pagefind-worker.js", "pagefind-entry.json", "wasm.unknown.pagefind"} <= set(first)
    assert not [p for p in first if p.startswith("pagefind-") and ("ui" in p or "highlight" in p)]
    built = {p.relative_to(root / "site" / search.BUNDLE_DIR).as_posix(): p.read_bytes()
             for p in (root / "site" / search.BUNDLE_DIR).rglob("*") if p.is_file()}
    assert built == first


def test_search_key_follows_what_is_indexed(project):
    (project / "issues/2023").mkdir(parents=True)
    issue = project / "issues/2023/001.md"
    issue.write_text("---\nnumber: 1\ndate: 2023-01-06\ntitle: 简报\n---\n\n## 伊春市\n\n关工委召开会议。\n", encoding="utf-8")
    key = search.search_key(*load_archive(project))
    assert search.search_key(*load_archive(project)) == key
    issue.write_text(issue.read_text(encoding="utf-8").replace("召开", "举行"), encoding="utf-8")
    assert search.search_key(*load_archive(project)) != key


def test_pagefind_errors_become_search_index_errors():
    with pytest.raises(search.SearchIndexError, match="Pagefind"):
        search._run_in_own_thread(search._index_records([dict(url="a/", content="x", language="und", meta={"title": 1})]))
