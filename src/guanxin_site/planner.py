"""Stage 4: plan every output page: URL -> template + context, and what it depends on.

Each issue's pages come from the editions (editions/: the web page, the 公众号 edition); the
pages of the site as a whole (home, years, regions, counties, stats, feeds) from here.

`deps` names every input a page shows (issue digests and structural facts). The
build hashes it with the templates and config to decide whether a page from the
previous build can be reused, so a page must never show data missing from deps.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from guanxin_site import feeds, stats
from guanxin_site.archive import Archive, Entry, RegionIndex, group_by_year
from guanxin_site.config import SiteConfig
from guanxin_site.editions import EDITIONS, editions_of
from guanxin_site.pages import Page

SEARCH_PAGE = "search/"
SUBSCRIBE_PAGE = "subscribe/"
REGION_INLINE_BUDGET = 120  # reports shown in full on a region's main page; older years get their own pages


def _hash_of(digests: list[str]) -> str:
    """One hash of digests in order (the same as updating a hash with each in turn, in one call)."""
    return hashlib.sha256("".join(digests).encode()).hexdigest()


def _digests(issues) -> str:
    return _hash_of([issue.digest for issue in issues])


def _entry_digests(entries) -> str:
    """_digests of the entries' issues (thousands per region: one list, no generator in between)."""
    return _hash_of([entry.issue.digest for entry in entries])


def _newest(entries: tuple[Entry, ...]) -> dt.date | None:
    return entries[0].issue.date if entries else None


def left_out(config: SiteConfig) -> tuple[str, ...]:
    """Outputs the plan leaves out for this configuration, each with the reason, for the build to report."""
    if config.base_url:
        return ()
    return ("feed.xml、regions/*/feed.xml、sitemap.xml、robots.txt：未设置 base_url，订阅源和网站地图需要完整网址"
            "（在 site.yaml 中设置 base_url，或使用 --base-url）；在微信、QQ 中转发链接时，分享卡片也要有完整网址才显示图片",)


def plan(archive: Archive, config: SiteConfig) -> list[Page]:
    site_shape = _digests(archive.issues)  # pages that summarise the whole archive depend on every issue
    latest = archive.latest.date if archive.latest else None
    pages = [
        Page("", "home.html", {"archive": archive}, (site_shape,), latest),
        Page("archive/", "archive.html", {"archive": archive}, (site_shape,), latest),
        Page("regions/", "regions.html", {"archive": archive}, (site_shape,), latest),
        _stats_page(archive, site_shape, latest),
        Page("404.html", "404.html", {}, ()),
        # The region list comes from the gazetteer, already part of every page's build key. The index's
        # manifest is added by the build once the index is written (build.py, _render_search_page).
        Page(SEARCH_PAGE, "search.html", {"regions": tuple(index.region for index in archive.regions),
                                          "search_manifest": None}, ()),
    ]
    editions = editions_of(config)
    for issue in archive.issues:
        plans = {edition.name: edition.plan(issue, config) for edition in editions}
        for edition in editions:
            pages.extend(edition.pages(issue, plans, archive))
    years = tuple(year for year, _ in archive.years)
    for n, (year, issues) in enumerate(archive.years):
        newer = years[n - 1] if n > 0 else None
        older = years[n + 1] if n + 1 < len(years) else None
        pages.append(Page(f"{year}/", "year.html", {"year": year, "issues": issues, "newer": newer, "older": older},
                          (_digests(issues), str(newer), str(older)), issues[0].date))
    for region in archive.regions:
        pages.extend(_region_pages(region))
    if config.base_url:  # feeds and the sitemap are made of absolute URLs: without a base URL, see left_out()
        pages.extend(_feed_pages(archive, config))
        pages.append(_subscribe_page(archive))
        pages.append(_sitemap_page(pages, config.base_url))
        pages.append(Page("robots.txt", "robots.txt", {"sitemap_url": config.base_url + "sitemap.xml"}, ()))
    return sorted(pages, key=lambda p: p.url)


def _stats_page(archive: Archive, site_shape: str, latest: dt.date | None) -> Page:
    numbers = stats.collect(archive)
    context = {"stats": numbers, "latest": archive.latest}
    if archive.issues:
        context |= {"issues_chart": stats.issues_chart(numbers), "regions_chart": stats.regions_chart(numbers),
                    "bands": stats.shade_bands(numbers)}
    return Page("stats/", "stats.html", context, (site_shape,), latest)


def _feed_pages(archive: Archive, config: SiteConfig) -> list[Page]:
    shown = archive.issues[: feeds.FEED_SIZE]
    pages = [Page("feed.xml", "atom.xml", {"feed": feeds.site_feed(archive, config)}, (_digests(shown),))]
    for index in archive.regions:
        if index.entries:  # a region that has not reported has no feed (and its page links none)
            entries = index.entries[: feeds.FEED_SIZE]
            pages.append(Page(f"regions/{index.region.slug}/feed.xml", "atom.xml",
                              {"feed": feeds.region_feed(index, config)},
                              (_entry_digests(entries), ",".join(e.report.anchor for e in entries))))
    return pages


def _subscribe_page(archive: Archive) -> Page:
    """What a feed is and the addresses to copy into a feed reader: the page the site's 订阅 links go to,
    since a browser without XSLT shows a feed itself as raw XML."""
    regions = tuple(index.region for index in archive.regions if index.entries)  # those that have a feed
    return Page(SUBSCRIBE_PAGE, "subscribe.html", {"feeds": regions}, (",".join(r.slug for r in regions),))


def _sitemap_page(pages: list[Page], base_url: str) -> Page:
    """Every HTML page but the 404 page, with the date of the newest issue it shows."""
    urls = tuple(
        (base_url + page.url, page.lastmod.isoformat() if page.lastmod else None)
        for page in sorted(pages, key=lambda p: p.url)
        if page.output_path.endswith(".html") and page.url not in ("404.html", "search/")  # search is noindex
        and (not page.edition or EDITIONS[page.edition].in_sitemap)  # the 公众号 edition repeats the issue page
    )
    shape = hashlib.sha256("\n".join(f"{url} {lastmod}" for url, lastmod in urls).encode()).hexdigest()
    return Page("sitemap.xml", "sitemap.xml", {"urls": urls}, (shape,))


def _inline_years(years) -> set[int]:
    """The newest years whose entries fit the inline budget (always at least the newest year)."""
    inline: set[int] = set()
    shown = 0
    for year, entries in years:
        if shown and shown + len(entries) > REGION_INLINE_BUDGET:
            break
        inline.add(year)
        shown += len(entries)
    return inline


def _region_pages(index: RegionIndex) -> list[Page]:
    slug = index.region.slug
    deps = (_entry_digests(index.entries),)
    pages = [Page(f"regions/{slug}/", "region.html", {"index": index, "inline_years": _inline_years(index.years)}, deps,
                  _newest(index.entries))]
    region_years = ",".join(str(year) for year, _ in index.years)  # year pages link to each other
    for year, entries in index.years:
        pages.append(Page(f"regions/{slug}/{year}/", "region_year.html", {"index": index, "year": year, "entries": entries},
                          (_entry_digests(entries), region_years), _newest(entries)))
    for county, entries in index.counties:
        pages.extend(_county_pages(index, county, entries))
    return pages


def _county_pages(index: RegionIndex, county, entries) -> list[Page]:
    """A county's reports; like a region's, older years move to pages of their own so no page grows without end."""
    base = f"regions/{index.region.slug}/{county.slug}/"
    years = group_by_year(entries)
    inline = _inline_years(years)
    pages = [Page(base, "county.html", {"index": index, "county": county, "entries": entries, "years": years,
                                        "inline_years": inline}, (_entry_digests(entries),), _newest(entries))]
    for year, year_entries in years:
        if year not in inline:
            pages.append(Page(f"{base}{year}/", "county_year.html",
                              {"index": index, "county": county, "year": year, "entries": year_entries},
                              (_entry_digests(year_entries),), _newest(year_entries)))
    return pages
