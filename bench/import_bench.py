"""Benchmark: `guanxin-site import FOLDER` on a folder of past issues, as an office has it.

Generates N bulletins from the shipped issue (issues/2023/053.md), numbered as a weekly archive from
2004, half as PDFs (reportlab, STSong-Light, several pages with page numbers and the 报/送/发 lines) and
half as .docx (python-docx), then times the whole command, as the editor runs it, into an empty
project: a first import, and a re-run (everything already present). Prints files per second.

    .venv/bin/python bench/import_bench.py                 # 500 issues
    .venv/bin/python bench/import_bench.py --issues 100 --work /tmp/import-bench --jobs 1

Needs the test extra (reportlab) for the PDFs; the generated folder is reused when it matches N.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the PDF factory the tests use


def issue_markdown(shipped: str, k: int) -> tuple[str, dt.date]:
    """Issue k of a weekly archive from 2004: the shipped issue's text under another number and date."""
    year, number = 2004 + k // 50, k % 50 + 1
    date = dt.date(year, 1, 2) + dt.timedelta(days=7 * (number - 1))
    front = f"---\nnumber: {number}\ntotal: {k + 1}\ndate: {date.isoformat()}\n"
    return front + shipped.split("\n", 4)[4], date


def docx_text(markdown: str) -> str:
    """The bulletin as an editor's Word file has it: header lines, then the paragraphs (no headings)."""
    from pdf_factory import DISTRIBUTION, issue_parts

    front, paragraphs = issue_parts(markdown)
    date = front["date"]
    head = ["关心下一代工作", f"（{date.year}年第{front['number']}期·总第{front['total']}期）", front["publisher"],
            f"{date.year}年{date.month}月{date.day}日", front["title"]]
    return "\n".join(head + paragraphs + list(DISTRIBUTION))


def generate(folder: Path, count: int) -> None:
    import docx
    from pdf_factory import reportlab_pdf

    marker = folder / ".bench-import"
    if marker.is_file() and marker.read_text() == str(count):
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shipped = (REPO / "issues" / "2023" / "053.md").read_text(encoding="utf-8")
    for k in range(count):
        markdown, date = issue_markdown(shipped, k)
        sub = folder / str(date.year)
        sub.mkdir(exist_ok=True)
        if k % 2 == 0:
            reportlab_pdf(markdown, sub / f"{k + 1:04d}.pdf")
        else:
            document = docx.Document()
            for line in docx_text(markdown).split("\n"):
                document.add_paragraph(line)
            document.save(sub / f"{k + 1:04d}.docx")
    marker.write_text(str(count))


def timed_import(folder: Path, project: Path, jobs: int | None) -> tuple[float, str]:
    command = [sys.executable, "-m", "guanxin_site", "import", str(folder), "--source", str(project)]
    start = time.perf_counter()
    done = subprocess.run(command + (["--jobs", str(jobs)] if jobs else []), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"import failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds, done.stdout.strip().splitlines()[-2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--issues", type=int, default=500)
    parser.add_argument("--work", type=Path, default=Path("/tmp/guanxin-bench/import"))
    parser.add_argument("--jobs", type=int, default=None, help="passed to import --jobs (default: one per core)")
    args = parser.parse_args()
    folder = args.work / f"received-{args.issues}"
    started = time.perf_counter()
    generate(folder, args.issues)
    print(f"generated or reused {args.issues} files in {time.perf_counter() - started:.1f} s: {folder}")
    project = args.work / "project"
    shutil.rmtree(project, ignore_errors=True)
    (project / "issues").mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", project / "site.yaml")
    pdfs = len(list(folder.rglob("*.pdf")))
    first, summary = timed_import(folder, project, args.jobs)
    again, summary_again = timed_import(folder, project, args.jobs)
    n = args.issues
    load = os.getloadavg()[0]
    print(f"| files | PDF / docx | jobs | first import | files/s | re-run (all present) | files/s | load |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {n} | {pdfs} / {n - pdfs} | {args.jobs or os.cpu_count()} | {first:.1f} s | {n / first:.1f} | {again:.1f} s "
          f"| {n / again:.1f} | {load:.1f} |")
    print(summary)
    print(summary_again)


if __name__ == "__main__":
    main()
