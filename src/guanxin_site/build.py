"""The pipeline: read -> parse -> organise -> plan -> render -> write.

Nothing here prints or exits; the CLI shows progress through a callback and
turns the exceptions into messages and exit codes.

Speed comes from doing less work: a build whose inputs did not change stops after
looking at file identities; unchanged files are not parsed again (cache.py);
pages whose inputs did not change are not rendered again (fingerprints in the
output manifest); large archives are parsed and rendered on every core.
"""
from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
import stat
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from guanxin_site import PARSER_VERSION, __version__
from guanxin_site.cache import (CACHE_DIR, identity, inputs_key, load_last_build, no_cache_warning, open_cache,
                                save_last_build, template_cache_dir)
from guanxin_site.errors import ContentError, ContentErrors, display_path
from guanxin_site.pages import Page
from guanxin_site.reader import ISSUES_DIR, issue_files
from guanxin_site.theme import TEMPLATES_DIR, theme_digest, theme_dirs
from guanxin_site.clock import bulletin_today
from guanxin_site.validate import future_warning, future_warning_on
from guanxin_site.workers import process_map, reusing_workers
from guanxin_site.writer import MANIFEST, OutputNameError, SiteWriter, Stager, output_lock, read_manifest

if TYPE_CHECKING:
    from guanxin_site.archive import Archive
    from guanxin_site.gazetteer import Gazetteer
    from guanxin_site.loader import Project
    from guanxin_site.render import Templates

PHOTOS_PER_WORKER = 4  # a photo takes a good part of a second to encode: forking pays from a few photos on

Progress = Callable[[str, int, int], None]  # (stage, done, total)


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
    left_out: tuple[str, ...] = ()  # outputs skipped, with the reason
    inputs_unchanged: bool = False  # stopped after comparing input identities: nothing read, parsed or checked
    photos: int = 0  # photo references published
    photos_made: int = 0  # photos whose renditions were made by this build (the rest came from the cache)


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def _build_key(project: Project, themes_digest: str, drafts: bool, editor_tools: bool) -> str:
    """Everything besides a page's own deps that can change any page."""
    parts = (__version__, PARSER_VERSION, themes_digest, project.config.digest, str(project.config.base_url),
             str(drafts), project.gazetteer.fingerprint, f"offline={project.config.offline}",
             f"editor_tools={editor_tools}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _fingerprint(keyed, page: Page) -> str:
    """The hash of the build key (keyed: a sha256 fed with it once per build, copied per page) and of
    the page's URL, template and deps, each after a NUL."""
    h = keyed.copy()
    h.update(("\0" + "\0".join((page.url, page.template, *page.deps))).encode())
    return h.hexdigest()


@dataclass(frozen=True)
class ProjectInputs:
    """Where a build reads a project: the one list that the nothing-changed check stats
    and that serve watches. Paths are absolute; they need not exist yet."""

    files: tuple[Path, ...]  # single files: site.yaml, and the project's own gazetteer file if it names one
    folders: tuple[Path, ...]  # folders read whole: issues/ (issue files, attachments) and templates/


def project_inputs(project_dir: Path) -> ProjectInputs:
    from guanxin_site.config import CONFIG_FILE, load_config  # not loaded by a build with nothing to do
    from guanxin_site.gazetteer import Gazetteer

    project_dir = project_dir.resolve()
    files = [project_dir / CONFIG_FILE]
    try:
        own = Gazetteer.file_in(project_dir, load_config(project_dir).gazetteer)
    except ContentErrors:
        own = None  # the build reports site.yaml's problems
    if own is not None:
        files.append(Path(os.path.normpath(own)))
    return ProjectInputs(tuple(files), (project_dir / ISSUES_DIR, project_dir / TEMPLATES_DIR))


def _input_files(project_dir: Path, sources: list[str], found: list[tuple[str, str]],
                 single_files: tuple[Path, ...]) -> list[tuple[str, str | Path]]:
    """Every file whose change can change the output, for the nothing-changed check: the
    project's inputs (project_inputs: issue files, templates, site.yaml, gazetteer file;
    sources: the attachments and photos the last build published; single_files: project_inputs'
    files, or those the last build recorded, unchanged while site.yaml is, whose identity is in
    the key) and the bundled theme."""
    files: list[tuple[str, str | Path]] = list(found)  # the issue files in issues/ (reader.issue_files)
    for n, theme in enumerate(theme_dirs(project_dir)):  # templates/, then the bundled theme
        files += [(f"theme{n}/{p.relative_to(theme).as_posix()}", p) for p in sorted(theme.rglob("*")) if p.is_file()]
    files += [(f"file:{path}", path) for path in single_files if path.is_file()]
    for rel in sources:
        if (project_dir / rel).exists():
            files.append((rel, project_dir / rel))
    return files


def _sources(manifest: dict) -> list[str]:
    """The attachments and photos a build published, from its manifest."""
    return [*manifest.get("attachments", []), *(manifest.get("photos") or [])]


def _regular_file(path: str) -> bool:
    """os.path.isfile without pathlib: thousands of output files may be checked."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


_FOLDER_STAMP = 3  # numbers per folder in a stamp: _folder_identity


def _folder_identity(path: str) -> list[int] | None:
    """A folder's mtime (any file added, removed or renamed in it changes it), its ctime (which no
    program can set back, as os.utime can the mtime: on Windows the creation time) and inode."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_ctime_ns, st.st_ino] if stat.S_ISDIR(st.st_mode) else None


def _output_stamp(output_dir: Path, files: dict[str, str], sources: list[str], pages: int,
                  single_files: tuple[Path, ...]) -> dict | None:
    """What the next nothing-changed check compares instead of reading the manifest and stat-ing
    every output file: the manifest's identity and each output folder's identity (_folder_identity:
    adding, removing or renaming a file inside a folder changes the folder's mtime and ctime), a third
    of the stat calls; the next build also keeps its unchanged files by it (SiteWriter.trust_live_site).
    None where folder times are too coarse to tell a change made within the same second or two (FAT,
    exFAT on a USB stick): that site gets the file-by-file check."""
    root = os.path.abspath(output_dir)  # the summary is the project's, whatever folder the build ran from
    folders = sorted({rel.rpartition("/")[0] for rel in files} | {""})
    stamps = [_folder_identity(os.path.join(root, rel) if rel else root) for rel in folders]
    if any(s is None for s in stamps) or all(s[0] % 1_000_000 == 0 for s in stamps):
        return None
    return {"path": root, "manifest": list(identity(output_dir / MANIFEST)), "folders": folders,
            "stamps": [n for numbers in stamps for n in numbers], "sources": sources, "pages": pages,
            "inputs": [os.fspath(p) for p in single_files]}


def _stamp_in(last: dict) -> dict | None:
    """The output stamp of the last build's summary, if it is whole (the summary is a cache file: a
    damaged or older one means the slower check, never a crash)."""
    stamp = last.get("output")
    if not isinstance(stamp, dict) or not isinstance(stamp.get("path"), str) or not isinstance(stamp.get("pages"), int):
        return None
    texts = [stamp.get(key) for key in ("folders", "sources", "inputs")]
    if not all(isinstance(t, list) and all(isinstance(x, str) for x in t) for t in texts):
        return None
    numbers = [stamp.get("stamps"), stamp.get("manifest")]
    if not all(isinstance(n, list) and all(type(x) is int for x in n) for n in numbers) \
            or len(numbers[0]) != _FOLDER_STAMP * len(texts[0]):
        return None
    return stamp


def _output_unchanged(output_dir: Path, stamp: dict) -> bool:
    root = os.fspath(output_dir)
    prefix = os.path.join(root, "")  # joined by hand: os.path.join costs more than the stat, 14,000 times at 10,000 issues
    flat = stamp["stamps"]
    for n, rel in enumerate(stamp["folders"]):
        if _folder_identity(prefix + rel if rel else root) != flat[_FOLDER_STAMP * n:_FOLDER_STAMP * (n + 1)]:
            return False
    return True


def _current_stamp(last: dict, output_dir: Path) -> dict | None:
    """The last build's output stamp, if the site's manifest in place is the one that build wrote."""
    stamp = _stamp_in(last)
    if stamp and stamp["path"] == os.path.abspath(output_dir) \
            and stamp["manifest"] == list(identity(output_dir / MANIFEST)):
        return stamp
    return None


def _files_in_place(output_dir: Path, manifest: dict) -> bool:
    """Every file the manifest lists is still a file: the check where no output stamp can be trusted."""
    root = os.fspath(output_dir)
    return all(_regular_file(os.path.join(root, rel)) for rel in manifest["files"])


def changed_since_built(project_dir: Path, output_dir: Path) -> bool | None:
    """Whether an input of the project (an issue file, site.yaml, a template, a published photo) changed
    since the build that wrote output_dir, as that build's nothing-changed check would decide; None when
    it cannot be told (the project's last build wrote another folder, or left no summary). For deploy,
    which publishes the site as it was built."""
    project_dir = project_dir.resolve()
    last = load_last_build(project_dir / CACHE_DIR)
    stamp = _current_stamp(last, output_dir)
    options = last.get("options")
    if not stamp or not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        return None
    found = issue_files(project_dir)
    identities = {path: identity(path) for _, path in found}
    files = _input_files(project_dir, stamp["sources"], found, tuple(map(Path, stamp["inputs"])))
    return inputs_key(options, files, identities) != last.get("inputs")


def _unchanged_result(last: dict, pages: int, started: float, today: dt.date) -> BuildResult:
    """What a build with nothing to do reports: the last build's summary, its date warnings made again."""
    # Date warnings depend on the day: recompute them (a date can stop being in the future, never start).
    # ISO dates (years 1 to 9999, four digits) compare as their strings do.
    today_iso = today.isoformat()
    future = [future_warning_on(path, line, day, today_iso) for path, line, day in last.get("future", []) if day > today_iso]
    warnings = tuple(sorted([ContentError(*w) for w in last.get("warnings", [])] + future))
    return BuildResult(issues=last.get("issues", 0), pages=pages, written=0, rendered=0,
                       changed=False, seconds=time.perf_counter() - started, warnings=warnings,
                       drafts_waiting=tuple(last.get("drafts_waiting", [])), left_out=tuple(last.get("left_out", [])),
                       inputs_unchanged=True)


@dataclass
class _RenderTask:
    """Rendering pages and staging them (a task for workers.process_map): in a worker only the
    digest travels back. A spawned worker makes its own template environment from `templates`."""

    pages: list[Page]
    templates: Templates
    stager: Stager

    def __call__(self, index: int) -> tuple[str, bool]:
        from guanxin_site.render import render_page

        page = self.pages[index]
        return self.stager.stage(page.output_path, render_page(self.templates.environment(), page))


@contextmanager
def _rare_collections():
    """A build allocates hundreds of thousands of long-lived objects (issues, pages) and makes
    almost no reference cycles: the default collection every 700 allocations only rescans them."""
    threshold = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def build(project_dir: Path, output_dir: Path, *, drafts: bool = False, base_url: str | None = None,
          today: dt.date | None = None, progress: Progress | None = None, jobs: int | None = None,
          use_cache: bool = True, search: bool = True, offline: bool = False, editor_tools: bool = False) -> BuildResult:
    """offline: a copy to open from disk (as `offline: true` in site.yaml does).
    editor_tools: the editors' tools on the pages (the 公众号版 copy box): for `serve`'s preview, never
    for the public site; part of the build key, so a public build never reuses a preview's page."""
    with _rare_collections(), reusing_workers():  # spawned workers start once per build, not once per stage
        return _build(project_dir, output_dir, drafts=drafts, base_url=base_url, today=today, progress=progress,
                      jobs=jobs, use_cache=use_cache, search=search, offline=offline, editor_tools=editor_tools)


def _build(project_dir: Path, output_dir: Path, *, drafts: bool, base_url: str | None, today: dt.date | None,
           progress: Progress | None, jobs: int | None, use_cache: bool, search: bool, offline: bool,
           editor_tools: bool) -> BuildResult:
    started = time.perf_counter()
    project_dir, jobs = project_dir.resolve(), jobs or default_jobs()
    today = today or bulletin_today()  # one day for the whole build, the no-change path included
    options = [__version__, PARSER_VERSION, f"drafts={drafts}", f"base_url={base_url}", f"search={search}", f"offline={offline}",
               f"editor_tools={editor_tools}"]
    found = issue_files(project_dir)
    identities = {path: identity(path) for _, path in found}  # taken once: for the input key and the parse cache
    cache = open_cache(project_dir)  # or a temporary folder (removed with this object) if it cannot be written
    last = load_last_build(cache.path) if use_cache else {}

    # Nothing to do? Decided from the last build's summary (inputs' identities, output folders' stamps)
    # without reading the site's manifest when it is the one that build wrote: its sources and site.yaml's
    # files are then the stamp's. Otherwise from the manifest, every file of it checked.
    if stamp := _current_stamp(last, output_dir):
        single_files = tuple(map(Path, stamp["inputs"]))
        key = inputs_key(options, _input_files(project_dir, stamp["sources"], found, single_files), identities)
        if last.get("inputs") == key and _output_unchanged(output_dir, stamp):
            return _unchanged_result(last, stamp["pages"], started, today)
        if last.get("inputs") != key and (fresh := project_inputs(project_dir).files) != single_files:
            single_files = fresh  # site.yaml names another gazetteer file now
            key = inputs_key(options, _input_files(project_dir, stamp["sources"], found, single_files), identities)
    else:
        previous, single_files = read_manifest(output_dir) or {}, project_inputs(project_dir).files
        key = inputs_key(options, _input_files(project_dir, _sources(previous), found, single_files), identities)
        if use_cache and previous and previous.get("inputs") == key == last.get("inputs") \
                and _files_in_place(output_dir, previous):
            return _unchanged_result(last, len(previous.get("pages", {})), started, today)

    # Loaded only now: a build with nothing to do stops above without a template engine or the planner.
    from guanxin_site.archive import organise
    from guanxin_site.planner import SEARCH_PAGE, left_out, plan
    from guanxin_site.loader import load_project
    from guanxin_site.render import Templates

    project = load_project(project_dir, drafts=drafts, base_url=base_url, today=today, use_cache=use_cache, jobs=jobs,
                           files=found, identities=identities, cache_folder=cache)
    if offline and not project.config.offline:
        project = replace(project, config=replace(project.config, offline=True))
    archive = organise(list(project.issues), project.gazetteer)
    pages = plan(archive, project.config)
    dirs = theme_dirs(project_dir)
    build_key = _build_key(project, theme_digest(dirs), drafts, editor_tools)

    with output_lock(output_dir), SiteWriter(output_dir, project_dir) as writer:
        if (live := _current_stamp(last, output_dir)) and _output_unchanged(output_dir, live):
            writer.trust_live_site()  # checked under the lock: no folder of the site changed since the last build
        previous_pages = writer.previous.get("pages", {}) if use_cache else {}
        # The search page carries the index's manifest: it is rendered after the index is written.
        search_page = next(page for page in pages if page.url == SEARCH_PAGE)
        keyed = hashlib.sha256(build_key.encode())
        fingerprints = {page.url: _fingerprint(keyed, page) for page in pages if page is not search_page}
        stale = []
        for n, page in enumerate(pages):
            reused = (page is search_page
                      or previous_pages.get(page.url) == fingerprints[page.url] and writer.keep(page.output_path))
            if not reused:
                stale.append(n)
        bytecode = template_cache_dir() if use_cache else None  # compiled templates run as code: not in the project
        templates = Templates(project_dir, project.config, project.gazetteer, bytecode, editor_tools)
        env = templates.environment()
        _render_pages(writer, pages, stale, templates, jobs, progress)
        _write_static(writer, dirs, cache.path, project_dir)
        attachments = _write_attachments(writer, archive, project_dir, cache.path)
        photo_sources, photos_made = _write_photos(writer, archive, project_dir, cache.path, jobs)
        if progress and search:
            progress("search", 0, 1)
        search_files, manifest = (_write_search(writer, archive, project.gazetteer, cache.path, use_cache, jobs,
                                                project.config.offline) if search else (None, None))
        search_page = replace(search_page, context={**search_page.context, "search_manifest": manifest},
                              deps=(*search_page.deps, _digest(manifest)))
        fingerprints[SEARCH_PAGE] = _fingerprint(keyed, search_page)
        rendered = _render_search_page(writer, env, search_page, previous_pages.get(SEARCH_PAGE) == fingerprints[SEARCH_PAGE])
        changed = writer.commit({"inputs": key, "pages": dict(sorted(fingerprints.items())), "attachments": attachments,
                                 "photos": photo_sources, "search": search_files,
                                 "base_url": project.config.base_url}, jobs=jobs)  # deploy reports the address
    skipped = left_out(project.config)
    unsaved = _save_summary(cache.path, key, options, project, len(archive.issues), skipped, today,
                            _output_stamp(output_dir, writer.files, attachments + photo_sources, len(pages), single_files)) \
        if use_cache and cache.persistent else None
    cache_problem = cache.problem or project.cache_problem or unsaved  # said once
    return BuildResult(
        issues=len(archive.issues), pages=len(pages), written=writer.written, rendered=len(stale) + rendered,
        changed=changed, seconds=time.perf_counter() - started,
        warnings=project.warnings + ((no_cache_warning(cache_problem),) if cache_problem else ()),
        drafts_waiting=project.drafts_waiting, left_out=skipped, photos=sum(len(i.photos) for i in archive.issues),
        photos_made=photos_made,
    )


def _render_pages(writer: SiteWriter, pages: list[Page], stale: list[int], templates: Templates, jobs: int,
                  progress: Progress | None) -> None:
    """Render the stale pages (indices into pages) and stage them, spread over the build's processes."""
    if not stale:
        return
    with _located_template_errors():
        task = _RenderTask(pages, templates, writer.stager())
        for done, (index, staged) in enumerate(process_map(task, stale, jobs), 1):
            writer.record(pages[stale[index]].output_path, *staged)
            if progress and (done % 200 == 0 or done == len(stale)):
                progress("render", done, len(stale))


def _save_summary(cache_dir: Path, key: str, options: list[str], project: Project, issues: int, skipped: tuple[str, ...],
                  today: dt.date, output: dict | None) -> str | None:
    """What a later build with nothing changed reports. Future-date warnings are stored as dates,
    so that build can recompute them for its own day. Returns why it could not be saved, or None."""
    future = [(i.source, i.line_of("date"), i.date) for i in project.issues if i.date > today]
    future_warnings = {future_warning(*dated, today) for dated in future}
    return save_last_build(cache_dir, {
        "inputs": key, "options": options, "issues": issues,
        "warnings": [[w.path, w.line, w.message] for w in project.warnings if w not in future_warnings],
        "future": [[source, line, date.isoformat()] for source, line, date in future],
        "drafts_waiting": list(project.drafts_waiting), "left_out": list(skipped), "output": output,
    })


def _digest(text: str | None) -> str:
    return "" if text is None else hashlib.sha256(text.encode()).hexdigest()


def _render_search_page(writer: SiteWriter, env, page: Page, unchanged: bool) -> int:
    """Render the search page unless the previous build's is current (same fingerprint, manifest
    included); returns the number of pages rendered."""
    from guanxin_site.render import render_page

    if unchanged and writer.keep(page.output_path):
        return 0
    with _located_template_errors():
        writer.put(page.output_path, render_page(env, page))
    return 1


@contextmanager
def _located_template_errors():
    """A mistake in a (project's) template, as the located error the editor is shown."""
    from guanxin_site.render import TemplateProblem

    try:
        yield
    except TemplateProblem as exc:
        raise ContentErrors([ContentError(exc.path, exc.line, exc.message)]) from None


def _write_search(writer: SiteWriter, archive: Archive, gazetteer: Gazetteer, cache_dir: Path, use_cache: bool,
                  jobs: int, offline: bool) -> tuple[dict, str]:
    """search/data/: reused whole when no issue changed; otherwise only changed segments are re-indexed.
    offline: the offline copy's index, in classic scripts that a page opened from disk can load.
    Returns the record for the next build and the manifest the search page carries."""
    from guanxin_site.search import kept_manifest, search_key, write_search  # --no-search never loads it
    key = search_key(archive, gazetteer, offline)
    previous = writer.previous.get("search") or {}
    files = previous.get("files", [])
    # keep() is not undoable, so check every file first: an index is reused whole or not at all.
    reusable = use_cache and previous.get("key") == key and files and all(
        rel in writer.previous_files and writer.reusable(rel) for rel in files)
    if reusable:
        for rel in files:
            writer.keep(rel)
        return previous, kept_manifest(writer.target, offline)
    previous = previous if use_cache else {}
    if use_cache:
        written, manifest = write_search(archive, gazetteer, writer, previous, cache_dir / "search", jobs, offline)
    else:
        with tempfile.TemporaryDirectory(prefix="guanxin-search-") as temp:
            written, manifest = write_search(archive, gazetteer, writer, previous, Path(temp), jobs, offline)
    return {"key": key, **written}, manifest


def _write_static(writer: SiteWriter, dirs: list[Path], cache_dir: Path, project_dir: Path) -> None:
    """Copy static/ of the theme; a project's file overrides the bundled one of the same name.
    Images (a project's share image is often a photo) are published without their metadata."""
    from guanxin_site.images import ImageProblem, publishable

    seen: set[str] = set()
    for d in dirs:
        static = d / "static"
        if not static.is_dir():
            continue
        for path in sorted(p for p in static.rglob("*") if p.is_file()):
            rel = "static/" + path.relative_to(static).as_posix()
            if rel not in seen:
                seen.add(rel)
                data = path.read_bytes()
                try:
                    writer.put(rel, publishable(cache_dir, hashlib.sha256(data).hexdigest(), data, path.name, f"图片“{rel}”"))
                except ImageProblem as exc:
                    raise ContentErrors([ContentError(display_path(path, project_dir), None, str(exc))]) from None


def _write_photos(writer: SiteWriter, archive: Archive, project_dir: Path, cache_dir: Path, jobs: int) -> tuple[list[str], int]:
    """Publish every photo's renditions beside its issue page. Renditions missing from the photo
    cache are made first, spread over the build's processes; returns the photos' sources (inputs
    of the nothing-changed check) and how many photos were processed."""
    from guanxin_site.images import ImageProblem, cached_index, make_renditions, rendition_bytes, rendition_digest

    unique = {photo.digest: photo for issue in archive.issues for photo in issue.photos}
    indexes = {digest: cached_index(cache_dir, photo) for digest, photo in unique.items()}
    todo = [photo for digest, photo in sorted(unique.items()) if indexes[digest] is None]
    try:
        for n, index in process_map(partial(make_renditions, project_dir, cache_dir), todo, jobs, min_items=PHOTOS_PER_WORKER,
                                    chunk_size=1):
            indexes[todo[n].digest] = index
    except ImageProblem as exc:  # the photo changed into something unreadable since it was parsed
        issue, photo = next((i, p) for i in archive.issues for p in i.photos if p.source == exc.source)
        raise ContentErrors([ContentError(issue.source, photo.line, str(exc))]) from None
    sources = set()
    for issue in archive.issues:
        for photo in issue.photos:
            sources.add(photo.source)
            for rendition in photo.renditions:
                rel = issue.url + rendition.name
                if rel in writer.files:
                    continue  # the same photo twice in one issue
                digest = rendition_digest(indexes[photo.digest], rendition)
                if writer.previous_files.get(rel) != digest or not writer.keep(rel):
                    with _located_name(issue.source, photo.line, f"照片“{photo.source.rsplit('/', 1)[-1]}”"):
                        writer.put(rel, rendition_bytes(cache_dir, photo, rendition))
    return sorted(sources), len(todo)


@contextmanager
def _located_name(source: str, line: int | None, what: str):
    """A file name Windows refuses (too long, or another's in other letter case), at the editor's file it came from."""
    try:
        yield
    except OutputNameError as exc:
        raise ContentErrors([ContentError(source, line, f"{what}：网站中的文件 {exc.rel} {exc.reason}")]) from None


def _write_attachments(writer: SiteWriter, archive: Archive, project_dir: Path, cache_dir: Path) -> list[str]:
    """Copy attachments beside their issue page, images cleaned of their metadata (images.publishable);
    returns their sources for change detection. A published file still current is kept without
    reading its source: the digest it must have is the source's, or its cleaned version's (cached)."""
    from guanxin_site.images import HEAD_BYTES, ImageProblem, cleaned_digest, file_kind, publishable

    sources = []
    for issue in archive.issues:
        for attachment in issue.attachments:
            sources.append(attachment.source)
            rel = issue.url + attachment.name
            path, where = project_dir / attachment.source, (issue.source, issue.line_of("attachments"))
            try:
                with open(path, "rb") as handle:
                    head = handle.read(HEAD_BYTES)
                current = cleaned_digest(cache_dir, attachment.digest) if file_kind(head, attachment.name) else attachment.digest
                if current is not None and writer.previous_files.get(rel) == current and writer.keep(rel):
                    continue
                data = path.read_bytes()
            except OSError:  # removed or renamed while the build ran
                raise ContentErrors([ContentError(*where, f"附件“{attachment.name}”在生成过程中被移走了；请放回后重新生成")]) from None
            try:
                with _located_name(*where, f"附件“{attachment.name}”"):
                    writer.put(rel, publishable(cache_dir, attachment.digest, data, attachment.name, f"附件“{attachment.name}”"))
            except ImageProblem as exc:
                raise ContentErrors([ContentError(*where, str(exc))]) from None
    return sorted(sources)
