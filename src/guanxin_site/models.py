"""Frozen content models: what the parser produces and every later stage reads."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from guanxin_site.gazetteer import Place


@dataclass(frozen=True)
class Attachment:
    name: str  # file name as published, e.g. 原件.pdf
    source: str  # path of the file on disk, relative to the project
    size: int  # bytes
    digest: str  # sha256 of the bytes, for the build cache


@dataclass(frozen=True)
class Report:
    """One regional report (one `## <region>` section)."""

    region: Place
    counties: tuple[Place, ...]  # county-level places of this region named in the text
    html: str
    text: str  # plain text, for excerpts and search
    line: int  # line of the heading in the source file

    @property
    def anchor(self) -> str:
        return self.region.slug


@dataclass(frozen=True)
class Issue:
    """One bulletin issue (期)."""

    source: str  # path relative to the project, forward slashes
    digest: str  # hash of the source bytes (and of its attachments)
    number: int
    date: dt.date
    title: str
    publisher: str
    total: int | None = None
    summary: str | None = None
    draft: bool = False
    lead_html: str = ""
    lead_text: str = ""
    reports: tuple[Report, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    lines: tuple[tuple[str, int], ...] = ()  # front-matter key -> line, for archive-wide messages

    @property
    def year(self) -> int:
        return self.date.year

    @property
    def key(self) -> tuple[int, int]:
        return (self.year, self.number)

    @property
    def url(self) -> str:
        """Site-relative URL of the issue page (no leading slash)."""
        return f"{self.year}/{self.number}/"

    @property
    def label(self) -> str:
        """（2023年第53期·总第509期） without the brackets."""
        label = f"{self.year}年第{self.number}期"
        return f"{label}·总第{self.total}期" if self.total else label

    def line_of(self, key: str) -> int | None:
        return dict(self.lines).get(key)
