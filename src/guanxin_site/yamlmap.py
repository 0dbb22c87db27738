"""Strict YAML mappings with a line number for every key.

Used for front matter and site.yaml. Stricter than yaml.safe_load on purpose:
duplicate keys and aliases are errors (an alias can expand into gigabytes, and a
duplicate key silently drops what the editor wrote first).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_NODES = 10_000  # front matter is a dozen keys; anything larger is a mistake or an attack


@dataclass(frozen=True)
class Entry:
    value: Any
    line: int  # 1-based line of the key in the file


class YamlError(Exception):
    """A YAML problem, with a 1-based line (relative to the text given) and a Chinese message."""

    def __init__(self, line: int | None, message: str):
        self.line = line
        self.message = message
        super().__init__(f"{line}: {message}")


# PyYAML problem texts -> what an editor should read.
_PROBLEMS = (
    ("mapping values are not allowed", "这一行有多余的冒号；值中含有“: ”时请用英文双引号把整个值括起来"),
    ("could not find expected ':'", "缺少“键: 值”中的冒号（冒号后要有一个空格）"),
    ("found unexpected end of stream", "引号没有闭合"),
    ("found undefined alias", "不支持 YAML 别名（*name）"),
    ("expected <block end>", "缩进不一致，请检查这一行的空格"),
)


def _translate(problem: str, line_text: str) -> str:
    if "\t" in line_text:
        return "YAML 中不能用 Tab 缩进或分隔，请改用空格"
    for needle, message in _PROBLEMS:
        if needle in problem:
            return message
    return f"YAML 格式错误（{problem}）"


def load_mapping(text: str) -> dict[str, Entry]:
    """Parse text as one YAML mapping of string keys. Raises YamlError."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        line_text = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
        raise YamlError(line, _translate(str(exc.problem or exc.context), line_text)) from None
    except yaml.YAMLError as exc:  # e.g. a reader error on a control character
        raise YamlError(None, f"YAML 无法读取（{exc}）") from None
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        kind = "列表" if isinstance(node, yaml.SequenceNode) else "单个值"
        raise YamlError(node.start_mark.line + 1, f"开头的设置必须是“键: 值”的形式，这里却是一个{kind}")
    _reject_aliases(node)
    return _mapping_entries(node)


def _reject_aliases(root: yaml.Node) -> None:
    """An alias makes the composed graph share a node; seeing one twice means an alias."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise YamlError(node.start_mark.line + 1, "不支持 YAML 锚点和别名（&name / *name），请直接写出值")
        seen.add(id(node))
        if len(seen) > MAX_NODES:
            raise YamlError(node.start_mark.line + 1, "开头的设置过大")
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _mapping_entries(node: yaml.MappingNode) -> dict[str, Entry]:
    constructor = yaml.constructor.SafeConstructor()
    entries: dict[str, Entry] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            raise YamlError(line, "键必须是简单的名字")
        key = str(key_node.value)
        if key in entries:
            raise YamlError(line, f"键“{key}”重复出现（第一次在第 {entries[key].line} 行）")
        try:
            value = constructor.construct_object(value_node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            if value_node.tag.endswith(":timestamp"):
                raise YamlError(value_node.start_mark.line + 1, f"“{key}”不是一个存在的日期（{value_node.value}）") from None
            raise YamlError(value_node.start_mark.line + 1, f"“{key}”的值无法读取（{exc}）") from None
        entries[key] = Entry(value, line)
    return entries
