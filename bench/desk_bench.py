"""How long the desk's proofreading screen takes to open on a six-page PDF, and how long a save takes.

The seed bulletin is printed to PDF by Chromium (six A4 pages), imported through the desk into an empty
project served by `guanxin-site serve` (a real process), then, in headless Chromium, each run:
- open: a fresh tab navigates to #edit/2023-53 until the form is shown and the first page image is
  painted (cold: no page rendered yet, PDFium renders it; warm: the PNG is in .guanxin-cache/desk/pages/);
- save: one paragraph changed, the click on 保存 until the page says 已保存 (the server writes the file
  atomically with its .bak and fsync, and answers with the new form and check's problems).
Times are taken by the page's clock (performance.now) around the page's own work.

    .venv/bin/python bench/desk_bench.py [--runs 7]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from browser_support import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from desk_support import new_project, open_desk, start_desk  # noqa: E402
from pdf_factory import chromium_pdf  # noqa: E402
from test_importer import SEED_TEXT  # noqa: E402

OPENED = ("document.querySelector('[data-block]') !== null && (() => { const img = "
          "document.querySelector('#original .page img'); return img && img.complete && img.naturalWidth > 0; })()")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from guanxin_site.gazetteer import Gazetteer
    from guanxin_site.importer import parse_bulletin

    work = Path(tempfile.mkdtemp(prefix="desk-bench-"))
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            pdf = chromium_pdf(browser, parse_bulletin(SEED_TEXT, Gazetteer.load("heilongjiang")).to_markdown(),
                               work / "第53期.pdf")
            server = start_desk(new_project(work / "project"))
            try:
                status, answer = server.api("POST", "api/receive?name=" + quote("第53期.pdf"), raw=pdf.read_bytes())
                status, job = server.api("POST", "api/import", {"files": [answer["token"]]})
                while server.api("GET", f"api/job?id={job['id']}")[1]["state"] == "running":
                    time.sleep(0.1)
                cold, warm, saves = [], [], []
                for run in range(args.runs):
                    shutil.rmtree(work / "project/.guanxin-cache/desk/pages", ignore_errors=True)
                    for times in (cold, warm):
                        page = open_desk(browser, server, "issues")
                        page.wait_for_selector("#issues-list .issue-table")
                        started = page.evaluate("performance.now()")
                        page.evaluate("location.hash = '#edit/2023-53'")
                        page.wait_for_function(OPENED, polling=10)
                        times.append(page.evaluate("performance.now()") - started)
                        page.close()
                    page = open_desk(browser, server, "edit/2023-53")
                    page.wait_for_function(OPENED)
                    page.fill('[data-block="o1-0"]', page.input_value('[data-block="o1-0"]') + f"（{run}）")
                    started = page.evaluate("performance.now()")
                    page.click("#save")
                    page.wait_for_function("document.getElementById('save-state').textContent.startsWith('已保存')",
                                           polling=10)
                    saves.append(page.evaluate("performance.now()") - started)
                    page.close()
            finally:
                server.stop()
            browser.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for name, values in (("open, cold (PDFium renders page 1)", cold), ("open, warm (page PNG cached)", warm),
                         ("save", saves)):
        print(f"{name:38} median {statistics.median(values):6.0f} ms   min {min(values):6.0f}   max {max(values):6.0f}"
              f"   ({len(values)} runs)")


if __name__ == "__main__":
    main()
