"""Typed site configuration, read from site.yaml at the project root."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from guanxin_site.errors import ContentError, ContentErrors
from guanxin_site.yamlmap import YamlError, load_mapping

CONFIG_FILE = "site.yaml"


@dataclass(frozen=True)
class SiteConfig:
    title: str = "关心下一代工作"
    publisher: str = ""  # "": the gazetteer's area office (黑龙江省关心下一代工作委员会办公室), see with_area
    description: str = ""  # "": made from the publisher and the title, see with_area
    base_url: str | None = None  # absolute, ends with "/"; None: feeds/sitemap that need it are left out
    language: str = "zh-CN"
    gazetteer: str = "heilongjiang"
    recent_issues: int = 10  # how many recent issues the home page lists
    offline: bool = False  # a copy opened from disk: every internal link names its file (…/index.html)
    digest: str = ""  # hash of site.yaml's bytes, for the build cache
    # Where the bulletin is read in China (issue 12): filings shown in the footer, government metadata, share card.
    icp: str | None = None  # ICP filing number, e.g. 黑ICP备12345678号
    police_record: str | None = None  # 公安机关备案号, e.g. 黑公网安备23010202000001号
    government: "GovernmentSite | None" = None
    share_image: str | None = None  # absolute URL, or a path of a file under the project's templates/ (static/...)

    @property
    def police_record_code(self) -> str | None:
        """The digits of the public-security filing number, for the filing site's query address."""
        return "".join(ch for ch in self.police_record if ch.isdigit()) if self.police_record else None

    def with_area(self, default_publisher: str) -> "SiteConfig":
        """Publisher and description site.yaml leaves out, from the area the gazetteer covers."""
        from dataclasses import replace

        publisher = self.publisher or default_publisher
        return replace(self, publisher=publisher, description=self.description or default_description(publisher, self.title))

    def with_base_url(self, base_url: str | None) -> "SiteConfig":
        from dataclasses import replace

        return replace(self, base_url=normalize_base_url(base_url))


@dataclass(frozen=True)
class GovernmentSite:
    """The 政府网站发展指引 (国办发〔2017〕47号) metadata of a government body's site."""

    site_name: str
    site_domain: str
    site_id_code: str  # 网站标识码: ten digits (sometimes written with a letter prefix for a department)
    column_name: str
    column_type: str = "政务动态"


def default_description(publisher: str, title: str) -> str:
    return f"{publisher}编印的工作简报《{title}》历年各期存档。"


_STRING_KEYS = ("title", "publisher", "description", "language", "gazetteer")
_OTHER_STAGES_KEYS = ("deploy",)  # read by the stage that needs it (deploy.settings), not part of SiteConfig


def normalize_base_url(url: str | None) -> str | None:
    """Check an absolute http(s) URL and give it exactly one trailing slash."""
    if url is None or url.strip() == "":
        return None
    url = url.strip()
    example = "例如 https://example.org/guanxin/"
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        raise ValueError(f"base_url 中不能有空格或换行，{example}（现在是“{url!r}”）")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port or IPv6 address
    except ValueError:
        raise ValueError(f"base_url 不是一个有效的网址，{example}（现在是“{url}”）") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"base_url 必须是以 http:// 或 https:// 开头的完整网址，{example}（现在是“{url}”）")
    if parts.query or parts.fragment:
        raise ValueError(f"base_url 不能带“?”或“#”后面的部分，{example}（现在是“{url}”）")
    return url.rstrip("/") + "/"


def load_config(project_dir: Path) -> SiteConfig:
    """Read site.yaml; a missing file means all defaults. Raises ContentErrors."""
    path = project_dir / CONFIG_FILE
    if not path.exists():
        return SiteConfig()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ContentErrors([ContentError(CONFIG_FILE, None, f"无法读取文件（{exc.strerror or exc}）")]) from None
    try:
        entries = load_mapping(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ContentErrors([ContentError(CONFIG_FILE, None, "文件不是 UTF-8 编码，请用 UTF-8 另存")]) from None
    except YamlError as exc:
        raise ContentErrors([ContentError(CONFIG_FILE, exc.line, exc.message)]) from None

    values: dict[str, object] = {}
    errors: list[ContentError] = []
    known = {*_STRING_KEYS, "base_url", "recent_issues", *_CHINA_KEYS, "offline", *_OTHER_STAGES_KEYS}
    for key, entry in entries.items():
        if key not in known:
            errors.append(ContentError(CONFIG_FILE, entry.line, f"不认识的设置“{key}”；可用的设置：{'、'.join(sorted(known))}"))
        elif key == "gazetteer" and type(entry.value) is int and entry.value > 0:
            values[key] = f"{entry.value:06d}"  # an administrative code, which YAML reads as a number: 220000
        elif key in _STRING_KEYS:
            if not isinstance(entry.value, str) or not entry.value.strip():
                errors.append(ContentError(CONFIG_FILE, entry.line, f"“{key}”必须是一段非空文字"))
            else:
                values[key] = entry.value.strip()
        elif key == "recent_issues":
            if type(entry.value) is not int or not 1 <= entry.value <= 100:
                errors.append(ContentError(CONFIG_FILE, entry.line, "“recent_issues”必须是 1 到 100 之间的整数"))
            else:
                values[key] = entry.value
        elif key in _CHINA_KEYS:
            if entry.value is not None:
                _china_setting(key, entry, project_dir, data.decode("utf-8-sig"), values, errors)
        elif key == "offline":
            if type(entry.value) is not bool:
                errors.append(ContentError(CONFIG_FILE, entry.line, "“offline”只能是 true 或 false"))
            else:
                values[key] = entry.value
        elif key == "base_url" and entry.value is not None:
            try:
                values[key] = normalize_base_url(str(entry.value))
            except ValueError as exc:
                errors.append(ContentError(CONFIG_FILE, entry.line, str(exc)))
    if errors:
        raise ContentErrors(errors)
    return SiteConfig(**values, digest=hashlib.sha256(data).hexdigest())


# -- settings a website in mainland China needs (ICP and police filings, government metadata, share card) --

_CHINA_KEYS = ("icp", "police_record", "government", "share_image")
# The one-character names filing numbers start with, by the first two digits of the province's code.
# Public-security filings (黑公网安备…) use the common short names; ICP filings (黑ICP备…) differ for
# four provinces: 蜀 (四川), 黔 (贵州), 滇 (云南), 陇 (甘肃).
POLICE_PREFIX = dict(zip(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65".split(),
    "京 津 冀 晋 蒙 辽 吉 黑 沪 苏 浙 皖 闽 赣 鲁 豫 鄂 湘 粤 桂 琼 渝 川 贵 云 藏 陕 甘 青 宁 新".split()))
ICP_PREFIX = {**POLICE_PREFIX, "51": "蜀", "52": "黔", "53": "滇", "62": "陇"}
ICP_PATTERN = re.compile(rf"[{''.join(ICP_PREFIX.values())}]ICP备\d{{8,10}}号(?:-\d{{1,3}})?")
POLICE_PATTERN = re.compile(rf"[{''.join(POLICE_PREFIX.values())}]公网安备 ?\d{{14}}号")
SITE_ID_PATTERN = re.compile(r"[0-9]{10}|[A-Z]{2}[0-9]{8}")
DOMAIN_PATTERN = re.compile(r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_GOVERNMENT_KEYS = ("site_name", "site_domain", "site_id_code", "column_name", "column_type")
_IMAGE_TYPES = (".png", ".jpg", ".jpeg")


def _sub_line(text: str, start: int, sub: str) -> int:
    """Line of `sub:` inside the block that starts on line `start` (the YAML reader keeps only the block's line)."""
    lines = text.split("\n")
    for number in range(start, len(lines)):
        line = lines[number]
        if line and not line[0].isspace() and not line.startswith("#"):
            break  # the next top-level key: the block ended
        if line.strip().startswith(f"{sub}:"):
            return number + 1
    return start


def _china_setting(key: str, entry, project_dir: Path, text: str, values: dict, errors: list) -> None:
    def fail(message: str, line: int = entry.line) -> None:
        errors.append(ContentError(CONFIG_FILE, line, message))

    value = entry.value
    if key == "government":
        _government(value, entry.line, text, values, fail)
        return
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a number alone: the format message below says what is missing
    if not isinstance(value, str) or not value.strip():
        fail(f"“{key}”必须是一段文字")
        return
    value = value.strip()
    if key == "icp":
        if not ICP_PATTERN.fullmatch(value):
            fail(f"“icp”应写 ICP 备案号，例如“黑ICP备12345678号”或“黑ICP备12345678号-1”（现在是“{value}”）")
        else:
            values[key] = value
    elif key == "police_record":
        if not POLICE_PATTERN.fullmatch(value):
            fail(f"“police_record”应写公安机关备案号，例如“黑公网安备23010202000001号”（14 位数字；现在是“{value}”）")
        else:
            values[key] = value
    elif key == "share_image":
        if value.startswith(("http://", "https://")):
            try:
                values[key] = normalize_base_url(value).rstrip("/")
            except ValueError:
                fail(f"“share_image”不是一个有效的网址（现在是“{value}”）")
            return
        rel = value.lstrip("/")
        if not rel.lower().endswith(_IMAGE_TYPES):
            fail(f"“share_image”必须是 PNG 或 JPG 图片（现在是“{value}”）")
        elif not rel.startswith("static/") or ".." in rel.split("/"):
            fail(f"“share_image”请写 static/ 下的文件，例如 static/分享图.png，图片放在 templates/static/ 文件夹中（现在是“{value}”）")
        elif not (project_dir / "templates" / rel).is_file():
            fail(f"找不到分享图片 templates/{rel}；请把图片放进 templates/static/ 文件夹，或改正文件名")
        else:
            values[key] = rel


def _government(value, line: int, text: str, values: dict, fail) -> None:
    if not isinstance(value, dict):
        fail("“government”下面要逐行写 site_name、site_domain、site_id_code、column_name（每行前面空两格）")
        return
    fields: dict[str, str] = {}
    missing = [k for k in _GOVERNMENT_KEYS[:4] if k not in value]
    if missing:
        fail(f"“government”缺少设置：{'、'.join(missing)}")
    for sub, sub_value in value.items():
        where = _sub_line(text, line, str(sub))
        if sub not in _GOVERNMENT_KEYS:
            fail(f"“government”中不认识的设置“{sub}”；可用的设置：{'、'.join(_GOVERNMENT_KEYS)}", where)
            continue
        if isinstance(sub_value, int) and not isinstance(sub_value, bool) and sub == "site_id_code":
            sub_value = str(sub_value)
        if not isinstance(sub_value, str) or not sub_value.strip():
            fail(f"“government”中的“{sub}”必须是一段非空文字", where)
            continue
        sub_value = sub_value.strip()
        if sub == "site_domain" and not DOMAIN_PATTERN.fullmatch(sub_value):
            fail(f"“site_domain”应写网站域名，例如 www.hljgwy.gov.cn（不要带 http:// 和“/”；现在是“{sub_value}”）", where)
        elif sub == "site_id_code" and not SITE_ID_PATTERN.fullmatch(sub_value):
            fail(f"“site_id_code”应写 10 位网站标识码，例如“2300000001”（现在是“{sub_value}”）", where)
        else:
            fields[sub] = sub_value
    if not missing and len(fields) == len(value):
        values["government"] = GovernmentSite(**fields)
