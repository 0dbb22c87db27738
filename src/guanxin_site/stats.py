"""Archive statistics and the SVG charts of /stats/, drawn at build time.

The charts are plain inline SVG (no JavaScript, no fonts of their own), sized in
a 360-unit-wide viewBox so that on a phone the text is at its designed size and
on a desktop the stylesheet caps how far it grows. Every chart has a <title> and
a <desc>, and the page shows a table of the same numbers for screen readers.

大字 reaches the charts through the stylesheet (site.css): the bar chart keeps its
width and its text grows (its rows and margins leave room for that), and the heat
map, whose cells cannot hold larger numbers, is drawn larger in a box that scrolls
sideways; its width in user units is handed to the stylesheet as --chart-width.
Output depends only on the archive, so it is byte-identical between builds.
"""
from __future__ import annotations

from dataclasses import dataclass
from markupsafe import escape  # not html.escape: importing html loads a 2,000-entity table every build

from markupsafe import Markup

from guanxin_site.archive import Archive
from guanxin_site.gazetteer import Place

WIDTH = 360  # viewBox width: the content width of a 360 px phone, give or take the margins
INK = "#1f1f1f"
MUTED = "#5c5c5c"
GRID = "#e3d6d6"
BAR = "#c00000"
EMPTY = "#f3eeee"
# Sequential reds for the heat map, light to dark; numbers on the darker two are white (contrast >= 4.5:1).
SHADES = ("#fbe4e4", "#f5bcbc", "#eb8f8f", "#c62828", "#8e0000")
DARK_SHADES = 2


@dataclass(frozen=True)
class RegionRow:
    region: Place
    counts: tuple[int, ...]  # reports per year, in the order of Stats.years

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Stats:
    years: tuple[int, ...]  # every year from the first to the last issue, oldest first, gaps included
    issues: tuple[int, ...]  # issues per year, in the order of years
    regions: tuple[RegionRow, ...]  # every region of the gazetteer, in code order
    photos: tuple[int, ...] = ()  # photos shown per year, in the order of years

    @property
    def total_photos(self) -> int:
        return sum(self.photos)

    @property
    def total_issues(self) -> int:
        return sum(self.issues)

    @property
    def total_reports(self) -> int:
        return sum(row.total for row in self.regions)

    def reports_in(self, year_index: int) -> int:
        return sum(row.counts[year_index] for row in self.regions)


def collect(archive: Archive) -> Stats:
    if not archive.issues:
        return Stats((), (), tuple(RegionRow(index.region, ()) for index in archive.regions))
    first, last = archive.issues[-1].year, archive.issues[0].year
    years = tuple(range(first, last + 1))  # a year without issues shows as 0, not as a missing bar
    per_year = {year: len(issues) for year, issues in archive.years}
    photos = {year: sum(len(issue.photos) for issue in issues) for year, issues in archive.years}
    rows = []
    for index in archive.regions:
        per_region_year = {year: len(entries) for year, entries in index.years}
        rows.append(RegionRow(index.region, tuple(per_region_year.get(year, 0) for year in years)))
    return Stats(years, tuple(per_year.get(year, 0) for year in years), tuple(rows),
                 tuple(photos.get(year, 0) for year in years))


def _num(value: float) -> str:
    """Coordinates with at most one decimal, formatted the same way on every machine."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _axis(maximum: int) -> tuple[int, int]:
    """(step, ticks): the smallest round step (1, 2, 5, 10, 20, 50, ...) that covers maximum in at most 5 ticks."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = magnitude * factor
            ticks = -(-maximum // step)  # ceiling division
            if ticks <= 5:
                return step, max(ticks, 1)
        magnitude *= 10


def _svg(chart_id: str, height: float, title: str, desc: str, body: list[str], width: float = WIDTH,
         scrolls: bool = False) -> Markup:
    """scrolls: in a box that scrolls sideways, drawn at least at its own size (wider than a phone:
    a province or municipality with many regions; or larger, with 大字) since shrinking it to fit
    would make its text unreadable."""
    size = f' style="--chart-width:{_num(width)}"' if scrolls else ""
    head = (
        f'<svg class="chart {chart_id}" viewBox="0 0 {_num(width)} {_num(height)}"{size} role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )
    svg = head + "".join(body) + "</svg>"
    if scrolls:
        svg = (f'<div class="chart-scroll" role="region" tabindex="0" aria-label="{escape(title)}（可左右滑动）">'
               f"{svg}</div>")
    return Markup(svg)


def issues_chart(stats: Stats) -> Markup:
    """Horizontal bars, one per year, oldest at the top, with the count at the end of each bar.
    Rows and margins leave room for the half-again larger text of 大字 (class "label", site.css): a year
    at 21 units is 54 units wide in a wide sans-serif."""
    label_w, value_w, row_h, bar_h, top, axis_h = 64.0, 48.0, 32.0, 18.0, 4.0, 30.0
    plot_w = WIDTH - label_w - value_w
    step, ticks = _axis(max(stats.issues, default=0))
    scale_max = step * ticks
    height = top + row_h * len(stats.years) + axis_h
    body: list[str] = []
    ticks_text: list[str] = []
    for tick in range(ticks + 1):  # gridlines and tick labels at every step of the axis
        x = label_w + plot_w * tick / ticks
        body.append(f'<line x1="{_num(x)}" y1="{_num(top)}" x2="{_num(x)}" y2="{_num(height - axis_h + 2)}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        ticks_text.append(f'<text x="{_num(x)}" y="{_num(height - 8)}">{step * tick}</text>')
    years, bars, counts = [], [], []  # grouped, so that what a row's parts share is said once
    for n, (year, count) in enumerate(zip(stats.years, stats.issues)):
        y = top + row_h * n
        years.append(f'<text x="{_num(label_w - 6)}" y="{_num(y + row_h / 2)}">{year}</text>')
        width = plot_w * count / scale_max
        if count:
            bars.append(f'<rect x="{_num(label_w)}" y="{_num(y + (row_h - bar_h) / 2)}" width="{_num(width)}" '
                        f'height="{_num(bar_h)}"/>')
        counts.append(f'<text x="{_num(label_w + width + 5)}" y="{_num(y + row_h / 2)}">{count}</text>')
    # dominant-baseline: a label stays centred on its row at whatever size 大字 gives it.
    body.append(f'<g class="label axis" font-size="12" fill="{MUTED}" text-anchor="middle">' + "".join(ticks_text) + "</g>")
    body.append(f'<g class="label" font-size="14" fill="{INK}" text-anchor="end" dominant-baseline="central">'
                + "".join(years) + "</g>")
    body.append(f'<g fill="{BAR}">' + "".join(bars) + "</g>")
    body.append(f'<g class="label" font-size="14" fill="{INK}" font-weight="bold" dominant-baseline="central">'
                + "".join(counts) + "</g>")
    busiest = max(zip(stats.issues, stats.years))
    desc = (f"条形图：{stats.years[0]}年至{stats.years[-1]}年每年出版的期数，共 {stats.total_issues} 期；"
            f"最多的是 {busiest[1]}年，{busiest[0]} 期。各年数字见下表。")
    return _svg("chart-issues", height, "各年出版期数", desc, body)


def _shade(count: int, maximum: int) -> int:
    """Index into SHADES: five equal bands of 1..maximum, the maximum always in the darkest."""
    return -(-count * len(SHADES) // maximum) - 1  # ceil(count / maximum * 5) - 1


def shade_bands(stats: Stats) -> tuple[tuple[str, str], ...]:
    """(colour, range) of each band of the heat map, for its legend; bands with no whole number left out."""
    maximum = max((c for row in stats.regions for c in row.counts), default=0)
    if not maximum:
        return ()
    bands: dict[int, list[int]] = {}
    for count in range(1, maximum + 1):
        bands.setdefault(_shade(count, maximum), []).append(count)
    return tuple((SHADES[i], f"{v[0]}" if len(v) == 1 else f"{v[0]}–{v[-1]}") for i, v in sorted(bands.items()))


LABEL_SLANT = 0.7071  # sin and cos of the 45° at which the heat map's column labels rise


def regions_chart(stats: Stats) -> Markup:
    """Heat map: a row per year, a column per region, the count in each cell. The regions' short names
    rise at 45° over their columns, read as a line (not one character under another), as charts here do."""
    label_w, cell_w, cell_h, font = 40.0, 22.0, 24.0, 13.0
    names = [row.region.short or row.region.name for row in stats.regions]
    reach = [len(name) * font * LABEL_SLANT + 4 for name in names]  # a label's rise, and its run to the right
    header_h = max(reach, default=0) + 14  # and the glyphs' height, which the slant turns partly upwards
    height = header_h + cell_h * len(stats.years) + 2
    maximum = max((c for row in stats.regions for c in row.counts), default=0)
    body: list[str] = []
    labels: list[str] = []
    for col, name in enumerate(names):
        x, y = label_w + cell_w * col + cell_w / 2 + 2, header_h - 6  # the glyphs stand above the baseline: centred
        labels.append(f'<text x="{_num(x)}" y="{_num(y)}" transform="rotate(-45 {_num(x)} {_num(y)})">{escape(name)}</text>')
    body.append(f'<g font-size="{_num(font)}" fill="{INK}">' + "".join(labels) + "</g>")
    # A row per year makes a long archive's heat map thousands of cells: what they share is
    # said once on a group (inherited presentation attributes), so each cell stays short.
    cells: list[str] = []
    numbers: list[str] = []
    years: list[str] = []
    for n, year in enumerate(stats.years):
        y = header_h + cell_h * n
        years.append(f'<text x="{_num(label_w - 5)}" y="{_num(y + cell_h / 2 + 5)}">{year}</text>')
        for col, row in enumerate(stats.regions):
            count = row.counts[n]
            x = label_w + cell_w * col
            shade = _shade(count, maximum) if count else None
            fill = SHADES[shade] if shade is not None else EMPTY
            cells.append(f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(cell_w)}" height="{_num(cell_h)}" fill="{fill}"/>')
            if count:
                colour = "#ffffff" if shade >= len(SHADES) - DARK_SHADES else INK
                numbers.append(f'<text x="{_num(x + cell_w / 2)}" y="{_num(y + cell_h / 2 + 4.5)}" fill="{colour}">{count}</text>')
    body.append(f'<g font-size="13" fill="{INK}" text-anchor="end">' + "".join(years) + "</g>")
    body.append('<g class="cells" stroke="#ffffff" stroke-width="1.5">' + "".join(cells) + "</g>")
    body.append('<g class="counts" font-size="12.5" text-anchor="middle">' + "".join(numbers) + "</g>")
    leader = max(stats.regions, key=lambda r: r.total)
    desc = (f"热力图：{stats.years[0]}年至{stats.years[-1]}年各地区每年在简报中的报告篇数，每行一年，每列一个地区，"
            f"颜色越深篇数越多，共 {stats.total_reports} 篇；合计最多的是{leader.region.name}，{leader.total} 篇。"
            f"各地各年数字见下表。")
    ends = [label_w + cell_w * col + cell_w / 2 + run for col, run in enumerate(reach)]
    width = max(WIDTH, label_w + cell_w * len(stats.regions) + 2, *ends)
    return _svg("chart-regions", height, "各地每年报告篇数", desc, body, width, scrolls=True)
