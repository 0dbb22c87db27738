"""What the planner makes and the renderer renders: a page's address, template, data and inputs.

Below planner.py, render.py and editions/, which all speak of pages (so none of them imports another
for it), with the text filters the pages and the feeds share.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Page:
    url: str  # site-relative, "" for home, "2023/53/" for a directory page, "feed.xml" for a file
    template: str
    context: dict = field(compare=False, hash=False)
    deps: tuple[str, ...] = ()
    lastmod: dt.date | None = field(default=None, compare=False)  # newest issue the page shows, for the sitemap
    edition: str = ""  # the edition of an issue it belongs to (editions.EDITIONS), "" for the site's own pages

    @property
    def output_path(self) -> str:
        return self.url + "index.html" if self.url == "" or self.url.endswith("/") else self.url

    @property
    def root(self) -> str:
        """Relative prefix from this page to the site root, so one build works under any subpath."""
        return "../" * self.url.count("/")


@functools.lru_cache(maxsize=8192)  # the same dates and excerpts recur on many list pages
def cn_date(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def book_title(title: str) -> str:
    """A publication's name inside a sentence, in 书名号: 本站收录《关心下一代工作》…, where the bare name
    reads as "the work of caring for the next generation". A name already in 《》 is left as it is."""
    return title if title.startswith("《") else f"《{title}》"


def file_size(size: int) -> str:
    """A download's size as a reader reads it: 820 KB, 3.3 MB (1,024 each), never "3418.0 KB"."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / 1024 / 1024:.1f} MB"


_SENTENCE_END = re.compile(r"[。！？；]")


@functools.lru_cache(maxsize=65536)
def excerpt(text: str, limit: int = 90) -> str:
    """The opening of a report, cut at a sentence end where one falls near the limit."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(cut)]
    if ends and ends[-1] >= limit * 0.6:
        return cut[: ends[-1]]
    return cut.rstrip("，、：；") + "……"
