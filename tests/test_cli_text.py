"""Every word the CLI prints is Chinese: click's own words too (issue 14).

Runs every command's --help and a set of mistakes an editor makes on the command line,
and fails on any English word left: option and command names, file names and our own
terms (OUR_WORDS) are the only ASCII words allowed.
"""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from guanxin_site.cli import main

# ASCII words of our own messages: names of things the editor types or sees on disk.
OUR_WORDS = {
    "guanxin", "site", "yaml", "issues", "templates", "cache", "md", "txt", "docx", "pdf", "word", "utf", "gbk",
    "json", "text", "ci", "draft", "true", "ctrl", "yyyy", "mm", "dd", "https", "example", "org",
    "build", "check", "import", "new", "serve",
    # init: the command, gazetteer settings in pinyin, and the files it writes (.gitignore, .github/workflows/publish.yml)
    "init", "jilin", "heilongjiang", "yichun", "gitignore", "github", "workflows", "publish", "yml", "pages",
    # import and build: what the editor types (py -m pip install ".[ocr]" on Windows, python3 elsewhere,
    # proofread: false, offline: true)
    "py", "python3", "windows", "pip", "install", "ocr", "proofread", "false", "offline",
    # deploy: the services by their names, address parts an editor copies (oss://存储桶名/?region=cn-hangzhou,
    # sftp://用户名@服务器/var/www/site) and the environment variables that hold the keys
    "deploy", "oss", "cos", "obs", "kodo", "sftp", "ftp", "region", "cn", "hangzhou", "var", "www",
    "aws", "access", "key", "id", "secret", "password",
}
OPTION = re.compile(r"(?<![\w-])--?[a-z][a-z-]*")
URL = re.compile(r"https?://\S+")


def english_words(text: str, typed: tuple[str, ...] = ()) -> set[str]:
    """ASCII words that are neither ours nor what the editor typed (echoed back in a message)."""
    for word in sorted(typed, key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", " ", text)
    text = URL.sub(" ", OPTION.sub(" ", text))
    return {w for w in re.findall(r"[A-Za-z]{2,}", text) if w.lower() not in OUR_WORDS}


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="guanxin-site")


def run(*args: str) -> str:
    return invoke(*args).output


def every_help() -> list[tuple[str, ...]]:
    return [("--help",), ("-h",)] + [(name, "--help") for name in sorted(main.commands)]


MISTAKES = [
    ("biuld",),  # a mistyped command: a suggestion
    ("chekc", "--source", "."),
    ("build", "--sorce", "x"),  # a mistyped option: a suggestion
    ("build", "--no-such-thing"),
    ("import",),  # a missing argument
    ("build", "--jobs", "0"),  # a value out of range
    ("build", "--jobs", "many"),  # not a number
    ("build", "--jobs"),  # an option without its value
    ("check", "--format", "xml"),  # not one of the choices
    ("serve", "--port", "abc"),
    ("new", "extra"),  # an argument too many
    ("check", "--source", "setup.py"),  # a file where a folder is wanted
    (),  # no command at all
    ("--version",),
]


@pytest.mark.parametrize("args", every_help(), ids=" ".join)
def test_help_is_chinese(args):
    output = run(*args)
    assert output.startswith("用法：guanxin-site"), output
    assert "选项：" in output and "显示此帮助并退出" in output
    assert english_words(output) == set(), output


@pytest.mark.parametrize("args", MISTAKES, ids=lambda args: " ".join(args) or "nothing")
def test_mistakes_are_explained_in_chinese(args, tmp_path, monkeypatch):
    (tmp_path / "setup.py").write_text("")
    monkeypatch.chdir(tmp_path)
    result = invoke(*args)
    assert english_words(result.output, args) == set(), result.output
    assert re.search(r"[\u4e00-\u9fff]", result.output), result.output


def test_suggestions_for_mistyped_commands_and_options():
    assert "没有这个命令“biuld”。 您是不是想用 'build'？" in run("biuld")
    assert "错误：没有这个选项“--sorce”。 您是不是想用 '--source'？" in run("build", "--sorce", "x")
    assert "错误：缺少参数 '路径...'" in run("import")
    assert "'--jobs' / '-j' 的值无效：0 不在允许的范围" in run("build", "--jobs", "0")
    assert re.fullmatch(r"guanxin-site，版本 \S+\n", run("--version"))


def test_importing_the_cli_changes_nothing_in_click():
    """click is put into Chinese when a command line runs (cli_text.Group.main), never as a side effect
    of importing a module (issue 24): a program that imports guanxin_site keeps click's own words."""
    import subprocess
    import sys

    probe = ("import click.core, guanxin_site.cli; print(click.core._('Missing argument'))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "Missing argument"
