"""Check a built site: every internal link and #anchor must resolve to a file and an id.

Used by `guanxin-site check --site DIR` and by the end-to-end tests.
"""
from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class BrokenLink:
    page: str  # site-relative path of the page holding the link
    href: str
    reason: str

    def __str__(self) -> str:
        return f"{self.page}: {self.href} — {self.reason}"


class _PageScan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        for attr in ("href", "src"):
            if values.get(attr) and tag in ("a", "link", "img", "script", "source", "iframe"):
                self.links.append(values[attr])
        if values.get("srcset") and tag in ("img", "source"):  # a photo's renditions: "name 480w, name 960w"
            self.links.extend(c.split()[0] for c in values["srcset"].split(",") if c.strip())


def _scan(path: Path) -> _PageScan:
    scan = _PageScan()
    scan.feed(path.read_text(encoding="utf-8", errors="replace"))
    scan.close()
    return scan


def _target_file(site: Path, page_rel: PurePosixPath, path: str) -> PurePosixPath | None:
    """Resolve a relative URL path against the page's directory; None if it climbs out of the site."""
    parts: list[str] = list(page_rel.parent.parts) if not path.startswith("/") else []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    rel = PurePosixPath(*parts) if parts else PurePosixPath(".")
    if path.endswith("/") or path == "" or (site / rel).is_dir():
        rel = rel / "index.html"
    return rel


def check_site(site: Path) -> tuple[int, list[BrokenLink]]:
    """Return (pages checked, broken links). Absolute and external URLs are left alone."""
    pages = sorted(p for p in site.rglob("*.html") if not p.name.startswith("."))
    scans: dict[PurePosixPath, _PageScan] = {}

    def scan_of(rel: PurePosixPath) -> _PageScan:
        if rel not in scans:
            scans[rel] = _scan(site / rel)
        return scans[rel]

    broken: list[BrokenLink] = []
    for page in pages:
        rel = PurePosixPath(page.relative_to(site).as_posix())
        if rel.name == "404.html":
            continue  # its links are root-absolute on purpose: it is served at any depth
        for href in scan_of(rel).links:
            problem = _check_link(site, rel, href, scan_of)
            if problem:
                broken.append(BrokenLink(rel.as_posix(), href, problem))
    return len(pages), broken


def _check_link(site: Path, page: PurePosixPath, href: str, scan_of) -> str | None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith("/"):
        return None
    target = page if parts.path == "" else _target_file(site, page, unquote(parts.path))
    if target is None:
        return "链接指向网站目录之外"
    if not (site / target).is_file():
        return "目标页面不存在"
    if parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in scan_of(target).ids:
        return f"页面中没有锚点 #{unquote(parts.fragment)}"
    return None
