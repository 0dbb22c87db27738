"""Archive-wide checks: problems that no single file shows on its own.

Errors stop a build (two files claim the same issue; totals contradict each other).
Warnings are reported by `build` and are errors for `check`, which is stricter.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from guanxin_site.errors import ContentError

if TYPE_CHECKING:
    from guanxin_site.models import Issue


def archive_errors(issues: list[Issue]) -> list[ContentError]:
    return _duplicates(issues) + _totals(issues)


def archive_warnings(issues: list[Issue], today: dt.date, known_gaps=()) -> list[ContentError]:
    """known_gaps: site.yaml's `known_gaps` (config.KnownGap): numbers recorded as missing for good."""
    return (_gaps(issues, known_gaps) + _dates_backwards(issues) + _future(issues, today) + _photos_undescribed(issues)
            + _gaps_that_are_not(issues, known_gaps))


def _photos_undescribed(issues: list[Issue]) -> list[ContentError]:
    """A photo with neither a description nor a caption: a screen reader can only say "image"."""
    return [ContentError(issue.source, photo.line,
                         f"图片“{photo.source.rsplit('/', 1)[-1]}”没有说明文字；请写成 ![说明文字](文件名)，"
                         "例如 ![黑河市关工委召开会议](会议照片.jpg)：使用读屏软件的读者靠它知道照片的内容，它也显示在照片下方")
            for issue in issues for photo in issue.photos if not photo.alt]


def draft_conflicts(drafts: list[Issue], issues: list[Issue]) -> list[ContentError]:
    """A draft whose issue number, total or date another file already has.

    Builds leave drafts out, so archive_errors never sees them; `new` run twice on one day
    makes two drafts of the same date. Each pair is reported once, on the draft (on the
    later file of two drafts)."""
    errors = []
    for draft in sorted(drafts, key=lambda i: i.source):
        others = [*issues, *(d for d in drafts if d.source < draft.source)]
        same = next((o for o in others if o.key == draft.key), None)
        if same is not None:
            errors.append(ContentError(draft.source, draft.line_of("number"),
                                       f"{draft.year}年第{draft.number}期重复：{same.source} 也是这一期；请改正其中一个的 number 或 date"))
        same = next((o for o in others if draft.total is not None and o.total == draft.total), None)
        if same is not None:
            errors.append(ContentError(draft.source, draft.line_of("total"),
                                       f"总期号 {draft.total} 与 {same.source} 相同；请改正其中一个的 total"))
        same = next((o for o in others if o.date == draft.date), None)
        if same is not None:
            errors.append(ContentError(draft.source, draft.line_of("date"),
                                       f"日期 {draft.date.isoformat()} 与 {same.source} 相同，两期简报不会是同一天；请核对 date"))
    return errors


def _duplicates(issues: list[Issue]) -> list[ContentError]:
    first: dict[tuple[int, int], Issue] = {}
    errors = []
    for issue in sorted(issues, key=lambda i: i.source):
        other = first.setdefault(issue.key, issue)
        if other is not issue:
            errors.append(ContentError(issue.source, issue.line_of("number"),
                                       f"{issue.year}年第{issue.number}期重复：{other.source} 也是这一期；请改正其中一个的 number 或 date"))
    return errors


def _by_year(issues: list[Issue]) -> dict[int, list[Issue]]:
    years: dict[int, list[Issue]] = defaultdict(list)
    for issue in sorted(issues, key=lambda i: i.key):
        years[issue.year].append(issue)
    return dict(sorted(years.items()))


def _totals(issues: list[Issue]) -> list[ContentError]:
    """Within a year total - number is constant; across years totals keep rising.

    The offset most issues of a year agree on is taken as right, so one wrong
    total is blamed on its own file rather than on both of its neighbours.
    """
    errors = []
    last_total: tuple[Issue, int] | None = None
    for year, members in _by_year(issues).items():
        numbered = [i for i in members if i.total is not None]
        if not numbered:
            continue
        offsets = Counter(i.total - i.number for i in numbered)
        offset = max(offsets.items(), key=lambda kv: (kv[1], -kv[0]))[0]
        for issue in numbered:
            if issue.total - issue.number != offset:
                errors.append(ContentError(issue.source, issue.line_of("total"),
                                           f"总期号 {issue.total} 与本年其他各期不连贯：{year}年第{issue.number}期应为总第{issue.number + offset}期"))
        first = min((i for i in numbered if i.total - i.number == offset), key=lambda i: i.number)
        if last_total and first.total <= last_total[1]:
            errors.append(ContentError(first.source, first.line_of("total"),
                                       f"总期号 {first.total} 不大于上一年最后一期（{last_total[0].label}）的总期号"))
        last = max((i for i in numbered if i.total - i.number == offset), key=lambda i: i.number)
        last_total = (last, last.total)
    return errors


def _gaps(issues: list[Issue], known_gaps=()) -> list[ContentError]:
    """The archive may begin mid-year, so its first year is counted from its first issue.
    Numbers site.yaml records as missing for good are not reported."""
    warnings = []
    years = _by_year(issues)
    recorded = {(gap.year, number) for gap in known_gaps for number in gap.numbers}
    for year, members in years.items():
        numbers = {i.number for i in members}
        start = min(numbers) if year == min(years) else 1
        missing = [n for n in range(start, max(numbers)) if n not in numbers and (year, n) not in recorded]
        if missing:
            after = next(i for i in members if i.number > missing[0])
            shown = "、".join(str(n) for n in missing[:20]) + ("……" if len(missing) > 20 else "")
            warnings.append(ContentError(after.source, after.line_of("number"),
                                         f"{year}年缺少第 {shown} 期；如果确实没有这一期（例如当年没有收到），"
                                         f"请在 site.yaml 的 known_gaps 中记下，例如“  - {year}年第{missing[0]}期：当年没有收到”"))
    return warnings


def _gaps_that_are_not(issues: list[Issue], known_gaps) -> list[ContentError]:
    """A number recorded as missing that the archive has after all: the record is out of date."""
    present = {issue.key: issue for issue in issues}
    return [ContentError("site.yaml", gap.line or None,
                         f"known_gaps 记下了缺{year}年第{number}期，但存档中有这一期（{present[(year, number)].source}）；"
                         "请从 known_gaps 中删去它")
            for gap in known_gaps for year, number in ((gap.year, n) for n in gap.numbers) if (year, number) in present]


def _dates_backwards(issues: list[Issue]) -> list[ContentError]:
    warnings = []
    for members in _by_year(issues).values():
        for before, after in zip(members, members[1:]):
            if after.date < before.date:
                warnings.append(ContentError(after.source, after.line_of("date"),
                                             f"日期 {after.date.isoformat()} 早于前一期（第{before.number}期，{before.date.isoformat()}）"))
    return warnings


def _future(issues: list[Issue], today: dt.date) -> list[ContentError]:
    return [future_warning(i.source, i.line_of("date"), i.date, today) for i in issues if i.date > today]


def future_warning(path: str, line: int | None, date: dt.date, today: dt.date) -> ContentError:
    return future_warning_on(path, line, date.isoformat(), today.isoformat())


def future_warning_on(path: str, line: int | None, day: str, today: str) -> ContentError:
    """future_warning with both dates in ISO form: a build with nothing to do makes these from the last
    build's summary, one per future-dated issue (thousands in a generated archive), without parsing dates."""
    return ContentError(path, line, f"日期 {day} 晚于今天（{today}）")
