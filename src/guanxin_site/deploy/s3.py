"""S3-compatible object storage through boto3: any endpoint, and presets for the clouds offices in China use.

boto3 1.36 and later add CRC checksums to every upload ("flexible checksums"), sent as
`aws-chunked` bodies with trailing headers on some paths; 阿里云 OSS rejects those and other
S3 clones broke on them. So the client computes checksums only where an operation requires
one (`request_checksum_calculation` / `response_checksum_validation` = when_required), and
we send Content-MD5 ourselves: the storage checks the bytes it got against it.
Deletions go one object at a time (DeleteObjects requires a checksum, which botocore would
now send as x-amz-checksum-crc32, not the Content-MD5 older storage wants); a deploy deletes
few files.
"""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from guanxin_site.deploy.base import DeployError, Target, is_internal, network_error
from guanxin_site.deploy.targets import Address


@dataclass(frozen=True)
class Preset:
    name: str  # as the editor knows the service
    endpoint: str  # {region} is filled in
    example_region: str
    style: str = "virtual"  # OSS and new COS buckets refuse path-style requests


# Endpoints from each cloud's S3-compatibility documentation.
PRESETS = {
    "oss": Preset("阿里云 OSS", "https://s3.oss-{region}.aliyuncs.com", "cn-hangzhou"),
    "cos": Preset("腾讯云 COS", "https://cos.{region}.myqcloud.com", "ap-guangzhou"),
    "obs": Preset("华为云 OBS", "https://obs.{region}.myhuaweicloud.com", "cn-north-4"),  # the bucket must not be in it
    "kodo": Preset("七牛 Kodo", "https://s3-{region}.qiniucs.com", "cn-east-1"),
}
STYLES = {"path": "path", "virtual": "virtual"}
PATH_STYLE_OPTIONS = ("s3ForcePathStyle", "use_path_style", "force_path_style")  # Hugo (gocloud) and rclone spell it so
KEY_VARIABLE, SECRET_VARIABLE, TOKEN_VARIABLE = "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"
TIMEOUT = 30  # seconds for a connection or an answer; a stalled storage is given up on after ATTEMPTS tries
ATTEMPTS = 3
IGNORED_OPTIONS = ("awssdk",)  # Hugo's (gocloud's) choice of AWS SDK version: nothing to choose here
KNOWN_OPTIONS = frozenset({"endpoint", "region", "preset", "style", "key_env", "secret_env", *PATH_STYLE_OPTIONS,
                           *IGNORED_OPTIONS})


@dataclass(frozen=True)
class Connection:
    bucket: str
    prefix: str  # "" or ends with "/"
    endpoint: str
    region: str
    style: str
    service: str  # for messages


def connection(address: Address) -> Connection:
    """Bucket, prefix, endpoint, region and addressing style of an s3:// or preset address."""
    options = address.options
    unknown = sorted(set(options) - KNOWN_OPTIONS)
    if unknown:
        # not the address itself: an unknown option may be a secret under another name (阿里云's AccessKeySecret)
        raise DeployError(f"发布地址中有不认识的设置 {'、'.join(unknown)}（请删掉它；密钥只用环境变量提供）；"
                          "可用的设置：endpoint、region、style")
    preset_name = address.scheme if address.scheme in PRESETS else options.get("preset")
    region = options.get("region", "").strip()
    if preset_name is not None:
        preset = PRESETS.get(preset_name)
        if preset is None:
            raise DeployError(f"不认识的云存储 preset={preset_name}；可以写 {'、'.join(PRESETS)}")
        if not region and "endpoint" not in options:
            raise DeployError(f"{preset.name}的发布地址要写上地域，例如 {preset_name}://{address.host}/?region={preset.example_region}"
                              "（地域名称在存储桶的“概览”页可以看到）")
        endpoint, style, service = options.get("endpoint") or preset.endpoint.format(region=region), preset.style, preset.name
    elif "endpoint" in options:
        endpoint, style, service = options["endpoint"], "path", "S3 存储"  # S3 clones on an office's network: path style, as rclone
    else:
        raise DeployError(f"发布地址 {address.shown} 缺少 endpoint（存储服务的地址），例如 "
                          "s3://存储桶名/?endpoint=https://s3.example.com&region=us-east-1；"
                          "阿里云、腾讯云、华为云、七牛请直接写 oss://、cos://、obs://、kodo:// 加 region")
    if any(options.get(option, "").lower() == "true" for option in PATH_STYLE_OPTIONS):
        style = "path"
    style = STYLES.get(options.get("style", style))
    if style is None:
        raise DeployError("style 只能写 path 或 virtual")
    endpoint = endpoint if "://" in endpoint else "https://" + endpoint
    try:
        parts = urlsplit(endpoint)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeployError(f"endpoint“{endpoint}”不是有效的网址，例如 https://s3.example.com")
    prefix = address.path.strip("/")
    return Connection(address.host, prefix + "/" if prefix else "", endpoint, region or "us-east-1", style, service)


def _client(conn: Connection, env: Mapping[str, str], key_variable: str, secret_variable: str):
    import boto3
    from botocore.config import Config

    key, secret = env.get(key_variable), env.get(secret_variable)
    if not key or not secret:
        raise DeployError(f"缺少{conn.service}的访问密钥：请先设置环境变量 {key_variable} 和 {secret_variable}"
                          "（在云存储控制台的“访问密钥/AccessKey”页面创建；不要写进 site.yaml）")
    session = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret,
                                    aws_session_token=env.get(TOKEN_VARIABLE) or None, region_name=conn.region)
    config = Config(signature_version="s3v4", s3={"addressing_style": conn.style},
                    request_checksum_calculation="when_required", response_checksum_validation="when_required",
                    connect_timeout=TIMEOUT, read_timeout=TIMEOUT, retries={"max_attempts": ATTEMPTS, "mode": "standard"},
                    max_pool_connections=S3Target.parallel + 2)
    client = session.client("s3", endpoint_url=conn.endpoint, config=config)
    # botocore sends every upload with "Expect: 100-continue" and waits a round trip for the storage's
    # go-ahead before the body: for thousands of small pages over a 30 ms link that doubles the time.
    from botocore.handlers import add_expect_header

    client.meta.events.unregister("before-call.s3", add_expect_header)
    return client


class S3Target(Target):
    parallel = 8  # object storage takes many uploads at once; each is one PUT

    def __init__(self, address: Address, conn: Connection, client):
        super().__init__(address.shown)
        self.conn, self.client = conn, client

    @classmethod
    def open(cls, address: Address, env: Mapping[str, str]) -> "S3Target":
        conn = connection(address)
        key_variable = address.options.get("key_env") or KEY_VARIABLE
        secret_variable = address.options.get("secret_env") or SECRET_VARIABLE
        return cls(address, conn, _client(conn, env, key_variable, secret_variable))

    def _key(self, name: str) -> str:
        return self.conn.prefix + name

    def read(self, name: str) -> bytes | None:
        with self._errors(name):
            try:
                return self.client.get_object(Bucket=self.conn.bucket, Key=self._key(name))["Body"].read()
            except self.client.exceptions.NoSuchKey:
                return None

    def has_files(self) -> bool:
        with self._errors(""):
            answer = self.client.list_objects_v2(Bucket=self.conn.bucket, Prefix=self.conn.prefix, MaxKeys=20)
        names = [item["Key"][len(self.conn.prefix):] for item in answer.get("Contents", [])]
        return any(not is_internal(name) for name in names) or (answer.get("IsTruncated", False) and len(names) >= 20)

    def put(self, name: str, data: bytes, content_type: str, cache_control: str) -> None:
        md5 = base64.b64encode(hashlib.md5(data).digest()).decode("ascii")
        with self._errors(name):
            self.client.put_object(Bucket=self.conn.bucket, Key=self._key(name), Body=data, ContentType=content_type,
                                   CacheControl=cache_control, ContentMD5=md5)

    def delete(self, name: str) -> None:
        with self._errors(name):
            self.client.delete_object(Bucket=self.conn.bucket, Key=self._key(name))

    def close(self) -> None:
        self.client.close()

    def _errors(self, name: str):
        return _S3Errors(self, name)


class _S3Errors:
    """boto3's exceptions as one Chinese message each."""

    def __init__(self, target: S3Target, name: str):
        self.target, self.name = target, name

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None or isinstance(exc, DeployError):
            return False
        from botocore.exceptions import BotoCoreError, ClientError

        conn = self.target.conn
        if isinstance(exc, ClientError):
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            raise DeployError(_client_message(code, status, conn, self.name)) from None
        if isinstance(exc, BotoCoreError):
            cause = _root_cause(exc)
            host = urlsplit(conn.endpoint).hostname or conn.endpoint
            error = network_error(cause, host, urlsplit(conn.endpoint).port) if cause is not None else None
            if error is None and "timeout" in type(exc).__name__.lower():
                error = DeployError(f"连接 {conn.endpoint} 超时：请检查网络，稍后重新运行（已上传的文件不会重复上传）")
            if error is None and "EndpointConnection" in type(exc).__name__:
                error = DeployError(f"无法连接存储服务 {conn.endpoint}：请检查地址（endpoint、region）和网络")
            raise error or DeployError(f"{conn.service}出错：{type(exc).__name__}；请检查发布地址后重新运行") from None
        return False


def _root_cause(exc: BaseException) -> BaseException | None:
    """The socket error under botocore's and urllib3's wrappers."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and not type(exc).__module__.startswith(("botocore", "urllib3")):
            return exc
        exc = exc.__cause__ or exc.__context__ or (exc.kwargs.get("error") if hasattr(exc, "kwargs") else None)
    return None


def _client_message(code: str, status: int | None, conn: Connection, name: str) -> str:
    bucket = conn.bucket
    messages = {
        "NoSuchBucket": f"存储桶 {bucket} 不存在：请检查发布地址中的存储桶名称和地域（region），或先在云存储控制台创建它",
        "InvalidAccessKeyId": f"访问密钥 ID 不对（环境变量 {KEY_VARIABLE}）：{conn.service}不认识它；请到控制台核对后重新设置",
        "SignatureDoesNotMatch": f"访问密钥不对（环境变量 {SECRET_VARIABLE} 和 {KEY_VARIABLE} 不是一对）；请到控制台核对后重新设置",
        "AccessDenied": f"没有权限写入存储桶 {bucket}：这个访问密钥不能上传或删除文件；请在控制台给它这个存储桶的读写权限",
        "SecondLevelDomainForbidden": f"{conn.service}要求“虚拟主机”方式访问：请在发布地址中去掉 style=path（或改用 oss:// 写法）",
        "PermanentRedirect": f"存储桶 {bucket} 不在这个地域：请改正发布地址中的 region",
        "AuthorizationHeaderMalformed": "发布地址中的 region 和存储桶所在的地域不一致：请改正 region",
        "QuotaExceeded": f"存储桶 {bucket} 的容量已满：请在控制台扩容或清理后重新运行",
        "RequestTimeTooSkewed": "这台电脑的时间不准（和存储服务相差超过 15 分钟）：请校准时间后重新运行",
        "BadDigest": f"上传 {name} 时数据在传输中损坏了（校验值不符）：请重新运行",
    }
    if code in messages:
        return messages[code]
    if status == 404 and not name:
        return messages["NoSuchBucket"]
    if status == 403:
        return messages["AccessDenied"]
    return f"{conn.service}拒绝了请求（{code or status}{'，文件 ' + name if name else ''}）；请检查发布地址和访问密钥后重新运行"
