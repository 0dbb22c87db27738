"""What every deploy target is: the small interface the engine drives, and the error it raises.

A target is one place a site is published to (a bucket and prefix, a folder on a server).
It knows nothing of plans or manifests: it reads a small file, writes a file so that a
reader sees the old bytes or the new ones (S3 replaces an object atomically; SFTP and FTP
upload under a temporary name and rename into place), deletes, and says whether it holds
any file at all. Each protocol turns its own exceptions into a DeployError whose Chinese
message says what to do; none of them ever puts a secret into a message.
"""
from __future__ import annotations

import errno
import socket
from abc import ABC, abstractmethod
from collections.abc import Mapping

from guanxin_site.errors import GuanxinError


class DeployError(GuanxinError):
    """The deploy cannot go on; the message (Chinese) says why and what to do. Nothing of the live site was broken."""


class PasswordNeeded(DeployError):
    """The server wants a password and none was given: the CLI may ask for one and try again."""


class Target(ABC):
    """One place a site is published to. Names are site-relative paths with forward slashes."""

    parallel = 1  # how many uploads may run at once (threads); a protocol with one channel says 1

    def __init__(self, shown: str):
        self.shown = shown  # the address without any secret, for messages

    @abstractmethod
    def read(self, name: str) -> bytes | None:
        """A small file's bytes (our manifest); None when there is no such file."""

    @abstractmethod
    def has_files(self) -> bool:
        """Whether the target holds any file other than our bookkeeping (is_internal): a site
        that is not ours, which only --force may publish over."""

    @abstractmethod
    def put(self, name: str, data: bytes, content_type: str, cache_control: str) -> None:
        """Store the bytes under the name; a reader sees the old file or the new one, never a part."""

    @abstractmethod
    def delete(self, name: str) -> None:
        """Remove the file; a file already gone is not an error."""

    def close(self) -> None:
        """Release the connection (also after a failure)."""


# -- failures every protocol shares: the network ---------------------------------------------

def network_error(exc: BaseException, host: str, port: int | None) -> DeployError | None:
    """A connection-level failure as one Chinese message; None if exc is not one."""
    where = f"{host}:{port}" if port else host
    if isinstance(exc, socket.gaierror):
        return DeployError(f"找不到服务器 {host}：请检查地址是否写错，这台电脑能不能上网")
    if isinstance(exc, ConnectionRefusedError):
        return DeployError(f"服务器 {where} 拒绝连接：地址或端口可能写错，或者服务器上的服务没有运行；请核对后再试")
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return DeployError(f"连接服务器 {where} 超时：请检查网络，稍后重新运行（已上传的文件不会重复上传）")
    if isinstance(exc, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, EOFError)):
        return DeployError(f"与服务器 {where} 的连接中断了：请检查网络后重新运行（已上传的文件不会重复上传，网站保持完整）")
    if isinstance(exc, OSError) and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return DeployError(f"无法到达服务器 {where}：这台电脑的网络不通，请检查网络后再试")
    return None


def env_password(password: str | None, env: Mapping[str, str]) -> str | None:
    """The password given to deploy_site, else GUANXIN_DEPLOY_PASSWORD (never from site.yaml)."""
    return password if password is not None else env.get(PASSWORD_VARIABLE) or None


PASSWORD_VARIABLE = "GUANXIN_DEPLOY_PASSWORD"
# Said after a refused login, for the command line; the desk, where a password is typed into its form,
# puts its own words in its place (desk/work.py).
PASSWORD_HINT = f"（密码可用环境变量 {PASSWORD_VARIABLE} 提供）"
INTERNAL_PREFIX = ".guanxin-deploy"  # our manifest and progress records on the target
UPLOAD_SUFFIX = ".guanxin-upload"  # a file on its way up (SFTP, FTP), renamed into place when complete


def is_internal(name: str) -> bool:
    """Our own bookkeeping on the target: not a file of anybody's site."""
    base = name.rsplit("/", 1)[-1]
    return base.startswith(INTERNAL_PREFIX) or base.endswith(UPLOAD_SUFFIX)


def upload_name(name: str) -> str:
    """The temporary name a file is uploaded under, beside its final name: hidden, and the same
    on every run, so a rerun after an interruption writes over what the last one left."""
    folder, _, base = name.rpartition("/")
    return f"{folder}/.{base}{UPLOAD_SUFFIX}" if folder else f".{base}{UPLOAD_SUFFIX}"
