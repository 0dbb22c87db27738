"""Deploy addresses, the S3 presets and the header tables: no server needed."""
from __future__ import annotations

import mimetypes

import pytest

from guanxin_site.deploy import DeployError
from guanxin_site.deploy.headers import LONG, MEDIUM, NO_STORE, SHORT, cache_control
from guanxin_site.mediatypes import content_type
from guanxin_site.deploy.plan import ASSETS, CHANGED_PAGES, ENTRY_POINTS, NEW_PAGES, upload_group
from guanxin_site.deploy.s3 import PRESETS, connection
from guanxin_site.deploy.sftp import remote_root
from guanxin_site.deploy.targets import TARGETS, parse_address


@pytest.mark.parametrize(("url", "endpoint", "style", "prefix", "region"), [
    ("oss://gwy-site/jianbao?region=cn-hangzhou", "https://s3.oss-cn-hangzhou.aliyuncs.com", "virtual", "jianbao/", "cn-hangzhou"),
    ("cos://gwy-1250000000/?region=ap-guangzhou", "https://cos.ap-guangzhou.myqcloud.com", "virtual", "", "ap-guangzhou"),
    ("obs://gwy-site?region=cn-north-4", "https://obs.cn-north-4.myhuaweicloud.com", "virtual", "", "cn-north-4"),
    ("kodo://gwy-site/a/b/?region=cn-east-1", "https://s3-cn-east-1.qiniucs.com", "virtual", "a/b/", "cn-east-1"),
    ("s3://gwy-site?preset=oss&region=cn-beijing", "https://s3.oss-cn-beijing.aliyuncs.com", "virtual", "", "cn-beijing"),
    # Hugo's and rclone's form: an S3 clone on the office's network, path style as rclone does
    ("s3://site/public?endpoint=http://minio.office.lan:9000&region=us-west-1", "http://minio.office.lan:9000", "path", "public/", "us-west-1"),
    ("s3://site?endpoint=minio.example.cn&s3ForcePathStyle=true", "https://minio.example.cn", "path", "", "us-east-1"),
    ("s3://site?endpoint=https://s3.example.cn&style=virtual", "https://s3.example.cn", "virtual", "", "us-east-1"),
    ("s3://site/www?region=cn-north-1&endpoint=https://s3.example.cn&awssdk=v2", "https://s3.example.cn", "path", "www/",
     "cn-north-1"),  # copied from a Hugo deployment target
])
def test_s3_addresses_fill_endpoint_and_addressing_style(url, endpoint, style, prefix, region):
    conn = connection(parse_address(url))
    assert (conn.endpoint, conn.style, conn.prefix, conn.region) == (endpoint, style, prefix, region)


def test_every_preset_is_a_scheme_of_the_table():
    assert set(PRESETS) < set(TARGETS)
    assert {"s3", "sftp", "ftp", "ftps"} < set(TARGETS)


@pytest.mark.parametrize(("url", "message"), [
    ("oss://gwy-site/", "要写上地域，例如 oss://gwy-site/\\?region=cn-hangzhou"),
    ("s3://gwy-site/", "缺少 endpoint"),
    ("s3://gwy-site/?endpoint=http://x&secret=abc", "不能写密钥"),
    ("s3://gwy-site/?endpoint=http://x&colour=red", "不认识的设置 colour"),
    ("s3://gwy-site/?preset=aws&region=x", "不认识的云存储 preset=aws"),
    ("sftp://web:p4ss@www.example.cn/var/www", "不能写密码"),
    ("ftp://web:p4ss@www.example.cn/www", "不能写密码"),
    ("http://www.example.cn/", "要以 s3://"),
    ("sftp://www.example.cn:notaport/x", "端口"),
    ("oss:///?region=cn-hangzhou", "缺少存储桶名"),
    ("s3://gwy-site/?endpoint=http://[::1", "不是有效的网址"),  # was a ValueError traceback
    ("s3://gwy-site/?endpoint=http://s3.example.cn:99999", "不是有效的网址"),
    ("oss://gwy-site/?region=cn-hangzhou&AccessKeySecret=abc", "不认识的设置 AccessKeySecret"),  # 阿里云's name for it
    ("ftp://web@www.example.cn/www?pass=abc", "不用“\\?”后面的设置（pass）"),  # was ignored, and shown in every message
    ("sftp://web@www.example.cn/var/www?port=2222", "不用“\\?”后面的设置（port）"),
])
def test_bad_addresses_are_refused_in_chinese_without_echoing_secrets(url, message):
    with pytest.raises(DeployError, match=message) as caught:
        address = parse_address(url)
        connection(address)
    assert "p4ss" not in str(caught.value) and "abc" not in str(caught.value)


def test_sftp_paths_are_absolute_or_in_the_home_folder():
    assert remote_root(parse_address("sftp://web@host/var/www/站点/")) == "/var/www/站点"
    assert remote_root(parse_address("sftp://web@host/~/public_html")) == "public_html"
    assert remote_root(parse_address("sftp://web@host/%E7%AB%99%E7%82%B9")) == "/站点"
    with pytest.raises(DeployError, match="要写明服务器上的文件夹"):
        remote_root(parse_address("sftp://web@host/"))


def test_content_types_come_from_our_table_not_the_machines(monkeypatch):
    monkeypatch.setattr(mimetypes, "guess_type", lambda *a, **k: ("text/plain", None))  # a Windows registry's idea of .js
    assert content_type("static/enhance.js") == "text/javascript; charset=utf-8"
    assert content_type("2019/1/index.html") == "text/html; charset=utf-8"
    assert content_type("feed.xml") == "application/xml; charset=utf-8"
    assert content_type("search/data/index.json") == "application/json; charset=utf-8"
    assert content_type("static/favicon.svg") == "image/svg+xml; charset=utf-8"
    assert content_type("2019/1/通知.PDF") == "application/pdf"
    assert content_type("2019/1/photo-800.webp") == "image/webp"
    assert content_type("search/data/t/0.bin") == "application/octet-stream"
    assert content_type("README") == "application/octet-stream"


@pytest.mark.parametrize(("name", "policy"), [
    ("index.html", SHORT), ("2019/1/wechat.html", SHORT), ("feed.xml", SHORT), ("regions/yichun/feed.xml", SHORT),
    ("sitemap.xml", SHORT), ("search/data/index.json", SHORT), ("search/data/t/0.bin", SHORT),
    ("search/data/t/0-3f9a6c2e7d.bin", LONG), ("static/site.3f9a6c2e.css", LONG),
    ("static/site.css", MEDIUM), ("2019/1/IMG-20240320.jpg", MEDIUM), ("2019/1/通知.pdf", MEDIUM),
])
def test_cache_control_is_short_for_what_changes_under_its_name(name, policy):
    assert cache_control(name) == policy
    assert NO_STORE == "no-store"


@pytest.mark.parametrize(("name", "new", "group"), [
    ("static/site.css", False, ASSETS), ("2019/1/通知.pdf", True, ASSETS), ("search/data/t/0.bin", False, ASSETS),
    ("2024/5/index.html", True, NEW_PAGES), ("2024/4/index.html", False, CHANGED_PAGES),
    ("index.html", False, ENTRY_POINTS), ("archive/index.html", False, ENTRY_POINTS), ("feed.xml", True, ENTRY_POINTS),
    ("regions/yichun/feed.xml", False, ENTRY_POINTS), ("sitemap.xml", False, ENTRY_POINTS),
    ("search/index.html", False, ENTRY_POINTS), ("search/data/index.json", False, ENTRY_POINTS),
    ("regions/yichun/index.html", False, CHANGED_PAGES),
])
def test_upload_groups(name, new, group):
    assert upload_group(name, new) == group


def test_the_seam_other_callers_use_keeps_its_shape():
    """The editor's desk calls exactly this (issue 19): renaming any of it breaks the desk."""
    import dataclasses
    import inspect

    from guanxin_site.deploy import DEFAULT_MAX_DELETES, DeployReport, configured_targets, deploy_site
    from guanxin_site.errors import GuanxinError

    parameters = inspect.signature(deploy_site).parameters
    assert list(parameters) == ["site_dir", "url", "dry_run", "force", "max_deletes", "progress", "password", "env"]
    assert [name for name, p in parameters.items() if p.kind is p.KEYWORD_ONLY] == list(parameters)[2:]
    assert parameters["max_deletes"].default == DEFAULT_MAX_DELETES == 256
    assert [field.name for field in dataclasses.fields(DeployReport)] == [
        "uploaded", "uploaded_bytes", "unchanged", "deleted", "planned", "site_url"]
    assert DeployReport.__dataclass_params__.frozen
    assert issubclass(DeployError, GuanxinError)
    assert list(inspect.signature(configured_targets).parameters) == ["project_dir"]


def test_a_missing_protocol_library_is_a_message_not_a_traceback(monkeypatch, tmp_path):
    import importlib.util

    from guanxin_site.deploy import targets

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "paramiko" else real(name, *a))
    with pytest.raises(DeployError, match="缺少发布所需的程序库 paramiko"):
        targets.open_target("sftp://web@host/var/www", password=None, env={})
