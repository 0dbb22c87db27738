"""A known gap (issue 21): an issue the archive will never have, recorded in site.yaml with its reason, lets
`check` pass and is shown on the year and archive pages; an unrecorded gap stays an error."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from guanxin_site.build import build
from guanxin_site.checker import ARCHIVE_WARNING, check_project
from guanxin_site.cli import main
from guanxin_site.config import KnownGap, load_config
from guanxin_site.errors import ContentErrors


def archive(tmp_path: Path, numbers: list[int], site: str = "") -> Path:
    project = tmp_path / "p"
    (project / "issues" / "2019").mkdir(parents=True)
    (project / "site.yaml").write_text("gazetteer: heilongjiang\n" + site, encoding="utf-8")
    for number in numbers:
        (project / "issues" / "2019" / f"{number:03d}.md").write_text(
            f"---\nnumber: {number}\ndate: 2019-0{number}-10\ntitle: 各地关工委工作动态（第{number}期）\n---\n\n"
            f"## 黑河市\n\n黑河市关工委开展关爱活动（第{number}期）。\n", encoding="utf-8")
    return project


def test_an_unrecorded_gap_fails_check_and_says_how_to_record_it(tmp_path):
    report = check_project(archive(tmp_path, [1, 2, 4]))
    gap, = [p for p in report.problems if p.kind == ARCHIVE_WARNING]
    assert "2019年缺少第 3 期" in gap.message and "known_gaps" in gap.message and "2019年第3期：" in gap.message


def test_a_recorded_gap_passes_check_and_is_shown(tmp_path):
    project = archive(tmp_path, [1, 2, 4], "known_gaps:\n  - 2019年第3期：当年没有收到\n")
    assert load_config(project).known_gaps == (KnownGap(2019, (3,), "当年没有收到", 3),)
    result = CliRunner().invoke(main, ["check", "--source", str(project)])
    assert result.exit_code == 0, result.output
    built = build(project, tmp_path / "site")
    assert not [w for w in built.warnings if "缺少" in str(w)]
    year = lxml_html.fromstring((tmp_path / "site" / "2019" / "index.html").read_text(encoding="utf-8"))
    assert [" ".join(p.text_content().split()) for p in year.xpath("//*[contains(@class, 'known-gap')]")] == ["缺2019年第3期：当年没有收到"]
    page = lxml_html.fromstring((tmp_path / "site" / "archive" / "index.html").read_text(encoding="utf-8"))
    assert "缺第3期（当年没有收到）" in page.xpath("//table[contains(@class, 'year-table')]")[0].text_content()


def test_only_the_recorded_numbers_are_excused(tmp_path):
    project = archive(tmp_path, [1, 2, 6], "known_gaps:\n  - 2019年第3、4期：停刊\n")
    gap, = [p for p in check_project(project).problems if p.kind == ARCHIVE_WARNING]
    assert "2019年缺少第 5 期" in gap.message


def test_a_range_and_an_english_colon(tmp_path):
    project = archive(tmp_path, [1, 5], "known_gaps:\n  - 2019年第2-4期: 停刊\n")
    assert load_config(project).known_gaps[0].numbers == (2, 3, 4)
    assert check_project(project).ok


def test_a_recorded_gap_the_archive_has_is_reported(tmp_path):
    project = archive(tmp_path, [1, 2, 3], "known_gaps:\n  - 2019年第3期：当年没有收到\n")
    problem, = check_project(project).problems
    assert (problem.path, problem.line) == ("site.yaml", 3) and "存档中有这一期" in problem.message


@pytest.mark.parametrize("entry, words", [("  - 第3期：没有收到\n", "读不懂"), ("  - 2019年第3期\n", "没有写原因")])
def test_a_malformed_record_is_named_by_its_line(tmp_path, entry, words):
    project = archive(tmp_path, [1, 2], "known_gaps:\n  - 2019年第5期：停刊\n" + entry)
    with pytest.raises(ContentErrors) as caught:
        load_config(project)
    error, = caught.value.errors
    assert error.line == 4 and words in error.message
