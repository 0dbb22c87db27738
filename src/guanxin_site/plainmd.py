"""A fast path for the common case: report bodies that are plain paragraphs.

Almost every bulletin is prose with `## <region>` headings and no other Markdown.
For such a body the CommonMark result is fixed: each paragraph becomes
`<p>escaped text</p>`. Producing it directly skips markdown-it's tokenizer, the
largest cost of a cold build. Anything that could be Markdown syntax sends the
whole body back to markdown-it, and a differential test checks that both paths
give the same output on whatever the fast path accepts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Characters that some CommonMark (or table/strikethrough) rule may read as syntax,
# plus characters markdown-it normalises (NUL, CR) and tabs, which change indentation.
_SPECIAL = re.compile(r"[\\`*_\[\]!<>&#~|\t\x00\r]")
# Line starts that open or end a block: list items, setext underlines and rules, indentation.
_BLOCK_START = re.compile(r"^(?:[-+=\s]|\d{1,9}[.)])")
_HEADING = re.compile(r"## ([^\s#](?:[^#]*[^\s#])?)")


@dataclass(frozen=True)
class PlainSection:
    heading: str | None  # None for the lead before the first heading
    heading_line: int  # 0-based line of the heading within the body (0 for the lead)
    html: str
    text: str


def split_plain(body: str) -> list[PlainSection] | None:
    """Sections of a plain-prose body, or None if markdown-it must handle it."""
    sections: list[PlainSection] = []
    heading: str | None = None
    heading_line = 0
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for number, line in enumerate(body.split("\n")):
        if line.startswith("#"):
            match = _HEADING.fullmatch(line)
            if match is None or _SPECIAL.search(match.group(1)):
                return None
            _close(current, paragraphs)
            current = []
            if heading is not None or paragraphs:
                sections.append(_section(heading, heading_line, paragraphs))
            heading, heading_line, paragraphs = match.group(1), number, []
        elif line == "":
            _close(current, paragraphs)
            current = []
        elif _SPECIAL.search(line) or _BLOCK_START.match(line) or line != line.strip():
            return None
        else:
            current.append(line)
    _close(current, paragraphs)
    if heading is not None or paragraphs:
        sections.append(_section(heading, heading_line, paragraphs))
    return sections


def _close(lines: list[str], paragraphs: list[list[str]]) -> None:
    if lines:
        paragraphs.append(lines)


def _section(heading: str | None, line: int, paragraphs: list[list[str]]) -> PlainSection:
    html = "".join("<p>" + "\n".join(p).replace('"', "&quot;") + "</p>\n" for p in paragraphs)
    text = "\n".join("".join(p) for p in paragraphs)
    return PlainSection(heading, line, html, text)
