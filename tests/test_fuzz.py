"""Property-based fuzzing of everything that reads editor input.

Any input gives a model or a located content error, never another exception:
- parse_issue on arbitrary bytes, on arbitrary front matter, on arbitrary Markdown bodies;
- yamlmap.load_mapping on arbitrary text;
- the importer (decode_bulletin, parse_bulletin), and what it writes parses back.

Budget: the "ci" profile (150 examples a test) by default. For a long run:
    GUANXIN_FUZZ_PROFILE=long .venv/bin/pytest tests/test_fuzz.py
or, once tests/conftest.py registers the profiles (see the note below),
    .venv/bin/pytest tests/test_fuzz.py --hypothesis-profile=long
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxin_site import importer
from guanxin_site.errors import ContentError, ContentErrors
from guanxin_site.gazetteer import Gazetteer
from guanxin_site.models import Issue
from guanxin_site.parser import parse_issue
from guanxin_site.reader import SourceFile
from guanxin_site.yamlmap import Setting, YamlError, load_mapping

# Profiles are registered here so the module works alone; hypothesis's own
# --hypothesis-profile flag needs them registered in conftest.py, which loads first.
_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
for _name, _examples in (("ci", 150), ("long", 20_000)):
    settings.register_profile(_name, max_examples=_examples, **_COMMON)
_LOADED = settings.get_current_profile_name()
FUZZ = settings(settings.get_profile(_LOADED if _LOADED in ("ci", "long") else os.environ.get("GUANXIN_FUZZ_PROFILE", "ci")))

GAZETTEER = Gazetteer.load("heilongjiang")
PUBLISHER = "黑龙江省关心下一代工作委员会办公室"
REGIONS = [p.name for p in GAZETTEER.regions]
COUNTIES = ["铁力市", "嘉荫县", "北安市", "漠河市", "南岗区", "伊美区"]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A project with attachments for front matter to point at, good and bad."""
    root = tmp_path_factory.mktemp("fuzz")
    issues = root / "issues/2023"
    (issues / "sub").mkdir(parents=True)
    (issues / "原件.pdf").write_bytes(b"%PDF-1.4 a")
    (issues / "sub/附件 二.pdf").write_bytes(b"%PDF-1.4 b")
    (issues / "dir.pdf").mkdir()
    outside = tmp_path_factory.mktemp("outside") / "secret.pdf"
    outside.write_bytes(b"secret")
    (issues / "out.pdf").symlink_to(outside)
    (issues / "loop.pdf").symlink_to(issues / "loop.pdf")
    return root


def check_parse(project: Path, data: bytes) -> Issue | None:
    """The property: an Issue, or ContentErrors whose every error names this file and a sane line."""
    path = project / "issues/2023/053.md"
    source = SourceFile(path, "issues/2023/053.md", data, hashlib.sha256(data).hexdigest())
    try:
        issue = parse_issue(source, project, GAZETTEER, PUBLISHER)
    except ContentErrors as exc:
        assert exc.errors
        lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1  # as the parser counts
        for error in exc.errors:
            assert isinstance(error, ContentError) and error.path == "issues/2023/053.md"
            assert error.line is None or 1 <= error.line <= lines, (error, lines)
            assert error.message and str(error).startswith("issues/2023/053.md")
        return None
    assert isinstance(issue, Issue) and issue.number >= 1 and isinstance(issue.date, dt.date)
    assert issue.title and "\n" not in issue.title
    for report in issue.reports:
        assert report.region.name in REGIONS and report.text.strip()
    return issue


# -- strategies ----------------------------------------------------------------------

YAML_NOISE = st.sampled_from(list(":-[]{}&*!|>'\"%@`#,?\t \\") + ["\n", "---", "...", "- ", ": ", "<<", "!!", "&a", "*a", "~", "null",
                                                                 "yes", "No", "0x1F", "1e9", "0o17", ".inf", "2023-11-17",
                                                                 "2023-13-45", "12:30:00", "\ufeff", "\x00", "\x85", "\u2028"])
SHORT_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
CJK_TEXT = st.text(alphabet=st.sampled_from(list("关心下一代工作黑河市伊春铁力会议精神。，、：“”（）《》 ")), min_size=1, max_size=30)

KEYS = st.sampled_from(["number", "date", "title", "total", "publisher", "summary", "draft", "attachments", "titel",
                        "Number", "date ", "标题", "<<", "? x", "1", ""])
VALUES = st.one_of(
    st.integers(min_value=-10, max_value=10**6).map(str),
    st.sampled_from(["2023-11-17", "2023-02-30", "2023-11-17 10:00", "true", "false", '"yes"', "~", "[]", "{}",
                     "[原件.pdf]", "[../../etc/passwd]", "[/etc/passwd]", "[out.pdf]", "[loop.pdf]", "[dir.pdf]",
                     "[sub/附件 二.pdf]", "[index.html]", '["a:b.pdf"]', "&x 1", "*x", "!!binary aGk=", "|\n  多行\n  文字",
                     ">\n  折叠", "\n  - 原件.pdf\n  - sub/附件 二.pdf", "\n  - 原件.pdf\n  - 原件.pdf"]),
    CJK_TEXT,
    st.text(max_size=20),
    st.recursive(st.sampled_from(["1", "x", "原件.pdf", ""]),  # nested flow collections, past the depth limit
                 lambda inner: st.one_of(st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
                                         st.lists(inner, max_size=2).map(lambda items: "{" + ", ".join(f"k{n}: {v}" for n, v in enumerate(items)) + "}")),
                 max_leaves=40),
)
FRONT_LINE = st.one_of(
    st.tuples(KEYS, st.sampled_from([": ", ":", " : ", ":\t"]), VALUES).map("".join),
    st.lists(YAML_NOISE, max_size=8).map("".join),
    SHORT_TEXT,
)
REQUIRED = ["number: 53", "date: 2023-11-17", "title: 学习贯彻会议精神"]

BODY_LINE = st.one_of(
    st.sampled_from(REGIONS + ["黑河", "黑合市", "齐齐哈尔", "", " ", "<script>alert(1)</script>", "大兴安岭"]).map(lambda r: f"## {r}"),
    st.sampled_from(["# 标题", "### 小节", "标题\n===", "---", "***", "```", "```html", "~~~", "> 引用", "- 条目", "1. 条目",
                     "| a | b |", "|---|---|", "    缩进代码", "<div>", "</div>", "<!--", "-->", "[x](javascript:alert(1))",
                     "[x]: http://example.org", "![x](data:image/svg+xml,<svg onload=alert(1)>)", "\\", "&amp;", "&#0;",
                     "*", "**强调**", "`code", "\t", "\u3000", "\ufeff", "\x00", "\r", "\x0c"]),
    st.tuples(st.sampled_from(COUNTIES + REGIONS + [""]), CJK_TEXT).map("".join),
    st.text(max_size=40),
)


@st.composite
def front_matter_files(draw) -> bytes:
    lines = draw(st.lists(FRONT_LINE, max_size=10))
    if draw(st.booleans()):  # often keep the required keys, so the checks past them run too
        for line in REQUIRED:
            lines.insert(draw(st.integers(0, len(lines))), line)
    body = "\n## 黑河市\n\n黑河市关工委召开会议。\n"
    return ("---\n" + "\n".join(lines) + "\n---\n" + body).encode("utf-8", "surrogatepass")


@st.composite
def body_files(draw) -> bytes:
    front = "---\n" + "\n".join(REQUIRED) + ("\ndraft: true" if draw(st.booleans()) else "") + "\n---\n"
    lines = draw(st.lists(BODY_LINE, max_size=25))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return (front + newline.join(lines)).encode("utf-8", "surrogatepass")


# -- parse_issue ---------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=4000))
def test_parse_issue_on_arbitrary_bytes(project, data):
    check_parse(project, data)


@FUZZ
@given(data=st.binary(max_size=400).map(lambda tail: b"---\nnumber: 53\ndate: 2023-11-17\ntitle: x\n---\n" + tail))
def test_parse_issue_on_arbitrary_bytes_after_good_front_matter(project, data):
    check_parse(project, data)


@FUZZ
@given(data=front_matter_files())
def test_parse_issue_on_arbitrary_front_matter(project, data):
    check_parse(project, data)


@FUZZ
@given(data=body_files())
def test_parse_issue_on_arbitrary_markdown_bodies(project, data):
    issue = check_parse(project, data)
    if issue is not None:
        for html in [issue.lead_html, *(report.html for report in issue.reports)]:
            assert_inert(html)


def assert_inert(html: str) -> None:
    """Rendered Markdown holds no element or attribute that can run script."""
    if not html.strip():
        return
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    assert not root.xpath("//script | //iframe | //svg | //object | //embed | //style"), html
    assert not [a for a in root.xpath("//@*") if a.attrname.lower().startswith("on")], html
    for url in root.xpath("//a/@href | //img/@src"):
        scheme = url.split(":", 1)[0].lower() if ":" in url.split("/", 1)[0] else ""
        assert scheme in ("", "http", "https", "mailto", "tel"), url


# -- paths of attachments and photos -------------------------------------------------------
# Control characters (NUL included), names Windows reserves, characters it refuses, a trailing dot or
# space, very long names: in a front-matter attachment and in a photo reference. Where the file system
# allows, the file exists (so the publishing path runs too); the build publishes it or gives a located error.

PATH_PARTS = st.one_of(
    st.sampled_from(["原件.pdf", "照片.jpg", "sub", "CON", "nul", "COM1", "lpt9.pdf", "aux.pdf", "con.txt", "Con.jpg",
                     "原件.pdf.", "原件.pdf ", " 原件.pdf", "a<b>.pdf", 'a"b.pdf', "a|b.pdf", "a?b.pdf", "a*b.pdf",
                     "a:b.pdf", "a\\b.pdf", "..", ".", "", "\x00", "a\x00b", "\t", "\x1b[31m", "\x7f", "\x85", "\u2028"]),
    st.text(st.characters(codec="utf-8", categories=("Cc",)), min_size=1, max_size=3).map(lambda c: f"a{c}.pdf"),
    st.text(st.sampled_from(list("关心下一代工作abc ._-")), min_size=90, max_size=300).map(lambda t: t + ".pdf"),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
)
NASTY_PATHS = st.lists(PATH_PARTS, min_size=1, max_size=3).map("/".join)


def _create(folder: Path, rel: str, data: bytes) -> None:
    """Make the file if the file system allows that name (no NUL, not too long, not . or ..)."""
    try:
        path = folder / rel
        if path.resolve().is_relative_to(folder.resolve()) and not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    except (OSError, ValueError):
        pass


_JPEG: list[bytes] = []


def _small_jpeg(tmp_path_factory) -> bytes:
    """A small phone photo (EXIF, GPS), made once."""
    from photo_support import phone_jpeg

    if not _JPEG:
        _JPEG.append(phone_jpeg(tmp_path_factory.mktemp("jpeg") / "a.jpg", 120, 80).read_bytes())
    return _JPEG[0]


def _build_or_located_error(root: Path, tmp: Path) -> None:
    from guanxin_site.build import build

    try:
        build(root, tmp / "site", search=False, jobs=1)
    except ContentErrors as exc:
        for error in exc.errors:
            assert error.path == "issues/2023/053.md" and error.line and error.message, error
            assert "\x00" not in error.message and "Traceback" not in error.message


@settings(FUZZ, max_examples=max(1, FUZZ.max_examples // 3))  # each example is a whole build
@given(attachment=NASTY_PATHS, photo=NASTY_PATHS)
def test_any_attachment_or_photo_path_builds_or_gives_a_located_error(tmp_path_factory, attachment, photo):
    from urllib.parse import quote

    root = tmp_path_factory.mktemp("paths")
    shutil.copy(Path(__file__).parents[1] / "site.yaml", root / "site.yaml")
    issues = root / "issues/2023"
    issues.mkdir(parents=True)
    _create(issues, attachment, b"%PDF-1.4 a")
    _create(issues, photo, _small_jpeg(tmp_path_factory))
    front = f"---\nnumber: 53\ndate: 2023-11-17\ntitle: 路径\nattachments:\n  - {json.dumps(attachment, ensure_ascii=False)}\n---\n"
    body = f"\n## 黑河市\n\n黑河市关工委召开会议。\n\n![会议现场]({quote(photo, safe='/')})\n"
    (issues / "053.md").write_text(front + body, encoding="utf-8", errors="surrogatepass")
    check_parse(root, (front + body).encode("utf-8", "surrogatepass"))
    _build_or_located_error(root, root)


# -- yamlmap -------------------------------------------------------------------------


@FUZZ
@given(text=st.one_of(st.text(max_size=300), st.lists(FRONT_LINE, max_size=12).map("\n".join)),
       first_line=st.integers(1, 50))
def test_load_mapping_gives_a_mapping_or_a_yaml_error(text, first_line):
    try:
        entries = load_mapping(text, first_line=first_line)
    except YamlError as exc:
        assert exc.message
        assert exc.line is None or first_line <= exc.line <= first_line + text.count("\n") + len(text.splitlines()), exc
        return
    assert isinstance(entries, dict)
    for key, entry in entries.items():
        assert isinstance(key, str) and isinstance(entry, Setting) and entry.line >= first_line


# -- importer ------------------------------------------------------------------------

HEADER_LINES = st.sampled_from([
    "关心下一代工作", "（2023年第53期·总第509期）", "(2023年第53期·总第509期)", "第53期", "2023年第0期", "2024年第1期",
    "黑龙江省关心下一代工作委员会办公室", "主办：黑龙江省关工委", "2023年11月17日", "2023-11-17", "2023年2月30日",
    "2023年11月17日（星期五）", "",
])
BULLETIN_LINE = st.one_of(
    HEADER_LINES,
    st.tuples(st.sampled_from(REGIONS + COUNTIES + [""]), CJK_TEXT, st.sampled_from(["。", "", "，", "！"])).map("".join),
    st.sampled_from(["- 2 -", "第 3 页", "## 黑河市", "# 标题", "<script>alert(1)</script>", "[x](javascript:alert(1))",
                     "*强调*", "1. 条目", "> 引用", "---", "title: x", "\\", "&amp;", "`", "|a|b|", "\t", "\u3000"]),
    st.text(max_size=30),
)


@st.composite
def bulletins(draw) -> str:
    header = ["关心下一代工作", "（2023年第53期·总第509期）", "黑龙江省关心下一代工作委员会办公室", "2023年11月17日"]
    if draw(st.booleans()):
        header = draw(st.lists(HEADER_LINES, max_size=5))
    title = draw(st.one_of(CJK_TEXT, st.text(max_size=20)))
    body = draw(st.lists(BULLETIN_LINE, max_size=20))
    return "\n".join([*header, title, *body])


@FUZZ
@given(data=st.one_of(st.binary(max_size=2000), bulletins().map(lambda t: t.encode("utf-8", "surrogatepass")),
                      bulletins().map(lambda t: t.encode("gb18030", "replace"))))
def test_decode_bulletin_gives_text_or_an_import_error(data):
    try:
        text = importer.decode_bulletin(data)
    except importer.BulletinImportError as exc:
        assert exc.message
        return
    assert isinstance(text, str) and "\r" not in text


@FUZZ
@given(text=bulletins())
def test_parse_bulletin_gives_an_issue_or_an_import_error_and_its_output_parses(project, text):
    try:
        imported = importer.parse_bulletin(text, GAZETTEER)
    except importer.BulletinImportError as exc:
        assert exc.message
        return
    markdown = imported.to_markdown()
    issue = check_parse(project, markdown.encode("utf-8"))
    assert issue is not None, markdown  # what the importer writes must build
    assert (issue.number, issue.date, issue.title) == (imported.number, imported.date, imported.title)
    assert [r.region.name for r in issue.reports] == [region for region, _ in imported.reports]
