"""Deploy addresses: which target class serves which URL scheme, and the checks every address passes.

    s3://BUCKET[/PREFIX]?endpoint=URL[&region=R]     any S3-compatible storage (Hugo's and rclone's form)
    oss://BUCKET[/PREFIX]?region=cn-hangzhou          阿里云 OSS  (also cos://, obs://, kodo://: presets)
    s3://BUCKET[/PREFIX]?preset=oss&region=...        the same, written as an s3:// address
    sftp://USER@HOST[:PORT]/PATH                      PATH absolute; /~/PATH inside the home folder
    ftp://USER@HOST[:PORT]/PATH, ftps://...           FTP, and FTP over TLS (explicit, AUTH TLS)

Secrets are never part of an address (it is written in site.yaml, shown in messages and
kept in shell history): a password in the address is refused, keys come from environment
variables, passwords from GUANXIN_DEPLOY_PASSWORD or the CLI's prompt.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from guanxin_site.deploy.base import DeployError, Target


@dataclass(frozen=True)
class Address:
    scheme: str
    host: str  # the bucket for S3
    port: int | None
    user: str | None
    path: str  # decoded, without the leading "/" (S3: the prefix; SFTP: see sftp.py)
    options: dict[str, str]
    raw: str

    @property
    def shown(self) -> str:
        """For messages: the address as written (it holds no secret: passwords are refused)."""
        return self.raw


def parse_address(url: str) -> Address:
    example = "例如 oss://存储桶名/?region=cn-hangzhou 或 sftp://用户名@服务器地址/var/www/site"
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise DeployError(f"发布地址“{text}”写得不对（端口或服务器地址有误），{example}") from None
    scheme = parts.scheme.lower()
    if scheme not in TARGETS:
        known = "、".join(f"{name}://" for name in TARGETS)
        raise DeployError(f"不认识发布地址“{text}”的类型；发布地址要以 {known} 开头，{example}")
    if parts.password is not None:
        raise DeployError(f"发布地址中不能写密码（“{parts.username}:…@”）：地址会保存在 site.yaml 里、显示在屏幕上。"
                          "请从地址中删掉冒号和密码；密码用环境变量 GUANXIN_DEPLOY_PASSWORD 提供，或运行时按提示输入")
    if not parts.hostname:
        raise DeployError(f"发布地址“{text}”缺少{'存储桶名' if scheme in S3_SCHEMES else '服务器地址'}，{example}")
    options = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in SECRET_OPTIONS:
            raise DeployError(f"发布地址中不能写密钥（{key}=…）：请删掉它，改用环境变量 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY")
        options[key] = value
    if options and scheme not in S3_SCHEMES:  # not ignored: a typo, or a secret under a name not refused above
        raise DeployError(f"{scheme}:// 发布地址不用“?”后面的设置（{'、'.join(sorted(options))}）；请删掉“?”和它后面的内容"
                          "（端口写在服务器地址后面，例如 服务器:2222；密码用环境变量 GUANXIN_DEPLOY_PASSWORD 或运行时输入）")
    user = unquote(parts.username) if parts.username else None
    return Address(scheme, parts.hostname, port, user, unquote(parts.path).lstrip("/"), options, text)


SECRET_OPTIONS = frozenset({"secret", "secret_key", "access_key", "password", "aws_secret_access_key", "aws_access_key_id"})


def _library(name: str) -> None:
    """The protocol's library is a dependency; an installation without it is told how to mend itself."""
    import importlib.util

    if importlib.util.find_spec(name) is None:
        raise DeployError(f"缺少发布所需的程序库 {name}：请重新安装本程序（在 guanxin-site 的文件夹中运行 py -m pip install .，"
                          "不是 Windows 时用 python3 -m pip install .），再运行发布")


def _s3(address: Address, password: str | None, env: Mapping[str, str]) -> Target:
    _library("boto3")
    from guanxin_site.deploy.s3 import S3Target

    return S3Target.open(address, env)


def _sftp(address: Address, password: str | None, env: Mapping[str, str]) -> Target:
    _library("paramiko")
    from guanxin_site.deploy.sftp import SftpTarget

    return SftpTarget.open(address, password, env)


def _ftp(address: Address, password: str | None, env: Mapping[str, str]) -> Target:
    from guanxin_site.deploy.ftp import FtpTarget

    return FtpTarget.open(address, password, env)


# Scheme -> how to open it. The S3 presets (oss, cos, obs, kodo) are s3 with the endpoint and the
# addressing style filled in from the region (s3.PRESETS). Each protocol's library is imported
# only when a target of that kind is opened.
Opener = Callable[[Address, "str | None", Mapping[str, str]], Target]
S3_SCHEMES = ("s3", "oss", "cos", "obs", "kodo")
TARGETS: dict[str, Opener] = {**{scheme: _s3 for scheme in S3_SCHEMES}, "sftp": _sftp, "ftp": _ftp, "ftps": _ftp}


def open_target(url: str, *, password: str | None, env: Mapping[str, str]) -> Target:
    address = parse_address(url)
    return TARGETS[address.scheme](address, password, env)
