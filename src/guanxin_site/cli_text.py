"""click in Simplified Chinese: the layer below cli.py that makes every word the CLI prints Chinese.

click writes its own words (the usage line, "Options", "Show this message and exit.",
usage errors and its "Did you mean" suggestions) through gettext, and English words of
its own into help (metavars such as TEXT or [OPTIONS]). Here:

- `install()` gives click's modules a gettext that looks each of its messages up in
  `MESSAGES` (click reads `_` and `ngettext` from its module globals at call time). Nothing
  happens on import: `Group.main()` installs it when a command line built with it runs (the
  console script and click's test runner both come through there), before click parses a word;
- `Group` and `Command` are click's with Chinese metavars ([选项], 命令 [参数]..., and
  values named 文字, 整数, 目录, 路径) and a usage line "用法：".

tests/test_cli_text.py runs every command's --help and a set of mistakes and fails
on any English word of click's left in the output (a new click message shows up there).
"""
from __future__ import annotations

import click

USAGE = "用法："

# click's messages (msgid -> Chinese). Placeholders are click's own; the Chinese may drop
# one it does not need (click formats with keyword arguments).
MESSAGES = {
    "Usage:": USAGE,
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示此帮助并退出",
    "Show the version and exit.": "显示版本并退出",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看帮助。",
    "No such option {name!r}.": "没有这个选项“{name}”。",
    "No such command {name!r}.": "没有这个命令“{name}”。",
    "Did you mean {possibility}?": "您是不是想用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（您是不是想用其中一个：{possibilities}？）",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing command.": "缺少命令。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Option {name!r} requires an argument.": "选项“{name}”后面要写一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项“{name}”后面要写 {nargs} 个值。",
    "Option {name!r} does not take a value.": "选项“{name}”后面不能写值。",
    "Got unexpected extra argument ({args})": "多出了参数（{args}）",
    "Got unexpected extra arguments ({args})": "多出了参数（{args}）",
    "Argument {name!r} takes {nargs} values.": "参数“{name}”需要 {nargs} 个值。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只写了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，写了 {len} 个。",
    "{value!r} is not a valid {number_type}.": "“{value}”不是一个有效的数字。",
    "{value} is not in the range {range}.": "{value} 不在允许的范围（{range}）内。",
    "{value!r} is not {choice}.": "“{value}”不是可选的值；只能是 {choice}。",
    "{value!r} is not one of {choices}.": "“{value}”不是可选的值；可选的有 {choices}。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "“{value}”不是是或否；可以写 {states}。",
    "{value!r} is not a valid UUID.": "“{value}”不是有效的 UUID。",
    "{value!r} does not match the format {format}.": "“{value}”不符合格式 {format}。",
    "{value!r} does not match the formats {formats}.": "“{value}”不符合这些格式：{formats}。",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    "{name} {filename!r} is a file.": "“{filename}”是一个文件，这里要写文件夹。",
    "{name} {filename!r} is a directory.": "“{filename}”是一个文件夹，这里要写文件。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”无法读取。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”无法写入。",
    "{name} {filename!r} is not executable.": "{name}“{filename}”无法运行。",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "(dynamic)": "（运行时决定）",
    "env var: {var}": "环境变量：{var}",
    "deprecated": "已停用",
    "Aborted!": "已中止。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
}


def _gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _gettext(singular if n == 1 else plural)


_CLICK_MODULES = ("core", "exceptions", "formatting", "decorators", "parser", "types", "termui", "utils")


def install() -> None:
    """Route click's messages through MESSAGES (idempotent)."""
    import importlib

    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _gettext
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext


# What a value is, by click's type name, where a command does not say.
_METAVARS = {"text": "文字", "integer": "整数", "integer range": "整数", "float": "数字", "float range": "数字",
             "boolean": "是或否", "filename": "文件"}


def _metavar_of(param: click.Parameter) -> str:
    kind = param.type
    if isinstance(kind, click.Path):
        return "目录" if not kind.file_okay else "文件" if not kind.dir_okay else "路径"
    return _METAVARS.get(kind.name, "值")


def name_values_in_chinese(params: list[click.Parameter]) -> None:
    """Give each option and argument that names its value by click's type (TEXT, PATH...)
    a Chinese name instead; choices ([text|json]) and names a command gave stay."""
    for param in params:
        if param.metavar is not None or isinstance(param.type, (click.Choice, click.DateTime)):
            continue
        if isinstance(param, click.Argument):
            name = _metavar_of(param) + ("..." if param.nargs != 1 else "")
            param.metavar = name if param.required else f"[{name}]"
        elif isinstance(param, click.Option) and not param.is_flag:
            param.metavar = _metavar_of(param)


class HelpFormatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, USAGE if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")  # a full-width colon, as in Chinese


class Context(click.Context):
    formatter_class = HelpFormatter


class Command(click.Command):
    context_class = Context

    def __init__(self, *args, options_metavar: str | None = "[选项]", **kwargs):
        super().__init__(*args, options_metavar=options_metavar, **kwargs)
        name_values_in_chinese(self.params)


class Group(click.Group):
    context_class = Context
    command_class = Command

    def main(self, *args, **kwargs):
        install()  # click's own words (usage, errors, suggestions) in Chinese, from the first word parsed
        return super().main(*args, **kwargs)

    def __init__(self, *args, options_metavar: str | None = "[选项]", subcommand_metavar: str | None = "命令 [参数]...",
                 **kwargs):
        super().__init__(*args, options_metavar=options_metavar, subcommand_metavar=subcommand_metavar, **kwargs)
        name_values_in_chinese(self.params)


Group.group_class = Group


def version_option(version: str, prog_name: str):
    """click's --version, its words in Chinese (click words them when the decorator runs, not when it is used)."""
    return click.version_option(version, prog_name=prog_name, message=MESSAGES["%(prog)s, version %(version)s"],
                                help=MESSAGES["Show the version and exit."])
