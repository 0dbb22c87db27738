"""/stats/: the numbers, the SVG charts drawn at build time, and the tables that repeat them."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import html as lxml_html

from archive_factory import write_archive
from guanxin_site import stats
from guanxin_site.archive import organise
from guanxin_site.build import build
from guanxin_site.loader import load_project

SVG = "{http://www.w3.org/2000/svg}"


def _parse(path: Path):
    return lxml_html.fromstring(path.read_bytes())


def _svgs(doc) -> list:
    """Inline SVG elements; lxml's HTML parser keeps their tag names without a namespace."""
    return [el for el in doc.iter() if isinstance(el.tag, str) and el.tag.rsplit("}", 1)[-1] == "svg"]


def _children(el, name: str) -> list:
    return [c for c in el.iter() if isinstance(c.tag, str) and c.tag.rsplit("}", 1)[-1] == name]


@pytest.fixture(scope="module")
def gapped(tmp_path_factory):
    """Issues in 2019 and 2021 but none in 2020, built with a base URL; returns (project, site, archive)."""
    root = tmp_path_factory.mktemp("gapped")
    (root / "issues").mkdir()
    write_archive(root, 6, start=46)  # late 2019
    write_archive(root, 5, start=106)  # early 2021 (issue k is dated 2019-01-04 + k weeks)
    years = sorted(p.name for p in (root / "issues").iterdir())
    assert years == ["2019", "2021"], years
    site = root / "site"
    build(root, site, base_url="https://example.org/guanxin/")
    project = load_project(root)
    return root, site, organise(list(project.issues), project.gazetteer)


def test_collect_counts_every_year_and_region(gapped):
    _, _, archive = gapped
    numbers = stats.collect(archive)
    assert numbers.years == (2019, 2020, 2021)  # the empty year is shown, not skipped
    assert numbers.issues == (6, 0, 5)
    assert numbers.total_issues == len(archive.issues) == 11
    assert [row.region.slug for row in numbers.regions] == [index.region.slug for index in archive.regions]
    for row, index in zip(numbers.regions, archive.regions):
        expected = [sum(1 for e in index.entries if e.issue.year == year) for year in numbers.years]
        assert list(row.counts) == expected
    assert numbers.total_reports == sum(len(issue.reports) for issue in archive.issues)
    assert numbers.reports_in(1) == 0


@pytest.mark.parametrize("maximum, expected", [(0, (1, 1)), (1, (1, 1)), (5, (1, 5)), (6, (2, 3)), (52, (20, 3)),
                                                (53, (20, 3)), (101, (50, 3)), (250, (50, 5)), (251, (100, 3))])
def test_axis_is_round_and_covers_the_maximum(maximum, expected):
    step, ticks = stats._axis(maximum)
    assert (step, ticks) == expected
    assert step * ticks >= maximum


def test_stats_page_charts_are_accessible_svg_with_tables(gapped):
    _, site, archive = gapped
    doc = _parse(site / "stats" / "index.html")
    # The statistics page must work without JavaScript: its one script is the 大字 switch every page has.
    assert doc.xpath("//script/@src") == ["../static/enhance.js"] and not doc.xpath("//script[not(@src)]")
    charts = _svgs(doc)
    assert len(charts) == 2
    for svg in charts:
        assert svg.get("role") == "img"
        titles, descs = _children(svg, "title"), _children(svg, "desc")
        assert len(titles) == 1 and titles[0].text.strip()
        assert len(descs) == 1 and len(descs[0].text.strip()) > 20
        for ref in svg.get("aria-labelledby").split():
            assert doc.get_element_by_id(ref) is not None
        box = svg.getparent()  # the heat map sits in a box that scrolls sideways, inside its figure
        assert box.tag == "figure" or (box.get("class") == "chart-scroll" and box.getparent().tag == "figure")
    tables = doc.xpath("//main//table")
    assert len(tables) == 2
    assert all(t.xpath("./caption") and t.xpath(".//th[@scope]") for t in tables)


def _numbers(el) -> list[int]:
    return [int(t.text) for t in _children(el, "text") if t.text and t.text.isdigit()]


def test_issues_chart_matches_its_table(gapped):
    _, site, archive = gapped
    doc = _parse(site / "stats" / "index.html")
    chart = _svgs(doc)[0]
    bars = [r for r in _children(chart, "rect")]
    assert len(bars) == 2  # one bar per year with issues; 2020 has none
    assert float(bars[0].get("width")) / float(bars[1].get("width")) == pytest.approx(6 / 5, rel=0.02)
    labels = [t.text for t in _children(chart, "text")]
    for year in ("2019", "2020", "2021"):
        assert year in labels
    rows = doc.xpath("(//main//table)[1]/tbody/tr")
    table = {r.xpath("./th")[0].text_content(): int(r.xpath("./td")[0].text) for r in rows}
    assert table == {"2019年": 6, "2020年": 0, "2021年": 5}
    # A year with issues links to its year page; an empty year has no page to link to.
    assert doc.xpath("(//main//table)[1]//a/@href") == ["../2019/", "../2021/"]


def test_heat_map_cells_match_the_region_table(gapped):
    _, site, archive = gapped
    numbers = stats.collect(archive)
    doc = _parse(site / "stats" / "index.html")
    chart = _svgs(doc)[1]
    cells = _children(chart, "rect")
    assert len(cells) == len(numbers.years) * len(numbers.regions)
    in_cells = sorted(c for row in numbers.regions for c in row.counts if c)
    year_labels = [int(y) for y in ("2019", "2020", "2021")]
    assert sorted(n for n in _numbers(chart) if n not in year_labels) == in_cells
    table_rows = doc.xpath("(//main//table)[2]/tbody/tr")
    assert len(table_rows) == 13
    for tr, row in zip(table_rows, numbers.regions):
        assert tr.xpath("./th")[0].text_content() == row.region.name
        assert [int(td.text) for td in tr.xpath("./td")] == [*row.counts, row.total]
    # Darker cells carry white numbers, lighter ones dark numbers (legible on both); a number
    # sits in the middle of its cell.
    cell_at = {(float(c.get("x")) + float(c.get("width")) / 2, float(c.get("y")) + float(c.get("height")) / 2): c
               for c in cells}
    on_cells = _children(chart.xpath(".//*[@class='counts']")[0], "text")
    assert len(on_cells) == len(in_cells)
    assert chart.xpath(".//*[@class='counts']")[0].get("text-anchor") == "middle"
    for text in on_cells:
        cell = cell_at[(float(text.get("x")), float(text.get("y")) - 4.5)]
        assert cell.get("fill") in stats.SHADES  # a shaded cell: it has reports
        dark = cell.get("fill") in stats.SHADES[-stats.DARK_SHADES:]
        assert text.get("fill") == ("#ffffff" if dark else stats.INK)
    assert {t.get("fill") for t in on_cells} == {"#ffffff", stats.INK}
    # Every cell is drawn with the white grid line, inherited from its group.
    assert {c.getparent().get("stroke") for c in cells} == {"#ffffff"}


def test_heat_map_column_labels_are_whole_names_rising_at_45_degrees(gapped):
    """Not one character under another: each region's short name is one line of text, rotated."""
    _, site, archive = gapped
    chart = _svgs(_parse(site / "stats" / "index.html"))[1]
    labels = [t for t in _children(chart, "text") if t.get("transform")]
    names = [index.region.short or index.region.name for index in archive.regions]
    assert [t.text for t in labels] == names and not _children(chart, "tspan")
    assert all(t.get("transform").startswith("rotate(-45 ") for t in labels)
    # Each label starts over its own column, left to right.
    starts = [float(t.get("x")) for t in labels]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


def test_chart_text_that_larger_type_enlarges_is_marked_for_the_stylesheet(gapped):
    """大字 reaches the charts through site.css: the bar chart's labels by class, the heat map by its width."""
    _, site, _ = gapped
    doc = _parse(site / "stats" / "index.html")
    bars, heat = _svgs(doc)
    assert "chart-issues" in bars.get("class") and "chart-regions" in heat.get("class")
    labelled = [g for g in _children(bars, "g") if "label" in (g.get("class") or "").split()]
    assert {t.text for g in labelled for t in _children(g, "text")} >= {"2019", "2021", "6", "5"}
    width = float(heat.get("viewbox").split()[2])  # the HTML parser lowercases attribute names
    assert heat.get("style") == f"--chart-width:{width:g}"
    css = (site / "static" / "stats.css").read_text(encoding="utf-8")  # the stats page's own stylesheet
    assert doc.xpath("//head/link[@rel='stylesheet']/@href") == ["../static/site.css", "../static/stats.css"]
    assert "html.large-text .chart-issues .label" in css and "var(--chart-width) * 1.35px" in css


def test_legend_bands_cover_every_count_once(gapped):
    _, _, archive = gapped
    numbers = stats.collect(archive)
    bands = stats.shade_bands(numbers)
    maximum = max(c for row in numbers.regions for c in row.counts)
    covered = []
    for _, label in bands:
        low, _, high = label.partition("–")
        covered += range(int(low), int(high or low) + 1)
    assert covered == list(range(1, maximum + 1))


def test_stats_is_linked_from_home_regions_and_navigation(gapped):
    _, site, archive = gapped
    home = _parse(site / "index.html")
    assert "stats/" in home.xpath("//main//a/@href")
    assert "stats/" in home.xpath("//header//nav//a/@href")
    for index in archive.regions:
        page = _parse(site / "regions" / index.region.slug / "index.html")
        assert any(href.startswith("../../stats/") for href in page.xpath("//main//a/@href")), index.region.slug


def test_empty_archive_has_a_stats_page_without_charts(tmp_path):
    (tmp_path / "issues").mkdir()
    build(tmp_path, tmp_path / "site")
    doc = _parse(tmp_path / "site" / "stats" / "index.html")
    assert not _svgs(doc) and not doc.xpath("//table")
    assert "还没有发布任何一期" in doc.text_content()


def test_charts_fit_a_phone_and_use_numbers_without_locale(gapped):
    _, site, _ = gapped
    text = (site / "stats" / "index.html").read_text(encoding="utf-8")
    for box in re.findall(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', text):
        assert float(box[0]) <= 360
    # Coordinates are written with at most one decimal: the same bytes on every machine.
    assert not re.search(r'(?:x|y|width|height)="-?\d+\.\d{2,}"', text)
