"""Import files and folders into a project: what became of each file, for the command's table.

Every .pdf, .docx and .txt under the folders given (recursively) is imported into
issues/<year>/<number>.md; one bad file never stops the others. An issue the archive already has
(under any file name), or that an earlier file of the same run gave, is skipped as already present,
so the command can be re-run; nothing is overwritten without force. The received PDF is kept beside
the issue (issues/<year>/<number>/原件.pdf) and listed as an attachment; photos of a .docx go to the
same folder. Old .doc and .wps files are converted by LibreOffice when it is installed.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from guanxin_site.errors import OutputError, display_path
from guanxin_site.fsutil import write_file
from guanxin_site.importer.lines import BulletinImportError, ImportNote
from guanxin_site.importer.issuefile import ORIGINAL_NAME, ImportedIssue, figure_name
from guanxin_site.importer.layout import LAYOUT_NAME
from guanxin_site.importer.sources import CONVERTIBLE, IMPORTABLE, READERS, extract
from guanxin_site.models import issue_label
from guanxin_site.reader import ISSUES_DIR

__all__ = ["IMPORTED", "PRESENT", "ATTENTION", "Outcome", "collect", "import_paths"]

IMPORTED = "imported"
PRESENT = "present"  # already in the archive: skipped
ATTENTION = "attention"  # not imported: the editor must do something

_CONVERT_TIMEOUT = 180  # seconds for LibreOffice to convert one file
_OLD_KINDS = {".doc": "旧版 Word（.doc）", ".wps": "WPS（.wps）"}


@dataclass(frozen=True)
class Outcome:
    file: Path
    status: str
    message: str  # what happened, in Chinese
    place: str = ""  # 第2页 / 13 (a line): where in the file the problem is
    target: str | None = None  # the issue file, as shown to the editor
    label: str | None = None  # 2023年第53期·总第509期
    reports: int = 0
    notes: tuple[ImportNote, ...] = ()
    markdown: str | None = field(default=None, repr=False)  # with output "-": the issue file's text
    backup: str | None = None  # with --force: where the replaced issue file was kept (as shown)


def collect(paths: list[Path], skip: tuple[Path, ...] = ()) -> tuple[list[Path], list[Outcome]]:
    """The files to import (folders walked, in a stable order), and outcomes for paths that do not exist.
    skip: folders not to walk into (the project's own issues/ and site/, when the editor imports ".")."""
    files: list[Path] = []
    missing: list[Outcome] = []
    skipped = {folder.resolve() for folder in skip}
    for path in paths:
        if path.is_dir():
            found = []
            for folder, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (Path(folder) / d).resolve() not in skipped)
                found += [Path(folder) / n for n in names
                          if not n.startswith((".", "~$")) and Path(n).suffix.lower() in IMPORTABLE + CONVERTIBLE]
            files += sorted(found)
        elif path.is_file():
            files.append(path)
        else:
            missing.append(Outcome(path, ATTENTION, "找不到这个文件；请检查文件名和所在的文件夹"))
    return files, missing


MIN_FILES_FOR_WORKERS = 8  # a PDF costs tens of milliseconds a page (seconds with OCR): forking pays early


def import_paths(paths: list[Path], project: Path, gazetteer, *, force: bool = False, keep_original: bool = True,
                 output: Path | str | None = None, ocr: bool = True, jobs: int | None = None,
                 progress: Callable[[int, int, Path], None] | None = None,
                 on_ocr: Callable[[Path, int, int], None] | None = None) -> list[Outcome]:
    """Import every file under paths into project; one Outcome per file (and per missing path).
    progress(done, total, file) as files are read; on_ocr(file, page, pages) before a page is read by
    OCR (in whichever process reads the file).

    Files are read and parsed by `jobs` processes (PDFium is not thread-safe); the issue files are
    then written here, in the order of the files, so which of two files with the same issue is
    imported does not depend on timing."""
    from guanxin_site.scaffold import survey
    from guanxin_site.workers import process_map

    files, outcomes = collect(paths, skip=(project / ISSUES_DIR, project / "site"))  # site/: the default output
    missing = len(outcomes)
    known, _ = survey(project.resolve())  # the issues already in the archive, whatever their file names
    run = _Run(project, gazetteer, force, keep_original, output, ocr, {k.key: k.source for k in known}, on_ocr,
               dates={k.key: k.date for k in known})
    run.index_originals()
    results: dict[int, object] = {}
    jobs = jobs or os.cpu_count() or 1
    # One file at a time to whichever process is free: a scan read by OCR can take minutes.
    read = process_map(run.read, files, jobs, min_items=MIN_FILES_FOR_WORKERS, chunk_size=1)
    for done, (index, result) in enumerate(read, 1):
        results[index] = result
        # Written as soon as every earlier file is: in file order (which of two files with the same issue
        # wins does not depend on timing), and an interrupted import keeps what it has done.
        while len(outcomes) - missing in results:
            position = len(outcomes) - missing
            outcomes.append(run.finish(files[position], results.pop(position)))
        if progress is not None:
            progress(done, len(files), files[index])
    return outcomes


@dataclass
class _Run:
    project: Path
    gazetteer: object
    force: bool
    keep_original: bool
    output: Path | str | None
    ocr: bool
    known: dict  # (year, number) -> issue file (as shown), growing as files are imported
    on_ocr: Callable[[Path, int, int], None] | None = None
    written: dict = field(default_factory=dict)  # issue file -> the received file it was imported from in this run
    originals: dict = field(default_factory=dict)  # sha256 of each original PDF kept in the archive -> its issue file
    dates: dict = field(default_factory=dict)  # (year, number) -> date of the issue file already in the archive

    def index_originals(self) -> None:
        """The PDFs already kept as originals: re-running over a folder of scans must not OCR them all again."""
        if self.force or self.output is not None:
            return
        for shown in self.known.values():
            content = _read((self.project / shown).with_suffix("") / f"{ORIGINAL_NAME}.pdf")
            if content is not None:
                self.originals[hashlib.sha256(content).hexdigest()] = shown

    def _other_date(self, issue: ImportedIssue, label: str, other: str) -> str | None:
        """The archive has this year's number already, for another date: more likely a mistyped number (or
        date) on one of them than the same issue again, so it is not skipped as already imported."""
        earlier = self.dates.get((issue.year, issue.number))
        if earlier is None or earlier == issue.date:
            return None
        return (f"{label}已经在 {other} 中，但那一期的日期是 {earlier.isoformat()}，这个文件是 {issue.date.isoformat()}，"
                "可能是期号或日期写错了，没有导入。请对照原件核对：是新的一期，就改正期号后重新导入；"
                f"是同一期、要用这次导入的内容替换 {other}，就加上 --force 重新导入")

    def read(self, file: Path) -> Outcome | tuple[ImportedIssue, bool, bytes]:
        """(the issue, whether to keep the file as its original, its layout sidecar), or the Outcome of a
        file that stops here. Runs in worker processes: returns everything, raises nothing, changes nothing."""
        from guanxin_site.importer.core import parse_lines

        try:
            if file.suffix.lower() in CONVERTIBLE:
                return self._converted(file)
            data = file.read_bytes()
            imported_as = self.originals.get(hashlib.sha256(data).hexdigest())
            if imported_as is not None:
                return Outcome(file, PRESENT, f"已经导入过（{imported_as} 旁边保存的原件与它相同）", target=imported_as)
            on_ocr = (lambda page, pages: self.on_ocr(file, page, pages)) if self.on_ocr else None
            extracted = extract(file, data, ocr=self.ocr, on_ocr=on_ocr)
            issue = _with_notes(parse_lines(extracted.lines, self.gazetteer), extracted)
            keep = self.keep_original and any(r.keeps_original for r in READERS if r.kind == extracted.kind)
            return issue, keep, _layout(extracted, issue, file)
        except BulletinImportError as exc:
            return Outcome(file, ATTENTION, exc.message, place(exc.line, exc.page))
        except OSError as exc:
            return Outcome(file, ATTENTION, f"无法读取文件（{exc.strerror or exc}）")
        except Exception as exc:  # a file no reader foresaw must not stop the others (nor print a traceback)
            return Outcome(file, ATTENTION, f"读取这个文件时程序出错（{type(exc).__name__}），没有导入；"
                                            "请把这个文件和这句话发给网站的维护人员")

    def finish(self, file: Path, result: Outcome | tuple[ImportedIssue, bool, bytes]) -> Outcome:
        if isinstance(result, Outcome):
            return result
        issue, keep, layout = result
        try:
            original = file.read_bytes() if keep else None
        except OSError as exc:
            return Outcome(file, ATTENTION, f"无法读取文件（{exc.strerror or exc}）")
        return self._save(file, issue, original, layout)

    def _converted(self, file: Path) -> Outcome | tuple[ImportedIssue, bool, bytes]:
        kind = _OLD_KINDS[file.suffix.lower()]
        soffice = installed_program("soffice") or installed_program("libreoffice")
        if soffice is None:
            return Outcome(file, ATTENTION, f"这是{kind}文件，不能直接导入：请在 Word 或 WPS 中打开它，选择“另存为”→"
                                            "“Word 文档（*.docx）”，再导入保存的 .docx 文件；或者安装 LibreOffice，"
                                            "再次导入时会自动转换")
        with tempfile.TemporaryDirectory() as tmp:
            try:
                # A profile of its own: LibreOffice refuses to run twice on one profile (parallel workers,
                # or the editor's open LibreOffice window).
                profile = Path(tmp, "profile").as_uri()
                subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "docx",
                                "--outdir", tmp, str(file.resolve())],
                               check=True, capture_output=True, timeout=_CONVERT_TIMEOUT)
                converted = Path(tmp) / (file.stem + ".docx")
                extracted = extract(converted)
            except (OSError, subprocess.SubprocessError):
                return Outcome(file, ATTENTION, f"这是{kind}文件，用 LibreOffice 转换为 .docx 没有成功；"
                                                "请在 Word 或 WPS 中把它另存为 .docx 后再导入")
            from guanxin_site.importer.core import parse_lines

            issue = _with_notes(parse_lines(extracted.lines, self.gazetteer), extracted)
            return issue, False, _layout(extracted, issue, file)

    def _save(self, file: Path, issue: ImportedIssue, original: bytes | None, layout: bytes = b"") -> Outcome:
        from guanxin_site.scaffold import issue_path, write_new_file

        label = issue_label(issue.year, issue.number, issue.total)
        common = {"label": label, "reports": len(issue.reports), "notes": issue.notes}
        if self.output == "-":
            return Outcome(file, IMPORTED, "", markdown=issue.to_markdown(), **common)
        target = Path(self.output) if self.output else issue_path(self.project, issue.year, issue.number)
        shown = display_path(target, self.project) if not self.output else str(self.output)
        other = self.known.get((issue.year, issue.number))
        if self.output is None and other is not None and not self.force and (clash := self._other_date(issue, label, other)):
            return Outcome(file, ATTENTION, clash, target=other, **common)
        if self.output is None and other is not None and other != shown:
            if not self.force:
                return Outcome(file, PRESENT, f"{label}已经在 {other} 中，没有导入", target=other, **common)
            return Outcome(file, ATTENTION, f"{label}已经在 {other} 中，没有导入（--force 不会另建一个重复的文件）。"
                           f"如果要用这次导入的内容替换它，请运行 guanxin-site import {file} -o {self.project / other} --force",
                           target=other, **common)
        assets = target.with_suffix("")
        attachments = (f"{assets.name}/{ORIGINAL_NAME}.pdf",) if original is not None else ()
        text = issue.to_markdown(assets.name, attachments)
        earlier = self.written.get(target)
        if earlier is not None:  # even with --force: a second file of the issue would push the editor's version out of .bak
            if not self.force:
                return Outcome(file, PRESENT, f"{label}这次已经从 {earlier} 导入，没有再导入", target=shown, **common)
            return Outcome(file, ATTENTION, f"{label}这次已经从 {earlier} 导入，没有再用这个文件替换它（--force 只替换导入前"
                           f"已有的文件）。如果要用这个文件的内容，请单独运行 guanxin-site import {file} --force", target=shown, **common)
        if target.is_file() and not self.force:
            same = _read(target) == text.encode("utf-8")
            why = "已经导入过，内容相同" if same else _exists(shown)
            return Outcome(file, PRESENT, why, target=shown, **common)
        try:  # photos and original first: the issue file, written last, never points at missing files
            for figure in issue.figures:
                _write(assets / figure_name(figure), figure.data)
            if original is not None:
                _write(assets / f"{ORIGINAL_NAME}.pdf", original)
            if layout and self.output is None and self.keep_original:  # for proofreading in the desk (never published)
                _write(assets / LAYOUT_NAME, layout)
            backup = write_new_file(target, text, overwrite=self.force)
        except OutputError:
            return Outcome(file, PRESENT, _exists(shown), target=shown, **common)
        except OSError as exc:
            return Outcome(file, ATTENTION, f"无法保存到 {shown}（{exc.strerror or exc}）", target=shown, **common)
        self.known[(issue.year, issue.number)] = shown
        self.dates[(issue.year, issue.number)] = issue.date
        self.written[target] = file
        kept = (display_path(backup, self.project) if not self.output else str(backup)) if backup else None
        return Outcome(file, IMPORTED, "", target=shown, backup=kept, **common)


def installed_program(name: str) -> str | None:
    """The program in a folder of PATH, never in the current folder: on Windows shutil.which looks
    there first, and that is the project folder (perhaps a colleague's USB stick), where a soffice.bat
    would run when a .doc is imported."""
    extensions = os.environ.get("PATHEXT", ".EXE;.BAT;.CMD").split(os.pathsep) if os.name == "nt" else [""]
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        if not os.path.isabs(folder):
            continue
        for extension in extensions:
            candidate = os.path.join(folder, name + extension)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    return None


def _exists(shown: str) -> str:
    """The issue file is there and differs: what --force would do to it, before the editor uses it."""
    return (f"{shown} 已经存在，没有覆盖。要用这次导入的内容替换它，请加上 --force 重新导入；注意：--force 会丢掉"
            f"你在 {shown} 中手工改过的内容（替换前的文件会保存为 {shown}.bak）")


def _layout(extracted, issue: ImportedIssue, file: Path) -> bytes:
    from guanxin_site.importer.layout import encode_layout

    return encode_layout(extracted.lines, extracted.kind, issue.notes, file.name)


def _with_notes(issue: ImportedIssue, extracted) -> ImportedIssue:
    """The issue with the reader's notes (what it could not keep) among the parser's, in input order."""
    if not extracted.notes:
        return issue
    import dataclasses

    return dataclasses.replace(issue, notes=tuple(sorted(issue.notes + extracted.notes, key=lambda n: n.line)))


def place(line: int | None, page: int | None) -> str:
    """Where in the received file: 第2页 in a PDF, the line number (as compilers print it) in text."""
    if page is not None:
        return f"第{page}页"
    return str(line) if line else ""


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _write(path: Path, data: bytes) -> None:
    """A photo or the original beside the issue file: one already there with other bytes (the editor may
    have replaced it) is kept as <name>.bak, as the issue file is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    before = _read(path)
    if before != data:
        write_file(path, data, backup=before is not None)
