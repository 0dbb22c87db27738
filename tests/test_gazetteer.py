"""Tests for the Heilongjiang gazetteer data file, its loader and its generator."""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path

import pytest

from guanxin_site.gazetteer import Gazetteer, GazetteerError, Place
from test_gazetteer_china import gazetteer_generator

ROOT = Path(__file__).resolve().parent.parent
DATA_FILE = ROOT / "src/guanxin_site/data/heilongjiang.json"
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

REGION_SLUGS = [
    "haerbin", "qiqihaer", "jixi", "hegang", "shuangyashan", "daqing", "yichun",
    "jiamusi", "qitaihe", "mudanjiang", "heihe", "suihua", "daxinganling",
]

# From bulletin 2023-53, the 伊春市 paragraph (copied so the test needs no seed file).
YICHUN_TEXT = (
    "铁力市、嘉荫县、南岔县、大箐山县、伊美区、金林区、乌翠区等关工委于 11 月 7 日下午 2 点半，"
    "采取集中和分散的方式组织有关人员收听收看省关工委第 33 次全体委员（扩大）会议实况。"
    "铁力市关工委及时转发会议通知，对收听收看和学习宣传、贯彻落实等工作提出明确要求。"
    "南岔县委副书记、县关工委主任，县关工委常务主任及关工委驻会老同志，县关工委成员单位负责人及"
    "南岔镇、镇内各学校关工委主任共 38 人参加会议。"
    "大箐山县关工委统一组织 21 个成员单位集中收看了省关工委会议。"
    "友好区关工委组织区关工委成员、成员单位负责人、社区关工委驻会常务副主任在前进社区会议室收听收看会议。"
    "金林区关工委会议后组织全区各级关工干部和“五老”传达学习领导讲话精神。"
    "线上线下相结合，线下金山屯、西林两镇分别组织班子成员和各社区关工站长集中学习。"
)


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


@pytest.fixture
def doc() -> dict:
    """A fresh copy per test, so tests may edit it."""
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def names(places) -> list[str]:
    return [p.name for p in places]


# -- data file -----------------------------------------------------------


def test_counts(doc):
    counties = [c for r in doc["regions"] for c in r["counties"]]
    assert doc["province"] == {"code": "230000", "name": "黑龙江省"}
    assert len(doc["regions"]) == 13
    assert sum(1 for c in counties if c["code"]) == 121
    uncoded = [c["name"] for c in counties if c["code"] is None]
    assert uncoded == ["加格达奇区", "松岭区", "新林区", "呼中区"]


def test_uncoded_units_belong_to_daxinganling(gaz):
    uncoded = [c for c in gaz.counties_of("大兴安岭地区") if c.code is None]
    assert len(uncoded) == 4
    assert gaz.county("加格达奇区").slug == "daxinganling-jiagedaqi"


def test_county_codes_match_region(doc):
    for region in doc["regions"]:
        for county in region["counties"]:
            if county["code"]:
                assert county["code"][:4] + "00" == region["code"], county


def test_sorted_by_code(doc):
    codes = [r["code"] for r in doc["regions"]]
    assert codes == sorted(codes)
    for region in doc["regions"]:
        coded = [c["code"] for c in region["counties"] if c["code"]]
        assert coded == sorted(coded)


def test_slugs_unique_and_ascii(doc):
    slugs = [r["slug"] for r in doc["regions"]]
    slugs += [c["slug"] for r in doc["regions"] for c in r["counties"]]
    assert len(slugs) == len(set(slugs))
    assert all(SLUG_RE.match(s) for s in slugs), [s for s in slugs if not SLUG_RE.match(s)]


def test_slug_rules(doc, gaz):
    assert [r["slug"] for r in doc["regions"]] == REGION_SLUGS
    for region in doc["regions"]:
        for county in region["counties"]:
            assert county["slug"].startswith(region["slug"] + "-")
    assert gaz.county("穆棱市").slug == "mudanjiang-muling"
    assert gaz.county("绥棱县").slug == "suihua-suileng"
    assert gaz.county("宾县").slug == "haerbin-binxian"  # one-character base keeps 县
    assert gaz.county("郊区").slug == "jiamusi-jiaoqu"
    assert gaz.county("道里区").slug == "haerbin-daoli"
    assert gaz.county("杜尔伯特蒙古族自治县").short == "杜尔伯特"


def test_same_name_in_two_regions(gaz):
    assert gaz.county("向阳区", "鹤岗市").slug == "hegang-xiangyang"
    assert gaz.county("向阳区", "佳木斯市").slug == "jiamusi-xiangyang"
    assert gaz.county("向阳区") is None  # ambiguous without a region


# -- lookups -------------------------------------------------------------


def test_regions(gaz):
    assert gaz.name == "heilongjiang"
    assert len(gaz.regions) == 13
    assert gaz.regions[0] == gaz.region("哈尔滨市")
    assert gaz.region("伊春市") == Place("230700", "伊春市", "伊春", "yichun", None, ())
    assert gaz.region("伊春") is None


def test_counties_of(gaz):
    yichun = gaz.counties_of("伊春市")
    assert len(yichun) == 10
    assert all(c.region == "伊春市" for c in yichun)
    assert [c.code for c in yichun] == sorted(c.code for c in yichun)
    assert gaz.counties_of("火星市") == ()


def test_aliases_resolve(gaz):
    assert gaz.county("伊春区", "伊春市").name == "伊美区"
    assert gaz.county("带岭区").name == "大箐山县"
    assert gaz.county("南岔区").name == "南岔县"
    assert gaz.county("嫩江县").name == "嫩江市"
    assert gaz.county("漠河县").region == "大兴安岭地区"
    assert gaz.county("伊春区", "黑河市") is None


def test_find_counties_first_mention_order(gaz):
    found = gaz.find_counties("伊春市", YICHUN_TEXT)
    assert names(found) == [
        "铁力市", "嘉荫县", "南岔县", "大箐山县", "伊美区", "金林区", "乌翠区", "友好区",
    ]


def test_find_counties_aliases_and_longest_match(gaz):
    text = "原南岔区、带岭区和汤旺河区的老同志，与南岔县关工委一起"
    assert names(gaz.find_counties("伊春市", text)) == ["南岔县", "大箐山县", "汤旺县"]
    # short names alone do not count
    assert gaz.find_counties("伊春市", "铁力、嘉荫两地") == ()


def test_find_counties_ignores_quyu(gaz):
    assert gaz.find_counties("七台河市", "培育新兴区域经济") == ()
    assert names(gaz.find_counties("七台河市", "新兴区关工委")) == ["新兴区"]


def test_find_counties_does_not_cross_regions(gaz):
    text = "道里区、南岗区和铁力市、向阳区关工委"
    assert names(gaz.find_counties("伊春市", text)) == ["铁力市"]
    assert names(gaz.find_counties("哈尔滨市", text)) == ["道里区", "南岗区"]
    assert [c.slug for c in gaz.find_counties("佳木斯市", text)] == ["jiamusi-xiangyang"]
    assert gaz.find_counties("不存在", text) == ()


def test_suggest_region(gaz):
    assert gaz.suggest_region("黑河") == "黑河市"
    assert gaz.suggest_region("伊春县") == "伊春市"
    assert gaz.suggest_region("大兴安岭") == "大兴安岭地区"
    assert gaz.suggest_region("齊齊哈爾市") == "齐齐哈尔市"
    assert gaz.suggest_region("哈尔宾市") == "哈尔滨市"
    assert gaz.suggest_region("abc") is None
    assert gaz.suggest_region("") is None


def test_region_at_start(gaz):
    assert gaz.region_at_start("黑河市关工委召开会议").name == "黑河市"
    assert gaz.region_at_start("大兴安岭地区关工委").name == "大兴安岭地区"
    assert gaz.region_at_start("省关工委") is None


def test_county_at_start(gaz):
    place = gaz.county_at_start("铁力市、嘉荫县")
    assert place.name == "铁力市"
    assert place.region == "伊春市"
    assert gaz.county_at_start("带岭区关工委").name == "大箐山县"
    assert gaz.county_at_start("向阳区关工委") is None  # ambiguous
    assert gaz.county_at_start("向阳区关工委", "鹤岗市").slug == "hegang-xiangyang"
    assert gaz.county_at_start("伊春市关工委") is None


# -- loading -------------------------------------------------------------


def test_load_is_cached_and_fingerprinted(gaz):
    assert Gazetteer.load("heilongjiang") is gaz
    assert gaz.fingerprint == hashlib.sha256(DATA_FILE.read_bytes()).hexdigest()


def test_packaged_resource_is_the_data_file():
    packaged = resources.files("guanxin_site.data").joinpath("heilongjiang.json")
    assert packaged.read_bytes() == DATA_FILE.read_bytes()


def test_load_from_path(tmp_path, doc):
    doc["regions"] = doc["regions"][:1]
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    tiny = Gazetteer.load(str(path))
    assert tiny.name == "tiny"
    assert names(tiny.regions) == ["哈尔滨市"]


@pytest.mark.parametrize("content", ["not json", "[]", '{"regions": []}',
                                     '{"regions": [{"code": "1", "name": "x"}]}'])
def test_bad_files_raise(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GazetteerError):
        Gazetteer.load(str(path))


def test_duplicate_slug_raises(tmp_path, doc):
    doc["regions"][1]["slug"] = doc["regions"][0]["slug"]
    path = tmp_path / "dupe.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(GazetteerError, match="duplicate slug"):
        Gazetteer.load(str(path))


def test_missing_data_raises(tmp_path):
    with pytest.raises(GazetteerError):
        Gazetteer.load("no-such-gazetteer")
    with pytest.raises(GazetteerError):
        Gazetteer.load(str(tmp_path / "missing.json"))


# -- generator -----------------------------------------------------------


def test_generator_reproduces_data_file():
    gen = gazetteer_generator()
    assert gen.render(gen.build()).encode("utf-8") == DATA_FILE.read_bytes()
