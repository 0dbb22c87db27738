"""`guanxin-site serve`: a real server process, real file changes, a real headless Chromium."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from guanxin_site.cli import main

REPO = Path(__file__).resolve().parents[1]
WAIT = 20  # seconds for a change to reach the page: rebuilds take well under one


def issue(number: int, title: str, body: str = "## 黑河市\n\n黑河市关工委召开会议，传达学习会议精神。\n") -> str:
    return f"---\nnumber: {number}\ntotal: {456 + number}\ndate: 2023-11-{number - 30}\ntitle: {title}\n---\n\n{body}"


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def wait_until(condition, timeout: float = WAIT, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Terminal:
    """Everything the server process prints, collected by a thread as it comes."""

    def __init__(self, process: subprocess.Popen):
        self.text = ""
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self._reader.start()

    def finish(self) -> None:
        """After the process ended: wait until everything it printed has been read (up to end of file)."""
        self._reader.join(timeout=WAIT)
        assert not self._reader.is_alive(), "the terminal did not reach end of file"

    def _read(self, stream) -> None:
        for line in stream:
            with self._lock:
                self.text += line

    def wait_for(self, words: str, after: int = 0) -> None:
        wait_until(lambda: words in self.text[after:], what=f"terminal output {words!r}; got:\n{self.text}")


@dataclass
class Server:
    project: Path
    url: str
    process: subprocess.Popen
    terminal: Terminal


def start_server(project: Path, *args: str) -> Server:
    """A serve process on a port the system picks (--port 0): no port to race for under -n 2."""
    process = subprocess.Popen(
        [sys.executable, "-m", "guanxin_site", "serve", "--port", "0", "--source", str(project), "--no-open", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    terminal = Terminal(process)
    terminal.wait_for("按 Ctrl+C 停止预览")
    url = re.search(r"预览地址：(http://127\.0\.0\.1:[1-9][0-9]*/)", terminal.text).group(1)
    return Server(project, url, process, terminal)


def stop_server(server: Server) -> int:
    server.process.send_signal(signal.SIGINT)
    code = server.process.wait(timeout=15)
    server.terminal.finish()  # its last words are read before anyone looks at them
    return code


def new_project(root: Path) -> Path:
    root.mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    shutil.copytree(REPO / "issues", root / "issues")
    return root


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = start_server(new_project(tmp_path_factory.mktemp("serve") / "project"))
    yield running
    stop_server(running)


def test_serves_the_site_with_live_reload_added_only_when_served(server):
    status, page = get(server.url)
    assert status == 200 and "全省各地关工委认真学习贯彻省关工委第33次全委会议精神" in page
    assert "/__livereload" in page
    built = server.project / ".guanxin-cache" / "serve-site"
    assert (built / "index.html").is_file()
    assert not any("__livereload" in p.read_text(encoding="utf-8") for p in built.rglob("*.html"))
    assert not (server.project / "site").exists()  # the site to publish is never touched


def test_files_are_served_with_the_types_deploy_sends(server, monkeypatch):
    """Not Python's mimetypes, which on Windows reads the registry: an installed program can make .js
    text/plain there, and the preview says nosniff, so its scripts would not run."""
    import mimetypes

    from guanxin_site.mediatypes import content_type
    from guanxin_site.serve import _PreviewHandler

    for name, expected in [("static/site.css", "text/css; charset=utf-8"), ("static/enhance.js", "text/javascript; charset=utf-8")]:
        with urllib.request.urlopen(server.url + name, timeout=WAIT) as response:
            assert response.headers["Content-Type"] == expected == content_type(name)
    monkeypatch.setattr(mimetypes, "guess_type", lambda *args, **kwargs: ("text/plain", None))  # as that registry says
    handler = object.__new__(_PreviewHandler)
    assert handler.guess_type("site/static/search-reader.js") == "text/javascript; charset=utf-8"


def test_a_new_issue_is_seen_over_http(server):
    mark = len(server.terminal.text)
    (server.project / "issues/2023/054.md").write_text(issue(54, "第五十四期的新标题"), encoding="utf-8")
    wait_until(lambda: get(server.url + "2023/54/")[0] == 200, what="the new issue page")
    assert "第五十四期的新标题" in get(server.url + "2023/54/")[1]
    server.terminal.wait_for("issues/2023/054.md 有改动", after=mark)


def test_the_open_page_reloads_itself(server, browser):
    requests: list[str] = []
    page = browser.new_page()
    page.on("request", lambda request: requests.append(request.url))
    page.goto(server.url + "2023/53/")
    page.evaluate("window.stillTheSamePage = true")
    path = server.project / "issues/2023/053.md"
    path.write_text(path.read_text(encoding="utf-8").replace("## 黑河市\n\n", "## 黑河市\n\n实时预览加上的一段话。\n\n"), encoding="utf-8")
    page.wait_for_function("!window.stillTheSamePage && document.body.innerText.includes('实时预览加上的一段话。')",
                           timeout=WAIT * 1000)
    assert all(url.startswith(server.url) for url in requests)  # nothing from anywhere else
    page.close()


def test_a_broken_issue_shows_its_errors_and_the_server_recovers(server, browser):
    page = browser.new_page()
    page.goto(server.url + "2023/53/")
    mark = len(server.terminal.text)
    path = server.project / "issues/2023/055.md"
    path.write_text(issue(55, "第五十五期", "## 黑合市\n\n黑河市关工委召开会议。\n"), encoding="utf-8")

    server.terminal.wait_for("不认识的地区“黑合市”，是不是“黑河市”？", after=mark)
    assert "issues/2023/055.md 第 8 行" in server.terminal.text[mark:]
    panel = page.wait_for_selector("#guanxin-serve-errors", timeout=WAIT * 1000)
    assert "网站没有更新：发现 1 个问题" in panel.inner_text()
    assert "issues/2023/055.md 第 8 行：不认识的地区“黑合市”" in panel.inner_text()
    status, html = get(server.url)
    assert status == 200 and "guanxin-serve-errors" in html  # still serving, errors on every page
    assert get(server.url + "2023/55/")[0] == 404

    mark = len(server.terminal.text)
    path.write_text(issue(55, "第五十五期", "## 黑河市\n\n黑河市关工委召开会议。\n"), encoding="utf-8")
    page.wait_for_selector("#guanxin-serve-errors", state="detached", timeout=WAIT * 1000)
    server.terminal.wait_for("问题已解决", after=mark)
    assert get(server.url + "2023/55/")[0] == 200
    page.close()


def test_a_broken_first_build_is_served_as_an_error_page(tmp_path):
    project = new_project(tmp_path / "project")
    (project / "site.yaml").write_text("title: 关心下一代工作\ncolour: red\n", encoding="utf-8")
    running = start_server(project)
    try:
        status, html = get(running.url)
        assert status == 500 and "不认识的设置“colour”" in html and "/__livereload" in html
        shutil.copy(REPO / "site.yaml", project / "site.yaml")
        wait_until(lambda: get(running.url)[0] == 200, what="recovery after fixing site.yaml")
    finally:
        assert stop_server(running) == 0


def test_ctrl_c_stops_cleanly(tmp_path):
    running = start_server(new_project(tmp_path / "project"))
    assert get(running.url)[0] == 200
    assert stop_server(running) == 0
    assert running.terminal.text.endswith("已停止预览。\n")
    assert "Traceback" not in running.terminal.text and "已被占用" not in running.terminal.text  # --port 0 is no move


def test_other_host_names_are_refused(server):
    request = urllib.request.Request(server.url, headers={"Host": "attacker.example:80"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 403


def taken_port() -> socket.socket:
    """A listening socket on a port the system picked: that port stays taken while it is open."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    return taken


def test_port_in_use_is_explained(tmp_path):
    """--port names the one port to use: taken, it is a clean message and exit 1 (conftest
    fails the test on any other exception, such as the RuntimeError of issue 14)."""
    project = new_project(tmp_path / "project")
    with taken_port() as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--source", str(project), "--port", str(port), "--no-open"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"无法在端口 {port} 上启动预览（端口已被占用）" in result.stderr and f"--port {port + 1}" in result.stderr
    assert "Address already in use" not in result.stderr  # the system's English (an editor's walkthrough saw it)
    assert "Traceback" not in result.output


def test_without_port_a_taken_default_port_moves_to_the_next_free_one(tmp_path, monkeypatch):
    from guanxin_site import serve

    project = new_project(tmp_path / "project")
    seen = {}

    def interrupted(self):  # the editor presses Ctrl-C once the preview runs
        seen["url"], seen["port"] = self.url, self.bound_port
        assert get(self.url)[0] == 200
        raise KeyboardInterrupt

    monkeypatch.setattr(serve.PreviewServer, "run", interrupted)
    with taken_port() as taken:
        monkeypatch.setattr(serve, "DEFAULT_PORT", taken.getsockname()[1])
        result = CliRunner().invoke(main, ["serve", "--source", str(project), "--no-open"])
        default = taken.getsockname()[1]
    assert result.exit_code == 0, result.output
    assert default < seen["port"] < default + serve.PORTS_TRIED
    assert f"端口 {default} 已被占用，改用端口 {seen['port']}" in result.stderr
    assert f"预览地址：{seen['url']}" in result.stdout and "已停止预览。" in result.stdout


def test_ctrl_c_during_the_first_build_stops_cleanly(tmp_path, monkeypatch):
    from guanxin_site import serve

    project = new_project(tmp_path / "project")

    def interrupted_build(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(serve, "build", interrupted_build)
    result = CliRunner().invoke(main, ["serve", "--source", str(project), "--port", "0", "--no-open"])
    assert result.exit_code == 0 and result.exception is None, result.output
    assert result.stdout.strip() == "已停止预览。"


def test_the_projects_own_gazetteer_file_is_watched(tmp_path):
    """The build reads `gazetteer: places.json`; serve must rebuild when it changes (issue 15)."""
    project = new_project(tmp_path / "project")
    data = json.loads((REPO / "src/guanxin_site/data/heilongjiang.json").read_text(encoding="utf-8"))
    (project / "places.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    config = (project / "site.yaml").read_text(encoding="utf-8")
    (project / "site.yaml").write_text(config.replace("gazetteer: heilongjiang", "gazetteer: places.json"), encoding="utf-8")
    running = start_server(project)
    try:
        assert get(running.url)[0] == 200
        mark = len(running.terminal.text)
        heihe = next(r for r in data["regions"] if r["name"] == "黑河市")
        heihe["name"] = "黑河地区"  # 黑河市 headings are now unknown
        (project / "places.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        running.terminal.wait_for("places.json 有改动，网站没有更新", after=mark)
        assert "不认识的地区“黑河市”" in running.terminal.text[mark:]
    finally:
        assert stop_server(running) == 0


def test_drafts_only_with_the_drafts_option(tmp_path):
    project = new_project(tmp_path / "project")
    draft = issue(54, "草稿中的第五十四期").replace("---\n\n", "draft: true\n---\n\n", 1)
    (project / "issues/2023/054.md").write_text(draft, encoding="utf-8")
    plain = start_server(project)
    try:
        assert get(plain.url + "2023/54/")[0] == 404
        assert "issues/2023/054.md 是草稿" in plain.terminal.text and "--drafts" in plain.terminal.text
    finally:
        assert stop_server(plain) == 0
    with_drafts = start_server(project, "--drafts")
    try:
        status, html = get(with_drafts.url + "2023/54/")
        assert status == 200 and "草稿中的第五十四期" in html
    finally:
        assert stop_server(with_drafts) == 0
