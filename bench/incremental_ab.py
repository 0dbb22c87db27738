#!/usr/bin/env python3
"""A/B of the small builds on a copy of a harness corpus: add one issue, remove it, edit an old issue, undo.

    incremental_ab.py DIR SRC[,SRC2...] ROUNDS [K]

DIR holds `ours` (a generated project) and `ours-site` (its built site), e.g. a copy of
/tmp/guanxin-bench/corpora/5000/{ours,ours-site} (never the originals: this edits the project).
Each SRC is a folder put first on PYTHONPATH (a snapshot of the code to measure: `git archive
COMMIT src templates | tar -x -C DIR`). Per round and per SRC (the order alternates between rounds):
a settling build, then issue K added with gen_corpus.py --add K (default 5001), its removal, one
sentence changed in issues/2050/010.md, its undo and a build with nothing changed, each built with
`python -m guanxin_site build -q --source ours --output ours-site`. Prints wall and CPU seconds (user +
system of the build's process tree) of each build, and the medians per SRC.
"""
from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILDS = ("add", "remove", "edit", "undo", "nothing")


def build(folder: Path, src: str) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": src}
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run([sys.executable, "-m", "guanxin_site", "build", "-q", "--source", "ours", "--output", "ours-site"],
                   cwd=folder, env=env, check=True)
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def one_round(folder: Path, src: str, added: int, edited: Path, original: str) -> list[tuple[float, float]]:
    build(folder, src)  # settle: the other version's caches and summary
    issues = folder / "ours" / "issues"
    before = set(issues.rglob("*.md"))
    subprocess.run([sys.executable, str(HERE / "gen_corpus.py"), "--out", "ours", "--format", "ours", "--add", str(added)],
                   cwd=folder, check=True, stdout=subprocess.DEVNULL)
    times = [build(folder, src)]
    for path in set(issues.rglob("*.md")) - before:
        path.unlink()
    times.append(build(folder, src))
    cut = original.index("。")
    edited.write_text(original[:cut] + "，改" + original[cut:], encoding="utf-8")
    times.append(build(folder, src))
    edited.write_text(original, encoding="utf-8")
    times += [build(folder, src), build(folder, src)]
    return times


def main() -> None:
    folder, srcs, rounds = Path(sys.argv[1]), sys.argv[2].split(","), int(sys.argv[3])
    added = int(sys.argv[4]) if len(sys.argv) > 4 else 5001
    edited = folder / "ours" / "issues" / "2050" / "010.md"
    original = edited.read_text(encoding="utf-8")
    results: dict[str, list] = {src: [] for src in srcs}
    try:
        for n in range(rounds):
            for src in (srcs if n % 2 == 0 else srcs[::-1]):
                times = one_round(folder, src, added, edited, original)
                results[src].append(times)
                print(src, "  ".join(f"{name} {w:.2f}/{c:.2f}" for name, (w, c) in zip(BUILDS, times)), flush=True)
    finally:
        edited.write_text(original, encoding="utf-8")
    for src, rows in results.items():
        columns = list(zip(*rows))
        print(src, "  ".join(f"{name} {statistics.median(w for w, _ in c):.2f} s / {statistics.median(c for _, c in c):.2f} CPU s"
                             for name, c in zip(BUILDS, columns)))


if __name__ == "__main__":
    main()
