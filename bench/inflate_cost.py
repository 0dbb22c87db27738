#!/usr/bin/env python3
"""What inflating the search index costs in the browser: DecompressionStream("deflate-raw") against
static/inflate.js (the fallback of browsers without it: Safari before 16.4, Chrome before 103).

    .venv/bin/python bench/inflate_cost.py SITE_DIR [--pages 5] [--repeat 20]

For the largest data file of each kind in SITE_DIR/search/data/ (a sealed shard i/, a tail shard t/,
a store file d/), in headless Chromium on blank pages: the first decode on a fresh page (the decoder
cold, as on a page's first query; median of --pages pages) and the median of the --repeat after it,
with and without CDP's 4x CPU slowdown (the "mid-range phone" of query_cost.py). Both decoders'
output is checked against Python's zlib.
"""
from __future__ import annotations

import argparse
import base64
import statistics
import sys
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from browser_support import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PHONE_CPU_SLOWDOWN = 4

TIMED = """async ([b64, repeat, useNative]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const native = async (b) => new Uint8Array(await new Response(
    new Blob([b]).stream().pipeThrough(new DecompressionStream("deflate-raw"))).arrayBuffer());
  const decode = useNative ? native : async (b) => guanxinInflate(b);
  const times = [];
  let out;
  for (let i = 0; i <= repeat; i++) {
    const t = performance.now();
    out = await decode(bytes);
    times.push(performance.now() - t);
  }
  let sum = 0;
  for (const b of out) sum = (sum * 31 + b) >>> 0;
  return [times, out.length, sum];
}"""


def checksum(data: bytes) -> int:
    total = 0
    for b in data:
        total = (total * 31 + b) & 0xFFFFFFFF
    return total


def largest(data_dir: Path) -> list[Path]:
    return [max(files, key=lambda p: p.stat().st_size)
            for files in ([p for p in (data_dir / kind).glob("*.bin")] for kind in ("i", "t", "d")) if files]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path)
    parser.add_argument("--repeat", type=int, default=20, help="decodes after the first on each page")
    parser.add_argument("--pages", type=int, default=5, help="fresh pages per file and decoder")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    files = largest(args.site / "search" / "data")
    script = (REPO / "templates" / "static" / "inflate.js").read_text(encoding="utf-8")
    print(f"inflate.js: {len(script.encode())} bytes, {len(zlib.compress(script.encode(), 9))} compressed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for slowdown in (1, PHONE_CPU_SLOWDOWN):
            print(f"\nCPU slowdown x{slowdown}: ms, median of the first decode on {args.pages} fresh pages"
                  f" / median of the {args.repeat} after it on each")
            for path in files:
                raw = path.read_bytes()
                plain = zlib.decompress(raw, -15)
                row = []
                for use_native in (True, False):
                    firsts, warm = [], []
                    for _ in range(args.pages):  # a fresh page each: the decoder's first run is cold
                        page = browser.new_page()
                        page.add_script_tag(content=script)
                        page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
                        times, length, total = page.evaluate(TIMED, [base64.b64encode(raw).decode(), args.repeat,
                                                                     use_native])
                        page.close()
                        assert (length, total) == (len(plain), checksum(plain)), path
                        firsts.append(times[0])
                        warm += times[1:]
                    row.append(f"{statistics.median(firsts):.1f} / {statistics.median(warm):.1f}")
                print(f"{path.relative_to(args.site)}: {len(raw):,} -> {len(plain):,} bytes; "
                      f"native {row[0]}; inflate.js {row[1]}")
        browser.close()


if __name__ == "__main__":
    main()
