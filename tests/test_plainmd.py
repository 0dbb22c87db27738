"""The plain-prose fast path must give exactly what markdown-it gives, whenever it accepts a body."""
from __future__ import annotations

from hypothesis import given, settings
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


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=60).map("".join))
def test_fast_path_equals_markdown_it_on_whatever_it_accepts(body):
    if split_plain(body) is not None:
        assert body_sections(body) == token_sections(body)


PROSE = st.sampled_from(list("关工委黑河市伊春，。“”（）：；、2024年abc \"'.-") + ["\n", "\n\n", "## 黑河市\n", "## 伊春市\n\n", "\n## 鹤岗市\n"])


@settings(max_examples=400, deadline=None)
@given(st.lists(PROSE, max_size=80).map("".join))
def test_fast_path_equals_markdown_it_on_prose(body):
    if split_plain(body) is not None:
        assert body_sections(body) == token_sections(body)


def test_prose_strategy_mostly_takes_the_fast_path():
    """Guard against a vacuous differential test: the prose strategy must reach the fast path."""
    accepted = []

    @settings(max_examples=200, deadline=None, database=None)
    @given(st.lists(PROSE, max_size=80).map("".join))
    def count(body):
        accepted.append(split_plain(body) is not None)

    count()
    assert sum(accepted) > len(accepted) / 4
