"""The desk's two long tasks, run as jobs: importing received files, and publishing (build, then deploy).

Publishing builds into site/ as `guanxin-site build` does, then hands the site to `guanxin_site.deploy`
(imported only here, when the editor publishes) for the target set in site.yaml. Without a target (or
without the deploy package) the site is only built, and the page says how to add a target.
"""
from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from guanxin_site.build import build
from guanxin_site.loader import load_site_config
from guanxin_site.desk.checks import editor_words
from guanxin_site.desk.jobs import Job
from guanxin_site.errors import ContentErrors
from guanxin_site.desk.original import PDFIUM
from guanxin_site.desk.store import Store, remember_published

SITE_DIR = "site"  # where `guanxin-site build` writes by default, and what `deploy` publishes
STATUS_NAMES = {"imported": "已导入", "present": "已存在", "attention": "需要处理"}
BUILD_STAGES = {"parse": "读取各期", "render": "生成网页", "search": "生成搜索索引", "photos": "处理照片",
                "write": "写入文件"}
NO_TARGET = ("还没有设置发布地址，这次只生成了网站（在项目的 site 文件夹中），没有上传。要发布到网上，请在 site.yaml 中"
             "加上发布地址（deploy:），写法见编辑指南的“发布”一节；设置后再点“发布”。")


def import_received(store: Store, files: list[tuple[Path, str]], job: Job) -> dict:
    """Import the received files (path, the name the editor's file had) into the project."""
    from guanxin_site.importer.batch import import_paths

    _, gazetteer = load_site_config(store.project, None)
    names = {path: name for path, name in files}
    job.progress(f"正在读取 {len(files)} 个文件……", 0, len(files))

    def progress(done: int, total: int, file: Path) -> None:
        job.progress(f"已读完“{names.get(file, file.name)}”", done, total)

    def on_ocr(file: Path, page: int, pages: int) -> None:
        job.progress(f"正在用文字识别（OCR）读“{names.get(file, file.name)}”第 {page}/{pages} 页（每页要几秒钟）",
                     job.done, job.total)

    with PDFIUM:  # the import reads PDFs in this thread: no page may be rendered meanwhile
        outcomes = import_paths([path for path, _ in files], store.project, gazetteer, jobs=1,
                                progress=progress, on_ocr=on_ocr)
    for outcome in outcomes:
        if outcome.status == "imported" and outcome.target:
            _name_received(store.project / outcome.target, names.get(outcome.file, outcome.file.name))
    ids = {entry.rel: entry.id for entry in store.entries()}
    rows = []
    for outcome in outcomes:
        rows.append({"name": names.get(outcome.file, outcome.file.name), "status": outcome.status,
                     "status_name": STATUS_NAMES.get(outcome.status, outcome.status),
                     "message": _named(outcome.message, names),
                     "place": outcome.place, "target": outcome.target, "label": outcome.label,
                     "reports": outcome.reports, "id": ids.get(outcome.target or ""),
                     "notes": [{"page": n.page, "line": n.line, "message": n.message} for n in outcome.notes]})
    return {"outcomes": rows}


def _named(message: str, names: dict[Path, str]) -> str:
    """A message naming a received file by the editor's name for it, not by where the desk keeps it."""
    for path, name in names.items():
        message = message.replace(str(path), f"“{name}”")
    return message


def _name_received(issue: Path, name: str) -> None:
    """The received file's own name in 原件.json (the import read it from the desk's store, named by its hash)."""
    import json

    from guanxin_site.fsutil import write_file
    from guanxin_site.importer.layout import LAYOUT_NAME

    path = issue.with_suffix("") / LAYOUT_NAME
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return
    if isinstance(data, dict):
        data["received"] = name
        write_file(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def deploy_module():
    """guanxin_site.deploy, or None where this installation has none."""
    try:
        from guanxin_site import deploy
    except ImportError:
        return None
    return deploy


def targets(project: Path) -> dict[str, str]:
    """site.yaml's publishing addresses by name ({} when none). Raises DeployError for a wrong setting."""
    deploy = deploy_module()
    return {} if deploy is None else dict(deploy.configured_targets(project))


def publish(store: Store, job: Job, build_lock: threading.Lock, target: str | None, password: str | None) -> dict:
    """Build site/, then deploy it to the target (by name) if one is set. Returns what the page shows."""
    site = store.project / SITE_DIR
    job.progress("正在生成网站……")

    def building(stage: str, done: int, total: int) -> None:
        job.progress(f"正在生成网站：{BUILD_STAGES.get(stage, stage)}", done, total)

    with build_lock:  # one build at a time in this process: serve's preview rebuilds share the cache
        try:
            built = build(store.project, site, jobs=1, progress=building)
        except ContentErrors as exc:  # said in the form's words, as beside the fields
            raise ContentErrors([replace(e, message=editor_words(e.message)) for e in exc.errors]) from None
    result = {"issues": built.issues, "pages": built.pages, "written": built.written, "seconds": round(built.seconds, 2),
              "warnings": [str(w) for w in built.warnings], "deployed": False}
    named = targets(store.project)
    if not named:
        remember_published(store, deployed=False, url="")
        return {**result, "message": NO_TARGET}
    if target is None and len(named) == 1:
        target = next(iter(named))
    if target not in named:
        return {**result, "message": "site.yaml 中设置了几个发布地址，请选择发布到哪一个", "choose": sorted(named)}
    report = _deploy(job, site, named[target], password)
    remember_published(store, deployed=True, url=report.site_url or named[target])
    return {**result, "deployed": True, "target": target, "uploaded": report.uploaded,
            "uploaded_bytes": report.uploaded_bytes, "unchanged": report.unchanged, "deleted": report.deleted,
            "site_url": report.site_url}


def _deploy(job: Job, site: Path, url: str, password: str | None):
    deploy = deploy_module()
    job.progress("正在连接发布地址……")

    def uploading(done: int, total: int, name: str) -> None:
        job.progress(f"正在上传：{name}", done, total)

    try:
        return deploy.deploy_site(site, url, progress=uploading, password=password or None)
    except deploy.PasswordNeeded:  # its message speaks of the command line's prompt and environment
        raise deploy.DeployError("发布地址需要密码：请在“服务器密码”中填写后再点“发布”") from None
    except deploy.DeployError as exc:  # a refused login: here the password is typed into the form
        if deploy.PASSWORD_HINT not in str(exc):
            raise
        raise deploy.DeployError(str(exc).replace(deploy.PASSWORD_HINT, "（请在“服务器密码”中重新填写后再点“发布”）")) from None
