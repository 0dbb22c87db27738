"""`guanxin-site check`: every validation of build, plus what build only warns about.

Each file is parsed on its own (not through load_project, which stops at the first
failing stage), so one broken file does not hide the archive-wide problems of the
others. Drafts are treated as build treats them: their problems are listed as what
is left to finish, not as failures. Returns data; the CLI prints it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from guanxin_site.loader import load_site_config
from guanxin_site.errors import ContentError, ContentErrors, located
from guanxin_site.linkcheck import check_site
from guanxin_site.models import Issue
from guanxin_site.parser import parse_issue
from guanxin_site.config import CONFIG_FILE
from guanxin_site.reader import ISSUES_DIR, SourceFile, discover, read_source
from guanxin_site.scaffold import read_numbering
from guanxin_site.clock import bulletin_today
from guanxin_site.validate import archive_errors, archive_warnings, draft_conflicts

JSON_SCHEMA_VERSION = 1

# Problem kinds, for CI and for grouping:
FILE = "file"  # one file (or site.yaml) is wrong; build refuses it
ARCHIVE = "archive"  # the files contradict each other (duplicate issue, totals); build refuses
ARCHIVE_WARNING = "archive-warning"  # numbering gap, date going backwards or in the future, a draft's number,
# total or date taken by another file; build only warns (or, for drafts, leaves them out)
LINK = "link"  # a link or #anchor of the built site leads nowhere
PROOFREAD = "proofread"  # imported by OCR and not yet proof-read (proofread: false); build publishes it
PLACEMENT = "placement"  # a paragraph opens like the report of another region, or of a unit the gazetteer does not
# know; build publishes it


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str
    kind: str

    def __str__(self) -> str:
        return located(self.path, self.line, self.message)

    def to_json(self) -> dict:
        return {"path": self.path, "line": self.line, "message": self.message, "kind": self.kind}


@dataclass(frozen=True)
class Draft:
    """A draft left out of the build, with what is still unfinished in it (if anything)."""

    path: str
    unfinished: tuple[ContentError, ...]

    def to_json(self) -> dict:
        return {"path": self.path, "unfinished": [{"line": e.line, "message": e.message} for e in self.unfinished]}


@dataclass(frozen=True)
class CheckReport:
    issues: int  # issues that would be published
    problems: tuple[Problem, ...]
    drafts: tuple[Draft, ...]
    site_pages: int | None = None  # pages whose links were checked (None: no --site)
    files: int = 0  # issue files checked: published, refused and drafts

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return {
            "schema": JSON_SCHEMA_VERSION,
            "ok": self.ok,
            "issues": self.issues,
            "problems": [p.to_json() for p in self.problems],
            "drafts": [d.to_json() for d in self.drafts],
            "site_pages": self.site_pages,
            "files": self.files,
        }


def _as_problems(errors: list[ContentError], kind: str) -> list[Problem]:
    return [Problem(e.path, e.line, e.message, kind) for e in errors]


def _stand_in(source: SourceFile, publisher: str) -> Issue | None:
    """An issue file that does not parse still has its place in the numbering, if its front
    matter says which: without it, a typo in a heading would also be reported as a missing issue."""
    known = read_numbering(source.rel, source.data)
    if isinstance(known, ContentError):
        return None
    return Issue(source=source.rel, digest=source.digest, number=known.number, date=known.date, title="",
                 publisher=publisher, total=known.total, lines=known.lines)


@dataclass
class _Parsed:
    issues: list[Issue] = field(default_factory=list)  # would be published
    stand_ins: list[Issue] = field(default_factory=list)  # the numbering of files that did not parse
    drafts: list[Draft] = field(default_factory=list)
    draft_numbering: list[Issue] = field(default_factory=list)  # the numbering of drafts, where readable
    problems: list[Problem] = field(default_factory=list)
    files: int = 0


def _parse_files(project_dir: Path, config, gazetteer) -> _Parsed:
    """Parse every issue file as build does (drafts left out, their problems not fatal)."""
    parsed = _Parsed()
    issues, stand_ins, problems, drafts = parsed.issues, parsed.stand_ins, parsed.problems, parsed.drafts
    for path in discover(project_dir):
        parsed.files += 1
        source = read_source(path, project_dir)
        if isinstance(source, ContentError):
            problems += _as_problems([source], FILE)
            continue
        try:
            issue = parse_issue(source, project_dir, gazetteer, config.publisher)
        except ContentErrors as exc:
            if exc.draft:
                drafts.append(Draft(source.rel, tuple(exc.errors)))
                parsed.draft_numbering += [i for i in (_stand_in(source, config.publisher),) if i is not None]
                continue
            problems += _as_problems(exc.errors, FILE)
            stand_in = _stand_in(source, config.publisher)
            if stand_in is not None:
                stand_ins.append(stand_in)
            continue
        if issue.draft:
            drafts.append(Draft(issue.source, ()))
            parsed.draft_numbering.append(issue)
        else:
            issues.append(issue)
    return parsed


def _placement_problems(issue: Issue, project_dir: Path, gazetteer, data: bytes | None = None) -> list[Problem]:
    """Paragraphs that open the way a report does but are published elsewhere: with another region's name and
    关工委 (齐齐哈尔关工委… inside 大庆市's report, or in the lead), or with a name the gazetteer does not know
    (白成市关工委…, 长白山管委会关工委…: a typo, or a unit of its own).
    data: the file's bytes, when they are not (yet) what is on disk (the desk checks what is being typed)."""
    from guanxin_site.parser import normalize_newlines, split_front_matter

    try:
        data = (project_dir / issue.source).read_bytes() if data is None else data
        text = normalize_newlines(data.decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return []
    split = split_front_matter(text)
    if split is None:
        return []
    headings = {report.line: report.region.name for report in issue.reports}
    problems = []
    previous, fenced, current = "", False, None  # current: the region of the report being read (None: the lead)
    for number, line in enumerate(split.body.split("\n"), split.body_line):
        current = headings.get(number, current)
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        starts = not fenced and not previous.strip() and line.strip()
        previous = line
        if starts:
            problem = _placement_problem(line, current, gazetteer)
            if problem is not None:
                problems.append(Problem(issue.source, number, problem, PLACEMENT))
    return problems


def _placement_problem(paragraph: str, current: str | None, gazetteer) -> str | None:
    """What is wrong with where a paragraph (its first line) stands, in Chinese; None when nothing."""
    opening = gazetteer.opening(paragraph)
    where = f"现在在{current}的报道里" if current is not None else "现在在导语里（第一个“##”之前）"
    if opening is not None:
        if not opening.unit or current in opening.regions:
            return None
        if opening.region is None:
            return (f"这一段以“{opening.said}”开头，像是一篇报道，但{opening.doubt}，{where}；"
                    "请对照原件核对，放到正确的地区下")
        return (f"这一段以“{opening.said}”开头，像是{opening.region}的报道，{where}；请对照原件核对，"
                f"如果是{opening.region}的报道，请把它移到“## {opening.region}”下")
    unit = gazetteer.unknown_unit_at_start(paragraph)
    if unit is None:
        return None
    hint = gazetteer.suggest_region(unit)
    return (f"这一段以“{unit}关工委”开头，像是一篇报道，但“{unit}”不在地名表中"
            f"{f'（是不是“{hint}”？）' if hint else ''}，{where}；如果是错字，请改正并移到"
            f"“## {hint or '地区名'}”下；如果它是地名表以外的单位，请在 site.yaml 的 units 中加上“{unit}”，"
            f"再把这一段放到“## {unit}”下")


def _unproofread(issue: Issue) -> Problem:
    original = next((a.name for a in issue.attachments if a.name.lower().endswith(".pdf")), None)
    against = f"附件 {original}" if original else "原件"
    return Problem(issue.source, issue.line_of("proofread"),
                   f"这一期是用文字识别（OCR）从扫描件读出的，还没有校对：请对照{against}逐段核对文字，"
                   "改正后删除“proofread: false”这一行", PROOFREAD)


def _site_problems(site: Path) -> tuple[int, list[Problem]]:
    shown = site.as_posix().rstrip("/")
    if not (site / "index.html").is_file():
        return 0, [Problem(shown, None, "这里没有生成好的网站（找不到 index.html）；请先运行 guanxin-site build，或检查 --site 后面的文件夹", LINK)]
    pages, broken = check_site(site)
    return pages, [Problem(f"{shown}/{b.page}", None, f"链接“{b.href}”无效：{b.reason}；请重新运行 guanxin-site build，"
                           "如果仍然出现，请检查自定义模板中的链接", LINK) for b in broken]


def check_project(project_dir: Path, *, today: dt.date | None = None, site: Path | None = None) -> CheckReport:
    """Check the project (and a built site, if given). Never raises for content problems."""
    project_dir = project_dir.resolve()
    today = today or bulletin_today()
    site_pages, site_problems = _site_problems(site) if site is not None else (None, [])
    if not (project_dir / ISSUES_DIR).is_dir() and not (project_dir / CONFIG_FILE).is_file():
        lost = Problem(project_dir.as_posix(), None, f"这里没有 {ISSUES_DIR}/ 文件夹，也没有 {CONFIG_FILE}，不像是简报网站的项目目录；"
                       "请在项目目录中运行，或用 --source 指定项目目录（新项目请先运行 guanxin-site init）", FILE)
        return CheckReport(0, (lost, *site_problems), (), site_pages)
    try:
        config, gazetteer = load_site_config(project_dir, None)
    except ContentErrors as exc:  # without site.yaml's gazetteer no issue can be checked
        return CheckReport(0, tuple(_as_problems(exc.errors, FILE) + site_problems), (), site_pages)
    parsed = _parse_files(project_dir, config, gazetteer)
    numbered = parsed.issues + parsed.stand_ins
    problems = list(parsed.problems)
    problems += _as_problems(archive_errors(numbered), ARCHIVE)
    problems += _as_problems(archive_warnings(numbered, today, config.known_gaps), ARCHIVE_WARNING)
    problems += _as_problems(draft_conflicts(parsed.draft_numbering, numbered), ARCHIVE_WARNING)
    problems += [_unproofread(issue) for issue in parsed.issues if not issue.proofread]
    problems += [p for issue in parsed.issues for p in _placement_problems(issue, project_dir, gazetteer)]
    problems.sort(key=lambda p: (p.path, p.line or 0, p.message))
    return CheckReport(len(parsed.issues), tuple(problems + site_problems), tuple(parsed.drafts), site_pages,
                       files=parsed.files)


stand_in = _stand_in  # the desk's numbering of the files it is not editing


def check_one(project_dir: Path, source: SourceFile, config, gazetteer, others: list[Issue], drafts: list[Issue],
              today: dt.date) -> tuple[Problem, ...]:
    """What `check` reports about one file, among the numbering of the other files (`others`: the
    published ones, `drafts`: the drafts; stand-ins will do): the desk checks the text an editor is
    typing, before it is saved, with exactly the checks of `check`."""
    mine = (source.rel,)
    try:
        issue = parse_issue(source, project_dir, gazetteer, config.publisher)
    except ContentErrors as exc:
        problems = _as_problems(exc.errors, FILE)
        numbered = _stand_in(source, config.publisher)
        if numbered is not None and not exc.draft:
            problems += _as_problems([e for e in archive_errors([*others, numbered]) if e.path in mine], ARCHIVE)
        return tuple(sorted(problems, key=lambda p: (p.line or 0, p.message)))
    if issue.draft:
        return tuple(_as_problems(draft_conflicts([issue], [*others, *drafts]), ARCHIVE_WARNING))
    numbered = [*others, issue]
    problems = _as_problems([e for e in archive_errors(numbered) if e.path in mine], ARCHIVE)
    problems += _as_problems([e for e in archive_warnings(numbered, today, config.known_gaps) if e.path in mine],
                             ARCHIVE_WARNING)
    if not issue.proofread:
        problems.append(_unproofread(issue))
    problems += _placement_problems(issue, project_dir, gazetteer, source.data)
    return tuple(sorted(problems, key=lambda p: (p.line or 0, p.message)))
