"""The 微信公众号 edition of an issue: the article as WeChat's editor accepts it when pasted.

What the editor keeps (README, 公众号版; the doocs/md editor does the same): inline `style`
attributes only (classes and <style> are ignored, scripts removed), no links to anchors
(saving fails), no links outside mp.weixin.qq.com (they are stripped), images only when
uploaded to WeChat. The draft API takes under 20,000 characters and 1 MB per article.

So, from the same Report.html the web page shows:
- transform(): links become their text plus a numbered note `[n]`, listed at the end under
  引用链接; list items carry their marker as text (the editor drops list styling); tables sit
  in a scrolling section; images keep an absolute address when the site has a base URL (the
  editor fetches or drops them: the editor has to check each one) and otherwise become
  their description in brackets.
- plan(): an issue too long for one article is split at report boundaries (and, for a single
  report longer than an article, at paragraph boundaries) into parts 上/下 (or 一、二、三…):
  wechat.html, wechat-2.html, …
- inline(): the template's one stylesheet is inlined by css-inline (Rust, maintained) and every
  class attribute removed afterwards; the template (templates/wechat.html) lays out the article.
"""
from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from guanxin_site.editions import Edition as EditionBase
from guanxin_site.models import Issue
from guanxin_site.pages import Page

if TYPE_CHECKING:
    from guanxin_site.archive import Archive
    from guanxin_site.config import SiteConfig

TEXT_LIMIT = 20_000  # characters of text per article (WeChat draft API)
BYTE_LIMIT = 1_000_000  # bytes per article (WeChat draft API: under 1 MB)
FRAME_RESERVE = 1_000  # text of the masthead, headline, closing lines around the reports of a part
TEXT_BUDGET = TEXT_LIMIT - FRAME_RESERVE
STYLE_RESERVE = 400  # bytes an inline style can add to one element (the longest rule in _wechat.css is shorter)
BYTE_BUDGET = BYTE_LIMIT // 2  # generous: text always runs out long before bytes do
WECHAT_HOSTS = ("mp.weixin.qq.com",)  # links the editor keeps
FILE_NAME = "wechat.html"


def part_file(number: int) -> str:
    return FILE_NAME if number == 1 else f"wechat-{number}.html"


_PART_NAMES_2 = ("上", "下")
_CN_DIGITS = "一二三四五六七八九十"


def part_label(number: int, count: int) -> str:
    """（上）/（下） for two parts, （一）（二）… for more, nothing for one."""
    if count == 1:
        return ""
    if count == 2:
        return f"（{_PART_NAMES_2[number - 1]}）"
    name = _CN_DIGITS[number - 1] if number <= 10 else str(number)
    return f"（{name}）"


@dataclass(frozen=True)
class Note:
    number: int
    url: str
    text: str  # the link's text where it first appeared


@dataclass(frozen=True)
class Section:
    """A region's report under its heading (or a continuation of one, heading marked 续)."""

    heading: str
    html: str  # transformed: notes, list markers, images as above; classes for the stylesheet


@dataclass(frozen=True)
class Part:
    number: int  # 1-based
    count: int
    url: str  # site-relative address of this part's page
    lead_html: str
    sections: tuple[Section, ...]
    notes: tuple[Note, ...]
    images: int  # images kept with an absolute address (the editor must upload them)

    @property
    def label(self) -> str:
        return part_label(self.number, self.count)


# -- the transform of report HTML ------------------------------------------------------------------

_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
_DROP_ATTRS = frozenset({"id", "class", "name"})
# A photo's <picture> offers WebP renditions by srcset (images.py): the editor takes one plain JPEG <img>.
_UNWRAPPED = frozenset({"picture", "source"})


class _Notes:
    """Numbered notes of one part: the same address keeps its first number."""

    def __init__(self) -> None:
        self.by_url: dict[str, Note] = {}

    def number(self, url: str, text: str) -> int:
        note = self.by_url.get(url)
        if note is None:
            note = self.by_url[url] = Note(len(self.by_url) + 1, url, text)
        return note.number

    @property
    def notes(self) -> tuple[Note, ...]:
        return tuple(self.by_url.values())


class _Transform(HTMLParser):
    def __init__(self, notes: _Notes, page_url: str | None):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.notes = notes
        self.page_url = page_url  # absolute address of the issue page, or None without a base URL
        self.links: list[tuple[str | None, int]] = []  # open <a>: (href, where its content starts in out)
        self.lists: list[list] = []  # open lists: [tag, next number]
        self.images = 0
        self.figures = 0  # open <figure> elements
        self.described: tuple[int, str] | None = None  # an image of the open figure, described in brackets: (where, alt)
        self.caption_at: int | None = None  # where the open figcaption's content starts in out

    def handle_starttag(self, tag: str, attrs) -> None:
        attrs = [(k, v) for k, v in attrs if k not in _DROP_ATTRS and not k.startswith("on")]
        if tag == "a":
            self.links.append((dict(attrs).get("href"), len(self.out)))
            return
        if tag == "img":
            self._image(dict(attrs))
            return
        if tag in _UNWRAPPED:
            return
        if tag in ("ul", "ol"):
            start = dict(attrs).get("start")
            self.lists.append([tag, int(start) if start and start.isdigit() else 1])
        if tag == "table":
            self.out.append('<section class="table-wrap">')
        if tag == "figure":
            self.figures += 1
        self.out.append(_start_tag(tag, attrs))
        if tag == "figcaption":
            self.caption_at = len(self.out)
        if tag == "li" and self.lists:
            kind = self.lists[-1]
            marker = "•" if kind[0] == "ul" else f"{kind[1]}."
            kind[1] += 1
            self.out.append(f'<span class="marker">{marker}</span> ')

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            if not self.links:
                return
            self._close_link(*self.links.pop())
            return
        if tag in _VOID or tag in _UNWRAPPED:
            return
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        if tag == "figure":
            self.figures = max(0, self.figures - 1)
            self.described = None
        if tag == "figcaption":
            self._drop_repeated_description()
        self.out.append(f"</{tag}>")
        if tag == "table":
            self.out.append("</section>")

    def handle_data(self, data: str) -> None:
        self.out.append(html_lib.escape(data, quote=False))

    def _close_link(self, href: str | None, start: int) -> None:
        if not href or href.startswith("#"):
            return  # an anchor link: the editor refuses to save them; the text stays
        url = urljoin(self.page_url, href) if self.page_url else href
        if urlsplit(url).hostname in WECHAT_HOSTS:  # the editor keeps links to WeChat articles
            self.out.insert(start, f'<a href="{html_lib.escape(url)}">')
            self.out.append("</a>")
            return
        text = html_lib.unescape(re.sub(r"<[^>]*>", "", "".join(self.out[start:]))).strip()
        if text in (href, url):
            return  # the address is the text already (an autolink): a note would only repeat it
        number = self.notes.number(url, text)
        self.out.append(f'<sup class="note-ref">[{number}]</sup>')

    def _image(self, attrs: dict) -> None:
        src, alt = attrs.get("src") or "", (attrs.get("alt") or "").strip()
        absolute = urljoin(self.page_url, src) if self.page_url else (src if urlsplit(src).scheme in ("http", "https") else None)
        if absolute:
            self.images += 1
            self.out.append(_start_tag("img", [("src", absolute), ("alt", alt)]))
            if alt and not self.figures:  # a figure brings its own figcaption
                self.out.append(f'<span class="image-caption">{html_lib.escape(alt, quote=False)}</span>')
        else:
            if self.figures:
                self.described = (len(self.out), alt)
            self.out.append(_described(alt))

    def _drop_repeated_description(self) -> None:
        """A figure's caption repeats its image's description (a photo's alt is its caption when it has
        no other): the bracket then says only ［图片］, and the caption follows it."""
        if self.described is None or self.caption_at is None:
            return
        where, alt = self.described
        caption = html_lib.unescape(re.sub(r"<[^>]*>", "", "".join(self.out[self.caption_at:]))).strip()
        if caption == alt:
            self.out[where] = _described("")
        self.described = self.caption_at = None


def _described(alt: str) -> str:
    """An image the edition cannot show (no base URL to give its address), as its description."""
    return f'<span class="image-missing">［图片{"：" + html_lib.escape(alt, quote=False) if alt else ""}］</span>'


def _start_tag(tag: str, attrs) -> str:
    rendered = "".join(f' {k}="{html_lib.escape(v or "", quote=True)}"' if v is not None else f" {k}" for k, v in attrs)
    return f"<{tag}{rendered}>"


# What transform() changes; markdown-it writes no id, class or event attribute (raw HTML is off).
_NEEDS_TRANSFORM = re.compile(r"<(?:a|img|ul|ol|table|picture)[\s>]")


def transform(html: str, notes: _Notes | None = None, page_url: str | None = None) -> tuple[str, int]:
    """Report HTML -> the edition's HTML (still with classes for the stylesheet) and its count of images."""
    if not _NEEDS_TRANSFORM.search(html):
        return html, 0  # nearly every report: paragraphs and emphasis, which the editor takes as they are
    parser = _Transform(notes if notes is not None else _Notes(), page_url)
    parser.feed(html)
    parser.close()
    while parser.links:  # an unclosed link (markdown-it never leaves one, but never lose a note)
        parser._close_link(*parser.links.pop())
    return "".join(parser.out), parser.images


# -- splitting an issue into articles ---------------------------------------------------------------

class _Blocks(HTMLParser):
    """Offsets at which top-level blocks of report HTML end."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.ends: list[tuple[int, int]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs) -> None:
        if tag not in _VOID:
            self.depth += 1

    def handle_endtag(self, tag) -> None:
        if tag not in _VOID:
            self.depth = max(0, self.depth - 1)
            if self.depth == 0:
                self.ends.append(self.getpos())


def blocks(html: str) -> list[str]:
    """Top-level blocks (paragraphs, lists, tables…) of report HTML, in order, together covering all of it."""
    lines = html.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    cuts = []
    for line, col in _Blocks(html).ends:
        offset = starts[line - 1] + col
        close = html.find(">", offset)
        cuts.append(close + 1 if close >= 0 else len(html))
    pieces, previous = [], 0
    for cut in cuts:
        if cut > previous:
            pieces.append(html[previous:cut])
            previous = cut
    if html[previous:].strip():
        pieces.append(html[previous:])
    return [p for p in pieces if p.strip()]


_MARKUP = re.compile(r"<[^>]*>")


def _text_size(html: str) -> int:
    """At most the text's length (its characters between tags, entities and whitespace uncounted as
    such): one pass in C, where folding the text as the reader sees it cost most of planning."""
    return len(_MARKUP.sub("", html))


def _byte_size(html: str) -> int:
    return len(html.encode()) + html.count("<") * STYLE_RESERVE


def _chunks(heading: str, html: str) -> list[tuple[str, str]]:
    """A report as one piece, or (when longer than half an article) as pieces of whole blocks under 续 headings."""
    if _text_size(html) + _notes_size(html) <= TEXT_BUDGET // 2 and _byte_size(html) <= BYTE_BUDGET // 2:
        return [(heading, html)]
    pieces: list[tuple[str, str]] = []
    current: list[str] = []
    size = 0
    for block in blocks(html):
        block_size = _text_size(block) + _notes_size(block)
        if current and size + block_size > TEXT_BUDGET // 2:
            pieces.append((heading if not pieces else f"{heading}（续）", "".join(current)))
            current, size = [], 0
        current.append(block)
        size += block_size
    if current:
        pieces.append((heading if not pieces else f"{heading}（续）", "".join(current)))
    return pieces


_LINK = re.compile(r'<a\s[^>]*href="([^"]*)"[^>]*>(.*?)</a>', re.S)


def _notes_size(html: str) -> int:
    """Upper bound of the text the notes of this HTML's links add: marker, address and link text."""
    if "<a" not in html:
        return 0
    return sum(12 + len(href) * 2 + len(text) for href, text in _LINK.findall(html))


def _surely_fits(pieces) -> bool:
    """An upper bound from lengths alone that the issue is one article and no report is cut (plan()'s
    measures can only say the same): text is shorter than the HTML, notes add at most twice the HTML
    where it has links, list markers at most its length where it has lists, and no element gains more
    than STYLE_RESERVE bytes of style."""
    text = size = 0
    for heading, html in pieces:
        piece_text = len(html) * (1 + 2 * ("<a" in html) + ("<li" in html))
        piece_bytes = 3 * len(html) + html.count("<") * STYLE_RESERVE + 6 * len(html) * ("<a" in html)
        if piece_text > TEXT_BUDGET // 2 or piece_bytes > BYTE_BUDGET // 2:
            return False  # plan() would cut it at its blocks
        text += piece_text + len(heading or "")
        size += piece_bytes
    return text < TEXT_BUDGET and size < BYTE_BUDGET


@dataclass(frozen=True)
class Edition:
    """The plan of an issue's 公众号 edition: which pieces go into which part.

    Planned with cheap measures (text length by regex) so planning a large archive stays fast;
    the transform itself runs when a part's page is rendered (part())."""

    issue: Issue
    base_url: str | None
    groups: tuple[tuple[tuple[str | None, str], ...], ...]  # per part: (heading or None for the lead, report HTML)

    @property
    def count(self) -> int:
        return len(self.groups)

    @property
    def urls(self) -> tuple[str, ...]:
        return tuple(self.issue.url + part_file(n) for n in range(1, self.count + 1))

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(part_label(n, self.count) for n in range(1, self.count + 1))

    @property
    def has_images(self) -> bool:
        return any("<img" in html for group in self.groups for _, html in group)

    def part(self, number: int) -> Part:
        page_url = self.base_url + self.issue.url if self.base_url else None
        notes = _Notes()
        lead, sections, images = "", [], 0
        for heading, html in self.groups[number - 1]:
            transformed, found = transform(html, notes, page_url)
            images += found
            if heading is None:
                lead = transformed
            else:
                sections.append(Section(heading, transformed))
        return Part(number, self.count, self.urls[number - 1], lead, tuple(sections), notes.notes, images)


def plan(issue: Issue, base_url: str | None) -> Edition:
    """The issue as one article, or as parts split where a report (or, for a very long report, a block) ends.

    Each part stays under TEXT_BUDGET characters of report text plus its notes, leaving
    FRAME_RESERVE for the masthead and closing lines, and under BYTE_BUDGET bytes."""
    pieces = [(None, issue.lead_html)] if issue.lead_html.strip() else []
    whole = pieces + [(report.region.name, report.html) for report in issue.reports]
    if _surely_fits(whole):  # nearly every issue: no need to measure anything
        return Edition(issue, base_url, (tuple(whole),))
    for report in issue.reports:
        pieces.extend(_chunks(report.region.name, report.html))
    groups: list[list[tuple[str | None, str]]] = [[]]
    text = size = 0
    for heading, html in pieces:
        piece_text = _text_size(html) + len(heading or "") + _notes_size(html) + html.count("<li") * 2
        piece_bytes = _byte_size(html) + _notes_size(html) * 3
        if groups[-1] and (text + piece_text > TEXT_BUDGET or size + piece_bytes > BYTE_BUDGET):
            groups.append([])
            text = size = 0
        groups[-1].append((heading, html))
        text += piece_text
        size += piece_bytes
    return Edition(issue, base_url, tuple(tuple(group) for group in groups))


# -- the edition the planner iterates over ----------------------------------------------------------

class WechatEdition(EditionBase):
    """<year>/<number>/wechat.html (and wechat-2.html… for a long issue): the 公众号 edition, from the issue
    alone. Planned for every issue (how many parts: the web page shows a button per part); the report
    HTML is transformed only when a part is rendered."""

    name = "wechat"

    def plan(self, issue: Issue, config: SiteConfig) -> Edition:
        return plan(issue, config.base_url)

    def pages(self, issue: Issue, plans: dict[str, object], archive: Archive) -> list[Page]:
        edition = plans[self.name]
        return [Page(url, "wechat.html", {"issue": issue, "edition": edition, "number": n}, (issue.digest,), issue.date,
                     edition=self.name)
                for n, url in enumerate(edition.urls, 1)]

    def context(self, page: Page) -> dict:
        return {**page.context, "part": page.context["edition"].part(page.context["number"])}


# -- inlining the stylesheet ------------------------------------------------------------------------

# A class attribute: inside a tag, because the serialised text escapes every "<" and ">".
_CLASS = re.compile(r' class="[^"]*"(?=[^<>]*>)')


def inline(fragment: str) -> str:
    """Move the rules of the fragment's <style> block into style attributes, then drop it and the classes.

    The stylesheet becomes a StyleTable once (per process and stylesheet); pages then only look
    their elements up in it. A stylesheet the table cannot follow (a project's own, with child or
    sibling combinators, pseudo-classes or !important) is inlined by css-inline instead."""
    start = fragment.find("<style>")
    end = fragment.find("</style>", start)
    if start < 0 or end < 0:
        css, body = "", fragment
    else:
        css, body = fragment[start + len("<style>"):end], fragment[:start] + fragment[end + len("</style>"):]
    table = StyleTable.of(css)
    if table is not None:
        return table.apply(body)
    import css_inline  # imported where used: only a stylesheet the table cannot follow needs it

    return _CLASS.sub("", css_inline.inline_fragment(body, css))


# A selector the table follows: compounds of a tag, classes and ids, joined by descendant combinators.
_SIMPLE_SELECTOR = re.compile(r"[A-Za-z0-9_\-.#*]+(?:\s+[A-Za-z0-9_\-.#*]+)*")
_COMPOUND = re.compile(r"([A-Za-z][A-Za-z0-9]*|\*)?((?:[.#][A-Za-z0-9_\-]+)*)")
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
# A tag of our own HTML (templates, markdown-it, transform()): attribute values in double quotes.
_TAG = re.compile(r'<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[^\s=/>]+(?:="[^"]*")?)*)(\s*/?)>')
_ATTRIBUTE = re.compile(r'\s+([^\s=/>]+)(?:="([^"]*)")?')
_VOID_TAGS = _VOID


class _Compound:
    """tag.class.class#id: what one element must have."""

    def __init__(self, text: str):
        match = _COMPOUND.fullmatch(text)
        if match is None:
            raise ValueError(text)
        self.tag = None if match.group(1) in (None, "*") else match.group(1).lower()
        parts = re.findall(r"[.#][A-Za-z0-9_\-]+", match.group(2))
        self.classes = frozenset(p[1:] for p in parts if p[0] == ".")
        self.ids = frozenset(p[1:] for p in parts if p[0] == "#")

    def matches(self, element: tuple) -> bool:
        tag, classes, ident = element
        return ((self.tag is None or self.tag == tag) and self.classes <= classes
                and (not self.ids or self.ids == {ident}))


class StyleTable:
    """A stylesheet of plain rules as css-inline applies them: for each element, every declaration of
    every matching selector, a later one replacing an earlier one of no higher specificity, listed by
    specificity; an element's own style attribute last, over them. What an element gets depends only
    on its tag, classes and id and on those of its ancestors, so each such shape is worked out once
    (tests/test_wechat.py compares the result with css-inline's on whole editions)."""

    _made: dict[str, "StyleTable | None"] = {}  # per process: by stylesheet text

    def __init__(self, rules: list[tuple[list[_Compound], tuple[int, int, int], list[tuple[str, str]]]]):
        self.rules = rules
        # Open elements as chains: chain id -> (its parent's chain id, the element), 0 being the top.
        self._chains: list[tuple[int, tuple]] = [(0, ("", frozenset(), None))]
        self._chain_ids: dict[tuple[int, tuple], int] = {}
        self._tags: dict[tuple[int, str], tuple[str, int | None]] = {}  # (parent chain, start tag) -> rewritten, chain
        self._shapes: dict[str, tuple[str, str | None, tuple]] = {}  # a tag's text -> it, its end tag's name or None, _TAG's groups

    @classmethod
    def of(cls, css: str) -> "StyleTable | None":
        """The table of a stylesheet, or None when it has more than the table follows."""
        if css not in cls._made:
            cls._made[css] = cls._parse(css)
        return cls._made[css]

    @classmethod
    def _parse(cls, css: str) -> "StyleTable | None":
        text = _COMMENT.sub("", css)
        rules = []
        if "!important" in text or "@" in text or _RULE.sub("", text).strip():
            return None
        for selectors, body in _RULE.findall(text):
            declarations = []
            for declaration in body.split(";"):
                name, colon, value = declaration.partition(":")
                if colon:
                    declarations.append((name.strip().lower(), value.strip().replace('"', "'")))
                elif declaration.strip():
                    return None
            for selector in selectors.split(","):
                selector = selector.strip()
                if not _SIMPLE_SELECTOR.fullmatch(selector):
                    return None
                try:
                    compounds = [_Compound(part) for part in selector.split()]
                except ValueError:
                    return None
                specificity = (sum(len(c.ids) for c in compounds), sum(len(c.classes) for c in compounds),
                               sum(c.tag is not None for c in compounds))
                rules.append((compounds, specificity, declarations))
        return cls(rules)

    def apply(self, html: str) -> str:
        """The HTML with each element's style written into it and its class attribute dropped.

        The scan re.sub(_TAG, ...) would make, without a regex over the text (most of the cost: it
        crawls the text between tags and matches every tag again): a tag starts at a "<"; a text from
        "<" to the first ">" seen whole before (_shapes) is that tag again, since _TAG reads a tag
        the same way wherever it stands (its quoted values close before its end)."""
        open_chains = [0]  # the chain of the element enclosing this point
        out: list[str] = []
        copied = 0  # html[:copied] is in out
        find = html.find
        at = find("<")
        while at >= 0:
            end = find(">", at) + 1
            shape = self._shapes.get(html[at:end]) if end else None
            if shape is None:
                match = _TAG.match(html, at)
                if match is None:
                    at = find("<", at + 1)
                    continue
                shape = (match.group(0), match.group(2).lower() if match.group(1) else None, match.groups())
                if match.end() == end:
                    self._shapes[shape[0]] = shape
                end = match.end()
            text, closing, parts = shape
            out.append(html[copied:at])
            if closing is not None:  # an end tag: close up to its element (HTML lets p and li be left open)
                while len(open_chains) > 1 and self._chains[open_chains.pop()][1][0] != closing:
                    pass
                out.append(text)
            else:
                key = (open_chains[-1], text)
                known = self._tags.get(key)
                if known is None:
                    known = self._tags[key] = self._rewrite(parts, open_chains[-1])
                if known[1] is not None:
                    open_chains.append(known[1])
                out.append(known[0])
            copied = end
            at = find("<", end)
        out.append(html[copied:])
        return "".join(out)

    def _rewrite(self, parts: tuple, parent: int) -> tuple[str, int | None]:
        """A start tag (_TAG's groups) with its style and without its class; and its chain if it opens an element."""
        _, written, attributes, end = parts
        tag = written.lower()
        pairs = _ATTRIBUTE.findall(attributes)
        values = dict(pairs)
        element = (tag, frozenset(values.get("class", "").split()), values.get("id"))
        style = self._compute(element, self._ancestors(parent), values.get("style"))
        kept = [(name, value) for name, value in pairs if name not in ("class", "style")]
        if style:
            kept.append(("style", style))
        text = f"<{written}" + "".join(f' {n}="{v}"' for n, v in kept) + f"{end}>"
        if tag in _VOID_TAGS or end.strip():
            return text, None
        chain = self._chain_ids.get((parent, element))
        if chain is None:
            chain = self._chain_ids[(parent, element)] = len(self._chains)
            self._chains.append((parent, element))
        return text, chain

    def _ancestors(self, chain: int) -> tuple:
        ancestors = []
        while chain:
            chain, element = self._chains[chain]
            ancestors.append(element)
        return tuple(reversed(ancestors))

    def _compute(self, element: tuple, ancestors: tuple, own: str | None) -> str:
        found: dict[str, tuple[tuple[int, int, int], str]] = {}
        for compounds, specificity, declarations in self.rules:
            if _selects(compounds, element, ancestors):
                for name, value in declarations:
                    if name not in found or specificity >= found[name][0]:
                        found[name] = (specificity, value)
        ordered = sorted(found.items(), key=lambda item: item[1][0])  # stable: equal ones keep their order
        if own is None:
            return "".join(f"{name}: {value};" for name, (_, value) in ordered)
        merged = {name: value for name, (_, value) in ordered}
        for declaration in own.split(";"):
            name, colon, value = declaration.partition(":")
            if colon:
                merged[name.strip().lower()] = value.strip()
        return ";".join(f"{name}: {value}" for name, value in merged.items())


def _selects(compounds: list[_Compound], element: tuple, ancestors: tuple) -> bool:
    """Descendant combinators: the last compound matches the element, the others ancestors in order."""
    if not compounds[-1].matches(element):
        return False
    wanted = len(compounds) - 2
    for ancestor in reversed(ancestors):
        if wanted < 0:
            break
        if compounds[wanted].matches(ancestor):
            wanted -= 1
    return wanted < 0
