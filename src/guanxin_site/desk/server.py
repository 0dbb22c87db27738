"""The desk's requests, answered inside `guanxin-site serve` under /__desk/.

Who may ask (every rule tested in tests/test_desk_security.py):
- the server listens on 127.0.0.1 only (serve), and every request must name it as Host
  (127.0.0.1:PORT or localhost:PORT): a web page cannot reach it through DNS rebinding;
- every write (POST) must come from the desk's own origin (a missing Origin is refused), carry the
  secret made when the server started (embedded in the desk page, which no other site can read) in
  X-Desk-Token, and send JSON or raw bytes: the simple `text/plain` or form posts any web page can
  send to a loopback port are refused; the API's reads need the secret too. No CORS headers, ever;
- nothing the page sends is used as a path: issues are named by id (store.py), received files and
  photos are stored under the hash of their bytes; bodies have size limits;
- the desk page carries a Content-Security-Policy (default-src 'self': no inline script, nothing
  from elsewhere) and may not be framed by another site; the page shows issue text as text only.
"""
from __future__ import annotations

import hmac
import json
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs

from guanxin_site.desk import checks, model, work
from guanxin_site.desk.jobs import JobBusy, Jobs
from guanxin_site.desk.original import Originals
from guanxin_site.desk.store import Conflict, Entry, Store, StoreError, digest_of
from guanxin_site.errors import ContentErrors, GuanxinError

PREFIX = "/__desk/"
STATIC = Path(__file__).parent / "static"
STATIC_FILES = {"desk.js": "text/javascript; charset=utf-8", "desk.css": "text/css; charset=utf-8",
                "favicon.svg": "image/svg+xml"}
MAX_JSON = 4 * 1024 * 1024  # a form of the longest issue is a few hundred KB
MAX_RECEIVED = 100 * 1024 * 1024  # a scanned bulletin of many pages
MAX_PHOTO = 20 * 1024 * 1024  # images.MAX_BYTES
LOADED_KEPT = 64  # versions of issue files the pages have loaded, to write their edits against
WRITE_TYPES = ("application/json", "application/octet-stream")
RECEIVABLE = (".pdf", ".docx", ".txt", ".doc", ".wps")
CSP = ("default-src 'self'; img-src 'self' blob:; frame-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'none'; frame-ancestors 'none'")
TOKEN_HEADER = "X-Desk-Token"
# Sec-Fetch-Site of the desk page's own requests (none: typed into the address bar). Another site's
# <img src="http://127.0.0.1:PORT/__desk/page/2023-53/1.png"> names our Host and needs no secret: it
# would learn which issues and pages there are, and make PDFium render them.
OWN_FETCHES = ("same-origin", "none")


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict = field(default_factory=dict)


@dataclass
class Request:
    method: str
    path: str  # below PREFIX, without the query
    query: dict
    headers: object  # an http.client.HTTPMessage (case-insensitive get)
    read_body: Callable[[int], bytes]  # reads exactly that many bytes


def _json(data, status: int = 200) -> Response:
    return Response(status, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def _refuse(status: int, message: str) -> Response:
    return _json({"error": message}, status)


def _refuse_secret() -> Response:
    """A request without this server's secret. Most often the desk page of a serve that was stopped and
    started again (the secret is new each start): "token": "stale" lets that page read the new secret
    from its own address and send the request again, so an editor's unsaved work survives the restart."""
    return _json({"error": "拒绝：缺少编辑台的口令；请刷新编辑台页面（重新启动预览后口令会变）", "token": "stale"}, 403)


class Desk:
    """Answers /__desk/ requests for one project. port(): the port the server listens on."""

    def __init__(self, project_dir: Path, port: Callable[[], int], *, build_lock: threading.Lock | None = None,
                 drafts: bool = False, report_failure: Callable[[str], None] = lambda message: None):
        self.store = Store(project_dir)
        self.port = port
        self.secret = secrets.token_urlsafe(32)
        self.build_lock = build_lock or threading.Lock()
        self.drafts = drafts  # the preview shows drafts
        self.originals = Originals(self.store)
        self.listing = checks.Listing(self.store)
        self.jobs = Jobs(report_failure)
        self._report_failure = report_failure
        self._loaded: OrderedDict[str, bytes] = OrderedDict()  # digest -> bytes, the versions pages hold
        self._loaded_lock = threading.Lock()

    # -- the gate ------------------------------------------------------------------------

    def allowed_hosts(self) -> tuple[str, str]:
        return (f"127.0.0.1:{self.port()}", f"localhost:{self.port()}")

    def respond(self, request: Request) -> Response:
        if request.headers.get("Host", "") not in self.allowed_hosts():
            return _refuse(403, "只能通过 127.0.0.1 或 localhost 访问编辑台")
        try:
            if request.method == "POST":
                refused = self._refuse_write(request)
                if refused is not None:
                    return refused
                return self._post(request)
            if request.method in ("GET", "HEAD"):
                return self._get(request)
            return _refuse(405, "不支持的请求")
        except StoreError as exc:
            return _refuse(exc.status, exc.message)
        except JobBusy as exc:
            return _refuse(409, exc.message)
        except model.FormError as exc:
            return _refuse(400, f"编辑台收到的内容无法读取（{exc}）；请刷新页面后重试")
        except Exception as exc:  # noqa: BLE001 - the page must hear what happened; the terminal gets the trace
            import traceback

            self._report_failure(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
            return _refuse(500, f"编辑台出现意外错误（{type(exc).__name__}: {exc}）；文件没有改动。请把这段话告诉技术人员")

    def _token_ok(self, request: Request) -> bool:
        return hmac.compare_digest(request.headers.get(TOKEN_HEADER, "").encode(), self.secret.encode())

    def _refuse_write(self, request: Request) -> Response | None:
        origins = tuple(f"http://{host}" for host in self.allowed_hosts())
        if request.headers.get("Origin", "") not in origins:
            return _refuse(403, "拒绝：请求不是来自编辑台页面")
        kind = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind not in WRITE_TYPES:
            return _refuse(415, "拒绝：只接受 JSON 或文件内容")
        if not self._token_ok(request):
            return _refuse_secret()
        return None

    def _body(self, request: Request, limit: int, too_big: str) -> bytes:
        length = request.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise StoreError("请求缺少长度", 411)
        if int(length) > limit:
            raise StoreError(too_big, 413)
        return request.read_body(int(length))

    def _json_body(self, request: Request) -> dict:
        if request.headers.get("Content-Type", "").split(";")[0].strip().lower() != "application/json":
            raise StoreError("这里只接受 JSON", 415)
        try:
            data = json.loads(self._body(request, MAX_JSON, "内容过大"))
        except (ValueError, UnicodeDecodeError):
            raise StoreError("内容不是有效的 JSON") from None
        if not isinstance(data, dict):
            raise StoreError("内容不是有效的 JSON")
        return data

    # -- reading ---------------------------------------------------------------------------

    def _get(self, request: Request) -> Response:
        path = request.path
        if path == "":
            return self._page()
        if path.startswith("static/") and path[len("static/"):] in STATIC_FILES:
            name = path[len("static/"):]
            return Response(200, (STATIC / name).read_bytes(), STATIC_FILES[name], {"Cache-Control": "no-cache"})
        images = {"page/": self._page_image, "photo/": self._photo}  # shown by <img>, which sends no secret
        for start, answer in images.items():
            if path.startswith(start):
                if request.headers.get("Sec-Fetch-Site", "same-origin") not in OWN_FETCHES:
                    return _refuse(403, "拒绝：编辑台的图片只在编辑台页面中显示")
                response = answer(path[len(start):])
                response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
                return response
        reads = {"api/config": self._config, "api/issues": self._issues, "api/issue": self._issue,
                 "api/original": self._original, "api/job": self._job}
        if path in reads:
            if not self._token_ok(request):
                return _refuse_secret()
            return reads[path](request.query)
        return _refuse(404, "编辑台没有这个地址")

    def _page(self) -> Response:
        import html

        page = (STATIC / "desk.html").read_text(encoding="utf-8").replace("{{token}}", html.escape(self.secret))
        return Response(200, page.encode("utf-8"), "text/html; charset=utf-8",
                        {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"})

    def _config(self, query: dict) -> Response:
        from guanxin_site.loader import load_site_config

        try:
            config, gazetteer = load_site_config(self.store.project, None)
        except ContentErrors as exc:
            return _json({"error": "\n".join(str(e) for e in exc.errors)}, 409)
        try:
            addresses, targets_problem = work.targets(self.store.project), None
        except GuanxinError as exc:  # a wrong deploy: setting: said on the publish page
            addresses, targets_problem = {}, str(exc)
        targets = list(addresses)  # in site.yaml's order; with several, the page makes the editor choose
        return _json({"title": config.title, "area": gazetteer.area, "region_word": gazetteer.region_word,
                      "regions": [r.name for r in gazetteer.regions], "drafts_in_preview": self.drafts,
                      "targets": targets, "addresses": {name: addresses[name] for name in targets},  # no secret:
                      "targets_problem": targets_problem})  # an address holding a password is refused when read

    def _issues(self, query: dict) -> Response:
        return _json({"issues": self.listing.issues()})

    def _entry(self, query: dict) -> Entry:
        return self.store.find(_one(query, "id"))

    def _issue(self, query: dict) -> Response:
        entry = self._entry(query)
        return _json(self._view(entry, self.store.read(entry).data))

    def _view(self, entry: Entry, data: bytes) -> dict:
        """The page's view of an issue file: its form, ticks and the problems `check` finds in it."""
        try:
            document = model.read_document(data)
        except model.NotEditable as exc:
            raise StoreError(f"{entry.rel}：{exc}", 409) from None
        self._keep(data)
        form = model.to_form(document)
        for block in [*form["lead"], *(b for r in form["reports"] for b in r["blocks"])]:
            if block["kind"] == model.PHOTO:
                block["photo"] = self.store.register_photo(entry.path, block["src"])
        written = model.apply_form(document, form)
        problems = checks.problems_of_text(self.store, entry, data, written.targets)
        return {"id": entry.id, "rel": entry.rel, "digest": digest_of(data), "form": form,
                "ticks": self.store.ticks(entry), "year": entry.year, "number": entry.number,
                "preview": f"{entry.year}/{entry.number}/" if entry.year else None, "draft": entry.draft,
                "can_undo": self.store.has_backup(entry), "problems": problems}

    def _original(self, query: dict) -> Response:
        entry = self._entry(query)
        document = self._document_of(self.store.read(entry).data)
        return _json(self.originals.describe(entry, document))

    def _page_image(self, rest: str) -> Response:
        issue_id, _, name = rest.partition("/")
        if not name.endswith(".png") or not name[:-4].isdigit():
            return _refuse(404, "没有这一页")
        entry = self.store.find(issue_id)
        document = self._document_of(self.store.read(entry).data)
        png = self.originals.page_png(entry, document, int(name[:-4]))
        return Response(200, png, "image/png", {"Cache-Control": "private, max-age=3600"})

    def _photo(self, token: str) -> Response:
        from guanxin_site.desk.store import PHOTO_FORMATS, photo_format

        path = self.store.photos.get(token)
        if path is None:
            return _refuse(404, "没有这张照片")
        data = path.read_bytes()
        kind = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}
        return Response(200, data, kind[PHOTO_FORMATS[photo_format(data)]], {"Cache-Control": "private, max-age=3600"})

    def _job(self, query: dict) -> Response:
        job = self.jobs.get(_one(query, "id"))
        if job is None:
            return _refuse(404, "没有这项工作")
        return _json(job.to_json())

    # -- writing -----------------------------------------------------------------------------

    def _post(self, request: Request) -> Response:
        raw = {"api/receive": self._receive, "api/photo": self._add_photo}
        if request.path in raw:
            return raw[request.path](request)
        writes = {"api/check": self._check, "api/save": self._save, "api/overwrite": self._overwrite,
                  "api/undo": self._undo, "api/import": self._import, "api/publish": self._publish}
        if request.path not in writes:
            return _refuse(404, "编辑台没有这个地址")
        return writes[request.path](self._json_body(request))

    def _keep(self, data: bytes) -> None:
        with self._loaded_lock:
            self._loaded[digest_of(data)] = data
            self._loaded.move_to_end(digest_of(data))
            while len(self._loaded) > LOADED_KEPT:
                self._loaded.popitem(last=False)

    def _base(self, entry: Entry, base) -> bytes | None:
        """The version the page loaded (by its digest), if this server still knows it."""
        with self._loaded_lock:
            data = self._loaded.get(base) if isinstance(base, str) else None
        if data is None:
            current = self.store.read(entry).data
            data = current if digest_of(current) == base else None
        return data

    @staticmethod
    def _document_of(data: bytes) -> model.Document | None:
        try:
            return model.read_document(data)
        except model.NotEditable:
            return None

    def _written(self, entry: Entry, base: bytes, body: dict) -> model.Written:
        form = body.get("form")
        if not isinstance(form, dict):
            raise model.FormError("form must be an object")
        document = model.read_document(base)
        return model.apply_form(document, form, photo_src=lambda token: self.store.photo_src(entry, token),
                                all_checked=_all_ticked(form, body.get("ticks")))

    def _check(self, body: dict) -> Response:
        entry = self.store.find(body.get("id"))
        base = self._base(entry, body.get("base"))
        if base is None:
            return _json({"conflict": True, "problems": []})
        written = self._written(entry, base, body)
        data = written.text.encode("utf-8")
        return _json({"problems": checks.problems_of_text(self.store, entry, data, written.targets),
                      "changed": data != base, "conflict": digest_of(self.store.read(entry).data) != body.get("base")})

    def _save(self, body: dict) -> Response:
        entry = self.store.find(body.get("id"))
        base = self._base(entry, body.get("base"))
        if base is None:
            current = self.store.read(entry).data
            return self._conflict(Conflict(current, digest_of(current)), None)
        written = self._written(entry, base, body)
        data = written.text.encode("utf-8")
        saved = self.store.save(entry, body["base"], data)
        if isinstance(saved, Conflict):
            return self._conflict(saved, written.text)
        self._keep(data)
        self.store.set_ticks(entry, _ticks(body.get("ticks")))
        return self._saved(entry, data, cleared=written.proofread_cleared)

    def _saved(self, entry: Entry, data: bytes, cleared: bool = False) -> Response:
        """The page's new view after a write (the issue's id changes with its number or date)."""
        fresh = next((e for e in self.store.entries() if e.rel == entry.rel), entry)
        view = self._view(fresh, data)
        return _json({"saved": True, "view": view, "proofread_cleared": cleared,
                      "blocking": checks.blocking(view["problems"])})

    def _conflict(self, conflict: Conflict, mine: str | None) -> Response:
        self._keep(conflict.theirs)
        return _json({"conflict": True, "theirs": conflict.theirs.decode("utf-8", "replace"),
                      "theirs_digest": conflict.digest, "mine": mine}, 409)

    def _overwrite(self, body: dict) -> Response:
        """The editor chose their version after seeing both: written over the version they saw (theirs)."""
        entry = self.store.find(body.get("id"))
        text = body.get("text")
        if not isinstance(text, str) or not isinstance(body.get("base"), str):
            raise model.FormError("text and base must be text")
        data = text.encode("utf-8")
        saved = self.store.save(entry, body["base"], data)
        if isinstance(saved, Conflict):
            return self._conflict(saved, text)
        self._keep(data)
        return self._saved(entry, data)

    def _undo(self, body: dict) -> Response:
        entry = self.store.find(body.get("id"))
        undone = self.store.undo(entry, body.get("base"))
        if isinstance(undone, Conflict):
            return self._conflict(undone, None)
        data = entry.path.read_bytes()
        self._keep(data)
        return self._saved(entry, data)

    def _receive(self, request: Request) -> Response:
        name = _one(request.query, "name")[:200]
        suffix = Path(name).suffix.lower()
        if suffix not in RECEIVABLE:
            raise StoreError(f"“{name}”不是可以导入的文件：只能导入 PDF、Word（.docx、.doc）、WPS（.wps）或文本文件（.txt）")
        data = self._body(request, MAX_RECEIVED, f"“{name}”超过 {MAX_RECEIVED // 1048576} MB，无法导入")
        if not data:
            raise StoreError(f"“{name}”是空文件")
        return _json({"token": self.store.receive(name, data, suffix), "name": name})

    def _import(self, body: dict) -> Response:
        tokens = body.get("files")
        if not isinstance(tokens, list) or not tokens or len(tokens) > 500:
            raise model.FormError("files must be a list of tokens")
        files = []
        for token in tokens:
            path = self.store.received_file(token)
            if path is None:
                raise StoreError("找不到上传的文件；请重新选择文件", 404)
            files.append((path, self.store.received[token]))
        job = self.jobs.start("import", lambda job: work.import_received(self.store, files, job),
                              "正在导入其他文件，请等它完成")
        return _json(job.to_json())

    def _add_photo(self, request: Request) -> Response:
        entry = self.store.find(_one(request.query, "id"))
        data = self._body(request, MAX_PHOTO, f"照片超过 {MAX_PHOTO // 1048576} MB；请缩小后再添加（长边 3000 像素足够）")
        token = self.store.add_photo(entry, data)
        return _json({"photo": token})

    def _publish(self, body: dict) -> Response:
        target = body.get("target") if isinstance(body.get("target"), str) else None
        password = body.get("password") if isinstance(body.get("password"), str) else None
        job = self.jobs.start("publish", lambda job: work.publish(self.store, job, self.build_lock, target, password),
                              "正在发布，请等它完成")
        return _json(job.to_json())


def _one(query: dict, name: str) -> str:
    values = query.get(name) or [""]
    return values[0] if isinstance(values, list) else str(values)


def _ticks(value) -> list[str]:
    return [t for t in value if isinstance(t, str)][:500] if isinstance(value, list) else []


def _all_ticked(form: dict, ticks) -> bool:
    """Every report (and the lead, if it has text) is ticked as checked against the original."""
    ticked = set(_ticks(ticks))
    reports = form.get("reports") if isinstance(form.get("reports"), list) else []
    parts = [r.get("region") for r in reports if isinstance(r, dict)]
    if form.get("lead"):
        parts.append("导语")
    return bool(parts) and all(isinstance(p, str) and p in ticked for p in parts)


def parse_query(query: str) -> dict:
    return parse_qs(query, keep_blank_values=True)


__all__ = ["Desk", "PREFIX", "Request", "Response", "parse_query"]
