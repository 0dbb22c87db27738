"""Reports that open with a region's short form (齐齐哈尔关工委…) or with the area's own name in front
(哈尔滨市南岗区关工委…): `import` puts each under its own region, notes what it cannot be sure of, and
`check` finds such paragraphs in files imported before. Every paragraph comes out whole, in order."""
from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxin_site.checker import _placement_problem
from guanxin_site.cli import main
from guanxin_site.gazetteer import Gazetteer
from guanxin_site.importer import BulletinImportError, parse_bulletin
from guanxin_site.importer.core import fold_characters
from test_import_scenario import paragraphs_by_heading as reports

# The header of bulletin 2023-53 as received (masthead, issue, publisher, date, headline).
HEADER = ("关心下一代工作\n\n(2023年第53期·总第509期)\n\n黑龙江省关心下一代工作委员会办公室\n\n2023年11月17日\n\n"
          "全省各地关工委认真学习贯彻省关工委第33次全委会议精神\n")
BODY_LINE = 11  # the line of the body's first paragraph in HEADER + "\n" + body


def bulletin(*paragraphs: str) -> str:
    return HEADER + "\n" + "\n\n".join(paragraphs) + "\n"


def new_project(tmp_path: Path, *area: str) -> Path:
    project = tmp_path / "site"
    result = CliRunner().invoke(main, ["init", str(project), *area])
    assert result.exit_code == 0, result.output
    return project


def import_text(project: Path, text: str):
    received = project.parent / "X.txt"
    received.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "--source", str(project), str(received)])
    assert result.exit_code == 0, result.output
    return result, (project / "issues/2023/053.md").read_text(encoding="utf-8")


def check(project: Path):
    return CliRunner().invoke(main, ["check", "--source", str(project), "--today", "2023-12-31"])


DAQING = "大庆市关工委召开学习贯彻会议精神工作会议。"
QIQIHAER = "齐齐哈尔关工委开展“童心向党”主题教育活动。"
MUDANJIANG = "牡丹江关工委组织“五老”深入中小学校宣讲。"
DAXINGANLING = "大兴安岭关工委举办家庭教育讲座。"


def test_short_forms_start_their_own_reports_in_a_province_project(tmp_path):
    project = new_project(tmp_path)
    result, markdown = import_text(project, bulletin(DAQING, QIQIHAER, MUDANJIANG, DAXINGANLING))
    assert "4 篇地区报道" in result.stdout
    assert reports(markdown) == {None: [], "大庆市": [DAQING], "齐齐哈尔市": [QIQIHAER], "牡丹江市": [MUDANJIANG],
                                 "大兴安岭地区": [DAXINGANLING]}
    assert result.stderr == ""  # sure: nothing to note
    assert check(project).exit_code == 0


def test_a_short_form_first_is_a_report_not_the_lead(tmp_path):
    project = new_project(tmp_path)
    result, markdown = import_text(project, bulletin("黑龙江关工委部署全省工作。", QIQIHAER, DAQING))
    assert reports(markdown) == {None: ["黑龙江关工委部署全省工作。"], "齐齐哈尔市": [QIQIHAER], "大庆市": [DAQING]}


def test_area_prefix_and_short_forms_in_a_city_project(tmp_path):
    project = new_project(tmp_path, "--city", "哈尔滨市")
    binxian = "宾县关工委召开会议，传达学习会议精神。"
    daowai, nangang, shuangcheng = "道外关工委开展活动。", "哈尔滨市南岗区关工委组织学习。", "双城关工委举办讲座。"
    own = "哈尔滨市关工委要求各区县抓好落实。"
    result, markdown = import_text(project, bulletin(binxian, daowai, nangang, shuangcheng, own))
    assert reports(markdown) == {None: [], "宾县": [binxian], "道外区": [daowai], "南岗区": [nangang],
                                 "双城区": [shuangcheng, own]}  # the city's own paragraph stays where it stands
    assert result.stderr == ""
    assert check(project).exit_code == 0


def test_an_ambiguous_short_form_is_noted_and_warned_not_moved(tmp_path):
    project = new_project(tmp_path)
    xiangyang = "向阳关工委举办青少年法治讲座。"
    result, markdown = import_text(project, bulletin(MUDANJIANG, xiangyang))
    assert reports(markdown) == {None: [], "牡丹江市": [MUDANJIANG, xiangyang]}
    assert f"X.txt:{BODY_LINE + 2}: 这一段以“向阳关工委”开头，像是一篇报道的开头，但“向阳”可能是鹤岗市的向阳区，" \
           "也可能是佳木斯市的向阳区，没有把握，已接在牡丹江市的报道后面；请对照原件核对" in result.stderr
    checked = check(project)
    assert checked.exit_code == 1
    assert re.search(r"issues/2023/053\.md:\d+: 这一段以“向阳关工委”开头，像是一篇报道，但“向阳”可能是鹤岗市的向阳区.*"
                     r"现在在牡丹江市的报道里", checked.stdout), checked.stdout


def test_check_finds_a_report_merged_by_an_earlier_import(tmp_path):
    """The repro, as an earlier import wrote it: 齐齐哈尔、牡丹江 inside 大庆市's report."""
    project = new_project(tmp_path)
    issue = project / "issues/2023/053.md"
    issue.parent.mkdir(parents=True, exist_ok=True)
    issue.write_text(f"---\nnumber: 53\ndate: 2023-11-17\ntitle: 测试\n---\n\n## 大庆市\n\n{DAQING}\n\n{QIQIHAER}\n\n"
                     f"{MUDANJIANG}\n", encoding="utf-8")
    checked = check(project)
    assert checked.exit_code == 1
    problems = [line for line in checked.stdout.splitlines() if line.startswith("issues/")]
    assert problems == [
        "issues/2023/053.md:11: 这一段以“齐齐哈尔关工委”开头，像是齐齐哈尔市的报道，现在在大庆市的报道里；请对照原件核对，"
        "如果是齐齐哈尔市的报道，请把它移到“## 齐齐哈尔市”下",
        "issues/2023/053.md:13: 这一段以“牡丹江关工委”开头，像是牡丹江市的报道，现在在大庆市的报道里；请对照原件核对，"
        "如果是牡丹江市的报道，请把它移到“## 牡丹江市”下",
    ]


# -- no paragraph makes the importer crash or lose text ---------------------------------------------

_PIECES = st.sampled_from([
    "大庆市关工委", "齐齐哈尔关工委", "牡丹江", "大兴安岭关工委", "向阳关工委", "向阳区", "双城关工委", "道外关工委",
    "哈尔滨市南岗区关工委", "哈尔滨市", "哈尔滨关工委", "黑龙江关工委", "黑龙江省", "关工委", "关心下一代工作委员会",
    "齐齐哈关工委", "大庆油田关工委", "市关工委", "宾县", "嫩江", "。", "，", "：", "报：", " ", "\u3000", "## ",
])
_PARAGRAPH = st.lists(st.one_of(_PIECES, st.text(max_size=6)), min_size=1, max_size=4).map("".join)
_GAZETTEERS = {name: Gazetteer.load(name) for name in ("heilongjiang", "哈尔滨市")}
_SPACE = re.compile(r"[\s\u200b\ufeff\x00-\x08\x0e-\x1f\x7f-\x9f]+")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def _output_body(markdown: str) -> str:
    body = markdown.split("\n---\n", 1)[1]
    return _ESCAPE.sub(r"\1", "".join(line for line in body.split("\n") if not line.startswith("## ")))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(_GAZETTEERS)), st.lists(_PARAGRAPH, min_size=1, max_size=6),
       st.sampled_from(["\n", "\n\n"]))
def test_no_paragraph_crashes_or_loses_text(setting, paragraphs, separator):
    """From the headline on, the input's characters are the output's (title, paragraphs, 报/送/发), in order,
    but for page numbers (dropped, with a note) and a repeated region's paragraph (moved up, with a note)."""
    gazetteer = _GAZETTEERS[setting]
    text = HEADER + "\n" + separator.join(paragraphs) + "\n"
    try:
        issue = parse_bulletin(text, gazetteer)
    except BulletinImportError as error:
        assert error.message
        return
    dropped = {n.line for n in issue.notes if "页码" in n.message}
    kept = _squash(fold_characters("\n".join(line for n, line in enumerate(text.split("\n"), 1) if n not in dropped)))
    out = _squash(issue.title + _output_body(issue.to_markdown()) + "".join(issue.distribution))
    if any("接在前面" in n.message for n in issue.notes):
        assert sorted(kept[-len(out):]) == sorted(out)
    else:
        assert kept.endswith(out)
    for paragraph in issue.lead + tuple(p for _, ps in issue.reports for p in ps):
        _placement_problem(paragraph, None, gazetteer)  # check's reading of the same text never fails either


_ONE_LINE = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zl", "Zp", "Cc")), max_size=6)
_CLOSED_PARAGRAPH = st.lists(st.one_of(_PIECES, _ONE_LINE), min_size=1, max_size=4).map(lambda p: "".join(p) + "。")


# Openings among _PIECES whose region is sure, by gazetteer: what the importer must do with them, written out.
_SURE = {
    "heilongjiang": {"大庆市关工委": "大庆市", "齐齐哈尔关工委": "齐齐哈尔市", "大兴安岭关工委": "大兴安岭地区",
                     "双城关工委": "哈尔滨市", "道外关工委": "哈尔滨市", "哈尔滨市南岗区关工委": "哈尔滨市"},
    "哈尔滨市": {"双城关工委": "双城区", "道外关工委": "道外区", "哈尔滨市南岗区关工委": "南岗区"},
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(_GAZETTEERS)), st.lists(_CLOSED_PARAGRAPH, min_size=1, max_size=6))
def test_a_paragraph_opening_with_a_sure_region_is_in_its_report(setting, paragraphs):
    """Never merged into another report or kept as the lead, whatever the text around it."""
    try:
        issue = parse_bulletin(bulletin(*paragraphs), _GAZETTEERS[setting])
    except BulletinImportError as error:
        assert error.message
        return
    placed = [(None, p) for p in issue.lead] + [(region, p) for region, ps in issue.reports for p in ps]
    for region, paragraph in placed:
        for opening, expected in _SURE[setting].items():
            if paragraph.startswith(opening):
                assert region == expected, (paragraph, region)
