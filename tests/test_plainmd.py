"""The plain-prose fast path must give exactly what markdown-it gives, whenever it accepts a body."""
from __future__ import annotations

from hypothesis import event, given, settings
from hypothesis import strategies as st

from guanxin_site.parser import body_sections, token_sections
from guanxin_site.plainmd import split_plain

REAL_BODY = """## 黑河市

黑河市关工委11月9日上午召开会议，传达了会议精神。与会人员表示“三连冠”来之不易。

第二段：2024年工作安排（见附件）。

## 伊春市

铁力市、嘉荫县关工委于11月7日收看会议。
第二行接着第一行。
"""

# Ordinary prose, Markdown syntax characters, whitespace of every kind, and line structure.
ALPHABET = st.sampled_from(list("关工委黑河市，。“”（）：；、 2024年abcXYZ-+=.)1#*_[]!<>&`~|\\\t\u3000\"'") + ["\n", "\n\n", "## ", "## 黑河市\n", "# ", "1. ", "- ", "    "])


def test_plain_bulletin_takes_the_fast_path_and_matches_markdown_it():
    assert split_plain(REAL_BODY) is not None
    assert body_sections(REAL_BODY) == token_sections(REAL_BODY)


def test_markdown_syntax_falls_back_to_markdown_it():
    for body in ("**粗体**", "- 列表", "1. 列表", "> 引用", "    代码", "正文  \n换行", "<b>", "a &amp; b", "# 一级", "标题\n===", "| a | b |"):
        assert split_plain(body) is None, body


def compare(body: str) -> bool:
    """The differential check; False when the fast path refused the body (nothing compared)."""
    if split_plain(body) is None:
        event("fell back to markdown-it (not compared)")
        return False
    assert body_sections(body) == token_sections(body)
    event("fast path accepted: compared with markdown-it")
    return True


# Prose as bulletins are written (what the fast path is for), and at most a few pieces of
# Markdown syntax, whitespace or odd characters dropped into it at random places: most
# examples stay acceptable to the fast path, so the comparison runs on them, while the
# syntax pieces probe the edge of what it accepts.
PROSE_CHAR = st.sampled_from(list("关工委黑河市伊春，。“”（）：；、2024年abc \"'.-"))
PROSE_LINE = st.builds(lambda first, rest: first + "".join(rest).rstrip(),
                       st.sampled_from(list("关工委黑河市伊春铁力“（2")), st.lists(PROSE_CHAR, max_size=30))
LINE = st.one_of(PROSE_LINE, PROSE_LINE, PROSE_LINE, st.sampled_from(["", "", "## 黑河市", "## 伊春市", "## 鹤岗市"]))


@st.composite
def bodies(draw) -> str:
    lines = draw(st.lists(LINE, max_size=12))
    for _ in range(draw(st.integers(0, 2))):
        piece = draw(ALPHABET)
        if not lines:
            lines.append(piece)
            continue
        n = draw(st.integers(0, len(lines) - 1))
        at = draw(st.integers(0, len(lines[n])))
        lines[n] = lines[n][:at] + piece + lines[n][at:]
    return "\n".join(lines)


@settings(max_examples=400, deadline=None)
@given(bodies())
def test_fast_path_equals_markdown_it_on_prose_with_syntax_dropped_in(body):
    compare(body)


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=60).map("".join))
def test_fast_path_equals_markdown_it_on_whatever_it_accepts(body):
    """Mostly syntax: explores the edge; compares only the few bodies the fast path accepts."""
    compare(body)


def test_most_generated_bodies_are_compared():
    """Guard against a vacuous differential test: count how many examples actually compare."""
    compared = []

    @settings(max_examples=300, deadline=None, database=None)
    @given(bodies())
    def count(body):
        compared.append(compare(body))

    count()
    share = sum(compared) / len(compared)
    print(f"compared {sum(compared)} of {len(compared)} generated bodies ({share:.0%})")
    assert share > 0.5
