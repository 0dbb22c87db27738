"""`import --force` with two received files of one issue in one run: the editor's version, replaced by
the first, must still be in the .bak after the second (not the first import's text)."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from guanxin_site.cli import main
from test_cli_import_folder import issue_text


def test_force_twice_in_one_run_keeps_the_editors_version(project: Path, tmp_path: Path):
    received = tmp_path / "收到"
    received.mkdir()
    (received / "a.txt").write_text(issue_text(54, 510, 24), encoding="utf-8")
    run = lambda *args: CliRunner().invoke(main, ["import", "--source", str(project), *args], catch_exceptions=False)
    assert run(str(received / "a.txt")).exit_code == 0
    issue = project / "issues" / "2023" / "054.md"
    edited = issue.read_text(encoding="utf-8") + "\n编辑手工加的一段。\n"
    issue.write_text(edited, encoding="utf-8")
    (received / "b.txt").write_text(issue_text(54, 510, 24).replace("。", "！", 1), encoding="utf-8")
    result = run(str(received / "a.txt"), str(received / "b.txt"), "--force")
    backup = issue.with_name("054.md.bak")
    assert backup.read_text(encoding="utf-8") == edited, result.stdout
    assert issue.read_text(encoding="utf-8") != edited and "！" not in issue.read_text(encoding="utf-8")
    assert "没有再用这个文件替换它" in result.stdout and result.exit_code == 1


def _hand_edited_import(project: Path, received: Path) -> tuple[Path, str]:
    received.mkdir()
    (received / "a.txt").write_text(issue_text(54, 510, 24), encoding="utf-8")
    assert _run(project, str(received / "a.txt")).exit_code == 0
    issue = project / "issues" / "2023" / "054.md"
    edited = issue.read_text(encoding="utf-8") + "\n编辑手工加的一段。\n"
    issue.write_text(edited, encoding="utf-8")
    return issue, edited


def _run(project: Path, *args: str):
    return CliRunner().invoke(main, ["import", "--source", str(project), *args], catch_exceptions=False)


def test_the_same_force_import_run_again_keeps_the_editors_version(project: Path, tmp_path: Path):
    """Found by an editor's walkthrough: the second identical `import --force` backed up the first one's
    text over the .bak, and the hand edits were gone for good."""
    received = tmp_path / "收到"
    issue, edited = _hand_edited_import(project, received)
    for _ in range(2):
        assert _run(project, str(received / "a.txt"), "--force").exit_code == 0
    assert issue.with_name("054.md.bak").read_text(encoding="utf-8") == edited
    assert not issue.with_name("054.md.1.bak").exists()  # nothing was replaced the second time


def test_a_later_force_import_of_another_file_moves_the_older_backup_aside(project: Path, tmp_path: Path):
    received = tmp_path / "收到"
    issue, edited = _hand_edited_import(project, received)
    first = issue_text(54, 510, 24)
    assert _run(project, str(received / "a.txt"), "--force").exit_code == 0
    (received / "b.txt").write_text(first.replace("。", "！", 1), encoding="utf-8")  # a corrected copy, received later
    assert _run(project, str(received / "b.txt"), "--force").exit_code == 0
    assert "！" in issue.read_text(encoding="utf-8")
    assert "编辑手工加的一段" not in issue.with_name("054.md.bak").read_text(encoding="utf-8")  # the first import's text
    assert issue.with_name("054.md.1.bak").read_text(encoding="utf-8") == edited  # the editor's version, kept
    (received / "c.txt").write_text(first.replace("。", "？", 1), encoding="utf-8")
    assert _run(project, str(received / "c.txt"), "--force").exit_code == 0
    assert issue.with_name("054.md.1.bak").read_text(encoding="utf-8") == edited  # never written over
    assert "！" in issue.with_name("054.md.bak").read_text(encoding="utf-8")  # the version just replaced
    older = issue.with_name("054.md.2.bak").read_text(encoding="utf-8")  # the first import's, moved aside in turn
    assert "！" not in older and "编辑手工加的一段" not in older
