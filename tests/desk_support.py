"""The desk's tests: a real `guanxin-site serve` process on 127.0.0.1, and requests sent exactly as given
(http.client: no header added or fixed up behind the test's back)."""
from __future__ import annotations

import http.client
import json
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from test_serve import wait_until  # noqa: F401 - the desk's tests wait the same way

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "issues" / "2023" / "053.md"
WAIT = 30


def new_project(root: Path, *issues: tuple[str, str]) -> Path:
    """A project with the repository's site.yaml and the given issue files (relative path, text)."""
    (root / "issues").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    for rel, text in issues:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@dataclass
class DeskServer:
    project: Path
    process: subprocess.Popen
    port: int
    output: list = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def desk(self) -> str:
        return f"{self.url}__desk/"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(self) -> str:
        status, _, body = self.request("GET", "/__desk/")
        assert status == 200
        return re.search(r'name="guanxin-desk" content="([^"]+)"', body.decode()).group(1)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                host: str | None = None) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", host if host is not None else f"127.0.0.1:{self.port}")
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            if body is not None and not any(h.lower() == "content-length" for h in (headers or {})):
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def api(self, method: str, path: str, data=None, *, raw: bytes | None = None, kind: str | None = None,
            extra: dict | None = None) -> tuple[int, dict]:
        """A request as the desk page makes it (own origin, the secret), JSON answer."""
        headers = {"X-Desk-Token": self.token(), "Origin": self.origin}
        body = raw if raw is not None else (json.dumps(data).encode() if data is not None else None)
        if body is not None:
            headers["Content-Type"] = kind or ("application/octet-stream" if raw is not None else "application/json")
        headers.update(extra or {})
        status, _, answer = self.request(method, "/__desk/" + path, body, headers)
        return status, json.loads(answer or b"{}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_desk(project: Path, *args: str) -> DeskServer:
    process = subprocess.Popen([sys.executable, "-m", "guanxin_site", "serve", "--no-open", "--port", "0",
                                "--source", str(project), *args],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8")
    output: list[str] = []
    found: dict = {}

    def read() -> None:
        for line in process.stdout:
            output.append(line)
            match = re.search(r"编辑台：http://127\.0\.0\.1:(\d+)/__desk/", line)
            if match:
                found["port"] = int(match.group(1))

    threading.Thread(target=read, daemon=True).start()
    try:
        wait_until(lambda: "port" in found or process.poll() is not None, WAIT, what="serve to start")
    except AssertionError:
        process.kill()
        raise
    assert "port" in found, "".join(output)
    return DeskServer(project, process, found["port"], output)


def open_desk(browser, server: DeskServer, hash_: str = "", width: int = 1280, height: int = 900):
    # The desk's CSP forbids eval, which Playwright's wait_for_function uses: the tests bypass it, so that
    # what they check of escaping holds without the CSP's help (the header itself is tested on its own).
    page = browser.new_page(viewport={"width": width, "height": height}, bypass_csp=True)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(server.desk + (f"#{hash_}" if hash_ else ""))
    page.desk_errors = errors
    return page
