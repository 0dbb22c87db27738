"""`guanxin-site check`: each kind of fault in a real archive on disk, in text and in JSON."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive_factory import write_archive
from guanxin_site.build import build
from guanxin_site.loader import load_project
from guanxin_site.checker import check_project
from guanxin_site.cli import main
from guanxin_site.errors import ContentErrors

TODAY = "2019-12-31"  # the 8-issue archive runs from 2019-01-04 to 2019-02-22


@pytest.fixture(scope="module")
def clean_archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("clean")
    shutil.copy(Path(__file__).resolve().parents[1] / "site.yaml", root / "site.yaml")
    write_archive(root, 8)  # 2019 issues 1-8, totals 301-308
    return root


@pytest.fixture
def archive(clean_archive, tmp_path) -> Path:
    root = tmp_path / "archive"
    shutil.copytree(clean_archive, root)
    return root


def edit(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    changed = re.sub(pattern, replacement, text, count=1, flags=re.M)
    assert changed != text, pattern
    path.write_text(changed, encoding="utf-8")


def check(project: Path, *args: str):
    return CliRunner().invoke(main, ["check", "--source", str(project), "--today", TODAY, *args], catch_exceptions=False)


def check_json(project: Path, *args: str) -> tuple[int, dict]:
    result = check(project, "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


# Each fault: how to make it, then (path, line, kind, words of the message) of the problem it must give.
def _gap(root):
    (root / "issues/2019/004.md").unlink()


def _duplicate(root):
    shutil.copy(root / "issues/2019/003.md", root / "issues/2019/003b.md")


def _total(root):
    edit(root / "issues/2019/005.md", r"^total: 305$", "total: 399")


def _backwards(root):
    edit(root / "issues/2019/006.md", r"^date: .*$", "date: 2019-01-02")


def _future(root):
    edit(root / "issues/2019/008.md", r"^date: .*$", "date: 2020-01-03")
    edit(root / "issues/2019/008.md", r"^number: 8$", "number: 1")
    edit(root / "issues/2019/008.md", r"^total: 308$", "total: 309")
    (root / "issues/2019/008.md").rename(root / "issues/2019/2020-001.md")


def _attachment(root):
    edit(root / "issues/2019/002.md", r"^date: (.*)$", "date: \\1\nattachments:\n  - 原件.pdf")


def _unknown_region(root):
    edit(root / "issues/2019/007.md", r"^## .*$", "## 黑合市")


def _report_in_another_report(root):  # imported before short forms were known: merged into 牡丹江市's report
    edit(root / "issues/2019/003.md", r"^要全面深入", "齐齐哈尔关工委要全面深入")


def _report_in_the_lead(root):
    edit(root / "issues/2019/006.md", r"^## 大庆市$", "牡丹江关工委召开会议。\n\n## 大庆市")


def _unknown_unit_in_the_lead(root):  # a typo of a region's name: an editor's walkthrough was told of a report there
    edit(root / "issues/2019/006.md", r"^## 大庆市$", "黑合市关工委召开会议。\n\n## 大庆市")


FAULTS = {
    "gap": (_gap, "issues/2019/005.md", 2, "archive-warning", "2019年缺少第 4 期"),
    "duplicate": (_duplicate, "issues/2019/003b.md", 2, "archive", "2019年第3期重复"),
    "total": (_total, "issues/2019/005.md", 3, "archive", "总期号 399 与本年其他各期不连贯"),
    "backwards": (_backwards, "issues/2019/006.md", 4, "archive-warning", "早于前一期"),
    "future": (_future, "issues/2019/2020-001.md", 4, "archive-warning", "晚于今天"),
    "attachment": (_attachment, "issues/2019/002.md", 5, "file", "找不到附件“原件.pdf”"),
    "unknown region": (_unknown_region, "issues/2019/007.md", 8, "file", "不认识的地区“黑合市”，是不是“黑河市”？"),
    "report in another report": (_report_in_another_report, "issues/2019/003.md", 16, "placement",
                                 "这一段以“齐齐哈尔关工委”开头，像是齐齐哈尔市的报道，现在在牡丹江市的报道里；请对照原件核对"),
    "report in the lead": (_report_in_the_lead, "issues/2019/006.md", 8, "placement",
                           "这一段以“牡丹江关工委”开头，像是牡丹江市的报道，现在在导语里"),
    "unknown unit in the lead": (_unknown_unit_in_the_lead, "issues/2019/006.md", 8, "placement",
                                 "这一段以“黑合市关工委”开头，像是一篇报道，但“黑合市”不在地名表中（是不是“黑河市”？），现在在导语里"),
}


def test_clean_archive(clean_archive):
    result = check(clean_archive)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "检查通过：8 期，没有发现问题。"
    code, data = check_json(clean_archive)
    assert code == 0
    assert data == {"schema": 1, "ok": True, "issues": 8, "problems": [], "drafts": [], "site_pages": None, "files": 8}


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_text(archive, fault):
    make, path, line, kind, words = FAULTS[fault]
    make(archive)
    result = check(archive)
    assert result.exit_code == 1
    problem_lines = [l for l in result.stdout.splitlines() if l.startswith("issues/")]
    assert len(problem_lines) == 1, result.stdout  # exactly this fault, nothing it drags along
    assert problem_lines[0].startswith(f"{path}:{line}: ") and words in problem_lines[0]
    assert "发现 1 个问题" in result.stdout and "guanxin-site check" in result.stdout
    # Which problems stop a build is said on their own line (an editor's walkthrough: only a count was given).
    blocks = kind in ("file", "archive")
    assert problem_lines[0].endswith("（生成网站前必须改正）") == blocks
    assert ("其中 1 个会使 guanxin-site build 无法生成网站（标有“生成网站前必须改正”）" in result.stdout) == blocks


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_json(archive, fault):
    make, path, line, kind, words = FAULTS[fault]
    make(archive)
    code, data = check_json(archive)
    assert code == 1 and data["ok"] is False
    [problem] = data["problems"]
    assert set(problem) == {"path", "line", "message", "kind"}
    assert (problem["path"], problem["line"], problem["kind"]) == (path, line, kind)
    assert words in problem["message"]


def test_future_depends_on_today(clean_archive):
    code, data = check_json(clean_archive, "--today", "2019-02-20")  # the last option given wins
    assert code == 1
    assert [(p["path"], p["kind"]) for p in data["problems"]] == [("issues/2019/008.md", "archive-warning")]


def test_warnings_of_build_are_errors_of_check(archive, tmp_path):
    _gap(archive)
    assert build(archive, tmp_path / "site").warnings  # build passes with a warning
    assert check(archive).exit_code == 1


def test_all_faults_at_once_and_every_build_error_is_reported(archive):
    for make, *_ in FAULTS.values():
        make(archive)
    with pytest.raises(ContentErrors) as build_errors:
        load_project(archive)
    report = check_project(archive, today=dt.date.fromisoformat(TODAY))
    found = {(p.path, p.line, p.message) for p in report.problems}
    assert {(e.path, e.line, e.message) for e in build_errors.value.errors} <= found
    assert {(path, line, kind) for _, path, line, kind, _ in FAULTS.values()} <= {(p.path, p.line, p.kind) for p in report.problems}


def test_a_broken_file_keeps_its_place_in_the_numbering(archive):
    """A typo in a heading is one problem, not also 'issue 7 is missing'."""
    _unknown_region(archive)
    edit(archive / "issues/2019/007.md", r"^total: 307$", "total: 377")
    code, data = check_json(archive)
    assert sorted((p["kind"], p["line"]) for p in data["problems"]) == [("archive", 3), ("file", 8)]
    assert not any("缺少" in p["message"] for p in data["problems"])


def test_drafts_are_listed_not_failed(archive):
    assert CliRunner().invoke(main, ["new", "--source", str(archive), "--date", "2019-03-01"]).exit_code == 0
    result = check(archive)
    assert result.exit_code == 0, result.output
    assert "草稿：issues/2019/009.md（draft: true）还没有发布。" in result.stdout
    assert "还没写完：第 5 行：“title”必须是一段非空文字" in result.stdout
    code, data = check_json(archive)
    assert code == 0 and data["issues"] == 8
    [draft] = data["drafts"]
    assert draft["path"] == "issues/2019/009.md"
    assert {"line": 5, "message": "“title”必须是一段非空文字"} in draft["unfinished"]


def new_draft(archive: Path, date: str) -> None:
    result = CliRunner().invoke(main, ["new", "--source", str(archive), "--date", date])
    assert result.exit_code == 0, result.output


def test_two_drafts_of_the_same_day_are_reported(archive):
    """`new` run twice on one day: two drafts dated alike (issue 14)."""
    new_draft(archive, "2019-03-01")
    new_draft(archive, "2019-03-01")
    result = check(archive)
    assert result.exit_code == 1
    assert "issues/2019/010.md:4: 日期 2019-03-01 与 issues/2019/009.md 相同" in result.stdout
    code, data = check_json(archive)
    assert [(p["path"], p["line"], p["kind"]) for p in data["problems"]] == [("issues/2019/010.md", 4, "archive-warning")]


def test_a_draft_with_a_taken_total_or_number_is_reported(archive):
    new_draft(archive, "2019-03-01")
    edit(archive / "issues/2019/009.md", r"^total: 309$", "total: 308")
    code, data = check_json(archive)
    assert code == 1
    assert [(p["path"], p["line"], p["message"]) for p in data["problems"]] == [
        ("issues/2019/009.md", 3, "总期号 308 与 issues/2019/008.md 相同；请改正其中一个的 total")]
    edit(archive / "issues/2019/009.md", r"^number: 9$", "number: 8")
    code, data = check_json(archive)
    assert {p["message"].split("：")[0] for p in data["problems"]} >= {"2019年第8期重复"}


def test_the_summary_counts_the_files_checked(archive):
    """Every file refused is still a file checked: not '（检查了 0 期）' (issue 14)."""
    for path in (archive / "issues/2019").glob("*.md"):
        edit(path, r"^## (\S+)$", r"## 不存在的地区")
    result = check(archive)
    assert result.exit_code == 1
    assert "（检查了 8 个简报文件）" in result.stdout
    assert check_json(archive)[1]["files"] == 8


def test_broken_site_yaml(archive):
    (archive / "site.yaml").write_text("title: 关心下一代工作\ncolour: red\n", encoding="utf-8")
    code, data = check_json(archive)
    assert code == 1
    assert [(p["path"], p["line"], p["kind"]) for p in data["problems"]] == [("site.yaml", 2, "file")]


@pytest.fixture(scope="module")
def built_site(clean_archive, tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("built") / "site"
    build(clean_archive, site)
    return site


def test_site_links_clean(clean_archive, built_site):
    result = check(clean_archive, "--site", str(built_site))
    assert result.exit_code == 0, result.output
    assert re.search(r"检查通过：8 期，没有发现问题，\d+ 个网页中的链接都有效。", result.stdout)


def test_site_missing_page_and_anchor(clean_archive, built_site, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    (site / "archive/index.html").unlink()
    page = site / "2019/1/index.html"
    html = page.read_text(encoding="utf-8")
    slug = re.search(r'<section[^>]* id="([a-z-]+)"', html).group(1)
    page.write_text(html.replace(f'id="{slug}"', 'id="renamed"'), encoding="utf-8")
    code, data = check_json(clean_archive, "--site", str(site))
    assert code == 1 and data["site_pages"] > 0
    links = [p for p in data["problems"] if p["kind"] == "link"]
    assert any("archive/" in p["message"] and "目标页面不存在" in p["message"] for p in links)
    assert any(f"#{slug}" in p["message"] and "没有锚点" in p["message"] for p in links)
    assert all(p["path"].startswith(site.as_posix() + "/") for p in links)
    assert all(p["kind"] == "link" for p in data["problems"])  # the archive itself is clean


def test_site_not_built(clean_archive, tmp_path):
    result = check(clean_archive, "--site", str(tmp_path / "nothing"))
    assert result.exit_code == 1
    assert "请先运行 guanxin-site build" in result.stdout


def test_not_a_project_folder(tmp_path):
    code, data = check_json(tmp_path / "typo")
    assert code == 1
    [problem] = data["problems"]
    assert "不像是简报网站的项目目录" in problem["message"] and "--source" in problem["message"]
