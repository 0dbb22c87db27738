"""`guanxin-site import`: the command an editor runs on the bulletin as received.

The importer itself is tested in test_importer.py; these tests are about the command:
where the file goes, what it refuses, what it prints, and its exit status.
"""
from __future__ import annotations

from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from guanxin_site.build import build
from guanxin_site.cli import main
from test_importer import SEED_TEXT

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "issues" / "2023" / "053.md"
TARGET = Path("issues/2023/053.md")

VARIANTS = {
    "seed.txt": lambda t: t.encode("utf-8"),
    "crlf.txt": lambda t: t.replace("\n", "\r\n").encode("utf-8"),
    "bom.txt": lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
    "gbk.txt": lambda t: t.encode("gbk"),
    "gbk-crlf.txt": lambda t: t.replace("\n", "\r\n").encode("gbk"),
    "utf16le.txt": lambda t: t.replace("\n", "\r\n").encode("utf-16"),  # Notepad's "Unicode"
    "utf16be.txt": lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
}


def run(project: Path, *args: str):
    return CliRunner().invoke(main, ["import", "--source", str(project), *args], catch_exceptions=False)


def write_docx(path: Path, text: str) -> Path:
    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    document.save(path)
    return path


@pytest.mark.parametrize("name", VARIANTS)
def test_seed_and_encodings_give_the_shipped_file(project, tmp_path, name):
    received = tmp_path / name
    received.write_bytes(VARIANTS[name](SEED_TEXT))
    result = run(project, str(received))
    assert result.exit_code == 0, result.output
    assert (project / TARGET).read_bytes() == SHIPPED.read_bytes()
    assert "issues/2023/053.md" in result.stdout and "2023年第53期·总第509期" in result.stdout
    assert result.stderr == ""  # the seed leaves nothing to report


def test_docx_gives_the_shipped_file(project, tmp_path):
    received = write_docx(tmp_path / "第53期.docx", SEED_TEXT)
    result = run(project, str(received))
    assert result.exit_code == 0, result.output
    assert (project / TARGET).read_bytes() == SHIPPED.read_bytes()


def test_imported_issue_builds(project, tmp_path):
    received = tmp_path / "seed.txt"
    received.write_text(SEED_TEXT, encoding="utf-8")
    assert run(project, str(received)).exit_code == 0
    result = build(project, tmp_path / "site")
    assert result.issues == 1
    assert "全省各地关工委认真学习贯彻省关工委第33次全委会议精神" in (tmp_path / "site/2023/53/index.html").read_text(encoding="utf-8")


def test_refuses_to_overwrite_without_force(project, tmp_path):
    received = tmp_path / "seed.txt"
    received.write_text(SEED_TEXT, encoding="utf-8")
    (project / TARGET).parent.mkdir(parents=True)
    (project / TARGET).write_text("编辑改过的内容\n", encoding="utf-8")
    result = run(project, str(received))
    assert result.exit_code == 0  # already present: skipped, so a folder import can be re-run
    assert (project / TARGET).read_text(encoding="utf-8") == "编辑改过的内容\n"
    assert "issues/2023/053.md 已经存在，没有覆盖" in result.stderr  # names the file
    assert "--force 会丢掉你在 issues/2023/053.md 中手工改过的内容" in result.stderr
    assert "已导入 0 个，已存在 1 个，需要处理 0 个" in result.stdout

    result = run(project, str(received), "--force")
    assert result.exit_code == 0, result.output
    assert (project / TARGET).read_bytes() == SHIPPED.read_bytes()
    backup = project / "issues/2023/053.md.bak"  # the hand edits are kept
    assert backup.read_text(encoding="utf-8") == "编辑改过的内容\n"
    assert "已保存为 issues/2023/053.md.bak" in result.stderr
    assert not [p for p in backup.parent.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_output_dash_prints_and_writes_nothing(project, tmp_path):
    received = tmp_path / "seed.txt"
    received.write_text(SEED_TEXT, encoding="utf-8")
    result = run(project, str(received), "-o", "-")
    assert result.exit_code == 0
    assert result.stdout == SHIPPED.read_text(encoding="utf-8")
    assert not (project / "issues" / "2023").exists()


def test_output_path(project, tmp_path):
    received = tmp_path / "seed.txt"
    received.write_text(SEED_TEXT, encoding="utf-8")
    out = tmp_path / "elsewhere" / "53.md"
    result = run(project, str(received), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == SHIPPED.read_bytes()
    assert not (project / TARGET).exists()
    again = run(project, str(received), "-o", str(out))  # never overwritten: already present
    assert again.exit_code == 0 and "已经导入过，内容相同" in again.stderr


def test_notes_are_printed_as_file_line_message(project, tmp_path):
    lines = SEED_TEXT.split("\n")
    lines[12:12] = ["本期刊发各地学习贯彻会议精神的情况。", ""]  # a lead before the first report, at line 13
    received = tmp_path / "lead.txt"
    received.write_text("\n".join(lines), encoding="utf-8")
    result = run(project, str(received))
    assert result.exit_code == 0, result.output
    assert f"{received}:13: " in result.stderr and "导语" in result.stderr
    assert "本期刊发各地学习贯彻会议精神的情况。" in (project / TARGET).read_text(encoding="utf-8")


def test_import_error_is_file_line_message_and_exit_1(project, tmp_path):
    lines = SEED_TEXT.split("\n")
    lines[8] = ""  # the date line (line 9)
    received = tmp_path / "nodate.txt"
    received.write_text("\n".join(lines), encoding="utf-8")
    result = run(project, str(received))
    assert result.exit_code == 1
    assert f"{received}:7: 找不到出版日期" in result.stderr
    assert not (project / "issues" / "2023").exists()


def test_several_files_import_what_can_be_imported(project, tmp_path):
    good = tmp_path / "53.txt"
    good.write_text(SEED_TEXT, encoding="utf-8")
    second = tmp_path / "54.docx"
    write_docx(second, SEED_TEXT.replace("第53期·总第509期", "第54期·总第510期").replace("2023年11月17日", "2023年11月24日"))
    pdf = tmp_path / "55.txt"
    pdf.write_bytes(b"%PDF-1.7\n%binary")
    missing = tmp_path / "56.txt"
    result = run(project, str(good), str(pdf), str(second), str(missing))
    assert result.exit_code == 1
    assert (project / TARGET).read_bytes() == SHIPPED.read_bytes()
    assert "number: 54\ntotal: 510\ndate: 2023-11-24\n" in (project / "issues/2023/054.md").read_text(encoding="utf-8")
    assert f"{pdf}: 无法打开这个 PDF 文件" in result.stderr  # a PDF under a .txt name is read as a PDF
    assert f"{missing}: 找不到这个文件" in result.stderr
    assert "有 2 个文件没有导入" in result.stderr


def test_one_output_file_for_several_inputs_is_refused(project, tmp_path):
    received = tmp_path / "seed.txt"
    received.write_text(SEED_TEXT, encoding="utf-8")
    result = run(project, str(received), str(received), "-o", str(tmp_path / "x.md"))
    assert result.exit_code == 2
    assert "-o" in result.stderr and not (tmp_path / "x.md").exists()


def test_import_outside_a_project_refuses_as_build_does(tmp_path, monkeypatch):
    received = tmp_path / "seed.txt"
    received.write_text(SEED_TEXT, encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    result = CliRunner().invoke(main, ["import", str(received)], catch_exceptions=False)
    assert result.exit_code == 1
    assert "不像是简报网站的项目目录" in result.stderr and "guanxin-site init" in result.stderr
    assert list(empty.iterdir()) == []  # no issues/ made here, with another province's gazetteer


def test_import_inside_issues_names_the_project(project, tmp_path, monkeypatch):
    received = tmp_path / "seed.txt"
    received.write_text(SEED_TEXT, encoding="utf-8")
    monkeypatch.chdir(project / "issues")
    result = CliRunner().invoke(main, ["import", str(received)], catch_exceptions=False)
    assert result.exit_code == 1
    assert f"它在项目 {project.resolve()} 里面" in result.stderr and f"--source {project.resolve()}" in result.stderr
    assert list((project / "issues").iterdir()) == []  # no issues/issues/2023/...
    monkeypatch.chdir(project)
    assert CliRunner().invoke(main, ["import", str(received)]).exit_code == 0
    assert (project / TARGET).read_bytes() == SHIPPED.read_bytes()


def test_broken_site_yaml_is_reported(project, tmp_path):
    (project / "site.yaml").write_text("gazetteer: nowhere\n", encoding="utf-8")
    received = tmp_path / "seed.txt"
    received.write_text(SEED_TEXT, encoding="utf-8")
    result = run(project, str(received))
    assert result.exit_code == 1
    assert "site.yaml" in result.stderr and "地名表" in result.stderr


def test_issue_already_in_the_archive_under_another_name(project, tmp_path):
    """Importing must not create a second file for an issue the archive already has."""
    existing = project / "issues" / "2023" / "53.md"
    existing.parent.mkdir(parents=True)
    existing.write_bytes(SHIPPED.read_bytes())
    received = tmp_path / "seed.txt"
    received.write_text(SEED_TEXT, encoding="utf-8")
    result = run(project, str(received))
    assert result.exit_code == 0  # already present: skipped
    assert "2023年第53期·总第509期已经在 issues/2023/53.md 中，没有导入" in result.stderr
    assert not (project / TARGET).exists()
    result = run(project, str(received), "--force")  # replacing it under another name would make a duplicate
    assert result.exit_code == 1
    assert "2023年第53期·总第509期已经在 issues/2023/53.md 中，没有导入" in result.stderr
    assert f"-o {existing} --force" in result.stderr  # a path that works from where the editor is
    assert not (project / TARGET).exists()
    result = run(project, str(received), "-o", str(existing), "--force")
    assert result.exit_code == 0, result.output
    assert existing.read_bytes() == SHIPPED.read_bytes()


def test_an_issue_number_already_taken_by_another_date_is_not_skipped_as_imported(project, tmp_path):
    """An editor's walkthrough: a received file whose number was already in the archive, for another
    issue, was 已存在，跳过 (exit 0) like a harmless repeat; a new issue with a mistyped number was easy to
    miss. Now it needs handling, and says why."""
    existing = project / TARGET
    existing.parent.mkdir(parents=True)
    existing.write_bytes(SHIPPED.read_bytes())  # 2023年第53期, 2023-11-17
    received = tmp_path / "第54期.txt"
    received.write_text(SEED_TEXT.replace("2023年11月17日", "2023年11月24日"), encoding="utf-8")  # number still 53
    result = run(project, str(received))
    assert result.exit_code == 1
    assert "已经在 issues/2023/053.md 中，但那一期的日期是 2023-11-17，这个文件是 2023-11-24" in result.stderr
    assert "可能是期号或日期写错了" in result.stderr and "需要处理 1 个" in result.stdout
    assert existing.read_bytes() == SHIPPED.read_bytes()
    forced = run(project, str(received), "--force")  # the editor has checked: this file's date is the right one
    assert forced.exit_code == 0 and "date: 2023-11-24" in existing.read_text(encoding="utf-8")
    existing.write_bytes(SHIPPED.read_bytes())
    same = tmp_path / "seed.txt"
    same.write_text(SEED_TEXT, encoding="utf-8")
    assert run(project, str(same)).exit_code == 0  # the same issue again: skipped as before


def test_an_issue_file_given_to_import_is_told_to_be_copied_in(project, tmp_path):
    """An editor's walkthrough: importing a colleague's finished issue file (第54期.md) said 第1行：找不到期号行,
    as if the file were broken."""
    received = tmp_path / "第54期.md"
    received.write_bytes(SHIPPED.read_bytes())
    result = run(project, str(received))
    assert result.exit_code == 1
    assert "这已经是整理好的简报文件" in result.stderr and "issues/<年>/" in result.stderr
    assert "找不到期号行" not in result.stderr and not (project / TARGET).exists()


def test_a_skipped_files_notes_are_not_repeated(project, tmp_path):
    """An editor's walkthrough: re-running a folder import printed again the notes of every file it skipped
    (已存在), about text it did not write this time."""
    received = tmp_path / "seed.txt"
    received.write_text(SEED_TEXT.replace("全省各地关工委认真学习贯彻 省关工委第33次全委会议精神",
                                          "全省各地关工委认真学习贯彻\n\n省关工委第33次全委会议精神"), encoding="utf-8")
    first = run(project, str(received))
    assert first.exit_code == 0 and "合并为标题" in first.stderr
    again = run(project, str(received))
    assert again.exit_code == 0 and "合并为标题" not in again.stderr and "已存在 1 个" in again.stdout
