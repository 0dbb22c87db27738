"""An imported bulletin and the issue file (our content format) it becomes."""
from __future__ import annotations

import datetime as dt
import json
import re
import string
from dataclasses import dataclass

import yaml

from guanxin_site.importer.lines import Figure, ImportNote

__all__ = ["ImportedIssue", "ORIGINAL_NAME", "escape_caption", "escape_markdown", "yaml_scalar"]

ORIGINAL_NAME = "原件"  # the received PDF, kept beside the issue as 原件.pdf


@dataclass(frozen=True)
class ImportedIssue:
    """One imported bulletin; to_markdown() gives the issue file."""

    year: int
    number: int
    total: int | None
    date: dt.date
    title: str
    publisher: str | None
    lead: tuple[str | Figure, ...]
    reports: tuple[tuple[str, tuple[str | Figure, ...]], ...]
    notes: tuple[ImportNote, ...]
    distribution: tuple[str, ...] = ()
    proofread: bool = True  # False: read by OCR, an editor must compare it with the original

    @property
    def figures(self) -> tuple[Figure, ...]:
        every = list(self.lead) + [p for _, paragraphs in self.reports for p in paragraphs]
        return tuple(p for p in every if isinstance(p, Figure))

    def to_markdown(self, assets: str | None = None, attachments: tuple[str, ...] = ()) -> str:
        """The issue file. assets: the folder (beside the issue file) holding its photos and original."""
        front = [f"number: {self.number}"]
        if self.total is not None:
            front.append(f"total: {self.total}")
        front += [f"date: {self.date.isoformat()}", f"title: {_yaml_scalar(self.title)}"]
        if self.publisher is not None:
            front.append(f"publisher: {_yaml_scalar(self.publisher)}")
        if attachments:
            front.append("attachments:")
            front += [f"  - {_yaml_scalar(name)}" for name in attachments]
        if self.distribution:
            front.append("distribution:")
            front += [f"  - {_yaml_scalar(line)}" for line in self.distribution]
        if not self.proofread:
            front.append("proofread: false")
        folder = assets if assets is not None else f"{self.number:03d}"
        blocks = [self._block(p, folder) for p in self.lead]
        for region, paragraphs in self.reports:
            blocks.append(f"## {region}")
            blocks += [self._block(p, folder) for p in paragraphs]
        return "---\n" + "".join(f"{f}\n" for f in front) + "---\n" + "".join(f"\n{b}\n" for b in blocks)

    @staticmethod
    def _block(paragraph: str | Figure, folder: str) -> str:
        if isinstance(paragraph, Figure):
            return f"![{escape_caption(paragraph.caption)}]({folder}/{figure_name(paragraph)})"
        return _escape_markdown(paragraph)


def escape_caption(text: str) -> str:
    """A photo's description as written between ![ and ]."""
    return _escape_markdown(text).replace("]", "\\]")


def figure_name(figure: Figure) -> str:
    """The photo's file name in the issue's folder: 图1.jpg, 图2.png..."""
    return f"图{figure.index}.{figure.ext}"



# Read as a number by some YAML loader (1e3 is a float in YAML 1.2, a string in PyYAML): always quoted.
_NUMBERISH = re.compile(r"[-+.]?[0-9][0-9A-Za-z.+_:-]*")
# PyYAML refuses these characters anywhere in a stream, and folds these line breaks inside quotes.
_YAML_UNSAFE = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _yaml_scalar(value: str) -> str:
    """Plain if YAML reads it back unchanged (no ': ', no indicator, not a number/bool/date), else quoted."""
    if value == value.strip() and not _YAML_UNSAFE.search(value) and not _NUMBERISH.fullmatch(value):
        try:
            if yaml.safe_load(f"k: {value}") == {"k": value}:
                return value
        except yaml.YAMLError:
            pass
    return _YAML_UNSAFE.sub(_yaml_escape, json.dumps(value, ensure_ascii=False))


def _yaml_escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


_ASCII_PUNCT = frozenset(string.punctuation)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Block syntax a one-line paragraph can start with (CommonMark): heading, quote, list item, thematic
# break. Any leading # is escaped: ##黑河市 is no heading, but the parser would report it as a slipped one. Fences need ``` or ~~~, and ` and ~~ are escaped wherever they are.
_BLOCK_START = re.compile(
    r"#|>|[-+](?=[ \t]|$)|[0-9]{1,9}(?=[.)](?:[ \t]|$))|([-_*])(?:[ \t]*\1){2,}[ \t]*$"
)


def _escape_markdown(text: str) -> str:
    """Backslash-escape what markdown-it (CommonMark + tables + strikethrough) would read as syntax."""
    escaped = "".join(_escape_char(text, i) for i in range(len(text)))
    block = _BLOCK_START.match(escaped)
    if block is None:
        return escaped
    if escaped[0].isdigit():  # 1. / 1) : escape the delimiter after the digits
        return escaped[: block.end()] + "\\" + escaped[block.end():]
    return "\\" + escaped


def _escape_char(text: str, i: int) -> str:
    ch = text[i]
    following = text[i + 1: i + 2]
    if (
        ch in "`*_[<"
        or (ch == "\\" and following in _ASCII_PUNCT)
        or (ch == "&" and _ENTITY.match(text, i))
        or (ch == "~" and "~" in (text[i - 1: i] if i else "", following))
    ):
        return "\\" + ch
    return ch


# What the desk writes into an issue file is escaped and quoted exactly as an import writes it.
escape_markdown = _escape_markdown
yaml_scalar = _yaml_scalar
