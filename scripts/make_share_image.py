"""Draw the theme's share image (templates/static/share.png) once: the masthead in red on white.

Run from the repository root with the test environment (Playwright, Debian's chromium,
fonts-noto-cjk): `.venv/bin/python scripts/make_share_image.py`. The PNG is committed;
builds only copy it. A project replaces it with `share_image:` in site.yaml.
"""
from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "templates" / "static" / "share.png"
SIZE = 600  # square: WeChat and QQ show a shared link's image as a small square

HTML = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>
html, body { margin: 0; width: %(size)dpx; height: %(size)dpx; background: #fff; }
body { display: flex; flex-direction: column; justify-content: center; align-items: center; }
.title { font-family: "Noto Serif CJK SC"; font-weight: 900; color: #c00000; font-size: 68px; letter-spacing: 6px;
         margin: 0 0 0 6px; line-height: 1.2; }
.rule { width: 520px; border-bottom: 5px solid #c00000; margin: 26px 0 0; }
.rule2 { width: 520px; border-bottom: 2px solid #c00000; margin: 5px 0 26px; }
.sub { font-family: "Noto Serif CJK SC"; font-weight: 700; color: #1f1f1f; font-size: 27px; letter-spacing: 2px; margin: 0; }
.small { font-family: "Noto Sans CJK SC"; color: #5c5c5c; font-size: 22px; margin: 14px 0 0; letter-spacing: 1px; }
</style></head><body>
<p class="title">关心下一代工作</p>
<div class="rule"></div><div class="rule2"></div>
<p class="sub">黑龙江省关心下一代工作委员会办公室</p>
<p class="small">工作简报 · 历年各期</p>
</body></html>"""


def main() -> int:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": SIZE, "height": SIZE})
        page.set_content(HTML % {"size": SIZE})
        page.evaluate("document.fonts.ready")
        page.screenshot(path=str(OUT), clip={"x": 0, "y": 0, "width": SIZE, "height": SIZE})
        browser.close()
    print(f"{OUT.relative_to(REPO)}: {OUT.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
