#!/usr/bin/env python3
"""Time guanxin-site against Hugo (+ Pagefind), Pelican and Eleventy on the same synthetic archive.

    bash bench/setup_peers.sh && .venv/bin/python bench/run.py [--sizes 1000,5000] [--runs 3]

For every size N: generates the corpus in each tool's format (bench/gen_corpus.py),
then runs `--runs` rounds; each round runs every tool once, in an order rotated from
round to round, so that a burst of load on the machine hits all tools alike:

  hugo            cold build, no-change rebuild; with Pagefind: `pagefind --site public` after
                  each (Hugo + Pagefind is the peer pipeline with search), and add one issue
                  (hugo + pagefind again)
  pelican,        cold build (no output, no cache), then a no-change rebuild
  eleventy
  guanxin-site    the default `guanxin-site build` (search included): cold build (output and
                  <project>/.guanxin-cache deleted), no-change rebuild (checked: writes nothing),
                  add one issue (issue N+1) and edit one issue, each then undone (untimed); in the
                  first round the incremental outputs are compared byte for byte with clean builds
  --no-search     the same build without search (and with --jobs 1), as before

Each build runs under /usr/bin/time (wall, CPU, peak RSS of the largest process); one
extra, untimed cold build per multi-process tool and size samples the memory of the
whole process tree (RSS and PSS sums). Then, on the largest size, bench/query_cost.py
measures what one reader's query costs on guanxin-site's search page and on stock
Pagefind's Default UI over Hugo's site, in headless Chromium. Prints Markdown tables and
writes them, with the machine, versions and checks, to bench/results-<date>.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
import gen_corpus  # noqa: E402  (the sibling module, whichever directory we are run from)
import query_cost  # noqa: E402
from guanxin_site.cache import CACHE_DIR  # noqa: E402  (<project>/.guanxin-cache: deleted for a cold build)
from guanxin_site.writer import spare_path  # noqa: E402  (the previous site beside the output: deleted too)
from guanxin_site.gazetteer import Gazetteer  # noqa: E402  (region slugs, to know which pages show an issue)

TOOLS_ROOT = Path(os.environ.get("BENCH_TOOLS", "/tmp/guanxin-bench"))
PELICAN = Path(os.environ.get("BENCH_PELICAN_VENV", TOOLS_ROOT / "pelican-venv")) / "bin" / "pelican"
ELEVENTY = Path(os.environ.get("BENCH_ELEVENTY_DIR", TOOLS_ROOT / "eleventy")) / "node_modules" / ".bin" / "eleventy"
PAGEFIND_VENV = Path(os.environ.get("BENCH_PAGEFIND_VENV", TOOLS_ROOT / "pagefind-venv"))
SAMPLE_SECONDS = 0.02
BUILD_TIMEOUT = 3600
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024

SEARCH = "guanxin-site"  # the default build: search included (the headline figure)
SPAWN = "guanxin-site (spawn)"  # the default build with worker processes started as Windows starts them
OURS, OURS_1 = "guanxin-site --no-search", "guanxin-site --no-search --jobs 1"
OURS_ALL = (SEARCH, OURS, OURS_1)
HUGO_PF = "hugo + pagefind"
PEERS = ("hugo", HUGO_PF, "pelican", "eleventy")
TOOL_CHOICES = ("hugo", "pagefind", "pelican", "eleventy", "guanxin-site", "no-search", "spawn")
GB = 1e9  # the memory target "1 GB" read strictly: 10^9 bytes = 954 MiB


# --------------------------------------------------------------------------
# measuring one process tree
# --------------------------------------------------------------------------
@dataclass
class Sample:
    wall: float  # s, /usr/bin/time %e
    cpu: float  # s, user + system of the whole tree (children are waited for)
    max_process_kib: int  # /usr/bin/time %M: peak RSS of the largest single process
    tree_rss_kib: int  # peak of the sampled RSS sum over the process group
    tree_pss_kib: int | None  # peak of the sampled PSS sum, only sampled while the group has 2+ processes
    processes: int  # most processes seen at once (the time process not counted)
    rc: int
    stdout: str
    stderr: str


def _group_members(pgid: int, skip: int) -> list[int]:
    members = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == skip:
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue  # exited meanwhile
        fields = stat[stat.rindex(b")") + 2:].split()  # the command name may hold spaces
        if int(fields[2]) == pgid:  # fields: state, ppid, pgrp, ...
            members.append(int(name))
    return members


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * PAGE_SIZE // 1024
    except (OSError, IndexError, ValueError):
        return 0


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Peak memory of a whole process group, polled: forked workers are invisible to a single rusage.

    RSS sums count pages shared between a parent and its forked workers once per process
    (an overestimate); PSS splits shared pages between their sharers (the fair figure), but
    reading it walks page tables, so it is only read while the group has several processes.
    """

    def __init__(self, pgid: int, skip: int):
        super().__init__(daemon=True)
        self.pgid, self.skip = pgid, skip
        self.rss_peak = 0
        self.pss_peak: int | None = None
        self.processes = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            members = _group_members(self.pgid, self.skip)
            self.processes = max(self.processes, len(members))
            self.rss_peak = max(self.rss_peak, sum(_rss_kib(pid) for pid in members))
            if len(members) > 1:
                self.pss_peak = max(self.pss_peak or 0, sum(_pss_kib(pid) for pid in members))
            self.done.wait(SAMPLE_SECONDS)


def measure(cmd: list[str], cwd: Path, env: dict | None = None, sample_tree: bool = False) -> Sample:
    """Run one build under /usr/bin/time. sample_tree: also poll the process group's memory.

    Timed runs do not poll: reading /proc every 20 ms (and PSS, which walks page tables)
    costs CPU on a 2-core machine and would slow multi-process tools more than others.
    Every run starts after a sync, outside the timing: otherwise a build pays for flushing
    what the build before it (often another tool's) wrote and deleted."""
    os.sync()
    with tempfile.TemporaryDirectory(prefix="guanxin-bench-") as tmp:
        timing, out, err = Path(tmp, "time"), Path(tmp, "stdout"), Path(tmp, "stderr")
        with open(out, "wb") as stdout, open(err, "wb") as stderr:
            proc = subprocess.Popen(["/usr/bin/time", "-o", str(timing), "-f", "%e %U %S %M", *cmd], cwd=cwd,
                                    env=env, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL,
                                    start_new_session=True)  # its own process group: what the sampler sums
            sampler = TreeSampler(proc.pid, skip=proc.pid)
            if sample_tree:
                sampler.start()
            try:
                rc = proc.wait(timeout=BUILD_TIMEOUT)
            finally:
                sampler.done.set()
                if sample_tree:
                    sampler.join()
                if proc.poll() is None:
                    os.killpg(proc.pid, 9)
                    proc.wait()
        lines = timing.read_text().strip().splitlines()
        wall, user, system, max_kib = lines[-1].split()  # earlier lines: "Command exited with non-zero status"
        return Sample(float(wall), float(user) + float(system), int(max_kib), sampler.rss_peak, sampler.pss_peak,
                      sampler.processes, rc, out.read_text(errors="replace"), err.read_text(errors="replace"))


# --------------------------------------------------------------------------
# the tools
# --------------------------------------------------------------------------
def guanxin_executable() -> str:
    beside = Path(sys.executable).parent / "guanxin-site"
    if beside.exists():
        return str(beside)
    found = shutil.which("guanxin-site")
    if not found:
        sys.exit("run.py: guanxin-site not found; run with the project's venv: .venv/bin/python bench/run.py")
    return found


def ensure_bytecode() -> None:
    """Measure guanxin-site as installed: `pip install .` writes its bytecode, but an editable
    install run with PYTHONDONTWRITEBYTECODE=1 (set on some CI machines) would recompile every
    module on every run, about 25 ms that no user pays. Hugo, Pelican and Eleventy get their
    compiled forms from their installers too."""
    import compileall

    import guanxin_site
    compileall.compile_dir(Path(guanxin_site.__file__).parent, quiet=1)


def pagefind_binary() -> Path | None:
    """Stock Pagefind's extended binary (the one that segments Chinese), from setup_peers.sh's venv."""
    python = PAGEFIND_VENV / "bin" / "python"
    if not python.exists():
        return None
    found = subprocess.run([str(python), "-c", "import pagefind_bin_extended as p, pathlib; "
                            "print(pathlib.Path(p.__file__).with_name('pagefind_extended'))"],
                           capture_output=True, text=True)
    path = Path(found.stdout.strip()) if found.returncode == 0 else None
    return path if path and path.exists() else None


@dataclass
class Tool:
    name: str
    corpus_format: str
    output: str  # relative to the corpus directory (or absolute for guanxin-site, beside the project)
    cold_cmd: list[str]
    again_cmd: list[str]
    state: tuple[str, ...] = ()  # caches deleted before a cold build, relative to the corpus
    env: dict = field(default_factory=dict)
    pagefind_cmd: list[str] | None = None  # hugo: index its output with stock Pagefind after each build


def ours_command(guanxin: str, build_flags: list[str], project: Path, output: Path, search: bool) -> list[str]:
    flags = [f for f in build_flags if f != "--no-search"] if search else build_flags
    return [guanxin, "build", *flags, "--source", str(project), "--output", str(output)]


def make_tools(corpus_root: Path, guanxin: str, build_flags: list[str], with_jobs_1: bool,
               pagefind: Path | None) -> list[Tool]:
    """All tools; guanxin-site's default build writes to ours-site/, its --no-search builds to ours-site-no-search/."""
    ours_project = corpus_root / "ours"
    hugo_cache = str(corpus_root / "hugo" / ".hugo-cache")
    tools = [
        Tool("hugo", "hugo", "public", ["hugo", "--quiet"], ["hugo", "--quiet"], ("resources", ".hugo-cache"),
             {"HUGO_CACHEDIR": hugo_cache},
             [str(pagefind), "--site", "public", "--silent"] if pagefind else None),
        Tool("pelican", "pelican", "public", [str(PELICAN), "content", "-s", "pelicanconf.py", "-q"],
             [str(PELICAN), "content", "-s", "pelicanconf.py", "-q"], ("cache",)),
        Tool("eleventy", "eleventy", "public", [str(ELEVENTY), "--quiet"], [str(ELEVENTY), "--quiet", "--incremental"],
             (".cache",)),
    ]
    search_output = corpus_root / "ours-site"
    cmd = ours_command(guanxin, build_flags, ours_project, search_output, search=True)
    # guanxin-site's state: the project's cache and the previous site kept beside the output (absolute path)
    tools.append(Tool(SEARCH, "ours", str(search_output), cmd, cmd, (CACHE_DIR, str(spare_path(search_output)))))
    spawn_output = corpus_root / "ours-site-spawn"
    cmd = ours_command(guanxin, build_flags, ours_project, spawn_output, search=True)
    tools.append(Tool(SPAWN, "ours", str(spawn_output), cmd, cmd, (CACHE_DIR, str(spare_path(spawn_output))),
                      {"GUANXIN_START_METHOD": "spawn"}))
    if "--no-search" in build_flags:
        plain_output = corpus_root / "ours-site-no-search"
        cmd = ours_command(guanxin, build_flags, ours_project, plain_output, search=False)
        state = (CACHE_DIR, str(spare_path(plain_output)))
        tools.append(Tool(OURS, "ours", str(plain_output), cmd, cmd, state))
        if with_jobs_1:
            tools.append(Tool(OURS_1, "ours", str(plain_output), [*cmd, "--jobs", "1"], [*cmd, "--jobs", "1"], state))
    return tools


def build_help(guanxin: str) -> str:
    return subprocess.run([guanxin, "build", "--help"], capture_output=True, text=True, check=True).stdout


def tool_versions(guanxin: str) -> dict[str, str]:
    def run(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "not installed"

    pagefind = pagefind_binary()
    return {"guanxin-site": run([guanxin, "--version"]), "hugo": run(["hugo", "version"]),
            "pagefind": run([str(pagefind), "--version"]) + " (extended binary)" if pagefind else "not installed",
            "pelican": run([str(PELICAN), "--version"]), "eleventy": run([str(ELEVENTY), "--version"]),
            "node": run(["node", "--version"]), "python": sys.version.split()[0],
            "chromium": run([query_cost.CHROMIUM, "--version"])}


# --------------------------------------------------------------------------
# corpus and output bookkeeping
# --------------------------------------------------------------------------
def ensure_corpus(root: Path, fmt: str, n: int) -> Path:
    """The corpus of N issues in `fmt`, regenerated when missing, of another size or made by another generator."""
    target = root / fmt
    wanted = gen_corpus.marker(fmt, n)
    marker = target / gen_corpus.MARKER
    if not (marker.is_file() and marker.read_text(encoding="utf-8") == wanted
            and not gen_corpus.issue_file(target, fmt, n + 1).exists()):
        gen_corpus.generate(target, fmt, n, clean=True)
    return target


class Trash:
    """Where deleted outputs and caches go during a run: renamed aside, removed at the end.

    Why not delete them at once: this VM's root file system is ext4 without a journal, where
    allocating an inode skips every inode of its block group freed in the last 5 to 305 seconds
    (ext4's recently_deleted(), checked only without a journal), one buffer lookup each. A cold
    build right after deleting the previous one's ~20,000 files then paid 300-900 µs of kernel
    time per file or folder it created, instead of 40-60 µs (perf: find_inode_bit ->
    recently_deleted -> find_get_block_common; bench/README.md). That is the VM, not any tool (and
    it charges each tool by the number of files it creates), so the files are kept until the end,
    or until free space runs low, when the trash is emptied and the file system synced."""

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.count = 0
        self.emptied_early: list[str] = []

    def use(self, folder: Path, keep_free: float) -> None:
        self.folder, self.keep_free = folder, keep_free
        folder.mkdir(parents=True, exist_ok=True)

    def discard(self, path: Path) -> None:
        if self.folder is None or path.is_symlink() or path.is_file():
            _delete(path)
            return
        if shutil.disk_usage(self.folder).free < self.keep_free:
            self.emptied_early.append(f"{dt.datetime.now(dt.timezone.utc):%H:%M} UTC "
                                      f"({shutil.disk_usage(self.folder).free / 1e9:.1f} GB free)")
            self.empty()
        self.count += 1
        try:
            path.rename(self.folder / f"{self.count}-{path.name}")
        except OSError:
            _delete(path)

    def empty(self) -> None:
        if self.folder is not None and self.folder.exists():
            for item in self.folder.iterdir():
                _delete(item)
            os.sync()


TRASH = Trash()


def _delete(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def remove_tree(path: Path) -> None:
    if path.exists() or path.is_symlink():
        TRASH.discard(path)


Snapshot = dict[str, tuple[int, int, int]]  # rel path -> (inode, mtime_ns, size)


def snapshot(root: Path) -> Snapshot:
    files: Snapshot = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            files[os.path.relpath(path, root)] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return files


def rewritten(before: Snapshot, after: Snapshot) -> tuple[list[str], list[str]]:
    """(files new or rewritten, files removed): a file counts as rewritten when its inode or mtime changed."""
    changed = sorted(rel for rel, meta in after.items() if rel not in before or before[rel][:2] != meta[:2])
    removed = sorted(set(before) - set(after))
    return changed, removed


def categorise(files: list[str]) -> str:
    """What kinds of pages a rebuild rewrote, e.g. "2 issue pages; 1 manifest; …"."""
    kinds: dict[str, int] = {}
    for rel in files:
        parts = rel.split("/")
        if rel == ".guanxin-site.json":
            kind = "manifest"
        elif parts[0].isdigit():
            kind = "year pages" if len(parts) == 2 else "issue pages"
        elif parts[0] == "regions" and len(parts) > 2:
            kind = "region feeds" if parts[-1] == "feed.xml" else "region, region-year and county pages"
        else:
            kind = "site-wide pages (" + ", ".join(sorted(r for r in files if r.count("/") <= 1
                                                             and not r.split("/")[0].isdigit()
                                                             and r != ".guanxin-site.json")) + ")"
        kinds[kind] = kinds.get(kind, 0) + 1
    return "; ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))


def output_size(root: Path) -> tuple[int, float]:
    pages = size = 0
    for dirpath, _, names in os.walk(root):
        for name in names:
            pages += name.endswith(".html")
            size += os.lstat(os.path.join(dirpath, name)).st_size
    return pages, size / 1e6


def tree_size(root: Path) -> tuple[int, int, int]:
    """(files, bytes, bytes of disk blocks allocated, as `du` counts) under root."""
    files = size = disk = 0
    for dirpath, _, names in os.walk(root):
        for name in names:
            st = os.lstat(os.path.join(dirpath, name))
            files, size, disk = files + 1, size + st.st_size, disk + st.st_blocks * 512
    return files, size, disk


def tree_digests(root: Path) -> dict[str, str]:
    """rel path -> sha256 of every file under root (symlinks by their target)."""
    digests = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                digests[rel] = "link:" + os.readlink(path)
            else:
                with open(path, "rb") as handle:
                    digests[rel] = hashlib.file_digest(handle, "sha256").hexdigest()
    return digests


def search_files(with_search: dict[str, str], without: dict[str, str]) -> tuple[set[str], set[str]]:
    """(files only the build with search writes: the search bundle, files both write that differ)."""
    only = {rel for rel in with_search if rel not in without}
    differ = {rel for rel in with_search if rel in without and with_search[rel] != without[rel]}
    return only, differ


# --------------------------------------------------------------------------
# what adding issue N+1 may rewrite in guanxin-site's output
# --------------------------------------------------------------------------
def expected_rewrites(n: int) -> tuple[set[str], tuple[str, ...], set[str]]:
    """(files that must be rewritten, prefixes under which rewrites are expected, other files allowed to change).

    The new issue N+1 shows up on: its own page, the previous issue's page (next link), its
    year page (and the previous year's, for the newer-year link, when it opens a year), the
    pages of each region it reports on (region page, region-year page, county pages, region
    feed), and the pages that summarise the whole archive: home, archive, regions, stats,
    site feed, sitemap; plus the output manifest.
    """
    _, number, date = next(gen_corpus.calendar(n + 1, n + 1))
    _, prev_number, prev_date = next(gen_corpus.calendar(n, n))
    issue = next(gen_corpus.Model(gen_corpus.load_sentences(gen_corpus.DEFAULT_SEED_ISSUE)).issues(n + 1, n + 1))
    gazetteer = Gazetteer.load("heilongjiang")
    slugs = [gazetteer.region(name).slug for name in issue.regions]
    must = {f"{date.year}/{number}/index.html", f"{prev_date.year}/{prev_number}/index.html",
            f"{date.year}/index.html", "index.html", "archive/index.html", "feed.xml", "sitemap.xml"}
    must |= {f"regions/{slug}/index.html" for slug in slugs} | {f"regions/{slug}/feed.xml" for slug in slugs}
    allowed = {"regions/index.html", "stats/index.html", ".guanxin-site.json", f"{prev_date.year}/index.html"}
    # the new issue's own folder may hold more than its page (e.g. its WeChat version, wechat.html)
    return must, (f"{date.year}/{number}/", *(f"regions/{slug}/" for slug in slugs)), allowed


# --------------------------------------------------------------------------
# one round of one tool
# --------------------------------------------------------------------------
@dataclass
class Record:
    cold: list[Sample] = field(default_factory=list)
    again: list[Sample] = field(default_factory=list)
    add_one: list[Sample] = field(default_factory=list)
    edit_one: list[Sample] = field(default_factory=list)
    memory: list[Sample] = field(default_factory=list)  # untimed cold runs with the memory sampler on
    stages: list[tuple[Sample, Sample]] = field(default_factory=list)  # hugo + pagefind: (hugo, pagefind) of a cold build
    again_written: list[int] = field(default_factory=list)  # files rewritten by the no-change build
    again_swapped: list[bool] = field(default_factory=list)  # the output directory itself was replaced
    add_one_kinds: str = ""  # what the last add-one run rewrote, by kind of page
    add_one_changed: list[list[str]] = field(default_factory=list)  # files rewritten by each add-one run
    add_one_removed: list[list[str]] = field(default_factory=list)
    edit_one_written: list[int] = field(default_factory=list)
    identical: list[str] = field(default_factory=list)  # incremental vs clean build, byte compare verdicts
    same_as_fork: bool | None = None  # spawn: every file the same as the default (fork) build's
    pages: int = 0
    megabytes: float = 0.0
    bundle: tuple[int, int, int] | None = None  # search bundle: (files, bytes, bytes of disk blocks)
    bundle_where: str = ""
    failures: list[str] = field(default_factory=list)


def _env(tool: Tool) -> dict:
    return {**os.environ, **tool.env}


def _note_failure(record: Record, what: str, sample: Sample) -> None:
    if sample.rc != 0:
        tail = (sample.stderr.strip() or sample.stdout.strip())[-600:]
        record.failures.append(f"{what}: exit {sample.rc}: {tail}")


def measure_memory(tool: Tool, cwd: Path, output: Path, state: list[Path], record: Record) -> None:
    """One more cold build, not timed, with the process group's memory polled."""
    for path in (output, *state):
        remove_tree(path)
    sample = measure(tool.cold_cmd, cwd, _env(tool), sample_tree=True)
    _note_failure(record, "cold (memory)", sample)
    record.memory.append(sample)


def pipeline(first: Sample, second: Sample) -> Sample:
    """Two builds run one after the other as one pipeline: times add up, the peak is the larger one's."""
    return Sample(first.wall + second.wall, first.cpu + second.cpu, max(first.max_process_kib, second.max_process_kib),
                  max(first.tree_rss_kib, second.tree_rss_kib),
                  max((x for x in (first.tree_pss_kib, second.tree_pss_kib) if x is not None), default=None),
                  max(first.processes, second.processes), first.rc or second.rc, first.stdout + second.stdout,
                  first.stderr + second.stderr)


def run_peer_round(tool: Tool, corpus: Path, record: Record, memory: bool = False) -> None:
    """memory: the cold build's /usr/bin/time peak is the tool's memory figure (Hugo, Pelican and Eleventy each
    build in one process, so the largest process is the whole tree: no extra sampled build is needed)."""
    output = corpus / tool.output
    for path in (output, *(corpus / s for s in tool.state)):
        remove_tree(path)
    sample = measure(tool.cold_cmd, corpus, _env(tool))
    _note_failure(record, "cold", sample)
    record.cold.append(sample)
    if memory:
        record.memory.append(sample)
    record.pages, record.megabytes = output_size(output)
    sample = measure(tool.again_cmd, corpus, _env(tool))
    _note_failure(record, "no-change", sample)
    record.again.append(sample)


def run_hugo_round(tool: Tool, corpus: Path, n: int, record: Record, with_search: Record | None,
                   memory: bool = False, last: bool = False, rebuilds: bool = True) -> None:
    """Hugo alone (cold, no-change) and, with_search, Hugo + stock Pagefind: `pagefind --site public` after each
    Hugo build, and one issue added (Hugo rebuilds, Pagefind re-indexes everything: it has no incremental mode).

    Hugo and Pagefind each run as one process (threads), so /usr/bin/time's peak RSS is the peak of the
    whole tree for each stage; the pipeline's peak is the larger of the two."""
    run_peer_round(tool, corpus, record, memory=memory)
    if with_search is None:
        return
    output = corpus / tool.output
    # The no-change Hugo build above left public/ as the cold build made it; index it (the cold pipeline),
    # then Hugo + Pagefind again (the no-change pipeline), then one issue added.
    hugo_cold, hugo_again = record.cold[-1], record.again[-1]
    index = measure(tool.pagefind_cmd, corpus, _env(tool))
    _note_failure(with_search, "pagefind (cold)", index)
    with_search.cold.append(pipeline(hugo_cold, index))
    with_search.stages.append((hugo_cold, index))
    with_search.pages, with_search.megabytes = output_size(output)
    with_search.bundle = tree_size(output / "pagefind")
    with_search.bundle_where = "public/pagefind/"
    if memory:
        with_search.memory.append(with_search.cold[-1])
    if not rebuilds:  # no-change and add-one skipped (--peer-rebuilds): Pagefind re-indexes everything anyway
        return
    index = measure(tool.pagefind_cmd, corpus, _env(tool))
    _note_failure(with_search, "pagefind (no-change)", index)
    with_search.again.append(pipeline(hugo_again, index))

    added = gen_corpus.add_issue(corpus, "hugo", n + 1)
    try:
        build = measure(tool.again_cmd, corpus, _env(tool))
        index = measure(tool.pagefind_cmd, corpus, _env(tool))
        _note_failure(with_search, "add-one", pipeline(build, index))
        with_search.add_one.append(pipeline(build, index))
    finally:
        added.unlink()
        if last:  # leave the N-issue site, indexed, for the query measurements (Hugo keeps stale pages: rebuild)
            for path in (output, *(corpus / s for s in tool.state)):
                remove_tree(path)
            for cmd in (tool.cold_cmd, tool.pagefind_cmd):
                _note_failure(with_search, "restore after add-one", measure(cmd, corpus, _env(tool)))


def run_spawn_round(tool: Tool, project: Path, record: Record, fork_output: Path) -> None:
    """The default build with spawned workers (GUANXIN_START_METHOD=spawn, Windows' only way): cold and
    no-change, timed like the others, and its output compared file by file with the fork build's."""
    output = Path(tool.output)
    for path in (output, *(project / s for s in tool.state)):
        remove_tree(path)
    sample = measure(tool.cold_cmd, project, _env(tool))
    _note_failure(record, "cold", sample)
    record.cold.append(sample)
    record.pages, record.megabytes = output_size(output)
    if sample.rc == 0 and fork_output.exists():
        record.same_as_fork = tree_digests(output) == tree_digests(fork_output)
    sample = measure(tool.again_cmd, project, _env(tool))
    _note_failure(record, "no-change", sample)
    record.again.append(sample)


def edit_issue(project: Path, n: int) -> tuple[Path, bytes]:
    """Edit one issue in the middle of the archive: a sentence added to its first report. Returns (file, old bytes)."""
    path = gen_corpus.issue_file(project, "ours", max(1, n // 2))
    old = path.read_bytes()
    lines = old.decode("utf-8").split("\n")
    heading = next(i for i, line in enumerate(lines) if line.startswith("## "))
    para = next(i for i in range(heading + 1, len(lines)) if lines[i].strip())
    lines[para] += EDIT_SENTENCE
    path.write_bytes("\n".join(lines).encode("utf-8"))
    return path, old


EDIT_SENTENCE = "本期补充：大箐山县关工委组织五老志愿者开展关爱留守儿童心理健康专题活动。"


def clean_build_digests(tool: Tool, project: Path, scratch: Path,
                        sample_tree: bool = False) -> tuple[dict[str, str], Sample]:
    """A clean build of the project as it is now, into a scratch output: the reference an incremental output
    must equal byte for byte. The same project (same paths, same files), with its cache moved aside for the
    build and put back after, so that even the manifest's record of the inputs must match. It is a true cold
    build (no cache, no output, no spare), so sample_tree makes it serve as the memory run as well."""
    remove_tree(scratch)
    scratch.mkdir(parents=True)
    cache, aside = project / CACHE_DIR, scratch / "cache-aside"
    output = scratch / "site"
    cmd = [str(output) if arg == tool.output else arg for arg in tool.cold_cmd]
    if cache.exists():
        cache.rename(aside)
    try:
        sample = measure(cmd, project, sample_tree=sample_tree)
        digests = tree_digests(output) if sample.rc == 0 else {}
    finally:
        remove_tree(cache)
        if aside.exists():
            aside.rename(cache)
        remove_tree(scratch)
    return digests, sample


def compare(label: str, incremental: dict[str, str], clean: dict[str, str]) -> str:
    if incremental == clean:
        return f"{label}: identical to a clean build ({len(clean):,} files)"
    only_inc = sorted(set(incremental) - set(clean))
    only_clean = sorted(set(clean) - set(incremental))
    differ = sorted(rel for rel in set(incremental) & set(clean) if incremental[rel] != clean[rel])
    parts = [f"{len(differ)} differ" + (f" ({', '.join(differ[:10])}{' …' if len(differ) > 10 else ''})" if differ else ""),
             f"{len(only_inc)} only in the incremental output" + (f" ({', '.join(only_inc[:10])})" if only_inc else ""),
             f"{len(only_clean)} only in the clean build" + (f" ({', '.join(only_clean[:10])})" if only_clean else "")]
    return f"{label}: DIFFERS from a clean build: " + "; ".join(parts)


def run_ours_round(tool: Tool, project: Path, n: int, record: Record, add_one: bool, memory: bool = False,
                   verify: bool = False, verify_edit: bool = True, scratch: Path | None = None,
                   sample_timed: bool = False) -> None:
    """verify: compare the incremental outputs (add one and its undoing; with verify_edit also edit one and its
    undoing) with clean builds; the last clean build of the edit check (the archive as it was, N issues) is then
    also the memory run, sampled. sample_timed: sample memory in the timed cold build, no extra build."""
    output = Path(tool.output)
    memory_from_verify = verify and verify_edit and add_one
    if memory and not memory_from_verify and not sample_timed:
        measure_memory(tool, project, output, [project / s for s in tool.state], record)
    for path in (output, *(project / s for s in tool.state)):
        remove_tree(path)
    sampled = memory and sample_timed and not memory_from_verify
    sample = measure(tool.cold_cmd, project, sample_tree=sampled)
    _note_failure(record, "cold", sample)
    record.cold.append(sample)
    if sampled:
        record.memory.append(sample)
    record.pages, record.megabytes = output_size(output)
    clean_n = tree_digests(output) if verify else {}

    before, directory = snapshot(output), output.stat().st_ino
    sample = measure(tool.again_cmd, project)
    _note_failure(record, "no-change", sample)
    record.again.append(sample)
    changed, removed = rewritten(before, snapshot(output))
    record.again_written.append(len(changed) + len(removed))
    record.again_swapped.append(output.stat().st_ino != directory)
    if not add_one:
        return

    before = snapshot(output)
    added = gen_corpus.add_issue(project, "ours", n + 1)
    try:
        sample = measure(tool.again_cmd, project)
        _note_failure(record, "add-one", sample)
        record.add_one.append(sample)
        changed, removed = rewritten(before, snapshot(output))
        record.add_one_changed.append(changed)
        record.add_one_kinds = categorise(changed)
        record.add_one_removed.append(removed)
        if verify:
            clean, ref = clean_build_digests(tool, project, scratch)
            _note_failure(record, "clean build with the added issue", ref)
            record.identical.append(compare(f"add issue {n + 1}", tree_digests(output), clean))
    finally:
        added.unlink()  # back to N issues for the next round (the rebuild is not timed)
        restore = measure(tool.again_cmd, project)
        _note_failure(record, "restore after add-one", restore)
    if verify:
        record.identical.append(compare(f"remove issue {n + 1} again", tree_digests(output), clean_n))

    before = snapshot(output)
    path, old = edit_issue(project, n)
    try:
        sample = measure(tool.again_cmd, project)
        _note_failure(record, "edit-one", sample)
        record.edit_one.append(sample)
        changed, removed = rewritten(before, snapshot(output))
        record.edit_one_written.append(len(changed) + len(removed))
        if verify and verify_edit:
            clean, ref = clean_build_digests(tool, project, scratch)
            _note_failure(record, "clean build with the edited issue", ref)
            record.identical.append(compare(f"edit issue {max(1, n // 2)}", tree_digests(output), clean))
    finally:
        path.write_bytes(old)
        restore = measure(tool.again_cmd, project)
        _note_failure(record, "restore after edit-one", restore)
    if verify and verify_edit:  # the file's identity (ctime) changed, and the manifest records it: a new clean build
        clean, ref = clean_build_digests(tool, project, scratch, sample_tree=memory)
        _note_failure(record, "clean build after the edit was undone (memory run)", ref)
        if memory:
            record.memory.append(ref)
        record.identical.append(compare("undo the edit", tree_digests(output), clean))


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------
def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(samples: list[Sample], cpu: bool = False) -> str:
    """Median wall (min–max), optionally with the median CPU time, which a busy machine inflates less."""
    if not samples:
        return "—"
    walls = [s.wall for s in samples]
    cell = f"{med(walls):.2f} ({min(walls):.2f}–{max(walls):.2f})"
    return cell + (f", CPU {med([s.cpu for s in samples]):.2f}" if cpu else "")


def mib(kib: float | None) -> str:
    return "—" if kib is None else f"{kib / 1024:,.0f}"


def peak_cell(samples: list[Sample]) -> str:
    """Median over the memory runs of: largest process / process tree RSS sum [/ PSS sum]."""
    if not samples:
        return "—"
    largest = mib(med([s.max_process_kib for s in samples]))
    tree = mib(med([s.tree_rss_kib for s in samples]))
    pss = [s.tree_pss_kib for s in samples if s.tree_pss_kib is not None]
    procs = max(s.processes for s in samples)
    if procs <= 1:
        return largest
    return f"{largest} / {tree} / {mib(med(pss)) if pss else '—'} ({procs} proc)"


def ratio(ours: list[Sample], peer: list[Sample]) -> str:
    if not ours or not peer:
        return "—"
    return f"{med([s.wall for s in ours]) / med([s.wall for s in peer]):.2f}"


SEARCH_LABEL = {SEARCH: "**included**", SPAWN: "**included**", HUGO_PF: "Pagefind 1.5", OURS: "**excluded** (`--no-search`)",
                OURS_1: "**excluded** (`--no-search`)", "hugo": "none", "pelican": "none", "eleventy": "none"}


def bundle_cell(record: Record, disk: bool = False) -> str:
    if not record.bundle:
        return "—"
    files, size, blocks = record.bundle
    return f"{size / 1e6:,.1f} ({files:,})" + (f"; {blocks / 1e6:,.1f} on disk" if disk else "")


def table(results: dict[tuple[str, int], Record], sizes: list[int], tool_names: list[str]) -> str:
    head = ("| tool | N | search | html pages | output MB | search bundle MB (files) | cold wall s median (min–max) | "
            "cold CPU s | cold peak MiB | no-change wall s median (min–max), CPU s | add-one wall s median (min–max), CPU s | "
            "edit-one wall s median (min–max), CPU s | cold vs Hugo + Pagefind | cold vs Hugo | cold vs Pelican | failures |")
    rows = [head, "|" + "---|" * (head.count("|") - 1)]
    for n in sizes:
        for name in tool_names:
            record = results.get((name, n))
            if record is None:
                continue
            plain = name in (OURS, OURS_1)
            hugo, hugo_pf, pelican = (results.get((t, n)) for t in ("hugo", HUGO_PF, "pelican"))
            rows.append("| " + " | ".join([
                name, f"{n:,}", SEARCH_LABEL.get(name, ""), f"{record.pages:,}", f"{record.megabytes:.1f}",
                bundle_cell(record), spread(record.cold),
                f"{med([s.cpu for s in record.cold]):.2f}", peak_cell(record.memory or record.cold),
                spread(record.again, cpu=True),
                spread(record.add_one, cpu=True) if record.add_one else "—",
                spread(record.edit_one, cpu=True) if record.edit_one else "—",
                ratio(record.cold, hugo_pf.cold) if name in (SEARCH, SPAWN) and hugo_pf else "—",
                ratio(record.cold, hugo.cold) if plain and hugo else "—",
                ratio(record.cold, pelican.cold) if plain and pelican else "—",
                str(len(record.failures)),
            ]) + " |")
    return "\n".join(rows)


def headline(results: dict[tuple[str, int], Record], sizes: list[int]) -> list[str]:
    """The default build (search included) against Hugo + Pagefind, one row per measure: the README's table."""
    rows = ["| N | measure | guanxin-site `build` (search included) | Hugo + Pagefind | ratio |", "|---|---|---|---|---|"]

    def wall(samples: list[Sample]) -> float | None:
        return med([s.wall for s in samples]) if samples else None

    def cell(value: float | None, fmt: str = "{:.2f}") -> str:
        return "—" if value is None else fmt.format(value)

    def ratio_cell(a: float | None, b: float | None) -> str:
        return f"{a / b:.2f}×" if a is not None and b else "—"

    for n in sizes:
        ours, peer = results.get((SEARCH, n)), results.get((HUGO_PF, n))
        if not ours or not peer:
            continue
        split = ""
        if peer.stages:
            split = (f" ({med([h.wall for h, _ in peer.stages]):.2f} + {med([i.wall for _, i in peer.stages]):.2f})")
        mem_o = med([tree_peak_kib(s) for s in ours.memory]) / 1024 if ours.memory else None
        mem_p = med([tree_peak_kib(s) for s in peer.memory]) / 1024 if peer.memory else None
        rows += [
            f"| {n:,} | cold build, wall s | {cell(wall(ours.cold))} | {cell(wall(peer.cold))}{split} | "
            f"{ratio_cell(wall(ours.cold), wall(peer.cold))} |",
            f"| {n:,} | cold build, CPU s | {cell(med([s.cpu for s in ours.cold]))} | "
            f"{cell(med([s.cpu for s in peer.cold]))} | {ratio_cell(med([s.cpu for s in ours.cold]), med([s.cpu for s in peer.cold]))} |",
            f"| {n:,} | peak memory, whole process tree, MiB | {cell(mem_o, '{:,.0f}')} | {cell(mem_p, '{:,.0f}')} | "
            f"{ratio_cell(mem_o, mem_p)} |",
            f"| {n:,} | search bundle, MB (files); MB of disk blocks | {bundle_cell(ours, True)} | {bundle_cell(peer, True)} | "
            f"{ratio_cell(ours.bundle[1] if ours.bundle else None, peer.bundle[1] if peer.bundle else None)} |",
            f"| {n:,} | no-change rebuild, wall s | {cell(wall(ours.again))} | {cell(wall(peer.again))} | "
            f"{ratio_cell(wall(ours.again), wall(peer.again))} |",
            f"| {n:,} | add one issue, wall s | {cell(wall(ours.add_one))} | {cell(wall(peer.add_one))} | "
            f"{ratio_cell(wall(ours.add_one), wall(peer.add_one))} |",
            f"| {n:,} | edit one issue, wall s | {cell(wall(ours.edit_one))} | — | — |",
        ]
    return rows if len(rows) > 2 else []


def stage_lines(results: dict[tuple[str, int], Record], sizes: list[int]) -> list[str]:
    lines = []
    for n in sizes:
        record = results.get((HUGO_PF, n))
        if not record or not record.stages:
            continue
        hugo = [h for h, _ in record.stages]
        index = [i for _, i in record.stages]
        lines.append(f"- N={n:,}: Hugo {med([s.wall for s in hugo]):.2f} s (CPU {med([s.cpu for s in hugo]):.2f}, "
                     f"peak {mib(med([s.max_process_kib for s in hugo]))} MiB) + Pagefind "
                     f"{med([s.wall for s in index]):.2f} s (CPU {med([s.cpu for s in index]):.2f}, peak "
                     f"{mib(med([s.max_process_kib for s in index]))} MiB) = {med([s.wall for s in record.cold]):.2f} s; "
                     f"bundle {bundle_cell(record)} in {record.bundle_where}")
    return lines


def tree_peak_kib(sample: Sample) -> int:
    """The whole tree's peak: PSS sum where several processes ran (else the RSS sum), or the largest process if higher."""
    return max(sample.tree_pss_kib or sample.tree_rss_kib, sample.max_process_kib)


def slope_lines(memory: dict[tuple[str, int], list[Sample]]) -> tuple[list[str], dict[str, float]]:
    """Peak memory of the whole process tree per size and its growth per 1,000 issues (first to last size)."""
    lines, slopes = [], {}
    for name in (SEARCH, HUGO_PF):
        points = sorted((n, med([tree_peak_kib(s) for s in samples]) / 1024)
                        for (tool, n), samples in memory.items() if tool == name and samples)
        if not points:
            continue
        cells = ", ".join(f"{n:,}: {peak:,.0f} MiB" for n, peak in points)
        if len(points) >= 2:
            (n0, p0), (n1, p1) = points[0], points[-1]
            slopes[name] = (p1 - p0) / ((n1 - n0) / 1000)
            steps = "; ".join(f"{(b[1] - a[1]) / ((b[0] - a[0]) / 1000):,.1f} from {a[0]:,} to {b[0]:,}"
                              for a, b in zip(points, points[1:]))
            cells += f" → **{slopes[name]:,.1f} MiB per 1,000 issues** ({steps})"
        lines.append(f"- {name}: {cells}")
    return lines, slopes


def search_sets(search_out: Path, plain_out: Path) -> tuple[set[str], set[str], tuple[str, ...]]:
    """What the search adds to the output: (bundle files, files that differ, bundle folders as prefixes)."""
    only, differ = search_files(tree_digests(search_out), tree_digests(plain_out))
    folders = tuple(sorted({rel.split("/")[0] + "/" for rel in only if "/" in rel}))
    return only, differ, folders


def checks(results: dict[tuple[str, int], Record], sizes: list[int],
           searched: dict[int, tuple[set[str], set[str], tuple[str, ...]]]) -> list[str]:
    """guanxin-site's behaviour, in plain sentences."""
    lines = []
    for n in sizes:
        for name in OURS_ALL:
            record = results.get((name, n))
            if record is None:
                continue
            quiet = not any(record.again_written) and not any(record.again_swapped)
            lines.append(f"- {name}, N={n:,}: no-change rebuild rewrote {record.again_written} files per run, "
                         f"output directory replaced {record.again_swapped} "
                         f"({'OK: writes nothing' if quiet else 'WRONG: it should write nothing'}).")
            if record.add_one_changed:
                must, prefixes, allowed = expected_rewrites(n)
                only, differ, folders = searched.get(n, (set(), set(), ())) if name == SEARCH else (set(), set(), ())
                search_related = [[rel for rel in run if rel in only | differ or rel.startswith(folders)]
                                  for run in record.add_one_changed]
                pages = [[rel for rel in run if not (rel in only | differ or rel.startswith(folders))]
                         for run in record.add_one_changed]
                unexpected = sorted({rel for run in pages for rel in run
                                     if rel not in must | allowed and not rel.startswith(prefixes)})
                missing = sorted({rel for run in pages for rel in must if rel not in run})
                removed = sorted({rel for run in record.add_one_removed for rel in run
                                  if not (rel in only | differ or rel.startswith(folders))})
                verdict = "OK: only pages that show the new issue" if not (unexpected or missing or removed) else "CHECK"
                search_note = (f" + {[len(r) for r in search_related]} search files"
                               + (f" (and {sum(len(r) for r in record.add_one_removed) - len(removed)} search files removed"
                                  " in all runs)" if any(record.add_one_removed) else "")) if name == SEARCH else ""
                lines.append(f"- {name}, N={n:,}: add-one rewrote {[len(r) for r in pages]} pages per run{search_note} "
                             f"({verdict}); last run's pages: {categorise(pages[-1])}.")
                if unexpected:
                    lines.append(f"  - rewritten although they do not show issue {n + 1} ({len(unexpected)}): "
                                 + ", ".join(unexpected[:30]) + (" …" if len(unexpected) > 30 else ""))
                if missing:
                    lines.append(f"  - not rewritten although they show issue {n + 1}: " + ", ".join(missing))
                if removed:
                    lines.append("  - removed: " + ", ".join(removed[:30]))
            if record.edit_one_written:
                lines.append(f"- {name}, N={n:,}: edit-one (a sentence added to issue {max(1, n // 2)}) rewrote "
                             f"{record.edit_one_written} files per run.")
            for verdict in record.identical:
                lines.append(f"- {name}, N={n:,}: {verdict}.")
            for failure in record.failures:
                lines.append(f"  - failure: {failure}")
        if n in searched:
            only, differ, folders = searched[n]
            lines.append(f"- N={n:,}: the search bundle (files the default build writes that `--no-search` does not): "
                         f"{len(only):,} files in {', '.join(folders) or '(top level)'}"
                         f"{'; top-level files: ' + ', '.join(sorted(r for r in only if '/' not in r)) if any('/' not in r for r in only) else ''}"
                         f"; files both write that differ: {len(differ)}"
                         f"{' (' + ', '.join(sorted(differ)[:10]) + ')' if differ else ''}.")
        for name in PEERS:
            record = results.get((name, n))
            for failure in record.failures if record else []:
                lines.append(f"- {name}, N={n:,}: failure: {failure}")
    return lines


def verdict(ok: bool | None, at: int) -> str:
    if ok is None:
        return "not measured"
    if at < 5000:
        return ("within" if ok else "over") + " (the target is stated at 5,000 issues; indicative only)"
    return "met" if ok else "**NOT met**"


def targets_issue_10(results: dict[tuple[str, int], Record], sizes: list[int], slopes: dict[str, float],
                     queries: list | None) -> list[str]:
    lines = []
    for n in sizes:
        ours, peer = results.get((SEARCH, n)), results.get((HUGO_PF, n))
        if ours and ours.cold and peer and peer.cold:
            r = med([s.wall for s in ours.cold]) / med([s.wall for s in peer.cold])
            lines.append(f"- N={n:,}: cold `guanxin-site build` (search included) {med([s.wall for s in ours.cold]):.2f} s "
                         f"= **{r:.2f}×** Hugo + Pagefind's {med([s.wall for s in peer.cold]):.2f} s "
                         f"(target ≤ 1.0×, aim 0.3×): {'met' if r <= 1.0 else '**NOT met**'}"
                         f"{' (aim met too)' if r <= 0.3 else ''}")
    big = max(sizes)
    ours, peer = results.get((SEARCH, big)), results.get((HUGO_PF, big))
    if ours and ours.cold:
        peak = med([tree_peak_kib(s) for s in (ours.memory or ours.cold)]) * 1024
        lines.append(f"- N={big:,}: peak memory of the whole process tree {peak / 2**20:,.0f} MiB = {peak / 1e9:.2f} GB "
                     f"(target ≤ 1 GB): {verdict(peak <= GB, big)}")
        if SEARCH in slopes:
            lines.append(f"- memory slope: {slopes[SEARCH]:,.1f} MiB per 1,000 issues"
                         + (f" (Hugo + Pagefind: {slopes[HUGO_PF]:,.1f})" if HUGO_PF in slopes else ""))
        again = med([s.wall for s in ours.again])
        lines.append(f"- N={big:,}: no-change rebuild {again:.2f} s, files written {ours.again_written} "
                     f"(target < 0.5 s, writes nothing): {verdict(again < 0.5 and not any(ours.again_written), big)}")
        if ours.add_one:
            add = med([s.wall for s in ours.add_one])
            lines.append(f"- N={big:,}: add one issue {add:.2f} s (target < 3 s): {verdict(add < 3, big)}")
        if ours.edit_one:
            edit = med([s.wall for s in ours.edit_one])
            lines.append(f"- N={big:,}: edit one issue {edit:.2f} s (target < 3 s): {verdict(edit < 3, big)}")
        if ours.identical:
            same = all("identical" in v for v in ours.identical)
            lines.append(f"- N={big:,}: incremental output byte-identical to a clean build ({len(ours.identical)} "
                         f"comparisons): {'met' if same else '**NOT met**'}")
        if ours.bundle and peer and peer.bundle:
            lines.append(f"- N={big:,}: search bundle {bundle_cell(ours, True)} vs stock Pagefind's "
                         f"{bundle_cell(peer, True)}: MB of file bytes (files) and of disk blocks, as `du` counts "
                         f"(target: no larger): {verdict(ours.bundle[1] <= peer.bundle[1], big)}")
    for report in queries or []:
        if report.site != "ours":
            continue
        sm = query_cost.summary(report)
        if sm["max_bytes"] is None:
            lines.append("- queries: no query completed on guanxin-site's search page (see the query table)")
            continue
        lines.append(f"- query cost, cold cache, search page included (worst of {sm['queries']} queries): "
                     f"{sm['max_requests']} requests, {sm['max_bytes'] / 1000:,.1f} KB over the wire "
                     f"(target ≤ 8 requests, ≤ 100 KB): "
                     f"{verdict(sm['max_requests'] <= 8 and sm['max_bytes'] <= 100_000, 5000)}; the query alone, "
                     f"after the page: {sm['max_query_requests']} requests, {sm['max_query_bytes'] / 1000:,.1f} KB")
        if sm["max_first_ms"] is not None:
            lines.append(f"- first results on the throttled phone profile: worst {sm['max_first_ms']:,.0f} ms, median "
                         f"{sm['median_first_ms']:,.0f} ms; first ten: worst {sm['max_ten_ms']:,.0f} ms "
                         f"(target ≤ 1,000 ms): {verdict(sm['max_first_ms'] <= 1000, 5000)}")
        if sm["keystroke_requests"]:
            lines.append(f"- one more character: {sm['keystroke_requests']} requests, of which "
                         f"{sm['keystroke_refetched']} for URLs already fetched (target: no refetch): "
                         f"{verdict(sm['keystroke_refetched'] == 0, 5000)}")
        if sm["errors"]:
            lines.append(f"- {sm['errors']} query measurements failed (see the query table)")
    return lines


def targets_issue_23(results: dict[tuple[str, int], Record], sizes: list[int], slopes: dict[str, float],
                     memory: dict[tuple[str, int], list[Sample]]) -> list[str]:
    """Issue 23's targets, each with its figure: a missed one says so, with the figure."""
    def wall(samples: list[Sample]) -> float:
        return med([s.wall for s in samples])

    def cpu(samples: list[Sample]) -> float:
        return med([s.cpu for s in samples])

    def mark(ok: bool) -> str:
        return "met" if ok else "**NOT met**"

    lines = []
    for n in sizes:
        ours, peer = results.get((SEARCH, n)), results.get((HUGO_PF, n))
        if ours and ours.cold and peer and peer.cold:
            r = wall(ours.cold) / wall(peer.cold)
            stated = n in (5000, 10000)
            lines.append(f"- N={n:,}: default build (search, 公众号 edition, feeds, everything) {wall(ours.cold):.2f} s "
                         f"= **{r:.2f}×** Hugo + Pagefind's {wall(peer.cold):.2f} s wall"
                         + (f" (target ≤ 0.35×, aim 0.25×): {mark(r <= 0.35)}{' (aim met too)' if r <= 0.25 else ''}"
                            if stated else " (stated at 5,000 and 10,000 only)")
                         + f"; CPU {cpu(ours.cold):.2f} s against {cpu(peer.cold):.2f} s = {cpu(ours.cold) / cpu(peer.cold):.2f}×")
    for n in sizes:
        ours, hugo = results.get((OURS, n)), results.get(("hugo", n))
        if ours and ours.cold and hugo and hugo.cold and n in (1000, 5000):
            r = wall(ours.cold) / wall(hugo.cold)
            lines.append(f"- N={n:,}: `--no-search` (the pages alone, 公众号 edition included) {wall(ours.cold):.2f} s = "
                         f"**{r:.2f}×** Hugo's {wall(hugo.cold):.2f} s (target ≤ 1.0×, aim 0.5×): {mark(r <= 1.0)}"
                         f"{' (aim met too)' if r <= 0.5 else ''}; pages: {ours.pages:,} against Hugo's {hugo.pages:,}")
    for n in sizes:
        ours = results.get((SEARCH, n))
        if not ours or not ours.cold:
            continue
        if ours.add_one:
            add = wall(ours.add_one)
            judged = n in (5000, 10000)
            lines.append(f"- N={n:,}: add one issue, search included, {add:.2f} s (CPU {cpu(ours.add_one):.2f})"
                         + (f" (target < 1.0 s): {mark(add < 1.0)}" if judged else " (target stated at 5,000 and 10,000)"))
        if ours.edit_one:
            edit = wall(ours.edit_one)
            lines.append(f"- N={n:,}: edit an old issue (issue {max(1, n // 2):,}) {edit:.2f} s "
                         f"(CPU {cpu(ours.edit_one):.2f}; target < 1.5 s): {mark(edit < 1.5)}")
        again = wall(ours.again)
        lines.append(f"- N={n:,}: nothing changed {again:.2f} s, files written per run {ours.again_written} "
                     f"(target < 0.3 s, writing nothing): {mark(again < 0.3 and not any(ours.again_written))}")
        if ours.identical:
            same = all("identical" in v for v in ours.identical)
            lines.append(f"- N={n:,}: every incremental result byte-identical to a clean build "
                         f"({len(ours.identical)} comparisons): {mark(same)}")
    points = sorted((n, med([tree_peak_kib(x) for x in samples]) / 1024)
                    for (tool, n), samples in memory.items() if tool == SEARCH and samples)
    top = [peak for n, peak in points if n == 10000]
    if top:
        lines.append(f"- N=10,000: peak memory of the whole process tree {top[0]:,.0f} MiB (target ≤ 600 MiB): "
                     f"{mark(top[0] <= 600)}"
                     + (f"; slope {slopes[SEARCH]:,.1f} MiB per 1,000 issues ("
                        + ", ".join(f"{n:,}: {peak:,.0f}" for n, peak in points) + ")" if SEARCH in slopes else ""))
    for n in sizes:
        spawned, forked = results.get((SPAWN, n)), results.get((SEARCH, n))
        if spawned and spawned.cold and forked and forked.cold:
            same = {True: "byte-identical to the fork build's", False: "**DIFFERENT** from the fork build's",
                    None: "not compared"}[spawned.same_as_fork]
            lines.append(f"- N={n:,}: workers started by spawn (as on Windows) {wall(spawned.cold):.2f} s wall, CPU "
                         f"{cpu(spawned.cold):.2f} s, against fork's {wall(forked.cold):.2f} s / {cpu(forked.cold):.2f} s "
                         f"({wall(spawned.cold) / wall(forked.cold):.2f}×); output {same}; nothing changed "
                         f"{wall(spawned.again):.2f} s")
    return lines


def targets_issue_4(results: dict[tuple[str, int], Record], sizes: list[int]) -> list[str]:
    """The targets of issue 4, which were set for the build without search (`--no-search`)."""
    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    lines = []
    for n in sizes:
        ours, hugo, pelican = (results.get((t, n)) for t in (OURS, "hugo", "pelican"))
        if not ours or not ours.cold:
            continue
        cold = med([s.wall for s in ours.cold])
        if hugo and hugo.cold:
            r = cold / med([s.wall for s in hugo.cold])
            lines.append(f"- N={n:,}: cold (without search) vs Hugo (without search) {r:.2f} (target ≤ 1.0): {verdict(r <= 1.0)}")
        if pelican and pelican.cold:
            r = cold / med([s.wall for s in pelican.cold])
            lines.append(f"- N={n:,}: cold (without search) vs Pelican {r:.2f} (target ≤ 0.25): {verdict(r <= 0.25)}")
        if n >= 5000:
            peak = med([tree_peak_kib(s) for s in (ours.memory or ours.cold)]) / 1024
            lines.append(f"- N={n:,}: cold peak memory without search {peak:,.0f} MiB (process tree, PSS where several "
                         f"processes; target < 300): {verdict(peak < 300)}")
            again = med([s.wall for s in ours.again])
            lines.append(f"- N={n:,}: no-change without search {again:.2f} s (target < 0.5, writes nothing): "
                         f"{verdict(again < 0.5 and not any(ours.again_written))}")
            if ours.add_one:
                add = med([s.wall for s in ours.add_one])
                lines.append(f"- N={n:,}: add-one without search {add:.2f} s (target < 1): {verdict(add < 1)}")
    return lines


# --------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,5000,10000",
                    help="comma-separated corpus sizes (default 1000,5000,10000)")
    ap.add_argument("--runs", type=int, default=3, help="rounds per size; the table shows medians (default 3)")
    ap.add_argument("--tools", default=",".join(TOOL_CHOICES),
                    help=f"comma-separated subset of {','.join(TOOL_CHOICES)} (pagefind: Hugo + Pagefind; "
                         "no-search: guanxin-site build --no-search and --jobs 1)")
    ap.add_argument("--no-jobs-1", action="store_true", help="skip the --no-search --jobs 1 rows")
    ap.add_argument("--slope-sizes", default="2000",
                    help="extra sizes at which only peak memory is measured (guanxin-site, Hugo + Pagefind), for the "
                         "memory slope (default 2000; empty for none)")
    ap.add_argument("--queries", default=",".join(query_cost.DEFAULT_QUERIES),
                    help="queries for the per-query cost, on the largest size (empty: skip)")
    ap.add_argument("--peer-rebuilds", default=None, metavar="SIZES",
                    help="sizes at which Hugo + Pagefind's no-change and add-one rebuilds are measured (default: "
                         "every size; each is a full Pagefind re-index, as slow as its cold run)")
    ap.add_argument("--verify-sizes", default=None, metavar="SIZES",
                    help="sizes at which incremental outputs are compared with clean builds (default: every size)")
    ap.add_argument("--no-verify-edit", action="store_true",
                    help="compare only the add-one output (and its undoing) with a clean build, not the edit-one "
                         "output (two cold builds fewer per size)")
    ap.add_argument("--sample-timed", action="store_true",
                    help="sample guanxin-site's memory during its timed cold build instead of an extra untimed one "
                         "(quicker; the sampler's polling then costs the timed build a little CPU)")
    ap.add_argument("--no-verify", action="store_true",
                    help="skip comparing incremental outputs with clean builds (two extra cold builds per size)")
    ap.add_argument("--spawn-sizes", default="5000", metavar="SIZES",
                    help="sizes at which the default build is also run with spawned workers, as on Windows (default 5000)")
    ap.add_argument("--delete-at-once", action="store_true",
                    help="delete outputs before each cold build instead of keeping them aside until the end (see Trash)")
    ap.add_argument("--work", type=Path, default=TOOLS_ROOT / "corpora",
                    help=f"where corpora and outputs live (default {TOOLS_ROOT / 'corpora'})")
    ap.add_argument("--results", type=Path, default=None,
                    help="Markdown file to write (default bench/results-<today>.md)")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    slope_sizes = [int(s) for s in args.slope_sizes.split(",") if s.strip() and int(s) not in sizes]
    wanted = {t.strip() for t in args.tools.split(",") if t.strip()}
    queries = [q.strip() for q in args.queries.split(",") if q.strip()]
    peer_rebuilds = None if args.peer_rebuilds is None else {int(x) for x in args.peer_rebuilds.split(",") if x.strip()}
    verify_sizes = None if args.verify_sizes is None else {int(x) for x in args.verify_sizes.split(",") if x.strip()}
    spawn_sizes = {int(x) for x in args.spawn_sizes.split(",") if x.strip()}
    if not args.delete_at_once:
        TRASH.use(args.work / ".trash", keep_free=12e9)
    unknown = wanted - set(TOOL_CHOICES)
    if unknown or not sizes or args.runs < 1:
        ap.error(f"bad --tools/--sizes/--runs ({', '.join(sorted(unknown))})")

    guanxin = guanxin_executable()
    ensure_bytecode()
    help_text = build_help(guanxin)
    build_flags = ["--quiet"] if "--quiet" in help_text else []
    if "--no-search" in help_text:
        build_flags.insert(0, "--no-search")
    with_jobs_1 = "--jobs" in help_text and "no-search" in wanted and not args.no_jobs_1
    pagefind = pagefind_binary() if "pagefind" in wanted else None
    if ({"hugo", "pagefind"} & wanted and not shutil.which("hugo") or "pelican" in wanted and not PELICAN.exists()
            or "eleventy" in wanted and not ELEVENTY.exists() or "pagefind" in wanted and not pagefind):
        sys.exit("run.py: a peer is missing; run bash bench/setup_peers.sh first (or pick --tools)")

    def selected(tool: Tool) -> bool:
        if tool.name == "hugo":
            return bool({"hugo", "pagefind"} & wanted)
        if tool.name == SEARCH:
            return "guanxin-site" in wanted
        if tool.name == SPAWN:
            return "spawn" in wanted
        if tool.name in (OURS, OURS_1):
            return "no-search" in wanted
        return tool.name in wanted

    started = dt.datetime.now(dt.timezone.utc)
    load_before = os.getloadavg()
    versions = tool_versions(guanxin)
    results: dict[tuple[str, int], Record] = {}
    searched: dict[int, tuple[set[str], set[str], tuple[str, ...]]] = {}
    memory_runs: dict[tuple[str, int], list[Sample]] = {}
    query_reports: list = []
    tool_names: list[str] = []
    big = max(sizes)

    def write_report(done: bool, stage: str = "") -> tuple[str, Path]:
        load_after = os.getloadavg()
        finished = dt.datetime.now(dt.timezone.utc)
        runs = {key: record.memory for key, record in results.items() if key[0] in (SEARCH, HUGO_PF)}
        slopes_text, slopes = slope_lines({**runs, **memory_runs})
        command = "bash bench/setup_peers.sh && .venv/bin/python bench/run.py" + (
            " " + shlex.join(argv if argv is not None else sys.argv[1:]) if (argv or sys.argv[1:]) else "")
        search_cmd = " ".join(f for f in build_flags if f != "--no-search")
        out = [
            f"# guanxin-site against its peers, {started:%Y-%m-%d %H:%M} UTC",
            "",
            f"Command: `{command}`",
            "",
            f"Machine: {platform.platform()}, {os.cpu_count()} CPUs; load average {load_before[0]:.2f} before, "
            f"{load_after[0]:.2f} after (1 min); {started:%H:%M}–{finished:%H:%M} UTC. "
            f"Medians of {args.runs} run{'s' if args.runs > 1 else ''}, tools alternating."
            + ("" if done else f" **Partial results**: written after {stage}; the run was still going."),
            "",
            "Versions: " + "; ".join(f"{tool}: {version}" for tool, version in versions.items()),
            "",
            f"guanxin-site runs as `guanxin-site build {search_cmd} --source DIR --output OUT` (the default: search "
            "included, the headline row)"
            + (f" and as `guanxin-site build {' '.join(build_flags)} …` (rows marked **excluded**: those figures leave "
               "out the search index the default command builds)" if "--no-search" in build_flags else "")
            + ". Hugo + Pagefind: `hugo --quiet`, then stock Pagefind's extended binary, `pagefind --site public "
              "--silent`, over Hugo's output (issue pages carry `data-pagefind-body`; its search page is Pagefind's "
              "Default UI).",
            "",
            "## The default build (search included) against Hugo + Pagefind",
            "",
            *(headline(results, sizes) or ["- (not measured)"]),
            "",
            "## All builds",
            "",
            table(results, sizes, tool_names),
            "",
            "cold peak MiB: largest single process (`/usr/bin/time` %M); for a multi-process build also the peak of "
            "the RSS sum over the process group (counts pages shared with forked workers once per process) and of "
            "the PSS sum (shares them out), sampled every 20 ms, "
            + ("during the timed cold build (--sample-timed)" if args.sample_timed else
               "from one extra cold build per guanxin-site build and size that is not timed (timed builds run "
               "without the sampler, whose polling would cost CPU); for the default build, when edit-one outputs "
               "are verified, that build is the last clean reference build (N issues, no cache, no output)")
            + ". Hugo, Pagefind, Pelican and Eleventy each run as one process, so their %M (from the timed cold "
            "build) is their whole tree; Hugo + Pagefind's peak is the larger of its two stages. "
            "CPU s: user + system time of the whole process tree; on a busy machine it is the steadier figure. "
            "add-one/edit-one: issue N+1 added, or one sentence added to issue N/2, then the same build command again "
            "(Hugo + Pagefind: `hugo` then a full `pagefind` re-index). search bundle: guanxin-site: the files the "
            "default build writes that `--no-search` does not; Pagefind: `public/pagefind/`.",
            "",
            "## Hugo + Pagefind, by stage",
            "",
            *(stage_lines(results, sizes) or ["- (not measured)"]),
            "",
            "## Peak memory of the whole process tree, and its slope",
            "",
            *(slopes_text or ["- (not measured)"]),
            "",
            "PSS sum where several processes ran, else the RSS; sampled (guanxin-site) or `/usr/bin/time` (Hugo, "
            "Pagefind: one process each). The slope runs from the smallest to the largest size measured.",
            "",
            "## guanxin-site checks",
            "",
            *checks(results, sizes, searched),
            "",
        ]
        if query_reports:
            out += [
                f"## One reader's query, N={big:,} (headless Chromium, cold cache)",
                "",
                "Served from 127.0.0.1 by `bench/query_cost.py`'s server, which gzips text types as a compressing host "
                "does (Pagefind's `.pf_*` files are gzip already and are sent as they are) and sends "
                f"`Cache-Control: {query_cost.CACHE_CONTROL}`. KB = 1,000 bytes on the wire (status line, headers and "
                "body as sent). page: loading the search page until its network is idle; query: from entering the query "
                "(one input event, as an IME commits it, then Enter where the page searches on submit) until the first "
                "ten results (or all, when fewer) are on screen; total = page + query, the figure the ≤ 8 requests / "
                "≤ 100 KB target is judged on. after: what the query still fetched once the ten were shown. results: "
                "what the page announces (guanxin-site counts reports; Pagefind counts pages, one per issue). phone: "
                f"CPU ×{query_cost.PHONE_CPU_SLOWDOWN} and 1.6 Mbit/s down, 750 kbit/s up, 150 ms latency "
                f"({query_cost.PHONE_VIEWPORT['width']} px wide), timed from entering the query; Pagefind's Default UI "
                "waits 300 ms after input before it searches (its default), which its figure includes.",
                "",
                *query_cost.summary_lines(query_reports),
                "",
                "Every query:",
                "",
                *query_cost.report_lines(query_reports),
                "",
                "One more character: the query without its last character is searched first (cold cache), then the last "
                "character typed; requests the second keystroke caused, and how many of them fetched a URL again.",
                "",
                *query_cost.keystroke_lines(query_reports),
                "",
                "Requests of the first query:",
                "",
                *query_cost.request_details(query_reports, queries[0]),
                "",
            ]
        out += [
            "## Targets (issue 23)",
            "",
            *(targets_issue_23(results, sizes, slopes, {**runs, **memory_runs})
              or ["- (no target applies to these results)"]),
            "",
        ]
        if TRASH.emptied_early:
            out += [f"Deleted outputs were kept until the end of the run (bench/README.md), except when free space ran "
                    f"low: the trash was emptied at {', '.join(TRASH.emptied_early)}.", ""]
        out += [
            "## Targets (issue 10: search included)",
            "",
            *(targets_issue_10(results, sizes, slopes, query_reports) or ["- (no target applies to these results)"]),
            "",
            "## Targets (issue 4: the build without search)",
            "",
            *(targets_issue_4(results, sizes) or ["- (no target applies to these results)"]),
            "",
        ]
        report = "\n".join(out)
        target = args.results or BENCH / f"results-{started:%Y-%m-%d}.md"
        target.write_text(report, encoding="utf-8")
        return report, target


    # The largest size first, then the queries on it (the figures the targets are judged on), then the
    # smaller sizes and the memory-only sizes; the results file is rewritten after each, so that a run cut
    # short still leaves what it measured.
    for n in sorted(sizes, reverse=True):
        root = args.work / str(n)
        tools = [t for t in make_tools(root, guanxin, build_flags, with_jobs_1, pagefind) if selected(t)
                 and (t.name != SPAWN or n in spawn_sizes)]
        tool_names = [name for t in tools for name in ((t.name, HUGO_PF) if t.name == "hugo" and pagefind else (t.name,))
                      if name != "hugo" or "hugo" in wanted]
        corpora = {fmt: ensure_corpus(root, fmt, n) for fmt in {t.corpus_format for t in tools}}
        for round_no in range(args.runs):
            order = tools[round_no % len(tools):] + tools[:round_no % len(tools)]
            for tool in order:
                record = results.setdefault((tool.name, n), Record())
                print(f"[N={n} round {round_no + 1}/{args.runs}] {tool.name} …", file=sys.stderr, flush=True)
                memory = round_no == 0  # one memory run per tool and size, before its timed runs
                if tool.name == "hugo":
                    run_hugo_round(tool, corpora["hugo"], n, record,
                                   results.setdefault((HUGO_PF, n), Record()) if pagefind else None,
                                   memory=memory, last=round_no == args.runs - 1 and n == big and bool(queries),
                                   rebuilds=peer_rebuilds is None or n in peer_rebuilds)
                elif tool.name == SPAWN:
                    run_spawn_round(tool, corpora["ours"], record, root / "ours-site")
                elif tool.corpus_format == "ours":
                    run_ours_round(tool, corpora["ours"], n, record, add_one=tool.name in (SEARCH, OURS),
                                   memory=memory,
                                   verify=tool.name == SEARCH and round_no == 0 and not args.no_verify
                                   and (verify_sizes is None or n in verify_sizes),
                                   verify_edit=not args.no_verify_edit, scratch=root / "scratch",
                                   sample_timed=args.sample_timed or tool.name == OURS_1)
                else:
                    run_peer_round(tool, corpora[tool.corpus_format], record, memory=memory)
        # what the search adds to guanxin-site's output: compare with a build without search
        search_out, plain_out = root / "ours-site", root / "ours-site-no-search"
        if (SEARCH, n) in results and "--no-search" in build_flags:
            if (OURS, n) not in results:  # not measured: one untimed build without search, for the comparison
                remove_tree(plain_out)
                measure(ours_command(guanxin, build_flags, corpora["ours"], plain_out, search=False), corpora["ours"])
            searched[n] = search_sets(search_out, plain_out)
            only = searched[n][0]
            stats = [(search_out / rel).lstat() for rel in only]
            results[(SEARCH, n)].bundle = (len(only), sum(st.st_size for st in stats),
                                           sum(st.st_blocks * 512 for st in stats))
        elif (SEARCH, n) in results:
            results[(SEARCH, n)].failures.append("this version has no --no-search: the search bundle cannot be told apart")
        write_report(False, f"the builds at N={n:,}")

        if n == big:  # one reader's query, on the largest size
            sites = {}
            if queries and (SEARCH, big) in results:
                sites["ours"] = root / "ours-site"
            if queries and (HUGO_PF, big) in results:
                sites["pagefind-ui"] = root / "hugo" / "public"
            if sites:
                query_reports = query_cost.measure_sites(sites, queries,
                                                         log=lambda m: print(m, file=sys.stderr, flush=True))
                write_report(False, f"the queries at N={n:,}")

    # the memory slope: extra sizes, guanxin-site's default build only (Hugo + Pagefind's comes from the sizes)
    for n in slope_sizes:
        root = args.work / str(n)
        for tool in make_tools(root, guanxin, build_flags, False, None):
            if tool.name == SEARCH and "guanxin-site" in wanted:
                print(f"[N={n} memory only] {tool.name} …", file=sys.stderr, flush=True)
                record = Record()
                project = ensure_corpus(root, "ours", n)
                measure_memory(tool, project, Path(tool.output), [project / s for s in tool.state], record)
                memory_runs[(SEARCH, n)] = [s for s in record.memory if s.rc == 0]

    report, target = write_report(True)
    TRASH.empty()
    print(report)
    print(f"written to {target}", file=sys.stderr)
    return 0

if __name__ == "__main__":
    sys.exit(main())
