"""Strict YAML mappings with a line number for every key.

Used for front matter and site.yaml. Stricter than yaml.safe_load on purpose:
duplicate keys and aliases are errors (an alias can expand into gigabytes, and a
duplicate key silently drops what the editor wrote first), tabs are errors (they
look like spaces but YAML reads them differently), and nesting is shallow (front
matter is flat; deep nesting only ever means a mistake or an attack, and would
exhaust Python's recursion limit in PyYAML's constructor).
"""
from __future__ import annotations

import datetime as dt
import re
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml  # imported where used: most front matter and site.yaml files never need PyYAML

MAX_NODES = 10_000  # front matter is a dozen keys; anything larger is a mistake or an attack
MAX_DEPTH = 8  # mapping -> list -> value is depth 3; leave room, stay far below the recursion limit


@dataclass(frozen=True)
class Setting:
    """One key of a YAML mapping: its value and where the editor wrote it."""

    value: Any
    line: int  # 1-based line of the key in the file


class YamlError(Exception):
    """A YAML problem, with a 1-based file line (None if unknown) and a Chinese message.

    `problems` lists every (line, message) found, this one first: all the input-method slips of a
    file are reported in one run, not one per run."""

    def __init__(self, line: int | None, message: str, more: tuple[tuple[int | None, str], ...] = ()):
        self.line = line
        self.message = message
        self.problems = ((line, message), *more)
        super().__init__(f"{line}: {message}")


# PyYAML problem texts -> what an editor should read.
_PROBLEMS = (
    ("mapping values are not allowed", "这一行有多余的冒号；值中含有“: ”时请用英文双引号把整个值括起来"),
    ("could not find expected ':'", "缺少“键: 值”中的冒号（冒号后要有一个空格）"),
    ("found unexpected end of stream", "引号没有闭合"),
    ("found undefined alias", "不支持 YAML 别名（*name）"),
    ("expected <block end>", "缩进不一致，请检查这一行的空格"),
    ("exceeded maximum nesting depth", "括号嵌套层次过深"),
    ("found unknown escape character", "双引号中的反斜杠“\\”后面是无效的转义；要写反斜杠本身请用单引号括起来"),
    ("expected a single document", "设置中不能再出现“---”分隔线"),
    ("found character that cannot start any token", "这一行以 YAML 不允许的符号开头（如 @ 或 `）；请用英文双引号把整个值括起来"),
)


def _translate(problem: str) -> str:
    for needle, message in _PROBLEMS:
        if needle in problem:
            return message
    return f"YAML 格式错误（{problem}）"


def load_mapping(text: str, first_line: int = 1) -> dict[str, Setting]:
    """Parse text as one YAML mapping of string keys. Raises YamlError.

    `first_line` is the file line the text starts on, so every line number, in
    entries and in messages, is a line of the file the editor has open.
    """
    simple = _simple_mapping(text, first_line)
    return simple if simple is not None else yaml_mapping(text, first_line)


def yaml_mapping(text: str, first_line: int = 1) -> dict[str, Setting]:
    """load_mapping by PyYAML alone (what the fast path must always agree with).

    When YAML cannot read the text, a Chinese keyboard's slips (full-width colon, space or
    quotes) are looked for first: YAML reports them on another line, in its own terms."""
    try:
        return _yaml_mapping(text, first_line)
    except YamlError as exc:
        raise _keyboard_slip(text, first_line, exc.line) or exc from None


# Typed with a Chinese input method on, these look right and mean nothing to YAML.
FULL_WIDTH_COLON = "："
FULL_WIDTH_SPACE = "\u3000"
CHINESE_QUOTES = "“”‘’＂＇「」『』"
_KEY_LINE = re.compile(r"(?P<lead>[ \u3000]*)(?P<key>[A-Za-z_][A-Za-z0-9_-]*)(?P<before>[ \u3000]*)(?P<colon>[:：])"
                       r"(?P<after>[ \u3000]*)(?P<value>.*)")
COLON_ADVICE = "把中文冒号“：”改成英文冒号“:”加一个空格"


def _keyboard_slip(text: str, first_line: int, failed_line: int | None) -> YamlError | None:
    """Every line (of a text YAML refused) with a full-width colon or space where YAML needs ASCII,
    and, on the line YAML stopped at, a value in Chinese quotes: one error listing them all."""
    slips = [slip for number, line in enumerate(text.split("\n"), first_line)
             if (slip := _line_slip(number, line, failed_line)) is not None]
    if not slips:
        return None
    return YamlError(slips[0][0], slips[0][1], tuple(slips[1:]))


def _line_slip(number: int, line: str, failed_line: int | None) -> tuple[int, str] | None:
    match = _KEY_LINE.fullmatch(line)
    if match is None:
        if line.startswith(FULL_WIDTH_SPACE):
            return number, f"这一行开头有全角空格“{FULL_WIDTH_SPACE}”；请删除它，设置从行首写起"
        return None
    key = match.group("key")
    if match.group("colon") == FULL_WIDTH_COLON:
        return number, f"“{key}”后面用了中文冒号；请{COLON_ADVICE}，例如“{key}: ……”"
    if FULL_WIDTH_SPACE in match.group("lead"):
        return number, f"“{key}”前面有全角空格“{FULL_WIDTH_SPACE}”；请删除它，设置从行首写起"
    if FULL_WIDTH_SPACE in match.group("before") + match.group("after"):
        return number, (f"“{key}”的冒号前后有全角空格“{FULL_WIDTH_SPACE}”；请改成英文冒号“:”加一个英文（半角）空格，"
                        f"例如“{key}: ……”")
    if number == failed_line and match.group("value")[:1] in CHINESE_QUOTES:
        return number, f"“{key}”的值用了中文引号；要给值加引号，请用英文双引号 \"……\"（把“”或＂＂改成 \"\"）"
    return None


def _yaml_mapping(text: str, first_line: int) -> dict[str, Setting]:
    import yaml

    offset = first_line - 1
    _reject_tabs(text, offset)
    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if "end of stream" in str(exc.problem) and exc.context_mark:  # an open quote: point at where it opened
            mark = exc.context_mark
        line = mark.line + 1 + offset if mark else None
        raise YamlError(line, _translate(str(exc.problem or exc.context))) from None
    except yaml.reader.ReaderError as exc:  # a control character or an invalid code point
        line = text[: max(exc.position, 0)].count("\n") + 1 + offset
        raise YamlError(line, f"含有不可见的控制字符（U+{exc.character:04X}），请删除它" if isinstance(exc.character, int)
                        else "含有无法识别的字符，请删除它") from None
    except yaml.YAMLError as exc:
        raise YamlError(None, f"YAML 无法读取（{exc}）") from None
    except RecursionError:  # only without libyaml: the pure-Python composer recurses per level
        raise YamlError(first_line, "括号嵌套层次过深") from None
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        kind = "列表" if isinstance(node, yaml.SequenceNode) else "单个值"
        raise YamlError(node.start_mark.line + 1 + offset, f"开头的设置必须是“键: 值”的形式，这里却是一个{kind}")
    _check_shape(node, offset)
    return _mapping_entries(node, offset)


# The front matter the importer and `new` write, and editors copy: one `key: value` per line,
# values that are whole numbers, dates, true/false or text. For exactly that shape the YAML
# result is known, so it is produced directly (YAML took a fifth of a cold build's parsing).
# Text is accepted only when YAML cannot read it as anything else: plain text must start
# with a Chinese character (every YAML number, date, boolean and null starts with ASCII),
# and plain or double-quoted text may hold only characters with no meaning in YAML (no
# `: `, ` #`, quotes, backslashes, tabs or control characters). Anything else goes to
# PyYAML, and a differential test checks both give the same on whatever this accepts.
# For site.yaml it also takes whole-line comments, empty lines, http(s) addresses and
# ASCII words (zh-CN, heilongjiang) other than YAML 1.1's booleans and nulls.
_YAML_WORDS = frozenset("yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF null Null NULL".split())
# Printable, as YAML requires, and no line break YAML knows but Python's split does not (NEL, U+2028, U+2029).
_COMMENT = re.compile(r"#[^\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]*")
_SAFE_TEXT = r"[\u4e00-\u9fff\u3001-\u303f\uff01-\uff5e\u2010-\u2027\u00b7A-Za-z0-9 ()./-]*"
_SIMPLE_LINE = re.compile(
    r"([a-z_]+): (?:(?P<int>0|[1-9][0-9]{0,8})|(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})|(?P<bool>true|false)"
    r"|(?P<plain>[\u4e00-\u9fff\uff01-\uff5e]" + _SAFE_TEXT + r"(?<! ))|\"(?P<quoted>" + _SAFE_TEXT + r")\""
    r"|(?P<url>https?://[A-Za-z0-9._~%/-]*)|(?P<word>[A-Za-z][A-Za-z0-9_-]*))")


def _simple_mapping(text: str, first_line: int) -> dict[str, Setting] | None:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    entries: dict[str, Setting] = {}
    for number, line in enumerate(lines, first_line):
        if line == "":
            continue
        if line.startswith("#"):
            if _COMMENT.fullmatch(line) is None:
                return None
            continue
        match = _SIMPLE_LINE.fullmatch(line)
        if match is None or match.group(1) in entries or match.group("word") in _YAML_WORDS:
            return None  # PyYAML reads it (and reports a duplicate key with both lines)
        entries[match.group(1)] = Setting(_simple_value(match), number)
    return entries


def _simple_value(match: re.Match) -> Any:
    if match.group("int") is not None:
        return int(match.group("int"))
    if match.group("date") is not None:
        try:
            return dt.date.fromisoformat(match.group("date"))
        except ValueError:
            return match.group("date")  # as _construct does: the key's checker reports it
    if match.group("bool") is not None:
        return match.group("bool") == "true"
    return next(match.group(kind) for kind in ("plain", "quoted", "url", "word") if match.group(kind) is not None)


def _reject_tabs(text: str, offset: int) -> None:
    for number, line in enumerate(text.split("\n"), 1 + offset):
        if "\t" in line:
            raise YamlError(number, "设置中不能有 Tab 字符（常见于从别处复制的内容），请改用空格")


def _check_shape(root: yaml.Node, offset: int) -> None:
    """Refuse aliases, deep nesting and huge graphs before anything is constructed.

    An alias makes the composed graph share a node, so seeing a node twice means an
    alias. Breadth first, so an alias is found (and named) before its expansion is deep.
    """
    import yaml

    seen: set[int] = set()
    queue = deque([(root, 1)])
    while queue:
        node, depth = queue.popleft()
        line = node.start_mark.line + 1 + offset
        if id(node) in seen:
            raise YamlError(line, "不支持 YAML 锚点和别名（&name / *name），请直接写出值")
        seen.add(id(node))
        if len(seen) > MAX_NODES:
            raise YamlError(line, "开头的设置过大")
        if depth > MAX_DEPTH:
            raise YamlError(line, "设置的嵌套层次过深")
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                queue.extend(((key, depth + 1), (value, depth + 1)))
        elif isinstance(node, yaml.SequenceNode):
            queue.extend((child, depth + 1) for child in node.value)


def _mapping_entries(node: yaml.MappingNode, offset: int) -> dict[str, Setting]:
    import yaml

    constructor = yaml.constructor.SafeConstructor()
    entries: dict[str, Setting] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1 + offset
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            raise YamlError(line, "键必须是简单的名字")
        key = str(key_node.value)
        if FULL_WIDTH_SPACE in key:  # YAML takes it for part of the key
            raise YamlError(line, f"“{key.strip(FULL_WIDTH_SPACE + ' ')}”前后有全角空格“{FULL_WIDTH_SPACE}”；"
                                  "请删除它，设置从行首写起，键和冒号之间不留空格")
        if key in entries:
            raise YamlError(line, f"键“{key}”重复出现（第一次在第 {entries[key].line} 行）；请删除其中一个")
        entries[key] = Setting(_construct(constructor, key, value_node, offset), line)
    return entries


_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map"))


def _construct(constructor: yaml.constructor.SafeConstructor, key: str, node: yaml.Node, offset: int) -> Any:
    """The Python value of one node.

    A scalar that looks like a date but is not one (2023-13-45) stays text, so the
    checker of that key reports it next to every other problem of the file.
    """
    import yaml

    try:
        return constructor.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, OverflowError, TypeError):
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":timestamp"):
            return str(node.value)
        if node.tag not in _PLAIN_TAGS:
            raise YamlError(node.start_mark.line + 1 + offset, f"“{key}”使用了不支持的 YAML 标签（{node.tag}），请直接写出值") from None
        raise YamlError(node.start_mark.line + 1 + offset, f"“{key}”的值无法读取，请检查写法") from None
