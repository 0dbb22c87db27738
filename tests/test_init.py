"""`guanxin-site init`: a ready project from an empty folder, for any province or city."""
from __future__ import annotations

import dataclasses
import re
import urllib.request
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from guanxin_site import __version__
from guanxin_site.cli import main
from guanxin_site.config import SiteConfig, load_config
from guanxin_site.project_init import WHEEL_DIR, InitError, init_project, workflow_text
from guanxin_site.selfwheel import wheel_bytes, wheel_name
from guanxin_site.serve import PreviewServer
from guanxin_site.serve_messages import NO_ISSUES_YET, ServeMessages

REPO = Path(__file__).resolve().parents[1]
CJK = re.compile("[\u4e00-\u9fff]")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def files_in(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.mark.parametrize("province", ["吉林省", "吉林", "jilin", "220000"])
def test_province_by_name_pinyin_or_code(tmp_path, province):
    result = run("init", str(tmp_path / "p"), "--province", province)
    assert result.exit_code == 0, result.output
    config = load_config(tmp_path / "p")
    assert config.gazetteer == "jilin"
    assert config.publisher == "吉林省关心下一代工作委员会办公室"
    assert config.title == "关心下一代工作"
    assert config.description == "吉林省关心下一代工作委员会办公室编印的工作简报《关心下一代工作》历年各期存档。"
    assert files_in(tmp_path / "p") == [".github", ".github/workflows", ".github/workflows/publish.yml", ".gitignore",
                                         ".guanxin-site", f".guanxin-site/{wheel_name()}", "issues", "site.yaml"]
    assert not any((tmp_path / "p" / "issues").iterdir())
    assert "吉林省的简报" in result.output and "guanxin-site import" in result.output


def test_city_bulletin(tmp_path):
    result = run("init", str(tmp_path / "p"), "--city", "伊春市")
    assert result.exit_code == 0, result.output
    config = load_config(tmp_path / "p")
    assert config.gazetteer == "heilongjiang-yichun"
    assert config.publisher == "伊春市关心下一代工作委员会办公室"
    assert "伊春市关心下一代工作委员会办公室编印" in config.description


def test_city_within_a_province_tells_homophones_apart(tmp_path):
    assert run("init", str(tmp_path / "a"), "--city", "yichun").exit_code == 1
    result = run("init", str(tmp_path / "b"), "--province", "江西", "--city", "yichun")
    assert result.exit_code == 0, result.output
    assert load_config(tmp_path / "b").gazetteer == "jiangxi-yichun"


def test_without_flags_heilongjiang_as_today(tmp_path):
    assert run("init", str(tmp_path / "p")).exit_code == 0
    config, repo = load_config(tmp_path / "p"), load_config(REPO)
    assert (config.gazetteer, config.publisher, config.description, config.title) == (
        repo.gazetteer, repo.publisher, repo.description, repo.title)


def test_default_folder_is_the_current_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("init", "--province", "北京市")
    assert result.exit_code == 0, result.output
    assert load_config(tmp_path).gazetteer == "beijing"
    assert "cd " not in result.output  # already there


def test_every_setting_is_written_and_explained_in_chinese(tmp_path):
    init_project(tmp_path / "p", province="内蒙古")
    lines = (tmp_path / "p" / "site.yaml").read_text(encoding="utf-8").split("\n")
    for field in dataclasses.fields(SiteConfig):
        if field.name == "digest":
            continue
        at = next(i for i, line in enumerate(lines) if re.match(rf"(# )?{field.name}:", line))
        assert lines[at - 1].startswith("#") and CJK.search(lines[at - 1]), field.name
    assert load_config(tmp_path / "p").publisher == "内蒙古自治区关心下一代工作委员会办公室"


def test_refuses_a_folder_that_is_not_empty(tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    result = run("init", str(folder), "--province", "吉林省")
    assert result.exit_code == 1
    assert "不是空文件夹" in result.stderr and "notes.txt" in result.stderr and "Traceback" not in result.output
    assert files_in(folder) == ["notes.txt"]


def test_a_fresh_git_repository_is_empty_enough(tmp_path):
    (tmp_path / "p" / ".git").mkdir(parents=True)
    assert run("init", str(tmp_path / "p")).exit_code == 0
    assert (tmp_path / "p" / "site.yaml").is_file()


def test_an_existing_project_gets_only_what_it_lacks(shipped_project):
    before = (shipped_project / "site.yaml").read_bytes()
    result = run("init", str(shipped_project))
    assert result.exit_code == 0, result.output
    assert (shipped_project / "site.yaml").read_bytes() == before
    assert (shipped_project / ".github/workflows/publish.yml").is_file()
    assert "已存在，保持不变：site.yaml" in result.output and "黑龙江省的简报" in result.output
    # Changing the area of an existing project is an edit of site.yaml, not init's job.
    refused = run("init", str(shipped_project), "--province", "吉林省")
    assert refused.exit_code == 1 and "gazetteer" in refused.stderr
    assert (shipped_project / "site.yaml").read_bytes() == before


@pytest.mark.parametrize("args, message", [
    (["--province", "火星省"], "不认识的省份或城市"),
    (["--province", "黑龙江生"], "是不是“黑龙江省”"),
    (["--city", "吉林省"], "--city 要写地级市"),
    (["--city", "东莞市"], "没有下辖的县级行政区"),
    (["--city", "仙桃市"], "县级简报暂不支持"),
    (["--city", "朝阳区"], "县级简报暂不支持"),
])
def test_unknown_places_are_explained(tmp_path, args, message):
    result = run("init", str(tmp_path / "p"), *args)
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "p").exists()


def test_a_file_in_the_way(tmp_path):
    (tmp_path / "p").write_text("", encoding="utf-8")
    with pytest.raises(InitError, match="是一个文件"):
        init_project(tmp_path / "p")


def test_workflow_is_the_repositorys_installing_the_wheel_kept_in_the_project(tmp_path):
    init_project(tmp_path / "p")
    written = (tmp_path / "p" / ".github/workflows/publish.yml").read_text(encoding="utf-8")
    assert written == workflow_text()
    repo = (REPO / ".github/workflows/publish.yml").read_text(encoding="utf-8")
    assert "pip install ." in repo and "pip install ." not in written
    # Everything else is the repository's workflow, line for line.
    assert [line for line in repo.split("\n") if "pip install" not in line] == [
        line for line in written.split("\n") if "pip install" not in line and "安装 guanxin-site" not in line]
    install = f'python -m pip install "{WHEEL_DIR}/{wheel_name()}"'
    jobs = yaml.safe_load(written)["jobs"]
    assert [step["run"] for job in jobs.values() for step in job["steps"] if step.get("name") == "Install"] == [install] * 2
    assert (tmp_path / "p" / WHEEL_DIR / wheel_name()).read_bytes() == wheel_bytes()
    assert __version__ in wheel_name()


def test_gitignore_keeps_output_and_cache_out(tmp_path):
    init_project(tmp_path / "p")
    ignored = (tmp_path / "p" / ".gitignore").read_text(encoding="utf-8").split("\n")
    assert "/site/" in ignored and "/.guanxin-cache/" in ignored


def test_help_is_chinese():
    result = run("init", "--help")
    assert result.exit_code == 0
    assert "新建简报网站项目" in result.output and "--province" in result.output and "行政区划代码" in result.output
    assert "显示此帮助并退出" in result.output and "Show this message" not in result.output


def test_build_and_check_in_a_new_project_say_there_are_no_issues_yet(tmp_path):
    project = tmp_path / "p"
    init_project(project, province="湖北省")
    built = run("build", "--source", str(project))
    assert built.exit_code == 0, built.output
    assert NO_ISSUES_YET in built.stderr
    assert (project / "site" / "index.html").is_file()
    checked = run("check", "--source", str(project))
    assert checked.exit_code == 0
    assert "还没有简报" in checked.output and "guanxin-site import" in checked.output


def test_serve_in_a_new_project_says_there_are_no_issues_yet(tmp_path):
    project = tmp_path / "p"
    init_project(project, city="伊春市")
    messages, said = ServeMessages(False), []
    server = PreviewServer(project, port=0, report=lambda event: said.extend(line.text for line in messages(event)))
    try:
        server.start()
        with urllib.request.urlopen(server.url, timeout=10) as response:
            assert response.status == 200
            assert "伊春市关心下一代工作委员会办公室" in response.read().decode("utf-8")
    finally:
        server.close()
    assert any(NO_ISSUES_YET in text for text in said), said


def test_the_new_projects_workflow_is_a_valid_github_workflow(tmp_path):
    """Checked against the GitHub workflow JSON schema that check-jsonschema ships (no network)."""
    import subprocess
    import sys

    init_project(tmp_path / "p")
    proc = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           str(tmp_path / "p" / ".github/workflows/publish.yml")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_commented_setting_is_valid_once_uncommented(tmp_path):
    project = tmp_path / "p"
    init_project(project, province="四川省")
    text = (project / "site.yaml").read_text(encoding="utf-8")
    # All but share_image, whose example names a picture the editor has to add first.
    enabled = re.sub(r"^# ((?:  )?(?!share_image)[a-z_]+:(?: |$))", r"\1", text, flags=re.M)
    assert enabled.count("\n# ") < text.count("\n# ")
    (project / "site.yaml").write_text(enabled, encoding="utf-8")
    config = load_config(project)
    # 四川's ICP filings start with 蜀, its public-security filings with 川.
    assert config.icp == "蜀ICP备12345678号" and config.police_record.startswith("川公网安备")
    assert config.government.site_name == "四川省关心下一代工作委员会"
    assert config.offline is True and config.base_url == "https://example.org/guanxin/"
