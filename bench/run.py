#!/usr/bin/env python3
"""Time guanxin-site against Hugo, Pelican and Eleventy on the same synthetic archive.

    bash bench/setup_peers.sh && .venv/bin/python bench/run.py [--sizes 1000,5000] [--runs 3]

For every size N: generates the corpus in each tool's format (bench/gen_corpus.py),
then runs `--runs` rounds; each round runs every tool once, in an order rotated from
round to round, so that a burst of load on the machine hits all tools alike:

  peers          cold build (no output, no cache), then a no-change rebuild
  guanxin-site   cold build (output and <project>/.guanxin-cache deleted), no-change rebuild
                 (checked: writes nothing), add one issue (issue N+1; checked: only the pages
                 that show it are rewritten), then the issue is removed again, untimed
  --jobs 1       cold build and no-change rebuild with one worker (when `build --help` has --jobs)

Each build runs under /usr/bin/time (wall, CPU, peak RSS of the largest process) while
a sampler sums the RSS (and, for a multi-process tree, the PSS) of every process in the
build's process group every 20 ms. Prints a Markdown table and writes it, with the
machine, versions and checks, to bench/results-<date>.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
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
from guanxin_site.cache import CACHE_DIR  # noqa: E402  (<project>/.guanxin-cache: deleted for a cold build)
from guanxin_site.writer import spare_path  # noqa: E402  (the previous site beside the output: deleted too)
from guanxin_site.gazetteer import Gazetteer  # noqa: E402  (region slugs, to know which pages show an issue)

TOOLS_ROOT = Path(os.environ.get("BENCH_TOOLS", "/tmp/guanxin-bench"))
PELICAN = Path(os.environ.get("BENCH_PELICAN_VENV", TOOLS_ROOT / "pelican-venv")) / "bin" / "pelican"
ELEVENTY = Path(os.environ.get("BENCH_ELEVENTY_DIR", TOOLS_ROOT / "eleventy")) / "node_modules" / ".bin" / "eleventy"
SAMPLE_SECONDS = 0.02
BUILD_TIMEOUT = 3600
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024

OURS, OURS_1 = "guanxin-site", "guanxin-site --jobs 1"
PEERS = ("hugo", "pelican", "eleventy")


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


@dataclass
class Tool:
    name: str
    corpus_format: str
    output: str  # relative to the corpus directory (or absolute for guanxin-site, beside the project)
    cold_cmd: list[str]
    again_cmd: list[str]
    state: tuple[str, ...] = ()  # caches deleted before a cold build, relative to the corpus
    env: dict = field(default_factory=dict)


def make_tools(corpus_root: Path, guanxin: str, build_flags: list[str], with_jobs_1: bool) -> list[Tool]:
    ours_project = corpus_root / "ours"
    ours_output = str(corpus_root / "ours-site")
    ours_cmd = [guanxin, "build", *build_flags, "--source", str(ours_project), "--output", ours_output]
    hugo_cache = str(corpus_root / "hugo" / ".hugo-cache")
    # guanxin-site's state: the project's cache and the previous site kept beside the output (absolute path)
    ours_state = (CACHE_DIR, str(spare_path(Path(ours_output))))
    tools = [
        Tool("hugo", "hugo", "public", ["hugo", "--quiet"], ["hugo", "--quiet"], ("resources", ".hugo-cache"),
             {"HUGO_CACHEDIR": hugo_cache}),
        Tool("pelican", "pelican", "public", [str(PELICAN), "content", "-s", "pelicanconf.py", "-q"],
             [str(PELICAN), "content", "-s", "pelicanconf.py", "-q"], ("cache",)),
        Tool("eleventy", "eleventy", "public", [str(ELEVENTY), "--quiet"], [str(ELEVENTY), "--quiet", "--incremental"],
             (".cache",)),
        Tool(OURS, "ours", ours_output, ours_cmd, ours_cmd, ours_state),
    ]
    if with_jobs_1:
        cmd = [*ours_cmd, "--jobs", "1"]
        tools.append(Tool(OURS_1, "ours", ours_output, cmd, cmd, ours_state))
    return tools


def build_help(guanxin: str) -> str:
    return subprocess.run([guanxin, "build", "--help"], capture_output=True, text=True, check=True).stdout


def tool_versions(guanxin: str) -> dict[str, str]:
    def run(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "not installed"

    return {"guanxin-site": run([guanxin, "--version"]), "hugo": run(["hugo", "version"]),
            "pelican": run([str(PELICAN), "--version"]), "eleventy": run([str(ELEVENTY), "--version"]),
            "node": run(["node", "--version"]), "python": sys.version.split()[0]}


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


def remove_tree(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


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
    return must, tuple(f"regions/{slug}/" for slug in slugs), allowed


# --------------------------------------------------------------------------
# one round of one tool
# --------------------------------------------------------------------------
@dataclass
class Record:
    cold: list[Sample] = field(default_factory=list)
    again: list[Sample] = field(default_factory=list)
    add_one: list[Sample] = field(default_factory=list)
    memory: list[Sample] = field(default_factory=list)  # untimed cold runs with the memory sampler on
    again_written: list[int] = field(default_factory=list)  # files rewritten by the no-change build
    again_swapped: list[bool] = field(default_factory=list)  # the output directory itself was replaced
    add_one_kinds: str = ""  # what the last add-one run rewrote, by kind of page
    add_one_written: list[int] = field(default_factory=list)
    add_one_unexpected: list[list[str]] = field(default_factory=list)
    add_one_missing: list[list[str]] = field(default_factory=list)  # must change but did not
    add_one_removed: list[list[str]] = field(default_factory=list)
    pages: int = 0
    megabytes: float = 0.0
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


def run_peer_round(tool: Tool, corpus: Path, record: Record, memory: bool = False) -> None:
    output = corpus / tool.output
    if memory:
        measure_memory(tool, corpus, output, [corpus / s for s in tool.state], record)
    for path in (output, *(corpus / s for s in tool.state)):
        remove_tree(path)
    sample = measure(tool.cold_cmd, corpus, _env(tool))
    _note_failure(record, "cold", sample)
    record.cold.append(sample)
    record.pages, record.megabytes = output_size(output)
    sample = measure(tool.again_cmd, corpus, _env(tool))
    _note_failure(record, "no-change", sample)
    record.again.append(sample)


def run_ours_round(tool: Tool, project: Path, n: int, record: Record, add_one: bool, memory: bool = False) -> None:
    output = Path(tool.output)
    if memory:
        measure_memory(tool, project, output, [project / s for s in tool.state], record)
    for path in (output, *(project / s for s in tool.state)):
        remove_tree(path)
    sample = measure(tool.cold_cmd, project)
    _note_failure(record, "cold", sample)
    record.cold.append(sample)
    record.pages, record.megabytes = output_size(output)

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
        must, prefixes, allowed = expected_rewrites(n)
        record.add_one_written.append(len(changed))
        record.add_one_kinds = categorise(changed)
        record.add_one_unexpected.append([rel for rel in changed
                                          if rel not in must | allowed and not rel.startswith(prefixes)])
        record.add_one_missing.append(sorted(must - set(changed)))
        record.add_one_removed.append(removed)
    finally:
        added.unlink()  # back to N issues for the next round (the rebuild is not timed)
        restore = measure(tool.again_cmd, project)
        _note_failure(record, "restore after add-one", restore)


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


def table(results: dict[tuple[str, int], Record], sizes: list[int], tool_names: list[str]) -> str:
    head = ("| tool | N | html pages | output MB | cold wall s median (min–max) | cold CPU s | cold peak MiB | "
            "no-change wall s median (min–max), CPU s | add-one wall s median (min–max), CPU s | add-one files rewritten | "
            "cold vs Hugo | cold vs Pelican | failures |")
    rows = [head, "|" + "---|" * (head.count("|") - 1)]
    for n in sizes:
        for name in tool_names:
            record = results.get((name, n))
            if record is None:
                continue
            ours = name in (OURS, OURS_1)
            hugo, pelican = results.get(("hugo", n)), results.get(("pelican", n))
            rows.append("| " + " | ".join([
                name, f"{n:,}", f"{record.pages:,}", f"{record.megabytes:.1f}", spread(record.cold),
                f"{med([s.cpu for s in record.cold]):.2f}", peak_cell(record.memory or record.cold), spread(record.again, cpu=True),
                spread(record.add_one, cpu=True) if record.add_one else "—",
                "/".join(str(c) for c in record.add_one_written) if record.add_one_written else "—",
                ratio(record.cold, hugo.cold) if ours and hugo else "—",
                ratio(record.cold, pelican.cold) if ours and pelican else "—",
                str(len(record.failures)),
            ]) + " |")
    return "\n".join(rows)


def checks(results: dict[tuple[str, int], Record], sizes: list[int]) -> list[str]:
    """guanxin-site's behaviour and the targets of issue 4, in plain sentences."""
    lines = []
    for n in sizes:
        for name in (OURS, OURS_1):
            record = results.get((name, n))
            if record is None:
                continue
            quiet = not any(record.again_written) and not any(record.again_swapped)
            lines.append(f"- {name}, N={n:,}: no-change rebuild rewrote {record.again_written} files per run, "
                         f"output directory replaced {record.again_swapped} "
                         f"({'OK: writes nothing' if quiet else 'WRONG: it should write nothing'}).")
            if record.add_one_written:
                unexpected = sorted({rel for run in record.add_one_unexpected for rel in run})
                missing = sorted({rel for run in record.add_one_missing for rel in run})
                removed = sorted({rel for run in record.add_one_removed for rel in run})
                verdict = "OK: only pages that show the new issue" if not (unexpected or missing or removed) else "CHECK"
                lines.append(f"- {name}, N={n:,}: add-one rewrote {record.add_one_written} files per run ({verdict}); "
                             f"last run: {record.add_one_kinds}.")
                if unexpected:
                    lines.append(f"  - rewritten although they do not show issue {n + 1} ({len(unexpected)}): "
                                 + ", ".join(unexpected[:30]) + (" …" if len(unexpected) > 30 else ""))
                if missing:
                    lines.append(f"  - not rewritten although they show issue {n + 1}: " + ", ".join(missing))
                if removed:
                    lines.append("  - removed: " + ", ".join(removed[:30]))
            for failure in record.failures:
                lines.append(f"  - failure: {failure}")
        for name in PEERS:
            record = results.get((name, n))
            for failure in record.failures if record else []:
                lines.append(f"- {name}, N={n:,}: failure: {failure}")
    return lines


def targets(results: dict[tuple[str, int], Record], sizes: list[int]) -> list[str]:
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
            lines.append(f"- N={n:,}: cold vs Hugo {r:.2f} (target ≤ 1.0): {verdict(r <= 1.0)}")
        if pelican and pelican.cold:
            r = cold / med([s.wall for s in pelican.cold])
            lines.append(f"- N={n:,}: cold vs Pelican {r:.2f} (target ≤ 0.25): {verdict(r <= 0.25)}")
        if n >= 5000:
            tree = [max(s.tree_pss_kib or s.tree_rss_kib, s.max_process_kib) for s in (ours.memory or ours.cold)]
            peak = med(tree) / 1024
            lines.append(f"- N={n:,}: cold peak memory {peak:,.0f} MiB (process tree, PSS where several processes; "
                         f"target < 300): {verdict(peak < 300)}")
            again = med([s.wall for s in ours.again])
            lines.append(f"- N={n:,}: no-change {again:.2f} s (target < 0.5, writes nothing): "
                         f"{verdict(again < 0.5 and not any(ours.again_written))}")
            if ours.add_one:
                add = med([s.wall for s in ours.add_one])
                lines.append(f"- N={n:,}: add-one {add:.2f} s (target < 1): {verdict(add < 1)}")
    return lines


# --------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,5000", help="comma-separated corpus sizes (default 1000,5000)")
    ap.add_argument("--runs", type=int, default=3, help="rounds per size; the table shows medians (default 3)")
    ap.add_argument("--tools", default="hugo,pelican,eleventy,guanxin-site",
                    help="comma-separated subset of hugo,pelican,eleventy,guanxin-site")
    ap.add_argument("--work", type=Path, default=TOOLS_ROOT / "corpora",
                    help=f"where corpora and outputs live (default {TOOLS_ROOT / 'corpora'})")
    ap.add_argument("--results", type=Path, default=None,
                    help="Markdown file to write (default bench/results-<today>.md)")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    wanted = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(wanted) - {*PEERS, OURS}
    if unknown or not sizes or args.runs < 1:
        ap.error(f"bad --tools/--sizes/--runs ({', '.join(sorted(unknown))})")

    guanxin = guanxin_executable()
    ensure_bytecode()
    help_text = build_help(guanxin)
    build_flags = ["--quiet"] if "--quiet" in help_text else []
    if "--no-search" in help_text:
        build_flags.insert(0, "--no-search")
    with_jobs_1 = "--jobs" in help_text and OURS in wanted
    if "hugo" in wanted and not shutil.which("hugo") or "pelican" in wanted and not PELICAN.exists() \
            or "eleventy" in wanted and not ELEVENTY.exists():
        sys.exit("run.py: a peer is missing; run bash bench/setup_peers.sh first (or pick --tools)")

    started = dt.datetime.now()
    load_before = os.getloadavg()
    versions = tool_versions(guanxin)
    results: dict[tuple[str, int], Record] = {}
    tool_names: list[str] = []
    for n in sizes:
        root = args.work / str(n)
        tools = [t for t in make_tools(root, guanxin, build_flags, with_jobs_1)
                 if (OURS if t.name == OURS_1 else t.name) in wanted]
        tool_names = [t.name for t in tools]
        corpora = {fmt: ensure_corpus(root, fmt, n) for fmt in {t.corpus_format for t in tools}}
        for round_no in range(args.runs):
            order = tools[round_no % len(tools):] + tools[:round_no % len(tools)]
            for tool in order:
                record = results.setdefault((tool.name, n), Record())
                print(f"[N={n} round {round_no + 1}/{args.runs}] {tool.name} …", file=sys.stderr, flush=True)
                memory = round_no == 0  # one memory run per tool and size, before its timed runs
                if tool.corpus_format == "ours":
                    run_ours_round(tool, corpora["ours"], n, record, add_one=tool.name == OURS, memory=memory)
                else:
                    run_peer_round(tool, corpora[tool.corpus_format], record, memory=memory)
    load_after = os.getloadavg()

    command = "bash bench/setup_peers.sh && .venv/bin/python bench/run.py" + (
        " " + shlex.join(argv if argv is not None else sys.argv[1:]) if (argv or sys.argv[1:]) else "")
    out = [
        f"# guanxin-site against its peers, {started:%Y-%m-%d %H:%M}",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs; load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after (1 min). Medians of {args.runs} runs, tools alternating.",
        "",
        "Versions: " + "; ".join(f"{tool}: {version}" for tool, version in versions.items()),
        "",
        f"guanxin-site runs as `guanxin-site build {' '.join(build_flags)} --source DIR --output OUT`"
        + ("" if "--no-search" in build_flags else " (this version has no --no-search flag)") + ".",
        "",
        table(results, sizes, tool_names),
        "",
        "cold peak MiB: largest single process (`/usr/bin/time` %M); for a multi-process build also the peak of "
        "the RSS sum over the process group (counts pages shared with forked workers once per process) and of "
        "the PSS sum (shares them out), sampled every 20 ms, from one extra cold build per tool and size that is not "
        "timed (timed builds run without the sampler, whose polling would cost CPU). CPU s: user + system time of the whole process tree; "
        "on a busy machine it is the steadier figure. add-one files rewritten: one figure per run.",
        "",
        "## guanxin-site checks",
        "",
        *checks(results, sizes),
        "",
        "## Targets (issue 4)",
        "",
        *(targets(results, sizes) or ["- (no target applies to these results)"]),
        "",
    ]
    report = "\n".join(out)
    print(report)
    target = args.results or BENCH / f"results-{started:%Y-%m-%d}.md"
    target.write_text(report, encoding="utf-8")
    print(f"written to {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
