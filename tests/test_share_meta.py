"""Share cards, filing numbers and government metadata: the site.yaml settings (icp, police_record,
government, share_image), their Chinese errors with lines, and what every built page carries."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html

from guanxin_site.build import build
from guanxin_site.config import GovernmentSite, load_config
from guanxin_site.errors import ContentErrors

REPO = Path(__file__).resolve().parents[1]
BASE = "https://example.org/guanxin/"
GOVERNMENT = """government:
  site_name: 黑龙江省关心下一代工作委员会
  site_domain: www.hljgwy.gov.cn
  site_id_code: 2300000001
  column_name: 工作简报
"""


def _config(tmp_path: Path, text: str):
    (tmp_path / "site.yaml").write_text(text, encoding="utf-8")
    return load_config(tmp_path)


def _errors(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ContentErrors) as caught:
        _config(tmp_path, text)
    return [str(e) for e in caught.value.errors]


def test_filing_settings_are_read(tmp_path):
    config = _config(tmp_path, "title: 关心下一代工作\nicp: 黑ICP备12345678号-1\npolice_record: 黑公网安备23010202000001号\n"
                     + GOVERNMENT)
    assert config.icp == "黑ICP备12345678号-1"
    assert config.police_record == "黑公网安备23010202000001号" and config.police_record_code == "23010202000001"
    assert config.government == GovernmentSite("黑龙江省关心下一代工作委员会", "www.hljgwy.gov.cn", "2300000001", "工作简报",
                                               "政务动态")
    assert _config(tmp_path, "title: 关心\n").icp is None


def test_wrong_filing_settings_are_reported_in_chinese_with_their_line(tmp_path):
    errors = _errors(tmp_path, "title: 关心\nicp: 12345678\npolice_record: 黑公网安备2301号\n"
                     "government:\n  site_name: 省关工委\n  site_domain: https://x.gov.cn/\n  site_id_code: 23-01\n"
                     "  column: 工作简报\nshare_image: static/没有这个图.png\n")
    assert errors == [
        "site.yaml:2: “icp”应写 ICP 备案号，例如“黑ICP备12345678号”或“黑ICP备12345678号-1”（现在是“12345678”）",
        "site.yaml:3: “police_record”应写公安机关备案号，例如“黑公网安备23010202000001号”（14 位数字；现在是“黑公网安备2301号”）",
        "site.yaml:4: “government”缺少设置：column_name",
        "site.yaml:6: “site_domain”应写网站域名，例如 www.hljgwy.gov.cn（不要带 http:// 和“/”；现在是“https://x.gov.cn/”）",
        "site.yaml:7: “site_id_code”应写 10 位网站标识码，例如“2300000001”（现在是“23-01”）",
        "site.yaml:8: “government”中不认识的设置“column”；可用的设置：site_name、site_domain、site_id_code、column_name、column_type",
        "site.yaml:9: 找不到分享图片 templates/static/没有这个图.png；请把图片放进 templates/static/ 文件夹，或改正文件名",
    ]


def test_government_must_be_a_block_and_share_image_an_image_under_static(tmp_path):
    assert _errors(tmp_path, "government: 是\n") == [
        "site.yaml:1: “government”下面要逐行写 site_name、site_domain、site_id_code、column_name（每行前面空两格）"]
    assert _errors(tmp_path, "share_image: share.gif\n") == ["site.yaml:1: “share_image”必须是 PNG 或 JPG 图片（现在是“share.gif”）"]
    assert _errors(tmp_path, "share_image: ../share.png\n")[0].startswith("site.yaml:1: “share_image”请写 static/ 下的文件")
    (tmp_path / "templates" / "static").mkdir(parents=True)
    (tmp_path / "templates" / "static" / "分享.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert _config(tmp_path, "share_image: static/分享.png\n").share_image == "static/分享.png"
    assert _config(tmp_path, "share_image: https://img.example.org/a.png\n").share_image == "https://img.example.org/a.png"


def test_build_reports_a_wrong_setting_and_leaves_no_site(shipped_project, tmp_path):
    with (shipped_project / "site.yaml").open("a", encoding="utf-8") as f:
        f.write("icp: 黑ICP备123号\n")
    with pytest.raises(ContentErrors) as caught:
        build(shipped_project, tmp_path / "site")
    assert [e.path for e in caught.value.errors] == ["site.yaml"] and caught.value.errors[0].line
    assert not (tmp_path / "site").exists()


# -- what the pages carry ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def filed_site(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("filed")
    shutil.copytree(REPO / "issues", project / "issues")
    (project / "site.yaml").write_text((REPO / "site.yaml").read_text(encoding="utf-8")
                                       + "icp: 黑ICP备12345678号\npolice_record: 黑公网安备23010202000001号\n" + GOVERNMENT,
                                       encoding="utf-8")
    out = project / "site"
    build(project, out, base_url=BASE, search=False)
    return out


def _doc(path: Path):
    return lxml_html.fromstring(path.read_bytes())


def _meta(doc, attribute: str, name: str) -> list[str]:
    return doc.xpath(f"//head/meta[@{attribute}='{name}']/@content")


def test_an_issue_page_carries_its_share_card(filed_site):
    doc = _doc(filed_site / "2023/53/index.html")
    title = "全省各地关工委认真学习贯彻省关工委第33次全委会议精神"
    description = _meta(doc, "name", "description")[0]
    assert description.startswith("黑河市关工委11月9日上午召开")  # no summary: the opening of the first report
    assert _meta(doc, "property", "og:type") == ["article"]
    assert _meta(doc, "property", "og:title") == [title] and _meta(doc, "itemprop", "name") == [title]
    assert _meta(doc, "property", "og:description") == [description] == _meta(doc, "itemprop", "description")
    assert _meta(doc, "property", "og:url") == [BASE + "2023/53/"]
    assert _meta(doc, "property", "og:image") == [BASE + "static/share.png"] == _meta(doc, "itemprop", "image")
    assert doc.get("itemscope") is not None and doc.get("itemtype") == "https://schema.org/Article"


def test_every_page_has_a_share_card_and_the_image_is_in_the_site(filed_site):
    pages = [p for p in filed_site.rglob("*.html") if not p.name.startswith("wechat")]
    assert len(pages) > 30
    for path in pages:
        doc = _doc(path)
        for name in ("og:type", "og:title", "og:description", "og:image"):
            assert len(_meta(doc, "property", name)) == 1 and _meta(doc, "property", name)[0].strip(), (path, name)
        assert _meta(doc, "itemprop", "image") == [BASE + "static/share.png"]
        rel = path.relative_to(filed_site).as_posix()
        expected = [] if rel == "404.html" else [BASE + rel.removesuffix("index.html")]  # 404: served anywhere
        assert _meta(doc, "property", "og:url") == expected
    assert (filed_site / "static/share.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _meta(_doc(filed_site / "index.html"), "property", "og:type") == ["website"]


def test_government_meta_on_every_page_and_article_meta_on_issue_pages(filed_site):
    for path in (filed_site / "index.html", filed_site / "regions/yichun/index.html", filed_site / "2023/53/index.html"):
        doc = _doc(path)
        assert _meta(doc, "name", "SiteName") == ["黑龙江省关心下一代工作委员会"]
        assert _meta(doc, "name", "SiteDomain") == ["www.hljgwy.gov.cn"]
        assert _meta(doc, "name", "SiteIDCode") == ["2300000001"]
        assert _meta(doc, "name", "ColumnName") == ["工作简报"] and _meta(doc, "name", "ColumnType") == ["政务动态"]
        footer = " ".join(doc.xpath("//footer")[0].text_content().split())
        assert "网站标识码：2300000001" in footer and "黑ICP备12345678号" in footer and "黑公网安备23010202000001号" in footer
    issue = _doc(filed_site / "2023/53/index.html")
    assert _meta(issue, "name", "ArticleTitle") == ["全省各地关工委认真学习贯彻省关工委第33次全委会议精神"]
    assert _meta(issue, "name", "PubDate") == ["2023-11-17 00:00"]
    assert _meta(issue, "name", "ContentSource") == ["黑龙江省关心下一代工作委员会办公室"]
    assert _meta(_doc(filed_site / "index.html"), "name", "ArticleTitle") == []
    links = issue.xpath("//footer//a[contains(., '备')]/@href")
    assert links == ["https://beian.miit.gov.cn/", "https://beian.mps.gov.cn/#/query/webSearch?code=23010202000001"]


def test_without_settings_there_is_no_filing_line_and_images_are_relative(shipped_project, tmp_path):
    out = tmp_path / "site"
    build(shipped_project, out, search=False)
    doc = _doc(out / "2023/53/index.html")
    assert not doc.xpath("//*[contains(@class, 'footer-filing')]") and _meta(doc, "name", "SiteName") == []
    assert _meta(doc, "property", "og:image") == ["../../static/share.png"]
    assert _meta(doc, "property", "og:url") == []  # an absolute address needs base_url


def test_share_image_setting_replaces_the_theme_image(shipped_project, tmp_path):
    (shipped_project / "templates" / "static").mkdir(parents=True)
    (shipped_project / "templates" / "static" / "刊头.png").write_bytes((REPO / "templates/static/share.png").read_bytes())
    with (shipped_project / "site.yaml").open("a", encoding="utf-8") as f:
        f.write("share_image: static/刊头.png\n")
    out = tmp_path / "site"
    build(shipped_project, out, base_url=BASE, search=False)
    doc = _doc(out / "2023/53/index.html")
    assert _meta(doc, "property", "og:image") == [BASE + "static/刊头.png"] == _meta(doc, "itemprop", "image")
    assert (out / "static" / "刊头.png").is_file()
