"""Issue 21's "Done when": a 吉林 office imports a folder of five past issues as a new editor would.

Three .docx and two PDFs exported from Word-like layouts by LibreOffice; one issue has a wrong 总期号,
the PDFs have a 发 line so long that the line-breaking rules pull its last character down with the
。(…省直机关和各系统关工 / 委。), one issue has a report of a unit outside the gazetteer
(长白山管委会关工委…) and one a same-sound typo of a city (白成市 for 白城市). Every paragraph must come
out whole, under the right heading or named in a note, and 报/送/发 must land in `distribution:`.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from guanxin_site.checker import ARCHIVE, PLACEMENT, check_project
from guanxin_site.cli import main
from pdf_factory import bulletin_docx, libreoffice_pdf

LONG_FA = "发：各市（州）、县（市、区）关工委，长白山管委会关工委，梅河口市关工委，省委教育工委、省教育厅关工委，省直机关和各系统关工委。"
DISTRIBUTION = ("报：省委、省政府领导，中国关工委办公室", "送：省委组织部、省委宣传部、省委老干部局", LONG_FA)
PUBLISHER = "吉林省关心下一代工作委员会办公室"

CHANGCHUN = ("长春市关工委组织“五老”志愿者深入中小学校，开展“学习二十大、永远跟党走”主题宣讲活动，全年累计宣讲126场，"
             "受教育青少年3.2万人次。",
             "农安县关工委把关爱留守儿童作为重点，建立“五老”结对帮扶台账，为320名留守儿童安排了帮扶人。")
JILIN_CITY = ("吉林市关工委召开全市关工委工作推进会，传达学习省关工委全委会议精神，部署下半年重点工作。",)
BAICHENG_TYPO = ("白成市关工委开展“童心向党”主题读书活动，组织全市40所中小学校的青少年参加读书征文和演讲比赛。",)
SONGYUAN = ("松原市关工委联合市教育局举办家庭教育讲座，邀请专家为家长讲解青少年心理健康知识，800多名家长参加。",)
YANBIAN = ("延边朝鲜族自治州关工委深入开展民族团结进步教育，组织“五老”讲述各民族共同团结奋斗的故事。",)
CHANGBAISHAN = ("长白山管委会关工委组织“五老”和青少年走进长白山自然保护区，开展生态文明教育实践活动，"
                "引导青少年树立保护生态环境的意识。",)


def issue_markdown(number: int, total: int, date: str, reports: list[tuple[str, tuple[str, ...]]]) -> str:
    """An issue file as pdf_factory reads it: the printed bulletin has no headings, each report opens with its unit."""
    body = "".join(f"\n## {region}\n" + "".join(f"\n{p}\n" for p in paragraphs) for region, paragraphs in reports)
    return (f"---\nnumber: {number}\ntotal: {total}\ndate: {date}\n"
            f"title: 全省各级关工委认真贯彻落实省关工委全委会议精神（第{number}期）\npublisher: {PUBLISHER}\n---\n{body}")


# (file, number, total, date, reports as printed: (the unit its report opens with, paragraphs))
ISSUES = [
    ("2024/第1期.docx", 1, 101, "2024-01-12", [("长春市", CHANGCHUN), ("吉林市", JILIN_CITY)]),
    ("2024/第2期.docx", 2, 102, "2024-02-09", [("长春市", CHANGCHUN), ("白成市", BAICHENG_TYPO), ("松原市", SONGYUAN)]),
    ("2024/第3期.docx", 3, 104, "2024-03-08", [("吉林市", JILIN_CITY), ("松原市", SONGYUAN)]),  # 总第104期: wrong
    ("2024/第4期.pdf", 4, 104, "2024-04-12", [("长春市", CHANGCHUN), ("延边朝鲜族自治州", YANBIAN),
                                             ("长白山管委会", CHANGBAISHAN)]),
    ("2024/第5期.pdf", 5, 105, "2024-05-10", [("松原市", SONGYUAN), ("吉林市", JILIN_CITY)]),
]


@pytest.fixture(scope="module")
def received(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("received") / "历年简报"
    work = tmp_path_factory.mktemp("word")
    for name, number, total, date, reports in ISSUES:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        markdown = issue_markdown(number, total, date, reports)
        if target.suffix == ".docx":
            bulletin_docx(markdown, target, DISTRIBUTION)
        else:
            source = bulletin_docx(markdown, work / f"{target.stem}.docx", DISTRIBUTION)
            libreoffice_pdf(source, work).rename(target)
    return folder


def new_jilin_project(tmp_path: Path) -> Path:
    project = tmp_path / "简报网站"
    result = CliRunner().invoke(main, ["init", str(project), "--province", "吉林省"])
    assert result.exit_code == 0, result.output
    return project


def import_folder(project: Path, folder: Path, *extra: str):
    return CliRunner().invoke(main, ["import", "--source", str(project), str(folder), *extra])


def paragraphs_by_heading(markdown: str) -> dict[str | None, list[str]]:
    body = markdown.split("\n---\n", 1)[1]
    found: dict[str | None, list[str]] = {None: []}
    heading = None
    for block in (b.strip() for b in body.split("\n\n")):
        if block.startswith("## "):
            heading = block[3:]
            found[heading] = []
        elif block:
            found[heading].append(block)
    return found


def test_the_long_fa_line_really_wraps_with_its_last_character_pulled_down(received):
    """The PDFs have what the issue describes: a printed line holding only the last character and the 。"""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(received / "2024/第4期.pdf"))
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    document.close()
    assert re.search(r"关工\s*\r?\n\s*委。", text), text[-200:]


def test_five_past_issues_import_whole_and_in_place(received, tmp_path):
    project = new_jilin_project(tmp_path)
    result = import_folder(project, received)
    assert result.exit_code == 0, result.output
    assert "已导入 5 个" in result.stdout
    for name, number, _, date, reports in ISSUES:
        written = (project / "issues" / date[:4] / f"{number:03d}.md").read_text(encoding="utf-8")
        front = yaml.safe_load(written.split("---\n")[1])
        assert tuple(front["distribution"]) == DISTRIBUTION, name
        placed = paragraphs_by_heading(written)
        every = [p for paragraphs in placed.values() for p in paragraphs]
        for unit, paragraphs in reports:
            for paragraph in paragraphs:
                assert paragraph in every, f"{name}: not whole: {paragraph[:20]}…"
                if unit in ("白成市", "长白山管委会"):  # outside the gazetteer: kept, and named in a note
                    assert f"这一段以“{unit}关工委”开头" in result.stderr
                else:
                    assert paragraph in placed[unit], f"{name}: {paragraph[:20]}… not under ## {unit}"
        assert not any(line in "".join(every) for line in ("报：", "送：", "发：")), name
    notes = [line for line in result.stderr.splitlines() if "不在地名表中" in line]
    assert any("第2期.docx:" in n and "是不是“白城市”" in n for n in notes), notes
    assert any("第4期.pdf:第1页:" in n and "长白山管委会" in n for n in notes), notes

    report = check_project(project)
    kinds = {(p.path, p.kind) for p in report.problems}
    assert ("issues/2024/003.md", ARCHIVE) in kinds  # the wrong 总期号
    placement = [p for p in report.problems if p.kind == PLACEMENT]
    assert {p.path for p in placement} == {"issues/2024/002.md", "issues/2024/004.md"}
    assert all(p.line for p in placement)


def test_a_unit_added_in_site_yaml_gets_its_own_report(received, tmp_path):
    project = new_jilin_project(tmp_path)
    site = project / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("# units:\n#   - 长白山管委会", "units:\n  - 长白山管委会"),
                    encoding="utf-8")
    assert "units:\n  - 长白山管委会" in site.read_text(encoding="utf-8")
    result = import_folder(project, received / "2024" / "第4期.pdf")
    assert result.exit_code == 0, result.output
    placed = paragraphs_by_heading((project / "issues/2024/004.md").read_text(encoding="utf-8"))
    assert placed["长白山管委会"] == list(CHANGBAISHAN)
    assert "不在地名表中" not in result.stderr
    assert not [p for p in check_project(project).problems if p.kind == PLACEMENT]


@pytest.mark.parametrize("tail", [
    # as copied out of a PDF: the 发 line wrapped, its last character pulled down with the 。
    "报：省委、省政府领导，中国关工委办公室\n送：省委组织部、省委宣传部、省委老干部局\n"
    "发：各市（州）、县（市、区）关工委，长白山管委会关工委，梅河口市关工委，省直各系统关工\n委。\n",
    # 报 and 送 set on one line, 发 wrapped after a comma
    "报：省委、省政府领导，中国关工委办公室  送：省委组织部、省委宣传部、省委老干部局\n"
    "发：各市（州）、县（市、区）关工委，长白山管委会关工委，\n梅河口市关工委，省直各系统关工委。\n",
])
def test_distribution_is_recognised_however_it_wraps(tail):
    from guanxin_site.gazetteer import Gazetteer
    from guanxin_site.importer import parse_bulletin
    from test_importer import SEED_TEXT

    issue = parse_bulletin(SEED_TEXT.rstrip("\n") + "\n\n" + tail, Gazetteer.load())
    assert issue.distribution == (
        "报：省委、省政府领导，中国关工委办公室", "送：省委组织部、省委宣传部、省委老干部局",
        "发：各市（州）、县（市、区）关工委，长白山管委会关工委，梅河口市关工委，省直各系统关工委。")
    last_report = issue.reports[-1][1]
    assert not any("委。" == p or "关工委" in p[:3] for p in last_report if isinstance(p, str))
