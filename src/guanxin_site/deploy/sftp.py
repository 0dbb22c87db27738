"""SFTP through paramiko: the office's own Linux server.

The server's host key must already be in known_hosts (the same file OpenSSH's `ssh` keeps):
an unknown server is refused, with its fingerprint and how to accept it, since a deploy to
an impostor would hand it the site and the login. Login: ssh-agent, then the usual key
files (~/.ssh/id_ed25519, id_ecdsa, id_rsa), then a password (GUANXIN_DEPLOY_PASSWORD or
the CLI's prompt). Each file goes up under a temporary name beside its final one and is
renamed into place with posix-rename@openssh.com, which replaces the old file atomically
(plain SFTP rename refuses an existing target).
"""
from __future__ import annotations

import errno
import io
import logging
import posixpath
import stat
import threading
from collections.abc import Mapping
from pathlib import Path

from guanxin_site.deploy.base import (PASSWORD_HINT, DeployError, PasswordNeeded, Target, env_password, is_internal,
                                      network_error, upload_name)
from guanxin_site.deploy.targets import Address

# paramiko logs a failed handshake with its traceback from its own thread; with no handler configured,
# Python would print that to the editor's screen beside our message.
logging.getLogger("paramiko").addHandler(logging.NullHandler())

DEFAULT_PORT = 22
_NO_HANDSHAKE = ("banner", "No existing session")  # paramiko's words for a server that never spoke SSH
KEY_FILES = ("id_ed25519", "id_ecdsa", "id_rsa")
TIMEOUT = 20  # seconds, for the connection, the banner, the login and each reply


def home_folder(env: Mapping[str, str]) -> Path:
    """The user's home, from the given environment first (tests and the desk pass their own)."""
    home = env.get("HOME") or env.get("USERPROFILE")
    return Path(home) if home else Path.home()


def known_hosts_file(env: Mapping[str, str]) -> Path:
    return home_folder(env) / ".ssh" / "known_hosts"


def remote_root(address: Address) -> str:
    """`/var/www/site` as written; `/~/site` (or `~/site`) inside the login's home folder."""
    path = "/" + address.path
    if path == "/~" or path.startswith("/~/"):
        return path[3:].strip("/") or "."
    if path == "/":
        raise DeployError(f"发布地址 {address.shown} 要写明服务器上的文件夹，例如 sftp://用户名@服务器/var/www/site"
                          "（在自己的主文件夹中写 /~/site）")
    return path.rstrip("/")


def _accept_advice(address: Address, port: int) -> str:
    login = f"{address.user + '@' if address.user else ''}{address.host}"
    option = f"-p {port} " if port != DEFAULT_PORT else ""
    return (f"请向服务器管理员核对这个指纹；确认无误后，在这台电脑上运行 ssh {option}{login}，"
            "看到同样的指纹时回答 yes（它会记在 ~/.ssh/known_hosts 中），然后重新运行发布")


class SftpTarget(Target):
    # Uploads at once, each thread on its own SFTP channel of the one SSH connection: a file costs
    # a few round trips (open, write, close, rename), which on a distant server is most of its time.
    parallel = 4

    def __init__(self, address: Address, client, sftp, root: str):
        super().__init__(address.shown)
        self.client, self.root = client, root
        self.host = address.host
        self._folders: set[str] = set()
        self._channels = threading.local()
        self._channels.sftp = sftp
        self._opened = [sftp]

    @property
    def sftp(self):
        """This thread's SFTP channel (opened on its first use)."""
        channel = getattr(self._channels, "sftp", None)
        if channel is None:
            channel = self._channels.sftp = self.client.open_sftp()
            channel.get_channel().settimeout(TIMEOUT * 3)
            self._opened.append(channel)
        return channel

    @classmethod
    def open(cls, address: Address, password: str | None, env: Mapping[str, str]) -> "SftpTarget":
        import paramiko

        root = remote_root(address)
        port = address.port or DEFAULT_PORT
        if not address.user:
            raise DeployError(f"发布地址要写上登录服务器的用户名，例如 sftp://用户名@{address.host}/{address.path}")
        client = paramiko.SSHClient()
        hosts = known_hosts_file(env)
        if hosts.is_file():
            try:
                client.load_host_keys(str(hosts))
            except (OSError, paramiko.SSHException) as exc:
                raise DeployError(f"无法读取 {hosts}（{exc}）；请检查这个文件") from None
        client.set_missing_host_key_policy(_RefuseUnknown(address, port))
        secret = env_password(password, env)
        keys = [str(path) for name in KEY_FILES if (path := home_folder(env) / ".ssh" / name).is_file()]
        try:
            client.connect(address.host, port=port, username=address.user, password=secret, key_filename=keys or None,
                           allow_agent=True, look_for_keys=False, timeout=TIMEOUT, banner_timeout=TIMEOUT,
                           auth_timeout=TIMEOUT, passphrase=secret)
            sftp = client.open_sftp()
            sftp.get_channel().settimeout(TIMEOUT * 3)
        except paramiko.BadHostKeyException as exc:
            client.close()
            raise DeployError(f"服务器 {address.host} 的主机密钥和 {hosts} 中登记的不一样（现在的指纹 "
                              f"{_fingerprint(exc.key)}）。可能是服务器重装了系统，也可能有人冒充它，所以没有发布。"
                              "请向服务器管理员核对；确认是服务器换了密钥后，删掉 known_hosts 中这台服务器的那一行，再按提示重新登记") from None
        except paramiko.AuthenticationException:
            client.close()
            if secret is None:
                raise PasswordNeeded(f"服务器 {address.host} 没有接受这台电脑的密钥，需要用户 {address.user} 的密码；"
                                     "请设置环境变量 GUANXIN_DEPLOY_PASSWORD，或在提示时输入密码") from None
            raise DeployError(f"登录服务器 {address.host} 失败：用户名 {address.user}、密钥或密码不对；"
                              f"请核对后重新运行{PASSWORD_HINT}") from None
        except DeployError:
            client.close()
            raise
        except (paramiko.SSHException, OSError, EOFError) as exc:
            client.close()
            if isinstance(exc, paramiko.SSHException) and any(text in str(exc) for text in _NO_HANDSHAKE):
                raise DeployError(f"服务器 {address.host}:{port} 没有按 SSH 协议回应（等待超时）：请确认地址和端口"
                                  "（SFTP 一般是 22 端口），以及这台电脑的网络是否通畅") from None
            raise network_error(exc, address.host, port) or DeployError(
                f"无法通过 SFTP 连接服务器 {address.host}:{port}（{exc}）；请确认这个端口是 SSH 服务") from None
        return cls(address, client, sftp, root)

    def _path(self, name: str) -> str:
        return posixpath.join(self.root, name)

    def read(self, name: str) -> bytes | None:
        buffer = io.BytesIO()
        try:
            self.sftp.getfo(self._path(name), buffer)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if getattr(exc, "errno", None) == errno.ENOENT:
                return None
            raise self._error(exc, name) from None
        except EOFError as exc:
            raise self._error(exc, name) from None
        return buffer.getvalue()

    def has_files(self) -> bool:
        try:
            return any(not is_internal(name) for name in self.sftp.listdir(self.root))
        except FileNotFoundError:
            return False
        except (OSError, EOFError) as exc:
            raise self._error(exc, "") from None

    def put(self, name: str, data: bytes, content_type: str, cache_control: str) -> None:
        path, temporary = self._path(name), self._path(upload_name(name))
        try:
            self._make_folders(posixpath.dirname(path))
            # confirm: a stat of the result. paramiko pipelines the writes and does not report a write the
            # server failed (a full disk), so the size is what shows it.
            self.sftp.putfo(io.BytesIO(data), temporary, file_size=len(data), confirm=True)
            self.sftp.posix_rename(temporary, path)
        except (OSError, EOFError) as exc:
            raise self._error(exc, name) from None

    def delete(self, name: str) -> None:
        path = self._path(name)
        try:
            self.sftp.remove(path)
        except FileNotFoundError:
            return
        except (OSError, EOFError) as exc:
            raise self._error(exc, name) from None
        self._remove_empty_folders(posixpath.dirname(path))

    def close(self) -> None:
        self.client.close()

    def _make_folders(self, folder: str) -> None:
        if folder in self._folders or folder in ("", ".", "/"):
            return
        try:
            if stat.S_ISDIR(self.sftp.stat(folder).st_mode):
                self._folders.add(folder)
                return
        except FileNotFoundError:
            pass
        self._make_folders(posixpath.dirname(folder))
        try:
            self.sftp.mkdir(folder)
        except OSError:
            if not stat.S_ISDIR(self.sftp.stat(folder).st_mode):
                raise
        self._folders.add(folder)

    def _remove_empty_folders(self, folder: str) -> None:
        """A deleted page's folder, left empty, would answer 403 instead of 404."""
        while folder not in ("", ".", "/", self.root) and folder.startswith(self.root):
            try:
                self.sftp.rmdir(folder)  # refused while anything is left in it
            except (OSError, EOFError):
                return
            self._folders.discard(folder)
            folder = posixpath.dirname(folder)

    def _error(self, exc: BaseException, name: str) -> DeployError:
        shown = f"（{name}）" if name else ""
        error = network_error(exc, self.host, None)
        if error is not None:
            return error
        code = getattr(exc, "errno", None)
        if code in (errno.EACCES, errno.EPERM):
            return DeployError(f"没有权限写入服务器上的 {self.root}{shown}：请让服务器管理员给这个用户这个文件夹的写入权限")
        return DeployError(f"服务器拒绝写入 {self.root}{shown}（{exc}）：可能是服务器磁盘已满，或者没有写入权限；"
                           "请检查后重新运行（网站保持完整，已上传的文件不会重复上传）")


class _RefuseUnknown:
    """paramiko's MissingHostKeyPolicy: refuse a server known_hosts does not list, saying how to accept it."""

    def __init__(self, address: Address, port: int):
        self.address, self.port = address, port

    def missing_host_key(self, client, hostname, key) -> None:
        raise DeployError(f"这台电脑还不认识服务器 {self.address.host}（{key.get_name()} 主机密钥指纹 {_fingerprint(key)}），"
                          f"为防冒充，没有连接。{_accept_advice(self.address, self.port)}")


def _fingerprint(key) -> str:
    return key.fingerprint if hasattr(key, "fingerprint") else key.get_base64()[:32]
