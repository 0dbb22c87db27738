"""Stage 6: write the site atomically.

A build writes into a staging directory beside the output and swaps it in only
when everything succeeded, so readers and a killed build never see half a site.
Files whose bytes did not change are hard-linked from the previous output: their
mtimes stay as they were (rsync and CDNs see no change), and a build that changes
nothing touches nothing at all.

Double buffering: after a swap the previous site is kept beside the output as
`.<name>.spare`, and the next build stages into it, rewriting only the files that
differ. A build of a large archive after a small edit therefore costs in proportion
to what changed, not to the size of the site.
"""
from __future__ import annotations

import ctypes
import errno
import glob
import hashlib
import json
import os
import shutil
import secrets
import stat
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath

from guanxin_site.cache import identity
from guanxin_site.errors import OutputError
from guanxin_site.fsutil import replace_file, sync_tree, try_lock as _lock_file
from guanxin_site.workers import process_map

MANIFEST = ".guanxin-site.json"  # marks a directory as ours and records what we wrote
STAGING_MARK = ".guanxin-staging"
SPARE_MARK = ".guanxin-spare"  # which live site a spare was kept beside
GENERATOR = "guanxin-site"

def checkpoint(point: str) -> None:
    """A named point of writing; does nothing. The crash-safety tests replace this function
    (tests/faulty_build.py) to kill the build or hold it there. Points: lock (the lock file
    opened, not yet locked), put (after a new file is staged), commit (staging complete,
    manifest written, before the swap), swapped (new site in place, old one not yet kept as
    the spare), old-moved (only without RENAME_EXCHANGE: old site moved aside, new one not
    yet in place)."""


@contextmanager
def _os_errors(target: Path):
    """A full disk or a missing permission is the editor's to fix, not a traceback."""
    try:
        yield
    except OutputError:
        raise
    except OSError as exc:
        reason = _ERRNO_TEXT.get(exc.errno, exc.strerror or str(exc))
        where = f"（{exc.filename}）" if exc.filename else ""
        raise OutputError(f"无法写入输出目录 {target}：{reason}{where}；原有的网站保持不变") from None


_ERRNO_TEXT = {
    getattr(errno, name): text
    for name, text in (("ENOSPC", "磁盘空间不足"), ("EDQUOT", "超出磁盘配额"), ("EACCES", "没有写入权限"),
                       ("EPERM", "没有写入权限"), ("EROFS", "所在的磁盘是只读的"), ("ENOENT", "路径不存在"),
                       ("ENOTDIR", "路径中有一部分不是文件夹"), ("EEXIST", "同名文件已存在"))
    if hasattr(errno, name)
}


@contextmanager
def output_lock(target: Path):
    """One build per output directory at a time; a second one is refused, not queued.

    The lock file lives in the temp directory, named after the output's real path, so
    taking the lock writes nothing beside an output directory that may yet be refused
    (the project itself, a folder inside templates/...).
    """
    key = hashlib.sha256(os.fsencode(target.resolve())).hexdigest()[:24]
    path = Path(tempfile.gettempdir()) / f"guanxin-site-{key}.lock"
    with _os_errors(target):
        handle = open(path, "a+b")
    checkpoint("lock")
    with handle:
        if not _lock_file(handle) or not _is_current(handle, path):
            raise OutputError(f"另一个构建正在写入 {target}，请等它结束后再试（同一时间只能运行一个构建）")
        try:
            yield
        finally:
            # Removed while still locked, so nothing is left behind; a build that opened
            # the file just before sees it is no longer current (_is_current) and stops.
            with suppress(OSError):
                path.unlink()


def _is_current(handle, path: Path) -> bool:
    """The locked file is still the one at the lock path (not one a finished build removed)."""
    try:
        return os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino
    except OSError:
        return False


_READ_MANIFESTS: dict[str, tuple[tuple[int, int, int, int], dict]] = {}  # path -> (its file's identity, content)


def read_manifest(target: Path) -> dict | None:
    """The manifest of a site we wrote, or None. A build reads the same manifest several times (the
    build, the target's check, recovery, the spare; 3 MB at 5,000 issues): the parsed one is
    remembered by the file's identity, so callers must not change what they get."""
    path = os.path.join(target, MANIFEST)
    stamp = identity(path)  # of a missing file: never one a read manifest was remembered by
    known = _READ_MANIFESTS.get(path)
    if known is not None and known[0] == stamp:
        return known[1]
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.loads(handle.read())
    except (OSError, ValueError):
        return None
    ours = isinstance(data, dict) and data.get("generator") == GENERATOR and isinstance(data.get("files"), dict)
    if not ours:
        return None
    if len(_READ_MANIFESTS) > 4:  # a site, its spare: a process building several sites keeps only the latest
        _READ_MANIFESTS.clear()
    _READ_MANIFESTS[path] = (stamp, data)
    return data


def check_target(target: Path, project_dir: Path) -> None:
    """Refuse an output directory we might damage: not ours, or holding the project."""
    resolved, project = target.resolve(), project_dir.resolve()
    if resolved == project or project.is_relative_to(resolved):
        raise OutputError(f"输出目录 {target} 包含项目本身，不能用作输出目录；请用单独的目录，例如 site/")
    for protected in ("issues", "templates", ".git"):
        if resolved.is_relative_to(project / protected):
            raise OutputError(f"输出目录 {target} 位于 {protected}/ 之内，不能用作输出目录")
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise OutputError(f"输出位置 {target} 不是一个普通目录，不能用作输出目录")
    if target.is_dir() and read_manifest(target) is None and any(target.iterdir()):
        raise OutputError(f"输出目录 {target} 不是空的，也不是 guanxin-site 生成的网站，不能用作输出目录（以免误删其中的文件）；请换一个目录，或确认后手动清空它")


def spare_path(target: Path) -> Path:
    """Where the previous site waits to be reused as the next build's staging directory."""
    return target.parent / f".{target.name}.spare"


def _ours(path: Path) -> bool:
    """A leftover of one of our builds: a real directory carrying one of our marks."""
    return path.is_dir() and not path.is_symlink() and ((path / STAGING_MARK).is_file() or read_manifest(path) is not None)


def _recover(target: Path) -> None:
    """Undo what a build killed mid-write or mid-swap left beside the output (under the lock)."""
    parent = target.parent
    name = glob.escape(target.name)  # an output named site[1] must not match .site1.staging-*
    olds = sorted((p for p in parent.glob(f".{name}.old-*") if _ours(p)), key=lambda p: p.stat().st_mtime)
    if olds and not target.exists():
        _rename(olds[-1], target)  # killed between moving the old site aside and moving the new one in
    for leftover in [*parent.glob(f".{name}.staging-*"), *parent.glob(f".{name}.old-*")]:
        if _ours(leftover):
            shutil.rmtree(leftover, ignore_errors=True)  # a file held open (Windows): removed by a later build
    spare = spare_path(target)
    if _ours(spare) and (read_manifest(spare) is None or not (spare / SPARE_MARK).exists()):
        # A build was killed while staging into it (its content is unknown), or right after swapping the
        # previous site into its place, before keeping it: no spare of the live site either way.
        shutil.rmtree(spare, ignore_errors=True)


def _rename_exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def safe_relpath(rel: str) -> str:
    """Output paths come from slugs and file names: never let one escape the site."""
    wrapped = f"/{rel}/"  # a part "", "." or "..": "//", "/./" or "/../" in it, found in C for thousands of files
    if "\\" not in rel and ":" not in rel and "//" not in wrapped and "/./" not in wrapped and "/../" not in wrapped:
        return rel  # already normal and relative: decided without building a path object
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or rel.startswith(("/", "\\")):
        raise OutputError(f"内部错误：不安全的输出路径 {rel!r}")
    return pure.as_posix()


class _Staging:
    """The directory one build writes its new site into: the spare (the site before the
    live one, whose unchanged files are hard links to the live site's) when it matches
    the live site, else a fresh directory. Marked as staging while it is written, so
    recovery knows its content matches no manifest."""

    def __init__(self, path: Path, files: dict[str, str], spare_manifest: dict | None):
        self.path = path
        self.files = files  # what the directory already holds: path -> sha256
        self.spare_manifest = spare_manifest  # the spare's manifest, when the spare was taken

    @classmethod
    def open(cls, target: Path) -> "_Staging":
        spare = spare_path(target)
        manifest = read_manifest(spare) if _ours(spare) and _spare_matches(spare, target) else None
        if manifest is not None:
            # Marked before it is touched: if this build is killed, recovery removes it.
            (spare / STAGING_MARK).write_bytes(b"")
            (spare / MANIFEST).unlink()
            (spare / SPARE_MARK).unlink()
            return cls(spare, manifest["files"], manifest)
        # A fresh name every time: never reuse (or delete) a directory we did not just create.
        path = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
        (path / STAGING_MARK).write_bytes(b"")
        return cls(path, {}, None)

    def link_unchanged(self, live: Path, files: dict[str, str], kept: set[str], jobs: int) -> None:
        """Hard-link the live site's unchanged files in (those the spare lacks or holds older),
        and drop what the new site no longer has."""
        links = [rel for rel in sorted(kept) if self.files.get(rel) != files[rel]]
        for _ in process_map(_Linker(live, self.path, frozenset(self.files)), links, jobs):
            pass
        for rel in sorted(set(self.files) - set(files)):
            _remove_file(self.path, rel)

    def seal(self, manifest: dict) -> None:
        """Complete: the manifest names exactly what it holds, and it is no longer marked as staging."""
        (self.path / MANIFEST).write_text(_manifest_json(manifest), encoding="utf-8")
        (self.path / STAGING_MARK).unlink()

    def close(self, target: Path, untouched: bool) -> None:
        """After a build that swapped nothing in. untouched: the build found nothing to change,
        so a spare it took holds what it held: kept for next time. Anything else is removed
        (nothing of it was published; a failed build may have written into it, even from a
        worker process)."""
        if not self.path.exists():
            return
        if untouched and self.spare_manifest is not None and self.path == spare_path(target):
            (self.path / MANIFEST).write_text(_manifest_json({"generator": GENERATOR, **self.spare_manifest}),
                                              encoding="utf-8")
            (self.path / SPARE_MARK).write_text(_live_identity(target), encoding="utf-8")
            (self.path / STAGING_MARK).unlink()
        else:
            shutil.rmtree(self.path, ignore_errors=True)


class Stager:
    """Puts a file's bytes into one build's staging folder, unless the live site holds them already.

    Made only by SiteWriter.stager(), which creates the folder first, so nothing can stage into a
    folder that is not there. It touches only the file system and pickles, so worker processes
    (forked or spawned) stage pages with it themselves; the SiteWriter of the build then
    records each result (SiteWriter.record)."""

    def __init__(self, target: Path, folder: Path, live: dict[str, str], held: dict[str, str]):
        self.target = target
        self.folder = folder
        self.live = live  # what the live site holds: path -> sha256
        self.held = held  # what the staging folder holds already (a spare's files)
        self._made_dirs: set[str] = set()  # per process: folders known to exist

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_made_dirs": set()}

    def stage(self, rel: str, data: bytes) -> tuple[str, bool]:
        """Stage a file's bytes; returns (their digest, whether they were written)."""
        rel = safe_relpath(rel)
        digest = hashlib.sha256(data).hexdigest()
        if _live_holds(self.target, self.live, rel, digest):
            return digest, False
        self.write(rel, digest, data)
        return digest, True

    def write(self, rel: str, digest: str, data: bytes) -> None:
        """Write bytes the live site does not hold (rel already checked by safe_relpath)."""
        if self.held.get(rel) != digest:  # else the spare holds these bytes already
            with _os_errors(self.target):
                path = os.path.join(self.folder, rel)
                _make_dir(os.path.dirname(path), self._made_dirs)
                if rel in self.held:  # may be a hard link to the live site: never write through it
                    replace_file(Path(path), data, sync=False)  # staged: synced before the swap
                else:
                    _write_new(path, data)
        checkpoint("put")


def _live_holds(target: Path, live: dict[str, str], rel: str, digest: str) -> bool:
    """The live site has these bytes at rel, in a regular file (a symlink planted there is never republished)."""
    if live.get(rel) != digest:
        return False
    try:
        return stat.S_ISREG(os.lstat(os.path.join(target, rel)).st_mode)
    except OSError:
        return False


class _Linker:
    """Hard-links an unchanged file of the live site into the staging folder (a task for process_map)."""

    def __init__(self, live: Path, folder: Path, held: frozenset[str]):
        self.live, self.folder, self.held = live, folder, held
        self._made_dirs: set[str] = set()

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_made_dirs": set()}

    def __call__(self, rel: str) -> None:
        dest = self.folder / rel
        _make_dir(os.path.dirname(dest), self._made_dirs)
        if rel in self.held:
            with suppress(FileNotFoundError):
                dest.unlink()
        try:
            os.link(self.live / rel, dest)
        except OSError:  # file systems without hard links (FAT, some network drives)
            shutil.copy2(self.live / rel, dest)


def _make_dir(folder: str, made: set[str]) -> None:
    """mkdir once per folder; pages come in URL order, so the parent is usually there already
    (os.makedirs would stat it first, for every page)."""
    if folder in made:
        return
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
    made.add(folder)


# A file another program holds open (the site in Explorer or a browser, on Windows) makes renaming
# its folder fail for a while: tried again, waiting a little longer each time, about 3.5 s in all.
RENAME_ATTEMPTS = 8
RENAME_PAUSE = 0.05  # seconds before the second attempt, doubling up to 1 s
_HELD_OPEN = "其中有文件正被其他程序打开（例如在资源管理器、浏览器或编辑器中），请关闭后重新生成"


def _rename(source: Path, dest: Path) -> None:
    """os.rename, tried again while Windows refuses it (PermissionError: a file inside is held open)."""
    pause = RENAME_PAUSE
    for attempt in range(RENAME_ATTEMPTS):
        try:
            os.rename(source, dest)
            return
        except PermissionError:
            if attempt == RENAME_ATTEMPTS - 1:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


def _why(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return _HELD_OPEN
    return _ERRNO_TEXT.get(exc.errno, exc.strerror or str(exc))


def swap_in(staging: Path, target: Path) -> Path | None:
    """Put the sealed staging directory in the target's place. Returns where the previous site is
    now (None if there was none). Raises OutputError saying what is true of the site: when it
    raises, the site at target is the previous one, whole (or, if even moving it back failed,
    kept beside it for the next build to move back)."""
    if not target.exists():
        try:
            _rename(staging, target)
        except OSError as exc:
            raise OutputError(f"无法把生成的网站放到 {target}：{_why(exc)}；网站没有生成") from None
        return None
    if _rename_exchange(staging, target):
        checkpoint("swapped")
        return staging  # it holds the previous site now
    # No atomic exchange here (not Linux, or the file system lacks it): two renames.
    # Between them the output is missing for an instant; a build killed there is
    # repaired by _recover, which moves the old site back.
    old = target.parent / f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        _rename(target, old)
    except OSError as exc:
        raise OutputError(f"无法替换网站文件夹 {target}：{_why(exc)}；原有的网站保持不变") from None
    checkpoint("old-moved")
    try:
        _rename(staging, target)
    except OSError as exc:
        try:
            _rename(old, target)
        except OSError:
            raise OutputError(f"无法把生成的网站放到 {target}（{_why(exc)}），原有的网站暂时在 {old.name}；"
                              "下次生成时会自动把它移回原处") from None
        raise OutputError(f"无法把生成的网站放到 {target}：{_why(exc)}；原有的网站保持不变") from None
    checkpoint("swapped")
    return old


def _keep_as_spare(previous: Path, target: Path) -> None:
    """Keep the previous site for the next build to stage into. Only a help for the next build: the
    new site is in place already, so a failure here fails nothing (a leftover is removed by the next
    build's _recover, which then stages afresh)."""
    spare = spare_path(target)
    try:
        if previous != spare:
            if spare.exists() and _ours(spare):
                shutil.rmtree(spare)
            if spare.exists():
                shutil.rmtree(previous, ignore_errors=True)  # something not ours sits there: leave it alone
                return
            _rename(previous, spare)
        (spare / SPARE_MARK).write_text(_live_identity(target), encoding="utf-8")
    except OSError:
        pass


def _mirror_as_spare(target: Path, files: dict[str, str], jobs: int) -> None:
    """After a first (or cold) build there is no previous site to keep: make the spare a copy of the new
    one in hard links instead, so that the next build stages into it and rewrites only what changed
    (without it, the first rebuild after a cold build had to create the whole tree of folders and links:
    most of an added issue's time). Best effort, like keeping a spare."""
    spare = spare_path(target)
    if spare.exists():
        return
    folder = None
    try:
        folder = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
        (folder / STAGING_MARK).write_bytes(b"")
        for _ in process_map(_Linker(target, folder, frozenset()), sorted(files), jobs):
            pass
        shutil.copyfile(target / MANIFEST, folder / MANIFEST)
        (folder / STAGING_MARK).unlink()
        (folder / SPARE_MARK).write_text(_live_identity(target), encoding="utf-8")
        os.rename(folder, spare)
    except OSError:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _flush_to_disk(folder: Path) -> None:
    """What a build wrote, on the disk before it is swapped in: after a power cut the site is the old
    one or the new one, never new names over empty files. Linux: one syncfs of the file system (what
    is not dirty costs nothing, so a rebuild that wrote little pays little); elsewhere every file."""
    if sys.platform.startswith("linux"):
        try:
            syncfs = ctypes.CDLL(None, use_errno=True).syncfs
        except (OSError, AttributeError):
            syncfs = None
        if syncfs is not None:
            fd = os.open(folder, os.O_RDONLY)
            try:
                if syncfs(fd) == 0:
                    return
            finally:
                os.close(fd)
    sync_tree(folder)


# Windows: most programs (Explorer among them) cannot open a path of MAX_PATH UTF-16 units or more.
# WINDOWS_PATHS checks the whole path where that rule applies; a path inside the site is kept under
# MAX_RELATIVE_PATH everywhere, so that a site built on one computer can be built in a usual folder on another.
MAX_PATH = 260
MAX_RELATIVE_PATH = 200
WINDOWS_PATHS = os.name == "nt"


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class OutputNameError(OutputError):
    """A file of the site Windows could not hold: rel and why (in Chinese). The build names the
    editor's file it came from (an attachment, a photo)."""

    def __init__(self, rel: str, reason: str):
        super().__init__(f"输出文件 {rel} {reason}")
        self.rel, self.reason = rel, reason


class SiteWriter:
    """Collects the files of one build and publishes them in a single swap.

    The steps, each its own piece: recover what a killed build left (_recover), stage
    new bytes (_Staging, in the spare when it matches the live site), keep unchanged
    files (hard links at commit), seal and swap in (swap_in), keep the previous site
    as the spare (_keep_as_spare). This class does the bookkeeping between them."""

    def __init__(self, target: Path, project_dir: Path):
        self.target = target
        self.project_dir = project_dir
        self.files: dict[str, str] = {}  # path -> sha256 of what the new site holds there
        self.written = 0  # files whose bytes changed
        self._kept: set[str] = set()  # files of the live site the new site keeps as they are
        self._staging: _Staging | None = None  # made when the first new bytes arrive
        self._stager: Stager | None = None
        self._swapped = False
        self._untouched = False  # commit() found nothing to change
        self._folded: dict[str, str] = {}  # each file's path in lower case -> the path: Windows tells no case apart
        self._live_intact = False  # trust_live_site()

    def __enter__(self) -> "SiteWriter":
        with _os_errors(self.target):
            check_target(self.target, self.project_dir)
            self.target.parent.mkdir(parents=True, exist_ok=True)
            _recover(self.target)
            check_target(self.target, self.project_dir)
        self.previous = read_manifest(self.target) or {"files": {}}
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._staging is not None and not self._swapped:
            self._staging.close(self.target, self._untouched)

    @property
    def previous_files(self) -> dict[str, str]:
        return self.previous["files"]

    def put(self, rel: str, data: bytes) -> None:
        """Stage and record one file here; the staging folder is made only when some bytes are new.
        Names from the editor's files (attachments, photos) come through here: each is checked
        against what Windows refuses before anything is written (OutputNameError)."""
        rel = safe_relpath(rel)
        self._check_name(rel)
        digest = hashlib.sha256(data).hexdigest()
        unchanged = _live_holds(self.target, self.previous_files, rel, digest)
        if not unchanged:
            self.stager().write(rel, digest, data)
        self.record(rel, digest, not unchanged)

    def stager(self) -> Stager:
        """What stages this build's files, its staging folder created now: hand it to worker
        processes, then pass what they return to record()."""
        if self._stager is None:
            with _os_errors(self.target):
                self._stager = Stager(self.target, self._stage().path, self.previous_files, self._stage().files)
        return self._stager

    def record(self, rel: str, digest: str, written: bool) -> None:
        rel = safe_relpath(rel)
        if rel in self.files:
            raise OutputError(f"内部错误：两个页面都要写入 {rel}")
        self.files[rel] = digest
        self._folded.setdefault(rel.lower(), rel)
        if written:
            self.written += 1
        else:
            self._kept.add(rel)

    def _check_name(self, rel: str) -> None:
        """A file Windows could not write or open: a path too long, or a name another file of the
        site has in other letter case (the same file there: one would silently replace the other)."""
        other = self._folded.get(rel.lower())
        if other is not None and other != rel:
            raise OutputNameError(rel, f"与 {other} 只差字母大小写，在 Windows 上是同一个文件；请改名其中一个")
        length = _utf16_length(rel)
        if length > MAX_RELATIVE_PATH:
            raise OutputNameError(rel, f"路径太长（{length} 个字符，最多 {MAX_RELATIVE_PATH} 个）；请把文件名改短")
        if WINDOWS_PATHS:
            full = _utf16_length(os.path.join(os.path.abspath(self.target), rel))
            if full >= MAX_PATH:
                raise OutputNameError(rel, f"在这台电脑上的完整路径太长（{full} 个字符，Windows 最多 {MAX_PATH - 1} 个）；"
                                           "请把文件名改短，或把网站生成到路径更短的文件夹（例如 D:\\网站）")

    def keep(self, rel: str) -> bool:
        """Reuse the previous build's file unchanged; False if there is none to reuse."""
        rel = safe_relpath(rel)
        digest = self.previous_files.get(rel)
        if digest is None or rel in self.files or not self.reusable(rel):
            return False
        self.files[rel] = digest
        self._folded.setdefault(rel.lower(), rel)
        self._kept.add(rel)
        return True

    def reusable(self, rel: str) -> bool:
        """A regular file of the previous output (a symlink planted there is never republished)."""
        if self._live_intact:
            return rel in self.previous_files
        return _live_holds(self.target, self.previous_files, rel, self.previous_files.get(rel, ""))

    def trust_live_site(self) -> None:
        """The caller has checked, under the output lock, that no folder of the live site changed since
        the build that wrote its manifest (build.py: the folders' mtimes, ctimes and inodes in the last build's
        summary; a file added, removed, renamed or replaced by a link changes its folder's mtime and ctime): every
        file the manifest lists is then the regular file that build wrote, and keep() needs no stat of
        each (16,000 at 5,000 issues)."""
        self._live_intact = True

    @property
    def changed(self) -> bool:
        return self.written > 0 or set(self.files) != set(self.previous_files) or not self.target.exists()

    def commit(self, extra_manifest: dict | None = None, jobs: int = 1) -> bool:
        """Swap the new site in; returns False when nothing changed (and no page was touched).

        jobs: processes that may share the linking of unchanged files into a fresh staging
        directory (one folder per page to create: the slow part of a first small rebuild)."""
        manifest = {**(extra_manifest or {}), "generator": GENERATOR, "files": dict(sorted(self.files.items()))}
        if not self.changed:
            self._untouched = True
            self._refresh_manifest(manifest)
            return False
        with _os_errors(self.target):
            staging = self._stage()
            staging.link_unchanged(self.target, self.files, self._kept, jobs)
            staging.seal(manifest)
            _flush_to_disk(staging.path)
            checkpoint("commit")
        previous = swap_in(staging.path, self.target)
        self._swapped = True  # from here on the new site is in place: nothing may say otherwise, or remove it
        if previous is not None:
            _keep_as_spare(previous, self.target)
        else:
            _mirror_as_spare(self.target, self.files, jobs)
        return True

    def _refresh_manifest(self, manifest: dict) -> None:
        """Same pages, new build metadata (input key, fingerprints): rewrite only the manifest,
        so the next build takes its fast path instead of re-checking every page."""
        if manifest == self.previous or not self.target.exists():
            return
        spare = spare_path(self.target)
        spare_was_current = _spare_matches(spare, self.target)
        with _os_errors(self.target):
            replace_file(self.target / MANIFEST, _manifest_json(manifest).encode("utf-8"))
            if spare_was_current and read_manifest(spare) is not None:
                (spare / SPARE_MARK).write_text(_live_identity(self.target), encoding="utf-8")

    def _stage(self) -> _Staging:
        if self._staging is None:
            self._staging = _Staging.open(self.target)
        return self._staging


def _manifest_json(manifest: dict) -> str:
    """Compact: with an indent, json.dumps takes its pure-Python encoder, a fifth of a second for the
    manifest of a 5,000-issue site on every build that changes anything."""
    return json.dumps(manifest, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def _live_identity(target: Path) -> str:
    """The live site as a file system object: a site rebuilt from scratch gets a new one."""
    st = (target / MANIFEST).stat()
    return f"{st.st_ino}:{st.st_mtime_ns}"


def _spare_matches(spare: Path, target: Path) -> bool:
    """A spare helps only beside the site it was kept with: its unchanged files are hard links
    to that site's files. Beside any other (a rebuilt or replaced output) reusing it would
    swap in files with other inodes and mtimes."""
    try:
        return (spare / SPARE_MARK).read_text(encoding="utf-8") == _live_identity(target)
    except OSError:
        return False


def _write_new(path: str, data: bytes) -> None:
    """Thousands of small files per build: plain system calls, without the buffered file
    object's extra probing (ioctl, lseek, fstat) for each one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _remove_file(root: Path, rel: str) -> None:
    """Remove a file no longer in the site, and the folders it leaves empty."""
    path = root / rel
    with suppress(FileNotFoundError):
        path.unlink()
    folder = path.parent
    while folder != root:
        try:
            folder.rmdir()
        except OSError:
            break
        folder = folder.parent
