"""`guanxin-site serve`: a local preview that rebuilds and reloads as the editor saves.

- The preview is built into <project>/.guanxin-cache/serve-site (never into site/), with
  the build's incremental cache, so a rebuild after saving one issue is quick.
- It is served on 127.0.0.1 only. A small live-reload script is added to HTML responses
  as they are served, never to the built files, so a published site cannot contain it.
  The script long-polls /__livereload and reloads the page when the preview changed.
- Changes are seen by watchfiles, on exactly what a build reads (build.project_inputs:
  site.yaml, the project's own gazetteer file, issues/ and templates/), so the output
  folders and everything else under the project are not watched at all.
- A build that fails leaves the server running: the errors go to the reporter (the
  terminal) and over every page, until a save fixes them.
- The editor's desk (guanxin_site.desk) is served under /__desk/; every preview page gets a
  link to it (to the issue shown, on an issue page), added as served like the reload script.

Nothing here prints: what happens is passed to a `report` callback as events.
"""
from __future__ import annotations

import errno
import functools
import html
import os
import json
import queue
import re
import sys
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit

import jinja2
import watchfiles

from guanxin_site.build import BuildResult, build, project_inputs
from guanxin_site.cache import CACHE_DIR
from guanxin_site.errors import ContentError, ContentErrors, GuanxinError, OutputError, display_path
from guanxin_site.mediatypes import content_type
from guanxin_site.theme import TEMPLATES_DIR

HOST = "127.0.0.1"
SERVE_DIR = "serve-site"  # under .guanxin-cache/: a private build, never the site to publish
LIVERELOAD_PATH = "/__livereload"
POLL_SECONDS = 20  # a live-reload request waits this long for a change before it is answered anyway
QUIET_SECONDS = 0.15  # changes closer together than this are one rebuild (an editor saving several files)
HTML_SUFFIXES = (".html", ".htm")


@dataclass(frozen=True)
class Rebuilt:
    """A build succeeded. `changed` lists the files that triggered it (empty for the first build)."""

    result: BuildResult
    changed: tuple[str, ...]
    recovered: bool  # the previous build had failed


@dataclass(frozen=True)
class Broken:
    """A build failed; the preview shows these errors until a save fixes them."""

    errors: tuple[ContentError, ...]
    changed: tuple[str, ...]


@dataclass(frozen=True)
class RequestFailed:
    """Serving one request failed unexpectedly (the server keeps running)."""

    message: str


Event = Rebuilt | Broken | RequestFailed
Reporter = Callable[[Event], None]


def describe_failure(exc: Exception, project_dir: Path) -> tuple[ContentError, ...]:
    """Any build failure as located messages an editor can act on."""
    if isinstance(exc, ContentErrors):
        return tuple(exc.errors)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = display_path(Path(exc.filename), project_dir) if exc.filename else f"{TEMPLATES_DIR}/{exc.name}"
        return (ContentError(where, exc.lineno, f"模板语法错误（{exc.message}）；请改正这个模板后保存"),)
    if isinstance(exc, jinja2.TemplateError):
        return (ContentError(TEMPLATES_DIR, None, f"模板出错（{exc}）；请检查最近修改的模板"),)
    if isinstance(exc, GuanxinError):
        return (ContentError("", None, str(exc)),)
    return (ContentError("", None, f"生成网站时出现意外错误（{type(exc).__name__}: {exc}）；请把这段话告诉技术人员"),)


def where(error: ContentError) -> str:
    """'path 第 N 行' for an error, or just the path; empty when it belongs to no file."""
    if not error.path:
        return ""
    return f"{error.path} 第 {error.line} 行" if error.line else error.path


# -- what the browser is shown -------------------------------------------------------

_RELOAD_SCRIPT = """<script>/* guanxin-site serve：实时预览（只在预览中加入，生成的网站中没有） */
(function () {
  var generation = %d;
  function poll() {
    fetch("%s?since=" + generation, {cache: "no-store"})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.generation !== generation) { location.reload(); } else { poll(); }
      }, function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>
"""

_PANEL_STYLE = ("position:fixed;top:0;left:0;right:0;z-index:2147483647;max-height:70vh;overflow:auto;"
                "margin:0;padding:1rem 1.5rem;background:#fff5f5;color:#1a1a1a;border-bottom:4px solid #b00020;"
                "box-shadow:0 4px 16px rgba(0,0,0,.25);font:16px/1.6 system-ui,'Noto Sans CJK SC',sans-serif;")


def error_panel(errors: tuple[ContentError, ...]) -> str:
    items = "".join(
        f"<li>{'<code>' + html.escape(where(e)) + '</code>：' if where(e) else ''}{html.escape(e.message)}</li>"
        for e in errors)
    return (f'<div id="guanxin-serve-errors" role="alert" style="{_PANEL_STYLE}">'
            f'<h2 style="margin:0 0 .5rem;color:#b00020;font-size:1.25rem">网站没有更新：发现 {len(errors)} 个问题</h2>'
            f'<ol style="margin:0 0 .5rem;padding-left:1.5rem">{items}</ol>'
            "<p style=\"margin:0\">请按上面的提示修改文件并保存，这个页面会自动刷新。下面显示的是出问题之前的网页。</p></div>\n")


def _standalone_page(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n<title>{html.escape(title)}</title>\n'
            f'</head>\n<body style="font:16px/1.6 system-ui,\'Noto Sans CJK SC\',sans-serif;margin:2rem">\n{body}</body>\n</html>\n'
            ).encode("utf-8")


def inject(page: bytes, addition: str) -> bytes:
    """Insert before the last </body>, or at the end of a page without one."""
    at = page.lower().rfind(b"</body>")
    data = addition.encode("utf-8")
    return page + data if at < 0 else page[:at] + data + page[at:]


# -- shared state between the rebuild loop and the request threads -------------------

class _PreviewState:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        # Starts from the clock so that a page left open across a restart of serve reloads too.
        self.generation = int(time.time() * 1000)
        self.errors: tuple[ContentError, ...] = ()
        self.closing = False

    def publish(self, errors: tuple[ContentError, ...]) -> None:
        with self._changed:
            self.generation += 1
            self.errors = errors
            self._changed.notify_all()

    def snapshot(self) -> tuple[int, tuple[ContentError, ...]]:
        with self._changed:
            return self.generation, self.errors

    def wait_for_change(self, since: int, timeout: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.generation != since or self.closing, timeout)
            return self.generation

    def close(self) -> None:
        with self._changed:
            self.closing = True
            self._changed.notify_all()


_DESK_LINK_STYLE = ("position:fixed;right:.75rem;bottom:.75rem;z-index:2147483646;padding:.45rem .9rem;"
                    "background:#c00000;color:#fff;border-radius:4px;box-shadow:0 2px 8px rgba(0,0,0,.3);"
                    "font:15px/1.4 system-ui,'Noto Sans CJK SC',sans-serif;text-decoration:none;")
# Why a port cannot be used, in the editor's words (the system's own text is English).
_PORT_PROBLEMS = {errno.EADDRINUSE: "端口已被占用", errno.EACCES: "没有权限使用这个端口", errno.EADDRNOTAVAIL: "这台电脑上没有这个地址"}
_ISSUE_PAGE = re.compile(r"/(\d{4})/(\d{1,6})/(?:index\.html)?")


def desk_link(path: str) -> str:
    """The link to the desk added to a preview page: to the issue shown, on an issue page."""
    from guanxin_site.desk.server import PREFIX

    issue = _ISSUE_PAGE.fullmatch(path)
    href, text = (f"{PREFIX}#edit/{issue.group(1)}-{int(issue.group(2))}", "在编辑台中修改本期") if issue \
        else (PREFIX, "编辑台")
    return (f'<a id="guanxin-desk-link" href="{href}" target="_top" style="{_DESK_LINK_STYLE}">{text}</a>'
            "<style>@media print { #guanxin-desk-link { display: none; } }</style>"  # not on an issue printed from the preview
            "<!-- guanxin-site serve：只在预览中加入 -->\n")


class _PreviewHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a waiting live-reload request must not hold up Ctrl-C

    def __init__(self, port: int, state: _PreviewState, root: Path, report: Reporter, desk=None):
        self.state = state
        self.root = root
        self.report = report
        self.desk = desk  # guanxin_site.desk.server.Desk, answering /__desk/
        super().__init__((HOST, port), functools.partial(_PreviewHandler, directory=str(root)))

    def handle_error(self, request, client_address) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):  # the browser left (closed the tab, reloaded): nothing to do
            return
        self.report(RequestFailed(f"{type(exc).__name__}: {exc}"))


class _PreviewHandler(SimpleHTTPRequestHandler):
    server: _PreviewHTTPServer

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass  # the terminal is for the editor's messages, not for an access log

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # a reload must show the new build
        super().end_headers()

    def guess_type(self, path) -> str:
        """The site's files as `deploy` labels them, never by Windows' registry (mediatypes.py)."""
        return content_type(os.fspath(path))

    def do_HEAD(self) -> None:
        if not self._host_allowed():  # the same guard as GET against DNS rebinding
            self._send(HTTPStatus.FORBIDDEN, "text/plain; charset=utf-8", b"")
            return
        if self._is_desk():
            self._desk("HEAD")
            return
        super().do_HEAD()

    def do_POST(self) -> None:
        """Only the desk takes writes; it checks Host, Origin, the body's type and its secret itself."""
        if not self._host_allowed() or not self._is_desk():
            self._send(HTTPStatus.FORBIDDEN, "text/plain; charset=utf-8", "拒绝\n".encode())
            return
        self._desk("POST")

    def do_GET(self) -> None:
        if not self._host_allowed():
            self._send(HTTPStatus.FORBIDDEN, "text/plain; charset=utf-8", "只能通过 127.0.0.1 或 localhost 访问预览。\n".encode())
            return
        url = urlsplit(self.path)
        if self._is_desk():
            self._desk("GET")
            return
        if url.path == LIVERELOAD_PATH:
            self._livereload(url.query)
            return
        target = Path(self.translate_path(url.path))
        if target.is_dir():
            if not url.path.endswith("/"):
                self._redirect(url.path + "/" + (f"?{url.query}" if url.query else ""))
                return
            target = target / "index.html"
        if target.suffix.lower() in HTML_SUFFIXES or (target.suffix == "" and not target.exists()):
            self._html(target)
            return
        super().do_GET()

    def _is_desk(self) -> bool:
        return self.server.desk is not None and urlsplit(self.path).path.startswith("/__desk")

    def _desk(self, method: str) -> None:
        from guanxin_site.desk.server import PREFIX, Request, parse_query

        url = urlsplit(self.path)
        if not url.path.startswith(PREFIX):
            self._redirect(PREFIX)
            return
        request = Request(method, url.path[len(PREFIX):], parse_query(url.query), self.headers, self.rfile.read)
        response = self.server.desk.respond(request)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(response.body)

    def _host_allowed(self) -> bool:
        """Refuse other host names: a web page must not read the preview through DNS rebinding."""
        port = self.server.server_address[1]
        return self.headers.get("Host", "") in (f"{HOST}:{port}", f"localhost:{port}")

    def _livereload(self, query: str) -> None:
        try:
            since = int(parse_qs(query).get("since", ["0"])[0])
        except ValueError:
            since = 0
        generation = self.server.state.wait_for_change(since, POLL_SECONDS)
        self._send(HTTPStatus.OK, "application/json", json.dumps({"generation": generation}).encode())

    def _html(self, target: Path) -> None:
        generation, errors = self.server.state.snapshot()
        status, page = HTTPStatus.OK, _read(target)
        if page is None:
            status, page = HTTPStatus.NOT_FOUND, _read(self.server.root / "404.html")
        if page is None and errors:
            status, page = HTTPStatus.INTERNAL_SERVER_ERROR, _standalone_page("网站没有生成", "")
        elif page is None:
            page = _standalone_page("页面不存在", "<h1>页面不存在</h1>\n<p>预览中没有这个网页。</p>\n")
        addition = (error_panel(errors) if errors else "") + _RELOAD_SCRIPT % (generation, LIVERELOAD_PATH)
        if self.server.desk is not None:
            addition += desk_link(urlsplit(self.path).path)
        self._send(status, "text/html; charset=utf-8", inject(page, addition))

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: HTTPStatus, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


# -- watching ------------------------------------------------------------------------

class _AnyEvent:
    """Set when any of the events is: watchfiles stops on whatever has is_set()."""

    def __init__(self, *events: threading.Event):
        self._events = events

    def is_set(self) -> bool:
        return any(e.is_set() for e in self._events)

    def wait(self) -> None:
        while not self.is_set():
            self._events[0].wait(0.1)


READY_SECONDS = 5  # at most this long for the watchers to start before serving anyway
# watchfiles yields an empty batch after each quiet interval: the first one says the watch is set up.
_YIELD_WHEN_WATCHING = {"yield_on_timeout": True, "rust_timeout": 100}


class _Watcher:
    """Puts each batch of changed paths on `changes`, from two watchfiles watchers in threads.

    What is watched is exactly build.project_inputs: its files, and its folders
    recursively. One watcher sees the input files and the folders appearing or going
    (non-recursively, in the folders that hold them); the other watches inside the
    folders. Each starts again on the new list when it changes: the first when site.yaml
    names another gazetteer file, the second when a folder appears or goes."""

    def __init__(self, project_dir: Path, changes: queue.Queue):
        self.project_dir = project_dir
        self.changes = changes
        self._stop = threading.Event()
        self._rewatch_entries = threading.Event()  # site.yaml now names another gazetteer file
        self._rewatch_folders = threading.Event()  # issues/ or templates/ appeared or went away
        self._threads = [threading.Thread(target=self._watch_entries, daemon=True),
                         threading.Thread(target=self._watch_folders, daemon=True)]
        self._ready = [threading.Event(), threading.Event()]  # each watcher has started watching

    def start(self) -> None:
        """Start both watchers; returns once they watch, so a save right after is seen."""
        for thread in self._threads:
            thread.start()
        for ready in self._ready:
            ready.wait(timeout=READY_SECONDS)

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            if thread.ident is not None:  # started (close may come first: Ctrl-C during the first build)
                thread.join(timeout=3)

    def _watch_entries(self) -> None:
        while not self._stop.is_set():
            self._rewatch_entries.clear()  # before reading the list: a change from now on is seen
            inputs = project_inputs(self.project_dir)
            wanted = {os.path.normpath(p) for p in (*inputs.files, *inputs.folders)}
            folders = {os.path.normpath(p) for p in inputs.folders}
            parents = sorted({os.path.dirname(p) for p in wanted if os.path.isdir(os.path.dirname(p))})

            def is_input(change: watchfiles.Change, path: str) -> bool:
                return os.path.normpath(path) in wanted

            try:
                for batch in watchfiles.watch(*parents, recursive=False, watch_filter=is_input,
                                              stop_event=_AnyEvent(self._stop, self._rewatch_entries),
                                              raise_interrupt=False, **_YIELD_WHEN_WATCHING):
                    self._ready[0].set()
                    if not batch:
                        continue
                    self.changes.put(batch)
                    if any(os.path.normpath(path) in folders for _, path in batch):
                        self._rewatch_folders.set()
                    if project_inputs(self.project_dir) != inputs:
                        self._rewatch_entries.set()
            except Exception:  # noqa: BLE001 - e.g. the folder was moved; try again rather than stop watching
                self._ready[0].set()
                self._stop.wait(1)

    def _watch_folders(self) -> None:
        while not self._stop.is_set():
            self._rewatch_folders.clear()
            folders = [d for d in project_inputs(self.project_dir).folders if d.is_dir()]
            if not folders:
                self._ready[1].set()  # nothing to watch until the other watcher sees a folder appear
                _AnyEvent(self._stop, self._rewatch_folders).wait()
                continue
            try:
                for batch in watchfiles.watch(*folders, stop_event=_AnyEvent(self._stop, self._rewatch_folders),
                                              raise_interrupt=False, **_YIELD_WHEN_WATCHING):
                    self._ready[1].set()
                    if batch:
                        self.changes.put(batch)
            except Exception:  # noqa: BLE001 - a watched folder vanished mid-way: watch what exists now
                self._ready[1].set()
                self._stop.wait(0.5)


# -- the preview server ------------------------------------------------------------------

def serve_dir(project_dir: Path) -> Path:
    return project_dir / CACHE_DIR / SERVE_DIR


DEFAULT_PORT = 8000
PORTS_TRIED = 20  # without --port: the default port and the next ones, until one is free


class PreviewServer:
    """start() builds and begins serving; run() rebuilds on changes until interrupted; close() stops.

    close() may come at any point after construction (Ctrl-C during start())."""

    def __init__(self, project_dir: Path, *, port: int = DEFAULT_PORT, next_free_port: bool = False,
                 drafts: bool = False, report: Reporter = lambda e: None):
        self.project_dir = project_dir.resolve()
        self.output_dir = serve_dir(self.project_dir)
        self.port = port  # the port asked for
        self.next_free_port = next_free_port  # take the next free port when that one is taken
        self.drafts = drafts
        self.report = report
        self.state = _PreviewState()
        self.build_lock = threading.Lock()  # one build at a time: the preview's rebuilds and the desk's publish
        from guanxin_site.desk.server import Desk

        self.desk = Desk(self.project_dir, lambda: self.bound_port, build_lock=self.build_lock, drafts=drafts,
                         report_failure=lambda message: report(RequestFailed(message)))
        self._changes: queue.Queue = queue.Queue()
        self._watcher = _Watcher(self.project_dir, self._changes)
        self._httpd: _PreviewHTTPServer | None = None
        self._serving: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.bound_port}/"

    @property
    def desk_url(self) -> str:
        return f"http://{HOST}:{self.bound_port}/__desk/"

    @property
    def bound_port(self) -> int:
        """The port serving (after start()): the one asked for, or the next free one."""
        return self._httpd.server_address[1] if self._httpd else self.port

    @property
    def moved(self) -> bool:
        """The port asked for was taken and the next free one is used instead (port 0 is the system's choice)."""
        return self.port != 0 and self.bound_port != self.port

    def start(self) -> None:
        """Bind the port, build, then serve and watch. Raises OutputError if the port is taken
        (and, with next_free_port, the following ones too)."""
        self._httpd = self._bind()
        # The first build runs before any thread exists, so it may fork worker processes safely.
        self._rebuild((), jobs=None)
        self._serving = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        self._serving.start()
        self._watcher.start()

    def _bind(self) -> _PreviewHTTPServer:
        last = min(self.port + PORTS_TRIED - 1, 65535) if self.next_free_port and self.port else self.port
        for port in range(self.port, last + 1):
            try:
                return _PreviewHTTPServer(port, self.state, self.output_dir, self.report, self.desk)
            except OSError as exc:
                reason = _PORT_PROBLEMS.get(exc.errno, exc.strerror or str(exc))
        if last > self.port:
            raise OutputError(f"端口 {self.port} 到 {last} 都被占用了，无法启动预览（{reason}）；"
                              f"请关闭其他预览，或用 --port 指定一个端口，例如 guanxin-site serve --port {last + 1}")
        raise OutputError(f"无法在端口 {self.port} 上启动预览（{reason}）；可能另一个预览正在运行。"
                          f"请关闭它，或换一个端口，例如 guanxin-site serve --port {self.port + 1}")

    def run(self) -> None:
        """Rebuild after each batch of changes, until KeyboardInterrupt (Ctrl-C)."""
        while True:
            try:
                batch = self._changes.get(timeout=0.5)  # a timeout keeps Ctrl-C responsive everywhere
            except queue.Empty:
                continue
            self._rebuild(self._settled(batch), jobs=1)

    def close(self) -> None:
        self._watcher.close()
        self.state.close()
        if self._serving is not None:
            self._httpd.shutdown()  # waits for serve_forever to return: only once it has started
        if self._httpd is not None:
            self._httpd.server_close()

    def _settled(self, batch: set) -> tuple[str, ...]:
        """The batch plus whatever follows it closely: one rebuild for a burst of saves.

        Returns the changed files to show, without the temporary files that editors and
        tools create and delete while saving."""
        changes = set(batch)
        while True:
            try:
                changes |= self._changes.get(timeout=QUIET_SECONDS)
            except queue.Empty:
                break
        transient = {p for change, p in changes if change == watchfiles.Change.added and not Path(p).exists()}
        shown = {p for _, p in changes} - transient
        return tuple(sorted(display_path(Path(p), self.project_dir) for p in shown))

    def _rebuild(self, changed: tuple[str, ...], jobs: int | None) -> None:
        # Rebuilds after the first run beside the server and watcher threads: one process only,
        # since forking a threaded process can deadlock the children.
        try:
            with self.build_lock:  # the desk's publish builds too, into site/: one build at a time
                result = build(self.project_dir, self.output_dir, drafts=self.drafts, jobs=jobs, search=False,  # no re-index per edit
                               editor_tools=True)  # the 公众号版 copy box: an editors' tool, shown in the preview only
        except Exception as exc:  # noqa: BLE001 - whatever broke, the preview must stay up and say what
            errors = describe_failure(exc, self.project_dir)
            self.state.publish(errors)
            self.report(Broken(errors, changed))
            return
        _, previous_errors = self.state.snapshot()
        if result.changed or previous_errors:
            self.state.publish(())
        self.report(Rebuilt(result, changed, recovered=bool(previous_errors)))
