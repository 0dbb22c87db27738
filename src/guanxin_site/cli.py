"""Command line: a thin layer that calls the pipeline and reports in Chinese."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from guanxin_site import __version__
from guanxin_site.build import build as run_build
from guanxin_site.errors import ContentErrors, GuanxinError, OutputError

DEFAULT_OUTPUT = "site"


def _echo_errors(exc: ContentErrors) -> None:
    for error in exc.errors:
        click.echo(str(error), err=True)
    count = len(exc.errors)
    click.secho(f"发现 {count} 个问题，没有生成网站（原有的网站保持不变）。请按上面的提示修改后重新运行。", fg="red", err=True)


def _fail(exc: GuanxinError) -> None:
    if isinstance(exc, ContentErrors):
        _echo_errors(exc)
    else:
        click.secho(f"错误：{exc}", fg="red", err=True)
    sys.exit(1)


MAX_WARNINGS_SHOWN = 10


def _echo_warnings(warnings) -> None:
    for warning in warnings[:MAX_WARNINGS_SHOWN]:
        click.secho(f"提醒：{warning}", fg="yellow", err=True)
    if len(warnings) > MAX_WARNINGS_SHOWN:
        click.secho(f"提醒：另有 {len(warnings) - MAX_WARNINGS_SHOWN} 条提醒没有列出；运行 guanxin-site check 查看全部", fg="yellow", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="guanxin-site")
def main() -> None:
    """guanxin-site：《关心下一代工作》简报存档网站生成器。"""


@main.command()
@click.option("--source", "source", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="项目目录（包含 issues/ 和 site.yaml）")
@click.option("--output", "output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="输出目录，默认为项目目录下的 site/")
@click.option("--base-url", default=None, help="网站的完整地址，例如 https://example.org/guanxin/")
@click.option("--drafts", is_flag=True, help="同时发布标记为 draft 的草稿")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="并行进程数，默认按处理器核数")
@click.option("--quiet", "-q", is_flag=True, help="只显示错误")
def build(source: Path, output: Path | None, base_url: str | None, drafts: bool, jobs: int | None, quiet: bool) -> None:
    """生成网站。"""
    output = output if output is not None else source / DEFAULT_OUTPUT
    bar = None

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal bar
        if quiet or total < 500:
            return
        if bar is None:
            bar = click.progressbar(length=total, label="生成页面", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        result = run_build(source, output, drafts=drafts, base_url=base_url, progress=progress, jobs=jobs)
    except GuanxinError as exc:
        _fail(exc)
        return
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if quiet:
        return
    _echo_warnings(result.warnings)
    for draft in result.drafts_waiting:
        click.secho(f"提醒：{draft} 是草稿（draft: true），这次没有发布", fg="yellow", err=True)
    for note in result.left_out:
        click.echo(f"提醒：{note}", err=True)
    status = f"更新了 {result.written} 个文件" if result.changed else "内容没有变化，输出目录保持原样"
    click.echo(f"完成：{result.issues} 期，{result.pages} 个页面，{status}，用时 {result.seconds:.2f} 秒 → {output}")
