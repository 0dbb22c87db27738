"""Typed site configuration, read from site.yaml at the project root, by ONE schema of settings.

Each setting is one field of `SiteConfig` declared with `setting(...)` (as MkDocs declares its
config options in one place): its default, the check that turns what the editor wrote into the
value (or a Chinese message naming the line), its row of the settings table in the editors'
guide, and the commented lines `init` writes for it into a new site.yaml. `load_config` checks
by it, `project_init.site_yaml` writes from it, `settings_table()` is the guide's table (a test
keeps docs/编辑指南.md and init's file equal to the schema). Adding a setting is adding one field.
"""
from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from guanxin_site.errors import ContentError, ContentErrors
from guanxin_site.gazetteer import Unit
from guanxin_site.reader import CONFIG_FILE
from guanxin_site.yamlmap import YamlError, load_mapping



class Invalid(Exception):
    """What is wrong with a setting's value (Chinese), as (message, line) pairs; line None: the setting's own."""

    def __init__(self, message: str, line: int | None = None, *, more: tuple[tuple[str, int | None], ...] = ()):
        super().__init__(message)
        self.problems = ((message, line), *more)

    @classmethod
    def every(cls, problems: list[tuple[str, int | None]]) -> Invalid:
        """One Invalid for several problems of one setting (each with its line)."""
        return cls(problems[0][0], problems[0][1], more=tuple(problems[1:]))


@dataclass(frozen=True)
class Context:
    """What a check may need besides the value: the key, its line, the whole file, the project."""

    key: str
    line: int
    text: str
    project_dir: Path


@dataclass(frozen=True)
class Option:
    """One setting of site.yaml, described once."""

    check: Callable[[Any, Context], Any]  # what the editor wrote -> the value; raises Invalid
    doc: str  # its row in the guide's settings table (Chinese, Markdown)
    comment: str  # the lines (without "# ") above it in a new site.yaml; {placeholders} from the area
    example: str  # what a new site.yaml says for it ("key: value", perhaps several lines); {placeholders}
    enabled: bool = True  # False: written commented out, for the editor to enable
    empty_default: bool = False  # "key:" with no value means the default (an address or number left out)
    key: str = ""  # filled in from the field's name


def setting(default: Any, check: Callable[[Any, Context], Any], *, doc: str, comment: str, example: str,
            enabled: bool = True, empty_default: bool = False, factory: Callable[[], Any] | None = None):
    """A field of SiteConfig that is a setting of site.yaml."""
    option = Option(check, doc, comment, example, enabled, empty_default)
    if factory is not None:
        return field(default_factory=factory, metadata={"option": option})
    return field(default=default, metadata={"option": option})


# -- checks shared by several settings ---------------------------------------------------------

def _text(value, ctx: Context) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"“{ctx.key}”必须是一段非空文字")
    return value.strip()


def _gazetteer(value, ctx: Context) -> str:
    if type(value) is int and value > 0:
        return f"{value:06d}"  # an administrative code, which YAML reads as a number: 220000
    return _text(value, ctx)


def _recent(value, ctx: Context) -> int:
    if type(value) is not int or not 1 <= value <= 100:
        raise Invalid("“recent_issues”必须是 1 到 100 之间的整数")
    return value


def _flag(value, ctx: Context) -> bool:
    if type(value) is not bool:
        raise Invalid(f"“{ctx.key}”只能是 true 或 false")
    return value


def _base_url(value, ctx: Context) -> str | None:
    try:
        return normalize_base_url(str(value))
    except ValueError as exc:
        raise Invalid(str(exc)) from None


def _deploy(value, ctx: Context):
    """One address, or named addresses; the addresses themselves are checked by deploy.settings."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict) and value and all(isinstance(v, str) and v.strip() for v in value.values()):
        return tuple((str(name), url.strip()) for name, url in value.items())
    raise Invalid("“deploy”要写一个发布地址，或者每行一个“名称: 地址”，例如 deploy: oss://存储桶名/?region=cn-hangzhou")


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


# -- settings a website in mainland China needs (ICP and police filings, government metadata, share card) --

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


def _filing_text(value, ctx: Context) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a number alone: the format message says what is missing
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"“{ctx.key}”必须是一段文字")
    return value.strip()


def _icp(value, ctx: Context) -> str:
    value = _filing_text(value, ctx)
    if not ICP_PATTERN.fullmatch(value):
        raise Invalid(f"“icp”应写 ICP 备案号，例如“黑ICP备12345678号”或“黑ICP备12345678号-1”（现在是“{value}”）")
    return value


def _police(value, ctx: Context) -> str:
    value = _filing_text(value, ctx)
    if not POLICE_PATTERN.fullmatch(value):
        raise Invalid(f"“police_record”应写公安机关备案号，例如“黑公网安备23010202000001号”（14 位数字；现在是“{value}”）")
    return value


def _share_image(value, ctx: Context) -> str:
    value = _filing_text(value, ctx)
    if value.startswith(("http://", "https://")):
        try:
            return normalize_base_url(value).rstrip("/")
        except ValueError:
            raise Invalid(f"“share_image”不是一个有效的网址（现在是“{value}”）") from None
    rel = value.lstrip("/")
    if not rel.lower().endswith(_IMAGE_TYPES):
        raise Invalid(f"“share_image”必须是 PNG 或 JPG 图片（现在是“{value}”）")
    if not rel.startswith("static/") or ".." in rel.split("/"):
        raise Invalid(f"“share_image”请写 static/ 下的文件，例如 static/分享图.png，图片放在 templates/static/ 文件夹中（现在是“{value}”）")
    if not (ctx.project_dir / "templates" / rel).is_file():
        raise Invalid(f"找不到分享图片 templates/{rel}；请把图片放进 templates/static/ 文件夹，或改正文件名")
    return rel


def _government(value, ctx: Context) -> GovernmentSite:
    if not isinstance(value, dict):
        raise Invalid("“government”下面要逐行写 site_name、site_domain、site_id_code、column_name（每行前面空两格）")
    problems: list[tuple[str, int | None]] = []
    fields: dict[str, str] = {}
    missing = [k for k in _GOVERNMENT_KEYS[:4] if k not in value]
    if missing:
        problems.append((f"“government”缺少设置：{'、'.join(missing)}", None))
    for sub, sub_value in value.items():
        where = _sub_line(ctx.text, ctx.line, str(sub))
        if sub not in _GOVERNMENT_KEYS:
            problems.append((f"“government”中不认识的设置“{sub}”；可用的设置：{'、'.join(_GOVERNMENT_KEYS)}", where))
            continue
        if isinstance(sub_value, int) and not isinstance(sub_value, bool) and sub == "site_id_code":
            sub_value = str(sub_value)
        if not isinstance(sub_value, str) or not sub_value.strip():
            problems.append((f"“government”中的“{sub}”必须是一段非空文字", where))
            continue
        sub_value = sub_value.strip()
        if sub == "site_domain" and not DOMAIN_PATTERN.fullmatch(sub_value):
            problems.append((f"“site_domain”应写网站域名，例如 www.hljgwy.gov.cn（不要带 http:// 和“/”；现在是“{sub_value}”）", where))
        elif sub == "site_id_code" and not SITE_ID_PATTERN.fullmatch(sub_value):
            problems.append((f"“site_id_code”应写 10 位网站标识码，例如“2300000001”（现在是“{sub_value}”）", where))
        else:
            fields[sub] = sub_value
    if problems:
        raise Invalid.every(problems)
    return GovernmentSite(**fields)


# -- the office's own units (regions beyond the gazetteer) ----------------------------------------

_UNIT_NAME = re.compile(r"[\u3400-\u9fff\uf900-\ufaff（）()·]{2,30}")
_ALIAS_SEPARATORS = re.compile(r"[、，,；;\s]+")


def _item_line(ctx: Context, index: int) -> int:
    """The line of the index-th "- " item of the setting's block (the YAML reader keeps only the key's line)."""
    lines = ctx.text.split("\n")
    seen = -1
    for number in range(ctx.line, len(lines)):
        line = lines[number]
        if line and not line[0].isspace() and not line.startswith(("#", "-")):
            break
        if line.lstrip().startswith("-"):
            seen += 1
            if seen == index:
                return number + 1
    return ctx.line


def _units(value, ctx: Context) -> tuple[Unit, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise Invalid("“units”下面每行写一个单位，以“  - ”开头，例如“  - 长白山管委会”")
    units, problems, seen = [], [], set()
    for index, item in enumerate(value):
        where = _item_line(ctx, index)
        try:
            unit = _unit(item)
        except Invalid as exc:
            problems.append((exc.problems[0][0], where))
            continue
        clash = next((n for n in (unit.name, *unit.aliases) if n in seen), None)
        if clash is not None:
            problems.append((f"“units”中“{clash}”写了两次；请删除其中一个", where))
            continue
        seen.update((unit.name, *unit.aliases))
        units.append(unit)
    if problems:
        raise Invalid.every(problems)
    return tuple(units)


def _unit(item) -> Unit:
    example = "例如“  - 长白山管委会”，有简称或旧名时写成“  - 长白山管委会: 长白山、长白山管理委员会”"
    if isinstance(item, dict) and len(item) == 1:
        (name, aliases), = item.items()
        names = [] if aliases is None else aliases if isinstance(aliases, list) else _ALIAS_SEPARATORS.split(str(aliases))
    elif isinstance(item, str):
        name, names = item, []
    else:
        raise Invalid(f"“units”的这一项写法不对：每项写一个单位名称，{example}")
    name = str(name).strip()
    names = [str(n).strip() for n in names if str(n).strip()]
    for each in (name, *names):
        if not _UNIT_NAME.fullmatch(each):
            raise Invalid(f"“units”中的“{each}”不像单位名称：请写 2 到 30 个汉字，不要带标点、数字或空格；{example}")
    return Unit(name, tuple(dict.fromkeys(n for n in names if n != name)))


# -- known gaps: issues an archive will never have ---------------------------------------------

@dataclass(frozen=True)
class KnownGap:
    """Issues recorded as missing for good (a year whose 第3期 was never received), and why."""

    year: int
    numbers: tuple[int, ...]
    reason: str
    line: int = 0  # in site.yaml, for messages about the record itself

    @property
    def label(self) -> str:
        return f"{self.year}年第{'、'.join(str(n) for n in self.numbers)}期"


_GAP = re.compile(r"\s*(\d{4})\s*年\s*第\s*(\d+(?:\s*[、,，]\s*\d+)*|\d+\s*[-－~～至到]\s*\d+)\s*期\s*[:：]?\s*(.*)")
_GAP_EXAMPLE = "例如“  - 2019年第3期：当年没有收到”或“  - 2020年第5、6期：停刊”"


def _known_gaps(value, ctx: Context) -> tuple[KnownGap, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise Invalid(f"“known_gaps”下面每行写一条缺期记录，以“  - ”开头，{_GAP_EXAMPLE}")
    gaps, problems = [], []
    for index, item in enumerate(value):
        where = _item_line(ctx, index)
        if isinstance(item, dict) and len(item) == 1:  # written with an English colon: “2019年第3期: 未收到”
            item = "：".join(str(part) for part in next(iter(item.items())))
        match = _GAP.fullmatch(str(item)) if isinstance(item, (str, int)) else None
        if match is None:
            problems.append((f"“known_gaps”的这一项读不懂（“{item}”）：要写哪一年第几期和原因，{_GAP_EXAMPLE}", where))
            continue
        year, numbers, reason = match.groups()
        if not reason.strip():
            problems.append((f"“known_gaps”中的“{year}年第{numbers}期”没有写原因：请在冒号后面写上为什么缺，{_GAP_EXAMPLE}", where))
            continue
        gaps.append(KnownGap(int(year), _gap_numbers(numbers), reason.strip(), where))
    if problems:
        raise Invalid.every(problems)
    return tuple(gaps)


def _gap_numbers(text: str) -> tuple[int, ...]:
    ends = re.split(r"\s*[-－~～至到]\s*", text)
    if len(ends) == 2:
        first, last = sorted(int(n) for n in ends)
        return tuple(range(first, last + 1))
    return tuple(sorted({int(n) for n in re.split(r"\s*[、,，]\s*", text)}))


# -- the schema ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class SiteConfig:
    """The settings of site.yaml, each declared once with `setting` (see the module's docstring)."""

    gazetteer: str = setting(
        "heilongjiang", _gazetteer,
        doc="地名表：本简报是哪里的简报，默认 `heilongjiang`（黑龙江省）。写省、自治区、直辖市的全称、简称、拼音或代码"
            "（`吉林省`、`jilin`、`220000`）时，地区是它的市（州、盟、地区）和省直管的县级市，直辖市是它的区县；写地级市"
            "（`伊春市`、`heilongjiang-yichun`、`230700`）时，地区是这个市的县（市、区）。也可以写项目中一个地名表 JSON 文件的路径。"
            "`publisher` 和 `description` 不写时按这里的省份或城市生成",
        comment="地名表：本简报是哪里的简报（现在是 {area}），各篇报道按{level}分类。\n"
                "可以写省、自治区、直辖市（例如 吉林省、jilin、220000），\n"
                "或地级市、自治州、盟、地区自己的简报（例如 伊春市、heilongjiang-yichun、230700）。",
        example="gazetteer: {setting}")
    title: str = setting(
        "关心下一代工作", _text,
        doc="网站名称，默认“关心下一代工作”",
        comment="网站名称：显示在每页顶部和浏览器标签上。",
        example="title: {title}")
    publisher: str = setting(  # "": the gazetteer's area office, see with_area
        "", _text,
        doc="编印单位，显示在每页底部；某一期不同时，在那一期开头写 `publisher`",
        comment="编印单位：显示在每页底部。某一期不同时，在那一期开头写 publisher。",
        example="publisher: {publisher}")
    description: str = setting(  # "": made from the publisher and the title, see with_area
        "", _text,
        doc="网站简介（搜索引擎显示在网站名称下面）",
        comment="网站简介：搜索引擎显示在网站名称下面。",
        example="description: {description}")
    language: str = setting(
        "zh-CN", _text,
        doc="网页语言，默认 `zh-CN`",
        comment="网站语言（一般不用改）。",
        example="language: zh-CN")
    recent_issues: int = setting(
        10, _recent,
        doc="首页列出的近期期数（1 到 100），默认 10",
        comment="首页列出最近多少期（1 到 100）。",
        example="recent_issues: 10")
    units: tuple[Unit, ...] = setting(
        (), _units,
        doc="地名表以外、有自己报道的地区或单位（例如 `长白山管委会`、单独列出的县级市 `梅河口市`、兵团的师、"
            "行业系统），每行一个：`- 长白山管委会`，有简称或旧名时写成 `- 长白山管委会: 长白山、长白山管理委员会`。"
            "它们和地名表中的地区一样，在简报文件中写成 `## 长白山管委会`，有自己的地区页；见下面“地名表以外的单位”",
        comment="地名表以外、有自己报道的地区或单位（例如管委会、单独列出的县级市、兵团的师、行业系统）：\n"
                "删掉下面两行开头的“# ”，每行写一个“  - 名称”；有简称或旧名时写成“  - 长白山管委会: 长白山、长白山管理委员会”。",
        example="units:\n  - {unit_example}", enabled=False)
    known_gaps: tuple[KnownGap, ...] = setting(
        (), _known_gaps,
        doc="确实没有、也不会再有的期（例如当年没有收到、没有印发），每行一条：`- 2019年第3期：当年没有收到`。"
            "记下的缺期 `check` 不再报错，年份页和往期页上注明缺了哪一期和原因；没有记下的缺期仍然报错。"
            "见下面“记下确实没有的期”",
        comment="确实没有、也不会再有的期：删掉下面两行开头的“# ”，每行写一条“  - 哪一年第几期：原因”。\n"
                "记下后 check 不再报缺期，年份页和往期页上注明缺了哪一期；没有记下的缺期仍然报错。",
        example="known_gaps:\n  - 2019年第3期：当年没有收到", enabled=False)
    base_url: str | None = setting(  # absolute, ends with "/"; None: feeds/sitemap that need it are left out
        None, _base_url,
        doc="网站的完整地址，例如 `https://example.org/guanxin/`；订阅源、网站地图需要它（用 GitHub Pages 发布时不用写）",
        comment="网站的完整地址；发布在子路径下时写上子路径。用 GitHub Pages 发布时不用写（发布流程自动填上）。",
        example="base_url: https://example.org/guanxin/", enabled=False, empty_default=True)
    offline: bool = setting(  # a copy opened from disk: every internal link names its file (…/index.html)
        False, _flag,
        doc="写 `true` 时生成可以直接从磁盘（U 盘）打开的离线版，与 `build --offline` 相同；发布到网上的网站不要写",
        comment="离线版：写 true 时生成的网站可以直接从磁盘打开（每个链接都写明文件名）；发布到网上的网站不要写。",
        example="offline: true", enabled=False)
    deploy: str | tuple | None = setting(  # name -> address; checked in full by deploy.settings when deploying
        None, _deploy,
        doc="发布地址：`guanxin-site deploy` 把生成的网站发布到哪里（对象存储、自己的服务器、FTP 空间），"
            "可以写一个地址，或每行一个“名称: 地址”；密码和密钥不写在这里。见下面“发布”",
        comment="发布地址：guanxin-site deploy 把网站发布到哪里（阿里云 OSS、腾讯云 COS、华为云 OBS、七牛 Kodo、SFTP 服务器或 FTP）。\n"
                "写法见使用说明“发布”一节；密钥和密码不要写在这里。",
        example="deploy: oss://存储桶名/?region=cn-hangzhou", enabled=False, empty_default=True)
    # Where the bulletin is read in China (issue 12): filings shown in the footer, government metadata, share card.
    icp: str | None = setting(
        None, _icp,
        doc="ICP 备案号，例如 `黑ICP备12345678号`（可带 `-1` 这样的后缀）；设置后每页页脚显示，并链接到工信部备案网站",
        comment="ICP 备案号：设置后每页页脚显示，并链接到工信部备案网站。",
        example="icp: {icp_abbr}ICP备12345678号", enabled=False, empty_default=True)
    police_record: str | None = setting(
        None, _police,
        doc="公安机关备案号，例如 `黑公网安备23010202000001号`；设置后每页页脚显示，并链接到全国互联网安全管理服务平台上这个号码的查询页",
        comment="公安机关备案号：设置后每页页脚显示，并链接到这个号码的查询页。",
        example="police_record: {police_abbr}公网安备{code}02000001号", enabled=False, empty_default=True)
    share_image: str | None = setting(  # absolute URL, or a path of a file under the project's templates/ (static/...)
        None, _share_image,
        doc="分享到微信、QQ 时显示的图片，默认是网站自带的刊头图；见下面“分享到微信和 QQ”",
        comment="分享到微信、QQ 时显示的图片：static/ 下的图片文件（放在 templates/static/ 中）或完整网址；默认是网站自带的刊头图。",
        example="share_image: static/分享图.png", enabled=False, empty_default=True)
    government: GovernmentSite | None = setting(
        None, _government,
        doc="政府网站的标识信息（见下面“备案号和政府网站”）；不是政府网站就不要写",
        comment="政府网站的标识信息（《政府网站发展指引》）：是政府网站时才写，删掉下面各行开头的“# ”（保留每行前面的空格）。",
        example="government:\n  site_name: {area}关心下一代工作委员会\n  site_domain: www.example.gov.cn\n"
                "  site_id_code: \"{code2}00000001\"\n  column_name: 工作简报\n  column_type: 政务动态",
        enabled=False, empty_default=True)
    digest: str = ""  # hash of site.yaml's bytes, for the build cache (not a setting)

    @property
    def police_record_code(self) -> str | None:
        """The digits of the public-security filing number, for the filing site's query address."""
        return "".join(ch for ch in self.police_record if ch.isdigit()) if self.police_record else None

    def with_area(self, default_publisher: str) -> SiteConfig:
        """Publisher and description site.yaml leaves out, from the area the gazetteer covers."""
        publisher = self.publisher or default_publisher
        return dataclasses.replace(self, publisher=publisher,
                                   description=self.description or default_description(publisher, self.title))

    def with_base_url(self, base_url: str | None) -> SiteConfig:
        return dataclasses.replace(self, base_url=normalize_base_url(base_url))


def options() -> tuple[Option, ...]:
    """The schema: every setting of site.yaml, in the order a new site.yaml lists them."""
    return tuple(dataclasses.replace(f.metadata["option"], key=f.name)
                 for f in dataclasses.fields(SiteConfig) if "option" in f.metadata)


def load_config(project_dir: Path) -> SiteConfig:
    """Read site.yaml; a missing file means all defaults. Raises ContentErrors (every problem of the file)."""
    path = project_dir / CONFIG_FILE
    if not path.exists():
        return SiteConfig()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ContentErrors([ContentError(CONFIG_FILE, None, f"无法读取文件（{exc.strerror or exc}）")]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ContentErrors([ContentError(CONFIG_FILE, None, "文件不是 UTF-8 编码，请用 UTF-8 另存")]) from None
    try:
        entries = load_mapping(text)
    except YamlError as exc:
        raise ContentErrors([ContentError(CONFIG_FILE, line, message) for line, message in exc.problems]) from None
    schema = {option.key: option for option in options()}
    values: dict[str, object] = {}
    errors: list[ContentError] = []
    for key, entry in entries.items():
        option = schema.get(key)
        if option is None:
            errors.append(ContentError(CONFIG_FILE, entry.line, f"不认识的设置“{key}”；可用的设置：{'、'.join(sorted(schema))}"))
            continue
        if entry.value is None and option.empty_default:
            continue
        try:
            values[key] = option.check(entry.value, Context(key, entry.line, text, project_dir))
        except Invalid as exc:
            errors += [ContentError(CONFIG_FILE, line or entry.line, message) for message, line in exc.problems]
    if errors:
        raise ContentErrors(errors)
    return SiteConfig(**values, digest=hashlib.sha256(data).hexdigest())


def settings_table() -> str:
    """The settings table of the editors' guide (docs/编辑指南.md), made from the schema."""
    rows = [f"| `{option.key}` | {option.doc} |" for option in options()]
    return "\n".join(["| 设置 | 说明 |", "|---|---|", *rows]) + "\n"


def settings_file(**area: str) -> str:
    """The settings part of a new site.yaml: every setting with its Chinese explanation; `area` fills the
    {placeholders} (area, level, setting, title, publisher, description, unit_example, icp_abbr, police_abbr, code, code2)."""
    blocks = []
    for option in options():
        comment = "".join(f"# {line}\n" for line in option.comment.format(**area).split("\n"))
        example = option.example.format(**area).split("\n")
        body = "".join(f"{line}\n" if option.enabled else f"# {line}\n" for line in example)
        blocks.append(comment + body)
    return "\n".join(blocks)
