"""Gazetteer.opening: which place a paragraph opens with, the way a report opens (full name, short form + 关工委,
the area's own name in front), and when that is not sure enough to move the paragraph."""
from __future__ import annotations

import pytest

from guanxin_site.gazetteer import Gazetteer

WARN = "warn"  # an opening with a place, but not sure which region (the importer notes it, check warns)

# (gazetteer setting, paragraph opening, expected): a region name, None (no place), or (WARN, regions).
OPENINGS = [
    # full names and aliases, whatever follows: as region_at_start and county_at_start have always done
    ("heilongjiang", "大庆市关工委召开会议", "大庆市"),
    ("heilongjiang", "黑河市委副书记到会讲话", "黑河市"),
    ("heilongjiang", "漠河市关工委", "大兴安岭地区"),
    ("heilongjiang", "带岭区关工委", "伊春市"),  # a historic county name
    # short forms followed by a unit word
    ("heilongjiang", "齐齐哈尔关工委开展活动", "齐齐哈尔市"),
    ("heilongjiang", "牡丹江关工委组织", "牡丹江市"),
    ("heilongjiang", "大兴安岭关工委举办", "大兴安岭地区"),
    ("heilongjiang", "大庆关心下一代工作委员会召开", "大庆市"),
    ("heilongjiang", "双城关工委", "哈尔滨市"),  # a county's short form: its region
    ("heilongjiang", "嫩江关工委", "黑河市"),  # 嫩江市, also once 嫩江县: one place
    ("heilongjiang", "  伊春关工委", "伊春市"),
    # the area's own name in front
    ("heilongjiang", "黑龙江省大庆市关工委", "大庆市"),
    ("heilongjiang", "黑龙江齐齐哈尔关工委", "齐齐哈尔市"),
    # a short form without a unit word is a sentence about the place, or another unit's name
    ("heilongjiang", "牡丹江畔的孩子们", None),
    ("heilongjiang", "大庆油田关工委", None),
    ("heilongjiang", "齐齐哈尔教育局关工委", None),
    ("heilongjiang", "大庆的关工委", None),
    # only the opening counts: a region named later in the sentence changes nothing
    ("heilongjiang", "今年以来，齐齐哈尔关工委与大庆市关工委联合开展", None),
    ("heilongjiang", "牡丹江关工委与齐齐哈尔关工委联合开展", "牡丹江市"),
    # the area itself is the publisher's paragraph (the lead), never a region
    ("heilongjiang", "黑龙江关工委召开全委会", None),
    ("heilongjiang", "黑龙江省关工委召开全委会", None),
    ("heilongjiang", "省关工委召开全委会", None),
    ("heilongjiang", "各级关工委", None),
    # ambiguous: 向阳区 is 鹤岗市's and 佳木斯市's
    ("heilongjiang", "向阳关工委", (WARN, ("鹤岗市", "佳木斯市"))),
    ("heilongjiang", "向阳区关工委", (WARN, ("鹤岗市", "佳木斯市"))),
    # a short form that is an ordinary word: 公安关工委 is as likely the police's committee
    ("hubei", "公安关工委", (WARN, ("荆州市",))),
    ("hubei", "公安县关工委", "荆州市"),
    # a city's own bulletin: its county-level divisions are the regions
    ("哈尔滨市", "道外关工委开展", "道外区"),
    ("哈尔滨市", "双城关工委", "双城区"),
    ("哈尔滨市", "哈尔滨市南岗区关工委", "南岗区"),
    ("哈尔滨市", "哈尔滨南岗关工委", "南岗区"),
    ("哈尔滨市", "黑龙江省哈尔滨市道里区关工委", "道里区"),
    ("哈尔滨市", "宾县关工委", "宾县"),
    ("哈尔滨市", "哈尔滨市关工委", None),
    ("哈尔滨市", "哈尔滨关工委", None),
    ("哈尔滨市", "哈尔滨市教育局关工委", None),
    ("伊春市", "伊春关工委", None),  # 伊春区 (now 伊美区) shortened is the city's own name
    ("伊春市", "伊春区关工委", "伊美区"),
]


@pytest.mark.parametrize("setting, text, expected", OPENINGS)
def test_opening(setting, text, expected):
    opening = Gazetteer.load(setting).opening(text)
    if expected is None:
        assert opening is None
    elif isinstance(expected, tuple):
        assert opening is not None and opening.region is None and opening.regions == expected[1]
    else:
        assert opening is not None and opening.region == expected


def test_opening_words_unit_and_doubt():
    hlj = Gazetteer.load("heilongjiang")
    opening = hlj.opening("齐齐哈尔关工委开展活动")
    assert (opening.words, opening.unit, opening.said) == ("齐齐哈尔", "关工委", "齐齐哈尔关工委")
    assert hlj.opening("黑河市委副书记").unit == ""
    assert hlj.opening("大庆市教育局关工委").said == "大庆市教育局关工委"  # a unit of the place
    assert hlj.opening("黑河市委副书记在省关工委会议上").unit == ""  # a phrase, not a unit
    assert hlj.opening("齐齐哈尔教育局关工委") is None  # after a short form only 关工委 itself
    assert hlj.opening("双城关工委").county.name == "双城区"
    assert hlj.opening("齐齐哈尔关工委").county is None
    assert hlj.opening("向阳关工委").doubt == "“向阳”可能是鹤岗市的向阳区，也可能是佳木斯市的向阳区"
    assert Gazetteer.load("hubei").opening("公安关工委").doubt == \
        "“公安”可能是荆州市的公安县，也可能不是地名（“公安”也是常用的词）"
    city = Gazetteer.load("哈尔滨市").opening("哈尔滨市南岗区关工委")
    assert city.said == "哈尔滨市南岗区关工委" and city.county is None


# A paragraph that opens like a report of a name the gazetteer does not know: the importer's and check's note.
UNKNOWN_UNITS = [
    ("heilongjiang", "长白山管委会关工委组织", "长白山管委会"),
    ("heilongjiang", "大庆油田关工委", "大庆油田"),
    ("heilongjiang", "齐齐哈关工委开展", "齐齐哈"),  # a short form with a character missing
    ("heilongjiang", "齐齐哈尔关工委开展", None),  # a place: opening() has it
    ("heilongjiang", "向阳关工委", None),  # a place, if an ambiguous one: not "not in the gazetteer"
    ("heilongjiang", "近年来关工委", None),
    ("heilongjiang", "老干部关工委", None),
    ("heilongjiang", "市关工委", None),
    ("哈尔滨市", "道歪关工委", "道歪"),
    ("哈尔滨市", "哈尔滨市教育局关工委", None),  # the city's own body
]


@pytest.mark.parametrize("setting, text, expected", UNKNOWN_UNITS)
def test_unknown_unit_at_start(setting, text, expected):
    assert Gazetteer.load(setting).unknown_unit_at_start(text) == expected
