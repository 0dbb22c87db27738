"""`guanxin-site import FOLDER`: a folder of past issues (PDF, .docx, .txt, old .doc) into the archive,
the result table, re-running safely, the original PDF kept, photos of a .docx, and the built pages."""
from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from PIL import Image

from guanxin_site.build import build
from guanxin_site.checker import PROOFREAD, check_project
from guanxin_site.cli import main
from pdf_factory import DISTRIBUTION, reportlab_pdf
from test_cli_import import SHIPPED, write_docx
from test_importer import SEED_TEXT


def run(project: Path, *args: str):
    return CliRunner().invoke(main, ["import", "--source", str(project), *args], catch_exceptions=False)


def issue_text(number: int, total: int, day: int) -> str:
    return SEED_TEXT.replace("第53期·总第509期", f"第{number}期·总第{total}期").replace("2023年11月17日", f"2023年11月{day}日")


@pytest.fixture
def received(tmp_path) -> Path:
    """A folder as an office has it: a PDF, a .docx and a .txt in subfolders, an old .doc, a broken PDF."""
    folder = tmp_path / "历年简报"
    (folder / "2023" / "word").mkdir(parents=True)
    reportlab_pdf(SHIPPED.read_text(encoding="utf-8"), folder / "2023" / "第53期.pdf")
    write_docx(folder / "2023" / "word" / "第54期.docx", issue_text(54, 510, 24))
    (folder / "第55期.txt").write_bytes(issue_text(55, 511, 30).encode("utf-16"))  # UTF-16 with BOM
    (folder / "第56期.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    (folder / "坏的.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<<")
    (folder / "说明.xlsx").write_bytes(b"PK\x03\x04")  # not a bulletin kind: left alone
    return folder


def test_folder_import_table_and_rerun(project, received, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # no LibreOffice: the .doc gets advice instead
    result = run(project, str(received))
    assert result.exit_code == 1  # two files need attention
    issues = project / "issues" / "2023"
    assert sorted(p.name for p in issues.glob("*.md")) == ["053.md", "054.md", "055.md"]
    imported = (issues / "053.md").read_text(encoding="utf-8")
    assert "attachments:\n  - 053/原件.pdf\n" in imported and "distribution:\n  - 报：" in imported
    assert (issues / "053" / "原件.pdf").read_bytes() == (received / "2023" / "第53期.pdf").read_bytes()
    assert "number: 55\ntotal: 511\n" in (issues / "055.md").read_text(encoding="utf-8")
    out = result.stdout
    assert "导入结果：" in out and "共 5 个文件：已导入 3 个，已存在 0 个，需要处理 2 个。" in out
    assert "第56期.doc" in out and "另存为" in out and "LibreOffice" in out
    assert "坏的.pdf" in out and "无法打开这个 PDF 文件" in out
    assert "说明.xlsx" not in out

    again = run(project, str(received))  # safe to re-run: nothing imported twice, nothing overwritten
    assert again.exit_code == 1
    assert "已导入 0 个，已存在 3 个，需要处理 2 个" in again.stdout
    assert "已经导入过，内容相同" in again.stdout  # the .docx and .txt: read again, same result
    assert "已经导入过（issues/2023/053.md 旁边保存的原件与它相同）" in again.stdout  # the PDF: not even read


def test_imported_pdf_builds_with_original_and_distribution(project, received, tmp_path):
    assert run(project, str(received / "2023" / "第53期.pdf")).exit_code == 0
    build(project, tmp_path / "site")
    page = (tmp_path / "site" / "2023" / "53" / "index.html").read_text(encoding="utf-8")
    assert (tmp_path / "site" / "2023" / "53" / "原件.pdf").is_file()
    assert "原件（PDF）" in page and 'href="%E5%8E%9F%E4%BB%B6.pdf"' in page
    footer = page[page.index('class="distribution"'):]
    assert all(f"<p>{line}</p>" in footer for line in DISTRIBUTION)
    assert page.index('class="distribution"') > page.index('id="qiqihaer"')  # after the reports


def test_no_original(project, received):
    assert run(project, str(received / "2023" / "第53期.pdf"), "--no-original").exit_code == 0
    assert "attachments" not in (project / "issues/2023/053.md").read_text(encoding="utf-8")
    assert not (project / "issues/2023/053").exists()


def test_same_issue_twice_in_one_run_is_imported_once(project, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(SEED_TEXT, encoding="utf-8")
    write_docx(folder / "b.docx", SEED_TEXT)
    result = run(project, str(folder))
    assert result.exit_code == 0
    assert "已导入 1 个，已存在 1 个" in result.stdout
    assert f"2023年第53期·总第509期这次已经从 {folder / 'a.txt'} 导入，没有再导入" in result.stdout
    assert (project / "issues/2023/053.md").read_bytes() == SHIPPED.read_bytes()


def test_docx_photos_are_kept_beside_the_issue_with_captions(project, tmp_path):
    document = docx.Document()
    lines = SEED_TEXT.split("\n")
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(photo, "PNG")
    for n, line in enumerate(lines):
        document.add_paragraph(line)
        if line.startswith("鹤岗市关工委为"):
            document.add_picture(io.BytesIO(photo.getvalue()))
            document.add_paragraph("图为鹤岗市关心下一代工作联席会议现场")
        if line.startswith("伊春市关工委于"):  # a TIFF: browsers do not show it, so it is reported, not kept
            tiff = io.BytesIO()
            Image.new("RGB", (32, 32), (0, 0, 200)).save(tiff, "TIFF")
            document.add_picture(tiff)
    document.save(tmp_path / "photo.docx")
    result = run(project, str(tmp_path / "photo.docx"))
    assert result.exit_code == 0, result.output
    text = (project / "issues/2023/053.md").read_text(encoding="utf-8")
    assert "\n\n![图为鹤岗市关心下一代工作联席会议现场](053/图1.png)\n\n" in text
    assert text.index("053/图1.png") > text.index("鹤岗市关工委为")
    assert text.count("图为鹤岗市") == 1  # the caption is not repeated as a paragraph
    assert (project / "issues/2023/053/图1.png").read_bytes() == photo.getvalue()
    assert sorted(p.name for p in (project / "issues/2023/053").iterdir()) == sorted(["图1.png", "原件.json"])
    assert "网页不能显示的图片" in result.stderr


def test_proofread_false_is_reported_by_check_until_cleared(shipped_project):
    path = shipped_project / "issues/2023/053.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n---\n", "\nproofread: false\n---\n", 1), encoding="utf-8")
    report = check_project(shipped_project)
    problems = [p for p in report.problems if p.kind == PROOFREAD]
    assert len(problems) == 1 and problems[0].line == 7 and "校对" in problems[0].message
    assert not report.ok
    result = CliRunner().invoke(main, ["check", "--source", str(shipped_project)])
    assert result.exit_code == 1 and "issues/2023/053.md:7: 这一期是用文字识别（OCR）" in result.stdout
    path.write_text(text, encoding="utf-8")
    assert not [p for p in check_project(shipped_project).problems if p.kind == PROOFREAD]


def test_progress_bar_on_long_imports(project, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(12):
        (folder / f"{n + 1:02d}.txt").write_text(issue_text(n + 1, 457 + n, 1 + n), encoding="utf-8")
    result = run(project, str(folder))
    assert result.exit_code == 0, result.output
    assert "正在导入简报" in result.stderr
    assert len(list((project / "issues/2023").glob("*.md"))) == 12


def test_doc_is_converted_by_libreoffice(project, tmp_path):
    import shutil
    import subprocess

    if shutil.which("soffice") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice must be installed in CI: scripts/test.sh installs libreoffice-writer-nogui")
        pytest.skip("LibreOffice (soffice) is not installed here")
    source = write_docx(tmp_path / "53.docx", SEED_TEXT)
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(tmp_path), str(source)], check=True, capture_output=True,
                   timeout=300)
    source.unlink()
    result = run(project, str(tmp_path / "53.doc"))
    assert result.exit_code == 0, result.output
    assert (project / "issues/2023/053.md").read_bytes() == SHIPPED.read_bytes()


def test_parallel_import_equals_one_process(tmp_path):
    """Files are read by several processes: the archive written must not depend on it."""
    folder = tmp_path / "in"
    folder.mkdir()
    reportlab_pdf(SHIPPED.read_text(encoding="utf-8"), folder / "00.pdf")
    write_docx(folder / "01-copy.docx", SEED_TEXT)  # the same issue again: the first file in order wins
    for n in range(2, 12):
        (folder / f"{n:02d}.txt").write_text(issue_text(n, 457 + n, n), encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"\x00\x01binary")
    trees = []
    for jobs in ("1", "2"):
        project = tmp_path / f"p{jobs}"
        (project / "issues").mkdir(parents=True)
        result = run(project, str(folder), "--jobs", jobs)
        assert result.exit_code == 1 and "已导入 11 个，已存在 1 个，需要处理 1 个" in result.stdout
        trees.append({p.relative_to(project).as_posix(): p.read_bytes() for p in project.rglob("*") if p.is_file()})
    assert trees[0] == trees[1]
    assert "issues/2023/053/原件.pdf" in trees[0]


def test_notes_and_problems_of_several_files_are_all_reported(project, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-bad.txt").write_text("不是简报\n", encoding="utf-8")
    lines = SEED_TEXT.split("\n")
    lines[12:12] = ["本期刊发各地学习贯彻会议精神的情况。", ""]  # a lead before the first report: a note at line 13
    (folder / "b-lead.txt").write_text("\n".join(lines), encoding="utf-8")
    result = run(project, str(folder))
    assert result.exit_code == 1
    assert f"{folder / 'a-bad.txt'}:1: 找不到期号行" in result.stderr
    assert f"{folder / 'b-lead.txt'}:13: " in result.stderr and "导语" in result.stderr
    assert "需要处理　　　" in result.stdout and "第1行：找不到期号行" in result.stdout


def test_an_interrupted_import_keeps_what_it_has_done(project, tmp_path):
    from guanxin_site.loader import load_site_config
    from guanxin_site.importer.batch import import_paths

    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(1, 7):
        (folder / f"{n:02d}.txt").write_text(issue_text(n, 457 + n, n), encoding="utf-8")
    _, gazetteer = load_site_config(project, None)

    def stop_after_three(done, total, file):
        if done == 3:
            raise KeyboardInterrupt  # the editor presses Ctrl+C

    with pytest.raises(KeyboardInterrupt):
        import_paths([folder], project, gazetteer, jobs=1, progress=stop_after_three)
    assert sorted(p.name for p in (project / "issues/2023").glob("*.md")) == ["001.md", "002.md", "003.md"]
    result = run(project, str(folder))  # and the re-run does the rest
    assert result.exit_code == 0 and "已导入 3 个，已存在 3 个，需要处理 0 个" in result.stdout


def test_importing_the_project_folder_itself_skips_its_issues_and_site(project, received, tmp_path):
    shutil.copytree(received / "2023", project / "received")
    assert run(project, str(project / "received" / "第53期.pdf")).exit_code == 0
    (project / "site" / "2023" / "53").mkdir(parents=True)
    shutil.copy(project / "issues/2023/053/原件.pdf", project / "site/2023/53/原件.pdf")  # as a build publishes it
    result = run(project, str(project))  # the editor runs `guanxin-site import .` in the project
    assert "issues/2023/053/原件.pdf" not in result.stdout and "site/2023" not in result.stdout
    assert "共 2 个文件：已导入 1 个，已存在 1 个，需要处理 0 个" in result.stdout


def test_a_paragraph_after_a_photo_is_a_caption_only_if_it_reads_like_one(tmp_path):
    from guanxin_site.importer.docx import docx_read

    photo = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 120, 0)).save(photo, "PNG")
    document = docx.Document()
    document.add_picture(io.BytesIO(photo.getvalue()))
    document.add_paragraph("图书馆建成后，孩子们有了读书的地方。")  # text that happens to start with 图
    document.add_picture(io.BytesIO(photo.getvalue()))
    document.add_paragraph("图为“五老”辅导孩子读书").style = document.styles["Caption"]
    buffer = io.BytesIO()
    document.save(buffer)
    lines, notes = docx_read(buffer.getvalue())
    texts = [line.text for line in lines if line.figure is None and line.text]
    captions = [line.figure.caption for line in lines if line.figure is not None]
    assert texts == ["图书馆建成后，孩子们有了读书的地方。"]
    assert captions == ["图1", "图为“五老”辅导孩子读书"] and notes == []


def test_a_file_no_reader_foresaw_does_not_stop_the_others(project, tmp_path, monkeypatch):
    """Fault injection: a reader failing in a way nobody planned for, on one file of two."""
    from guanxin_site.importer import text

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(SEED_TEXT, encoding="utf-8")
    (folder / "b.txt").write_text(issue_text(54, 510, 24), encoding="utf-8")
    decode = text.decode_bulletin

    def failing_on_54(data: bytes) -> str:
        if "第54期".encode("utf-8") in data:
            raise IndexError("a reader's bug")
        return decode(data)

    monkeypatch.setattr(text, "decode_bulletin", failing_on_54)
    result = run(project, str(folder))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{folder / 'b.txt'}: 读取这个文件时程序出错（IndexError）" in result.stderr
    assert (project / "issues/2023/053.md").read_bytes() == SHIPPED.read_bytes()
