"""Deterministic synthetic archives for tests: real-looking issues in the content format.

Sentences are taken from the real 2023 issue 53 (copied here: tests must not read ../shared).
Issue k is the same whatever the archive size, so a small archive is a prefix of a larger one.
"""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

SENTENCES = (
    "市关工委全体成员参加会议，传达了会议精神，集中学习了工作报告和领导讲话。",
    "与会人员表示，工作报告在总结今年工作基础上对下一年工作进行安排部署，为做好关心下一代工作指明了方向。",
    "要全面深入、系统地学好、用好习近平关于关心下一代工作的论述，为培养社会主义现代化的建设者和接班人努力奋斗。",
    "多年来关工委老同志为当地的经济社会发展做出了贡献，现在依然在发挥余热。",
    "会议由市关工委副主任主持，成员单位负责同志30余人参加了会议。",
    "全市关心下一代工作呈现出良好态势，实现了“四个新突破”、取得“六个新成效”。",
    "请市委宣传部抓好舆论宣传，在媒体开设关爱青少年心理健康专栏，广泛宣传先进典型。",
    "各级关工委要组织动员“五老”积极参与青少年心理健康工作，发挥好“五老”先进性、能动性、专业性优势作用。",
    "采取线上线下连线互动方式，与各县（市）、区关工委班子共同学习、互动交流，快速掀起学习热潮。",
    "要坚持把农村留守、流动儿童和困境儿童作为关爱服务对象，做好政治关爱和心理辅导。",
    "积极探索结对关爱和阵地关爱等陪伴成长模式，为青少年健康成长营造良好社会环境。",
    "用好红色资源，建好红色阵地，积极引导青少年培育和践行社会主义核心价值观。",
    "以“五好”为标准，加强基层关工委规范化、制度化、常态化建设，不断提升基层工作质效。",
    "在全市各级关工组织中迅速掀起学习贯彻会议精神高潮，按照“突出重点、抓出特点、创出亮点”要求谋划明年工作。",
    "发挥好被聘学校法律副校长作用，积极做好法律宣传、法律指导、法律纾解、法律援助工作。",
    "教育引导青少年扣好人生第一粒扣子，促进青少年成长成才。",
)

REGIONS = (
    "哈尔滨市", "齐齐哈尔市", "鸡西市", "鹤岗市", "双鸭山市", "大庆市", "伊春市",
    "佳木斯市", "七台河市", "牡丹江市", "黑河市", "绥化市", "大兴安岭地区",
)
# County-level places per region, mentioned in some reports so county pages get built.
COUNTIES = {
    "伊春市": ("铁力市", "嘉荫县", "南岔县", "大箐山县", "伊美区", "金林区"),
    "黑河市": ("北安市", "五大连池市", "嫩江市", "逊克县"),
    "大兴安岭地区": ("漠河市", "塔河县", "呼玛县", "加格达奇区"),
    "哈尔滨市": ("道里区", "南岗区", "宾县", "五常市"),
}
START = dt.date(2019, 1, 4)
PUBLISHER = "黑龙江省关心下一代工作委员会办公室"


# site.yaml lines of a filed government site: ICP and public-security numbers, 政府网站 metadata.
CHINA_SETTINGS = """
icp: 黑ICP备12345678号-1
police_record: 黑公网安备23010202000001号
government:
  site_name: 黑龙江省关心下一代工作委员会
  site_domain: www.hljgwy.gov.cn
  site_id_code: "2300000001"
  column_name: 工作简报
"""


def issue_text(k: int) -> tuple[str, int, int]:
    """Issue k (0-based): (file text, year, number)."""
    rng = random.Random(1_000_003 * (k + 1))
    date = START + dt.timedelta(weeks=k)
    number = (date - dt.date(date.year, 1, 1)).days // 7 + 1
    total = 300 + k + 1
    regions = rng.sample(REGIONS, rng.randint(2, 5))
    title = f"{regions[0]}关工委{rng.choice(('扎实推进', '认真学习贯彻', '深入开展'))}关心下一代工作（{k + 1}）"
    lines = ["---", f"number: {number}", f"total: {total}", f"date: {date.isoformat()}", f"title: {title}", "---", ""]
    for region in regions:
        lines += [f"## {region}", ""]
        for p in range(rng.randint(1, 3)):
            sentences = rng.sample(SENTENCES, rng.randint(2, 4))
            if p == 0:
                sentences[0] = f"{region}关工委" + sentences[0]
            if region in COUNTIES and rng.random() < 0.5:
                sentences.append(f"{rng.choice(COUNTIES[region])}关工委积极响应，认真抓好落实。")
            lines += ["".join(sentences), ""]
    return "\n".join(lines), date.year, number


def write_archive(project: Path, count: int, start: int = 0) -> list[Path]:
    """Write issues start..start+count-1 under project/issues/<year>/<number>.md."""
    paths = []
    for k in range(start, start + count):
        text, year, number = issue_text(k)
        path = project / "issues" / str(year) / f"{number:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def write_issue(project: Path, rel: str, text: str) -> Path:
    """One hand-written issue file at issues/<rel> (its year's folder made); returns its path."""
    path = project / "issues" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
