"""Command line: a thin layer that calls the pipeline and reports in Chinese."""
from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from guanxin_site import __version__, cli_text
from guanxin_site.errors import ContentErrors, GuanxinError
from guanxin_site.clock import bulletin_today
from guanxin_site.serve_messages import NO_ISSUES_YET, Line, warning_lines

# Each command imports what only it needs when it runs, so `build` (run on every
# publish and every preview) does not pay for the importer, the checker or the server,
# nor `deploy` for the build (jinja2, markdown-it: a third of a second of CPU before its first request).
if TYPE_CHECKING:
    from guanxin_site.checker import CheckReport

DEFAULT_OUTPUT = "site"


def _echo_errors(exc: ContentErrors) -> None:
    for error in exc.errors:
        click.echo(str(error), err=True)
    count = len(exc.errors)
    click.secho(f"发现 {count} 个问题，没有生成网站（原有的网站保持不变）。请按上面的提示修改后重新运行。", fg="red", err=True)


def _require_project(source: Path) -> None:
    """A mistyped --source (or a command run inside issues/) must not quietly make an empty site or new folders."""
    from guanxin_site.reader import not_a_project

    why = not_a_project(source)
    if why is not None:
        click.secho(f"错误：{why}", fg="red", err=True)
        sys.exit(1)


def _fail(exc: GuanxinError) -> None:
    if isinstance(exc, ContentErrors):
        _echo_errors(exc)
    else:
        click.secho(f"错误：{exc}", fg="red", err=True)
    sys.exit(1)


def _echo_lines(lines: list[Line]) -> None:
    for line in lines:
        click.secho(line.text, fg=line.colour, err=line.err)


def entry() -> None:
    """The console script: run the command, then leave without the interpreter's teardown.

    Freeing every object of a large build one by one and unloading every module takes
    tens of milliseconds that nobody waits for; everything is written and closed by
    then (files through `with` blocks and atomic renames), so flush the streams and go.
    Tests call `main` through click's runner, which never gets here."""
    code = None
    try:
        main()
    except SystemExit as exc:  # click ends every command this way
        code = exc.code
    if not isinstance(code, int):  # as Python exits: None is 0, anything else is printed and 1
        if code is not None and sys.stderr is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None under pythonw, or with the stream closed
                stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said there
            pass
    os._exit(code)


@click.group(cls=cli_text.Group, context_settings={"help_option_names": ["-h", "--help"]})
@cli_text.version_option(__version__, prog_name="guanxin-site")
def main() -> None:
    """guanxin-site：《关心下一代工作》简报存档网站生成器。"""


@main.command()
@click.option("--source", "source", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="项目目录（包含 issues/ 和 site.yaml）")
@click.option("--output", "output", type=click.Path(path_type=Path), default=None,
              help="输出目录，默认为项目目录下的 site/")
@click.option("--base-url", default=None, help="网站的完整地址，例如 https://example.org/guanxin/")
@click.option("--drafts", is_flag=True, help="同时发布标记为 draft 的草稿")
@click.option("--no-search", is_flag=True, help="不生成搜索索引（生成更快；搜索页会提示索引不可用）")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="并行进程数，默认按处理器核数")
@click.option("--offline", is_flag=True, help="生成可以直接从磁盘（U 盘）双击打开的离线版（也可在 site.yaml 中写 offline: true）")
@click.option("--quiet", "-q", is_flag=True, help="只显示错误")
def build(source: Path, output: Path | None, base_url: str | None, drafts: bool, no_search: bool, jobs: int | None,
          offline: bool, quiet: bool) -> None:
    """生成网站。"""
    from guanxin_site.build import build as run_build

    _require_project(source)
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
        result = run_build(source, output, drafts=drafts, base_url=base_url, progress=progress, jobs=jobs,
                           search=not no_search, offline=offline)
    except GuanxinError as exc:
        _fail(exc)
        return
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if quiet:
        return
    _echo_lines(warning_lines(result.warnings))
    for draft in result.drafts_waiting:
        click.secho(f"提醒：{draft} 是草稿（draft: true），这次没有发布", fg="yellow", err=True)
    for note in result.left_out:
        click.echo(f"提醒：{note}", err=True)
    if result.photos_made:
        click.echo(f"照片：处理了 {result.photos_made} 张新的或改动过的照片（缩小、去掉拍摄地点等信息）；"
                   "没有改动的照片不会再处理", err=True)
    status = f"更新了 {result.written} 个文件" if result.changed else "内容没有变化，输出目录保持原样"
    click.echo(f"完成：{result.issues} 期，{result.pages} 个页面，{status}，用时 {result.seconds:.2f} 秒 → {output}")
    if result.issues == 0 and not result.drafts_waiting:
        click.secho(f"提醒：{NO_ISSUES_YET}", fg="yellow", err=True)


SOURCE_HELP = "项目目录（包含 issues/ 和 site.yaml），默认为当前目录"


def _source_option(func):
    return click.option("--source", "source", type=click.Path(file_okay=False, path_type=Path), default=".",
                        help=SOURCE_HELP)(func)


def _parse_date(text: str | None, option: str) -> dt.date | None:
    """A YYYY-MM-DD option value; exits with a message in Chinese when it is not a date."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        click.secho(f"错误：{option} 后面要写“年-月-日”格式的日期，例如 {option} 2023-11-24（现在是“{text}”）", fg="red", err=True)
        sys.exit(2)


# -- init --------------------------------------------------------------------------



@main.command(epilog="\b\n例如：\n  guanxin-site init 简报网站                      （黑龙江省，默认）\n"
                     "  guanxin-site init 简报网站 --province 吉林省\n"
                     "  guanxin-site init 简报网站 --province jilin       （拼音或代码 220000 也可以）\n"
                     "  guanxin-site init 简报网站 --city 伊春市           （地级市自己的简报）")
@click.argument("directory", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--province", metavar="省份", default=None,
              help="本简报所属的省、自治区或直辖市：全称、简称、拼音或行政区划代码，例如 吉林省、jilin、220000（默认 黑龙江省）")
@click.option("--city", metavar="城市", default=None,
              help="地级市（自治州、盟、地区）自己的简报：名称、拼音或代码，例如 伊春市、heilongjiang-yichun、230700；"
                   "各地区就是它下辖的县（市、区）")
def init(directory: Path, province: str | None, city: str | None) -> None:
    """新建简报网站项目（默认在当前文件夹）。

    写入 site.yaml（每项设置都有中文说明，地名表、编印单位、网站名称和简介按所选省份或城市填好）、
    空的 issues/ 文件夹、.gitignore（不提交生成的网站和缓存）、发布网站的流程 .github/workflows/publish.yml
    和它所用的安装包（.guanxin-site/ 中，与这次运行的 guanxin-site 版本相同）。只在空文件夹或已有的项目中运行；已有的文件不会被覆盖。
    """
    from guanxin_site.project_init import init_project

    try:
        result = init_project(directory, province=province, city=city)
    except GuanxinError as exc:
        _fail(exc)
        return
    shown = click.format_filename(directory)
    for rel in result.written:
        click.echo(f"已创建：{rel}")
    for rel in result.kept:
        click.echo(f"已存在，保持不变：{rel}")
    area = result.gazetteer
    what = "（补上了缺少的文件）" if result.existing_project else ""
    click.echo(f"项目已就绪{what}：{shown}，{area.area}的简报（gazetteer: {result.setting}，"
               f"{len(area.regions)} 个{area.region_word}）。")
    go = f"cd {shown}，然后 " if directory != Path(".") else ""
    click.echo(f"下一步：{go}guanxin-site import 收到的简报.docx 导入一期（也可以一次导入多个文件），"
               "再运行 guanxin-site build 生成网站（guanxin-site serve 可以在浏览器中预览）。")


# -- import ------------------------------------------------------------------------

@main.command("import", epilog="\b\n例如：\n  guanxin-site import 第53期.pdf\n  guanxin-site import 历年简报/      （导入文件夹中的全部简报）\n  guanxin-site import 第53期.docx 第54期.txt\n  guanxin-site import 简报.pdf -o -      （只显示在屏幕上，不保存）")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--output", "-o", "output", default=None, metavar="文件",
              help="保存到这个文件；写“-”则只显示在屏幕上。默认保存为 issues/<年>/<期号>.md")
@click.option("--force", is_flag=True, help="文件已经存在时覆盖它")
@click.option("--no-original", is_flag=True, help="不保存 PDF 原件（默认把原件保存在本期文件旁边，网页上提供下载）")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="并行进程数，默认按处理器核数")
@_source_option
def import_bulletin(files: tuple[Path, ...], output: str | None, force: bool, no_original: bool, jobs: int | None,
                    source: Path) -> None:
    """导入收到的简报：PDF、Word 文件（.docx）、从 PDF 复制出的文字（.txt，UTF-8、GBK 或 UTF-16），也可以是整个文件夹。

    自动识别期号、总期号、日期、标题和编印单位，接好被分页断开的段落，去掉页码和页眉页脚，按地区分成各篇报道，
    末尾的“报：送：发：”另外保存，保存为本期的简报文件 issues/<年>/<期号>.md；PDF 原件保存在它旁边，网页上可以下载。

    扫描的 PDF 需要先安装文字识别功能（见使用说明中的“扫描的 PDF”），识别出的文字标记为待校对，check 会一直提醒到校对完。

    最后列出每个文件的结果：已导入、已存在（跳过，可以放心重新运行）、需要处理（写明文件、页码或行号和原因）。
    已经存在的文件不会被覆盖（除非加上 --force）。
    """
    from guanxin_site.loader import load_site_config
    from guanxin_site.importer.batch import import_paths

    if output not in (None, "-") and (len(files) > 1 or files[0].is_dir()):
        click.secho("错误：一次导入多个文件时不能用 -o 指定一个文件名；去掉 -o，每期会按期号分别保存", fg="red", err=True)
        sys.exit(2)
    if output is None:  # -o names where the file goes: no project needed
        _require_project(source)
    try:
        _, gazetteer = load_site_config(source.resolve(), None)
    except GuanxinError as exc:
        _fail(exc)
        return
    with _ImportProgress() as progress:
        outcomes = import_paths(list(files), source, gazetteer, force=force, keep_original=not no_original,
                                output=output, jobs=jobs, progress=progress, on_ocr=_echo_ocr_page)
    _echo_import(outcomes, output)


def _echo_ocr_page(file: Path, page: int, pages: int) -> None:
    click.echo(f"正在识别扫描件（OCR，每页需要几秒钟）：{click.format_filename(file)} 第{page}页（共{pages}页）", err=True)


class _ImportProgress:
    """A progress bar on stderr for imports of many files (it moves as files are read)."""

    SHOWN_FROM = 10  # files

    def __init__(self):
        self.bar = None

    def __enter__(self):
        return self

    def __call__(self, done: int, total: int, file: Path) -> None:
        if total < self.SHOWN_FROM:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="正在导入简报", file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _echo_import(outcomes, output: str | None) -> None:
    from guanxin_site.importer.batch import ATTENTION, IMPORTED, place

    table = output != "-" and len(outcomes) > 1
    for outcome in outcomes:
        shown = click.format_filename(outcome.file)
        for note in outcome.notes if outcome.status == IMPORTED else ():  # a skipped file's notes are about nothing written
            click.secho(f"{shown}:{place(note.line, note.page)}: {note.message}", fg="yellow", err=True)
        if outcome.status == IMPORTED and output == "-":
            click.echo(outcome.markdown, nl=False)
        elif outcome.status == IMPORTED:
            click.echo(f"已导入：{shown} → {outcome.target}（{outcome.label}，{outcome.reports} 篇地区报道）")
            if outcome.backup:
                click.secho(f"提醒：替换前的 {outcome.target} 已保存为 {outcome.backup}；需要找回手工改过的内容时打开它",
                            fg="yellow", err=True)
            if outcome.notes:
                click.secho(f"提醒：上面 {len(outcome.notes)} 处请对照原件核对，需要时直接修改 {outcome.target}", fg="yellow", err=True)
        elif outcome.status == ATTENTION or not table:  # what was skipped is listed in the table
            where = f"{shown}:{outcome.place}" if outcome.place else shown
            colour = "red" if outcome.status == ATTENTION else "yellow"
            click.secho(f"{where}: {outcome.message}", fg=colour, err=True)
    if output == "-":
        failed = sum(1 for o in outcomes if o.status == ATTENTION)
    else:
        failed = _echo_import_table(outcomes)
    if failed:
        click.secho(f"有 {failed} 个文件没有导入（见上面的提示）。请按提示处理后，再导入这些文件。", fg="red", err=True)
        sys.exit(1)
    if output != "-" and any(o.status == IMPORTED for o in outcomes):
        click.echo("下一步：运行 guanxin-site check 检查，再运行 guanxin-site serve 在浏览器中预览。")


def _echo_import_table(outcomes) -> int:
    """The final table: one row per file (when there are several). Returns how many files need attention."""
    from guanxin_site.importer.batch import ATTENTION, IMPORTED, PRESENT

    names = {IMPORTED: "已导入", PRESENT: "已存在，跳过", ATTENTION: "需要处理"}
    counts = {status: sum(1 for o in outcomes if o.status == status) for status in names}
    if len(outcomes) > 1:
        click.echo("\n导入结果：")
        for outcome in outcomes:
            shown = click.format_filename(outcome.file)
            if outcome.status == IMPORTED:
                detail = f"→ {outcome.target}（{outcome.label}）"
            else:
                detail = (f"{'第' + outcome.place + '行' if outcome.place.isdigit() else outcome.place}：" if outcome.place else "") + outcome.message
            click.echo(f"  {names[outcome.status]:　<7}{shown}  {detail}")
    click.echo(f"共 {len(outcomes)} 个文件：已导入 {counts[IMPORTED]} 个，已存在 {counts[PRESENT]} 个，需要处理 {counts[ATTENTION]} 个。")
    return counts[ATTENTION]


# -- new ---------------------------------------------------------------------------

@main.command(epilog="\b\n例如：\n  guanxin-site new\n  guanxin-site new --date 2023-11-24")
@click.option("--date", "date_text", default=None, metavar="YYYY-MM-DD", help="本期出版日期，默认今天")
@_source_option
def new(date_text: str | None, source: Path) -> None:
    """新建下一期简报文件（草稿），期号、总期号和日期按存档自动填好。

    新文件带有“draft: true”（草稿）标记：写完之前 build 和 check 都不会发布它，只提醒有草稿在等待。
    """
    from guanxin_site.loader import load_site_config
    from guanxin_site.scaffold import create_issue

    date = _parse_date(date_text, "--date") or bulletin_today()
    _require_project(source)
    try:
        examples = load_site_config(source.resolve(), None)[1].examples("## ")
    except GuanxinError:  # a broken site.yaml is for check and build to report: the file gets no examples
        examples = ""
    try:
        created = create_issue(source, date, examples)
    except GuanxinError as exc:
        _fail(exc)
        return
    except OSError as exc:
        click.secho(f"错误：无法创建新文件（{exc.strerror or exc}：{exc.filename}）", fg="red", err=True)
        sys.exit(1)
    for skipped in created.skipped:
        click.secho(f"提醒：{skipped}", fg="yellow", err=True)
    click.echo(f"已创建：{created.rel}（{created.label}，日期 {created.date.isoformat()}）")
    if created.total is None:
        click.echo("总期号没有填：存档中没有可以推算的总期号；知道时请在文件中写上 total。")
    click.echo(f"下一步：打开 {created.rel}，在 title 后面写上标题，在下面按“## 地区名”写各地报道；"
               "写完后删除“draft: true”这一行，再运行 guanxin-site check 检查、guanxin-site serve 预览。")


# -- check -------------------------------------------------------------------------

@main.command(epilog="\b\n例如：\n  guanxin-site check\n  guanxin-site check --format json\n  guanxin-site check --site site      （运行 guanxin-site build 之后）")
@_source_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text 给人看，json 给自动检查（CI）用")
@click.option("--site", "site", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="同时检查这个已生成的网站中每个内部链接和锚点，例如 --site site")
@click.option("--today", "today_text", default=None, metavar="YYYY-MM-DD", help="把这一天当作今天，默认今天")
def check(source: Path, output_format: str, site: Path | None, today_text: str | None) -> None:
    """检查全部简报：build 的所有检查，再加上整个存档的检查。

    整个存档的检查包括：每年的期号有没有缺期或重复，总期号是否连贯，日期有没有倒退或晚于今天，附件是否存在。

    没有问题时退出码为 0，有问题时为 1。
    """
    from guanxin_site.checker import check_project

    report = check_project(source, today=_parse_date(today_text, "--today"), site=site)
    if output_format == "json":
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        _echo_check_report(report)
    sys.exit(0 if report.ok else 1)


BLOCKING_MARK = "（生成网站前必须改正）"


def _echo_check_report(report: CheckReport) -> None:
    from guanxin_site.checker import ARCHIVE, FILE

    for problem in report.problems:  # which stop a build: marked on their own lines, not only counted below
        blocks = problem.kind in (FILE, ARCHIVE)
        click.secho(f"{problem}{BLOCKING_MARK if blocks else ''}", fg="red" if blocks else None)
    for draft in report.drafts:
        click.secho(f"草稿：{draft.path}（draft: true）还没有发布。", fg="yellow")
        for unfinished in draft.unfinished:
            line = f"第 {unfinished.line} 行：" if unfinished.line else ""
            click.secho(f"  还没写完：{line}{unfinished.message}", fg="yellow")
        click.secho("  写完后删除其中“draft: true”这一行，它就会发布。", fg="yellow")
    links = f"，{report.site_pages} 个网页中的链接都有效" if report.site_pages else ""
    if report.ok and report.issues == 0 and not report.drafts:
        click.secho(f"检查通过：还没有简报，没有发现问题{links}。{NO_ISSUES_YET}", fg="green")
        return
    if report.ok:
        click.secho(f"检查通过：{report.issues} 期，没有发现问题{links}。", fg="green")
        return
    blocking = sum(1 for p in report.problems if p.kind in (FILE, ARCHIVE))
    stops = f"其中 {blocking} 个会使 guanxin-site build 无法生成网站（标有“{BLOCKING_MARK.strip('（）')}”）。" if blocking else ""
    click.secho(f"发现 {len(report.problems)} 个问题（检查了 {report.files} 个简报文件）。{stops}"
                "请按每行开头的文件和行号找到问题、修改后，重新运行 guanxin-site check。", fg="red")


# -- serve -------------------------------------------------------------------------

@main.command(epilog="\b\n例如：\n  guanxin-site serve\n  guanxin-site serve --port 8001")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="预览使用的端口，默认 8000；不指定时如果 8000 被占用，会自动改用下一个空闲的端口")
@_source_option
@click.option("--drafts", is_flag=True, help="预览中也显示草稿")
@click.option("--no-open", is_flag=True, help="不自动打开浏览器")
def serve(port: int | None, source: Path, drafts: bool, no_open: bool) -> None:
    """在本机预览网站：保存文件后自动重新生成，浏览器中的页面自动刷新。按 Ctrl+C 停止。

    预览只有这台电脑能访问，生成在 .guanxin-cache/ 中，不会改动 site/ 中要发布的网站。
    """
    import webbrowser

    from guanxin_site.serve import DEFAULT_PORT, PreviewServer
    from guanxin_site.serve_messages import ServeMessages

    messages = ServeMessages(drafts)
    server = PreviewServer(source, port=DEFAULT_PORT if port is None else port, next_free_port=port is None,
                           drafts=drafts, report=lambda event: _echo_lines(messages(event)))
    try:
        try:
            server.start()
        except GuanxinError as exc:
            _fail(exc)
        if server.moved:
            click.secho(f"提醒：端口 {server.port} 已被占用，改用端口 {server.bound_port}", fg="yellow", err=True)
        click.echo(f"预览地址：{server.url}（只有这台电脑能访问）")
        click.echo(f"编辑台：{server.desk_url}（在浏览器中导入、校对、预览和发布；每个预览页面右下角也有链接）")
        click.echo("修改 issues/、templates/、site.yaml 或地名表文件并保存，网站会自动重新生成，浏览器中的页面会自动刷新。按 Ctrl+C 停止预览。")
        if not no_open:
            webbrowser.open(server.url)
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    click.echo("已停止预览。")


# -- deploy ------------------------------------------------------------------------

DEPLOY_SHOWN_STEPS = 30  # a dry run lists this many uploads (every deletion is listed)


@main.command(epilog="\b\n例如：\n  guanxin-site deploy                 （发布到 site.yaml 中 deploy: 写的地址）\n"
                     "  guanxin-site deploy 正式            （site.yaml 中有几个地址时，写明哪一个）\n"
                     "  guanxin-site deploy --dry-run       （只看要上传、删除哪些文件，什么都不改）\n"
                     "  guanxin-site deploy --to oss://存储桶名/?region=cn-hangzhou")
@click.argument("name", required=False, metavar="[名称]")
@click.option("--to", "url", default=None, metavar="地址", help="发布到这个地址，不用 site.yaml 中的 deploy:，"
              "例如 oss://存储桶名/?region=cn-hangzhou、sftp://用户名@服务器/var/www/site")
@_source_option
@click.option("--output", "output", type=click.Path(path_type=Path), default=None,
              help="要发布的网站文件夹，默认为项目目录下的 site/（与 build 的 --output 相同）")
@click.option("--dry-run", is_flag=True, help="只列出要上传和删除的文件（和大小），不改动发布位置")
@click.option("--force", is_flag=True, help="发布位置已有别的文件（不是本工具发布的）时也发布；那些文件不会被删除，同名的会被替换")
@click.option("--max-deletes", type=click.IntRange(0), default=None,
              help="最多删除多少个文件（默认 256）；要删除的更多时，什么都不做就停下")  # engine.DEFAULT_MAX_DELETES
@click.option("--quiet", "-q", is_flag=True, help="只显示错误")
def deploy(name: str | None, url: str | None, source: Path, output: Path | None, dry_run: bool, force: bool,
           max_deletes: int | None, quiet: bool) -> None:
    """把生成的网站发布到网上：阿里云 OSS、腾讯云 COS、华为云 OBS、七牛 Kodo 等对象存储，自己的服务器（SFTP）或虚拟主机（FTP）。

    只上传内容有变化的文件，先上传照片等文件和新网页，最后更新首页；中途断网或中断时网站保持完整，重新运行会接着完成。
    只删除以前由本工具发布、现在网站中已经没有的文件。密钥和密码不写在 site.yaml 中：对象存储的密钥用环境变量
    AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY，服务器密码用 GUANXIN_DEPLOY_PASSWORD 或运行时输入。
    """
    from guanxin_site.deploy import DEFAULT_MAX_DELETES

    output = output if output is not None else source / DEFAULT_OUTPUT
    target = _deploy_address(name, url, source)
    limit = DEFAULT_MAX_DELETES if max_deletes is None else max_deletes
    stale = _changed_since_built(source, output)
    with _DeployProgress(quiet) as progress:
        report = _deploy_asking_for_a_password(output, target, progress, dry_run=dry_run, force=force, max_deletes=limit)
    if not dry_run and stale is False:
        # A site built from the project's files as they are now went online: the desk's list shows those
        # issues as 已发布, as after its own 发布 (it said 待发布 for issues this command had published).
        from guanxin_site.desk.store import Store, remember_published

        remember_published(Store(source), deployed=True, url=report.site_url or target)
    if not quiet:
        _echo_deploy(report, target, dry_run, limit, report.site_url or _configured_base_url(source))


def _changed_since_built(source: Path, output: Path) -> bool | None:
    """build.changed_since_built, said when True: deploy publishes the site as built, and an editor who
    imported or edited an issue and then deployed without building believed the new issue was online."""
    from guanxin_site.build import changed_since_built
    from guanxin_site.reader import is_project

    stale = changed_since_built(source, output) if is_project(source) else None
    if stale:
        click.secho(f"提醒：{output} 生成以后，项目中的文件（简报、site.yaml、模板或照片）又有改动，这次发布的是改动以前的网站；"
                    "要发布最新的内容，请先运行 guanxin-site build，再发布", fg="yellow", err=True)
    return stale


def _deploy_asking_for_a_password(output: Path, target: str, progress: "_DeployProgress", **options):
    """deploy_site; when the server wants a password and someone is at the keyboard, ask once and try again."""
    from guanxin_site.deploy import DeployError, PasswordNeeded, deploy_site

    password = None
    while True:
        try:
            return deploy_site(output, target, progress=progress, password=password, **options)
        except PasswordNeeded as exc:
            if password is not None or not _can_prompt():
                _fail(exc)
            progress.pause()
            password = click.prompt(f"{exc}\n密码（输入时不显示）", hide_input=True, err=True)
        except DeployError as exc:
            progress.pause()
            _fail(exc)
        except KeyboardInterrupt:
            progress.pause()
            click.secho("已中断：网上的网站保持完整（首页等入口最后才更新，旧文件还没有删除）；"
                        "重新运行同一个命令，会接着上传还没有上传的文件", fg="yellow", err=True)
            sys.exit(130)


def _can_prompt() -> bool:
    """Someone at the keyboard (not CI, not a pipe) who can type a password."""
    return sys.stdin is not None and sys.stdin.isatty()


def _deploy_address(name: str | None, url: str | None, source: Path) -> str:
    """--to, or the named (or only) address of site.yaml's deploy:."""
    from guanxin_site.deploy import DeployError, configured_targets

    if url is not None:
        if name is not None:
            click.secho(f"错误：写了 --to 就不用再写名称“{name}”；请去掉其中一个", fg="red", err=True)
            sys.exit(2)
        return url
    _require_project(source)
    try:
        targets = configured_targets(source)
    except DeployError as exc:
        _fail(exc)
    if not targets:
        click.secho("错误：site.yaml 中还没有发布地址。请在 site.yaml 中加一行，例如\n"
                    "  deploy: oss://存储桶名/?region=cn-hangzhou\n"
                    "或用 --to 指定地址（各种地址的写法见使用说明的“发布”一节）", fg="red", err=True)
        sys.exit(2)
    if name is None and len(targets) == 1:
        return next(iter(targets.values()))
    if name not in targets:
        names = "、".join(targets)
        what = f"没有名为“{name}”的发布地址" if name is not None else "有几个发布地址"
        click.secho(f"错误：site.yaml 的 deploy: 中{what}（有 {names}）；请写明发布到哪一个，例如 guanxin-site deploy "
                    f"{next(iter(targets))}", fg="red", err=True)
        sys.exit(2)
    return targets[name]


class _DeployProgress:
    """A progress bar on stderr while files go up (from the first file; hidden with --quiet)."""

    def __init__(self, quiet: bool):
        self.quiet, self.bar = quiet, None

    def __enter__(self):
        return self

    def __call__(self, done: int, total: int, name: str) -> None:
        if self.quiet:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="正在上传", file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def pause(self) -> None:
        """End the bar before a prompt or a message."""
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __exit__(self, *exc) -> None:
        self.pause()


def _configured_base_url(source: Path) -> str | None:
    """site.yaml's base_url, for a site whose build did not record it (built by an older version)."""
    from guanxin_site.config import load_config

    try:
        return load_config(source).base_url
    except GuanxinError:
        return None


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _echo_deploy(report, target: str, dry_run: bool, limit: int, site_url: str | None) -> None:
    from guanxin_site.deploy import DELETE, UPLOAD
    from guanxin_site.deploy.plan import KEPT_ONE_DEPLOY

    uploads = [(name, size) for action, name, size in report.planned if action == UPLOAD]
    deletions = [name for action, name, _ in report.planned if action == DELETE]
    upload_bytes = sum(size for _, size in uploads)
    if dry_run:
        for name, size in uploads[:DEPLOY_SHOWN_STEPS]:
            click.echo(f"将上传  {name}（{size:,} 字节）")
        if len(uploads) > DEPLOY_SHOWN_STEPS:
            click.echo(f"……另外还有 {len(uploads) - DEPLOY_SHOWN_STEPS} 个文件要上传")
        for name in deletions:
            click.echo(f"将删除  {name}")
        click.echo(f"预演（没有改动发布位置）：将上传 {len(uploads)} 个文件（{_megabytes(upload_bytes)}），"
                   f"未变 {report.unchanged} 个，将删除 {len(deletions)} 个 → {target}")
        if len(deletions) > limit:
            click.secho(f"提醒：要删除的文件超过了上限 {limit} 个，正式发布时会停下；确认无误后加上 --max-deletes {len(deletions)}",
                        fg="yellow", err=True)
        return
    address = f"网址：{site_url}" if site_url else "（site.yaml 中没有写 base_url，所以不知道网站的网址）"
    # The previous build's search files stay online one deploy longer (deploy/plan.py): a deploy that
    # deletes only those is tidying up, and says so, or "删除 6 个" after no change reads as a loss.
    tidied = "（都是上次发布时保留的旧搜索文件）" if deletions and all(n.startswith(KEPT_ONE_DEPLOY) for n in deletions) else ""
    click.echo(f"发布完成：上传 {report.uploaded} 个文件（{_megabytes(report.uploaded_bytes)}），未变 {report.unchanged} 个，"
               f"删除 {report.deleted} 个{tidied} → {target}。{address}")
    if report.uploaded and site_url:
        click.echo("网站前面有 CDN 时，网页最多 5 分钟后更新（照片等文件最多 1 小时）；急用时可以在 CDN 控制台刷新首页。")
