"""Read and parse: a project folder -> its settings, gazetteer and frozen, validated issues (the
first stages of the pipeline, which build.py runs). Apart from build.py so that a build with nothing
to do, stopped by the inputs' identities, loads neither the parser nor the settings' schema."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from guanxin_site import PARSER_VERSION, __version__
from guanxin_site.cache import CacheFolder, Identity, identity, open_cache
from guanxin_site.clock import bulletin_today
from guanxin_site.config import CONFIG_FILE, SiteConfig, load_config
from guanxin_site.errors import ContentError, ContentErrors
from guanxin_site.gazetteer import Gazetteer, GazetteerError
from guanxin_site.models import Issue
from guanxin_site.parse_cache import ParseCache
from guanxin_site.parser import parse_issue
from guanxin_site.reader import issue_files, read_source
from guanxin_site.records import decode_issue, encode_issue
from guanxin_site.validate import archive_errors, archive_warnings
from guanxin_site.workers import process_map


@dataclass(frozen=True)
class Project:
    """Everything read and checked from a project directory, ready to organise."""

    config: SiteConfig
    gazetteer: Gazetteer
    issues: tuple[Issue, ...]
    warnings: tuple[ContentError, ...]
    drafts_waiting: tuple[str, ...]  # draft files left out of this build
    cache_problem: str | None = None  # why the parse cache could not be written (cache.write_problem)


def load_site_config(project_dir: Path, base_url: str | None) -> tuple[SiteConfig, Gazetteer]:
    config = load_config(project_dir)
    if base_url is not None:
        try:
            config = config.with_base_url(base_url)
        except ValueError as exc:
            raise ContentErrors([ContentError("--base-url", None, str(exc))]) from None
    own_file = Gazetteer.file_in(project_dir, config.gazetteer)
    try:
        gazetteer = Gazetteer.load(str(own_file) if own_file else config.gazetteer).with_units(config.units)
    except GazetteerError as exc:
        raise ContentErrors([ContentError(CONFIG_FILE, _setting_line(project_dir, "gazetteer"),
                                          f"地名表设置 gazetteer: {config.gazetteer} 有误：{exc}")]) from None
    return config.with_area(gazetteer.publisher), gazetteer


def _setting_line(project_dir: Path, key: str) -> int | None:
    """The line of a setting in site.yaml, for a message about its value."""
    try:
        lines = (project_dir / CONFIG_FILE).read_text(encoding="utf-8-sig").split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    return next((n for n, line in enumerate(lines, 1) if line.startswith(f"{key}:")), None)


@dataclass
class _ParseTask:
    """Parsing one issue file (a task for workers.process_map: everything it needs, picklable)."""

    project_dir: Path
    gazetteer: Gazetteer
    config: SiteConfig
    resolved_dirs: dict = field(default_factory=dict)  # per process: folders already resolved (reader.read_source)

    def __call__(self, path: Path) -> tuple:
        source = read_source(path, self.project_dir, self.resolved_dirs)
        if isinstance(source, ContentError):
            return ("error", [source], False)
        try:
            return ("ok", parse_issue(source, self.project_dir, self.gazetteer, self.config.publisher), None)
        except ContentErrors as exc:  # exceptions with custom arguments do not survive pickling
            return ("error", exc.errors, exc.draft)

    def encoded(self, path: Path) -> tuple:
        """Parse in a worker and encode the issue there (records.py): this process decodes it and
        writes the same bytes to the parse cache, instead of encoding every issue a second time."""
        kind, payload, extra = self(path)
        if kind == "ok":
            return (kind, None, encode_issue(payload))
        return (kind, payload, extra)


def load_project(project_dir: Path, *, drafts: bool = False, base_url: str | None = None,
                 today: dt.date | None = None, use_cache: bool = False, jobs: int = 1,
                 files: list[tuple[str, str]] | None = None, identities: dict[str, Identity] | None = None,
                 cache_folder: CacheFolder | None = None) -> Project:
    """Read, parse and validate every input. Raises ContentErrors with every problem found.

    files and identities: the issue files as reader.issue_files lists them (name relative to the
    project, path) and their identities by path, if the caller has them already; strings, so that a
    build makes a Path only for the files it parses. cache_folder: the build's (cache.open_cache);
    the parse cache is used only if it is the project's."""
    project_dir = project_dir.resolve()
    config, gazetteer = load_site_config(project_dir, base_url)
    files = issue_files(project_dir) if files is None else files
    cache_key = f"{__version__}\0{PARSER_VERSION}\0{gazetteer.fingerprint}\0{config.publisher}"
    if use_cache:
        cache_folder = cache_folder or open_cache(project_dir)
        use_cache = cache_folder.persistent
    cache = ParseCache.load(cache_folder.path, cache_key) if use_cache else ParseCache(cache_key)

    results: dict[str, tuple] = {}  # by the file's name relative to the project
    identities = identities if identities is not None else {path: identity(path) for _, path in files}
    for rel, path in files:
        cached = cache.get(rel, identities[path], project_dir)
        if cached is not None:
            results[rel] = ("ok", cached, None)
    todo = [(rel, path) for rel, path in files if rel not in results]
    task = _ParseTask(project_dir, gazetteer, config)
    try:
        if use_cache:
            cache.stream_base(cache_folder.path)  # a cold parse writes the cache as results arrive
        for index, (kind, payload, extra) in process_map(task, [Path(path) for _, path in todo], jobs,
                                                         child_task=task.encoded):
            rel, path = todo[index]
            if kind == "ok":
                payload = payload if extra is None else decode_issue(extra)
                cache.put(rel, identities[path], payload, project_dir, extra)
            results[rel] = (kind, payload, None if kind == "ok" else extra)  # the encoded bytes are in the cache now
        if use_cache:
            cache.save(cache_folder.path, set(results))
    finally:
        cache.discard_stream()

    errors: list[ContentError] = []
    warnings: list[ContentError] = []
    issues: list[Issue] = []
    waiting: list[str] = []
    for rel, _ in files:
        kind, payload, is_draft = results[rel]
        if kind == "error":
            if is_draft and not drafts:
                waiting.append(rel)
                warnings.extend(payload)
            else:
                errors.extend(payload)
        elif payload.draft and not drafts:
            waiting.append(payload.source)
        else:
            issues.append(payload)
    errors.extend(archive_errors(issues))
    if errors:
        raise ContentErrors(errors)
    warnings.extend(archive_warnings(issues, today or bulletin_today(), config.known_gaps))
    return Project(config, gazetteer, tuple(issues), tuple(warnings), tuple(waiting), cache.problem)
