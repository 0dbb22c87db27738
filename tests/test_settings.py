"""site.yaml's settings as one schema (config.SiteConfig): the guide's table and init's file come from it,
and the units an office adds beyond its gazetteer."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive_factory import write_issue
from guanxin_site.build import build
from guanxin_site.cli import main
from guanxin_site.config import SiteConfig, load_config, options, settings_table
from guanxin_site.errors import ContentErrors
from guanxin_site.gazetteer import Gazetteer, Unit
from guanxin_site.project_init import init_project

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "docs" / "编辑指南.md"


def test_the_guides_settings_table_is_the_schemas():
    guide = GUIDE.read_text(encoding="utf-8")
    assert settings_table() in guide
    documented = re.findall(r"^\| `([a-z_]+)` \|", guide[guide.index("## 网站设置"):], flags=re.M)
    assert documented[:len(options())] == [o.key for o in options()]


def test_inits_file_is_the_schemas(tmp_path):
    init_project(tmp_path / "p", province="吉林省")
    text = (tmp_path / "p" / "site.yaml").read_text(encoding="utf-8")
    written = re.findall(r"^(?:# )?([a-z_]+):", text, flags=re.M)
    keys = [o.key for o in options()]
    assert [k for k in written if k in keys] == keys  # every setting, in the schema's order
    sub_keys = {"site_name", "site_domain", "site_id_code", "column_name", "column_type"}
    assert set(written) - set(keys) <= sub_keys  # nothing the schema does not know
    for option in options():
        comment_lines = option.comment.split("\n")
        assert f"# {comment_lines[0].split('{')[0]}" in text, option.key


def test_every_setting_field_is_in_the_schema():
    settings = {f.name for f in dataclasses.fields(SiteConfig)} - {"digest"}
    assert settings == {o.key for o in options()}
    assert all(re.search(r"[\u4e00-\u9fff]", o.doc) and re.search(r"[\u4e00-\u9fff]", o.comment) for o in options())


def write_site(project: Path, extra: str) -> None:
    project.mkdir(parents=True, exist_ok=True)
    (project / "issues").mkdir(exist_ok=True)
    (project / "site.yaml").write_text("gazetteer: jilin\ntitle: 关心下一代工作\n" + extra, encoding="utf-8")


def test_units_are_read_with_their_other_names(tmp_path):
    write_site(tmp_path, "# 地名表以外的单位\nunits:\n  - 长白山管委会: 长白山、长白山管理委员会\n  - 梅河口市\n  - 兵团第一师\n")
    config = load_config(tmp_path)
    assert config.units == (Unit("长白山管委会", ("长白山", "长白山管理委员会")), Unit("梅河口市"), Unit("兵团第一师"))
    gazetteer = Gazetteer.load("jilin").with_units(config.units)
    assert gazetteer.region("长白山").name == "长白山管委会"
    assert gazetteer.region_at_start("梅河口市关工委召开会议").name == "梅河口市"
    assert gazetteer.unknown_unit_at_start("长白山管委会关工委组织") is None
    slugs = [p.slug for p in gazetteer.regions]
    assert len(set(slugs)) == len(slugs) and gazetteer.region("梅河口市").slug == "meihekou"
    assert gazetteer.fingerprint != Gazetteer.load("jilin").fingerprint


@pytest.mark.parametrize("entry, line, words", [
    ("  - 长白山 管委会\n", 5, "不像单位名称"),
    ("  - 123\n", 5, "写法不对"),
    ("  - 长白山管委会\n  - 长白山管委会\n", 6, "写了两次"),
    ("  - 长白山管委会: [长白山, 3]\n", 5, "不像单位名称"),
])
def test_a_malformed_unit_is_named_by_its_line(tmp_path, entry, line, words):
    write_site(tmp_path, "# 地名表以外的单位\nunits:\n" + entry)
    with pytest.raises(ContentErrors) as caught:
        load_config(tmp_path)
    error, = caught.value.errors
    assert (error.path, error.line) == ("site.yaml", line) and words in error.message, error


def test_units_not_a_list(tmp_path):
    write_site(tmp_path, "units: 长白山管委会\n")
    with pytest.raises(ContentErrors) as caught:
        load_config(tmp_path)
    assert caught.value.errors[0].line == 3 and "“  - ”开头" in caught.value.errors[0].message


def test_a_unit_gets_its_own_report_and_region_page(tmp_path):
    project = tmp_path / "p"
    write_site(project, "units:\n  - 长白山管委会\n")
    write_issue(project, "2024/004.md",
                "---\nnumber: 4\ndate: 2024-04-12\ntitle: 各地关工委开展生态文明教育\n---\n\n## 长白山管委会\n\n"
                "长白山管委会关工委组织青少年走进自然保护区。\n\n## 吉林市\n\n吉林市关工委召开推进会。\n")
    result = build(project, tmp_path / "site")
    assert result.issues == 1
    region = tmp_path / "site" / "regions" / "changbaishanguanweihui" / "index.html"
    assert "长白山管委会关工委组织青少年" in region.read_text(encoding="utf-8")


def test_check_names_a_typo_by_sound(tmp_path):
    project = tmp_path / "p"
    write_site(project, "")
    write_issue(project, "2024/002.md",
                "---\nnumber: 2\ndate: 2024-02-09\ntitle: 各地关工委开展读书活动\n---\n\n## 长春市\n\n"
                "长春市关工委开展读书活动。\n\n白成市关工委开展“童心向党”主题读书活动。\n")
    result = CliRunner().invoke(main, ["check", "--source", str(project)])
    assert result.exit_code == 1
    assert "issues/2024/002.md:11: 这一段以“白成市关工委”开头" in result.output and "是不是“白城市”" in result.output


def test_an_own_gazetteer_file_missing_a_key_is_explained_in_chinese(tmp_path):
    project = tmp_path / "p"
    write_site(project, "")
    (project / "site.yaml").write_text("gazetteer: 地名表.json\n", encoding="utf-8")
    (project / "地名表.json").write_text('{"regions": [{"name": "长白山管委会", "short": "长白山", "slug": "cbs", '
                                          '"counties": []}]}', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--source", str(project)])
    assert result.exit_code == 1
    assert "缺少“code”这一项" in result.output and "units" in result.output and "KeyError" not in result.output
