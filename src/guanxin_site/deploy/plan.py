"""What a deploy will do: the built site against what the target holds, by content hash.

The local side is the build's own manifest (writer.MANIFEST: every file with its sha256),
so nothing is hashed to decide and nothing is decided by modification time. The remote
side is what our earlier deploys recorded there (remote.RemoteState). Only files whose
bytes differ go up, and in an order that keeps the live site whole for a reader at every
moment: assets first (photos, attachments, search shards, static files), then pages that
are new (nothing links to them yet), then changed pages, then the entry points (home,
archive, feeds, sitemap, the search page and its manifest), then our manifest, and
deletions last: of files an earlier deploy recorded, never of anything else.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from guanxin_site.deploy.base import DeployError
from guanxin_site.errors import OutputError
from guanxin_site.writer import MANIFEST, STAGING_MARK, read_manifest, safe_relpath

UPLOAD, DELETE = "上传", "删除"  # the actions of a planned step, as the editor reads them

# Upload groups, in order; a file belongs to the first group whose rule matches.
ASSETS, NEW_PAGES, CHANGED_PAGES, ENTRY_POINTS = "assets", "new pages", "changed pages", "entry points"
ENTRY_POINT = re.compile(r"^(index\.html|archive/index\.html|sitemap\.xml|robots\.txt|feed\.xml|regions/[^/]+/feed\.xml"
                         r"|search/index\.html|search/data/index\.json|404\.html)$")
PAGE = re.compile(r"\.html$")


def upload_group(name: str, new: bool) -> str:
    if ENTRY_POINT.match(name):
        return ENTRY_POINTS
    if PAGE.search(name):
        return NEW_PAGES if new else CHANGED_PAGES
    return ASSETS


GROUP_ORDER = (ASSETS, NEW_PAGES, CHANGED_PAGES, ENTRY_POINTS)


@dataclass(frozen=True)
class LocalSite:
    root: Path
    files: dict[str, str]  # name -> sha256, from the build's manifest
    sizes: dict[str, int]
    base_url: str | None


def read_local_site(site_dir: Path) -> LocalSite:
    """The built site, refused unless a complete build of ours wrote it."""
    again = "请先运行 guanxin-site build 生成网站，再发布"
    if not site_dir.is_dir():
        raise DeployError(f"没有找到生成的网站 {site_dir}；{again}")
    if (site_dir / STAGING_MARK).exists():
        raise DeployError(f"{site_dir} 是一次没有完成的生成留下的，不能发布；{again}")
    manifest = read_manifest(site_dir)
    if manifest is None:
        if not any(site_dir.iterdir()):
            raise DeployError(f"{site_dir} 是空的；{again}")
        raise DeployError(f"{site_dir} 不是 guanxin-site 生成的网站（其中没有 {MANIFEST}），为免发布错误的文件，不能发布；"
                          f"请用 --output 指定 guanxin-site build 生成的文件夹")
    files: dict[str, str] = {}
    for name, digest in manifest["files"].items():
        try:
            files[safe_relpath(name)] = str(digest)
        except OutputError:  # safe_relpath refused it
            raise DeployError(f"{site_dir}/{MANIFEST} 中有不安全的文件名 {name!r}；{again}") from None
    if not files:
        raise DeployError(f"{site_dir} 中没有网页；{again}")
    sizes = {}
    for name in files:
        try:
            sizes[name] = os.stat(site_dir / name).st_size
        except OSError:
            raise DeployError(f"{site_dir} 不完整：缺少 {name}（生成之后被删除或移动了）；{again}") from None
    base = manifest.get("base_url")
    return LocalSite(site_dir, files, sizes, base if isinstance(base, str) else None)


@dataclass(frozen=True)
class Step:
    action: str  # UPLOAD or DELETE
    name: str
    size: int  # bytes to send (0 for a deletion)
    group: str = ""


@dataclass
class Plan:
    uploads: list[Step] = field(default_factory=list)  # in upload order
    deletions: list[Step] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)  # gone from the site, kept on the target one deploy more
    unchanged: int = 0

    @property
    def upload_bytes(self) -> int:
        return sum(step.size for step in self.uploads)

    def steps(self) -> list[Step]:
        return [*self.uploads, *self.deletions]


# Search data files are named by their content and read by a page loaded before they change: a reader
# who opened the search page before this deploy still asks for the previous build's files. Those stay
# one deploy longer (retired: listed as leftovers, deleted by the next deploy that writes anything).
KEPT_ONE_DEPLOY = ("search/data/",)


def make_plan(local: LocalSite, remote_files: dict[str, str], ours: set[str]) -> Plan:
    """remote_files: what our records say the target holds (name -> sha256); ours: every name
    we ever put there and did not delete (remote_files' names and the leftovers)."""
    plan = Plan()
    groups: dict[str, list[Step]] = {group: [] for group in GROUP_ORDER}
    for name, digest in sorted(local.files.items()):
        if remote_files.get(name) == digest:
            plan.unchanged += 1
            continue
        group = upload_group(name, new=name not in remote_files)
        groups[group].append(Step(UPLOAD, name, local.sizes[name], group))
    plan.uploads = [step for group in GROUP_ORDER for step in groups[group]]
    plan.retired = sorted(name for name in remote_files if name not in local.files and name.startswith(KEPT_ONE_DEPLOY))
    plan.deletions = [Step(DELETE, name, 0) for name in sorted(ours - set(local.files) - set(plan.retired))]
    return plan
