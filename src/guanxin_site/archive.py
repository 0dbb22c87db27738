"""Stage 3: organise parsed issues into the archive: by year, by region, by county."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from guanxin_site.gazetteer import Gazetteer, Place
from guanxin_site.models import Issue, Report


@dataclass(frozen=True)
class Entry:
    """One report in the context of its issue: what region and county pages list."""

    issue: Issue
    report: Report


@dataclass(frozen=True)
class RegionIndex:
    region: Place
    entries: tuple[Entry, ...]  # newest first
    counties: tuple[tuple[Place, tuple[Entry, ...]], ...]  # counties mentioned, with their entries, in code order
    years: tuple[tuple[int, tuple[Entry, ...]], ...]  # entries grouped by year, newest first


@dataclass(frozen=True)
class Archive:
    issues: tuple[Issue, ...]  # newest first
    years: tuple[tuple[int, tuple[Issue, ...]], ...]  # newest year first; issues newest first
    regions: tuple[RegionIndex, ...]  # every region of the gazetteer, in code order, reported or not
    neighbours: dict[tuple[int, int], tuple[Issue | None, Issue | None]]  # key -> (previous, next)

    @property
    def latest(self) -> Issue | None:
        return self.issues[0] if self.issues else None


def organise(issues: list[Issue], gazetteer: Gazetteer) -> Archive:
    ordered = tuple(sorted(issues, key=lambda i: (i.date, i.number), reverse=True))
    by_region: dict[str, list[Entry]] = defaultdict(list)
    for issue in ordered:
        for report in issue.reports:
            by_region[report.region.name].append(Entry(issue, report))
    regions = tuple(_region_index(place, by_region.get(place.name, []), gazetteer) for place in gazetteer.regions)
    chronological = ordered[::-1]
    neighbours = {
        issue.key: (chronological[n - 1] if n > 0 else None, chronological[n + 1] if n + 1 < len(chronological) else None)
        for n, issue in enumerate(chronological)
    }
    years = group_by_year(ordered)
    return Archive(ordered, years, regions, neighbours)


def _region_index(place: Place, entries: list[Entry], gazetteer: Gazetteer) -> RegionIndex:
    by_county: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        for county in entry.report.counties:
            by_county[county.name].append(entry)
    counties = tuple((c, tuple(by_county[c.name])) for c in gazetteer.counties_of(place.name) if c.name in by_county)
    entries_tuple = tuple(entries)
    return RegionIndex(place, entries_tuple, counties, group_by_year(entries_tuple))


def group_by_year(items: tuple) -> tuple:
    """Group issues or entries, already newest first, by year; keeps that order."""
    groups: dict[int, list] = {}
    if not items:
        return ()
    dated = (lambda item: item.date) if isinstance(items[0], Issue) else (lambda entry: entry.issue.date)
    for item in items:
        year = dated(item).year
        group = groups.get(year)
        if group is None:
            group = groups[year] = []
        group.append(item)
    return tuple((year, tuple(items)) for year, items in groups.items())
