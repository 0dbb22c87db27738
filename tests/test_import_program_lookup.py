"""LibreOffice for an old .doc is looked up in PATH only: on Windows shutil.which searched the current
folder first, which is the project folder an editor runs guanxin-site in (perhaps a colleague's USB stick)."""
from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from guanxin_site.cli import main


def test_a_soffice_in_the_project_folder_is_never_run(project: Path, tmp_path: Path, monkeypatch):
    planted = project / "soffice.BAT"
    planted.write_text(f"#!/bin/sh\n/usr/bin/touch {tmp_path / 'ran'}\n", encoding="utf-8")
    planted.chmod(0o755)
    (tmp_path / "第56期.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.chdir(project)
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("PATHEXT", ".BAT")
    monkeypatch.setattr(sys, "platform", "win32")  # shutil.which's Windows rule: the current folder first
    result = CliRunner().invoke(main, ["import", str(tmp_path / "第56期.doc")], catch_exceptions=False)
    assert not (tmp_path / "ran").exists()
    assert "安装 LibreOffice" in result.output, result.output
