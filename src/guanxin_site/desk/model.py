"""The issue file as the desk's form, and the form back into the file, touching only what changed.

The Markdown file stays the truth. Reading it gives a `Document`: the front matter's lines with the
extent of every key (found by the same strict YAML reader the parser uses), and the body cut into
sections at its `## 地区` headings, each cut into blocks at blank lines (a fenced block runs on to
its closing fence). A block is one of three kinds:

- text: a paragraph of plain prose, shown unescaped (what the importer writes and most editors type);
- photo: one `![说明](文件)` line, shown as the photo with its description;
- raw: anything else (lists, tables, links, notes, emphasis), edited as the Markdown it is.

`apply_form` writes the form back. Everything the form did not change keeps its exact bytes: an
unchanged section is copied as it was (odd blank lines, comments and all), an unchanged block keeps
its lines, an unchanged front-matter key keeps its lines and comments. What changed is written as
`import` writes it (escaped the same way, one blank line between blocks), so an imported issue
edited in the desk is the file `import` would give with those edits made by hand.

It also says which line of the new text belongs to which field, block or report, so that the
parser's located messages can be shown next to what the editor is typing.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from guanxin_site.importer.issuefile import escape_caption, escape_markdown, yaml_scalar
from guanxin_site.yamlmap import Setting, YamlError, load_mapping

TEXT, PHOTO, RAW = "text", "photo", "raw"
FIELDS = ("number", "total", "date", "title", "publisher", "summary", "draft", "distribution")
MANAGED = ("proofread",)  # set by the desk itself (ticks), never typed
KEY_ORDER = ("number", "total", "date", "title", "publisher", "summary", "draft", "attachments", "distribution",
             "proofread")
REQUIRED = ("number", "date", "title")
OTHER = "other"  # the form's raw text of every other front-matter key (attachments, unknown keys)
FRONT = "front"  # the raw front matter, when YAML cannot read it

_HEADING = re.compile(r" {0,3}## +(.*?)(?: +#+)? *")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_PHOTO = re.compile(r"!\[((?:[^\]\\\n]|\\.)*)\]\((<[^>\n]+>|[^()\s]+)(\s+\"[^\"\n]*\")?\)")
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_SETEXT_UNDERLINE = re.compile(r"=+")  # under a paragraph line it makes a heading (escape_markdown keeps a lone "===")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９－．／", "0123456789-./")
_ISO_DATE = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?")


class NotEditable(Exception):
    """The file cannot be shown as a form (not UTF-8 text); the message says why, in Chinese."""


@dataclass
class Block:
    kind: str
    lines: list[str]  # the source lines, verbatim
    text: str  # what the form shows: prose unescaped, a photo's description, or the raw Markdown
    src: str = ""  # a photo's file as written
    start: int = 0  # its first line's index in its section's lines


@dataclass
class Section:
    heading: str | None  # the heading line as written; None for the lead
    region: str | None  # the region's name as written
    blocks: list[Block]
    lines: list[str]  # the whole section, verbatim


@dataclass
class Document:
    bom: bool
    newline: str  # "\n" or "\r\n", as the file has it
    has_front: bool
    opening: str
    front: list[str]  # the lines between the --- lines
    closing: str
    sections: list[Section]  # the lead first
    entries: dict[str, Setting] | None  # None when YAML cannot read the front matter
    front_problem: str | None = None
    extents: list[tuple[str, int, int, int]] = field(default_factory=list)  # key, start, value end, end (indices)

    @property
    def body_start(self) -> int:
        """0-based line of the body in the file."""
        return len(self.front) + 2 if self.has_front else 0


# -- reading ---------------------------------------------------------------------------

def read_document(data: bytes) -> Document:
    """The Document of a file's bytes. Raises NotEditable for what is not UTF-8 text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:8192]:
        raise NotEditable("这个文件不是 UTF-8 编码的文本（可能是 UTF-16，或者不是简报文件），编辑台无法打开；"
                          "请用记事本另存为 UTF-8 编码")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotEditable("这个文件不是 UTF-8 编码（可能是 GBK），编辑台无法打开；请用记事本另存为 UTF-8 编码") from None
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    document = Document(data.startswith(b"\xef\xbb\xbf"), newline, False, "---", [], "---", [], None)
    close = _front_end(lines)
    if close is None:
        document.sections = split_body(lines)
        document.front_problem = "文件必须以一行“---”开头，接着写 number、date、title 等设置，再以一行“---”结束"
        return document
    document.has_front = True
    document.opening, document.front, document.closing = lines[0], lines[1:close], lines[close]
    document.sections = split_body(lines[close + 1:])
    try:
        document.entries = load_mapping("\n".join(document.front), first_line=2)
    except YamlError as exc:
        document.front_problem = exc.message
        return document
    document.extents = _extents(document.front, document.entries)
    return document


def _front_end(lines: list[str]) -> int | None:
    """Index of the line closing the front matter (as parser.split_front_matter finds it)."""
    if lines[0].strip() != "---":
        return None
    return next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)


def _extents(front: list[str], entries: dict[str, Setting]) -> list[tuple[str, int, int, int]]:
    """(key, first line, last line of its value + 1, end) of each key, as indices into front. The
    comments and blank lines after a value stay with it when it is rewritten."""
    starts = sorted((setting.line - 2, key) for key, setting in entries.items())
    extents = []
    for n, (start, key) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(front)
        value_end = end
        while value_end > start + 1 and (not front[value_end - 1].strip() or front[value_end - 1].startswith("#")):
            value_end -= 1
        extents.append((key, start, value_end, end))
    return extents


def split_body(lines: list[str]) -> list[Section]:
    """The lead and one section per `## ` heading; each cut into blocks."""
    sections = [Section(None, None, [], [])]
    fence = None
    for line in lines:
        heading = _HEADING.fullmatch(line) if fence is None else None
        if heading is not None and heading.group(1):
            sections.append(Section(line, heading.group(1), [], []))
        sections[-1].lines.append(line)
        fence = _next_fence(fence, line)
    for section in sections:
        first = 0 if section.heading is None else 1
        section.blocks = _blocks(section.lines[first:])
        for block in section.blocks:
            block.start += first
    return sections


def _next_fence(fence: str | None, line: str) -> str | None:
    match = _FENCE.match(line)
    if fence is None:
        return match.group(1) if match else None
    if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) and not line.strip(" `~"):
        return None
    return fence


def _blocks(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    current: list[str] = []
    fence = None
    for number, line in enumerate(lines):
        if not line.strip() and fence is None:
            if current:
                blocks.append(_placed(classify(current), number - len(current)))
                current = []
            continue
        current.append(line)
        fence = _next_fence(fence, line)
    if current:
        blocks.append(_placed(classify(current), len(lines) - len(current)))
    return blocks


def _placed(block: Block, start: int) -> Block:
    block.start = start
    return block


def classify(lines: list[str]) -> Block:
    """A block's kind, and what the form shows of it."""
    if len(lines) == 1:
        photo = _PHOTO.fullmatch(lines[0])
        if photo is not None:
            alt = unescape(photo.group(1))
            if escape_caption(alt) == photo.group(1):
                return Block(PHOTO, lines, alt, photo.group(2))
    if (all(line == line.strip() and escape_markdown(unescape(line)) == line for line in lines)
            and not any(_SETEXT_UNDERLINE.fullmatch(line) for line in lines[1:])):
        return Block(TEXT, lines, glue(unescape(line) for line in lines))
    return Block(RAW, lines, "\n".join(lines))


def unescape(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text)


def glue(pieces) -> str:
    """Lines of one paragraph as one line: nothing between Chinese characters, a space between words."""
    out = ""
    for piece in pieces:
        if out and piece and out[-1].isascii() and piece[0].isascii():
            out += " "
        out += piece
    return out


def field_value(value) -> str | bool | None:
    """A front-matter value as the form shows it; None when the form cannot show it (kept as raw text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    return None


def form_fields(document: Document) -> tuple[dict, str]:
    """(the form's fields, the raw text of the other keys) of a readable front matter."""
    fields: dict = {}
    for key in FIELDS:
        if key in document.entries:
            value = field_value(document.entries[key].value)
            if value is not None and isinstance(value, bool) == (key == "draft") \
                    and ("\n" not in str(value) or key == "distribution"):
                fields[key] = value
    other = [document.front[start:end] for key, start, _, end in document.extents if _is_other(key, fields)]
    return fields, "\n".join(line for lines in other for line in lines).rstrip("\n")


def _is_other(key: str, fields: dict) -> bool:
    return key not in fields and key not in MANAGED


def proofread_pending(document: Document) -> bool:
    """The file says proofread: false (read by OCR, not yet proofread)."""
    return document.entries is not None and "proofread" in document.entries \
        and document.entries["proofread"].value is False


# -- the page's form ----------------------------------------------------------------------

def to_form(document: Document) -> dict:
    """What the page edits: fields, the other settings, the lead and the reports with their blocks."""
    form: dict = {"proofread_pending": proofread_pending(document)}
    if document.entries is None:
        form["front_raw"] = "\n".join(document.front)
        form["front_problem"] = document.front_problem
    else:
        form["fields"], form[OTHER] = form_fields(document)
    form["lead"] = [_block_form(0, k, b) for k, b in enumerate(document.sections[0].blocks)]
    form["reports"] = [{"orig": s, "region": section.region,
                        "blocks": [_block_form(s, k, b) for k, b in enumerate(section.blocks)]}
                       for s, section in enumerate(document.sections) if section.heading is not None]
    return form


def _block_form(section: int, index: int, block: Block) -> dict:
    form = {"id": f"o{section}-{index}", "orig": [section, index], "kind": block.kind, "text": block.text}
    if block.kind == PHOTO:
        form["src"] = block.src
    return form


# -- writing -----------------------------------------------------------------------------

class FormError(Exception):
    """The page sent a form this module cannot read (a bug or a forged request, not an editor's slip)."""


@dataclass
class Written:
    text: str  # the new file's text
    targets: list[dict | None]  # per line of text (0-based): what it belongs to
    proofread_cleared: bool = False


def apply_form(document: Document, form: dict, *, photo_src=lambda token: None, all_checked: bool = False) -> Written:
    """The new file for an edited form. photo_src(token) gives the file (relative to the issue file) of a
    photo the page added, by the token the server gave it, or None. all_checked: every part is ticked."""
    out = _Out()
    clear_proofread = all_checked and proofread_pending(document)
    if document.has_front or _text(form.get("front_raw")).strip() or form.get("fields"):
        out.add([document.opening], None)
        _write_front(document, form, out, clear_proofread)
        out.add([document.closing], None)
    _write_body(document, form, out, photo_src)
    text = document.newline.join(out.lines)
    if document.bom:
        text = "\ufeff" + text
    return Written(text, out.targets, clear_proofread)


class _Out:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.targets: list[dict | None] = []

    def add(self, lines: list[str], target: dict | None) -> None:
        self.lines += lines
        self.targets += [target] * len(lines)


def _text(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FormError(f"expected text, got {type(value).__name__}")
    return value


def _write_front(document: Document, form: dict, out: _Out, clear_proofread: bool) -> None:
    if document.entries is None or "fields" not in form:
        raw = _text(form.get("front_raw", "\n".join(document.front)))
        out.add(raw.replace("\r", "").split("\n") if raw else [], {"field": FRONT})
        return
    fields = form["fields"]
    if not isinstance(fields, dict):
        raise FormError("fields must be an object")
    original, original_other = form_fields(document)
    new_other = _text(form.get(OTHER, original_other)).replace("\r", "")
    front = document.front
    first_key = document.extents[0][1] if document.extents else len(front)
    out.add(front[:first_key], {"field": FRONT})  # comments before the first key
    other_written = new_other == original_other
    pending = [key for key in FIELDS if key not in document.entries and _wanted(key, fields)]
    for key, start, value_end, end in document.extents:
        if _is_other(key, original) and not (key in FIELDS and key in fields):
            if not other_written:
                out.add(_other_lines(new_other), {"field": OTHER})
                other_written = True
            elif new_other == original_other:
                out.add(front[start:end], {"field": OTHER})
        elif key == "proofread":
            if not clear_proofread:
                out.add(front[start:end], {"field": "proofread"})
        elif key in original and key in fields and _same(key, original[key], fields[key]):
            out.add(front[start:end], {"field": key})
        else:
            out.add(_field_lines(key, fields.get(key)), {"field": key})
            out.add(front[value_end:end], {"field": key})
        for new in [k for k in pending if _comes_after(k, key, document)]:
            out.add(_field_lines(new, fields[new]), {"field": new})
            pending.remove(new)
    for new in pending:
        out.add(_field_lines(new, fields[new]), {"field": new})
    if not other_written:
        out.add(_other_lines(new_other), {"field": OTHER})


def _other_lines(text: str) -> list[str]:
    return text.rstrip("\n").split("\n") if text.strip() else []


def _wanted(key: str, fields: dict) -> bool:
    value = fields.get(key)
    return bool(value) if key == "draft" else isinstance(value, str) and (bool(value.strip()) or key in REQUIRED)


def _same(key: str, before, after) -> bool:
    if key == "draft":
        return bool(before) == bool(after)
    return isinstance(after, str) and _normal(key, after) == _normal(key, before)


def _normal(key: str, value) -> str:
    text = str(value).replace("\r", "")
    if key == "distribution":
        return "\n".join(line.strip() for line in text.split("\n") if line.strip())
    return text.strip()


def _comes_after(new: str, existing: str, document: Document) -> bool:
    """Whether a new key goes right after an existing one: the last key before it in KEY_ORDER present."""
    order = {key: n for n, key in enumerate(KEY_ORDER)}
    if new not in order:
        return False
    before = [key for key, *_ in document.extents if order.get(key, len(order)) < order[new]]
    return bool(before) and before[-1] == existing


def _field_lines(key: str, value) -> list[str]:
    """A field as import writes it; nothing for an emptied optional field."""
    if key == "draft":
        return ["draft: true"] if value else []
    text = _text(value).replace("\r", "")
    if key == "distribution":
        items = [line.strip() for line in text.split("\n") if line.strip()]
        return ["distribution:"] + [f"  - {yaml_scalar(item)}" for item in items] if items else []
    text = " ".join(text.split())
    if key in ("number", "total", "date"):
        text = text.translate(_FULL_WIDTH_DIGITS)
    if not text and key not in REQUIRED:
        return []
    if key in ("number", "total") and text.isascii() and text.isdigit():
        return [f"{key}: {int(text)}"]
    if key == "date":
        text = normal_date(text)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return [f"date: {text}"]
    return [f"{key}: {yaml_scalar(text)}"]


def normal_date(text: str) -> str:
    """2023-11-5, 2023.11.5, 2023/11/05 and 2023年11月5日 as 2023-11-05; anything else unchanged."""
    match = _ISO_DATE.fullmatch(text.strip())
    if match is None:
        return text
    year, month, day = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _write_body(document: Document, form: dict, out: _Out, photo_src) -> None:
    lead = form.get("lead", [])
    reports = form.get("reports", [])
    if not isinstance(lead, list) or not isinstance(reports, list):
        raise FormError("lead and reports must be lists")
    original = document.sections
    blocks = _blocks_of(document, lead, photo_src)
    if _unchanged(original[0], blocks):
        _add_section(out, original[0], blocks, {"report": "lead"})
    else:
        out.add([""], {"report": "lead"})
        _add_blocks(out, blocks)
    for number, report in enumerate(reports):
        if not isinstance(report, dict):
            raise FormError("a report must be an object")
        blocks = _blocks_of(document, report.get("blocks", []), photo_src)
        region = " ".join(_text(report.get("region")).split())
        source = _original_section(document, report.get("orig"))
        if source is not None and region == source.region and _unchanged(source, blocks):
            _add_section(out, source, blocks, {"report": number})
            continue
        heading = source.heading if source is not None and region == source.region else f"## {region}"
        out.add([heading, ""], {"report": number})
        _add_blocks(out, blocks)
        if not blocks:
            out.targets[-1] = {"report": number}


def _add_section(out: _Out, section: Section, blocks: list, target: dict) -> None:
    """An unchanged section, its bytes as they were; each block's lines still belong to the block."""
    targets = [target] * len(section.lines)
    for block, (lines, block_target, _) in zip(section.blocks, blocks):
        targets[block.start:block.start + len(lines)] = [block_target] * len(lines)
    out.lines += section.lines
    out.targets += targets


def _blocks_of(document: Document, blocks, photo_src) -> list[tuple[list[str], dict, tuple | None]]:
    if not isinstance(blocks, list):
        raise FormError("blocks must be a list")
    written = (_block_lines(document, block, photo_src) for block in blocks)
    return [block for block in written if any(line.strip() for line in block[0])]  # an emptied paragraph goes


def _add_blocks(out: _Out, blocks: list[tuple[list[str], dict, tuple | None]]) -> None:
    for lines, target, _ in blocks:
        out.add(lines, target)
        out.add([""], target)


def _original_section(document: Document, orig) -> Section | None:
    if isinstance(orig, int) and not isinstance(orig, bool) and 0 < orig < len(document.sections):
        return document.sections[orig]
    return None


def _unchanged(section: Section, blocks: list[tuple[list[str], dict, tuple | None]]) -> bool:
    """The section's blocks are its original blocks, all unchanged, in their order."""
    wanted = [(id(section), k) for k in range(len(section.blocks))]
    return [origin for *_, origin in blocks] == wanted


def _block_lines(document: Document, block: dict, photo_src) -> tuple[list[str], dict, tuple | None]:
    """(lines, target, origin) of one block of the form; origin (section id, index) when it is an
    original block left exactly as it was."""
    if not isinstance(block, dict):
        raise FormError("a block must be an object")
    kind = block.get("kind")
    text = _text(block.get("text")).replace("\r", "")
    target = {"block": str(block.get("id", ""))}
    original = _original_block(document, block.get("orig"))
    if original is not None:
        section, index, source = original
        if source.kind == kind and source.text == text:
            return source.lines, target, (id(section), index)
    if kind == TEXT:
        return [escape_markdown(glue(line.strip() for line in text.split("\n") if line.strip()))], target, None
    if kind == PHOTO:
        src = original[2].src if original is not None and original[2].kind == PHOTO else photo_src(block.get("photo"))
        if src is None:
            raise FormError("a photo without its file")
        return [f"![{escape_caption(' '.join(text.split()))}]({src})"], target, None
    if kind == RAW:
        lines = text.rstrip("\n").split("\n")
        while lines and not lines[0].strip():
            lines.pop(0)
        return lines, target, None
    raise FormError(f"unknown block kind {kind!r}")


def _original_block(document: Document, orig) -> tuple[Section, int, Block] | None:
    if not (isinstance(orig, list) and len(orig) == 2 and all(type(n) is int for n in orig)):
        return None
    s, k = orig
    if 0 <= s < len(document.sections) and 0 <= k < len(document.sections[s].blocks):
        return document.sections[s], k, document.sections[s].blocks[k]
    return None
