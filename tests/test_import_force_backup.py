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
