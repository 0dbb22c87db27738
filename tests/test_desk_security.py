"""Who may talk to the desk, and what it lets them touch: a real serve process, raw HTTP requests."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desk_support import SHIPPED, new_project, start_desk
from guanxin_site.desk.store import digest_of


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    project = new_project(tmp_path_factory.mktemp("desk-security") / "project",
                          ("issues/2023/053.md", SHIPPED.read_text(encoding="utf-8")))
    running = start_desk(project)
    yield running
    running.stop()


def issue_file(server) -> Path:
    return server.project / "issues/2023/053.md"


def save_body(server, title: str) -> dict:
    status, view = server.api("GET", "api/issue?id=2023-53")
    assert status == 200
    view["form"]["fields"]["title"] = title
    return {"id": "2023-53", "base": view["digest"], "form": view["form"], "ticks": []}


def test_a_write_from_the_page_is_accepted(server):
    before = issue_file(server).read_bytes()
    status, answer = server.api("POST", "api/save", save_body(server, "改过的标题"))
    assert status == 200, answer
    assert "\ntitle: 改过的标题\n" in issue_file(server).read_text(encoding="utf-8")
    assert (server.project / "issues/2023/053.md.bak").read_bytes() == before
    status, answer = server.api("POST", "api/undo", {"id": "2023-53", "base": answer["view"]["digest"]})
    assert status == 200 and issue_file(server).read_bytes() == before


@pytest.mark.parametrize("change, status", [
    ({"X-Desk-Token": None}, 403),  # no secret
    ({"X-Desk-Token": "guessed"}, 403),
    ({"Origin": None}, 403),  # a missing Origin is refused, not trusted
    ({"Origin": "http://evil.example"}, 403),
    ({"Origin": "http://127.0.0.1:1"}, 403),  # another local server
    ({"Origin": "null"}, 403),
    ({"Content-Type": "text/plain"}, 415),  # the simple request any web page may send
    ({"Content-Type": "application/x-www-form-urlencoded"}, 415),
    ({"Content-Type": "multipart/form-data; boundary=x"}, 415),
])
def test_writes_without_the_secret_from_another_origin_or_of_another_type_are_refused(server, change, status):
    before = issue_file(server).read_bytes()
    body = json.dumps(save_body(server, "不应写入")).encode()
    headers = {"X-Desk-Token": server.token(), "Origin": server.origin, "Content-Type": "application/json"}
    for name, value in change.items():
        if value is None:
            headers.pop(name)
        else:
            headers[name] = value
    got, response_headers, answer = server.request("POST", "/__desk/api/save", body, headers)
    assert got == status, answer.decode()
    assert issue_file(server).read_bytes() == before
    assert not any(h.lower().startswith("access-control-") for h in response_headers)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1", "127.0.0.1:1", "localhost.evil:{port}",
                                  "[::1]:{port}", ""])
def test_another_host_name_is_refused_for_reads_and_writes(server, host):
    host = host.format(port=server.port)
    before = issue_file(server).read_bytes()
    status, _, _ = server.request("GET", "/__desk/", host=host)
    assert status == 403
    status, _, _ = server.request("GET", "/__desk/api/issues", headers={"X-Desk-Token": server.token()}, host=host)
    assert status == 403
    body = json.dumps(save_body(server, "不应写入")).encode()
    status, _, _ = server.request("POST", "/__desk/api/save", body, {"X-Desk-Token": server.token(), "Origin": f"http://{host}",
                                                                    "Content-Type": "application/json"}, host=host)
    assert status == 403
    assert issue_file(server).read_bytes() == before


def test_localhost_is_the_same_server(server):
    status, _, page = server.request("GET", "/__desk/", host=f"localhost:{server.port}")
    assert status == 200 and b"guanxin-desk" in page


def test_reads_of_the_api_need_the_secret_and_carry_no_cors(server):
    status, headers, _ = server.request("GET", "/__desk/api/issue?id=2023-53")
    assert status == 403
    status, headers, _ = server.request("GET", "/__desk/api/issue?id=2023-53",
                                        headers={"X-Desk-Token": server.token(), "Origin": "http://evil.example"})
    assert status == 200
    assert not any(h.lower().startswith("access-control-") for h in headers)
    status, headers, _ = server.request("OPTIONS", "/__desk/api/save", headers={"Origin": "http://evil.example",
                                                                              "Access-Control-Request-Method": "POST"})
    assert status >= 400 and not any(h.lower().startswith("access-control-") for h in headers)


def test_the_desk_page_carries_a_content_security_policy_and_cannot_be_framed(server):
    status, headers, page = server.request("GET", "/__desk/")
    assert status == 200
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert headers["X-Frame-Options"] == "DENY"
    assert b"<script>" not in page and b" on" not in page.split(b"<body>")[1].replace(b" only", b"")  # no inline script


@pytest.mark.parametrize("path", ["/__desk/static/../../site.yaml", "/__desk/static/..%2F..%2Fsite.yaml",
                                  "/__desk/static/desk.html", "/__desk/page/2023-53/../../site.yaml",
                                  "/__desk/photo/../../site.yaml", "/__desk/photo/" + "0" * 64,
                                  "/__desk/api/issue?id=../../site.yaml", "/__desk/api/issue?id=/etc/passwd",
                                  "/__desk/api/original?id=..%2F..%2Fx", "/__desk/../site.yaml"])
def test_a_path_from_the_page_goes_nowhere(server, path):
    status, _, body = server.request("GET", path, headers={"X-Desk-Token": server.token()})
    assert status in (301, 403, 404), (status, body[:200])
    assert b"gazetteer" not in body and b"root:" not in body


def test_a_received_file_named_with_a_path_is_stored_by_its_hash(server):
    outside = server.project.parent / "x.pdf"
    for name in ("../../x.pdf", "..\\..\\x.pdf", "/tmp/x.pdf", "C:\\x.pdf", "x.pdf\x00.txt"):
        status, answer = server.api("POST", "api/receive?name=" + name.replace("\x00", "%00"), raw=b"%PDF-1.4 test " + name.encode())
        assert status == 200, answer
        stored, = (server.project / ".guanxin-cache/desk/received").glob(answer["token"] + ".*")
        assert stored.read_bytes().endswith(name.encode())
    assert not outside.exists() and not Path("/tmp/x.pdf").exists()
    status, answer = server.api("POST", "api/receive?name=virus.exe", raw=b"MZ")
    assert status == 400 and "只能导入" in answer["error"]
    status, answer = server.api("POST", "api/import", {"files": ["../../x"]})
    assert status == 404


def test_uploads_over_the_limit_are_refused_before_they_are_read(server):
    headers = {"X-Desk-Token": server.token(), "Origin": server.origin, "Content-Type": "application/octet-stream",
               "Content-Length": str(200 * 1024 * 1024)}
    status, _, answer = server.request("POST", "/__desk/api/receive?name=big.pdf", b"", headers)
    assert status == 413 and "MB" in json.loads(answer)["error"]
    headers["Content-Length"] = str(21 * 1024 * 1024)
    status, _, answer = server.request("POST", "/__desk/api/photo?id=2023-53", b"", headers)
    assert status == 413
    status, answer = server.api("POST", "api/photo?id=2023-53", raw=b"<svg onload=alert(1)>")
    assert status == 400 and "JPEG" in answer["error"]


def test_a_photo_is_stored_beside_the_issue_under_its_hash(server, tmp_path):
    from photo_support import phone_jpeg

    data = phone_jpeg(tmp_path / "会议.jpg", 640, 480).read_bytes()
    status, answer = server.api("POST", "api/photo?id=2023-53", raw=data)
    assert status == 200
    stored = server.project / f"issues/2023/053/照片-{digest_of(data)[:12]}.jpg"
    assert stored.read_bytes() == data and answer["photo"] == digest_of(data)
    status, headers, shown = server.request("GET", f"/__desk/photo/{answer['photo']}",
                                            headers={"Sec-Fetch-Site": "same-origin"})
    assert status == 200 and shown == data and headers["Cross-Origin-Resource-Policy"] == "same-origin"
    for other in ("cross-site", "same-site"):  # another site's <img> (it names our Host and needs no secret)
        status, _, shown = server.request("GET", f"/__desk/photo/{answer['photo']}", headers={"Sec-Fetch-Site": other})
        assert status == 403 and shown != data


SAVE_IN_A_CHILD = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    import guanxin_site.fsutil as fsutil
    from guanxin_site.desk.store import Store, digest_of

    project, stop_at, new = Path(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
    real = {"replace": os.replace, "sync_directory": fsutil.sync_directory}

    seen = []

    def halt(name):
        def wrapper(*args):
            # the backup (053.md.bak) is written first with the same calls: stop only for the issue file
            if name == "replace" and stop_at == "replace" and Path(args[1]).name == "053.md":
                print("at", name, flush=True)  # the new bytes are in the temporary file, not yet renamed
                time.sleep(60)
            result = real[name](*args)
            if name == "replace":
                seen.append(Path(args[1]).name)
            if name == "sync_directory" and seen[-1:] == ["053.md"]:
                print("at", name, flush=True)  # renamed into place, the folder not yet synced
                time.sleep(60)
            return result
        return wrapper

    fsutil.os.replace = halt("replace")
    if stop_at == "sync_directory":
        fsutil.sync_directory = halt("sync_directory")
    store = Store(project)
    entry = store.find("2023-53")
    print(store.save(entry, digest_of(entry.path.read_bytes()), new), flush=True)
""")


@pytest.mark.parametrize("stop_at, left", [("replace", "old"), ("sync_directory", "new")])
def test_a_save_killed_half_way_leaves_the_old_file_or_the_new_never_half(tmp_path, stop_at, left):
    project = new_project(tmp_path / "project", ("issues/2023/053.md", SHIPPED.read_text(encoding="utf-8")))
    path = project / "issues/2023/053.md"
    old = path.read_bytes()
    new = old.decode().replace("全省各地", "全省") * 3
    child = subprocess.Popen([sys.executable, "-c", SAVE_IN_A_CHILD, str(project), stop_at, new],
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert child.stdout.readline().strip() == f"at {stop_at}"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert path.read_bytes() == (old if left == "old" else new.encode())
    assert (project / "issues/2023/053.md.bak").read_bytes() == old  # the backup was made first
    from guanxin_site.checker import check_project

    assert check_project(project).problems == () or left == "new"


def test_what_check_says_of_the_text_being_typed_lands_on_its_block_and_nothing_is_written(server):
    """The desk checks with check's own rules, on the text not yet saved: here a typo'd unit's paragraph."""
    before = issue_file(server).read_bytes()
    status, view = server.api("GET", "api/issue?id=2023-53")
    view["form"]["reports"][0]["blocks"].append({"id": "n1", "orig": None, "kind": "text",
                                                 "text": "黑和市关工委召开会议，传达会议精神。"})
    status, answer = server.api("POST", "api/check", {"id": "2023-53", "base": view["digest"], "form": view["form"],
                                                     "ticks": []})
    assert status == 200
    placed = [p for p in answer["problems"] if "黑和市" in p["message"]]
    assert placed and placed[0]["target"] == {"block": "n1"}
    assert issue_file(server).read_bytes() == before
