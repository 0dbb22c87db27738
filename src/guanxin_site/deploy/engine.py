"""deploy_site: publish a built site to a target, incrementally and without ever breaking the live site.

Steps: refuse a site folder that no complete build wrote (plan.read_local_site); connect
(targets.open_target); read what our earlier deploys recorded there (remote.read_remote);
refuse a target holding somebody else's files unless forced; plan by content hash; stop
before touching anything if the plan deletes more than max_deletes; upload group by group
(progress records in between, so an interrupted deploy resumes); write the manifest; only
then delete what an earlier deploy of ours put there and the site no longer has.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from guanxin_site.deploy.base import DeployError, Target
from guanxin_site.deploy.headers import NO_STORE, cache_control
from guanxin_site.mediatypes import content_type
from guanxin_site.deploy.plan import DELETE, UPLOAD, LocalSite, Plan, Step, make_plan, read_local_site
from guanxin_site.deploy.remote import JSON_TYPE, REMOTE_MANIFEST, Progress, RemoteState, new_manifest, read_remote
from guanxin_site.deploy.targets import open_target

# Hugo's default (deployment.maxDeletes). A weekly deploy deletes nothing: the archive only
# grows. A renamed region or a removed issue deletes a few dozen files; 256 leaves room for
# that, while a deploy of the wrong (nearly empty) folder over a site of thousands of files stops.
DEFAULT_MAX_DELETES = 256

ProgressCallback = Callable[[int, int, str], None]


@dataclass(frozen=True)
class DeployReport:
    uploaded: int  # files sent
    uploaded_bytes: int
    unchanged: int  # files the target already held with the same bytes
    deleted: int  # files of an earlier deploy removed
    planned: list[tuple[str, str, int]]  # (action 上传/删除, name, bytes), in the order they run
    site_url: str | None  # the address the site was built for (site.yaml's base_url), if any


def deploy_site(site_dir: Path, url: str, *, dry_run: bool = False, force: bool = False,
                max_deletes: int = DEFAULT_MAX_DELETES, progress: ProgressCallback | None = None,
                password: str | None = None, env: Mapping[str, str] | None = None) -> DeployReport:
    """Publish site_dir to the target at url. Raises DeployError (a Chinese message) on every failure."""
    local = read_local_site(Path(site_dir))
    target = open_target(url, password=password, env=os.environ if env is None else env)
    try:
        remote = read_remote(target)
        if not remote.known and not force and target.has_files():
            raise DeployError(f"{target.shown} 中已经有文件，但不是 guanxin-site 发布的（没有发布记录 {REMOTE_MANIFEST}）。"
                              "为免覆盖别人的文件，没有发布。确认这里就是要发布网站的位置后，加上 --force 再运行"
                              "（已有的文件不会被删除，同名文件会被替换）")
        # A site built without base_url is no match either: it would replace that site and delete its files.
        if remote.site and remote.site != local.base_url and not force:
            this = local.base_url or "这个网站没有在 site.yaml 中写 base_url"
            raise DeployError(f"{target.shown} 中发布的是另一个网站（{remote.site}），不是这个网站（{this}）；"
                              "为免用这个网站替换它（并删除它的文件），没有发布。请核对发布地址；"
                              "确实要在这里改发这个网站时，加上 --force 再运行")
        plan = make_plan(local, remote.files, remote.ours)
        report = _report(plan, local, done=False)
        if dry_run:
            return report
        if len(plan.deletions) > max_deletes:
            raise DeployError(f"这次发布要删除 {len(plan.deletions)} 个文件，超过了上限 {max_deletes} 个，所以什么都没有做。"
                              "请先用 --dry-run 查看要删除哪些文件；确认无误后加上 --max-deletes "
                              f"{len(plan.deletions)} 再运行")
        if plan.uploads or plan.deletions or not _settled(remote) or remote.site != local.base_url:
            _upload(target, local, remote, plan, progress)
            _finish(target, local, remote, plan)
        return _report(plan, local, done=True)
    finally:
        target.close()


def _settled(remote: RemoteState) -> bool:
    """The target's record is complete: a deploy with nothing to do writes nothing at all (superseded
    progress records the manifest still lists were removed already: see _finish)."""
    return remote.id is not None and not remote.records and not remote.leftover


def _report(plan: Plan, local: LocalSite, done: bool) -> DeployReport:
    planned = [(step.action, step.name, step.size) for step in plan.steps()]
    if not done:
        return DeployReport(0, 0, plan.unchanged, 0, planned, local.base_url)
    return DeployReport(len(plan.uploads), plan.upload_bytes, plan.unchanged, len(plan.deletions), planned, local.base_url)


def _read_checked(local: LocalSite, name: str) -> bytes:
    """The file's bytes, which must be the ones the build recorded (a file edited by hand
    after the build would otherwise go up under another file's hash)."""
    try:
        data = (local.root / name).read_bytes()
    except OSError as exc:
        raise DeployError(f"无法读取 {local.root / name}（{exc.strerror or exc}）；请重新运行 guanxin-site build") from None
    if hashlib.sha256(data).hexdigest() != local.files[name]:
        raise DeployError(f"{local.root / name} 在生成之后被改动过，和生成记录不一致；请重新运行 guanxin-site build 再发布"
                          "（要改网页，请改简报文件或模板）")
    return data


def _upload(target: Target, local: LocalSite, remote: RemoteState, plan: Plan, progress: ProgressCallback | None) -> None:
    record = Progress(target, remote)
    total, done = len(plan.uploads), 0
    groups: dict[str, list[Step]] = {}
    for step in plan.uploads:
        groups.setdefault(step.group, []).append(step)

    def send(step: Step) -> str:
        target.put(step.name, _read_checked(local, step.name), content_type(step.name), cache_control(step.name))
        return step.name

    def finished(future) -> None:
        nonlocal done
        name = future.result()
        record.done(name, local.files[name])
        done += 1
        if progress is not None:
            progress(done, total, name)

    record.pending([step.name for step in plan.uploads if step.name not in remote.files])
    with ThreadPoolExecutor(max_workers=max(1, target.parallel)) as pool:
        for steps in groups.values():  # in plan order: a group starts when the one before is complete
            futures = {pool.submit(send, step) for step in steps}
            try:
                while futures:
                    complete, futures = wait(futures, return_when=FIRST_EXCEPTION)
                    failures = [future.exception() for future in complete if future.exception() is not None]
                    for future in complete:
                        if future.exception() is None:
                            finished(future)
                    if failures:
                        raise failures[0]
            except BaseException:
                _record_the_rest(record, futures, lambda name: record.done(name, local.files[name]))
                raise
    remote.internal.update(record.written)


def _record_the_rest(record: Progress, futures, note: Callable[[str], None]) -> None:
    """After a failure (or Ctrl-C, or a progress callback that raised): cancel what has not started,
    wait for what is running, and record every file that did get up, so the rerun does not send it
    again. The progress callback is not called again."""
    for future in futures:
        future.cancel()
    wait(futures)
    try:
        for future in futures:
            if not future.cancelled() and future.exception() is None:
                note(future.result())
        record.flush()
    except (DeployError, OSError):
        pass  # the connection is gone: the rerun sends these again


def _finish(target: Target, local: LocalSite, remote: RemoteState, plan: Plan) -> None:
    """The manifest, then the deletions, then (only if files of the site were deleted) the manifest
    once more without them; retired search files stay listed as leftovers for the next deploy. Progress records it supersedes stay listed as `internal` when they are
    removed: the next deploy that writes anything removes them again (gone already is fine) and
    forgets them, so a deploy with nothing to do still writes nothing."""
    deletions = [step.name for step in plan.deletions]
    internal = sorted(remote.internal | set(remote.records))
    manifest_id, data = new_manifest(local.files, [*deletions, *plan.retired], internal, local.base_url)
    target.put(REMOTE_MANIFEST, data, JSON_TYPE, NO_STORE)
    for name in [*deletions, *internal]:
        target.delete(name)
    if deletions:
        _, data = new_manifest(local.files, plan.retired, internal, local.base_url, manifest_id)
        target.put(REMOTE_MANIFEST, data, JSON_TYPE, NO_STORE)


__all__ = ["DEFAULT_MAX_DELETES", "DELETE", "UPLOAD", "DeployReport", "deploy_site"]
