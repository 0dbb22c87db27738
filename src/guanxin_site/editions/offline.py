"""The offline copy (`build --offline`, `offline: true`): the site as it opens from disk (file://).

Not pages of its own: every rendered HTML page is finished by rewriting its relative links to
folders ("", "../", "2023/53/#heihe") to name the folder's index.html, since no server is there to
pick it. One rewrite of the rendered page, so templates (a project's own too) and links written in
reports need no offline variant.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from guanxin_site.editions import Edition
from guanxin_site.pages import Page

if TYPE_CHECKING:
    from guanxin_site.config import SiteConfig

# href="…", src="…" and action="…" of any element, as our templates and markdown-it write them.
_LINK_ATTRIBUTE = re.compile(r'(\s(?:href|src|action)=")([^"]*)(")')
_HAS_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*:")


class OfflineCopy(Edition):
    name = "offline"

    def wanted(self, config: SiteConfig) -> bool:
        return config.offline

    def finish(self, page: Page, html: str) -> str:
        return offline_links(html) if page.output_path.endswith(".html") else html


def offline_links(html: str) -> str:
    """Every relative link to a folder in an HTML page, naming the folder's index.html."""
    return _LINK_ATTRIBUTE.sub(_offline_link, html)


def _offline_link(match: re.Match) -> str:
    url = match.group(2)
    if url.startswith(("#", "/")) or _HAS_SCHEME.match(url):
        return match.group(0)  # same page, root-relative (never written offline), or another site
    cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
    path, rest = url[:cut], url[cut:]
    if path == "" or path.endswith("/"):
        path += "index.html"
    elif path.split("/")[-1] in (".", ".."):
        path += "/index.html"
    else:
        return match.group(0)
    return f"{match.group(1)}{path}{rest}{match.group(3)}"
