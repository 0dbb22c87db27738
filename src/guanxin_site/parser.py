"""Stage 2: parse one issue file into a frozen Issue, or into a list of located errors.

Every problem in a file is collected (Zola-style: file, line, what to do) rather than
stopping at the first one, so an editor fixes a file in one pass.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from typing import TYPE_CHECKING

from guanxin_site.errors import ContentError, ContentErrors, has_control, visible
from guanxin_site.gazetteer import Gazetteer
from guanxin_site.images import ImageProblem, check_whole_image
from guanxin_site.models import MAX_ISSUE_NUMBER, Attachment, Issue, Report, opening
from guanxin_site.plainmd import split_plain
from guanxin_site.reader import ISSUES_DIR, SourceFile
from guanxin_site.yamlmap import CHINESE_QUOTES, Setting, YamlError, load_mapping

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token


REQUIRED_KEYS = ("number", "date", "title")
OPTIONAL_KEYS = ("total", "publisher", "summary", "draft", "attachments", "distribution", "proofread")
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
MAX_NAME_SHOWN = 40  # characters of an unknown heading or key quoted back in a message

# Link schemes a report may use; anything else (javascript:, vbscript:, data:, file:,
# and whatever browsers add next) is not made a link. Relative links have no scheme.
SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_URL_IGNORED = dict.fromkeys(range(0x21))  # browsers drop C0 controls and spaces around, tab/newline inside a URL

# Attachments are published beside the issue page under their own name.
RESERVED_ATTACHMENT_NAMES = frozenset({"index.html"})  # the issue page itself
ACTIVE_EXTENSIONS = frozenset({  # a browser runs scripts in these when served from our site
    ".html", ".htm", ".xhtml", ".xht", ".shtml", ".svg", ".svgz", ".xml", ".xsl", ".xslt",
    ".js", ".mjs", ".wasm", ".swf",
})
_URL_BREAKING = re.compile(r"[\x00-\x1f\x7f:?#%\\\"<>|*]")  # would end, redirect or corrupt a relative link
# Names Windows keeps for devices (CON.pdf too): the site could not be copied to a Windows computer or a USB stick.
_WINDOWS_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?", re.IGNORECASE)
MAX_ATTACHMENT_NAME = 100  # characters: Windows limits a whole path (the offline copy's folders included) to 260


def safe_link(url: str) -> bool:
    """markdown-it link validator: allowlist of schemes, checked as a browser would read the URL."""
    bare = url.translate(_URL_IGNORED)
    match = _SCHEME.match(bare)
    return match is None or match.group(1).lower() in SAFE_LINK_SCHEMES


@functools.cache
def markdown() -> MarkdownIt:
    """The Markdown parser, made on first use: plain prose (most bulletins) never needs it."""
    from markdown_it import MarkdownIt

    # Raw HTML is escaped, not sanitised: bulletins are plain prose and never need
    # HTML, and escaping leaves nothing for an allowlist sanitiser to get wrong (no
    # parser differentials, no attribute or URL edge cases, no library to keep current).
    # Link URLs go through an allowlist of schemes rather than markdown-it's default
    # blocklist, so an unknown or obfuscated scheme is never made a link.
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.validateLink = safe_link
    return md


@dataclass(frozen=True)
class _Split:
    front: str
    body: str
    body_line: int  # 1-based file line where the body starts


def parse_issue(source: SourceFile, project_dir: Path, gazetteer: Gazetteer, default_publisher: str) -> Issue:
    """Parse one file. Raises ContentErrors listing every problem found in it."""
    errors: list[ContentError] = []

    def fail(line: int | None, message: str) -> None:
        errors.append(ContentError(source.rel, line, message))

    text = _decode(source, fail)
    if text is None:
        raise ContentErrors(errors)
    split = split_front_matter(text, fail)
    if split is None:
        raise ContentErrors(errors)
    try:
        entries = load_mapping(split.front, first_line=2)  # the front matter starts on file line 2
    except YamlError as exc:
        for line, message in exc.problems:  # every input-method slip of the file at once
            fail(line or 1, message)
        raise ContentErrors(errors) from None
    fields = _check_front_matter(entries, fail)
    attachments = _attachments(entries.get("attachments"), source, project_dir, fail)
    from guanxin_site.images import PhotoPass  # photos are found while the body is parsed

    photo_pass = PhotoPass(source.path, source.rel, project_dir, split.body_line, fail, {a.name for a in attachments})
    _input_slips(split, fail)
    lead_html, lead_text, reports = _parse_body(split, gazetteer, fail, photo_pass)
    if errors:
        raise ContentErrors(errors, draft=fields.get("draft", False))

    digest = hashlib.sha256(source.digest.encode())
    for attachment in attachments:
        digest.update(attachment.digest.encode())
    for photo in photo_pass.photos:
        digest.update(photo.digest.encode())
    return Issue(
        source=source.rel,
        digest=digest.hexdigest(),
        number=fields["number"],
        date=fields["date"],
        title=fields["title"],
        publisher=fields.get("publisher") or default_publisher,
        total=fields.get("total"),
        summary=fields.get("summary"),
        draft=fields.get("draft", False),
        lead_html=lead_html,
        lead_opening=opening(lead_text),
        reports=tuple(reports),
        attachments=tuple(attachments),
        photos=tuple(photo_pass.photos),
        distribution=fields.get("distribution", ()),
        proofread=fields.get("proofread", True),
        lines=tuple((key, entry.line) for key, entry in entries.items()),
    )


# Typed with a Chinese input method on, these look right and are not Markdown: a heading whose ## is
# followed by a full-width space (or nothing), or written with full-width ＃; an image whose file name has a space.
_SLIPPED_HEADING = re.compile(r" {0,3}(?:(#{1,6}\u3000+|#{2,6}(?=[\u4e00-\u9fff]))|([＃]{1,6})[ \u3000]*)(?P<name>\S.*)")
_IMAGE_WITH_SPACE = re.compile(r"!\[[^\]]*\]\((?P<path>[^()<>\"']*?\s[^()<>\"']*?)\)")


def _input_slips(split: _Split, fail) -> None:
    """Report the Markdown a Chinese keyboard breaks, which would otherwise be published as plain text."""
    fenced = False
    for number, line in enumerate(split.body.split("\n"), split.body_line):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if fenced:
            continue
        heading = _SLIPPED_HEADING.fullmatch(line)
        if heading is not None:
            name = heading.group("name").strip("\u3000 ")
            marks = "#" * len((heading.group(1) or heading.group(2)).rstrip("\u3000"))
            fail(number, f"这一行像是地区标题，但“{marks}”后面{'没有英文空格' if heading.group(1) else '用了全角的“＃”'}"
                         f"（中文输入法的全角空格不算），网页上会当成正文，这篇报道会并进上一篇；请改成“{marks} {name}”"
                         f"（{marks} 后面是一个英文空格）")
        for image in _IMAGE_WITH_SPACE.finditer(line):
            path = image.group("path").strip()
            renamed = re.sub(r"\s+", "_", path)
            fail(number, f"图片“{_shorten(path)}”的文件名中有空格，网页上会原样显示这串文字而不显示图片；"
                         f"请把图片文件改名去掉空格（例如 {_shorten(renamed)}），再改这里的文件名")


def _decode(source: SourceFile, fail) -> str | None:
    data = source.data
    if not data.strip():
        fail(1, "文件是空的；请从 guanxin-site new 生成的模板开始，或删除这个文件")
        return None
    if _utf16(data):
        fail(1, "文件是 UTF-16 编码（记事本“另存为”时编码选了“Unicode”）；请用 UTF-8 编码另存（记事本：另存为 → 编码选 UTF-8）")
        return None
    if b"\x00" in data[:8192]:
        fail(data[: data.index(b"\x00")].count(b"\n") + 1, "这不是文本文件（可能是 Word 或 PDF 文件被改成了 .md）；请用 guanxin-site import 导入原件")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            data.decode("gb18030")
            fail(line, "文件是 GBK/GB18030 编码，请用 UTF-8 编码另存（记事本：另存为 → 编码选 UTF-8）")
        except UnicodeDecodeError:
            fail(line, "文件不是 UTF-8 编码的文本，请用 UTF-8 编码另存")
        return None
    return normalize_newlines(text)


def _utf16(data: bytes) -> bool:
    """UTF-16 text: with a byte-order mark (Notepad's "Unicode"), or without one but starting
    with the front matter's "---"."""
    return data.startswith((b"\xff\xfe", b"\xfe\xff")) or data.startswith((b"-\x00-\x00-\x00", b"\x00-\x00-\x00-"))


def normalize_newlines(text: str) -> str:
    """CRLF and CR as LF: the one definition of a line, for the parser, `new` and the importer."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, fail=lambda line, message: None) -> _Split | None:
    """Front matter and body of a file's text (newlines normalised); None, reported to fail, if it has none."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        fail(1, "文件必须以一行“---”开头，接着写 number、date、title 等设置，再以一行“---”结束")
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return _Split("\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2)
    fail(1, "开头的设置没有结束：请在 title 等设置之后加一行“---”")
    return None


def _check_front_matter(entries: dict[str, Setting], fail) -> dict:
    fields: dict = {}
    hinted = set()
    for key, entry in entries.items():
        if key not in REQUIRED_KEYS + OPTIONAL_KEYS:
            hint = _closest_key(key)
            hinted.add(hint)
            shown = _shorten(key)
            fail(entry.line, f"不认识的设置“{shown}”" + (f"，是不是“{hint}”？" if hint else f"；可用的设置：{'、'.join(REQUIRED_KEYS + OPTIONAL_KEYS)}"))
    for key in REQUIRED_KEYS:
        if key not in entries and key not in hinted:  # a typo of it was reported above, with the fix
            fail(1, f"缺少必填的设置“{key}”（{_KEY_HELP[key]}）")
    for key, check in _CHECKS.items():
        if key in entries:
            entry = entries[key]
            value, problem = check(entry.value)
            if problem and isinstance(entry.value, str) and entry.value.strip()[:1] in CHINESE_QUOTES:
                problem += "；值外面的中文引号要去掉（需要引号时请用英文双引号 \"……\"）"
            if problem:
                fail(entry.line, f"“{key}”{problem}")
            else:
                fields[key] = value
    return fields


_KEY_HELP = {
    "number": "本年第几期，例如 number: 53",
    "date": "出版日期，例如 date: 2023-11-17",
    "title": "本期标题",
}


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_NAME_SHOWN else text[:MAX_NAME_SHOWN] + "……"


def _closest_key(key: str) -> str | None:
    import difflib  # only when suggesting a key for a mistake

    match = difflib.get_close_matches(key.lower(), REQUIRED_KEYS + OPTIONAL_KEYS, n=1, cutoff=0.6)
    return match[0] if match else None


def _positive_int(value):
    if type(value) is not int or value < 1:
        return None, f"必须是大于 0 的整数（现在是“{_shorten(str(value))}”）"
    if value > MAX_ISSUE_NUMBER:
        return None, f"不能大于 {MAX_ISSUE_NUMBER}（现在是 {value}）；请核对期号"
    return value, None


_DATE_SHAPE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def date_from_text(text: str) -> dt.date | None:
    """A date written 年-月-日, with or without leading zeros (2024-04-12, 2024-4-12); None if it is none.
    One reading for the parser and for `new`'s numbering (scaffold.read_numbering)."""
    match = _DATE_SHAPE.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _date(value):
    if isinstance(value, dt.datetime):
        return None, "只写日期，不要写时间，例如 2023-11-17"
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, str):
        date = date_from_text(value)
        if date is not None:
            return date, None  # 2024-4-12: the month and day without their zeros mean the same day
        if (match := _DATE_SHAPE.fullmatch(value.strip())) is not None:
            year, month, day = (int(part) for part in match.groups())
            why = f"没有 {month} 月" if not 1 <= month <= 12 else f"{year}年{month}月没有{day}日"
            return None, f"不是一个存在的日期（{value.strip()}：{why}）；请检查月份和日子"
    return None, f"必须是“年-月-日”格式的日期，例如 2023-11-17（现在是“{_shorten(str(value))}”）"


def _text(value, *, required: bool = True):
    """One line of text; `required=False` also accepts nothing (None) and empty text (None)."""
    if value is None and not required:
        return None, None
    if isinstance(value, (bool, int, float, dt.date)):
        return None, f"必须是一段文字；如果就是写“{value}”，请加上英文双引号，例如 \"{value}\""
    if not isinstance(value, str):
        return None, "必须是一段非空文字" if required else "必须是一段文字"
    if not value.strip():
        return (None, "必须是一段非空文字") if required else (None, None)
    if required and "\n" in value.strip():
        return None, "只能写一行"
    return value.strip(), None


def _optional_text(value):
    return _text(value, required=False)


def _bool(value):
    if type(value) is not bool:
        return None, "只能是 true 或 false"
    return value, None


def _string_list(value):
    if value is None:
        return (), None
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return None, "必须是文件名的列表，每个文件名单独一行，以“- ”开头，例如“  - 原件.pdf”"
    return tuple(v.strip() for v in value), None


def _text_list(value):
    if value is None:
        return (), None
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() and "\n" not in v.strip() for v in value):
        return None, "必须是文字的列表，每行以“- ”开头，例如“  - 报：省委、省政府领导”"
    return tuple(v.strip() for v in value), None


_CHECKS = {
    "number": _positive_int,
    "total": _positive_int,
    "date": _date,
    "title": _text,
    "publisher": _optional_text,
    "summary": _optional_text,
    "draft": _bool,
    "attachments": _string_list,
    "distribution": _text_list,
    "proofread": _bool,
}


def _attachments(entry: Setting | None, source: SourceFile, project_dir: Path, fail) -> list[Attachment]:
    if entry is None:
        return []
    names, problem = _string_list(entry.value)
    if problem:
        return []  # already reported by the front-matter check
    found = []
    seen: set[str] = set()
    for name in names:
        path = _attachment_path(name, source, project_dir, entry.line, fail)
        if path is None:
            continue
        published = path.name
        if published.casefold() in seen:  # case-insensitive: the site may be copied to Windows or macOS
            fail(entry.line, f"附件“{name}”与另一个附件同名")
            continue
        seen.add(published.casefold())
        try:
            data = path.read_bytes()
        except OSError as exc:
            fail(entry.line, f"无法读取附件“{name}”（{exc.strerror or exc}）")
            continue
        try:  # an image is published only cleaned of its metadata: refuse here one that cannot be
            check_whole_image(data, published, f"附件“{_shorten(name)}”")
        except ImageProblem as exc:
            fail(entry.line, str(exc))
            continue
        found.append(Attachment(published, path.relative_to(project_dir.resolve()).as_posix(), len(data), hashlib.sha256(data).hexdigest()))
    return found


def _attachment_path(name: str, source: SourceFile, project_dir: Path, line: int, fail) -> Path | None:
    """Resolve an attachment beside the issue file; refuse what leaves issues/ or cannot be published safely."""
    if has_control(name):
        shown = _shorten(visible(name))
        fail(line, f"附件“{shown}”的路径中含有看不见的控制字符（例如从网页或其他软件复制时带进来的），无法使用；"
                   "请删掉这一行，重新输入文件名")
        return None
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or (len(name) > 1 and name[1] == ":"):
        fail(line, f"附件“{_shorten(name)}”必须是与本期文件放在同一文件夹（或其子文件夹）中的文件，不能使用绝对路径或“..”")
        return None
    problem = _published_name_problem(pure.name)
    if problem:
        fail(line, f"附件“{_shorten(name)}”{problem}")
        return None
    candidate = source.path.parent / Path(*pure.parts)
    issues_root = (project_dir / ISSUES_DIR).resolve()
    try:
        real = candidate.resolve(strict=True)
        if not real.is_relative_to(issues_root) or not real.is_file():
            fail(line, f"附件“{_shorten(name)}”指向 {ISSUES_DIR}/ 以外或不是普通文件（例如是指向别处的链接），不能发布")
            return None
        size = real.stat().st_size
    except (OSError, RuntimeError, ValueError):  # missing, unreadable, a symlink loop, a name the system refuses
        fail(line, f"找不到附件“{_shorten(name)}”；请把它放在 {PurePosixPath(source.rel).parent}/ 文件夹中")
        return None
    if size > MAX_ATTACHMENT_BYTES:
        fail(line, f"附件“{_shorten(name)}”超过 50 MB，请压缩后再附上")
        return None
    return real


def _published_name_problem(name: str) -> str | None:
    """Why a file name cannot be published beside the issue page, or None."""
    if name.casefold() in RESERVED_ATTACHMENT_NAMES:
        return f"与本期网页本身（{name}）同名，会覆盖它；请给附件改个名字，例如“原件.pdf”"
    if name.startswith("."):
        return "是隐藏文件（名字以“.”开头），不能作为附件发布；请改名"
    if PurePosixPath(name.casefold()).suffix in ACTIVE_EXTENSIONS:
        return "是网页或脚本类文件，发布后会在读者的浏览器中运行，不能作为附件；请转换为 PDF 再附上"
    if _URL_BREAKING.search(name):
        return "的文件名中含有 : ? # % \\ \" < > | * 或控制字符，网址中无法使用；请改名（中文、空格、括号都可以）"
    if _WINDOWS_RESERVED.fullmatch(name) or name.endswith((".", " ")):
        return "是 Windows 不允许的文件名（CON、NUL、COM1 等，或以“.”或空格结尾），网站复制到 Windows 电脑或 U 盘时会出错；请改名"
    if len(name) > MAX_ATTACHMENT_NAME:
        return f"的文件名太长（超过 {MAX_ATTACHMENT_NAME} 个字），网站复制到 Windows 电脑或 U 盘时会出错；请改短些"
    return None


@dataclass(frozen=True)
class _Section:
    heading: str | None  # None for the lead before the first heading
    level: int  # 1 or 2 for a heading, 0 for the lead
    line: int  # 0-based line of the heading within the body
    html: str
    text: str


def body_sections(body: str, photos=None) -> list[_Section]:
    """The lead and the top-level sections of a body, rendered; plain prose skips markdown-it.

    photos: an images.PhotoPass that turns the body's images into figures (plain prose has none)."""
    plain = split_plain(body)
    if plain is None:
        return token_sections(body, photos)
    return [_Section(s.heading, 0 if s.heading is None else 2, s.heading_line, s.html, s.text) for s in plain]


def token_sections(body: str, photos=None) -> list[_Section]:
    tokens = markdown().parse(body)
    if photos is not None:
        tokens = photos.rewrite(tokens)
    sections = []
    for heading, start, end in _sections(tokens):
        part = tokens[start:end]
        if heading is None:
            sections.append(_Section(None, 0, 0, _render(part), _plain_text(part)))
        else:
            name = tokens[start - 2].content.strip()  # the heading's inline token
            sections.append(_Section(name, int(heading.tag[1]), heading.map[0], _render(part), _plain_text(part)))
    return [s for s in sections if s.heading is not None or s.html]


def _parse_body(split: _Split, gazetteer: Gazetteer, fail, photos=None) -> tuple[str, str, list[Report]]:
    sections = body_sections(split.body, photos)
    lead_html, lead_text = "", ""
    reports: list[Report] = []
    seen: dict[str, int] = {}
    for section in sections:
        if section.heading is None:
            lead_html, lead_text = section.html, section.text
            continue
        line = split.body_line + section.line
        if section.level == 1:
            fail(line, "正文中不要用一级标题（“# ”）；本期标题写在开头的 title 中，地区用“## 地区名”")
            continue
        name = section.heading
        region = gazetteer.region(name)
        if region is None:
            hint = gazetteer.suggest_region(name)
            write = f"请写{gazetteer.region_word}的全称，例如{gazetteer.examples('## ')}"
            if gazetteer.is_area_name(name):
                advice = f"；“{name}”是本简报所属的地方本身，不是下属的{gazetteer.region_word}；{write}"
            elif other := gazetteer.elsewhere(name):
                advice = (f"：它是{other}的地区，不在本站的地名表（{gazetteer.area}）中；"
                          f"{f'是不是“{hint}”？' if hint else write}（如果选错了省份或城市，请改 site.yaml 中的 gazetteer）")
            else:
                advice = f"，是不是“{hint}”？" if hint else f"；{write}"
            fail(line, f"不认识的地区“{_shorten(name)}”{advice}")
            continue
        if region.name in seen:
            fail(line, f"“{region.name}”在本期中出现了两次（另一次在第 {seen[region.name]} 行）；请合并到同一个“## {region.name}”下")
            continue
        seen[region.name] = line
        if not section.text.strip():
            fail(line, f"“{region.name}”的报告没有正文")
            continue
        counties = gazetteer.find_counties(region.name, section.text)
        reports.append(Report(region, counties, section.html, line, opening(section.text)))
    if not lead_text.strip() and not any(s.heading is not None for s in sections):
        fail(split.body_line, "正文是空的；请在开头的设置之后写上“## 地区名”和报告正文")
    return lead_html, lead_text, reports


def _sections(tokens: list[Token]) -> list[tuple[Token | None, int, int]]:
    """Cut the token stream at top-level h1/h2 headings: (heading or None for the lead, start, end)."""
    cuts = [i for i, t in enumerate(tokens) if t.type == "heading_open" and t.level == 0 and t.tag in ("h1", "h2")]
    sections: list[tuple[Token | None, int, int]] = []
    if not cuts or cuts[0] > 0:
        sections.append((None, 0, cuts[0] if cuts else len(tokens)))
    for n, cut in enumerate(cuts):
        end = cuts[n + 1] if n + 1 < len(cuts) else len(tokens)
        sections.append((tokens[cut], cut + 3, end))  # skip heading_open, inline, heading_close
    return sections


def _render(tokens: list[Token]) -> str:
    md = markdown()
    return md.renderer.render(tokens, md.options, {}) if tokens else ""


def _plain_text(tokens: list[Token]) -> str:
    blocks = []
    for token in tokens:
        if token.type == "inline" and token.children is not None:
            blocks.append("".join(c.content for c in token.children if c.type in ("text", "code_inline")))
        elif token.type in ("code_block", "fence"):
            blocks.append(token.content)
        elif token.type == "html_block" and token.meta:  # a photo's figure (raw HTML is never parsed)
            blocks.append(token.meta.get("text", ""))
    return "\n".join(b for b in blocks if b)
