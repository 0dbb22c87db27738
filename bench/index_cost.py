"""The CPU of the search index's two steps on a project, in this process, nothing written to the site.

    .venv/bin/python bench/index_cost.py PROJECT [--repeat N]

Counts every segment (search/index.py: segment_bytes, into a temporary folder), then merges every shard
of the sealed part (write_shards), and prints the CPU seconds of each step and the bytes the shards hold
(the same for two versions of the code that write the same index). To compare two versions on a busy
machine, run each with PYTHONPATH at its src/, alternated: CPU time is the steadier figure.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from guanxin_site.loader import load_project
from guanxin_site.search import index


def measure(project: Path) -> tuple[float, float, int, int]:
    loaded = load_project(project, use_cache=True, jobs=1)
    issues = sorted(loaded.issues, key=lambda issue: (issue.date, issue.number))
    cuts = index.segment_cuts(issues)
    with tempfile.TemporaryDirectory() as folder:
        started = time.process_time()
        paths = []
        for n, cut in enumerate(cuts):
            path = Path(folder) / f"{n}.seg"
            path.write_bytes(index.segment_bytes(cut, loaded.gazetteer))
            paths.append(path)
        counting = time.process_time() - started
        segments = [index.Segment(path) for path in paths][:-1]  # the sealed part: all but the tail
        bases = [sum(s.docs for s in segments[:n]) for n in range(len(segments))]
        shards = index.shard_count(sum(s.total for s in segments))
        started = time.process_time()
        size = sum(len(data) for group in index.shard_items(range(shards))
                   for data in index.write_shards(group, segments, bases, shards).values())
        merging = time.process_time() - started
    return counting, merging, shards, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    for _ in range(args.repeat):
        counting, merging, shards, size = measure(args.project)
        print(f"segments counted {counting:.2f} CPU s, {shards} sealed shards merged {merging:.2f} CPU s ({size:,} bytes)")


if __name__ == "__main__":
    main()
