"""`check`'s problems for the desk: for the text an editor is typing (placed next to the field, paragraph
or report a message's line belongs to), and for every issue of the list (its state).

Nothing here validates anything itself: the parser, checker and validate do, exactly as for `check`.
"""
from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from guanxin_site.loader import load_site_config
from guanxin_site.cache import identity
from guanxin_site.checker import ARCHIVE, FILE, PROOFREAD, Problem, check_one, check_project
from guanxin_site.clock import bulletin_today
from guanxin_site.config import CONFIG_FILE
from guanxin_site.desk.store import Entry, Store, digest_of
from guanxin_site.errors import ContentErrors
from guanxin_site.models import Issue
from guanxin_site.reader import SourceFile

# The list's states, in the order they matter to an editor (the first that applies is shown first).
DRAFT, UNPROOFREAD, PROBLEMS, PUBLISHED, READY = "draft", "unproofread", "problems", "published", "ready"
STATE_NAMES = {DRAFT: "草稿", UNPROOFREAD: "已导入，未校对", PROBLEMS: "有问题", PUBLISHED: "已发布", READY: "待发布"}
BUILT_ONLY = "已生成网站（未上传）"  # PUBLISHED when no target was set: built into site/, not deployed


def problems_of_text(store: Store, entry: Entry, data: bytes, targets: list) -> list[dict]:
    """What `check` would say about the file if it held data; each with where it belongs in the form."""
    try:
        config, gazetteer = load_site_config(store.project, None)
    except ContentErrors as exc:
        return [{"target": None, "line": None, "message": f"{CONFIG_FILE}：{e.message}"} for e in exc.errors]
    source = SourceFile(entry.path, entry.rel, data, digest_of(data))
    others, drafts = _numbering(store, entry)
    found = check_one(store.project, source, config, gazetteer, others, drafts, bulletin_today())
    shown = []
    for problem in found:
        target = _target(targets, problem.line)
        shown.append({"target": target, "line": problem.line, "message": editor_words(problem.message),
                      "kind": problem.kind})
    return shown


# The parser names front-matter keys; next to a form field the field's own label is clearer.
FIELD_LABELS = {"number": "期号", "total": "总期号", "date": "出版日期", "title": "标题", "publisher": "编印单位",
                "summary": "摘要", "draft": "草稿", "distribution": "报送单位"}


def editor_words(message: str) -> str:
    """A message as the desk shows it: a front-matter key the parser names (“number”) by the form's
    label for it (“期号”), wherever the message appears (beside the field, in the list, after publish)."""
    for key, label in FIELD_LABELS.items():
        message = message.replace(f"“{key}”", f"“{label}”")
    return message


def _target(targets: list, line: int | None):
    if line is None or not 1 <= line <= len(targets):
        return None
    return targets[line - 1]


def _numbering(store: Store, editing: Entry) -> tuple[list[Issue], list[Issue]]:
    """Stand-ins for every other issue file that names its issue: (published, drafts)."""
    others, drafts = [], []
    for entry in store.entries():
        if entry.rel == editing.rel or entry.year is None:
            continue
        stand_in = Issue(source=entry.rel, digest="", number=entry.number, date=dt.date.fromisoformat(entry.date),
                         title=entry.title, publisher="", total=entry.total)
        (drafts if entry.draft else others).append(stand_in)
    return others, drafts


class Listing:
    """Every issue with its states, from one `check` of the project, run again only when a file changed."""

    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._report = None

    def issues(self) -> list[dict]:
        entries = self.store.entries()
        with self._lock:
            key = (identity(self.store.project / CONFIG_FILE), tuple((e.rel, e.identity) for e in entries))
            if key != self._key:
                self._report = check_project(self.store.project)
                self._key = key
            report = self._report
        by_file: dict[str, list[Problem]] = {}
        for problem in report.problems:
            by_file.setdefault(problem.path, []).append(problem)
        drafts = {d.path: d for d in report.drafts}
        record = self.store.record("published")
        published = record.get("files", {}) if isinstance(record.get("files"), dict) else {}
        rows = [_row(e, by_file.get(e.rel, []), drafts.get(e.rel), published.get(e.rel), record.get("deployed") is True)
                for e in entries]
        rows.sort(key=lambda r: (r["date"], r["number"] or 0, r["rel"]), reverse=True)
        return rows


def _row(entry: Entry, problems: list[Problem], draft, published: str | None, deployed: bool) -> dict:
    states = []
    if entry.draft or draft is not None:
        states.append(DRAFT)
    if any(p.kind == PROOFREAD for p in problems):
        states.append(UNPROOFREAD)
    faults = [p for p in problems if p.kind != PROOFREAD] + list(draft.unfinished if draft is not None else ())
    if faults:
        states.append(PROBLEMS)
    digest = _file_digest(entry.path)
    if published is not None and published == digest:
        states.append(PUBLISHED)
    elif not states:
        states.append(READY)
    return {"id": entry.id, "rel": entry.rel, "year": entry.year, "number": entry.number, "total": entry.total,
            "date": entry.date, "title": entry.title, "states": states,
            "state_names": [BUILT_ONLY if s == PUBLISHED and not deployed else STATE_NAMES[s] for s in states],
            "problems": len(faults),
            "first_problem": _first(faults)}


def _first(faults) -> str:
    return editor_words(faults[0].message) if faults else ""


def _file_digest(path: Path) -> str:
    try:
        return digest_of(path.read_bytes())
    except OSError:
        return ""


def blocking(problems: list[dict]) -> int:
    """How many of the problems stop a build (a file's own problems and the archive's errors)."""
    return sum(1 for p in problems if p.get("kind") in (FILE, ARCHIVE))
