"""The GitHub workflows: valid, triggered as intended, and running the README's commands.

The README's section "## 快速开始" (or "## Quick start") holds the commands in fenced
code blocks; the workflows must run exactly those lines:
- publish.yml: the first install command (`python -m pip install .`), `guanxin-site check`,
  and `guanxin-site build` with the Pages base URL;
- tests.yml: the test command (`bash scripts/test.sh`, which installs what the tests need).
No workflow runs an install or test command that the README does not show.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from guanxin_site.cli import DEFAULT_OUTPUT, main

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / ".github/workflows"
SECTION_HEADINGS = ("## 快速开始", "## Quick start")
INSTALL, TEST = "python -m pip install", "bash scripts/"


def load_workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    if True in data:  # YAML 1.1 reads the key `on` as the boolean true
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def run_lines(workflow: dict) -> list[str]:
    """Every command line of every run step, without comments and blank lines."""
    lines = []
    for step in steps(workflow):
        for line in step.get("run", "").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def step_using(workflow: dict, action: str) -> dict:
    found = [s for s in steps(workflow) if s.get("uses", "").split("@")[0] == action]
    assert len(found) == 1, f"{action} should be used exactly once"
    return found[0]


def readme_commands(text: str) -> list[str]:
    """Command lines of the fenced code blocks in the README's quick-start section."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() in SECTION_HEADINGS), None)
    assert start is not None, f"README.md has no section {' / '.join(SECTION_HEADINGS)}"
    commands, fence = [], None
    for line in lines[start + 1:]:
        stripped = line.strip()
        if fence is None and re.match(r"##(?!#)", stripped):
            break  # the next level-2 section
        if stripped.startswith(("```", "~~~")):
            fence = None if fence is not None and stripped.startswith(fence) else (fence or stripped[:3])
            continue
        if fence is not None and stripped and not stripped.startswith("#"):
            line = stripped.removeprefix("$ ").strip()
            commands.extend(part.strip() for part in line.split("&&"))  # one line may chain several commands
    assert commands, "the quick-start section has no fenced commands"
    return commands


def same_command(a: str, b: str) -> bool:
    """Equal as the shell reads them: quoting and spacing aside."""
    return shlex.split(a) == shlex.split(b)


def project_commands(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith((INSTALL, TEST))]


@pytest.fixture(scope="module")
def readme() -> list[str]:
    return readme_commands((REPO / "README.md").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def publish() -> dict:
    return load_workflow("publish.yml")


@pytest.fixture(scope="module")
def tests_workflow() -> dict:
    return load_workflow("tests.yml")


# -- the README parser itself --------------------------------------------------------


SAMPLE_README = """# guanxin-site

## 快速开始

安装：

```bash
python -m pip install .
guanxin-site build
```

### 开发

```sh
$ python -m pip install -e ".[test]"
# 运行全部测试
bash scripts/test.sh
```

## 其他

```bash
python -m pip install something-else
```
"""


def test_readme_commands_split_chained_commands():
    text = "## Quick start\n\n```bash\npython -m pip install . && python -m guanxin_site build\n```\n"
    assert readme_commands(text) == ["python -m pip install .", "python -m guanxin_site build"]


def test_readme_commands_are_read_from_the_quick_start_section_only():
    assert readme_commands(SAMPLE_README) == [
        "python -m pip install .", "guanxin-site build", 'python -m pip install -e ".[test]"', "bash scripts/test.sh"]
    with pytest.raises(AssertionError, match="no section"):
        readme_commands("# guanxin-site\n")


# -- both workflows ------------------------------------------------------------------


def test_workflows_are_valid_github_workflows():
    """Checked against the GitHub workflow JSON schema that check-jsonschema ships (no network)."""
    files = [str(WORKFLOWS / "publish.yml"), str(WORKFLOWS / "tests.yml")]
    proc = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *files],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("name", ["publish.yml", "tests.yml"])
def test_workflow_runs_only_commands_from_the_readme(readme, name):
    workflow = load_workflow(name)
    for line in project_commands(run_lines(workflow)):
        assert any(same_command(line, command) for command in readme), f"{name} runs {line!r}, which README.md does not show"
    for job in workflow["jobs"].values():  # every job that runs commands checks out and sets up Python 3.11
        if any("run" in step for step in job["steps"]):
            job_steps = {"steps": job["steps"]}
            setup = step_using({"jobs": {"job": job_steps}}, "actions/setup-python")
            assert str(setup["with"]["python-version"]) == "3.11"
            step_using({"jobs": {"job": job_steps}}, "actions/checkout")


def test_every_guanxin_site_subcommand_in_the_workflows_exists(publish, tests_workflow):
    used = {shlex.split(line)[1] for wf in (publish, tests_workflow) for line in run_lines(wf) if line.startswith("guanxin-site ")}
    assert used >= {"build", "check"}
    missing = used - set(main.commands)
    assert not missing, f"the workflows call guanxin-site {', '.join(sorted(missing))}, which the CLI does not have"


# -- publish.yml ---------------------------------------------------------------------


def test_publish_triggers(publish):
    on = publish["on"]
    assert set(on) == {"push", "workflow_dispatch"}
    assert on["push"]["branches"] == ["main"]
    assert set(on["push"]["paths"]) == {"issues/**", "templates/**", "site.yaml"}


def test_publish_installs_checks_and_builds_as_the_readme_says(publish, readme):
    lines = run_lines(publish)
    readme_installs = [c for c in readme if c.startswith(INSTALL)]
    assert readme_installs, "README.md shows no install command"
    assert any(same_command(line, readme_installs[0]) for line in lines), "publish.yml must install with the README's first install command"
    assert any(c.startswith(("guanxin-site build", "python -m guanxin_site build")) for c in readme), \
        "the quick start should build the site"
    assert "guanxin-site check" in (REPO / "README.md").read_text(encoding="utf-8"), "README.md should show guanxin-site check"
    check = next(n for n, line in enumerate(lines) if line.startswith("guanxin-site check"))
    build = next(n for n, line in enumerate(lines) if line.startswith("guanxin-site build"))
    assert check < build
    assert '--base-url "${{ steps.pages.outputs.base_url }}"' in lines[build]


def test_publish_deploys_with_githubs_pages_actions(publish):
    assert publish["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert publish["concurrency"]["group"] == "pages"
    assert step_using(publish, "actions/configure-pages")["id"] == "pages"
    upload = step_using(publish, "actions/upload-pages-artifact")
    assert upload["with"]["path"] == DEFAULT_OUTPUT  # what `guanxin-site build` writes by default
    deploy_job = next(job for job in publish["jobs"].values() if any(s.get("uses", "").startswith("actions/deploy-pages@") for s in job["steps"]))
    build_job = deploy_job["needs"]
    assert any(s.get("uses", "").startswith("actions/upload-pages-artifact@") for s in publish["jobs"][build_job]["steps"])
    assert deploy_job["needs"] == build_job
    assert deploy_job["environment"]["name"] == "github-pages"
    order = [s.get("uses", "").split("@")[0] or s.get("run", "").split()[0] for s in publish["jobs"][build_job]["steps"]]
    assert order.index("actions/configure-pages") < order.index("guanxin-site") < order.index("actions/upload-pages-artifact")


def test_publish_goes_to_pages_or_with_secrets_to_the_offices_own_target(publish):
    """DEPLOY_TARGET (a repository variable) chooses: unset, GitHub Pages; set, `guanxin-site deploy` with secrets."""
    jobs = publish["jobs"]
    own = jobs["deploy-own"]
    assert jobs["build"]["if"] == "vars.DEPLOY_TARGET == ''" and own["if"] == "vars.DEPLOY_TARGET != ''"
    runs = [step.get("run", "") for step in own["steps"]]
    pages_runs = [step["run"] for step in jobs["build"]["steps"] if "run" in step]
    assert runs.index(pages_runs[0]) < runs.index(pages_runs[1]) < runs.index("guanxin-site build")  # install, check, build
    deploy = next(step for step in own["steps"] if step.get("run", "").startswith("guanxin-site deploy"))
    assert shlex.split(deploy["run"]) == ["guanxin-site", "deploy", "$DEPLOY_TARGET"]
    assert deploy["env"]["DEPLOY_TARGET"] == "${{ vars.DEPLOY_TARGET }}"
    for secret in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "GUANXIN_DEPLOY_PASSWORD"):
        assert deploy["env"][secret] == f"${{{{ secrets.{secret} }}}}"  # from the repository's secrets, never the files
    ssh = next(step for step in own["steps"] if "SSH_KNOWN_HOSTS" in step.get("env", {}))
    assert ssh["if"] == "env.SSH_PRIVATE_KEY != ''" and own["env"]["SSH_PRIVATE_KEY"] == "${{ secrets.SSH_PRIVATE_KEY }}"
    assert "known_hosts" in ssh["run"]  # the server's key comes from a secret too: never accepted blindly


def test_the_wheel_carries_what_pyproject_force_includes():
    tomllib = pytest.importorskip("tomllib")
    from guanxin_site.selfwheel import FORCE_INCLUDE

    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"] == FORCE_INCLUDE


def test_a_new_projects_workflow_installs_and_builds_as_written_on_a_clean_venv(tmp_path):
    """The Install, Check and Build steps of the workflow `init` writes, run as written in a fresh venv,
    in the project folder: the wheel it keeps installs (with its dependencies) and builds the site."""
    from archive_factory import write_archive
    from guanxin_site.project_init import init_project

    project = tmp_path / "project"
    init_project(project)  # Heilongjiang, the archive factory's province
    write_archive(project, 2)
    workflow = yaml.safe_load((project / ".github/workflows/publish.yml").read_text(encoding="utf-8"))
    named = {step.get("name"): step["run"] for step in workflow["jobs"]["build"]["steps"] if "run" in step}
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(Path.home()), "PIP_DISABLE_PIP_VERSION_CHECK": "1",  # pip's cache
           "SOURCE_DATE_EPOCH": "1796491800", "LANG": "C.UTF-8",
           **{name: value for name, value in os.environ.items() if name.startswith("PIP_")}}  # this machine's index settings
    for name in ("Install", "Check", "Build"):
        command = named[name].replace("${{ steps.pages.outputs.base_url }}", "https://example.github.io/jianbao/")
        proc = subprocess.run(["bash", "-c", command], cwd=project, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"{name}: {command}\n{proc.stdout}\n{proc.stderr}"
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import guanxin_site; print(guanxin_site.__file__)"],
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(venv)), where  # the kept wheel, not this checkout
    assert "https://example.github.io/jianbao/" in (project / "site" / "index.html").read_text(encoding="utf-8")


# -- tests.yml -----------------------------------------------------------------------


def test_tests_workflow_triggers(tests_workflow):
    on = tests_workflow["on"]
    assert "pull_request" in on and on["push"]["branches"] == ["main"]


def test_tests_workflow_runs_the_readme_test_command(tests_workflow, readme):
    lines = run_lines(tests_workflow)
    readme_tests = [c for c in readme if c.startswith(TEST)]
    assert readme_tests, "README.md shows no test command (bash scripts/…)"
    for command in readme_tests:
        assert any(same_command(line, command) for line in lines), f"tests.yml must run {command!r}"
    test_script = REPO / shlex.split(readme_tests[0])[1]
    assert test_script.is_file(), f"{test_script.relative_to(REPO)} does not exist"


def test_the_kept_wheel_carries_the_theme_beside_the_theme_module():
    """The package has a module theme.py and, in a wheel, the theme's folder guanxin_site/theme/: a name
    that merely starts like the folder must not count as the folder already being there."""
    import io
    import zipfile

    from guanxin_site.selfwheel import wheel_bytes

    names = set(zipfile.ZipFile(io.BytesIO(wheel_bytes())).namelist())
    assert {"guanxin_site/theme.py", "guanxin_site/theme/home.html", "guanxin_site/theme/static/site.css",
            "guanxin_site/loader.py", "guanxin_site/project/publish.yml"} <= names
