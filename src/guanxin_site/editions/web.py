"""The issue's web page: the bulletin as printed, with its neighbours and the 公众号 edition's buttons."""
from __future__ import annotations

from typing import TYPE_CHECKING

from guanxin_site.editions import Edition
from guanxin_site.pages import Page

if TYPE_CHECKING:
    from guanxin_site.archive import Archive
    from guanxin_site.models import Issue


class WebPage(Edition):
    name = "web"
    in_sitemap = True

    def pages(self, issue: Issue, plans: dict[str, object], archive: Archive) -> list[Page]:
        previous, following = archive.neighbours[issue.key]
        deps = (issue.digest, previous.digest if previous else "-", following.digest if following else "-")
        lastmod = following.date if following else issue.date  # the "next issue" link appears when it is published
        context = {"issue": issue, "previous": previous, "next": following}
        if plans.get("wechat") is not None:
            context["wechat"] = plans["wechat"]  # the 复制到公众号 buttons, one per part
        return [Page(issue.url, "issue.html", context, deps, lastmod, edition=self.name)]
