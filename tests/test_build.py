"""End-to-end: build real archives into temp dirs and check the HTML that comes out."""
from __future__ import annotations

import re
import shutil
from collections import defaultdict
from pathlib import Path, PurePosixPath

import lxml.html
import pytest
from click.testing import CliRunner

from archive_factory import issue_text, write_archive
from guanxin_site.build import build
from guanxin_site.cli import main
from guanxin_site.errors import ContentErrors
from guanxin_site.linkcheck import check_site


SLUGS = {
    "哈尔滨市": "haerbin", "齐齐哈尔市": "qiqihaer", "鸡西市": "jixi", "鹤岗市": "hegang", "双鸭山市": "shuangyashan",
    "大庆市": "daqing", "伊春市": "yichun", "佳木斯市": "jiamusi", "七台河市": "qitaihe", "牡丹江市": "mudanjiang",
    "黑河市": "heihe", "绥化市": "suihua", "大兴安岭地区": "daxinganling",
}


def snapshot(site: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(site).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(site.rglob("*")) if p.is_file()}


def expected_reports(project: Path) -> dict[str, set[tuple[int, int]]]:
    """Region -> {(year, number)} read straight from the source files, independently of the parser."""
    found: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for path in (project / "issues").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        number = int(re.search(r"^number: (\d+)$", text, re.M).group(1))
        year = int(re.search(r"^date: (\d{4})-", text, re.M).group(1))
        for region in re.findall(r"^## (\S+)$", text, re.M):
            found[region].add((year, number))
    return found


def linked_issues(page: Path, site: Path) -> set[tuple[int, int]]:
    """(year, number) of every issue an HTML page links to, resolved against the page's location."""
    doc = lxml.html.fromstring(page.read_bytes())
    base = PurePosixPath(page.relative_to(site).as_posix()).parent
    keys = set()
    for href in doc.xpath("//main//a/@href"):
        path = href.split("#")[0]
        parts = list(base.parts)
        for part in path.split("/"):
            if part == "..":
                parts.pop()
            elif part:
                parts.append(part)
        if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
            keys.add((int(parts[0]), int(parts[1])))
    return keys


@pytest.fixture(scope="module")
def generated_site(generated_project, tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("gen-site") / "site"
    build(generated_project, site)
    return site


def test_generated_archive_every_page_parses_and_every_link_resolves(generated_site):
    pages, broken = check_site(generated_site)
    assert pages > 230 + 5 * 13
    assert broken == []
    for page in generated_site.rglob("*.html"):
        doc = lxml.html.fromstring(page.read_bytes())
        assert doc.get("lang") == "zh-CN"
        assert doc.findtext(".//title").strip()
        assert len(doc.xpath("//h1")) == 1, page


def test_region_pages_list_exactly_the_right_reports(generated_project, generated_site):
    expected = expected_reports(generated_project)
    assert len(expected) == 13
    for region, keys in expected.items():
        region_dir = generated_site / "regions" / SLUGS[region]
        listed: set[tuple[int, int]] = set()
        for year_page in region_dir.glob("[0-9]*/index.html"):
            listed |= linked_issues(year_page, generated_site)
        assert listed == keys, region
        # Every link from a report listing lands on the report's own anchor.
        doc = lxml.html.fromstring((region_dir / "index.html").read_bytes())
        hrefs = doc.xpath("//a[@class='entry-title']/@href")
        assert hrefs, region  # the region has reports: its page lists them
        assert {href.partition("#")[2] for href in hrefs} == {SLUGS[region]}, region


def test_year_pages_list_exactly_the_issues_of_their_year(generated_project, generated_site):
    by_year: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for keys in expected_reports(generated_project).values():
        for key in keys:
            by_year[key[0]].add(key)
    assert sorted(by_year) == [2019, 2020, 2021, 2022, 2023]
    for year, keys in by_year.items():
        assert linked_issues(generated_site / str(year) / "index.html", generated_site) == keys


def test_issue_page_has_masthead_reports_and_neighbours(generated_site):
    text, year, number = issue_text(100)
    page = generated_site / str(year) / str(number) / "index.html"
    doc = lxml.html.fromstring(page.read_bytes())
    assert doc.xpath("string(//p[@class='masthead-title'])") == "关心下一代工作"
    label = doc.xpath("string(//p[@class='masthead-label'])")
    assert label == f"（{year}年第{number}期·总第{301 + 100}期）"
    regions = re.findall(r"^## (\S+)$", text, re.M)
    assert doc.xpath("//section[@class='report']/@id") == [SLUGS[r] for r in regions]
    assert doc.xpath("//a[@rel='prev']") and doc.xpath("//a[@rel='next']")


def test_county_pages_list_reports_that_mention_the_county(generated_project, generated_site):
    mentions = set()
    for path in (generated_project / "issues").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        section = re.search(r"^## 伊春市\n(.*?)(?=^## |\Z)", text, re.M | re.S)
        if section and "嘉荫县" in section.group(1):
            number = int(re.search(r"^number: (\d+)$", text, re.M).group(1))
            year = int(re.search(r"^date: (\d{4})-", text, re.M).group(1))
            mentions.add((year, number))
    assert mentions
    county = generated_site / "regions" / "yichun" / "yichun-jiayin"
    listed = set()
    for page in [county / "index.html", *county.glob("[0-9]*/index.html")]:
        listed |= linked_issues(page, generated_site)
    assert listed == mentions


def test_long_county_lists_move_older_years_to_pages_of_their_own(project, tmp_path):
    from guanxin_site import planner

    write_archive(project, 160)  # three years
    site = tmp_path / "site"
    budget = planner.REGION_INLINE_BUDGET
    planner.REGION_INLINE_BUDGET = 3  # a small budget stands in for a very long archive
    try:
        build(project, site, use_cache=False)
    finally:
        planner.REGION_INLINE_BUDGET = budget
    county = max((site / "regions").glob("*/*-*"), key=lambda d: len(list(d.glob("[0-9]*"))))
    year_pages = sorted(county.glob("[0-9]*/index.html"))
    assert year_pages, "older years should have pages of their own"
    main = lxml.html.fromstring((county / "index.html").read_bytes())
    assert len(main.xpath("//a[@class='entry-title']")) < sum(
        len(lxml.html.fromstring(p.read_bytes()).xpath("//a[@class='entry-title']")) for p in year_pages) + 4
    assert check_site(site)[1] == []


def test_build_is_deterministic(generated_project, tmp_path):
    build(generated_project, tmp_path / "a")
    build(generated_project, tmp_path / "b")
    a, b = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
    assert {k: v[0] for k, v in a.items()} == {k: v[0] for k, v in b.items()}


def test_rebuild_with_no_change_touches_nothing(project, tmp_path):
    write_archive(project, 12)
    site = tmp_path / "site"
    first = build(project, site)
    assert first.changed
    before = snapshot(site)
    again = build(project, site)
    assert not again.changed and again.written == 0 and again.rendered == 0
    assert snapshot(site) == before


def test_incremental_build_equals_clean_build_and_keeps_untouched_files(project, tmp_path):
    write_archive(project, 20)
    site = tmp_path / "site"
    build(project, site)
    before = snapshot(site)
    write_archive(project, 1, start=20)  # one new issue
    result = build(project, site)
    build(project, tmp_path / "clean")
    after, clean = snapshot(site), snapshot(tmp_path / "clean")
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in clean.items()}
    untouched = [k for k in before if k in after and before[k] == after[k]]
    assert result.written < len(after) / 2 and len(untouched) > len(after) / 2
    # The oldest issue is not a neighbour of the new one: its page must not be rewritten.
    oldest = "2019/1/index.html"
    assert after[oldest] == before[oldest]


def test_content_error_leaves_previous_site_untouched(project, tmp_path):
    write_archive(project, 3)
    site = tmp_path / "site"
    build(project, site)
    before = snapshot(site)
    bad = project / "issues" / "2019" / "002.md"
    bad.write_text(bad.read_text(encoding="utf-8").replace("## ", "## 火星市\n\n## ", 1), encoding="utf-8")
    with pytest.raises(ContentErrors) as caught:
        build(project, site)
    assert any(e.path == "issues/2019/002.md" and e.line and "火星市" in e.message for e in caught.value.errors)
    assert snapshot(site) == before


def test_cli_build_reports_errors_with_path_and_line(project, tmp_path):
    write_archive(project, 2)
    path = project / "issues" / "2019" / "001.md"
    path.write_text(path.read_text(encoding="utf-8").replace("number: 1", "numbr: 1"), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--source", str(project), "--output", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "issues/2019/001.md:2: 不认识的设置“numbr”，是不是“number”？" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_cli_build_summary_line(project, tmp_path):
    write_archive(project, 3)
    result = CliRunner().invoke(main, ["build", "--source", str(project), "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert re.search(r"完成：3 期，\d+ 个页面，更新了 \d+ 个文件，用时 [\d.]+ 秒", result.output)


def test_drafts_are_left_out_unless_asked_for(project, tmp_path):
    write_archive(project, 2)
    path = project / "issues" / "2019" / "002.md"
    path.write_text(path.read_text(encoding="utf-8").replace("---\n\n", "draft: true\n---\n\n", 1), encoding="utf-8")
    result = build(project, tmp_path / "a")
    assert result.issues == 1 and result.drafts_waiting == ("issues/2019/002.md",)
    assert not (tmp_path / "a" / "2019" / "2").exists()
    assert build(project, tmp_path / "b", drafts=True).issues == 2


def test_attachments_are_copied_and_linked(project, tmp_path):
    write_archive(project, 1)
    issue = project / "issues" / "2019" / "001.md"
    (issue.parent / "原件.pdf").write_bytes(b"%PDF-1.4 test")
    issue.write_text(issue.read_text(encoding="utf-8").replace("---\n\n", "attachments:\n  - 原件.pdf\n---\n\n", 1), encoding="utf-8")
    site = tmp_path / "site"
    build(project, site)
    assert (site / "2019" / "1" / "原件.pdf").read_bytes() == b"%PDF-1.4 test"
    assert 'href="%E5%8E%9F%E4%BB%B6.pdf"' in (site / "2019" / "1" / "index.html").read_text(encoding="utf-8")
    assert check_site(site)[1] == []


def test_404_links_work_from_any_depth(project, tmp_path):
    write_archive(project, 1)
    build(project, tmp_path / "plain")
    build(project, tmp_path / "sub", base_url="https://example.org/guanxin")
    assert 'href="/archive/"' in (tmp_path / "plain" / "404.html").read_text(encoding="utf-8")
    assert 'href="/guanxin/archive/"' in (tmp_path / "sub" / "404.html").read_text(encoding="utf-8")


def test_project_templates_override_the_bundled_theme(project, tmp_path):
    write_archive(project, 1)
    (project / "templates").mkdir()
    (project / "templates" / "404.html").write_text('{% extends "base.html" %}{% block main %}<h1>自定义</h1>{% endblock %}', encoding="utf-8")
    build(project, tmp_path / "site")
    assert "<h1>自定义</h1>" in (tmp_path / "site" / "404.html").read_text(encoding="utf-8")
    assert (tmp_path / "site" / "static" / "site.css").exists()  # the rest still comes from the bundled theme


def test_builds_stage_into_the_previous_site_and_match_clean_builds(project, tmp_path):
    """Double buffering: the spare is reused, and every build equals a clean one, through edits and deletions."""
    write_archive(project, 15)
    site = tmp_path / "site"
    spare = tmp_path / ".site.spare"
    build(project, site)
    assert (spare / "index.html").stat().st_ino == (site / "index.html").stat().st_ino  # a first build leaves a mirror
    steps = [
        lambda: write_archive(project, 1, start=15),
        lambda: (project / "issues" / "2019" / "003.md").unlink(),
        lambda: write_archive(project, 2, start=16),
        lambda: (project / "issues" / "2019" / "016.md").unlink(),
    ]
    for n, step in enumerate(steps):
        step()
        build(project, site)
        assert spare.is_dir() and (spare / ".guanxin-site.json").exists()
        clean = tmp_path / f"clean{n}"
        build(project, clean, use_cache=False)
        assert {k: v[0] for k, v in snapshot(site).items()} == {k: v[0] for k, v in snapshot(clean).items()}
        # No empty folders left behind by deleted pages.
        assert all(any(d.iterdir()) for d in site.rglob("*") if d.is_dir())


@pytest.mark.parametrize("template", ["year.html", "search.html"])  # search.html: rendered after the index
def test_template_mistakes_are_reported_with_file_and_line(project, tmp_path, template):
    write_archive(project, 2)
    site = tmp_path / "site"
    build(project, site)
    before = snapshot(site)
    (project / "templates").mkdir()
    (project / "templates" / template).write_text('{% extends "base.html" %}\n{% block main %}\n{% for x in %}\n{% endblock %}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--source", str(project), "--output", str(site)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"templates/{template}:3: 模板语法错误" in result.output
    (project / "templates" / template).write_text('{% extends "base.html" %}{% block main %}{{ no_such_thing.x }}{% endblock %}', encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--source", str(project), "--output", str(site)])
    assert result.exit_code == 1 and f"templates/{template}:1: 模板出错（UndefinedError" in result.output and "Traceback" not in result.output
    assert snapshot(site) == before


def test_a_spare_from_another_live_site_is_not_reused(project, tmp_path):
    """After the output is deleted and rebuilt, the old spare's files are not swapped in (their inodes differ)."""
    write_archive(project, 6)
    site = tmp_path / "site"
    build(project, site)
    write_archive(project, 1, start=6)
    build(project, site)  # leaves a spare
    assert (tmp_path / ".site.spare").is_dir()
    shutil.rmtree(site)
    shutil.rmtree(project / ".guanxin-cache")
    build(project, site)  # cold: a new live site beside the old spare
    before = {p: p.stat().st_ino for p in site.rglob("*") if p.is_file()}
    write_archive(project, 1, start=7)
    build(project, site)
    after = {p: p.stat().st_ino for p in site.rglob("*") if p.is_file()}
    kept = [p for p in before if p in after and before[p] == after[p]]
    assert len(kept) > len(after) / 2  # unchanged pages keep their files
    assert not (site / ".guanxin-spare").exists() and not (site / ".guanxin-staging").exists()


def test_build_refuses_a_source_that_is_not_a_project(tmp_path):
    result = CliRunner().invoke(main, ["build", "--source", str(tmp_path / "typo")])
    assert result.exit_code == 1 and "不像是简报网站的项目目录" in result.output
    assert not (tmp_path / "typo").exists()


def test_a_touched_file_refreshes_the_manifest_so_the_next_build_is_fast(project, tmp_path):
    write_archive(project, 3)
    site = tmp_path / "site"
    build(project, site)
    path = project / "issues" / "2019" / "002.md"
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")  # same bytes, new mtime
    again = build(project, site)
    assert not again.changed and again.written == 0
    assert not again.inputs_unchanged  # a file's identity changed: it was read again
    third = build(project, site)
    assert third.inputs_unchanged and third.rendered == 0  # took the nothing-changed path
    assert third.pages == again.pages


def test_runtime_template_errors_name_the_template_and_line(project, tmp_path):
    write_archive(project, 1)
    (project / "templates").mkdir()
    (project / "templates" / "404.html").write_text('{% extends "base.html" %}{% block main %}\n\n{{ 1 / 0 }}{% endblock %}', encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--source", str(project), "--output", str(tmp_path / "site")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "templates/404.html:3: 模板出错（ZeroDivisionError" in result.output



def test_a_build_with_nothing_changed_still_warns_about_future_dates_correctly(project, tmp_path):
    import datetime as dt

    write_archive(project, 2)
    path = project / "issues" / "2019" / "002.md"
    path.write_text(path.read_text(encoding="utf-8").replace("date: 2019-01-11", "date: 2999-01-11"), encoding="utf-8")
    (project / "issues" / "2019" / "002.md").rename(project / "issues" / "2019" / "future.md")
    first = build(project, tmp_path / "site")
    again = build(project, tmp_path / "site")
    assert again.rendered == 0 and not again.changed
    assert [w for w in again.warnings if "2999-01-11" in w.message] == [w for w in first.warnings if "2999-01-11" in w.message]
    assert any("2999-01-11 晚于今天" in w.message for w in again.warnings)


def test_the_nothing_changed_path_uses_the_day_it_is_given(project, tmp_path):
    """build(today=...) decides the future-date warnings on both paths, not the clock (issue 15)."""
    import datetime as dt

    write_archive(project, 2)  # issues of 2019-01-04 and 2019-01-11
    day = dt.date(2019, 1, 5)
    first = build(project, tmp_path / "site", today=day)
    again = build(project, tmp_path / "site", today=day)
    assert not again.changed
    assert [w.message for w in again.warnings if "晚于今天" in w.message] == \
        [w.message for w in first.warnings if "晚于今天" in w.message] == ["日期 2019-01-11 晚于今天（2019-01-05）"]


def test_a_project_gazetteer_file_is_read_from_the_project_and_watched(project, tmp_path, monkeypatch):
    import json

    from guanxin_site.gazetteer import Gazetteer

    data = json.loads((Path(__file__).resolve().parents[1] / "src/guanxin_site/data/heilongjiang.json").read_text(encoding="utf-8"))
    (project / "places.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    config = (project / "site.yaml").read_text(encoding="utf-8")
    (project / "site.yaml").write_text(config.replace("gazetteer: heilongjiang", "gazetteer: places.json"), encoding="utf-8")
    write_archive(project, 2)
    monkeypatch.chdir(tmp_path)  # the path is the project's, not the working folder's
    site = tmp_path / "site"
    build(project, site)
    headings = {line[3:] for p in (project / "issues").rglob("*.md")
                for line in p.read_text(encoding="utf-8").splitlines() if line.startswith("## ")}
    unused = next(r for r in data["regions"] if r["name"] not in headings)
    unused["name"] += "（改名）"  # a region no issue reports on, renamed: the build must notice the file changed
    (project / "places.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    again = build(project, site)
    assert not again.inputs_unchanged and again.changed  # no stale nothing-changed result
    used = next(r for r in data["regions"] if r["name"] in headings)
    used["name"] += "（改名）"  # a region the issues report on: its headings become unknown
    (project / "places.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ContentErrors) as refused:
        build(project, site)
    assert any(f"不认识的地区“{used['name'].removesuffix('（改名）')}”" in e.message for e in refused.value.errors)
    assert Gazetteer.file_in(project, "heilongjiang") is None


# -- names Windows cannot hold (simulated here: the rules, not the file system) ------------------

def _with_attachment(project: Path, name: str) -> Path:
    write_archive(project, 1)
    issue = project / "issues" / "2019" / "001.md"
    (issue.parent / name).write_bytes(b"%PDF-1.4 test")
    issue.write_text(issue.read_text(encoding="utf-8").replace("---\n\n", f"attachments:\n  - {name}\n---\n\n", 1),
                     encoding="utf-8")
    return issue


def test_an_attachment_whose_path_in_the_site_is_too_long_is_a_located_error(project, tmp_path):
    issue = _with_attachment(project, "a" * 195 + ".pdf")
    line = issue.read_text(encoding="utf-8").split("\n").index("attachments:") + 1
    with pytest.raises(ContentErrors) as caught:
        build(project, tmp_path / "site")
    [error] = caught.value.errors
    assert (error.path, error.line) == ("issues/2019/001.md", line)
    # The parser's rule (a name over 100 characters) meets this name first; the writer's (a path in the
    # site over 200) stands behind it for names made otherwise: either way a located error, nothing written.
    assert "附件“aaaa" in error.message
    assert "路径太长（206 个字符，最多 200 个）" in error.message or "文件名太长（超过 100 个字）" in error.message
    assert not (tmp_path / "site").exists()


def test_on_windows_the_whole_path_counts(project, tmp_path, monkeypatch):
    """Where the site is built matters on Windows (MAX_PATH): the same attachment builds elsewhere."""
    from guanxin_site import writer

    name = "b" * 96 + ".pdf"  # as long as the parser lets an attachment's name be (100 characters)
    _with_attachment(project, name)
    site = tmp_path / "site"
    build(project, site)  # the rule of every platform: fine
    monkeypatch.setattr(writer, "WINDOWS_PATHS", True)
    deep = tmp_path / ("深" * 60) / ("深" * 60) / "site"
    with pytest.raises(ContentErrors, match="完整路径太长.*把网站生成到路径更短的文件夹"):
        build(project, deep, use_cache=False)


def _deleted_page_comes_back(project, site):
    page = next(site.glob("2019/*/wechat.html"))  # a file two folders down
    page.unlink()
    again = build(project, site)
    assert not again.inputs_unchanged and page.is_file()
    assert build(project, site).inputs_unchanged


def test_a_deleted_output_file_is_noticed_by_its_folder_and_written_again(project, tmp_path):
    """The nothing-changed check compares each output folder's mtime and inode, not every file."""
    write_archive(project, 3)
    site = tmp_path / "site"
    build(project, site)
    assert build(project, site).inputs_unchanged
    _deleted_page_comes_back(project, site)
    stray = site / "2019" / "stray.txt"  # anything added inside the site: checked again, still right
    stray.write_text("x", encoding="utf-8")
    assert not build(project, site).inputs_unchanged


def test_folder_times_too_coarse_to_trust_fall_back_to_checking_every_file(project, tmp_path):
    """FAT and exFAT (a USB stick) keep times to the second or two: a file deleted within that second
    would leave its folder's time as it was, so such a site is checked file by file."""
    import json
    import os

    from guanxin_site.build import _output_stamp
    from guanxin_site.writer import read_manifest

    write_archive(project, 3)
    site = tmp_path / "site"
    build(project, site, search=False)
    files = read_manifest(site)["files"]
    assert _output_stamp(site, files, [], 1, ()) is not None
    for folder in [site, *(p for p in site.rglob("*") if p.is_dir())]:
        os.utime(folder, ns=(1_700_000_000 * 10**9, 1_700_000_000 * 10**9))
    assert _output_stamp(site, files, [], 1, ()) is None
    build(project, site, search=False)  # the folders changed: built again, and no folder stamps kept
    summary = json.loads((project / ".guanxin-cache" / "last-build.json").read_text(encoding="utf-8"))
    assert summary["output"] is None  # no folder stamps kept for this site
    assert build(project, site, search=False).inputs_unchanged  # the file-by-file check
    page = next(site.glob("2019/*/wechat.html"))
    page.unlink()
    os.utime(page.parent, ns=(1_700_000_000 * 10**9, 1_700_000_000 * 10**9))  # as if within the same second
    again = build(project, site, search=False)
    assert not again.inputs_unchanged and page.is_file()


def test_an_added_issue_keeps_unchanged_files_by_their_folders_and_a_planted_link_is_noticed(project, tmp_path, monkeypatch):
    """While no folder of the site changed since the last build (its folders' stamps), unchanged pages are
    kept without a stat of each; a file replaced by a link (its folder's mtime and ctime change, whatever
    os.utime then sets) means every kept file is checked again, and the link is never republished."""
    import os

    from guanxin_site import writer as writer_module

    write_archive(project, 8)
    site = tmp_path / "site"
    build(project, site, search=False)
    checked = []
    real_live_holds = writer_module._live_holds
    monkeypatch.setattr(writer_module, "_live_holds", lambda target, live, rel, digest: (
        checked.append(rel), real_live_holds(target, live, rel, digest))[1])
    write_archive(project, 1, start=8)
    build(project, site, search=False)
    oldest = "2019/1/index.html"
    assert oldest not in checked and (site / oldest).is_file()  # kept by its folder's stamp

    secret = tmp_path / "secret.html"
    secret.write_bytes((site / oldest).read_bytes())
    stamp = (site / oldest).parent.stat()
    (site / oldest).unlink()
    (site / oldest).symlink_to(secret)
    os.utime((site / oldest).parent, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # the mtime set back; the ctime cannot be
    checked.clear()
    write_archive(project, 1, start=9)
    build(project, site, search=False)
    assert oldest in checked
    assert not (site / oldest).is_symlink() and (site / oldest).is_file()
    build(project, tmp_path / "clean", search=False)
    assert (site / oldest).read_bytes() == (tmp_path / "clean" / oldest).read_bytes()


def test_run_outside_a_project_names_the_current_folder_not_a_dot(tmp_path, monkeypatch):
    """An editor's walkthrough saw “. 中没有 issues/ 文件夹” when build ran in the wrong folder."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1 and f"当前文件夹（{tmp_path.resolve()}）中没有 issues/ 文件夹" in result.output
