"""Frozen content models: what the parser produces and every later stage reads."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property

from guanxin_site.gazetteer import Place


@dataclass(frozen=True)
class Attachment:
    name: str  # file name as published, e.g. 原件.pdf
    source: str  # path of the file on disk, relative to the project
    size: int  # bytes
    digest: str  # sha256 of the bytes, for the build cache


# The largest issue number (期号) and total (总期号) accepted, by the parser and the importer alike:
# far above any real number; keeps URLs and totals sane.
MAX_ISSUE_NUMBER = 100_000


@dataclass(frozen=True)
class Rendition:
    """One resized copy of a photo, published beside the issue page."""

    name: str  # file name as published, e.g. 会议照片-960.webp
    width: int
    height: int
    format: str  # "jpeg" or "webp"


@dataclass(frozen=True)
class Photo:
    """An image a report shows (`![说明](文件.jpg)`), published as renditions without metadata."""

    source: str  # path of the file on disk, relative to the project
    digest: str  # sha256 of the source bytes: the rendition cache key
    size: int  # bytes of the source
    alt: str  # the description, for screen readers ("" if the editor gave none)
    caption: str  # shown under the photo ("" for none)
    line: int  # line of the reference in the issue file
    width: int  # as displayed: orientation applied, largest rendition
    height: int
    renditions: tuple[Rendition, ...] = ()


def issue_label(year: int, number: int, total: int | None) -> str:
    """2023年第53期·总第509期: how the bulletin names an issue (without the brackets)."""
    label = f"{year}年第{number}期"
    return f"{label}·总第{total}期" if total else label


OPENING_CHARS = 200  # enough for any excerpt a page shows


def opening(text: str) -> str:
    """The start of a text with whitespace folded: what excerpts are cut from."""
    return " ".join(text[: OPENING_CHARS * 2].split())[:OPENING_CHARS]


_SOFT_BREAK = re.compile(r"\n(?=[^<\n])")  # a line break inside a paragraph, not between blocks
_TAG = re.compile(r"<[^>]*>")


def html_text(html: str) -> str:
    """Plain text of rendered report HTML: one line per block, no markup.

    Derived on demand (search, feeds) rather than stored: a stored copy would double
    the memory and the build cache of a large archive.
    """
    from html import unescape  # imported here: the html package loads a 2,000-entity table

    return unescape(_TAG.sub("", _SOFT_BREAK.sub("", html))).strip()


@dataclass(frozen=True)
class Report:
    """One regional report (one `## <region>` section)."""

    region: Place
    counties: tuple[Place, ...]  # county-level places of this region named in the text
    html: str
    line: int  # line of the heading in the source file
    opening: str = ""  # the text's first characters, for excerpts

    @property
    def anchor(self) -> str:
        return self.region.slug

    @property
    def text(self) -> str:
        return html_text(self.html)


@dataclass(frozen=True)
class Issue:
    """One bulletin issue (期)."""

    source: str  # path relative to the project, forward slashes
    digest: str  # hash of the source bytes (and of its attachments and photos)
    number: int
    date: dt.date
    title: str
    publisher: str
    total: int | None = None
    summary: str | None = None
    draft: bool = False
    lead_html: str = ""
    lead_opening: str = ""
    reports: tuple[Report, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    photos: tuple[Photo, ...] = ()  # every image the issue shows, in reading order
    distribution: tuple[str, ...] = ()  # the 报/送/发 lines printed at the end of the bulletin
    proofread: bool = True  # False: imported by OCR and not yet compared with the original
    lines: tuple[tuple[str, int], ...] = ()  # front-matter key -> line, for archive-wide messages

    @property
    def lead_text(self) -> str:
        return html_text(self.lead_html)

    @property
    def year(self) -> int:
        return self.date.year

    @property
    def key(self) -> tuple[int, int]:
        return (self.year, self.number)

    # Made once: pages show them thousands of times (the entry lists). cached_property writes the
    # instance's __dict__ itself, so the dataclass stays frozen; records and equality read the fields only.
    @cached_property
    def url(self) -> str:
        """Site-relative URL of the issue page (no leading slash)."""
        return f"{self.year}/{self.number}/"

    @cached_property
    def label(self) -> str:
        return issue_label(self.year, self.number, self.total)

    def line_of(self, key: str) -> int | None:
        return dict(self.lines).get(key)
