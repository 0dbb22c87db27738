"""A project's own templates come with its folder (a USB stick, a download): they must not run Python.

The review found `{{ cycler.__init__.__globals__.os.system(...) }}` in a project's templates/base.html
running a shell command at build time. Templates a project overrides render in Jinja's sandbox; the
bundled theme, ours, renders outside it (theme.has_own_templates).
"""
from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from guanxin_site.cli import main
from guanxin_site.theme import bundled_theme_dir, has_own_templates

REPO = Path(__file__).resolve().parents[1]


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "proj"
    shutil.copytree(REPO / "issues", project / "issues")
    shutil.copy(REPO / "site.yaml", project / "site.yaml")
    return project


def test_a_projects_template_cannot_run_a_shell_command(tmp_path):
    project = _project(tmp_path)
    marker = tmp_path / "ran"
    base = (bundled_theme_dir() / "base.html").read_text(encoding="utf-8")
    attack = f"{{{{ cycler.__init__.__globals__.os.system('touch {marker}') }}}}"
    (project / "templates").mkdir()
    (project / "templates" / "base.html").write_text(attack + base, encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--source", str(project), "--quiet"])
    assert not marker.exists(), "a template from the project folder ran a shell command"
    assert result.exit_code == 1
    assert "templates/base.html" in result.output and "Traceback" not in result.output


def test_an_ordinary_override_still_builds_in_the_sandbox(tmp_path):
    project = _project(tmp_path)
    (project / "templates" / "static").mkdir(parents=True)
    assert not has_own_templates(project), "static files alone are no templates"
    base = (bundled_theme_dir() / "base.html").read_text(encoding="utf-8")
    (project / "templates" / "base.html").write_text(base.replace("</body>", "<p>本办公室自己的页脚</p></body>"),
                                                     encoding="utf-8")
    assert has_own_templates(project)
    result = CliRunner().invoke(main, ["build", "--source", str(project), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "本办公室自己的页脚" in (project / "site" / "index.html").read_text(encoding="utf-8")


def test_the_bundled_theme_is_not_a_projects_own(tmp_path):
    assert not has_own_templates(REPO)  # the source checkout: its templates/ is the bundled theme
    assert not has_own_templates(tmp_path)
