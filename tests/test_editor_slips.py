"""The slips a new editor makes (issue 21 "Messages that mislead", issue 24's init findings): each gets a
message that names the place and says what to do, or is simply accepted."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from guanxin_site.build import build
from guanxin_site.cli import main
from guanxin_site.config import load_config
from guanxin_site.errors import ContentErrors
from guanxin_site.gazetteer import Gazetteer
from guanxin_site.importer import BulletinImportError, parse_bulletin
from guanxin_site.scaffold import template
from test_importer import SEED_TEXT

REPO = Path(__file__).resolve().parents[1]


def jilin_project(tmp_path: Path, body: str, front: str = "number: 2\ndate: 2024-02-09\ntitle: 各地关工委开展读书活动\n") -> Path:
    project = tmp_path / "p"
    (project / "issues" / "2024").mkdir(parents=True)
    (project / "site.yaml").write_text("gazetteer: jilin\n", encoding="utf-8")
    (project / "issues" / "2024" / "002.md").write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")
    return project


def check(project: Path):
    return CliRunner().invoke(main, ["check", "--source", str(project)])


@pytest.mark.parametrize("typed, meant", [("松源市", "松原市"), ("白成市", "白城市")])
def test_a_misspelt_place_is_suggested_by_sound(tmp_path, typed, meant):
    """Typed by pinyin: same sound, another character. 辽源市 and 白山市 share a character but not the sound."""
    assert Gazetteer.load("jilin").suggest_region(typed) == meant
    result = check(jilin_project(tmp_path, f"## {typed}\n\n{meant}关工委开展读书活动。\n"))
    assert f"issues/2024/002.md:7: 不认识的地区“{typed}”，是不是“{meant}”？" in result.output


def test_a_date_without_leading_zeros_is_accepted(tmp_path):
    project = jilin_project(tmp_path, "## 长春市\n\n长春市关工委开展读书活动。\n",
                            front="number: 2\ndate: 2024-4-12\ntitle: 各地关工委开展读书活动\n")
    assert check(project).exit_code == 0
    build(project, tmp_path / "site")
    assert "2024年4月12日" in (tmp_path / "site" / "2024" / "2" / "index.html").read_text(encoding="utf-8")


def test_a_date_that_does_not_exist_says_why(tmp_path):
    project = jilin_project(tmp_path, "## 长春市\n\n长春市关工委开展读书活动。\n",
                            front="number: 2\ndate: 2023-2-29\ntitle: 各地关工委开展读书活动\n")
    assert "issues/2024/002.md:3: “date”不是一个存在的日期（2023-2-29：2023年2月没有29日）" in check(project).output


def test_a_long_headline_says_the_limit_and_what_to_do():
    headline = "全省各级关工委深入学习贯彻习近平总书记关于关心下一代工作的重要论述精神扎实推进" * 2
    headline = headline[:66]
    text = SEED_TEXT.replace("全省各地关工委认真学习贯彻 省关工委第33次全委会议精神", headline)
    assert headline in text
    with pytest.raises(BulletinImportError) as caught:
        parse_bulletin(text, Gazetteer.load())
    message = caught.value.message
    assert "66 个字" in message and "最多 60 个字" in message and "缩短" in message
    assert "像正文段落" not in message


def test_a_heading_typed_with_a_full_width_space_is_located(tmp_path):
    project = jilin_project(tmp_path, "## 长春市\n\n长春市关工委开展读书活动。\n\n##\u3000吉林市\n\n吉林市关工委召开推进会。\n")
    result = check(project)
    assert result.exit_code == 1
    assert "issues/2024/002.md:11: 这一行像是地区标题" in result.output and "“## 吉林市”" in result.output


def test_an_image_path_with_a_space_is_located(tmp_path):
    project = jilin_project(tmp_path, "## 长春市\n\n长春市关工委开展读书活动。\n\n![读书活动](照片/IMG_2024 0320.jpg)\n")
    result = check(project)
    assert "issues/2024/002.md:11: 图片“照片/IMG_2024 0320.jpg”的文件名中有空格" in result.output
    assert "IMG_2024_0320.jpg" in result.output


def test_every_full_width_colon_of_a_file_is_reported_at_once(tmp_path):
    project = jilin_project(tmp_path, "## 长春市\n\n长春市关工委开展读书活动。\n",
                            front="number：2\ndate: 2024-02-09\ntitle：各地关工委开展读书活动\n")
    output = check(project).output
    assert "issues/2024/002.md:2: “number”后面用了中文冒号" in output
    assert "issues/2024/002.md:4: “title”后面用了中文冒号" in output
    (project / "site.yaml").write_text("gazetteer：jilin\ntitle：关心下一代工作\n", encoding="utf-8")
    with pytest.raises(ContentErrors) as caught:
        load_config(project)
    assert [e.line for e in caught.value.errors] == [1, 2]


def test_init_accepts_the_short_name_of_an_autonomous_prefecture(tmp_path):
    result = CliRunner().invoke(main, ["init", str(tmp_path / "p"), "--city", "延边"])
    assert result.exit_code == 0, result.output
    assert load_config(tmp_path / "p").gazetteer == "jilin-yanbian"


def test_the_new_drafts_comment_says_to_preview_with_drafts():
    text = template(3, None, __import__("datetime").date(2024, 3, 1))
    assert "guanxin-site serve --drafts" in text


def test_init_finds_the_projects_own_gazetteer_file_as_build_does(tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    own = json.loads((REPO / "src/guanxin_site/data/jilin.json").read_text(encoding="utf-8"))
    own["regions"] = own["regions"][:2]
    (project / "地名表.json").write_text(json.dumps(own, ensure_ascii=False), encoding="utf-8")
    (project / "site.yaml").write_text("gazetteer: ./地名表.json\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["build", "--source", str(project)]).exit_code == 0
    shutil.rmtree(project / "site")
    result = CliRunner().invoke(main, ["init", str(project)])  # from another folder, as build --source
    assert result.exit_code == 0, result.output
    assert "2 个市" in result.output


def test_the_gitignore_of_init_keeps_the_usb_copy_out(tmp_path):
    assert CliRunner().invoke(main, ["init", str(tmp_path / "p")]).exit_code == 0
    assert "/离线版/" in (tmp_path / "p" / ".gitignore").read_text(encoding="utf-8").split("\n")
