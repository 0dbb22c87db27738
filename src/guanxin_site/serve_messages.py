"""What `guanxin-site serve` (and build, for warnings) tells the editor about its events, as lines of text.

serve.py reports events (a rebuild, a failed build, a failed request); this turns each
into the Chinese lines to show, remembering what was already said so a warning is
repeated only when it is new. It prints nothing: the CLI prints the lines.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from guanxin_site.errors import ContentError

if TYPE_CHECKING:  # build uses warning_lines without loading the server
    from guanxin_site.serve import Broken, Event, Rebuilt

MAX_WARNINGS_SHOWN = 10
# What build, check and serve say when issues/ holds no bulletin yet (a project just made by init).
NO_ISSUES_YET = ("issues/ 中还没有简报。导入收到的一期：guanxin-site import 简报.docx（或 .txt）；"
                 "新建一期自己写：guanxin-site new")


@dataclass(frozen=True)
class Line:
    text: str
    colour: str | None = None  # "red", "yellow", "green" or None
    err: bool = False  # to standard error


def warning_lines(warnings: tuple[ContentError, ...] | list[ContentError]) -> list[Line]:
    """The first warnings, and how many more there are (build and serve say it the same way)."""
    lines = [Line(f"提醒：{warning}", "yellow", True) for warning in warnings[:MAX_WARNINGS_SHOWN]]
    if len(warnings) > MAX_WARNINGS_SHOWN:
        lines.append(Line(f"提醒：另有 {len(warnings) - MAX_WARNINGS_SHOWN} 条提醒没有列出；运行 guanxin-site check 查看全部",
                          "yellow", True))
    return lines


class ServeMessages:
    """Turns each serve event into lines; call it with the event."""

    def __init__(self, drafts: bool, clock: Callable[[], str] = lambda: time.strftime("%H:%M:%S")):
        self.drafts = drafts
        self.clock = clock  # the time of day shown in front of each event
        self.shown_warnings: set = set()
        self.shown_drafts: set = set()

    def __call__(self, event: Event) -> list[Line]:
        from guanxin_site.serve import Broken, Rebuilt, RequestFailed

        stamp = self.clock()
        if isinstance(event, Broken):
            return self._broken(stamp, event)
        if isinstance(event, Rebuilt):
            return self._rebuilt(stamp, event)
        if isinstance(event, RequestFailed):
            return [Line(f"[{stamp}] 提醒：预览处理一个网页请求时出错（{event.message}）；预览继续运行", "yellow", True)]
        return []

    def _broken(self, stamp: str, event: Broken) -> list[Line]:
        from guanxin_site.serve import where

        changed = f"{'、'.join(event.changed)} 有改动，" if event.changed else ""
        lines = [Line(f"[{stamp}] {changed}网站没有更新：发现 {len(event.errors)} 个问题", "red", True)]
        for error in event.errors:
            place = where(error)
            lines.append(Line(f"  {place + '：' if place else ''}{error.message}", "red", True))
        lines.append(Line("  请按提示修改并保存，预览会自动更新（浏览器页面上也显示了这些问题）。", "red", True))
        self.shown_warnings.clear()
        return lines

    def _rebuilt(self, stamp: str, event: Rebuilt) -> list[Line]:
        result = event.result
        if not event.changed:
            lines = [Line(f"[{stamp}] 已生成预览：{result.issues} 期，{result.pages} 个页面，用时 {result.seconds:.2f} 秒")]
            if result.issues == 0 and not result.drafts_waiting:
                lines.append(Line(f"[{stamp}] 提醒：{NO_ISSUES_YET}；保存后预览会自动更新", "yellow", True))
        else:
            fixed = "问题已解决，" if event.recovered else ""
            what = f"重新生成了 {result.rendered} 个页面" if result.changed else "网站内容没有变化"
            lines = [Line(f"[{stamp}] {'、'.join(event.changed)} 有改动：{fixed}{what}，用时 {result.seconds:.2f} 秒")]
        new_warnings = [w for w in result.warnings if w not in self.shown_warnings]
        self.shown_warnings = set(result.warnings)
        lines += warning_lines(new_warnings)
        for draft in result.drafts_waiting:
            if draft not in self.shown_drafts:
                lines.append(Line(f"提醒：{draft} 是草稿（draft: true），预览中没有显示；要预览草稿，请按 Ctrl+C 停止后用 "
                                  "guanxin-site serve --drafts 重新启动", "yellow", True))
        self.shown_drafts = set(result.drafts_waiting)
        return lines
