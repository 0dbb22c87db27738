"""Data for the Atom feeds and the sitemap: absolute URLs, fixed timestamps, XML-safe text.

Feeds are rendered by templates (atom.xml, sitemap.xml); this module prepares what
they show so that the templates stay simple and the output valid Atom 1.0 (RFC 4287):
ids are the absolute URLs of what an entry is about (they never change while the site
stays at its address), every date comes from an issue (no build clock), and text is
stripped of the characters XML 1.0 cannot carry.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from markupsafe import escape  # not html.escape: importing html loads a 2,000-entity table every build

from guanxin_site.archive import Archive, RegionIndex
from guanxin_site.config import SiteConfig
from guanxin_site.images import absolute_photo_urls
from guanxin_site.models import Issue, Report
from guanxin_site.pages import excerpt

FEED_SIZE = 20
# The bulletin is dated in Heilongjiang: midnight China Standard Time, written out so no clock or locale enters.
UTC_OFFSET = "+08:00"
# An archive with no issue yet still gets a valid, empty feed; its <updated> must not come from the clock.
EMPTY_FEED_DATE = "1970-01-01T00:00:00Z"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text without the control characters XML 1.0 forbids (a stray form feed from a PDF would break the feed)."""
    return _NOT_XML.sub("", text)


def atom_date(date: dt.date) -> str:
    return f"{date.isoformat()}T00:00:00{UTC_OFFSET}"


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    url: str  # absolute
    date: str  # RFC 3339
    author: str
    summary: str
    content: str  # HTML as text; the template escapes it (type="html")
    categories: tuple[tuple[str, str], ...]  # (term, label): region slug and name


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    subtitle: str
    url: str  # the feed's own absolute URL (rel="self")
    page_url: str  # the HTML page it follows (rel="alternate")
    updated: str
    author: str
    entries: tuple[FeedEntry, ...]


def _excerpt(text: str) -> str:
    return xml_text(excerpt(text, 120))  # the excerpt the site shows


def _first_report_text(issue: Issue) -> str:
    return issue.reports[0].opening if issue.reports else ""


def _issue_content(issue: Issue, base_url: str) -> str:
    """The full text of an issue: lead, then every report under its region heading linking to the region page."""
    parts = [absolute_photo_urls(issue.lead_html, base_url + issue.url)] if issue.lead_html else []
    for report in issue.reports:
        region_url = f"{base_url}regions/{report.region.slug}/"
        parts.append(f'<h2 id="{report.anchor}"><a href="{escape(region_url)}">{escape(report.region.name)}</a></h2>')
        parts.append(absolute_photo_urls(report.html, base_url + issue.url))
    return xml_text("\n".join(parts))


def _categories(reports: tuple[Report, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((r.region.slug, r.region.name) for r in reports)


def site_feed(archive: Archive, config: SiteConfig) -> Feed:
    base = config.base_url
    issues = archive.issues[:FEED_SIZE]
    entries = tuple(
        FeedEntry(
            id=base + issue.url,
            title=xml_text(f"{issue.title}（{issue.label}）"),
            url=base + issue.url,
            date=atom_date(issue.date),
            author=xml_text(issue.publisher),
            summary=xml_text(issue.summary) if issue.summary else _excerpt(issue.lead_opening or _first_report_text(issue)),
            content=_issue_content(issue, base),
            categories=_categories(issue.reports),
        )
        for issue in issues
    )
    return Feed(
        id=base + "feed.xml",
        title=xml_text(config.title),
        subtitle=xml_text(config.description),
        url=base + "feed.xml",
        page_url=base,
        updated=entries[0].date if entries else EMPTY_FEED_DATE,
        author=xml_text(config.publisher),
        entries=entries,
    )


def region_feed(index: RegionIndex, config: SiteConfig) -> Feed:
    """The latest reports of one region; only planned for a region that has reported."""
    base = config.base_url
    region = index.region
    page = f"{base}regions/{region.slug}/"
    entries = tuple(
        FeedEntry(
            id=f"{base}{entry.issue.url}#{entry.report.anchor}",
            title=xml_text(f"{entry.issue.title}（{entry.issue.label}）"),
            url=f"{base}{entry.issue.url}#{entry.report.anchor}",
            date=atom_date(entry.issue.date),
            author=xml_text(entry.issue.publisher),
            summary=_excerpt(entry.report.opening),
            content=xml_text(absolute_photo_urls(entry.report.html, base + entry.issue.url)),
            categories=_categories((entry.report,)),
        )
        for entry in index.entries[:FEED_SIZE]
    )
    return Feed(
        id=page + "feed.xml",
        title=xml_text(f"{region.name} · {config.title}"),
        subtitle=xml_text(f"{region.name}关工委在《{config.title}》中的报告"),
        url=page + "feed.xml",
        page_url=page,
        updated=entries[0].date,
        author=xml_text(config.publisher),
        entries=entries,
    )
