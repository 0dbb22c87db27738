"""Typed site configuration, read from site.yaml at the project root."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from guanxin_site.errors import ContentError, ContentErrors
from guanxin_site.yamlmap import YamlError, load_mapping

CONFIG_FILE = "site.yaml"


@dataclass(frozen=True)
class SiteConfig:
    title: str = "关心下一代工作"
    publisher: str = "黑龙江省关心下一代工作委员会办公室"
    description: str = "黑龙江省关心下一代工作委员会办公室编印的工作简报《关心下一代工作》历年各期存档。"
    base_url: str | None = None  # absolute, ends with "/"; None: feeds/sitemap that need it are left out
    language: str = "zh-CN"
    gazetteer: str = "heilongjiang"
    recent_issues: int = 10  # how many recent issues the home page lists
    offline: bool = False  # a copy opened from disk: every internal link names its file (…/index.html)
    digest: str = ""  # hash of site.yaml's bytes, for the build cache

    def with_base_url(self, base_url: str | None) -> "SiteConfig":
        from dataclasses import replace

        return replace(self, base_url=normalize_base_url(base_url))


_STRING_KEYS = ("title", "publisher", "description", "language", "gazetteer")


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
    known = {*_STRING_KEYS, "base_url", "recent_issues", "offline"}
    for key, entry in entries.items():
        if key not in known:
            errors.append(ContentError(CONFIG_FILE, entry.line, f"不认识的设置“{key}”；可用的设置：{'、'.join(sorted(known))}"))
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
