"""`guanxin-site new`: the next issue file, numbered from the archive, a draft until filled in."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml
from click.testing import CliRunner
from conftest import PINNED_BEIJING_DAY

from archive_factory import write_archive
from guanxin_site.build import build
from guanxin_site.cli import main
from guanxin_site.scaffold import KnownIssue, next_numbers

REPO = Path(__file__).resolve().parents[1]


def new(project: Path, *args: str):
    return CliRunner().invoke(main, ["new", "--source", str(project), *args], catch_exceptions=False)


def front(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text[4:].split("\n---\n", 1)[0])


def fill_in(path: Path, title: str, body: str) -> None:
    """What the editor does: write the title and the reports, remove draft: true."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^title:.*$", f"title: {title}", text, flags=re.M)
    text = re.sub(r"^draft: true.*\n", "", text, flags=re.M)
    path.write_text(text + body, encoding="utf-8")


def test_next_issue_after_the_shipped_one(shipped_project):
    result = new(shipped_project, "--date", "2023-11-24")
    assert result.exit_code == 0, result.output
    path = shipped_project / "issues/2023/054.md"
    assert front(path) == {"number": 54, "total": 510, "date": dt.date(2023, 11, 24), "title": None, "draft": True}
    assert "issues/2023/054.md" in result.stdout and "2023年第54期·总第510期" in result.stdout
    assert "draft: true" in result.stdout  # tells the editor what to do next


def test_number_restarts_in_a_new_year_and_total_goes_on(shipped_project):
    result = new(shipped_project, "--date", "2024-01-05")
    assert result.exit_code == 0, result.output
    assert front(shipped_project / "issues/2024/001.md")["number"] == 1
    assert front(shipped_project / "issues/2024/001.md")["total"] == 510
    # the next one counts the draft just created
    assert new(shipped_project, "--date", "2024-01-12").exit_code == 0
    assert (front(shipped_project / "issues/2024/002.md")["number"], front(shipped_project / "issues/2024/002.md")["total"]) == (2, 511)


def test_year_boundary_in_a_generated_archive(project):
    write_archive(project, 60)  # weekly from 2019-01-04: 2019 has 52 issues, 2020 starts at 1
    last_2019 = front(project / "issues/2019/052.md")
    last_2020 = max((project / "issues/2020").glob("*.md"))
    assert new(project, "--date", "2020-12-31").exit_code == 0
    made = sorted((project / "issues/2020").glob("*.md"))[-1]
    assert made != last_2020 and front(made)["number"] == front(last_2020)["number"] + 1
    assert front(made)["total"] == front(last_2020)["total"] + 1
    assert new(project, "--date", "2021-01-08").exit_code == 0
    assert front(project / "issues/2021/001.md")["total"] == front(made)["total"] + 1
    assert last_2019["total"] + 8 + 1 == front(made)["total"]  # 2020 has issues 1..8 in a 60-issue archive


def test_empty_archive(project):
    result = new(project, "--date", "2024-03-01")
    assert result.exit_code == 0, result.output
    path = project / "issues/2024/001.md"
    assert front(path) == {"number": 1, "date": dt.date(2024, 3, 1), "title": None, "draft": True}
    assert "# total:" in path.read_text(encoding="utf-8")  # shown as an option, commented out
    assert "总期号没有填" in result.stdout


def test_default_date_is_today_in_beijing(project):
    """The pinned instant is 17:30 UTC on 12-05: the draft is dated Beijing's 12-06, in any machine time zone."""
    result = new(project)
    assert result.exit_code == 0, result.output
    assert front(project / "issues/2026/001.md")["date"] == dt.date.fromisoformat(PINNED_BEIJING_DAY)


def test_draft_is_accepted_by_build_and_check(shipped_project, tmp_path):
    assert new(shipped_project, "--date", "2023-11-24").exit_code == 0
    result = build(shipped_project, tmp_path / "site")
    assert result.issues == 1 and result.drafts_waiting == ("issues/2023/054.md",)
    assert not (tmp_path / "site/2023/54").exists()
    check = CliRunner().invoke(main, ["check", "--source", str(shipped_project), "--today", "2023-12-01"])
    assert check.exit_code == 0, check.output
    assert "草稿：issues/2023/054.md" in check.output
    cli_build = CliRunner().invoke(main, ["build", "--source", str(shipped_project), "--output", str(tmp_path / "site2")])
    assert cli_build.exit_code == 0 and "issues/2023/054.md 是草稿" in cli_build.stderr


def test_unfinished_file_without_draft_mark_stops_the_build(shipped_project, tmp_path):
    """Removing draft: true before writing anything must not publish an empty issue."""
    assert new(shipped_project, "--date", "2023-11-24").exit_code == 0
    path = shipped_project / "issues/2023/054.md"
    path.write_text(re.sub(r"^draft: true.*\n", "", path.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--source", str(shipped_project), "--output", str(tmp_path / "site")])
    assert result.exit_code == 1
    assert "issues/2023/054.md:5: “title”必须是一段非空文字" in result.stderr
    assert "正文是空的" in result.stderr


def test_filled_in_file_builds_and_guidance_stays_off_the_site(shipped_project, tmp_path):
    assert new(shipped_project, "--date", "2023-11-24").exit_code == 0
    path = shipped_project / "issues/2023/054.md"
    fill_in(path, "各地关工委开展关爱活动", "## 黑河市\n\n黑河市关工委开展关爱留守儿童活动。\n\n## 大兴安岭地区\n\n漠河市关工委召开会议。\n")
    result = build(shipped_project, tmp_path / "site")
    assert result.issues == 2 and not result.drafts_waiting and not result.warnings
    page = (tmp_path / "site/2023/54/index.html").read_text(encoding="utf-8")
    assert "各地关工委开展关爱活动" in page and "黑河市关工委开展关爱留守儿童活动。" in page
    assert "总第510期" in page
    for guidance in ("[//]", "地区全称", "说明行", "←"):
        assert guidance not in page
    check = CliRunner().invoke(main, ["check", "--source", str(shipped_project), "--today", "2023-12-01"])
    assert check.exit_code == 0, check.output


def test_refuses_to_overwrite(shipped_project):
    # A file at the next issue's place whose number cannot be read: new must not replace it.
    (shipped_project / "issues/2023/054.md").write_text("还没整理好的笔记\n", encoding="utf-8")
    result = new(shipped_project, "--date", "2023-11-24")
    assert result.exit_code == 1
    assert (shipped_project / "issues/2023/054.md").read_text(encoding="utf-8") == "还没整理好的笔记\n"
    assert "issues/2023/054.md 已经存在，没有覆盖" in result.stderr and "读不出" in result.stderr


def test_bad_date_is_explained(project):
    result = new(project, "--date", "2023/11/24")
    assert result.exit_code == 2
    assert "--date 后面要写“年-月-日”格式的日期" in result.stderr
    assert not list((project / "issues").rglob("*.md"))


def test_next_numbers_without_totals_in_the_year():
    known = [KnownIssue("a", 52, dt.date(2023, 11, 10), 508), KnownIssue("b", 53, dt.date(2023, 11, 17), None)]
    assert next_numbers(known, dt.date(2023, 11, 24)) == (54, 510)  # the year's offset
    assert next_numbers(known, dt.date(2024, 1, 5)) == (1, 510)  # 508, then 53 without a total, then this
    assert next_numbers(known, dt.date(2022, 12, 30)) == (1, None)  # before the archive: cannot be known


def test_shipped_issue_is_left_alone(shipped_project):
    before = (shipped_project / "issues/2023/053.md").read_bytes()
    assert new(shipped_project, "--date", "2023-11-24").exit_code == 0
    assert (shipped_project / "issues/2023/053.md").read_bytes() == before == (REPO / "issues/2023/053.md").read_bytes()


def test_numbering_reads_front_matter_exactly_as_the_build_does():
    """CR-only line endings (old Mac editors) parse in build, so they count for `new` too."""
    from guanxin_site.scaffold import KnownIssue, read_numbering

    data = "---\rnumber: 7\rtotal: 300\rdate: 2024-02-16\rtitle: 标题\r---\r\r## 黑河市\r\r正文。\r".encode()
    known = read_numbering("issues/2024/007.md", data)
    assert isinstance(known, KnownIssue) and (known.number, known.total, known.date.isoformat()) == (7, 300, "2024-02-16")
