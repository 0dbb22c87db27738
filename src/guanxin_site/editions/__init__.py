"""Editions: the forms the bulletin is published in, each one object the planner and the renderer
iterate over (EDITIONS), not a special case of either.

- web.py, the issue's web page;
- wechat.py, the 微信公众号 article (its parts: wechat.html, wechat-2.html…), made from the same
  Report.html the web page shows;
- offline.py, the copy that opens from disk (`build --offline`): not pages of its own but a
  finish of every page (links naming their index.html).

An edition may plan what it needs once per issue (plan: the 公众号 edition's split into parts,
which the web page shows as buttons), give the issue's pages (pages), add to a page's data when the
page is rendered rather than when it is planned (context: the transform of the report HTML, only
for the pages a build renders), and finish every rendered page (finish).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from guanxin_site.pages import Page

if TYPE_CHECKING:
    from guanxin_site.archive import Archive
    from guanxin_site.config import SiteConfig
    from guanxin_site.models import Issue


class Edition:
    """What every edition can do; each does only what it needs (the defaults do nothing)."""

    name = ""
    in_sitemap = False  # its pages are listed in sitemap.xml

    def wanted(self, config: SiteConfig) -> bool:
        """Whether a site of this configuration has this edition."""
        return True

    def plan(self, issue: Issue, config: SiteConfig) -> object | None:
        """What this edition's pages (and the other editions' pages) need to know of an issue."""
        return None

    def pages(self, issue: Issue, plans: dict[str, object], archive: Archive) -> list[Page]:
        """The issue's pages in this edition; plans: every edition's plan of the issue, by name."""
        return []

    def context(self, page: Page) -> dict:
        """A page's data at render time (only the pages a build renders pay for this)."""
        return page.context

    def finish(self, page: Page, html: str) -> str:
        """Every rendered page of the site passes through here."""
        return html


def editions_of(config: SiteConfig) -> tuple[Edition, ...]:
    return tuple(edition for edition in EDITIONS.values() if edition.wanted(config))


def page_context(page: Page) -> dict:
    """The data a page is rendered with: its edition's, if it belongs to one."""
    return EDITIONS[page.edition].context(page) if page.edition else page.context


def _editions() -> dict[str, Edition]:
    from guanxin_site.editions.offline import OfflineCopy
    from guanxin_site.editions.web import WebPage
    from guanxin_site.editions.wechat import WechatEdition

    return {edition.name: edition for edition in (WebPage(), WechatEdition(), OfflineCopy())}


EDITIONS: dict[str, Edition] = _editions()
