"""FTP and FTPS through the standard library's ftplib: the virtual host that offers nothing else.

`ftps://` is explicit TLS (AUTH TLS on the usual port, then a protected data channel), the
kind virtual hosts in China offer; the server's certificate is checked against the
system's authorities (SSL_CERT_FILE in the environment names another bundle). File names
go as UTF-8 (ftplib's default since Python 3.9; OPTS UTF8 ON asks older servers for it).
Each file goes up under a temporary name and is renamed over the old one; a server that
refuses to rename over an existing file (IIS) gets the old one deleted first.
"""
from __future__ import annotations

import ftplib
import io
import posixpath
import ssl
from collections.abc import Mapping

from guanxin_site.deploy.base import (PASSWORD_HINT, DeployError, PasswordNeeded, Target, env_password, is_internal,
                                      network_error, upload_name)
from guanxin_site.deploy.targets import Address

DEFAULT_PORT = 21
TIMEOUT = 30


class _SessionReusingFTP_TLS(ftplib.FTP_TLS):
    """FTPS whose data connections resume the control connection's TLS session: vsftpd
    (require_ssl_reuse, its default) and FileZilla Server refuse data connections that do not,
    which ftplib's own FTP_TLS never does (bpo-19500)."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host, session=self.sock.session)
        return conn, size


class FtpTarget(Target):
    parallel = 1  # one control connection

    def __init__(self, address: Address, ftp: ftplib.FTP, root: str):
        super().__init__(address.shown)
        self.ftp, self.root, self.host = ftp, root, address.host
        self._folders: set[str] = set()

    @classmethod
    def open(cls, address: Address, password: str | None, env: Mapping[str, str]) -> "FtpTarget":
        port = address.port or DEFAULT_PORT
        user = address.user or "anonymous"
        secret = env_password(password, env)
        if secret is None and user != "anonymous":
            raise PasswordNeeded(f"登录 FTP 服务器 {address.host} 需要用户 {user} 的密码："
                                 "请设置环境变量 GUANXIN_DEPLOY_PASSWORD，或在提示时输入密码")
        tls = address.scheme == "ftps"
        ftp = _SessionReusingFTP_TLS(context=_tls_context(env), timeout=TIMEOUT) if tls else ftplib.FTP(timeout=TIMEOUT)
        try:
            ftp.connect(address.host, port)
            ftp.login(user, secret or "")
            if tls:
                ftp.prot_p()
            try:
                ftp.sendcmd("OPTS UTF8 ON")
            except ftplib.Error:
                pass  # servers that speak UTF-8 anyway, or not at all (then Chinese names fail with a message)
        except ftplib.error_perm as exc:
            ftp.close()
            if str(exc).startswith("530"):
                raise DeployError(f"登录 FTP 服务器 {address.host} 失败：用户名 {user} 或密码不对；"
                                  f"请核对后重新运行{PASSWORD_HINT}") from None
            raise DeployError(f"FTP 服务器 {address.host} 拒绝了登录（{exc}）") from None
        except ssl.SSLCertVerificationError as exc:
            ftp.close()
            raise DeployError(f"FTP 服务器 {address.host} 的 TLS 证书不可信（{exc.verify_message}）：可能有人冒充它，所以没有发布；"
                              "请向主机服务商核对。服务器用自己签发的证书时，请把证书文件的位置写入环境变量 SSL_CERT_FILE") from None
        except (ftplib.Error, OSError, EOFError) as exc:
            ftp.close()
            raise network_error(exc, address.host, port) or DeployError(
                f"无法连接 FTP 服务器 {address.host}:{port}（{exc}）；请确认地址和端口") from None
        root = "/" + address.path.strip("/") if address.path.strip("/") else ftp.pwd()
        return cls(address, ftp, root)

    def _path(self, name: str) -> str:
        return posixpath.join(self.root, name)

    def read(self, name: str) -> bytes | None:
        buffer = io.BytesIO()
        try:
            self.ftp.retrbinary(f"RETR {self._path(name)}", buffer.write)
        except ftplib.error_perm as exc:
            if str(exc).startswith("550"):
                return None
            raise self._error(exc, name) from None
        except (ftplib.Error, OSError, EOFError) as exc:
            raise self._error(exc, name) from None
        return buffer.getvalue()

    def has_files(self) -> bool:
        try:
            names = self.ftp.nlst(self.root)
        except ftplib.error_perm:  # 550: no such folder (some servers say so for an empty one)
            return False
        except (ftplib.Error, OSError, EOFError) as exc:
            raise self._error(exc, "") from None
        return any(not is_internal(posixpath.basename(name.rstrip("/"))) for name in names
                   if posixpath.basename(name.rstrip("/")) not in (".", ".."))

    def put(self, name: str, data: bytes, content_type: str, cache_control: str) -> None:
        path, temporary = self._path(name), self._path(upload_name(name))
        try:
            self._make_folders(posixpath.dirname(path))
            self.ftp.storbinary(f"STOR {temporary}", io.BytesIO(data))
            try:
                self.ftp.rename(temporary, path)
            except ftplib.error_perm:  # a server that will not rename over a file: the one moment without it
                self.delete_file(path)
                self.ftp.rename(temporary, path)
        except (ftplib.Error, OSError, EOFError) as exc:
            raise self._error(exc, name) from None

    def delete_file(self, path: str) -> None:
        try:
            self.ftp.delete(path)
        except ftplib.error_perm as exc:
            if not str(exc).startswith("550"):  # 550: not there (already gone)
                raise

    def delete(self, name: str) -> None:
        try:
            self.delete_file(self._path(name))
        except (ftplib.Error, OSError, EOFError) as exc:
            raise self._error(exc, name) from None
        folder = posixpath.dirname(self._path(name))
        while folder.startswith(self.root + "/"):  # empty folders of deleted pages would answer 403
            try:
                self.ftp.rmd(folder)
            except (ftplib.Error, OSError):
                break
            self._folders.discard(folder)
            folder = posixpath.dirname(folder)

    def close(self) -> None:
        try:
            self.ftp.quit()
        except (ftplib.Error, OSError, EOFError):
            self.ftp.close()

    def _make_folders(self, folder: str) -> None:
        if folder in self._folders or folder in ("", "/"):
            return
        self._make_folders(posixpath.dirname(folder))
        try:
            self.ftp.mkd(folder)
        except ftplib.error_perm:
            pass  # there already (or not allowed: the upload that follows says so)
        self._folders.add(folder)

    def _error(self, exc: BaseException, name: str) -> DeployError:
        shown = f"（{name}）" if name else ""
        error = network_error(exc, self.host, None)
        if error is not None:
            return error
        text = str(exc)
        if text[:3] in ("452", "552"):
            return DeployError(f"FTP 服务器的空间已满{shown}：请清理空间或向主机服务商扩容后重新运行（网站保持完整）")
        if text[:3] in ("550", "553"):
            return DeployError(f"FTP 服务器拒绝写入 {self.root}{shown}（{text}）：请确认这个用户有写入权限，文件夹写得对")
        return DeployError(f"FTP 服务器出错{shown}（{text}）；请检查后重新运行（已上传的文件不会重复上传）")


def _tls_context(env: Mapping[str, str]) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if env.get("SSL_CERT_FILE"):
        context.load_verify_locations(cafile=env["SSL_CERT_FILE"])
    return context

