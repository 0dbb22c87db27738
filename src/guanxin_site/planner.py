"""Stage 4: plan every output page: URL -> template + context, and what it depends on.

`deps` names every input a page shows (issue digests and structural facts). The
build hashes it with the templates and config to decide whether a page from the
previous build can be reused, so a page must never show data missing from deps.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from guanxin_site.archive import Archive, RegionIndex
from guanxin_site.config import SiteConfig
from guanxin_site.models import Issue

REGION_INLINE_BUDGET = 120  # reports shown in full on a region's main page; older years get their own pages


@dataclass(frozen=True)
class Page:
    url: str  # site-relative, "" for home, "2023/53/" for a directory page, "feed.xml" for a file
    template: str
    context: dict = field(compare=False, hash=False)
    deps: tuple[str, ...] = ()

    @property
    def output_path(self) -> str:
        return self.url + "index.html" if self.url == "" or self.url.endswith("/") else self.url

    @property
    def root(self) -> str:
        """Relative prefix from this page to the site root, so one build works under any subpath."""
        return "../" * self.url.count("/")


def _digests(issues) -> str:
    h = hashlib.sha256()
    for issue in issues:
        h.update(issue.digest.encode())
    return h.hexdigest()


def plan(archive: Archive, config: SiteConfig) -> list[Page]:
    site_shape = _digests(archive.issues)  # pages that summarise the whole archive depend on every issue
    pages = [
        Page("", "home.html", {"archive": archive}, (site_shape,)),
        Page("archive/", "archive.html", {"archive": archive}, (site_shape,)),
        Page("regions/", "regions.html", {"archive": archive}, (site_shape,)),
        Page("404.html", "404.html", {}, ()),
    ]
    for issue in archive.issues:
        pages.append(_issue_page(issue, archive))
    years = tuple(year for year, _ in archive.years)
    for n, (year, issues) in enumerate(archive.years):
        newer = years[n - 1] if n > 0 else None
        older = years[n + 1] if n + 1 < len(years) else None
        pages.append(Page(f"{year}/", "year.html", {"year": year, "issues": issues, "newer": newer, "older": older},
                          (_digests(issues), str(newer), str(older))))
    for region in archive.regions:
        pages.extend(_region_pages(region))
    return sorted(pages, key=lambda p: p.url)


def _issue_page(issue: Issue, archive: Archive) -> Page:
    previous, following = archive.neighbours[issue.key]
    deps = (issue.digest, previous.digest if previous else "-", following.digest if following else "-")
    return Page(issue.url, "issue.html", {"issue": issue, "previous": previous, "next": following}, deps)


def _region_pages(index: RegionIndex) -> list[Page]:
    slug = index.region.slug
    inline_years: set[int] = set()
    shown = 0
    for year, entries in index.years:
        if shown and shown + len(entries) > REGION_INLINE_BUDGET:
            break
        inline_years.add(year)
        shown += len(entries)
    deps = (_digests(e.issue for e in index.entries),)
    pages = [Page(f"regions/{slug}/", "region.html", {"index": index, "inline_years": inline_years}, deps)]
    region_years = ",".join(str(year) for year, _ in index.years)  # year pages link to each other
    for year, entries in index.years:
        pages.append(Page(f"regions/{slug}/{year}/", "region_year.html", {"index": index, "year": year, "entries": entries},
                          (_digests(e.issue for e in entries), region_years)))
    for county, entries in index.counties:
        pages.append(Page(f"regions/{slug}/{county.slug}/", "county.html", {"index": index, "county": county, "entries": entries},
                          (_digests(e.issue for e in entries),)))
    return pages
