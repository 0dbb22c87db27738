"""`guanxin-site new`: the next issue file, numbered from the archive, ready to fill in.

The file is a draft (draft: true) whose title is empty and whose body holds only
instructions that render to nothing, so the parser rejects it until the editor has
filled it in: while it is a draft, build and check only say that a draft is waiting;
once the editor removes draft: true, an unfinished file stops the build instead of
publishing an empty page.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
import os
from pathlib import Path

from guanxin_site.errors import ContentError, OutputError
from guanxin_site.fsutil import BACKUP_SUFFIX, backup_path, sync_directory, write_file
from guanxin_site.models import issue_label
from guanxin_site.parser import date_from_text, normalize_newlines, split_front_matter
from guanxin_site.reader import ISSUES_DIR, discover, read_source
from guanxin_site.yamlmap import YamlError, load_mapping


@dataclass(frozen=True)
class KnownIssue:
    """What numbering needs from an issue file: read from its front matter only."""

    source: str
    number: int
    date: dt.date
    total: int | None
    lines: tuple[tuple[str, int], ...] = ()  # front-matter key -> line

    @property
    def key(self) -> tuple[int, int]:
        return (self.date.year, self.number)


@dataclass(frozen=True)
class NewIssue:
    path: Path
    rel: str  # relative to the project, forward slashes
    number: int
    total: int | None
    date: dt.date
    skipped: tuple[ContentError, ...]  # files whose number or date could not be read

    @property
    def label(self) -> str:
        return issue_label(self.date.year, self.number, self.total)


def issue_path(project_dir: Path, year: int, number: int) -> Path:
    """Where an issue lives: issues/<year>/<number, three digits>.md, as the shipped issues."""
    return project_dir / ISSUES_DIR / str(year) / f"{number:03d}.md"


def write_new_file(path: Path, text: str, *, overwrite: bool = False) -> Path | None:
    """Write text as UTF-8 with LF line ends; refuse to replace a file unless told to.
    Returns where the replaced version was kept (<name>.bak), if a file was replaced."""
    data = text.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    if not overwrite:
        try:
            with open(path, "xb") as handle:  # exclusive: a file that appeared meanwhile is not replaced
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except FileExistsError:
            raise OutputError(f"{path} 已经存在，没有覆盖") from None
        sync_directory(path.parent)
        return None
    current = _bytes_of(path)
    if current == data:  # the same import again: nothing is replaced, so the .bak keeps the editor's version
        return None
    _keep_older_backup(path, current)
    return write_file(path, data, backup=True)  # never half a file; the replaced version kept as <name>.bak


def _bytes_of(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _keep_older_backup(path: Path, current: bytes | None) -> None:
    """Before <name>.bak takes the version now replaced, move an older, different <name>.bak aside to
    <name>.1.bak, <name>.2.bak … (never over one): a second import --force of another file of the issue
    would otherwise replace the editor's hand-made version, kept by the first, with the first's import."""
    backup = backup_path(path)
    older = _bytes_of(backup)
    if older is None or older == current:
        return
    number = 1
    while (aside := path.with_name(f"{path.name}.{number}{BACKUP_SUFFIX}")).exists():
        number += 1
    write_file(aside, older)


def survey(project_dir: Path) -> tuple[list[KnownIssue], list[ContentError]]:
    """Number, date and total of every issue file, drafts and unfinished files included."""
    known: list[KnownIssue] = []
    skipped: list[ContentError] = []
    for path in discover(project_dir):
        source = read_source(path, project_dir)
        if isinstance(source, ContentError):
            skipped.append(source)
            continue
        issue = read_numbering(source.rel, source.data)
        if isinstance(issue, ContentError):
            skipped.append(issue)
        else:
            known.append(issue)
    return known, skipped


def read_numbering(rel: str, data: bytes) -> KnownIssue | ContentError:
    """Number, date and total from a file's front matter, whatever the state of the rest of it."""
    entries = front_entries(data)
    known = numbering(rel, entries) if entries is not None else None
    if known is None:
        return ContentError(rel, 1, "读不出这个文件的 number 和 date，计算下一期的期号时没有算进去；请运行 guanxin-site check 查看原因")
    return known


def front_entries(data: bytes) -> dict | None:
    """The front matter's settings of a file (as the build reads them), or None if they cannot be read."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    split = split_front_matter(normalize_newlines(text))  # exactly as the build reads it
    if split is None:
        return None
    try:
        return load_mapping(split.front, first_line=2)
    except YamlError:
        return None


def numbering(rel: str, entries: dict) -> KnownIssue | None:
    """Number, date and total from front-matter settings, or None if number or date is unusable."""
    number = _value(entries, "number")
    total = _value(entries, "total")
    date = _value(entries, "date")
    if isinstance(date, str):
        date = date_from_text(date)  # as the parser reads it: 2024-4-12 too
    if not _is_count(number) or not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        return None
    lines = tuple((key, entry.line) for key, entry in entries.items())
    return KnownIssue(rel, number, date, total if _is_count(total) else None, lines)


def _value(entries: dict, key: str):
    entry = entries.get(key)
    return entry.value if entry is not None else None


def _is_count(value) -> bool:
    return type(value) is int and value >= 1


def next_numbers(known: list[KnownIssue], date: dt.date) -> tuple[int, int | None]:
    """(number, total) of the issue published on `date`.

    The number follows the last issue of that year (1 in a new year). The total follows
    the year's own total - number offset when the year has totals; otherwise, for an
    issue after the whole archive, the last total plus the issues published since it.
    """
    same_year = [i for i in known if i.date.year == date.year]
    number = max((i.number for i in same_year), default=0) + 1
    with_total = [i for i in same_year if i.total is not None]
    if with_total:
        latest = max(with_total, key=lambda i: i.key)
        return number, number + latest.total - latest.number
    if any(i.key >= (date.year, number) for i in known):
        return number, None  # an issue for an earlier year: its total cannot be worked out
    totals = [i for i in known if i.total is not None]
    if not totals:
        return number, None
    last = max(totals, key=lambda i: i.key)
    published_since = sum(1 for i in known if i.key > last.key)
    return number, last.total + published_since + 1


def template(number: int, total: int | None, date: dt.date, examples: str = "") -> str:
    """The new file. Its guidance is in YAML comments and in Markdown link definitions,
    which show nowhere on the site, so an editor who leaves them in publishes nothing odd."""
    if total is not None:
        total_line = f"total: {total}\n"
    else:
        total_line = "# total: 总第几期（可选）：知道时删掉这一行开头的“# ”，再把冒号后面改成数字，例如 total: 510\n"
    return (
        "---\n"
        f"number: {number}\n"
        f"{total_line}"
        f"date: {date.isoformat()}\n"
        "title:  # ← 在冒号后面写上本期标题，例如 title: 全省各地关工委认真学习贯彻省关工委第33次全委会议精神\n"
        "draft: true  # ← 草稿：用 guanxin-site serve --drafts 预览（不加 --drafts 看不到草稿）；写完无误后删除这一整行，本期才会发布\n"
        "---\n"
        "\n"
        f"[//]: # (在下面写各地区的报道。每个地区以单独一行“## 地区全称”开头{'，例如' + examples if examples else ''}。)\n"
        "[//]: # (地区标题下面空一行写正文，段落之间空一行。以“[//]: #”开头的说明行不会出现在网站上，可以删除。)\n"
        "\n"
    )


def create_issue(project_dir: Path, date: dt.date, examples: str = "") -> NewIssue:
    """Write the next issue file for `date`; `examples` are region headings of the project's
    gazetteer for the guidance line (“## 黑河市”). Raises OutputError if that file exists."""
    known, skipped = survey(project_dir)
    number, total = next_numbers(known, date)
    path = issue_path(project_dir, date.year, number)
    rel = path.relative_to(project_dir).as_posix()
    try:
        write_new_file(path, template(number, total, date, examples))
    except OutputError:
        why = ("它的开头读不出期号和日期" if any(e.path == rel for e in skipped)
               else "它开头写的期号或日期与文件名不一致")
        raise OutputError(f"{rel} 已经存在，没有覆盖：{why}。请打开它核对 number 和 date（或删除这个文件），"
                          "再运行 guanxin-site new") from None
    return NewIssue(path, rel, number, total, date, tuple(skipped))
