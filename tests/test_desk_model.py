"""The desk's form <-> issue file: what the editor did not change keeps its bytes; what changed is
written as `import` writes it; every line of the new text knows the field, block or report it belongs to."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

from archive_factory import issue_text
from guanxin_site.desk.model import (OTHER, PHOTO, RAW, TEXT, FormError, apply_form, normal_date, read_document,
                                     to_form)

REPO = Path(__file__).resolve().parents[1]
SHIPPED = (REPO / "issues/2023/053.md").read_bytes()

HAND_EDITED = """---
# 第53期（张三校对过）
number: 53
total: 509  # 总期号
date: 2023-11-17
title: 全省各地关工委认真学习贯彻省关工委第33次全委会议精神
attachments:
  - 053/原件.pdf

proofread: false
---


[//]: # (编者注：这一段不显示)

## 黑河市
黑河市关工委召开会议。
第二行接着写。

市委副书记讲话，**要求**很明确。



## 鹤岗市

鹤岗市关工委召开联席会议。

- 一是抓学习
- 二是抓落实

![鹤岗市联席会议现场](053/图1.jpg)
"""


def form_of(text: str | bytes) -> tuple:
    data = text.encode("utf-8") if isinstance(text, str) else text
    document = read_document(data)
    return document, to_form(document)


def written(document, form, **kw) -> str:
    return apply_form(document, form, **kw).text


@pytest.mark.parametrize("k", [0, 7, 41, 99])
def test_an_unchanged_form_gives_the_same_bytes(k):
    for data in (SHIPPED, issue_text(k)[0].encode("utf-8"), HAND_EDITED.encode("utf-8"),
                 HAND_EDITED.replace("\n", "\r\n").encode("utf-8"), b"\xef\xbb\xbf" + SHIPPED):
        document, form = form_of(data)
        text = written(document, form)
        assert (b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b"") + text.lstrip("\ufeff").encode("utf-8") == data


def test_blocks_are_classified_and_prose_shown_unescaped():
    document, form = form_of(HAND_EDITED)
    lead = form["lead"]
    assert [b["kind"] for b in lead] == [RAW]  # the [//]: # note is kept as it is
    heihe, hegang = form["reports"]
    assert heihe["region"] == "黑河市" and [b["kind"] for b in heihe["blocks"]] == [TEXT, RAW]
    assert heihe["blocks"][0]["text"] == "黑河市关工委召开会议。第二行接着写。"  # the two lines glued
    assert [b["kind"] for b in hegang["blocks"]] == [TEXT, RAW, PHOTO]
    assert hegang["blocks"][2]["text"] == "鹤岗市联席会议现场" and hegang["blocks"][2]["src"] == "053/图1.jpg"
    assert form["fields"]["total"] == "509" and "draft" not in form["fields"]
    assert form[OTHER] == "attachments:\n  - 053/原件.pdf"
    assert form["proofread_pending"] is True
    escaped, escaped_form = form_of(SHIPPED.decode().replace("黑河市关工委11月9日", "黑河市关工委\\*11月9日"))
    assert escaped_form["reports"][0]["blocks"][0]["text"].startswith("黑河市关工委*11月9日")


def test_hand_edits_elsewhere_are_kept_when_one_paragraph_changes():
    document, form = form_of(HAND_EDITED)
    form["reports"][1]["blocks"][0]["text"] = "鹤岗市关工委召开了联席会议。"
    text = written(document, form)
    assert text == HAND_EDITED.replace("鹤岗市关工委召开联席会议。", "鹤岗市关工委召开了联席会议。")


def test_a_changed_report_is_written_as_import_writes_it_and_others_keep_their_bytes():
    document, form = form_of(HAND_EDITED)
    heihe = form["reports"][0]["blocks"]
    heihe[1], heihe[0] = heihe[0], heihe[1]  # the first report changes; the lead and the second stay as they were
    text = written(document, form)
    before, after = HAND_EDITED.split("## 黑河市\n")
    assert text.startswith(before)
    assert text == (before + "## 黑河市\n\n市委副书记讲话，**要求**很明确。\n\n黑河市关工委召开会议。\n第二行接着写。\n\n"
                    + after[after.index("## 鹤岗市"):])


def test_moving_a_paragraph_and_changing_a_region_give_import_format():
    document, form = form_of(SHIPPED)
    reports = form["reports"]
    moved = reports[1]["blocks"].pop(0)
    reports[0]["blocks"].append(moved)
    reports[2]["region"] = "绥化市"
    text = written(document, form)
    shipped = SHIPPED.decode()
    first = shipped.split("## 鹤岗市\n\n")[1].split("\n\n")[0]
    expected = (shipped.replace(f"## 鹤岗市\n\n{first}\n\n", "## 鹤岗市\n\n")
                .replace("\n\n## 鹤岗市", f"\n\n{first}\n\n## 鹤岗市").replace("## 伊春市", "## 绥化市"))
    assert text == expected


def test_split_join_and_new_paragraphs_are_escaped_as_import_does():
    document, form = form_of(SHIPPED)
    blocks = form["reports"][0]["blocks"]
    blocks.insert(0, {"id": "n1", "orig": None, "kind": TEXT, "text": "1. 这不是列表 *也不是强调* <b>"})
    blocks[1] = {"id": "n2", "orig": None, "kind": TEXT, "text": blocks[1]["text"] + "\n（续）"}
    text = written(document, form)
    assert "## 黑河市\n\n1\\. 这不是列表 \\*也不是强调\\* \\<b>\n\n黑河市关工委11月9日" in text
    assert "奋斗。（续）\n\n" in text
    reread = to_form(read_document(text.encode()))
    assert reread["reports"][0]["blocks"][0]["text"] == "1. 这不是列表 *也不是强调* <b>"


def test_an_emptied_paragraph_goes_and_an_empty_report_keeps_its_heading():
    document, form = form_of(SHIPPED)
    form["reports"][3]["blocks"][0]["text"] = "  "
    text = written(document, form)
    assert text.endswith("## 齐齐哈尔市\n")


def test_fields_are_rewritten_in_place_and_new_keys_in_order():
    document, form = form_of(HAND_EDITED)
    fields = form["fields"]
    fields.update(title="新标题：含冒号", publisher="黑龙江省关工委办公室", draft=True, total="",
                  distribution="报：省委\n\n送：省政府")
    text = written(document, form)
    front = text.split("---\n")[1]
    assert front == ("# 第53期（张三校对过）\nnumber: 53\ndate: 2023-11-17\ntitle: 新标题：含冒号\n"
                     "publisher: 黑龙江省关工委办公室\ndraft: true\nattachments:\n  - 053/原件.pdf\n\n"
                     "distribution:\n  - 报：省委\n  - 送：省政府\nproofread: false\n")
    assert read_document(text.encode()).entries["title"].value == "新标题：含冒号"


@pytest.mark.parametrize("typed, written_as", [("2023-11-5", "2023-11-05"), ("2023年11月5日", "2023-11-05"),
                                               ("2023.11.05", "2023-11-05"), ("２０２３-１１-０５", "2023-11-05")])
def test_dates_typed_the_usual_ways_are_written_as_dates(typed, written_as):
    document, form = form_of(SHIPPED)
    form["fields"]["date"] = typed
    assert f"\ndate: {written_as}\n" in written(document, form)
    assert normal_date("十一月") == "十一月"


def test_a_field_that_is_not_a_number_is_written_so_that_the_parser_says_where():
    document, form = form_of(SHIPPED)
    form["fields"]["number"] = "53："
    written_form = apply_form(document, form)
    assert "\nnumber: 53：\n" in written_form.text
    line = written_form.text.split("\n").index("number: 53：")
    assert written_form.targets[line] == {"field": "number"}


def test_other_settings_replace_their_lines_where_they_stood():
    document, form = form_of(HAND_EDITED)
    form[OTHER] = "attachments:\n  - 053/原件.pdf\nsummary：本期介绍"
    text = written(document, form)
    assert "attachments:\n  - 053/原件.pdf\nsummary：本期介绍\nproofread: false\n---" in text
    targets = apply_form(document, form).targets
    assert targets[text.split("\n").index("summary：本期介绍")] == {"field": OTHER}


def test_proofread_false_goes_only_when_every_part_is_ticked():
    document, form = form_of(HAND_EDITED)
    assert "proofread: false" in written(document, form)
    cleared = apply_form(document, form, all_checked=True)
    assert "proofread" not in cleared.text and cleared.proofread_cleared


def test_a_new_photo_names_the_file_the_server_gives_and_its_description_is_escaped():
    document, form = form_of(SHIPPED)
    form["reports"][0]["blocks"].append({"id": "n9", "orig": None, "kind": PHOTO, "text": "会议[现场]", "photo": "abc"})
    text = written(document, form, photo_src=lambda token: "053/照片-1.jpg" if token == "abc" else None)
    assert "\n\n![会议\\[现场\\]](053/照片-1.jpg)\n\n## 鹤岗市" in text
    form["reports"][0]["blocks"][-1]["photo"] = "../../etc/passwd"
    with pytest.raises(FormError):
        written(document, form, photo_src=lambda token: None)


def test_lines_are_mapped_to_their_targets():
    document, form = form_of(SHIPPED)
    result = apply_form(document, form)
    lines = result.text.split("\n")
    assert result.targets[lines.index("title: 全省各地关工委认真学习贯彻省关工委第33次全委会议精神")] == {"field": "title"}
    assert result.targets[lines.index("## 鹤岗市")] == {"report": 1}
    first = next(n for n, line in enumerate(lines) if line.startswith("鹤岗市关工委为"))
    assert result.targets[first] == {"block": "o2-0"}


def test_a_file_without_front_matter_or_with_broken_yaml_gets_the_raw_settings():
    document, form = form_of("## 黑河市\n\n正文。\n")
    assert "front_raw" in form and form["front_problem"]
    form["front_raw"] = "number: 1\ndate: 2023-01-01\ntitle: 标题"
    assert written(document, form) == "---\nnumber: 1\ndate: 2023-01-01\ntitle: 标题\n---\n## 黑河市\n\n正文。\n"
    broken = SHIPPED.decode().replace("title: ", "title： ", 1)
    document, form = form_of(broken)
    assert "中文冒号" in form["front_problem"]
    assert written(document, form) == broken


def test_a_form_from_a_forged_request_is_refused():
    document, form = form_of(SHIPPED)
    for bad in ({"fields": []}, {"reports": "x"}, {"reports": [{"blocks": [{"kind": "video", "text": ""}]}]},
                {"fields": {"title": 5}}):
        forged = copy.deepcopy(form)
        forged.update(bad)
        with pytest.raises(FormError):
            apply_form(document, forged)


def test_a_setext_heading_is_raw_so_an_edit_keeps_it_a_heading():
    """`小标题` over `===` is a heading (escape_markdown keeps a lone `===`): shown as text, glued to
    `小标题===` and written back escaped, one typo fixed in it made the heading a line of text."""
    source = SHIPPED.decode().replace("\n## 黑河市\n\n", "\n## 黑河市\n\n学习会议\n===\n\n", 1)
    document, form = form_of(source)
    block = form["reports"][0]["blocks"][0]
    assert block["kind"] == RAW and block["text"] == "学习会议\n==="
    block["text"] = "学习贯彻会议\n==="
    assert "\n学习贯彻会议\n===\n" in written(document, form)
