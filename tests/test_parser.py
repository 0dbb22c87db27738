"""Unit tests of the input stages: reader, yamlmap, parser, config."""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxin_site.config import load_config
from guanxin_site.errors import ContentErrors
from guanxin_site.gazetteer import Gazetteer
from guanxin_site.parser import markdown, parse_issue, safe_link
from guanxin_site.reader import MAX_FILE_BYTES, SourceFile, discover, read_source
from guanxin_site.yamlmap import YamlError, _simple_mapping, load_mapping, yaml_mapping

GAZETTEER = Gazetteer.load("heilongjiang")
PUBLISHER = "黑龙江省关心下一代工作委员会办公室"

GOOD = """---
number: 53
total: 509
date: 2023-11-17
title: 全省各地关工委认真学习贯彻省关工委第33次全委会议精神
summary: 各地传达学习会议精神。
---

本期导语。

## 黑河市

黑河市关工委11月9日上午召开会议。

## 伊春市

铁力市、嘉荫县关工委收听收看会议实况。
"""


def source(project: Path, text: str | bytes, rel: str = "issues/2023/053.md") -> SourceFile:
    path = project / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    path.write_bytes(data)
    result = read_source(path, project)
    assert isinstance(result, SourceFile), result
    return result


def parse(project: Path, text: str | bytes, rel: str = "issues/2023/053.md"):
    return parse_issue(source(project, text, rel), project, GAZETTEER, PUBLISHER)


def errors_of(project: Path, text: str | bytes) -> list[tuple[int | None, str]]:
    with pytest.raises(ContentErrors) as caught:
        parse(project, text)
    return [(e.line, e.message) for e in caught.value.errors]


# -- parse_issue -------------------------------------------------------------------


def test_good_issue(tmp_path):
    issue = parse(tmp_path, GOOD)
    assert (issue.number, issue.total, issue.date) == (53, 509, dt.date(2023, 11, 17))
    assert issue.publisher == PUBLISHER and issue.summary == "各地传达学习会议精神。"
    assert [r.region.name for r in issue.reports] == ["黑河市", "伊春市"]
    assert [r.line for r in issue.reports] == [11, 15]
    assert [c.name for c in issue.reports[1].counties] == ["铁力市", "嘉荫县"]
    assert issue.lead_text == "本期导语。"
    assert issue.line_of("title") == 5 and issue.line_of("number") == 2
    assert issue.source == "issues/2023/053.md"


def test_crlf_bom_and_dots_end_marker(tmp_path):
    text = "\ufeff" + GOOD.replace("\n---\n\n本期", "\n...\n\n本期").replace("\n", "\r\n")
    issue = parse(tmp_path, text)
    assert [r.line for r in issue.reports] == [11, 15]


def test_lines_are_file_lines_for_yaml_errors(tmp_path):
    text = GOOD.replace("summary: 各地传达学习会议精神。", "summary: 各地: 传达")
    assert errors_of(tmp_path, text)[0][0] == 6


def test_every_problem_of_a_file_is_listed(tmp_path):
    text = GOOD.replace("number: 53", "number: -1").replace("date: 2023-11-17", "date: 十一月").replace(
        "## 伊春市", "## 伊春")
    lines = sorted(line for line, _ in errors_of(tmp_path, text))
    assert lines == [2, 4, 15]


def test_draft_with_problems_says_so(tmp_path):
    with pytest.raises(ContentErrors) as caught:
        parse(tmp_path, GOOD.replace("summary:", "draft: true\nsummary:").replace("## 伊春市", "## 伊春"))
    assert caught.value.draft is True


def test_digest_covers_the_source_and_attachments(tmp_path):
    (tmp_path / "issues/2023").mkdir(parents=True)
    (tmp_path / "issues/2023/原件.pdf").write_bytes(b"%PDF one")
    text = GOOD.replace("summary:", "attachments:\n  - 原件.pdf\nsummary:")
    first = parse(tmp_path, text)
    assert first.attachments[0].name == "原件.pdf" and first.attachments[0].size == 8
    assert first.attachments[0].digest == hashlib.sha256(b"%PDF one").hexdigest()
    (tmp_path / "issues/2023/原件.pdf").write_bytes(b"%PDF two")
    assert parse(tmp_path, text).digest != first.digest


def test_lead_only_issue_is_valid(tmp_path):
    issue = parse(tmp_path, GOOD.split("## 黑河市")[0])
    assert issue.reports == () and issue.lead_text == "本期导语。"


def test_long_unknown_names_are_shortened_in_messages(tmp_path):
    text = GOOD.replace("## 伊春市", "## " + "很长的名字" * 100)
    message = dict(errors_of(tmp_path, text))[15]
    assert len(message) < 120 and "……" in message


def test_huge_issue_numbers_are_refused(tmp_path):
    text = GOOD.replace("number: 53", "number: " + "9" * 5000)
    assert errors_of(tmp_path, text)[0][0] == 2


# -- raw HTML and links ------------------------------------------------------------


MD = markdown()


@pytest.mark.parametrize("url", [
    "https://example.org/", "http://example.org/a?b=1#c", "mailto:office@example.org", "tel:+86-451-0000",
    "../2022/1/", "原件.pdf", "#heihe", "//example.org/x", "/abs/path",
])
def test_safe_links_pass(url):
    assert safe_link(url)
    assert "<a href=" in MD.render(f"[x]({url})")


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "\x01javascript:alert(1)",
    "java\tscript:alert(1)", "java\nscript:alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>",
    "data:image/png;base64,AAAA", "file:///etc/passwd", "jar:http://x!/", "feed:javascript:alert(1)",
    "blob:https://example.org/uuid", "filesystem:https://example.org/x",
])
def test_script_and_unknown_schemes_are_refused(url):
    assert not safe_link(url)


@pytest.mark.parametrize("markdown", [
    "[x](javascript:alert(1))", "[x](jav&#x61;script:alert(1))", "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))", "<javascript:alert(1)>", "[x][r]\n\n[r]: javascript:alert(1)",
    "![x](data:image/svg+xml,<svg/onload=alert(1)>)", "[x](<java\tscript:alert(1)>)",
])
def test_obfuscated_script_links_never_become_script_links(markdown):
    html = MD.render(markdown)
    assert 'href="javascript' not in html.lower() and 'src="data' not in html.lower()
    assert "java\tscript" not in html


def test_raw_html_is_escaped(tmp_path):
    issue = parse(tmp_path, GOOD.replace("黑河市关工委11月9日", '<script>alert(1)</script><img src=x onerror="alert(1)">黑河市关工委11月9日'))
    html = issue.reports[0].html
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" in issue.reports[0].text  # plain text keeps what was typed


# -- reader ------------------------------------------------------------------------


def test_discover_skips_hidden_temporary_and_underscore_files(tmp_path):
    for rel in ("issues/2023/053.md", "issues/2023/.053.md.swp.md", "issues/2023/~$053.md", "issues/_drafts/1.md",
                "issues/.git/x.md", "issues/2023/notes.txt", "issues/2022/第 1 期.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    found = [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)]
    assert found == ["issues/2022/第 1 期.md", "issues/2023/053.md"]


def test_read_source_stops_at_the_size_limit(tmp_path):
    path = tmp_path / "issues/big.md"
    path.parent.mkdir()
    path.write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    error = read_source(path, tmp_path)
    assert not isinstance(error, SourceFile) and error.line == 1 and "文件过大" in error.message


def test_read_source_refuses_symlinks_leaving_the_project(tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text(GOOD)
    project = tmp_path / "project"
    (project / "issues").mkdir(parents=True)
    (project / "issues/053.md").symlink_to(outside)
    error = read_source(project / "issues/053.md", project)
    assert not isinstance(error, SourceFile) and "项目以外" in error.message
    # The build's folder cache resolves the link the same way.
    error = read_source(project / "issues/053.md", project, {})
    assert not isinstance(error, SourceFile) and "项目以外" in error.message


def test_read_source_in_a_project_at_the_root_of_a_drive(tmp_path):
    """A project at / (E:\\ on Windows): the root already ends with the separator."""
    path = tmp_path / "issues/053.md"
    path.parent.mkdir()
    path.write_text(GOOD)
    for resolved in (None, {}):
        source = read_source(path, Path(path.anchor), resolved)
        assert isinstance(source, SourceFile), source


def test_read_source_with_folder_cache_refuses_a_folder_linked_from_outside(tmp_path):
    """A plain file inside a linked folder: the cached real path of its folder decides."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "053.md").write_text(GOOD)
    (outside / "054.md").write_text(GOOD)
    project = tmp_path / "project"
    (project / "issues").mkdir(parents=True)
    (project / "issues/2023").symlink_to(outside, target_is_directory=True)
    (project / "issues/local.md").write_text(GOOD)
    resolved: dict = {}
    for name in ("053.md", "054.md"):  # the second one comes from the cache
        error = read_source(project / "issues/2023" / name, project, resolved)
        assert not isinstance(error, SourceFile) and "项目以外" in error.message
    source = read_source(project / "issues/local.md", project, resolved)
    assert isinstance(source, SourceFile) and source.rel == "issues/local.md"


# -- yamlmap -----------------------------------------------------------------------


def test_load_mapping_lines_are_offset():
    entries = load_mapping("a: 1\n\nb: [x, y]\n", first_line=2)
    assert {k: (e.value, e.line) for k, e in entries.items()} == {"a": (1, 2), "b": (["x", "y"], 4)}


@pytest.mark.parametrize("text,line,words", [
    ("a: 1\nb:\t2\n", 2, "Tab"),
    ("a: &x 1\nb: *x\n", 1, "别名"),
    ("a: 1\na: 2\n", 2, "重复"),
    ("- a\n", 1, "列表"),
    ("just words\n", 1, "单个值"),
    ("a: b: c\n", 1, "冒号"),
    ('a: "open\n', 1, "引号"),
    ("a: \x07\n", 1, "控制字符"),
    ("a: " + "[" * 50 + "]" * 50 + "\n", 1, "嵌套"),
    ("a: !!python/name:os.system x\n", 1, "标签"),
    ("<<: {a: 1}\n", 1, "简单的名字"),
    ("[a]: 1\n", 1, "简单的名字"),
])
def test_load_mapping_refuses(text, line, words):
    with pytest.raises(YamlError) as caught:
        load_mapping(text)
    assert caught.value.line == line and words in caught.value.message


def test_load_mapping_keeps_impossible_dates_as_text():
    assert load_mapping("date: 2023-02-30\n")["date"].value == "2023-02-30"
    assert load_mapping("date: 2023-02-28\n")["date"].value == dt.date(2023, 2, 28)


def test_load_mapping_empty_text_is_an_empty_mapping():
    assert load_mapping("") == {} and load_mapping("# only a comment\n") == {}


# -- config ------------------------------------------------------------------------


@pytest.mark.parametrize("text,line,words", [
    ("base_url: javascript:alert(1)\n", 1, "http"),
    ("title: 标题\ntitel: 标题\n", 2, "不认识"),
    ("recent_issues: 1000\n", 1, "1 到 100"),
    ("title:\n  - a\n", 1, "非空文字"),
    ("title: a\ntitle: b\n", 2, "重复"),
])
def test_config_problems_are_located(tmp_path, text, line, words):
    (tmp_path / "site.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentErrors) as caught:
        load_config(tmp_path)
    assert [(e.path, e.line) for e in caught.value.errors] == [("site.yaml", line)]
    assert words in caught.value.errors[0].message


def test_config_that_is_a_folder_is_a_message(tmp_path):
    (tmp_path / "site.yaml").mkdir()
    with pytest.raises(ContentErrors) as caught:
        load_config(tmp_path)
    assert "无法读取" in caught.value.errors[0].message


# -- the front-matter fast path must agree with PyYAML -------------------------------

# Values that look alike to a person and differ to YAML: numbers (octal, signs, separators,
# floats), dates (impossible, short), booleans and nulls of YAML 1.1, indicators, quotes,
# comments, colons, full-width and ideographic spaces, and ordinary titles.
_VALUES = ["53", "0", "053", "+5", "-1", "1_000", "1e3", "0x1f", "2023-11-24", "2023-13-45", "2023-1-5", "2023-02-29",
           "true", "false", "True", "yes", "no", "on", "off", "null", "~", "", " ",
           "全省各地关工委认真学习贯彻", "黑龙江省关心下一代工作委员会办公室", "关工委 2023", "关于（第53期）的通知",
           "关工委: 工作", "关工委 #1", "关工委#1", "“三连冠”来之不易", "关工委。", "关工委 ", "全　角", "A股", "关\\n工",
           '"引号中的标题"', '"2023"', '"true"', '""', '"带\\\\反斜杠"', "'单引号'", '"未闭合', "[列表]", "{映射}",
           "&锚", "*别名", "!标签", "- 横线", "> 折叠", "| 字面", "% 指令", "@", "`", "关工委,逗号", "关…工·委—报",
           "https://example.org/guanxin/", "http://localhost:8000/", "https://example.org/a b", "https://x.org/#top",
           "zh-CN", "heilongjiang", "Yes", "NO", "On", "off", "Null", "NULL", "y", "n", "inf", "nan", "e5", "a_b-c",
           "zh CN", "abc:def", "Off-line"]
_KEYS = ["number", "total", "date", "title", "publisher", "draft", "summary", "a_b"]


def _typed(entries):
    return {key: (type(e.value), e.value, e.line) for key, e in entries.items()}


# Lines between the settings, as site.yaml has them: comments (printable or not), blank lines.
_OTHER_LINES = ["", "# 网站设置", "# base_url: https://example.org/", "#", "# 带\x01控制字符", "# tab\tin comment",
                " ", "  # 缩进的注释", "---", "...", "# 待审\u2028draft: true", "# a\x85title: x", "# b\u2029number: 2",
                "# 全角\u3000空格", "# \ufeff"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.one_of(st.tuples(st.sampled_from(_KEYS), st.sampled_from(_VALUES)), st.sampled_from(_OTHER_LINES)),
                min_size=1, max_size=7),
       st.booleans(), st.integers(1, 5))
def test_front_matter_fast_path_agrees_with_pyyaml(lines, final_newline, first_line):
    text = "\n".join(line if isinstance(line, str) else f"{line[0]}: {line[1]}" for line in lines)
    text += "\n" if final_newline else ""
    fast = _simple_mapping(text, first_line)
    if fast is None:
        return  # PyYAML reads it
    assert _typed(fast) == _typed(yaml_mapping(text, first_line))


def test_front_matter_fast_path_takes_what_the_importer_writes():
    """Guard against a vacuous differential test: ordinary front matter must take the fast path."""
    text = "number: 53\ntotal: 509\ndate: 2023-11-17\ntitle: 全省各地关工委认真学习贯彻\npublisher: 黑龙江省关心下一代工作委员会办公室\n"
    assert _simple_mapping(text, 2) is not None
    assert _simple_mapping('title: "2023年第53期"\ndraft: true\n', 2) is not None
    assert _typed(load_mapping(text, 2)) == _typed(yaml_mapping(text, 2))
    for tricky in ("number: 053", "draft: yes", "title: 关工委: 工作", "title: 关工委 #1", "number: 1\nnumber: 2",
                   "language: Off", "title: x # comment", "# \x01", "# 待审\u2028draft: true"):
        assert _simple_mapping(tricky, 1) is None, tricky
    site = "# 网站设置\ntitle: 关心下一代工作\nlanguage: zh-CN\n\n# base_url: https://example.org/\nbase_url: https://example.org/g/\n"
    assert _simple_mapping(site, 1) is not None
    assert _typed(load_mapping(site, 1)) == _typed(yaml_mapping(site, 1))


@pytest.mark.parametrize("value", _VALUES)
def test_front_matter_fast_path_agrees_with_pyyaml_on_each_value(value):
    text = f"title: {value}\n"
    fast = _simple_mapping(text, 2)
    try:
        slow = _typed(yaml_mapping(text, 2))
    except YamlError:
        slow = "error"
    assert fast is None or _typed(fast) == slow
