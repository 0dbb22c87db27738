"""Broken input, as editors will produce it, through the real CLI on a real project.

Every case builds a good site first, breaks one input, builds again and checks:
exit status 1, a `path:line: message` line in Chinese naming the right file and
line, no traceback, and the previous site/ unchanged byte for byte (mtimes too).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from guanxin_site.cli import main

REPO = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
BROKEN = "issues/2023/054.md"  # the file each case writes; 052 and 053 stay good

ISSUE_52 = """---
number: 52
total: 508
date: 2023-11-10
title: 各地关工委扎实推进关心下一代工作
---

## 鹤岗市

鹤岗市关工委召开全市关心下一代工作暨关爱青少年心理健康联席会议。
"""

ISSUE_53 = """---
number: 53
total: 509
date: 2023-11-17
title: 全省各地关工委认真学习贯彻省关工委第33次全委会议精神
---

## 黑河市

黑河市关工委11月9日上午召开学习贯彻省关工委第33次全委会精神工作会议。

## 伊春市

铁力市、嘉荫县关工委组织有关人员收听收看会议实况。
"""

BODY = "\n## 黑河市\n\n黑河市关工委召开会议。\n"


def front(*lines: str) -> str:
    """A file whose front matter is exactly these lines (file line 2 onwards) and a good body."""
    return "---\n" + "".join(f"{line}\n" for line in lines) + "---\n" + BODY


GOOD_54 = ("number: 54", "total: 510", "date: 2023-11-24", "title: 第54期")


def snapshot(site: Path) -> dict[str, tuple[bytes, int]]:
    """Every file and directory of the site: bytes and mtime (directories: None and mtime)."""
    shot = {}
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        shot[rel] = (path.read_bytes() if path.is_file() else None, path.lstat().st_mtime_ns)
    return shot


def run_cli(project: Path, *args: str):
    return CliRunner().invoke(main, ["build", "--source", str(project), *args])


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, dict]:
    """A project with two good issues, built once; returns it with a snapshot of its site/."""
    project = tmp_path / "project"
    (project / "issues/2023").mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", project / "site.yaml")
    (project / "issues/2023/052.md").write_text(ISSUE_52, encoding="utf-8")
    (project / "issues/2023/053.md").write_text(ISSUE_53, encoding="utf-8")
    result = run_cli(project)
    assert result.exit_code == 0, result.output
    assert (project / "site/2023/53/index.html").is_file()
    return project, snapshot(project / "site")


@dataclass(frozen=True)
class Expect:
    path: str
    line: int
    words: str  # a fragment the message must contain


def assert_refused(project: Path, before: dict, *expected: Expect) -> str:
    result = run_cli(project)
    stderr = result.stderr
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), f"uncaught {result.exception!r}"
    assert "Traceback" not in result.output
    lines = stderr.splitlines()
    for want in expected:
        prefix = f"{want.path}:{want.line}: "
        hits = [line for line in lines if line.startswith(prefix)]
        assert hits, f"no line starting {prefix!r} in:\n{stderr}"
        assert any(want.words in hit for hit in hits), f"{want.words!r} not in {hits}"
        assert all(CJK.search(hit[len(prefix):]) for hit in hits), hits
    assert snapshot(project / "site") == before, "the previous site changed"
    return stderr


def write(project: Path, rel: str, data: str | bytes) -> Path:
    path = project / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


# (case id, file content, expected (line, words) in the broken file)
TEXT_CASES = [
    ("invalid-yaml", front("number: 54", "date: 2023-11-24", "title: 会议精神: 学习贯彻"), [(4, "冒号")]),
    ("unclosed-quote", front("number: 54", "date: 2023-11-24", 'title: "学习贯彻', "total: 510"), [(4, "引号没有闭合")]),
    ("tab-separator", front("number:\t54", "date: 2023-11-24", "title: 第54期"), [(2, "Tab")]),
    ("tab-indent", front("number: 54", "date: 2023-11-24", "title: 第54期", "attachments:", "\t- 原件.pdf"), [(6, "Tab")]),
    ("unclosed-front-matter", "---\nnumber: 54\ndate: 2023-11-24\ntitle: 第54期\n" + BODY, [(1, "“---”")]),
    ("no-front-matter", "## 黑河市\n\n黑河市关工委召开会议。\n", [(1, "“---”")]),
    ("front-matter-list", front("- number: 54", "- date: 2023-11-24"), [(2, "列表")]),
    ("front-matter-scalar", front("第54期 2023-11-24"), [(2, "单个值")]),
    ("wrong-types", front("number: 五十三", "date: 2023-13-45", "title: 123", 'draft: "yes"'),
     [(2, "整数"), (3, "不是一个存在的日期"), (4, "文字"), (5, "true 或 false")]),
    ("date-with-time", front("number: 54", "date: 2023-11-24 10:00:00", "title: 第54期"), [(3, "不要写时间")]),
    ("billion-laughs", front(
        "number: 54", "date: 2023-11-24", "title: 第54期",
        'a: &a ["笑","笑","笑","笑","笑","笑","笑","笑","笑"]',
        *(f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi")),
    ), [(5, "别名")]),
    ("alias-in-title", front("number: &n 54", "total: *n", "date: 2023-11-24", "title: 第54期"), [(2, "别名")]),
    ("duplicate-key", front("number: 54", "date: 2023-11-24", "title: 第54期", "number: 55"), [(5, "第 2 行")]),
    ("deep-nesting", front("number: 54", "date: 2023-11-24", "title: " + "[" * 900 + "]" * 900), [(4, "嵌套")]),
    ("control-character", front("number: 54", "date: 2023-11-24", "title: 第54\x07期"), [(4, "控制字符")]),
    ("empty-file", "", [(1, "空")]),
    ("only-front-matter", front(*GOOD_54).removesuffix(BODY), [(7, "正文是空的")]),
    ("unknown-region", front(*GOOD_54).replace("## 黑河市", "## 黑合市"), [(8, "是不是“黑河市”")]),
    ("region-short-name", front(*GOOD_54).replace("## 黑河市", "## 齐齐哈尔"), [(8, "齐齐哈尔市")]),
    ("report-without-text", front(*GOOD_54) + "\n## 鹤岗市\n", [(12, "没有正文")]),
    ("h1-in-body", front(*GOOD_54) + "\n# 大标题\n\n正文。\n", [(12, "一级标题")]),
    ("region-twice", front(*GOOD_54) + "\n## 黑河市\n\n又一段。\n", [(12, "两次")]),
    ("unknown-key-typo", front("number: 54", "date: 2023-11-24", "titel: 第54期"), [(4, "是不是“title”")]),
    ("missing-keys", front("total: 510"), [(1, "number"), (1, "date"), (1, "title")]),
    ("number-zero", front("number: 0", "date: 2023-11-24", "title: 第54期"), [(2, "大于 0")]),
    ("unsupported-tag", front("number: 54", "date: 2023-11-24", "title: !!python/object:os.system x"), [(4, "标签")]),
    # A Chinese keyboard's slips (issue 14): named, on their own line, not on the next one.
    ("full-width-colon", front("number: 54", "date：2023-11-24", "title: 第54期"),
     [(3, "把中文冒号“：”改成英文冒号“:”加一个空格")]),
    ("full-width-colon-last-line", front("number: 54", "title: 第54期", "date：2023-11-24"),
     [(4, "把中文冒号“：”改成英文冒号“:”加一个空格")]),
    ("full-width-colon-first-line", front("number：54", "date: 2023-11-24", "title: 第54期"),
     [(2, "把中文冒号“：”改成英文冒号“:”加一个空格")]),
    ("full-width-space-after-colon", front("number: 54", "date:\u30002023-11-24", "title: 第54期"), [(3, "全角空格")]),
    ("full-width-space-before-key", front("number: 54", "date: 2023-11-24", "\u3000title: 第54期"), [(4, "全角空格")]),
    ("curly-quotes", front("number: 54", "date: 2023-11-24", "title: “会议精神: 学习贯彻”"), [(4, "中文引号")]),
    ("full-width-quotes", front("number: 54", "date: 2023-11-24", "title: ＂会议精神: 学习贯彻＂"), [(4, "中文引号")]),
    ("curly-quoted-date", front("number: 54", "date: “2023-11-24”", "title: 第54期"), [(3, "中文引号要去掉")]),
]


@pytest.mark.parametrize("content,expected", [pytest.param(c, e, id=i) for i, c, e in TEXT_CASES])
def test_broken_file_is_refused_with_location(built, content, expected):
    project, before = built
    write(project, BROKEN, content)
    assert_refused(project, before, *(Expect(BROKEN, line, words) for line, words in expected))


def test_wrong_types_are_all_reported_together(built):
    project, before = built
    write(project, BROKEN, front("number: 五十三", "date: 2023-13-45", "title: 123", 'draft: "yes"'))
    stderr = assert_refused(project, before)
    assert len([line for line in stderr.splitlines() if line.startswith(BROKEN)]) == 4, stderr


def test_typo_of_a_required_key_is_not_also_reported_missing(built):
    project, before = built
    write(project, BROKEN, front("number: 54", "date: 2023-11-24", "titel: 第54期"))
    stderr = assert_refused(project, before, Expect(BROKEN, 4, "titel"))
    assert "缺少" not in stderr


def test_unknown_region_gives_no_spurious_empty_body_error(built):
    project, before = built
    write(project, BROKEN, front(*GOOD_54).replace("## 黑河市", "## 黑合市"))
    stderr = assert_refused(project, before, Expect(BROKEN, 8, "黑河市"))
    assert "正文是空的" not in stderr


def test_binary_file(built):
    project, before = built
    write(project, BROKEN, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog \x00\x00 >>\n")
    assert_refused(project, before, Expect(BROKEN, 4, "不是文本文件"))


def test_gbk_file(built):
    project, before = built
    write(project, BROKEN, front(*GOOD_54).encode("gbk"))
    assert_refused(project, before, Expect(BROKEN, 5, "GBK"))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_file(built, encoding):
    """Notepad's "Unicode" is UTF-16 with a byte-order mark; named as such, with how to save UTF-8."""
    project, before = built
    write(project, BROKEN, front(*GOOD_54).encode(encoding))
    stderr = assert_refused(project, before, Expect(BROKEN, 1, "UTF-16"))
    assert "另存为 → 编码选 UTF-8" in stderr and "Word" not in stderr


def test_20_mb_file(built):
    project, before = built
    write(project, BROKEN, front(*GOOD_54) + "关心下一代工作。" * (20 * 1024 * 1024 // 24))
    assert (project / BROKEN).stat().st_size >= 20 * 1024 * 1024
    assert_refused(project, before, Expect(BROKEN, 1, "文件过大"))


def test_issue_file_symlinked_from_outside_the_project(built, tmp_path):
    project, before = built
    outside = write(tmp_path, "elsewhere/054.md", front(*GOOD_54))
    (project / BROKEN).symlink_to(outside)
    assert_refused(project, before, Expect(BROKEN, 1, "项目以外"))


def test_folder_named_like_an_issue(built):
    project, before = built
    (project / BROKEN).mkdir()
    (project / BROKEN / "x.txt").write_text("x")
    assert_refused(project, before, Expect(BROKEN, 1, "不是一个普通文件"))


# -- attachments -----------------------------------------------------------------


def with_attachment(name: str) -> str:
    return front(*GOOD_54, "attachments:", f"  - {name}")


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "..\\..\\site.yaml", "C:/Windows/win.ini"])
def test_attachment_path_leaving_the_project(built, name):
    project, before = built
    write(project, BROKEN, with_attachment(f"'{name}'"))
    assert_refused(project, before, Expect(BROKEN, 6, "不能使用绝对路径"))


def test_attachment_symlink_pointing_outside(built, tmp_path):
    project, before = built
    secret = write(tmp_path, "secret/passwd", "root:x:0:0\n")
    (project / "issues/2023/原件.pdf").symlink_to(secret)
    write(project, BROKEN, with_attachment("原件.pdf"))
    assert_refused(project, before, Expect(BROKEN, 6, "以外"))


def test_attachment_symlink_to_project_file_outside_issues(built):
    project, before = built
    (project / "issues/2023/config.pdf").symlink_to(project / "site.yaml")
    write(project, BROKEN, with_attachment("config.pdf"))
    assert_refused(project, before, Expect(BROKEN, 6, "以外"))


def test_attachment_missing(built):
    project, before = built
    write(project, BROKEN, with_attachment("原件.pdf"))
    assert_refused(project, before, Expect(BROKEN, 6, "找不到附件"))


@pytest.mark.parametrize("name,words", [
    ("index.html", "同名"),
    ("INDEX.HTML", "同名"),
    ("page.htm", "网页或脚本"),
    ("logo.svg", "网页或脚本"),
    ("app.js", "网页或脚本"),
    (".htaccess", "隐藏文件"),
    ("javascript:alert(1)", "文件名"),
    ("报告#1.pdf", "文件名"),
    ("100%.pdf", "文件名"),
])
def test_attachment_that_cannot_be_published(built, name, words):
    project, before = built
    write(project, f"issues/2023/{name}", "<script>window.__xss = 1</script>")
    write(project, BROKEN, with_attachment(f'"{name}"'))
    assert_refused(project, before, Expect(BROKEN, 6, words))


def test_attachments_with_the_same_name_in_two_folders(built):
    project, before = built
    write(project, "issues/2023/a/原件.pdf", b"%PDF-1.4 a")
    write(project, "issues/2023/b/原件.PDF", b"%PDF-1.4 b")
    write(project, BROKEN, front(*GOOD_54, "attachments:", "  - a/原件.pdf", "  - b/原件.PDF"))
    assert_refused(project, before, Expect(BROKEN, 6, "同名"))


def test_spaces_and_chinese_in_file_names_build(built):
    project, _ = built
    write(project, "issues/2023/附件 扫描/原件 （第54期）.pdf", b"%PDF-1.4\n% scan\n")
    write(project, "issues/2023/第 54 期 定稿.md", front(*GOOD_54, "attachments:", "  - 附件 扫描/原件 （第54期）.pdf"))
    result = run_cli(project)
    assert result.exit_code == 0, result.output
    page = (project / "site/2023/54/index.html").read_text(encoding="utf-8")
    assert "第54期" in page and "原件 （第54期）.pdf" in page
    assert (project / "site/2023/54/原件 （第54期）.pdf").read_bytes() == b"%PDF-1.4\n% scan\n"


# -- problems across files ---------------------------------------------------------


def test_duplicate_issue_names_both_files(built):
    project, before = built
    write(project, BROKEN, front("number: 53", "date: 2023-11-24", "title: 又一个第53期"))
    stderr = assert_refused(project, before, Expect(BROKEN, 2, "issues/2023/053.md"))
    assert "2023年第53期" in stderr


def test_total_contradicting_its_neighbours(built):
    project, before = built
    write(project, BROKEN, front("number: 54", "total: 600", "date: 2023-11-24", "title: 第54期"))
    assert_refused(project, before, Expect(BROKEN, 3, "总第510期"))


def test_site_yaml_problems_are_located(built):
    project, before = built
    write(project, "site.yaml", "title: 关心下一代工作\ntitle: 重复\nrecent_issue: 5\n")
    assert_refused(project, before, Expect("site.yaml", 2, "重复"))


def test_every_problem_of_every_file_in_one_run(built):
    """Run as the editor does (a real process): all problems at once, no traceback."""
    project, before = built
    write(project, "issues/2023/054.md", front("number: 五十四", "date: 2023-11-24", "titel: 第54期"))
    write(project, "issues/2023/055.md", front(*GOOD_54).replace("54", "55").replace("510", "511").replace("## 黑河市", "## 黑合市"))
    write(project, "issues/2023/056.md", b"\xb5\xda56\xc6\xda")
    write(project, "issues/2024/001.md", "---\nnumber: 1\n")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run([sys.executable, "-m", "guanxin_site", "build", "--source", str(project)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.splitlines()
    for prefix in ("issues/2023/054.md:2: ", "issues/2023/054.md:4: ", "issues/2023/055.md:8: ",
                   "issues/2023/056.md:1: ", "issues/2024/001.md:1: "):
        assert any(line.startswith(prefix) for line in lines), (prefix, proc.stderr)
    assert "发现 5 个问题" in proc.stderr
    assert snapshot(project / "site") == before


def test_console_script_flushes_before_its_fast_exit(built):
    """The console script leaves with os._exit: what it printed must still arrive, through a
    pipe or with no stdout at all (pythonw, a closed stream), with the right exit code."""
    project, _ = built
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-m", "guanxin_site", "build", "--source", str(project)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0 and "完成：" in done.stdout, done.stderr
    closed = subprocess.run(f'"{sys.executable}" -m guanxin_site --version >&-', shell=True, capture_output=True,
                            text=True, env=env, timeout=60)
    assert closed.returncode == 0 and "Traceback" not in closed.stderr, closed.stderr


def test_issue_file_that_is_a_dangling_or_looping_symlink(built, tmp_path):
    project, before = built
    (project / BROKEN).symlink_to(tmp_path / "gone/054.md")
    (project / "issues/2023/055.md").symlink_to(project / "issues/2023/055.md")
    assert_refused(project, before, Expect(BROKEN, 1, "无法读取"), Expect("issues/2023/055.md", 1, "无法读取"))
