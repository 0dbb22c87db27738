"""Search: the index a real build writes, checked exactly against a brute-force scan of the sources.

Every test here reads an index made by guanxin_site.build.build() itself; the helpers never make
one (a build that stopped indexing fails them). Three readers are compared:
- the brute force: every doc of the parsed archive (text, headline, the extra forms of names that
  search/terms.py documents), folded by tests/search_reference.py's own definition, and Python's `in`;
- search/reader.py, which reads the built files as the browser does;
- the real templates/static/search-reader.js in headless Chromium, for a sample of the queries.
Queries: the planted cases (abbreviations, short county names, 阵地关爱 which bigrams got wrong),
random substrings of reports, random CJK strings, mixed ASCII and full-width forms, several
keywords, and hypothesis-generated ones.

The helpers here (archives, site, server) are also used by test_search_browser.py.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import re
import shutil
from pathlib import Path
from unicodedata import category as unicodedata_category

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive_factory import write_archive
from browser_support import Server
from guanxin_site.archive import Archive, organise
from guanxin_site.build import build
from guanxin_site.loader import load_project
from guanxin_site.gazetteer import Gazetteer
from guanxin_site.search import DATA_DIR, MAX_GRAM
from guanxin_site.search.reader import TAIL_SCAN, IndexReader, keywords
from guanxin_site.search.terms import fold
from search_reference import reference_docs, reference_fold, reference_keywords

REPO = Path(__file__).resolve().parents[1]
TODAY = dt.date(2024, 6, 1)
VECTORS = Path(__file__).with_name("search_vectors.json")

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


# -- the site and the brute force -----------------------------------------------------------


def load_archive(project: Path) -> tuple[Archive, Gazetteer]:
    loaded = load_project(project, today=TODAY)
    return organise(list(loaded.issues), loaded.gazetteer), loaded.gazetteer


def build_site(project: Path, out: Path, **options) -> None:
    """The site as `guanxin-site build` makes it, search index included. Fails if the build wrote no
    index: these tests never make one themselves."""
    build(project, out, today=TODAY, **options)
    assert (out / DATA_DIR / "index.json").is_file(), "the build wrote no search index"


class BruteForce:
    """Every doc of the archive, in the index's order (oldest first), scanned with `in`."""

    def __init__(self, archive: Archive, gazetteer: Gazetteer):
        self.docs = reference_docs(archive, gazetteer)
        self.texts = [tuple(map(reference_fold, (doc.text, doc.title, *doc.terms))) for doc in self.docs]

    def search(self, query: str) -> set[str]:
        words = reference_keywords(query)
        if not words:
            return set()
        return {doc.url for doc, texts in zip(self.docs, self.texts)
                if all(any(w in t for t in texts) for w in words)}


def found_urls(reader: IndexReader, query: str) -> set[str]:
    urls = [reader.doc(i).url for i in reader.search(query)]
    assert len(urls) == len(set(urls))
    return set(urls)


def random_queries(brute: BruteForce, count: int, seed: int) -> list[str]:
    """Substrings of reports (any length), random CJK strings, mixed and multi-keyword queries."""
    rng = random.Random(seed)
    chars = sorted({c for texts in brute.texts for c in texts[0]})
    out = []
    for n in range(count):
        kind = n % 6
        texts = rng.choice(brute.texts)
        text = rng.choice(texts)
        if kind in (0, 1) and text:  # a substring of a doc's text, headline or extra form
            length = rng.randint(1, 14)
            start = rng.randrange(max(1, len(text) - length + 1))
            out.append(text[start : start + length])
        elif kind == 2:  # characters of the archive in a random order
            out.append("".join(rng.choice(chars) for _ in range(rng.randint(2, 8))))
        elif kind == 3:  # random CJK, mostly absent
            out.append("".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(rng.randint(1, 5))))
        elif kind == 4 and texts[0]:  # two keywords, punctuation and full-width forms around them
            a, b = (texts[0][i : i + rng.randint(1, 8)] for i in rng.sample(range(len(texts[0])), 2))
            out.append(f"“{a}”　{b.upper()}，")
        else:  # ASCII and digits
            out.append(rng.choice(["2023", "33次", "ＰＤＦ", "Café 1", "第33", "11月9日", "a", "年第1"]))
    return [q for q in out if q]


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated archive of 150 issues (three index segments), built and read back."""
    root = tmp_path_factory.mktemp("search-generated")
    write_generated_archive(root / "project", 150)
    build_site(root / "project", root / "site")
    return root, *load_archive(root / "project")


@pytest.fixture(scope="module")
def factory_site(tmp_path_factory):
    """tests/archive_factory.py's archive of 140 issues with the shipped issue."""
    root = tmp_path_factory.mktemp("search-factory")
    project = root / "project"
    copy_shipped_archive(project)
    write_archive(project, 140)
    build_site(project, root / "site", jobs=2)
    return root, *load_archive(project)


# -- exactness -------------------------------------------------------------------------------

GENERATED_QUERIES = (
    "关工委", "关心下一代工作委员会", "心理健康", "五老", "留守儿童", "嘉荫县", "嘉荫", "大箐山县", "加格达奇区",
    "伊春", "伊春市", "铁力市", "学习贯彻", "委全体人", "神工作会", "33次", "第33次全委会", "青少年心理健康专栏",
    "红色阵地", "扣好人生第一粒扣子", "编者按", "五老作用", "心理", "关", "阵地关爱", "哈尔滨冰雪", "伊春 火星",
    "发挥“五老”作用", "第 33 次全委会", "ＡＢＣ１２３", "嘉荫关工委", "关心下一代工作委员会召开全体委员会议",
)


@pytest.mark.parametrize("tail_scan", [TAIL_SCAN, 0], ids=["tail-from-store", "tail-from-shards"])
@pytest.mark.parametrize("archive_name", ["generated", "factory_site"])
def test_every_query_finds_exactly_the_docs_containing_it(archive_name, tail_scan, request):
    """Both ways of reading the tail (its stored text when small, its shards) find the same docs."""
    root, archive, gazetteer = request.getfixturevalue(archive_name)
    brute, reader = BruteForce(archive, gazetteer), IndexReader(root / "site", tail_scan=tail_scan)
    assert reader.tail_scanned == bool(tail_scan)  # both archives' tails are of one or two store files
    queries = list(GENERATED_QUERIES) + random_queries(brute, 400, seed=len(archive.issues))
    wrong = {q: (len(found_urls(reader, q)), len(brute.search(q))) for q in queries
             if found_urls(reader, q) != brute.search(q)}
    assert not wrong
    assert sum(1 for q in queries if brute.search(q)) > len(queries) // 3  # most queries find something


def test_abbreviations_and_place_names_find_each_other(generated):
    """What the extra forms are for, checked against the raw texts (not the extra forms themselves)."""
    root, archive, gazetteer = generated
    reader = IndexReader(root / "site")
    docs = reference_docs(archive, gazetteer)
    with_full = {d.url for d in docs if "关心下一代工作委员会" in fold(d.text)}
    with_short = {d.url for d in docs if "关工委" in fold(d.text)}
    assert with_full - with_short and with_short - with_full  # the archive plants both
    assert found_urls(reader, "关工委") >= with_full | with_short
    assert found_urls(reader, "关心下一代工作委员会") >= with_full | with_short
    jiayin = {d.url for d in docs if d.region == "伊春市" and "嘉荫" in d.text}
    assert jiayin and found_urls(reader, "嘉荫县") >= jiayin  # the short name in its own region
    assert found_urls(reader, "伊春市") >= {d.url for d in docs if d.region == "伊春市"}
    assert "阵地关爱" not in fold("积极探索结对关爱和阵地的")  # the bigram index's false hit cannot happen:
    assert all("阵地关爱" in fold(reader.doc(i).text) for i in reader.search("阵地关爱"))


@pytest.mark.parametrize("tail_scan", [TAIL_SCAN, 0], ids=["tail-from-store", "tail-from-shards"])
def test_lists_match_the_brute_force_for_every_gram_of_a_doc(generated, tail_scan):
    """Every gram of up to MAX_GRAM characters of one doc: its doc list is exactly the brute force's."""
    root, archive, gazetteer = generated
    brute, reader = BruteForce(archive, gazetteer), IndexReader(root / "site", tail_scan=tail_scan)
    text = brute.texts[len(brute.texts) // 2][0]
    grams = {text[i : i + n] for n in range(1, MAX_GRAM + 1) for i in range(len(text) - n + 1)}
    urls = [d.url for d in brute.docs]
    for gram in sorted(grams):
        assert {urls[i] for i in reader.postings(gram)} == brute.search(gram), gram


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_hypothesis_queries_agree_with_the_brute_force(generated, data):
    root, archive, gazetteer = generated
    brute, reader = _cached(generated)
    doc = data.draw(st.integers(0, len(brute.texts) - 1))
    text = brute.texts[doc][0]
    start = data.draw(st.integers(0, max(0, len(text) - 1)))
    piece = text[start : start + data.draw(st.integers(1, 16))]
    alphabet = st.sampled_from(sorted(set(text)) + list("关工委ａＢ1２ 　，。、-"))
    noise = data.draw(st.text(alphabet, max_size=6))
    query = data.draw(st.sampled_from([piece, noise, piece + noise, noise + piece, f"{piece} {noise}"]))
    assert found_urls(reader, query) == brute.search(query)


_READERS: dict = {}


def _cached(fixture):
    root, archive, gazetteer = fixture
    if root not in _READERS:
        _READERS[root] = (BruteForce(archive, gazetteer), IndexReader(root / "site"))
    return _READERS[root]


def test_the_manifest_gives_each_doc_its_region(generated):
    """The region filter and its counts (search-reader.js regionCounts, inRegion) read each doc's
    region from the manifest's region string: it must name the stored doc's region."""
    root, archive, gazetteer = generated
    reader = IndexReader(root / "site")
    codes, regions = reader.manifest["region"], reader.manifest["regions"]
    named = [regions[ord(c) - 65] if c != "-" else "" for c in codes]
    assert named == [reader.doc(i).region for i in range(reader.manifest["docs"])]
    assert len(set(named)) > 3 and "" in named  # regions, and the lead texts


def test_docs_are_numbered_oldest_first_and_stored_with_their_issue(generated):
    root, archive, gazetteer = generated
    reader = IndexReader(root / "site")
    docs = reference_docs(archive, gazetteer)
    assert reader.manifest["docs"] == len(docs)
    stored = [reader.doc(i) for i in range(len(docs))]
    assert [d.url for d in stored] == [d.url for d in docs]
    assert [d.date for d in stored] == sorted(d.date for d in stored)
    first = stored[0]
    issue = archive.issues[-1]
    assert (first.title, first.label, first.date) == (issue.title, issue.label, issue.date.isoformat())


# -- the JS reader agrees ----------------------------------------------------------------------

JS_SEARCH = """async (queries) => {
  const q = guanxinSearch;
  const out = {};
  for (const query of queries) {
    const ids = await q.search(query);
    out[query] = await Promise.all(ids.map(async (id) => (await q.doc(id)).url));
  }
  return out;
}"""


@pytest.fixture(scope="module")
def served(generated):
    server = Server(generated[0] / "site")
    yield server.url
    server.close()


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors


def test_the_browser_finds_exactly_what_the_brute_force_finds(generated, served, page):
    root, archive, gazetteer = generated
    brute = BruteForce(archive, gazetteer)
    queries = list(GENERATED_QUERIES) + random_queries(brute, 60, seed=99)
    page.goto(served + "search/")
    found = page.evaluate(JS_SEARCH, queries)
    assert {q: set(found[q]) for q in queries} == {q: brute.search(q) for q in queries}


def test_the_browser_reading_the_tails_shards_finds_the_same(generated, served, browser):
    """The tail of this archive (two store files) is read from its store; told to read its shards
    instead (as a larger tail is), the reader finds the same docs, and only then fetches t/ files."""
    root, archive, gazetteer = generated
    brute = BruteForce(archive, gazetteer)
    queries = list(GENERATED_QUERIES) + random_queries(brute, 30, seed=98)
    fetched = {}
    for tail_scan in (None, 0):
        context = browser.new_context()
        if tail_scan is not None:
            context.add_init_script(f"globalThis.guanxinSearchTailScan = {tail_scan};")
        page = context.new_page()
        paths = fetched[tail_scan] = []
        page.on("request", lambda r, paths=paths: paths.append(r.url))
        page.goto(served + "search/")
        found = page.evaluate(JS_SEARCH, queries)
        context.close()
        assert {q: set(found[q]) for q in queries} == {q: brute.search(q) for q in queries}
    assert not any("/search/data/t/" in url for url in fetched[None])
    assert any("/search/data/t/" in url for url in fetched[0])


def test_folding_and_keywords_are_the_same_in_python_and_the_browser(served, page):
    vectors = json.loads(VECTORS.read_text(encoding="utf-8"))
    assert [fold(v["text"]) for v in vectors] == [v["fold"] for v in vectors]
    assert [keywords(v["text"]) for v in vectors] == [v["keywords"] for v in vectors]
    page.goto(served + "search/")
    js = page.evaluate("""async (texts) => {
      const q = guanxinSearch;
      return texts.map((t) => [q.fold(t), q.keywords(t)]);
    }""", [v["text"] for v in vectors])
    assert js == [[v["fold"], v["keywords"]] for v in vectors]


# The browser folds the characters that fold to themselves (a-z, 0-9, U+4E00..U+9FA5) in runs, and
# only the others one by one: the edges of those ranges, their neighbours, and characters that change.
FOLD_EDGES = "`az{/09:@AZ[\u4dff\u4e00\u4e01\u9fa4\u9fa5\u9fa6\u9fff\ua000ＡＺａｚ０９①⼀⽉ǅÉéĲ㍿ﬁ\u1100\u1161\u0301" \
             "\uf900\uf9ff关工委五老“”、，。　 \t\ufeff\U00020000\U0002a6d6\ud7a3"
FOLD_NEWER = "\u9fff"  # assigned in Unicode 14: unassigned to Python 3.10's tables, a letter to the browser's
JS_FOLD_ONE_BY_ONE = """(texts) => texts.map((t) => {
  let out = "";  // search-reader.js's fold before its runs: each character alone
  for (const c of t.normalize("NFC")) for (const x of c.normalize("NFKC").toLowerCase()) if (/[\\p{L}\\p{N}]/u.test(x)) out += x;
  return [guanxinSearch.fold(t), out];
})"""


@settings(max_examples=30, deadline=None)
@given(texts=st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
                      | st.text(alphabet=FOLD_EDGES, max_size=40), min_size=20, max_size=40))
def test_the_browsers_fold_is_the_character_by_character_fold(served, page, texts):
    """Differential: fold() by runs against the same definition applied to each character alone, in the
    browser (any text: the browser's Unicode tables on both sides); and against the Python reference on
    the edge characters that every supported Python's Unicode tables have (3.10: Unicode 13)."""
    if not page.url.startswith(served + "search/"):
        page.goto(served + "search/")
    pairs = page.evaluate(JS_FOLD_ONE_BY_ONE, texts)
    assert [fast for fast, _ in pairs] == [slow for _, slow in pairs]
    known = [t for t in texts if set(t) <= set(FOLD_EDGES) - set(FOLD_NEWER)]
    assert [fast for (fast, _), t in zip(pairs, texts) if t in known] == [reference_fold(t) for t in known]


# Pairs whose forms overlap (关工 in 关工委, 伊春 in 伊春市), and texts with four-byte characters
# next to them, where a code unit is not a character.
REWRITE_PAIRS = [("关工委", "关心下一代工作委员会"), ("关工", "关心下一代工作"), ("伊春市", "伊春"),
                 ("嘉荫县", "嘉荫"), ("妇联", "妇女联合会")]
REWRITE_PIECES = ["关工委", "关工", "关心下一代工作委员会", "伊春", "伊春市", "嘉荫", "妇女联合会", "妇联",
                  "𠀀", "𠀁𠀂", "a", "1", "的", "会议"]


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(st.sampled_from(REWRITE_PIECES), max_size=14))
def test_the_forms_met_rewrite_a_text_as_every_form_would(pieces):
    """The store keeps only the forms met in a text: tried alone, in the same order, they give the
    same rewritten forms as all the forms of all the pairs."""
    from guanxin_site.search.terms import expand_rewrites, met_forms
    from search_reference import reference_rewrites

    folded = fold("".join(pieces))
    assert expand_rewrites(folded, met_forms(folded, REWRITE_PAIRS)) == reference_rewrites(folded, REWRITE_PAIRS)


def test_the_browser_rewrites_as_python_does(served, page):
    from guanxin_site.search.terms import expand_rewrites, met_forms

    rng = random.Random(5)
    texts = ["".join(rng.choice(REWRITE_PIECES) for _ in range(rng.randint(0, 16))) for _ in range(300)]
    cases = [(folded, [[form, list(others)] for form, others in met_forms(folded, REWRITE_PAIRS)])
             for folded in map(fold, texts)]
    page.goto(served + "search/")
    js = page.evaluate("""async (cases) => {
      const q = guanxinSearch;
      return cases.map(([text, forms]) => q.expandRewrites(text, forms));
    }""", cases)
    python = [expand_rewrites(text, tuple((f, tuple(o)) for f, o in forms)) for text, forms in cases]
    assert js == python and sum(map(len, python)) > 300 and any("𠀀" in t for p in python for t in p)


def test_folding_means_what_the_readme_says():
    assert fold("ＡＢＣ１２３") == "abc123"  # full-width Latin and digits
    assert fold("发挥“五老”作用，11 月 9 日") == "发挥五老作用11月9日"  # punctuation and spaces ignored
    assert fold("⼀⽉") == "一月"  # Kangxi radicals as the usual characters
    assert fold("①号") == "1号" and fold("Café") == "café" and fold("ǅ") == "dž"
    assert keywords("伊春　火星, 关工委") == ["伊春", "火星", "关工委"]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
       | st.text(alphabet="ＡＢＣａｂＣ１２３①⼀⽉ǅÉéĲ“”、，。　 \t\ufeff五老关工委𠀀", max_size=20))
def test_fold_and_keywords_agree_with_the_reference(text):
    """terms.fold (a cached translate table) and reader.keywords against the plain reference."""
    fold.cache_clear()
    assert fold(text) == reference_fold(text)
    assert keywords(text) == reference_keywords(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=8)
                | st.text(alphabet="ＡＢａ１①⼀ǅÉĲ㍿ﬁ“”、，。　五老关工委𠀀\u1100\u1161\u0301", max_size=8), min_size=40, max_size=80))
def test_a_long_text_folded_at_once_agrees_with_the_reference(pieces):
    """Texts of 256 characters and more (a report's) are folded by a table in numpy, not character by
    character; characters folding to several (㍿, ﬁ), jamo that compose, accents that join."""
    text = ("".join(pieces) * 4).ljust(256, "关")
    fold.cache_clear()
    assert fold(text) == reference_fold(text)


def test_the_vectors_are_what_the_reference_says():
    vectors = json.loads(VECTORS.read_text(encoding="utf-8"))
    assert [(reference_fold(v["text"]), reference_keywords(v["text"])) for v in vectors] == \
        [(v["fold"], v["keywords"]) for v in vectors]


def test_a_planted_folding_bug_is_caught_by_the_differential_test(tmp_path, monkeypatch):
    """The brute force folds with its own definition: if search/terms.py forgot to keep digits (a
    planted bug), the index and its reader would agree with each other, and the comparison with the
    brute force must not."""
    from guanxin_site.search import terms

    class DigitsDropped(terms._FoldTable):
        def __missing__(self, code):
            value = super().__missing__(code)
            if value is not None and unicodedata_category(chr(code)).startswith("N"):
                value = self[code] = None
            return value

    write_generated_archive(tmp_path / "project", 12)
    monkeypatch.setattr(terms, "_FOLD", DigitsDropped())
    fold.cache_clear()
    try:
        build_site(tmp_path / "project", tmp_path / "site", jobs=1, use_cache=False)
        brute, reader = BruteForce(*load_archive(tmp_path / "project")), IndexReader(tmp_path / "site")
        queries = ["33次", "第33次全委会", "11月9日", "2024年", "关工委"]
        wrong = [q for q in queries if found_urls(reader, q) != brute.search(q)]
    finally:
        fold.cache_clear()
    assert wrong and "关工委" not in wrong


def test_excerpt_shows_the_match_highlighted_across_punctuation(served, page):
    page.goto(served + "search/")
    text = "伊春市关工委提出，要弘扬“五老”精神，发挥“五老”作用，关爱留守儿童。" * 3
    parts = page.evaluate("""async ([text, queries]) => {
      const q = guanxinSearch;
      return queries.map((query) => q.excerptParts(text, query, 40));
    }""", [text, ["五老作用", "留守儿童", "关工委 火星", "哈尔滨", "ＡＢＣ"]])
    marked = [[t for t, m in p if m] for p in parts]
    assert marked[0][0] == "五老”作用"
    assert marked[1][0] == "留守儿童"
    assert marked[2] and set(marked[2]) == {"关工委"}
    assert marked[3] == [] and "".join(t for t, _ in parts[3]).startswith("伊春市关工委")
    assert all(len("".join(t for t, _ in p).replace("……", "")) <= 42 for p in parts)


def test_excerpt_marks_the_name_as_written_when_found_through_its_other_form(served, page):
    """A report that says 关工委 is found by 关心下一代工作委员会: its excerpt marks 关工委, with the
    part of a longer keyword that runs into the text around it."""
    page.goto(served + "search/")
    text = "会议指出，伊春市今年以来成效明显。" * 4 + "传达了省关工委第33次全委会精神，嘉荫县关工委作了发言。"
    forms = [["关工委", ["关心下一代工作委员会"]], ["嘉荫县", ["嘉荫"]]]
    parts = page.evaluate("""async ([text, forms, queries]) => {
      const q = guanxinSearch;
      return queries.map((query) => q.excerptParts(text, query, 40, forms));
    }""", [text, forms, ["关心下一代工作委员会", "省关心下一代工作委员会第33", "嘉荫关工委", "火星"]])
    marked = [[t for t, m in p if m] for p in parts]
    assert marked[0] == ["关工委", "关工委"] and "".join(t for t, _ in parts[0]).startswith("……")
    assert marked[1] == ["省关工委第33"]
    assert marked[2] == ["嘉荫县关工委"]  # 嘉荫 for 嘉荫县, and 关工委 in its context
    assert marked[3] == [] and "".join(t for t, _ in parts[3]).startswith("会议指出")


# -- the build: deterministic, incremental, parallel ----------------------------------------------


def new_project(tmp_path: Path, issues: int) -> tuple[Path, list[Path]]:
    """A project with the shipped site.yaml and generated issues 0..issues-1; their files."""
    project = tmp_path / "project"
    shutil.copy(REPO / "site.yaml", (project.mkdir() or project) / "site.yaml")
    return project, write_archive(project, issues)


def index_files(site: Path) -> dict[str, bytes]:
    """The index as the reader sees it, by what each file is: "i/<shard>", "t/<shard>", "d/<segment>-<n>"
    (the bytes of the file the manifest names for it), the manifest and the search page, which carries
    it, but for the tags that name the sealed part's files (an edit writes its shards under a tag of
    its own, a clean build all of them under one). Also checks that search/data/ holds exactly the
    files the manifest names: none left over, none missing."""
    reader = IndexReader(site)
    m = reader.manifest
    files = {f"{part}/{n:x}": reader.raw(reader.shard_file(part, n))
             for part, count in (("i", m["shards"]), ("t", m["tail"])) for n in range(count)}
    for k, tag in enumerate(m["segments"]):
        files.update({f"d/{k}-{rel.split('-')[1]}": reader.raw(rel) for rel in reader.files() if rel.startswith(f"d/{tag}-")})
    root = site / DATA_DIR
    assert {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} == reader.site_files()
    untagged = {key: value for key, value in m.items() if key not in ("sealed", "edits")}
    page = (site / "search" / "index.html").read_text(encoding="utf-8")
    inline = inline_manifest(site)
    page = page.replace(json.dumps(inline, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c"), "")
    assert "search-manifest\"></script>" in page  # the manifest was taken out whole
    return {**files, "index": json.dumps(untagged, ensure_ascii=False).encode(), "search page": page.encode(),
            "page manifest": json.dumps({k: v for k, v in inline.items() if k not in ("sealed", "edits")}).encode()}


def without_regions(manifest: dict) -> dict:
    """The manifest as the search page carries it: everything but the region of every doc."""
    assert len(manifest["region"]) == manifest["docs"]
    return {key: value for key, value in manifest.items() if key != "region"}


def inline_manifest(site: Path) -> dict | None:
    """The manifest the search page carries, None if it has none."""
    found = re.search(r'<script type="application/json" id="search-manifest">(.*?)</script>',
                      (site / "search" / "index.html").read_text(encoding="utf-8"), re.S)
    return json.loads(found.group(1)) if found else None


def test_two_builds_write_the_same_bytes_whatever_the_processes(factory_site, tmp_path):
    root, archive, gazetteer = factory_site
    build_site(root / "project", tmp_path / "one", jobs=1, use_cache=False)
    first = index_files(tmp_path / "one")
    assert first == index_files(root / "site")  # built with two processes and the cache
    assert len([f for f in first if f.startswith("i/")]) >= 64 and any(f.startswith("d/") for f in first)


def test_an_added_or_edited_issue_gives_the_clean_build_and_reindexes_one_segment(tmp_path):
    project, _ = new_project(tmp_path, 140)
    build_site(project, tmp_path / "site")
    segments = project / ".guanxin-cache" / "search"
    before = {p.name: p.stat().st_mtime_ns for p in segments.glob("*.seg")}
    assert len(before) == len(IndexReader(tmp_path / "site").manifest["segments"]) >= 3  # issues 0-63, 64-, the tail

    write_archive(project, 1, start=140)  # one more issue: the tail changes (and may pass a boundary)
    edited = sorted((project / "issues").rglob("*.md"))[70]  # and one in the second segment
    edited.write_text(edited.read_text(encoding="utf-8").replace("关工委", "关心下一代工作委员会", 1), encoding="utf-8")
    build_site(project, tmp_path / "site")
    after = {p.name: p.stat().st_mtime_ns for p in segments.glob("*.seg")}
    assert len(after) == len(IndexReader(tmp_path / "site").manifest["segments"])
    assert len(set(after) & set(before)) == 1  # only the first segment was kept
    assert all(after[name] == before[name] for name in set(after) & set(before))

    build_site(project, tmp_path / "clean", use_cache=False)
    assert index_files(tmp_path / "site") == index_files(tmp_path / "clean")
    brute = BruteForce(*load_archive(project))
    reader = IndexReader(tmp_path / "site")
    assert reader.manifest["docs"] == len(brute.docs) and inline_manifest(tmp_path / "site") == without_regions(reader.manifest)
    assert found_urls(reader, "关心下一代工作委员会") == brute.search("关心下一代工作委员会")


def test_an_added_issue_rewrites_only_the_tail(tmp_path):
    """The sealed part (all segments but the last) is kept as it is: its files are not even read. The
    tail's files are new files under a new tag, and no file keeps its name with other bytes."""
    project, _ = new_project(tmp_path, 130)
    build_site(project, tmp_path / "site")
    data = tmp_path / "site" / DATA_DIR
    before = {p.relative_to(data).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in data.rglob("*.*")}
    old_bytes = {rel: (data / rel).read_bytes() for rel in before}
    write_archive(project, 1, start=130)
    build_site(project, tmp_path / "site")
    after = {p.relative_to(data).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in data.rglob("*.*")}
    changed = {rel for rel in after if before.get(rel) != after[rel]}
    last = IndexReader(tmp_path / "site").manifest["segments"][-1]
    assert changed and all(rel.startswith(("t/", f"d/{last}-", "suggest-")) or rel == "index.json" for rel in changed), changed
    assert [rel for rel in changed if rel in before and rel != "index.json"] == []  # new names, never new bytes
    assert any(rel.startswith("i/") for rel in after) and {rel for rel in before if rel.startswith("i/")} <= set(after)
    assert all(old_bytes[rel] == (data / rel).read_bytes() for rel in set(before) & set(after) if rel != "index.json")
    build_site(project, tmp_path / "clean", use_cache=False)
    assert index_files(tmp_path / "site") == index_files(tmp_path / "clean")


def test_a_page_with_the_previous_manifest_finds_what_it_did_among_both_builds_files(tmp_path):
    """A deploy uploads the new build's data files first and the search page (its manifest) later,
    and deletes the old files last: meanwhile a reader's page may carry either manifest. With the
    files of both builds side by side, each manifest must read exactly its own build's answers.
    Checked over an added issue and over an edit of an old issue (which writes sealed shards again)."""
    project, paths = new_project(tmp_path, 140)
    build_site(project, tmp_path / "site")
    steps = [lambda: write_archive(project, 1, start=140),
             lambda: paths[100].write_text(paths[100].read_text(encoding="utf-8").replace("快速掀起", "迅速掀起", 1),
                                           encoding="utf-8")]
    for step in steps:
        old = tmp_path / "old"
        shutil.rmtree(old, ignore_errors=True)
        shutil.copytree(tmp_path / "site", old)
        old_answers = {q: found_urls(IndexReader(old), q) for q in ("关工委", "心理健康", "嘉荫县", "快速掀起", "迅速掀起")}
        step()
        build_site(project, tmp_path / "site")
        both = tmp_path / "both"
        shutil.rmtree(both, ignore_errors=True)
        shutil.copytree(old, both)
        new_data = tmp_path / "site" / DATA_DIR
        for path in new_data.rglob("*.bin"):  # the new build's files, uploaded over the old site
            rel = path.relative_to(new_data)
            target = both / DATA_DIR / rel
            assert not target.exists() or target.read_bytes() == path.read_bytes(), rel  # never overwritten
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
        on_old_page = IndexReader(both)  # the old index.json: the page not yet replaced
        assert {q: found_urls(on_old_page, q) for q in old_answers} == old_answers
        shutil.copy(new_data / "index.json", both / DATA_DIR / "index.json")
        brute = BruteForce(*load_archive(project))
        on_new_page = IndexReader(both)
        assert all(found_urls(on_new_page, q) == brute.search(q) for q in old_answers)
        assert old_answers != {q: brute.search(q) for q in old_answers}  # the step changed the answers


def test_an_edit_to_an_old_issue_rewrites_only_the_shards_whose_lists_changed(tmp_path, monkeypatch):
    """A word changed in an old issue (the same reports, so every doc keeps its number): only the
    sealed shards holding a gram whose list changed are merged again, and only that segment's store
    files; the result is the clean build's. A report added to an old issue renumbers the docs after
    it: the whole sealed part is merged again, and the result is still the clean build's."""
    from guanxin_site.search import index

    project, paths = new_project(tmp_path, 200)  # sealed segments of issues 0-63, 64-127, 128-191, 192-; the tail
    build_site(project, tmp_path / "site", jobs=1)
    merged: list[int] = []  # the sealed shards merged (the sealed part has several segments, the tail one)
    stored: list[int] = []
    write_shards, store_files = index.write_shards, index.store_files
    monkeypatch.setattr(index, "write_shards", lambda wanted, segments, *rest: (
        merged.extend(wanted if len(segments) > 1 else []) or write_shards(wanted, segments, *rest)))
    monkeypatch.setattr(index, "store_files", lambda segment: stored.append(segment.docs) or store_files(segment))

    before = index_files(tmp_path / "site")
    edited = paths[100]
    text = edited.read_text(encoding="utf-8")
    assert "快速掀起" in text
    edited.write_text(text.replace("快速掀起", "迅速掀起", 1), encoding="utf-8")
    build_site(project, tmp_path / "site", jobs=1)
    sealed = IndexReader(tmp_path / "site").manifest["shards"]
    after = index_files(tmp_path / "site")
    changed = {rel for rel in after if rel.startswith("i/") and after[rel] != before.get(rel)}
    assert changed == {f"i/{shard:x}" for shard in merged} and 0 < len(merged) < sealed / 2
    edits = IndexReader(tmp_path / "site").manifest["edits"]  # written again under a tag of their own
    assert len(edits) == 1 and set(next(iter(edits.values()))) == set(merged)
    assert len(stored) == 2  # the edited segment's store files and the tail's
    build_site(project, tmp_path / "clean", use_cache=False)
    assert index_files(tmp_path / "site") == index_files(tmp_path / "clean")
    assert found_urls(IndexReader(tmp_path / "site"), "迅速掀起") == BruteForce(*load_archive(project)).search("迅速掀起") != []

    merged.clear()
    text = paths[30].read_text(encoding="utf-8")
    paths[30].write_text(text + "\n## 伊春市\n\n铁力市关工委召开工作例会。\n", encoding="utf-8")
    build_site(project, tmp_path / "site", jobs=1)
    assert sorted(merged) == list(range(sealed))
    build_site(project, tmp_path / "clean", use_cache=False)
    assert index_files(tmp_path / "site") == index_files(tmp_path / "clean")


def test_an_edit_after_a_new_version_writes_the_whole_sealed_part(tmp_path, monkeypatch):
    """A new version of the software may write the same lists as other bytes: an edit to an old issue
    then keeps no shard of the old version's."""
    import guanxin_site.search as search
    from guanxin_site.search import index

    project, paths = new_project(tmp_path, 140)
    build_site(project, tmp_path / "site")
    version = search._version
    monkeypatch.setattr(search, "_version", lambda gazetteer: version(gazetteer) + "\0next")
    monkeypatch.setattr(index, "deflate_lists", lambda data: index.deflate(data))  # other bytes, same lists
    text = paths[100].read_text(encoding="utf-8")
    paths[100].write_text(text.replace("快速掀起", "迅速掀起", 1), encoding="utf-8")
    # One process: the "new version" is a patch of this process, which a spawned worker would not see.
    build_site(project, tmp_path / "site", jobs=1)
    build_site(project, tmp_path / "clean", use_cache=False, jobs=1)
    assert index_files(tmp_path / "site") == index_files(tmp_path / "clean")


def test_an_old_segment_file_cut_after_its_header_is_made_again(tmp_path):
    """The previous version of an edited segment, damaged in its body: the build writes the sealed part
    whole instead of comparing with it, and the next builds work too."""
    project, paths = new_project(tmp_path, 140)
    build_site(project, tmp_path / "site")
    for path in sorted((project / ".guanxin-cache" / "search").glob("*.seg")):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) - (len(data) - 40_000) // 2])  # the header (32 KB) and part of the body
    for word in ("迅速掀起", "快速掀起"):
        text = paths[100].read_text(encoding="utf-8")
        paths[100].write_text(text.replace("快速掀起" if word == "迅速掀起" else "迅速掀起", word, 1), encoding="utf-8")
        build_site(project, tmp_path / "site")
        build_site(project, tmp_path / "clean", use_cache=False)
        assert index_files(tmp_path / "site") == index_files(tmp_path / "clean")


def test_an_inserted_old_issue_and_a_damaged_cache_still_give_the_clean_build(tmp_path):
    """An issue dated before the others shifts every segment's boundary; a segment file cut short
    (a killed build) is made again."""
    project, _ = new_project(tmp_path, 140)
    build_site(project, tmp_path / "site")
    (project / "issues/2018").mkdir()
    (project / "issues/2018/050.md").write_text(
        "---\nnumber: 50\ndate: 2018-12-14\ntitle: 迟到的一期\n---\n\n## 伊春市\n\n嘉荫关工委召开留守儿童关爱工作会议。\n",
        encoding="utf-8")
    segment = sorted((project / ".guanxin-cache" / "search").glob("*.seg"))[0]
    segment.write_bytes(segment.read_bytes()[:100])
    build_site(project, tmp_path / "site")
    build_site(project, tmp_path / "clean", use_cache=False)
    assert index_files(tmp_path / "site") == index_files(tmp_path / "clean")
    reader = IndexReader(tmp_path / "site")
    assert reader.doc(0).title == "迟到的一期" and reader.search("留守儿童关爱") == [0] and reader.search("嘉荫县关工委召开") == [0]


def test_the_sealed_parts_vocabulary_is_summed_once_and_a_damaged_sum_is_made_again(tmp_path, monkeypatch):
    """The suggestions' counts of the sealed segments are kept summed in the cache: an added issue (a new
    tail) reads that sum instead of every segment; a sum of the wrong shape is summed again. Either way the
    suggestions are the clean build's."""
    import marshal

    from guanxin_site.search import index

    monkeypatch.setattr(index, "SEGMENT_ISSUES", 16)  # several sealed segments
    project, paths = new_project(tmp_path, 139)
    build_site(project, tmp_path / "site")
    cache = project / ".guanxin-cache" / "search"
    [vocabulary] = cache.glob("*.vocab")
    summed = vocabulary.stat().st_mtime_ns
    [added] = write_archive(project, 1, start=139)  # docs stay short of the next multiple of TAIL_DOCS: the same sealed part
    build_site(project, tmp_path / "site")
    assert [p.name for p in cache.glob("*.vocab")] == [vocabulary.name] and vocabulary.stat().st_mtime_ns == summed
    build_site(project, tmp_path / "clean", use_cache=False)
    assert index_files(tmp_path / "site") == index_files(tmp_path / "clean")

    vocabulary.write_bytes(marshal.dumps({"关工": "many"}))  # readable, wrong: never trusted
    added.unlink()
    build_site(project, tmp_path / "site")
    build_site(project, tmp_path / "clean", use_cache=False)
    assert index_files(tmp_path / "site") == index_files(tmp_path / "clean")
    assert marshal.loads(vocabulary.read_bytes()) != {"关工": "many"}

    # An edit to an old issue: a new sealed part, whose sum is the previous one's with the edited segment's
    # counts taken out and put in again: two segments read (its old and new file) and the tail, not every one.
    read: list = []
    frequent = index.Segment.frequent
    monkeypatch.setattr(index.Segment, "frequent", lambda self: read.append(self.path.name) or frequent(self))
    text = paths[10].read_text(encoding="utf-8")
    paths[10].write_text(text.replace("关工委", "关心下一代工作委员会", 1), encoding="utf-8")
    build_site(project, tmp_path / "site")
    assert len(read) == 3 and len(set(read)) == 3
    build_site(project, tmp_path / "clean", use_cache=False)
    assert index_files(tmp_path / "site") == index_files(tmp_path / "clean")


def test_nothing_changed_computes_nothing_and_writes_nothing(tmp_path):
    project, _ = new_project(tmp_path, 8)
    build_site(project, tmp_path / "site")
    files = {p: p.stat().st_mtime_ns for p in (tmp_path / "site" / DATA_DIR).rglob("*")}
    segments = {p: p.stat().st_mtime_ns for p in (project / ".guanxin-cache" / "search").glob("*")}
    result = build(project, tmp_path / "site", today=TODAY)
    assert not result.changed
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "site" / DATA_DIR).rglob("*")} == files
    assert {p: p.stat().st_mtime_ns for p in (project / ".guanxin-cache" / "search").glob("*")} == segments


def test_a_theme_change_renders_the_search_page_again_with_the_kept_index_manifest(tmp_path):
    """No issue changed: the index is kept whole and the page takes its manifest from the kept file."""
    project, _ = new_project(tmp_path, 8)
    build_site(project, tmp_path / "site")
    files = {p: p.stat().st_mtime_ns for p in (tmp_path / "site" / DATA_DIR).rglob("*.*")}
    (project / "templates" / "static").mkdir(parents=True)
    css = (REPO / "templates" / "static" / "search.css").read_text(encoding="utf-8")
    (project / "templates" / "static" / "search.css").write_text(css + ".search-status { font-weight: bold; }\n",
                                                                 encoding="utf-8")
    result = build(project, tmp_path / "site", today=TODAY)
    assert result.changed and result.rendered > 0
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "site" / DATA_DIR).rglob("*.*")} == files  # kept
    page = (tmp_path / "site" / "search" / "index.html").read_text(encoding="utf-8")
    assert ".search-status { font-weight: bold; }" in page and 'href="../static/search.css"' not in page
    assert inline_manifest(tmp_path / "site") == without_regions(IndexReader(tmp_path / "site").manifest)
    build_site(project, tmp_path / "clean", use_cache=False)
    assert index_files(tmp_path / "site") == index_files(tmp_path / "clean")


def test_a_build_without_search_still_has_a_search_page(tmp_path):
    """--no-search (and serve's preview) writes no index; the search page says why instead."""
    project, _ = new_project(tmp_path, 3)
    build(project, tmp_path / "site", today=TODAY, search=False)
    assert not (tmp_path / "site" / DATA_DIR).exists()
    assert (tmp_path / "site" / "search" / "index.html").is_file() and inline_manifest(tmp_path / "site") is None
