"""The pipeline: read -> parse -> organise -> plan -> render -> write.

Nothing here prints or exits; the CLI shows progress through a callback and
turns the exceptions into messages and exit codes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from guanxin_site import __version__
from guanxin_site.archive import Archive, organise
from guanxin_site.config import SiteConfig, load_config
from guanxin_site.errors import ContentError, ContentErrors
from guanxin_site.gazetteer import Gazetteer, GazetteerError
from guanxin_site.models import Issue
from guanxin_site.parser import PARSER_VERSION, parse_issue
from guanxin_site.planner import Page, plan
from guanxin_site.reader import discover, read_source
from guanxin_site.render import make_environment, render_page, theme_digest, theme_dirs
from guanxin_site.validate import archive_errors, archive_warnings
from guanxin_site.writer import SiteWriter, output_lock

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class Project:
    """Everything read and checked from a project directory, ready to organise."""

    config: SiteConfig
    gazetteer: Gazetteer
    issues: tuple[Issue, ...]
    warnings: tuple[ContentError, ...]
    drafts_waiting: tuple[str, ...]  # draft files left out of this build


@dataclass(frozen=True)
class BuildResult:
    issues: int
    pages: int
    written: int  # files whose bytes changed
    rendered: int  # pages rendered (the rest were reused from the previous build)
    changed: bool  # False: the output was left exactly as it was
    seconds: float
    warnings: tuple[ContentError, ...] = ()
    drafts_waiting: tuple[str, ...] = ()
    left_out: tuple[str, ...] = field(default=())  # outputs skipped, with the reason


def load_project(project_dir: Path, *, drafts: bool = False, base_url: str | None = None,
                 today: dt.date | None = None) -> Project:
    """Read, parse and validate every input. Raises ContentErrors with every problem found."""
    config = load_config(project_dir)
    if base_url is not None:
        try:
            config = config.with_base_url(base_url)
        except ValueError as exc:
            raise ContentErrors([ContentError("--base-url", None, str(exc))]) from None
    try:
        gazetteer = Gazetteer.load(config.gazetteer)
    except GazetteerError as exc:
        raise ContentErrors([ContentError("site.yaml", None, f"无法载入地名表“{config.gazetteer}”（{exc}）")]) from None

    errors: list[ContentError] = []
    warnings: list[ContentError] = []
    issues: list[Issue] = []
    waiting: list[str] = []
    for path in discover(project_dir):
        source = read_source(path, project_dir)
        if isinstance(source, ContentError):
            errors.append(source)
            continue
        try:
            issue = parse_issue(source, project_dir, gazetteer, config.publisher)
        except ContentErrors as exc:
            if exc.draft and not drafts:
                waiting.append(source.rel)
                warnings.extend(exc.errors)
            else:
                errors.extend(exc.errors)
            continue
        if issue.draft and not drafts:
            waiting.append(issue.source)
            continue
        issues.append(issue)
    errors.extend(archive_errors(issues))
    if errors:
        raise ContentErrors(errors)
    warnings.extend(archive_warnings(issues, today or dt.date.today()))
    return Project(config, gazetteer, tuple(issues), tuple(warnings), tuple(waiting))


def _build_key(project: Project, themes_digest: str, drafts: bool) -> str:
    """Everything besides a page's own deps that can change any page."""
    parts = (__version__, PARSER_VERSION, themes_digest, project.config.digest, str(project.config.base_url),
             str(drafts), project.gazetteer.fingerprint)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _fingerprint(build_key: str, page: Page) -> str:
    h = hashlib.sha256(build_key.encode())
    for part in (page.url, page.template, *page.deps):
        h.update(b"\0" + part.encode())
    return h.hexdigest()


def build(project_dir: Path, output_dir: Path, *, drafts: bool = False, base_url: str | None = None,
          today: dt.date | None = None, progress: Progress | None = None) -> BuildResult:
    started = time.perf_counter()
    project_dir = project_dir.resolve()
    project = load_project(project_dir, drafts=drafts, base_url=base_url, today=today)
    archive = organise(list(project.issues), project.gazetteer)
    pages = plan(archive, project.config)
    dirs = theme_dirs(project_dir)
    build_key = _build_key(project, theme_digest(dirs), drafts)
    env = make_environment(project_dir, project.config)

    with output_lock(output_dir), SiteWriter(output_dir, project_dir) as writer:
        previous_pages = writer.previous.get("pages", {})
        fingerprints: dict[str, str] = {}
        rendered = 0
        for done, page in enumerate(pages, 1):
            fingerprint = fingerprints[page.url] = _fingerprint(build_key, page)
            if previous_pages.get(page.url) != fingerprint or not writer.keep(page.output_path):
                writer.put(page.output_path, render_page(env, page))
                rendered += 1
            if progress and (done % 200 == 0 or done == len(pages)):
                progress("render", done, len(pages))
        _write_static(writer, dirs)
        _write_attachments(writer, archive, project_dir)
        changed = writer.commit({"pages": dict(sorted(fingerprints.items()))})
    return BuildResult(
        issues=len(archive.issues), pages=len(pages), written=writer.written, rendered=rendered,
        changed=changed, seconds=time.perf_counter() - started, warnings=project.warnings,
        drafts_waiting=project.drafts_waiting,
    )


def _write_static(writer: SiteWriter, dirs: list[Path]) -> None:
    """Copy static/ of the theme; a project's file overrides the bundled one of the same name."""
    seen: set[str] = set()
    for d in dirs:
        static = d / "static"
        if not static.is_dir():
            continue
        for path in sorted(p for p in static.rglob("*") if p.is_file()):
            rel = "static/" + path.relative_to(static).as_posix()
            if rel not in seen:
                seen.add(rel)
                writer.put(rel, path.read_bytes())


def _write_attachments(writer: SiteWriter, archive: Archive, project_dir: Path) -> None:
    for issue in archive.issues:
        for attachment in issue.attachments:
            rel = issue.url + attachment.name
            if writer.previous_files.get(rel) != attachment.digest or not writer.keep(rel):
                writer.put(rel, (project_dir / attachment.source).read_bytes())
