"""Stage 5: render planned pages to bytes with Jinja2.

Templates come from the project's templates/ folder first, then from the theme
bundled with the package, so a project overrides only the files it changes.
"""
from __future__ import annotations

import base64
import re
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
import markupsafe

from guanxin_site import __version__
from guanxin_site.config import SiteConfig
from guanxin_site.errors import GuanxinError
from guanxin_site.gazetteer import Gazetteer
from guanxin_site.mediatypes import content_type
from guanxin_site.editions import editions_of, page_context
from guanxin_site.pages import Page, book_title, cn_date, excerpt, file_size
from guanxin_site.theme import TEMPLATES_DIR, has_own_templates, theme_dirs



def wechat_inline(fragment: str) -> markupsafe.Markup:
    """The 公众号 edition's stylesheet moved into style attributes (templates/wechat.html)."""
    from guanxin_site.editions.wechat import inline

    return markupsafe.Markup(inline(str(fragment)))


# Comments that fill whole lines, left out of a file inlined in a page (the file served keeps them):
# a fifth of the search page's gzipped bytes (issue 25: a query within 100 KB, the page included).
_COMMENT_LINES = {
    ".js": re.compile(r"^[ \t]*//.*\n", re.MULTILINE),
    ".css": re.compile(r"^[ \t]*/\*.*?\*/[ \t]*\n", re.MULTILINE | re.DOTALL),
}


@jinja2.pass_environment
def inline_file(env: jinja2.Environment, name: str) -> markupsafe.Markup:
    """A theme file's text for a <style> or <script> of a page (templates/search.html): the same file
    the site also serves, a project's own first, but for its whole-line comments. Never escaped, so
    it must not close its element."""
    text = env.loader.get_source(env, name)[0]
    if re.search(r"</(script|style)", text, re.IGNORECASE):
        raise ValueError(f"{name} cannot be inlined: it contains a closing </script> or </style>")
    comments = _COMMENT_LINES.get(Path(name).suffix)
    return markupsafe.Markup(comments.sub("", text) if comments else text)


@jinja2.pass_environment
def data_uri(env: jinja2.Environment, name: str) -> str:
    """A small theme file (a text file: the icon) as a data: address, for a page that must not
    fetch it (templates/search.html); a project's own file first."""
    data = env.loader.get_source(env, name)[0].encode("utf-8")  # our own type table, not Windows' registry
    return f"data:{content_type(name).replace('; ', ';')};base64,{base64.b64encode(data).decode('ascii')}"


def script_json(text: str) -> markupsafe.Markup:
    """JSON text as the content of a <script type="application/json">: "<" written as \\u003c, so
    nothing in it can close the element or open a comment."""
    return markupsafe.Markup(text.replace("<", "\\u003c"))


class _PlainGlobals:
    """A loaded template's globals as one plain dict, copied from the environment's when it is loaded,
    instead of Jinja's ChainMap over them: every render (its context) and every {% from %} import
    walks a ChainMap in Python, a third of the time of a small page. make_environment sets every
    global before a template is loaded, and nothing changes them after."""

    def make_globals(self, d):
        return {**self.globals, **(d or {})}


class _Environment(_PlainGlobals, jinja2.Environment):
    pass


class _SandboxedEnvironment(_PlainGlobals, ImmutableSandboxedEnvironment):
    pass


def make_environment(project_dir: Path, config: SiteConfig, bytecode_dir: Path | None = None,
                     gazetteer: Gazetteer | None = None, editor_tools: bool = False) -> jinja2.Environment:
    """bytecode_dir keeps compiled templates between builds (Jinja checks they are current);
    gazetteer gives the templates the level words (市（地）, 全省); editor_tools: the editors' tools
    on the pages (the 公众号版 copy box), for serve's preview only."""
    sandboxed = has_own_templates(project_dir)
    environment = _SandboxedEnvironment if sandboxed else _Environment
    if bytecode_dir is not None and sandboxed:  # sandboxed code calls environment.call: never share it
        bytecode_dir = bytecode_dir / "sandboxed"
    if bytecode_dir is not None:
        bytecode_dir.mkdir(parents=True, exist_ok=True)
    env = environment(
        loader=jinja2.FileSystemLoader([str(d) for d in theme_dirs(project_dir)]),
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(bytecode_dir)) if bytecode_dir is not None else None,
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"], default_for_string=True),
        undefined=jinja2.StrictUndefined,  # a typo in a template fails the build instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one environment per build: templates do not change under it
    )
    env.filters["cn_date"] = cn_date
    env.filters["book"] = book_title
    env.filters["file_size"] = file_size
    env.filters["excerpt"] = excerpt
    env.filters["wechat_inline"] = wechat_inline
    env.filters["script_json"] = script_json
    env.globals["site"] = config
    env.globals["inline_file"] = inline_file
    env.globals["data_uri"] = data_uri
    env.globals["generator"] = f"guanxin-site {__version__}"
    if gazetteer is not None:
        env.globals["gazetteer"] = gazetteer
    env.globals["editor_tools"] = editor_tools
    return env


class Templates:
    """What a build renders with, as data: a worker process (spawned ones too) makes the same
    environment from it. The environment is made once per process and never pickled."""

    def __init__(self, project_dir: Path, config: SiteConfig, gazetteer: Gazetteer | None = None,
                 bytecode_dir: Path | None = None, editor_tools: bool = False):
        self.project_dir, self.config, self.gazetteer, self.bytecode_dir = project_dir, config, gazetteer, bytecode_dir
        self.editor_tools = editor_tools
        self._env: jinja2.Environment | None = None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_env": None}

    def environment(self) -> jinja2.Environment:
        if self._env is None:
            self._env = make_environment(self.project_dir, self.config, self.bytecode_dir, self.gazetteer,
                                         self.editor_tools)
        return self._env


def page_root(page: Page, config: SiteConfig) -> str:
    """The 404 page is served at any depth, so its links start from the site's absolute path
    (except in an offline copy, which has no server and no absolute paths)."""
    if page.output_path == "404.html" and not config.offline:
        return urlsplit(config.base_url).path if config.base_url else "/"
    return page.root


class TemplateProblem(GuanxinError):
    """A template could not be loaded or rendered (a mistake in a project's templates/)."""

    def __init__(self, path: str, line: int | None, message: str):
        super().__init__(path, line, message)  # plain args: survives pickling from a worker process
        self.path, self.line, self.message = path, line, message


def render_page(env: jinja2.Environment, page: Page) -> bytes:
    try:
        template = env.get_template(page.template)
        html = template.render(page_context(page), page=page, root=page_root(page, env.globals["site"]))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"{TEMPLATES_DIR}/{exc.name or page.template}", exc.lineno, f"模板语法错误：{exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateProblem(f"{TEMPLATES_DIR}/{page.template}", None, f"找不到模板 {exc.name}") from None
    except Exception as exc:  # noqa: BLE001 - any mistake in a project's template is the editor's to fix
        path, line = _template_frame(exc, page)
        raise TemplateProblem(path, line, f"模板出错（{type(exc).__name__}: {exc}）；请检查最近对模板的修改") from None
    for edition in editions_of(env.globals["site"]):
        html = edition.finish(page, html)
    return html.encode("utf-8")


def _template_frame(exc: Exception, page: Page) -> tuple[str, int | None]:
    """Where in which template the error happened: Jinja maps template code back to its lines."""
    where: tuple[str, int | None] = (f"{TEMPLATES_DIR}/{page.template}", None)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt", ".svg")):
            where = (f"{TEMPLATES_DIR}/{Path(filename).name}", tb.tb_lineno)
        tb = tb.tb_next
    return where
