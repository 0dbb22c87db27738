"""Done-when of issue 13: for provinces of every shape and a city's own bulletin, a project
started with `init` builds an archive of generated issues (reports from that gazetteer's
regions) whose every page parses and every link resolves, and imports a raw text bulletin
of that area the way the shipped Heilongjiang one is imported."""
from __future__ import annotations

import datetime as dt
import random
import re
from collections import defaultdict
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from click.testing import CliRunner

from archive_factory import SENTENCES, write_issue
from guanxin_site.build import build
from guanxin_site.checker import check_project
from guanxin_site.cli import main
from guanxin_site.gazetteer import Gazetteer
from guanxin_site.linkcheck import check_site
from guanxin_site.project_init import init_project
from test_build import linked_issues

BULLETINS = Path(__file__).parent / "data" / "bulletins"
BASE_URL = "https://example.org/guanxin/"

# (init option, value, gazetteer name, the raw bulletin, the reports the import must give, in order)
AREAS = {
    "jilin": ("province", "吉林省", "jilin", ["长春市", "吉林市", "延边朝鲜族自治州", "四平市"]),
    "neimenggu": ("province", "内蒙古自治区", "neimenggu", ["呼和浩特市", "兴安盟", "呼伦贝尔市", "锡林郭勒盟", "巴彦淖尔市"]),
    "beijing": ("province", "北京市", "beijing", ["东城区", "朝阳区", "海淀区", "延庆区"]),
    "hubei": ("province", "湖北省", "hubei", ["武汉市", "襄阳市", "恩施土家族苗族自治州", "仙桃市", "神农架林区"]),
    "yichun": ("city", "伊春市", "heilongjiang-yichun", ["铁力市", "嘉荫县", "大箐山县", "金林区"]),
}
ISSUES = 16


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def generate_issues(project: Path, gaz: Gazetteer, seed: int, count: int = ISSUES) -> tuple[dict, dict]:
    """`count` issues (ISSUES: over two years), reports from the gazetteer's regions (headed now and then
    by an alias, as old bulletins are), some naming a county. Returns what the site must show:
    region slug -> {(year, number)} and (region slug, county slug) -> {(year, number)}."""
    rng = random.Random(seed)
    regions: dict[str, set] = defaultdict(set)
    counties: dict[tuple[str, str], set] = defaultdict(set)
    for k in range(count):
        date = dt.date(2023, 10, 6) + dt.timedelta(weeks=2 * k)
        number = (date - dt.date(date.year, 1, 1)).days // 14 + 1
        chosen = rng.sample(gaz.regions, min(len(gaz.regions), rng.randint(2, 4)))
        lines = ["---", f"number: {number}", f"date: {date.isoformat()}",
                 f"title: {chosen[0].short}等地关工委扎实推进关心下一代工作（{k + 1}）", "---", ""]
        for place in chosen:
            heading = place.aliases[0] if place.aliases and rng.random() < 0.5 else place.name
            lines += [f"## {heading}", "", f"{heading}关工委" + "".join(rng.sample(SENTENCES, 2)), ""]
            own = gaz.counties_of(place.name)
            if own and rng.random() < 0.7:
                county = rng.choice(own)
                lines += [f"{county.name}关工委积极响应，认真抓好落实。", ""]
                counties[(place.slug, county.slug)].add((date.year, number))
            regions[place.slug].add((date.year, number))
        path = project / "issues" / str(date.year) / f"{number:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines), encoding="utf-8")
    return regions, counties


@pytest.fixture(scope="module", params=sorted(AREAS))
def area(request, tmp_path_factory):
    key = request.param
    option, value, name, _ = AREAS[key]
    project = tmp_path_factory.mktemp(key) / "project"
    init_project(project, **{option: value})
    gaz = Gazetteer.load(name)
    regions, counties = generate_issues(project, gaz, seed=sorted(AREAS).index(key))
    site = project / "site"
    build(project, site, base_url=BASE_URL)
    return key, project, site, gaz, regions, counties


def test_every_page_parses_and_every_link_resolves(area):
    key, project, site, gaz, regions, counties = area
    pages, broken = check_site(site)
    assert broken == []
    assert pages >= 1 + ISSUES + len(gaz.regions)
    for page in site.rglob("*.html"):
        doc = lxml.html.fromstring(page.read_bytes())
        assert doc.get("lang") == "zh-CN"
        assert doc.findtext(".//title").strip()
        assert len(doc.xpath("//h1")) == 1, page
        footer = doc.xpath("string(//p[@class='footer-publisher'])")
        assert footer in ("", f"{gaz.area}关心下一代工作委员会办公室 编印"), page  # "": pages without the footer
    home = lxml.html.fromstring((site / "index.html").read_bytes())
    assert home.xpath("string(//p[@class='footer-publisher'])") == f"{gaz.area}关心下一代工作委员会办公室 编印"
    report = check_project(project, today=dt.date(2026, 12, 6), site=site)
    assert report.ok, report.problems


def test_region_pages_list_exactly_their_reports(area):
    key, project, site, gaz, regions, counties = area
    index = lxml.html.fromstring((site / "regions" / "index.html").read_bytes())
    listed = {m.group(1) for href in index.xpath("//main//a/@href") if (m := re.fullmatch(r"\.\./regions/([a-z0-9-]+)/", href))}
    assert {p.slug for p in gaz.regions} <= listed  # every region of the area, reported or not
    assert regions
    for slug, keys in regions.items():
        found = set()
        for page in (site / "regions" / slug).glob("[0-9]*/index.html"):
            found |= linked_issues(page, site)
        assert found == keys, slug


def test_county_pages_follow_the_level(area):
    key, project, site, gaz, regions, counties = area
    if gaz.level == "province":
        assert counties  # provinces have counties below their regions
    else:  # a municipality's districts and a city's counties are the regions: nothing below them
        assert not counties
        assert not any(p.is_dir() and not p.name.isdigit() for r in (site / "regions").iterdir() if r.is_dir()
                       for p in r.iterdir())
    for (region, county), keys in counties.items():
        base = site / "regions" / region / county
        found = set()
        for page in [base / "index.html", *base.glob("[0-9]*/index.html")]:
            found |= linked_issues(page, site)
        assert found == keys, county


def test_words_of_the_level_on_the_pages(area):
    key, project, site, gaz, regions, counties = area
    regions_page = (site / "regions" / "index.html").read_text(encoding="utf-8")
    assert f"{gaz.scope}各{gaz.region_word}关工委" in regions_page
    stats = (site / "stats" / "index.html").read_text(encoding="utf-8")
    assert f"每列一个{gaz.region_word}" in stats
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "黑龙江" not in text and "市（地）" not in text, page


@pytest.mark.parametrize("key", sorted(AREAS))
def test_a_raw_bulletin_of_the_area_imports_and_builds(tmp_path, key):
    option, value, name, expected = AREAS[key]
    project = tmp_path / "project"
    assert run("init", str(project), f"--{option}", value).exit_code == 0
    result = run("import", str(BULLETINS / f"{key}.txt"), "--source", str(project))
    assert result.exit_code == 0, result.output
    (imported,) = (project / "issues").rglob("*.md")
    text = imported.read_text(encoding="utf-8")
    assert re.findall(r"^## (.+)$", text, re.M) == expected
    gaz = Gazetteer.load(name)
    assert f"publisher: {gaz.area}关心下一代工作委员会办公室" in text
    lead = text.split("\n## ")[0]
    assert f"{gaz.area}关工委" in lead  # the area's own committee opens no report
    body = [line for line in text.split("---\n", 2)[2].split("\n") if line and not line.startswith("## ")]
    assert not [line for line in body if " " in line]  # the PDF copy's spaces are gone
    assert "— 2 —" not in text
    built = run("build", "--source", str(project), "--base-url", BASE_URL)
    assert built.exit_code == 0, built.output
    assert check_site(project / "site")[1] == []
    assert check_project(project, today=dt.date(2026, 12, 6)).ok


def test_jilin_bulletin_keeps_counties_with_their_region(tmp_path):
    gaz = Gazetteer.load("jilin")
    from guanxin_site.importer import parse_bulletin

    issue = parse_bulletin((BULLETINS / "jilin.txt").read_text(encoding="utf-8"), gaz)
    reports = dict(issue.reports)
    assert reports["长春市"][1].startswith("朝阳区关工委")  # 长春's 朝阳区, not Beijing's
    assert reports["延边朝鲜族自治州"][0].endswith("现在依然在发挥余热。")  # joined across the page break
    assert reports["延边朝鲜族自治州"][1].startswith("敦化市关工委")
    assert issue.title == "全省各地关工委深入开展关爱留守儿童暑期活动"


def test_check_suggests_the_closest_name_within_the_chosen_gazetteer(tmp_path):
    project = tmp_path / "project"
    init_project(project, province="吉林省")
    write_issue(project, "2024/001.md",
                "---\nnumber: 1\ndate: 2024-01-05\ntitle: 标题\n---\n\n## 长春\n\n长春市关工委召开会议。\n\n"
                "## 敦化市\n\n敦化市关工委召开会议。\n\n## 吉林省\n\n吉林省关工委召开会议。\n\n## 黑河市\n\n黑河市关工委召开会议。\n")
    result = run("check", "--source", str(project), "--today", "2024-02-01")
    assert result.exit_code == 1
    lines = result.output.split("\n")
    assert "issues/2024/001.md:7: 不认识的地区“长春”，是不是“长春市”？（生成网站前必须改正）" in lines
    assert "issues/2024/001.md:11: 不认识的地区“敦化市”，是不是“延边朝鲜族自治州”？（生成网站前必须改正）" in lines  # a county: its region
    own = next(line for line in lines if ":15:" in line)
    assert "“吉林省”是本简报所属的地方本身" in own and "“## 长春市”“## 延边朝鲜族自治州”" in own
    other = next(line for line in lines if ":19:" in line)  # Heilongjiang's city: not in this gazetteer
    assert "黑河市" in other and "请写市（州）的全称" in other


def test_new_issue_file_gives_examples_from_the_gazetteer(tmp_path):
    project = tmp_path / "project"
    init_project(project, city="伊春市")
    assert run("new", "--source", str(project), "--date", "2024-03-01").exit_code == 0
    (created,) = (project / "issues").rglob("*.md")
    text = created.read_text(encoding="utf-8")
    assert "例如“## 伊美区”“## 嘉荫县”" in text and "黑河" not in text


def test_a_region_of_another_province_names_the_province(tmp_path):
    project = tmp_path / "project"
    init_project(project)  # Heilongjiang
    write_issue(project, "2024/001.md", "---\nnumber: 1\ndate: 2024-01-05\ntitle: 标题\n---\n\n## 长春市\n\n长春市关工委召开会议。\n")
    result = run("check", "--source", str(project), "--today", "2024-02-01")
    assert result.exit_code == 1
    assert ("issues/2024/001.md:7: 不认识的地区“长春市”：它是吉林省的地区，不在本站的地名表（黑龙江省）中；"
            "是不是“伊春市”？（如果选错了省份或城市，请改 site.yaml 中的 gazetteer）（生成网站前必须改正）") in result.output.split("\n")


def test_a_gazetteer_setting_written_as_a_code(tmp_path):
    project = tmp_path / "project"
    (project / "issues").mkdir(parents=True)
    (project / "site.yaml").write_text("gazetteer: 220000\n", encoding="utf-8")
    from guanxin_site.loader import load_site_config

    config, gaz = load_site_config(project, None)
    assert config.gazetteer == "220000" and gaz.area == "吉林省"
    assert config.publisher == "吉林省关心下一代工作委员会办公室"
    (project / "site.yaml").write_text("title: 简报\ngazetteer: 吉林\n", encoding="utf-8")
    assert load_site_config(project, None)[1].name == "jilin"
    (project / "site.yaml").write_text("title: 简报\ngazetteer: 火星省\n", encoding="utf-8")
    result = run("build", "--source", str(project))
    assert result.exit_code == 1
    assert result.stderr.startswith("site.yaml:2: 地名表设置 gazetteer: 火星省 有误：不认识的省份或城市“火星省”")


def test_a_wide_heat_map_scrolls_in_its_own_box(tmp_path, browser):
    """重庆's 38 regions make the heat map wider than a phone: every column is drawn, the
    chart keeps its size and scrolls sideways in a focusable box, the page itself does not."""
    project = tmp_path / "project"
    init_project(project, province="重庆市")
    gaz = Gazetteer.load("chongqing")
    generate_issues(project, gaz, seed=5, count=6)
    build(project, project / "site")
    stats = project / "site" / "stats" / "index.html"
    doc = lxml.html.fromstring(stats.read_bytes())
    (svg,) = doc.xpath("//div[@class='chart-scroll']/*[local-name()='svg']")
    width = float((svg.get("viewBox") or svg.get("viewbox")).split()[2])
    columns = svg.xpath(".//*[local-name()='text'][@transform]")  # a region's name over each column, at 45°
    assert len(columns) == len(gaz.regions) == 38
    assert max(float(t.get("x")) for t in columns) < width
    page = browser.new_page(viewport={"width": 360, "height": 780})
    try:
        page.goto(stats.as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        box = page.evaluate("(() => { const b = document.querySelector('.chart-scroll');"
                            " return [b.scrollWidth, b.clientWidth, b.tabIndex]; })()")
        assert box[0] > box[1] and box[2] == 0
    finally:
        page.close()


_SETTINGS = sorted(p.stem for p in (Path(__file__).parents[1] / "src/guanxin_site/data").glob("*.json")
                   if p.stem != "index") + ["伊春市", "延边州", "大兴安岭地区", "恩施州", "jiangxi-yichun", "巴音郭楞蒙古自治州"]


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_import_splits_any_areas_bulletin_by_its_regions(data):
    """Whatever the area and whichever of its regions report, under their names or aliases,
    a raw bulletin splits into exactly those reports, and the area's own committee leads."""
    from guanxin_site.importer import parse_bulletin

    gaz = Gazetteer.load(data.draw(st.sampled_from(_SETTINGS), label="gazetteer"))
    chosen = data.draw(st.lists(st.sampled_from(gaz.regions), min_size=1, max_size=6, unique=True), label="regions")
    lines = ["关心下一代工作", "（2024年第3期·总第100期）", f"{gaz.publisher}", "2024年3月8日",
             "各地关工委扎实推进关心下一代工作", f"{gaz.area}关工委召开全委会议，部署全年工作。"]
    for place in chosen:
        name = data.draw(st.sampled_from((place.name, *place.aliases)), label=place.name)
        lines.append(f"{name}关工委{SENTENCES[len(lines) % len(SENTENCES)]}")
        county = data.draw(st.sampled_from((None, *gaz.counties_of(place.name))), label="county")
        if county is not None:  # a county of the region opens the next paragraph: it stays in the report
            lines.append(f"{county.name}关工委积极响应，认真抓好落实。")
    issue = parse_bulletin("\n\n".join(lines), gaz)
    assert [region for region, _ in issue.reports] == [p.name for p in chosen]
    assert issue.lead == (f"{gaz.area}关工委召开全委会议，部署全年工作。",)
    assert issue.publisher == gaz.publisher
