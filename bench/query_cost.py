#!/usr/bin/env python3
"""What one reader's search costs: requests, bytes over the wire and time, in headless Chromium.

    .venv/bin/python bench/query_cost.py --site ours=DIR --site pagefind-ui=DIR [--queries 关工委,五老]

Each site's static output is served from 127.0.0.1 by `CompressingServer`, which gzips text
responses as a compressing host does (see COMPRESSIBLE) and sends `Cache-Control: max-age=600`
(GitHub Pages' default). For every query, a fresh browser context (cold cache) loads the
search page, waits until the page and its network are idle, enters the query (one `input`
event carrying the whole query, as an IME commits it; then Enter where the page searches on
submit) and waits until the first ten results (or all of them, when fewer) are on screen.
Requests and bytes are counted by the server (what actually crossed the wire, compressed,
headers included), split into "page" (loading the search page) and "query" (from entering the
query to the ten results shown: the requests that reached the server before the page showed them,
by the page's clock, which is the server's on the same machine; what comes after is "after").

Also measured:
- the time from entering the query to the first result and to the first ten on screen, under
  a throttled mid-range phone profile: CPU ×4 (CDP Emulation.setCPUThrottlingRate) and a
  1.6 Mbit/s down, 750 kbit/s up, 150 ms link (CDP Network.emulateNetworkConditions;
  Lighthouse's "slow 4G");
- one more character: the query without its last character is searched first, then the last
  character is typed; the requests the second keystroke causes are counted (what is already
  loaded should not be fetched again).

What "results on screen" means for each page is in RESULTS_PROBES: one small JavaScript
function per search UI, which reads the page's DOM. Adapt it when a page's markup changes.
run.py imports this module; it can also run alone.
"""
from __future__ import annotations

import argparse
import gzip
import http.server
import json
import mimetypes
import os
import statistics
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from browser_support import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (one place for the Chromium path and flags)

DEFAULT_QUERIES = ("关工委", "五老", "心理健康", "伊春市", "留守儿童", "大箐山县", "关爱")
FIRST_TEN = 10
TIMEOUT_MS = 60_000
QUIET_MS = 500  # the network counts as idle after this long without a request

# Lighthouse's mobile "slow 4G" profile, the "throttled mid-range phone".
PHONE_CPU_SLOWDOWN = 4
PHONE_NETWORK = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8,
                 "uploadThroughput": 750e3 / 8}
PHONE_VIEWPORT = {"width": 360, "height": 780}

# Types a compressing host gzips (Cloudflare's and nginx's usual lists); anything else is sent
# as it is. Pagefind's .pf_* files are gzip streams already, so a host leaves them alone.
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml",
                "application/manifest+json", "application/wasm")
GZIP_LEVEL = 6  # nginx's and most hosts' middle setting
CACHE_CONTROL = "max-age=600"  # GitHub Pages sends this; without one, Chromium revalidates heuristically

mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/wasm", ".wasm")
mimetypes.add_type("application/json", ".json")


# --------------------------------------------------------------------------
# what "results on screen" means, per search UI
# --------------------------------------------------------------------------
# Each probe is a JavaScript function (query) -> {shown, total, busy, partial, query_seen}:
#   shown       result entries on screen that carry a link (a placeholder without one does not count)
#   total       the number of results the page announces, or null while it has not said
#   partial     the first results are on screen while the page is still counting the rest
#   query_seen  the results are this query's (so old results are not taken for new ones)
# The first ten are "on screen" when query_seen, not busy, and shown >= min(10, total) (or, partial,
# shown >= 10); the first result when shown >= 1 (or total == 0).
RESULTS_PROBES = {
    # guanxin-site's /search/ (templates/search.html, static/search-page.js + static/search-reader.js). Results are <li> in #search-results,
    # each with a link. #search-status says "找到 N 篇包含“Q”的报告" or "没有找到包含“Q”的报告"; the page with
    # its own index also marks it data-state="searching" | "checking" (first results shown, a long query's
    # other candidates still being checked; the text then does not name the query, the field does) |
    # "results" (with data-count="N") | "none" | ..., which, where present, decides (the Pagefind-based page
    # before it has no data-state: the text does).
    "ours": """(query) => {
  const list = document.getElementById("search-results");
  const status = document.getElementById("search-status");
  const text = status ? status.textContent : "";
  const state = status ? status.dataset.state : undefined;
  const items = list ? Array.from(list.children).filter((li) => li.querySelector("a[href]")
    && li.getBoundingClientRect().height > 0) : [];
  const found = text.replace(/[,，\\s]/g, "").match(/找到(\\d+)/);
  let total = /没有找到/.test(text) ? 0 : (found ? parseInt(found[1], 10) : null);
  let busy = false, partial = false, seen = text.includes(query);
  if (state !== undefined) {
    partial = state === "checking";
    busy = !partial && state !== "results" && state !== "none";
    total = state === "none" ? 0 : (state === "results" && status.dataset.count ? parseInt(status.dataset.count, 10) : total);
    if (partial) {
      const field = document.getElementById("search-q");
      seen = !!field && field.value.trim() === query;
      total = null;
    }
  }
  // Issue 25: fewer than ten exact results are followed by related ones (#search-related, data-state
  // searching | results with data-count | none), and a keyword that found nothing by suggestions
  // (#search-suggest, data-state searching | shown | none): the first results of such a query are the
  // ten (or all) related ones, or the suggestion.
  const related = document.getElementById("search-related");
  const suggest = document.getElementById("search-suggest");
  const relatedState = related ? related.dataset.state : undefined;
  const suggestState = suggest ? suggest.dataset.state : undefined;
  if (!busy && (relatedState === "searching" || (relatedState !== "results" && suggestState === "searching"))) busy = true;
  else if (!busy && relatedState === "results") {
    const more = Array.from(document.getElementById("search-related-results").children).filter(
      (li) => li.querySelector("a[href]") && li.getBoundingClientRect().height > 0);
    return { shown: items.length + more.length, total: (total || 0) + parseInt(related.dataset.count, 10), busy,
             partial, query_seen: seen };
  } else if (!busy && total === 0 && suggestState === "shown") {
    return { shown: 1, total: 1, busy, partial, query_seen: seen };
  }
  return { shown: items.length, total, busy, partial, query_seen: seen };
}""",
    # Pagefind's Default UI (pagefind-ui.js, zh-cn strings): .pagefind-ui__message says "正在搜索 Q...", then
    # "找到 N 个 Q 的相关结果" or "未找到 Q 的相关结果"; a result
    # is an li.pagefind-ui__result, a placeholder until its fragment has loaded (then it has a title link).
    "pagefind-ui": """(query) => {
  const message = (document.querySelector(".pagefind-ui__message") || {}).textContent || "";
  const items = Array.from(document.querySelectorAll("li.pagefind-ui__result")).filter(
    (li) => li.querySelector("a.pagefind-ui__result-link[href]") && li.getBoundingClientRect().height > 0);
  const count = message.replace(/[,，\\s]/g, "").match(/找到(\\d+)/);  // zh-cn: "找到 N 个 Q 的相关结果"
  const total = /未找到|无结果/.test(message) ? 0 : (count ? parseInt(count[1], 10) : null);
  return { shown: items.length, total, busy: false, partial: false, query_seen: message.includes(query) };
}""",
}


@dataclass(frozen=True)
class SearchUI:
    """How to reach and drive one site's search page."""
    name: str  # a key of RESULTS_PROBES
    path: str  # the search page, relative to the site root
    input_selector: str
    submit_with_enter: bool  # the page searches when the form is submitted (Enter), not on every input


SEARCH_UIS = {
    "ours": SearchUI("ours", "search/", "#search-q", True),
    "pagefind-ui": SearchUI("pagefind-ui", "search/", "input.pagefind-ui__search-input", False),
}


# --------------------------------------------------------------------------
# a static server that compresses like a host and counts what it sends
# --------------------------------------------------------------------------
@dataclass
class Hit:
    at: float  # time.monotonic() when the request arrived
    path: str
    status: int
    wire_bytes: int  # status line, headers and body as sent (compressed when gzipped)
    body_bytes: int  # the file's own size
    gzipped: bool
    wall: float = 0.0  # time.time() when the request arrived: the clock the page's Date.now() reads


class _CountingWriter:
    def __init__(self, raw):
        self.raw, self.count = raw, 0

    def write(self, data) -> int:
        self.count += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()

    def __getattr__(self, name):  # closed, fileno, ... as the socket file's
        return getattr(self.raw, name)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a host would
    server: "CompressingServer"

    def log_message(self, *args) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.wfile = _CountingWriter(self.wfile)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        arrived, wall = time.monotonic(), time.time()
        start = self.wfile.count
        status, size, gzipped = self._respond()
        self.wfile.flush()
        self.server.record(Hit(arrived, urllib.parse.urlsplit(self.path).path, status, self.wfile.count - start,
                               size, gzipped, wall))

    def _respond(self) -> tuple[int, int, bool]:
        rel = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        target = (self.server.root / rel.lstrip("/")).resolve()
        if self.server.root not in (target, *target.parents):
            return self._plain(403, b"forbidden")
        if target.is_dir():
            if not rel.endswith("/"):
                self.send_response(301)
                self.send_header("Location", rel + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return 301, 0, False
            target = target / "index.html"
        if not target.is_file():
            return self._plain(404, b"not found")
        body, ctype, gzipped = self.server.payload(target, "gzip" in self.headers.get("Accept-Encoding", ""))
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", CACHE_CONTROL)
        self.send_header("Vary", "Accept-Encoding")
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        self.wfile.write(body)
        return 200, target.stat().st_size, gzipped

    def _plain(self, status: int, text: bytes) -> tuple[int, int, bool]:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)
        return status, len(text), False


class CompressingServer:
    """A static file server on 127.0.0.1 that gzips text as a host would, and logs every response's size."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._cache: dict[tuple[Path, bool], tuple[bytes, str, bool]] = {}
        handler = _Handler
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.root, self.httpd.record, self.httpd.payload = self.root, self._record, self._payload
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def _record(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)

    def _payload(self, path: Path, accepts_gzip: bool) -> tuple[bytes, str, bool]:
        """(body, content type, gzipped); compressed once per file, so compressing costs no time in a measurement."""
        key = (path, accepts_gzip)
        if key not in self._cache:
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
                ctype += "; charset=utf-8" if ctype.startswith(("text/", "application/j")) else ""
            data = path.read_bytes()
            squeeze = accepts_gzip and ctype.startswith(COMPRESSIBLE)
            body = gzip.compress(data, GZIP_LEVEL, mtime=0) if squeeze else data
            self._cache[key] = (body, ctype, squeeze)
        return self._cache[key]

    def mark(self) -> int:
        with self._lock:
            return len(self.hits)

    def since(self, mark: int, until: float | None = None) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits[mark:] if until is None or h.at <= until]

    def last_hit_at(self) -> float:
        with self._lock:
            return self.hits[-1].at if self.hits else 0.0

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --------------------------------------------------------------------------
# driving one search in Chromium
# --------------------------------------------------------------------------
@dataclass
class Traffic:
    requests: int
    wire_bytes: int
    paths: list[str]

    @staticmethod
    def of(hits: list[Hit]) -> "Traffic":
        return Traffic(len(hits), sum(h.wire_bytes for h in hits),
                       [f"{h.path} {h.status} {h.wire_bytes}{' gz' if h.gzipped else ''}" for h in hits])


@dataclass
class QueryResult:
    site: str
    query: str
    throttled: bool
    total: int | None = None  # results the page announced
    page: Traffic | None = None  # loading the search page, until its network is idle
    query_traffic: Traffic | None = None  # entering the query until the first ten results are on screen
    after: Traffic | None = None  # what the query still fetched after that, until the network was idle
    first_ms: float | None = None  # entering the query -> first result (or "none found") on screen
    ten_ms: float | None = None  # entering the query -> first ten (or all, when fewer) on screen
    page_ms: float | None = None  # navigation start -> load event
    error: str = ""

    @property
    def total_traffic(self) -> Traffic | None:
        if not (self.page and self.query_traffic):
            return None
        return Traffic(self.page.requests + self.query_traffic.requests,
                       self.page.wire_bytes + self.query_traffic.wire_bytes, self.page.paths + self.query_traffic.paths)


@dataclass
class KeystrokeResult:
    site: str
    query: str  # the full query; its prefix (all but the last character) is searched first
    prefix_traffic: Traffic | None = None
    keystroke: Traffic | None = None  # requests caused by typing the last character, until ten shown and idle
    refetched: list[str] = field(default_factory=list)  # of those, URLs the page had fetched already
    error: str = ""


# Runs in the page: polls the probe every animation frame from the moment the query is entered and records
# when the first result and the first ten are on screen (performance.now() is wall time, throttled or not).
WATCH_JS = """([probeSource, query, ten]) => {
  const probe = eval(probeSource);
  const state = { start: performance.now(), first: null, ten: null, last: null };
  window.__benchWatch = state;
  const tick = () => {
    let r;
    try { r = probe(query); } catch (e) { r = { shown: 0, total: null, query_seen: false, busy: true }; }
    state.last = r;
    const now = performance.now();
    if (r.query_seen && !r.busy) {
      if (state.first === null && (r.shown >= 1 || r.total === 0)) state.first = now - state.start;
      if (state.ten === null && ((r.total !== null && r.shown >= Math.min(ten, r.total)) || (r.partial && r.shown >= ten))) {
        state.ten = now - state.start;
        state.tenWall = performance.timeOrigin + now; // ms since the epoch: the server's clock on this machine
      }
    }
    if (state.ten === null) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def _wait_idle(server: CompressingServer, page, quiet_ms: int = QUIET_MS, limit_s: float = 30.0) -> None:
    """Until the page has made no request for quiet_ms (server side) and Playwright reports no pending load."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        if time.monotonic() - server.last_hit_at() >= quiet_ms / 1000:
            return


def _new_page(browser, throttled: bool):
    context = browser.new_context(viewport=PHONE_VIEWPORT if throttled else {"width": 1280, "height": 900},
                                  locale="zh-CN", service_workers="block")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    if throttled:
        cdp.send("Network.emulateNetworkConditions", PHONE_NETWORK)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": PHONE_CPU_SLOWDOWN})
    return context, page


def _open(server: CompressingServer, page, ui: SearchUI) -> float:
    page.goto(server.url + ui.path, wait_until="load", timeout=TIMEOUT_MS)
    page.wait_for_selector(ui.input_selector, state="visible", timeout=TIMEOUT_MS)
    _wait_idle(server, page)
    return page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd")


def _enter(page, ui: SearchUI, text: str, query: str) -> None:
    """Start the watcher, then enter `text` into the search field (one input event, as an IME commits)."""
    page.evaluate(WATCH_JS, [RESULTS_PROBES[ui.name], query, FIRST_TEN])
    page.focus(ui.input_selector)
    page.keyboard.press("End")  # after what the field holds already
    page.keyboard.insert_text(text)
    if ui.submit_with_enter:
        page.keyboard.press("Enter")


def _wait_ten(page) -> dict:
    page.wait_for_function("() => window.__benchWatch && window.__benchWatch.ten !== null", timeout=TIMEOUT_MS,
                           polling=50)
    return page.evaluate("() => window.__benchWatch")


def measure_query(browser, server: CompressingServer, ui: SearchUI, query: str, throttled: bool) -> QueryResult:
    result = QueryResult(ui.name, query, throttled)
    context, page = _new_page(browser, throttled)
    try:
        mark = server.mark()
        result.page_ms = _open(server, page, ui)
        result.page = Traffic.of(server.since(mark))
        mark = server.mark()
        _enter(page, ui, query, query)
        state = _wait_ten(page)
        # Until ten shown: the requests that reached the server before the page showed them (by the page's
        # clock, the same machine's), not before this script noticed, up to a polling interval later.
        shown = state["tenWall"] / 1000
        _wait_idle(server, page)
        hits = server.since(mark)
        result.query_traffic = Traffic.of([h for h in hits if h.wall <= shown])
        result.after = Traffic.of([h for h in hits if h.wall > shown])
        result.first_ms, result.ten_ms = state["first"], state["ten"]
        # the count, once the page has finished (a page may show its first ten before it has counted them all)
        result.total = page.evaluate(RESULTS_PROBES[ui.name], query)["total"]
    except Exception as exc:  # a page that never shows results is a finding, not a crash of the harness
        result.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    finally:
        context.close()
    return result


def measure_keystroke(browser, server: CompressingServer, ui: SearchUI, query: str) -> KeystrokeResult:
    """Search all but the last character, then type the last one: what does the second keystroke fetch?"""
    result = KeystrokeResult(ui.name, query)
    context, page = _new_page(browser, throttled=False)
    try:
        loaded = server.mark()
        _open(server, page, ui)
        mark = server.mark()
        _enter(page, ui, query[:-1], query[:-1])
        _wait_ten(page)
        _wait_idle(server, page)
        result.prefix_traffic = Traffic.of(server.since(mark))
        mark = server.mark()
        # the field keeps the prefix; type the last character after it
        _enter(page, ui, query[-1], query)
        _wait_ten(page)
        _wait_idle(server, page)
        result.keystroke = Traffic.of(server.since(mark))
        before = {h.path for h in server.since(loaded)[:mark - loaded]}
        result.refetched = sorted({h.path for h in server.since(mark)} & before)
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    finally:
        context.close()
    return result


@dataclass
class SiteReport:
    site: str
    root: str
    plain: list[QueryResult] = field(default_factory=list)
    throttled: list[QueryResult] = field(default_factory=list)
    keystrokes: list[KeystrokeResult] = field(default_factory=list)


def measure_sites(sites: dict[str, Path], queries: list[str], throttled: bool = True,
                  log=lambda message: None) -> list[SiteReport]:
    """Every query on every site: cold-cache traffic, the throttled-phone timing, the one-more-character check."""
    from playwright.sync_api import sync_playwright

    reports = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for name, root in sites.items():
                ui = SEARCH_UIS[name]
                server = CompressingServer(root)
                report = SiteReport(name, str(root))
                try:
                    for query in queries:
                        log(f"[query] {name}: {query}")
                        report.plain.append(measure_query(browser, server, ui, query, throttled=False))
                        if throttled:
                            report.throttled.append(measure_query(browser, server, ui, query, throttled=True))
                        if len(query) >= 3:
                            report.keystrokes.append(measure_keystroke(browser, server, ui, query))
                finally:
                    server.close()
                reports.append(report)
        finally:
            browser.close()
    return reports


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------
def kb(n: float) -> str:
    return f"{n / 1000:,.1f}"


def _median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


LABELS = {"ours": "guanxin-site `/search/`", "pagefind-ui": "Hugo + stock Pagefind Default UI"}


def report_lines(reports: list[SiteReport]) -> list[str]:
    lines = ["| site | query | results | page: requests, KB | query until ten shown: requests, KB | "
             "total until ten shown: requests, KB | after ten shown: requests, KB | "
             "phone: first result ms | phone: ten shown ms | phone: page load ms |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for report in reports:
        phone = {r.query: r for r in report.throttled}
        for r in report.plain:
            t = phone.get(r.query)
            if r.error:
                lines.append(f"| {LABELS.get(report.site, report.site)} | {r.query} | ERROR: {r.error} | | | | | | | |")
                continue
            total = r.total_traffic
            lines.append("| " + " | ".join([
                LABELS.get(report.site, report.site), r.query, "—" if r.total is None else f"{r.total:,}",
                f"{r.page.requests}, {kb(r.page.wire_bytes)}",
                f"{r.query_traffic.requests}, {kb(r.query_traffic.wire_bytes)}",
                f"**{total.requests}, {kb(total.wire_bytes)}**",
                f"{r.after.requests}, {kb(r.after.wire_bytes)}",
                (t.error and "ERROR") or _ms(t.first_ms) if t else "—",
                (t.error and "ERROR") or _ms(t.ten_ms) if t else "—",
                (t.error and "ERROR") or _ms(t.page_ms) if t else "—",
            ]) + " |")
    return lines


def keystroke_lines(reports: list[SiteReport]) -> list[str]:
    lines = ["| site | prefix → query | prefix: requests, KB | one more character: requests, KB (paths) | "
             "of which fetched before |",
             "|---|---|---|---|---|"]
    for report in reports:
        for k in report.keystrokes:
            if k.error:
                lines.append(f"| {LABELS.get(report.site, report.site)} | {k.query[:-1]} → {k.query} | ERROR: {k.error} | | |")
                continue
            paths = ", ".join(p.split(" ")[0] for p in k.keystroke.paths[:8]) + (" …" if len(k.keystroke.paths) > 8 else "")
            lines.append(f"| {LABELS.get(report.site, report.site)} | {k.query[:-1]} → {k.query} | "
                         f"{k.prefix_traffic.requests}, {kb(k.prefix_traffic.wire_bytes)} | "
                         f"{k.keystroke.requests}, {kb(k.keystroke.wire_bytes)}{f' ({paths})' if paths else ''} | "
                         f"{len(k.refetched)}{' (' + ', '.join(k.refetched) + ')' if k.refetched else ''} |")
    return lines


def summary(report: SiteReport) -> dict:
    """Medians and maxima over the queries, for the targets."""
    ok = [r for r in report.plain if not r.error]
    phone = [r for r in report.throttled if not r.error]
    totals = [r.total_traffic for r in ok]
    return {
        "queries": len(report.plain), "errors": len(report.plain) - len(ok) + len(report.throttled) - len(phone),
        "max_requests": max((t.requests for t in totals), default=None),
        "max_bytes": max((t.wire_bytes for t in totals), default=None),
        "median_bytes": _median([t.wire_bytes for t in totals]),
        "max_query_requests": max((r.query_traffic.requests for r in ok), default=None),
        "max_query_bytes": max((r.query_traffic.wire_bytes for r in ok), default=None),
        "max_first_ms": max((r.first_ms for r in phone if r.first_ms is not None), default=None),
        "max_ten_ms": max((r.ten_ms for r in phone if r.ten_ms is not None), default=None),
        "median_first_ms": _median([r.first_ms for r in phone]),
        "keystroke_requests": [k.keystroke.requests for k in report.keystrokes if not k.error and k.keystroke],
        "keystroke_refetched": sum(len(k.refetched) for k in report.keystrokes if not k.error),
    }


def summary_lines(reports: list[SiteReport]) -> list[str]:
    """One column per site: the worst and the median over the queries (the README's table)."""
    by = {r.site: summary(r) for r in reports}
    cols = [site for site in ("ours", "pagefind-ui") if site in by]
    if not cols:
        return []

    def med_of(report: SiteReport, get) -> float | None:
        return _median([get(r) for r in report.plain if not r.error])

    rep = {r.site: r for r in reports}
    rows = ["| per query, cold cache | " + " | ".join(LABELS[c] for c in cols) + " |", "|---|" + "---|" * len(cols)]

    def row(label: str, cell) -> None:
        rows.append(f"| {label} | " + " | ".join(cell(c) for c in cols) + " |")

    row("requests until ten results shown, page + query: worst (median)", lambda c: (
        f"{by[c]['max_requests']} ({med_of(rep[c], lambda r: r.total_traffic.requests):.0f})"
        if by[c]["max_requests"] is not None else "—"))
    row("KB over the wire until ten shown, page + query: worst (median)", lambda c: (
        f"{kb(by[c]['max_bytes'])} ({kb(by[c]['median_bytes'])})" if by[c]["max_bytes"] is not None else "—"))
    row("of which the query alone: requests, KB (worst)", lambda c: (
        f"{by[c]['max_query_requests']}, {kb(by[c]['max_query_bytes'])}" if by[c]["max_query_bytes"] is not None else "—"))
    row("throttled phone: first result, ms, worst (median)", lambda c: (
        f"{_ms(by[c]['max_first_ms'])} ({_ms(by[c]['median_first_ms'])})"))
    row("throttled phone: ten shown, ms, worst", lambda c: _ms(by[c]["max_ten_ms"]))
    row("one more character: requests (of which refetched)", lambda c: (
        f"{', '.join(map(str, by[c]['keystroke_requests']))} ({by[c]['keystroke_refetched']})"
        if by[c]["keystroke_requests"] else "—"))
    row("measurements that failed", lambda c: str(by[c]["errors"]))
    return rows


def request_details(reports: list[SiteReport], query: str) -> list[str]:
    """Every request one cold-cache query made, per site: what a reader's browser fetched."""
    lines = []
    for report in reports:
        for r in report.plain:
            if r.query == query and not r.error:
                lines.append(f"- {LABELS.get(report.site, report.site)}, “{query}”: "
                             + "; ".join(r.total_traffic.paths + [f"(after ten shown) {p}" for p in r.after.paths]))
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--site", action="append", required=True, metavar="UI=DIR",
                    help=f"a built site and its search UI ({', '.join(SEARCH_UIS)}); repeatable")
    ap.add_argument("--queries", default=",".join(DEFAULT_QUERIES))
    ap.add_argument("--no-throttle", action="store_true", help="skip the throttled-phone timing")
    ap.add_argument("--json", type=Path, help="also write the raw results as JSON")
    args = ap.parse_args(argv)
    sites = {}
    for spec in args.site:
        name, _, root = spec.partition("=")
        if name not in SEARCH_UIS or not Path(root).is_dir():
            ap.error(f"--site {spec}: expected one of {', '.join(SEARCH_UIS)}=DIR (an existing directory)")
        sites[name] = Path(root)
    queries = [q.strip() for q in args.queries.split(",") if q.strip()]
    reports = measure_sites(sites, queries, throttled=not args.no_throttle,
                            log=lambda m: print(m, file=sys.stderr, flush=True))
    print("\n".join(summary_lines(reports) + [""] + report_lines(reports) + [""] + keystroke_lines(reports) + [""]
                    + request_details(reports, queries[0])))
    if args.json:
        from dataclasses import asdict
        args.json.write_text(json.dumps([asdict(r) for r in reports], ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
