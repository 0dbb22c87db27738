"""The editor's desk end to end: real serve processes, real files made at test time (a PDF printed by
Chromium, a .docx, a scan), headless Chromium doing what an editor does, and the files on disk checked."""
from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from desk_support import SHIPPED, new_project, open_desk, start_desk, wait_until
from guanxin_site.cli import main
from guanxin_site.desk.model import read_document, to_form
from guanxin_site.gazetteer import Gazetteer
from guanxin_site.importer import parse_bulletin
from pdf_factory import bulletin_docx, chromium_pdf, scanned_pdf
from test_importer import SEED_TEXT

ISSUE = "issues/2023/053.md"


@pytest.fixture(scope="module")
def seed_pdf(browser, tmp_path_factory) -> Path:
    """The seed bulletin as received: its text imported, printed to PDF by Chromium (six A4 pages)."""
    markdown = parse_bulletin(SEED_TEXT, Gazetteer.load("heilongjiang")).to_markdown()
    return chromium_pdf(browser, markdown, tmp_path_factory.mktemp("seed") / "第53期.pdf")


@pytest.fixture(autouse=True)
def closed_pages(browser):
    """Each test's tabs closed after it: a tab left open keeps polling a server that has stopped."""
    yield
    for context in browser.contexts:
        context.close()


@pytest.fixture
def desk(tmp_path):
    """A serve process on an empty project (stopped after the test)."""
    running = start_desk(new_project(tmp_path / "project"))
    yield running
    running.stop()


@pytest.fixture
def server(tmp_path):
    """A serve process on a project holding the shipped issue (2023年第53期)."""
    running = start_desk(new_project(tmp_path / "project", (ISSUE, SHIPPED.read_text(encoding="utf-8"))))
    yield running
    running.stop()


def cli_import(received: Path, root: Path) -> str:
    """What `guanxin-site import` makes of the file, in a project of its own."""
    project = new_project(root)
    result = CliRunner().invoke(main, ["import", "--source", str(project), str(received)])
    assert result.exit_code == 0, result.output
    return (project / ISSUE).read_text(encoding="utf-8")


def drop_files(page, selector: str, paths: list[Path]) -> None:
    """Drop files on an element as a file manager does (a DataTransfer with File objects)."""
    files = [(path.name, base64.b64encode(path.read_bytes()).decode()) for path in paths]
    transfer = page.evaluate_handle("""files => {
        const transfer = new DataTransfer();
        for (const [name, text] of files) {
            const bytes = Uint8Array.from(atob(text), c => c.charCodeAt(0));
            transfer.items.add(new File([bytes], name));
        }
        return transfer; }""", files)
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def receive(page, paths: list[Path], *, choose: bool = False, timeout: float = 120_000) -> str:
    page.goto(page.url.split("#")[0] + "#receive")
    if choose:
        page.set_input_files("#file-input", [str(p) for p in paths])
    else:
        drop_files(page, "#drop", paths)
    page.wait_for_selector("table.outcomes", timeout=timeout)
    return page.inner_text("#receive-result")


def save(page) -> str:
    page.click("#save")
    page.wait_for_function("document.getElementById('save-state').textContent.startsWith('已保存')")
    return page.inner_text("#save-state")


def moved_and_renamed(text: str) -> str:
    """The edits of the first test made by hand: 鹤岗市's first paragraph to the end of 黑河市, 伊春市 → 绥化市."""
    first = text.split("## 鹤岗市\n\n")[1].split("\n\n")[0]
    return (text.replace(f"## 鹤岗市\n\n{first}\n\n", "## 鹤岗市\n\n")
            .replace("\n\n## 鹤岗市", f"\n\n{first}\n\n## 鹤岗市").replace("## 伊春市", "## 绥化市"))


def test_drop_a_pdf_move_a_paragraph_change_a_region_and_save(browser, desk, seed_pdf, tmp_path):
    page = open_desk(browser, desk, "receive")
    result = receive(page, [seed_pdf])
    assert "已导入" in result and "2023年第53期·总第509期" in result and "issues/2023/053.md" in result
    page.click("text=开始校对")
    page.wait_for_selector('[data-block="o2-0"]')
    page.wait_for_selector("#original .page img")
    # Pointing at a paragraph marks its printed lines on the original's page.
    page.focus('[data-block="o2-0"]')
    wait_until(lambda: page.locator("#original .box").count() >= 10, what="the paragraph's lines marked")
    marked = page.evaluate("[...document.querySelectorAll('#original .box')].map(b => b.parentNode.dataset.page)")
    assert set(marked) <= {"1", "2"}
    page.select_option("#move-o2-0", "0")  # to 黑河市, the report before: it goes to its end
    page.click('[data-act="move"][data-id="o2-0"]')
    page.select_option("#region-3", "绥化市")
    assert "已保存" in save(page)
    expected = moved_and_renamed(cli_import(seed_pdf, tmp_path / "by-cli"))
    assert (desk.project / ISSUE).read_text(encoding="utf-8") == expected
    assert (desk.project / "issues/2023/053.md.bak").is_file()  # one step of undo
    assert page.desk_errors == []


def test_a_file_changed_on_disk_is_never_overwritten_and_both_versions_are_offered(browser, server, tmp_path):
    page = open_desk(browser, server, "edit/2023-53")
    page.wait_for_selector("#field-title")
    path = server.project / ISSUE
    theirs = path.read_text(encoding="utf-8").replace("市委副书记到会并讲话", "市委副书记到会并作重要讲话")
    path.write_text(theirs, encoding="utf-8")  # a text editor saves meanwhile
    page.fill("#field-title", "编辑台中改的标题")
    page.click("#save")
    page.wait_for_selector("#conflict:not([hidden])")
    assert path.read_text(encoding="utf-8") == theirs
    versions = page.inner_text("#conflict")
    assert "到会并作重要讲话" in versions and "title: 编辑台中改的标题" in versions
    page.click("#conflict-mine")  # the editor chooses theirs after seeing both
    page.wait_for_selector("#conflict", state="hidden")
    text = path.read_text(encoding="utf-8")
    assert "title: 编辑台中改的标题" in text and "到会并讲话" in text
    assert (server.project / "issues/2023/053.md.bak").read_text(encoding="utf-8") == theirs


def test_a_full_width_colon_gives_the_located_message_as_the_editor_types(browser, server, tmp_path):
    page = open_desk(browser, server, "edit/2023-53")
    page.wait_for_selector("#field-title")
    page.click("text=其他设置")
    page.fill("#field-other", "summary：本期介绍全省学习情况")
    page.wait_for_function("document.getElementById('problem-field-other').textContent.includes('中文冒号')")
    message = page.inner_text("#problem-field-other")
    assert "summary" in message and "英文冒号" in message
    assert page.get_attribute("#field-other", "aria-invalid") == "true"
    page.fill("#field-other", "summary: 本期介绍全省学习情况")
    page.wait_for_function("document.getElementById('problem-field-other').textContent === ''")
    page.fill("#field-number", "五十三")
    page.wait_for_function("document.getElementById('problem-field-number').textContent.includes('整数')")
    assert (server.project / ISSUE).read_bytes() == SHIPPED.read_bytes()  # checking writes nothing


SCRIPT = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


def test_a_script_typed_into_a_paragraph_is_text_everywhere(browser, server, tmp_path):
    page = open_desk(browser, server, "edit/2023-53")
    page.wait_for_selector('[data-block="o1-0"]')
    page.fill('[data-block="o1-0"]', "黑河市关工委召开会议。" + SCRIPT)
    page.fill("#field-title", "标题" + SCRIPT)
    save(page)
    saved = to_form(read_document((server.project / ISSUE).read_bytes()))
    assert saved["reports"][0]["blocks"][0]["text"].endswith(SCRIPT) and saved["fields"]["title"] == "标题" + SCRIPT
    page.reload()
    page.wait_for_selector('[data-block="o1-0"]')
    assert page.input_value('[data-block="o1-0"]').endswith(SCRIPT)
    page.goto(server.desk + "#issues")
    page.wait_for_selector("#issues-list .issue-table")
    assert SCRIPT in page.inner_text("#issues-list .issue-table")
    preview = server.url + "2023/53/"
    wait_until(lambda: "__pwned" in page.context.request.get(preview).text(), what="the preview rebuilt")
    page.goto(preview)
    assert SCRIPT in page.inner_text("main")
    for shown in (page,):
        assert shown.evaluate("window.__pwned") is None
    page.goto(server.desk + "#edit/2023-53")
    page.wait_for_selector('[data-block="o1-0"]')
    assert page.evaluate("window.__pwned") is None and page.desk_errors == []


def test_a_docx_is_shown_as_its_text_and_can_be_chosen_instead_of_dropped(browser, desk, tmp_path):
    received = bulletin_docx(SHIPPED.read_text(encoding="utf-8"), tmp_path / "第53期.docx")
    page = open_desk(browser, desk, "receive")
    assert "已导入" in receive(page, [received], choose=True)
    page.click("text=开始校对")
    page.wait_for_selector(".original-text p")
    assert "第53期.docx" in page.inner_text("#original")
    page.focus('[data-block="o3-0"]')
    page.wait_for_selector(".original-text p.marked")
    assert page.inner_text(".original-text p.marked").startswith("伊春市关工委于")
    again = receive(page, [received])
    assert "已存在" in again  # importing the same file twice never makes a second issue


def test_a_scan_stays_unproofread_until_every_report_is_ticked(browser, desk, seed_pdf, tmp_path):
    scan = scanned_pdf(seed_pdf, tmp_path / "扫描件.pdf", pages=1, dpi=200)
    page = open_desk(browser, desk, "receive")
    assert "已导入" in receive(page, [scan], timeout=600_000)  # OCR: seconds a page, minutes on a loaded machine
    page.click("text=开始校对")
    page.wait_for_selector("[data-tick]")
    assert "文字识别" in page.inner_text("#form")
    ticks = page.locator("[data-tick]")
    assert ticks.count() >= 1
    for n in range(ticks.count() - 1):
        ticks.nth(n).check()
    save(page)
    assert "proofread: false" in (desk.project / ISSUE).read_text(encoding="utf-8")
    ticks.nth(ticks.count() - 1).check()
    assert "校对完" in save(page)
    assert "proofread" not in (desk.project / ISSUE).read_text(encoding="utf-8")


def test_undo_puts_the_previous_version_back_and_redo_is_a_second_undo(browser, server, tmp_path):
    page = open_desk(browser, server, "edit/2023-53")
    page.wait_for_selector("#field-title")
    assert page.is_disabled("#undo")
    page.fill("#field-total", "510")
    save(page)
    path = server.project / ISSUE
    edited = path.read_bytes()
    assert b"\ntotal: 510\n" in edited
    page.click("#undo")
    page.wait_for_function("document.getElementById('save-state').textContent.startsWith('已撤销')")
    assert path.read_bytes() == SHIPPED.read_bytes() and page.input_value("#field-total") == "509"
    page.click("#undo")
    page.wait_for_function("document.getElementById('field-total').value === '510'")
    assert path.read_bytes() == edited


def test_keyboard_enter_splits_backspace_joins_and_ctrl_s_saves(browser, server, tmp_path):
    page = open_desk(browser, server, "edit/2023-53")
    area = '[data-block="o4-0"]'  # 齐齐哈尔市, its only paragraph
    page.wait_for_selector(area)
    text = page.input_value(area)
    cut = text.index("会议结束后，") + len("会议结束后，")
    page.focus(area)
    page.evaluate(f"document.querySelector('{area}').setSelectionRange({cut}, {cut})")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('[data-part=\"3\"] .para').length === 2")
    assert page.evaluate("document.activeElement.value").startswith("市委副书记")
    page.keyboard.press("Control+s")
    page.wait_for_function("document.getElementById('save-state').textContent.startsWith('已保存')")
    saved = (server.project / ISSUE).read_text(encoding="utf-8")
    assert f"\n\n{text[:cut]}\n\n{text[cut:]}\n" in saved
    second = page.locator('[data-part="3"] .para textarea').nth(1)
    second.focus()
    page.evaluate("document.activeElement.setSelectionRange(0, 0)")
    page.keyboard.press("Backspace")
    page.wait_for_function("document.querySelectorAll('[data-part=\"3\"] .para').length === 1")
    page.keyboard.press("Control+s")
    page.wait_for_function("document.getElementById('save-state').textContent.startsWith('已保存')")
    assert (server.project / ISSUE).read_bytes() == SHIPPED.read_bytes()


def test_a_photo_is_added_to_a_report_with_its_description(browser, server, tmp_path):
    from photo_support import phone_jpeg

    photo = phone_jpeg(tmp_path / "IMG_0001.jpg", 800, 600)
    page = open_desk(browser, server, "edit/2023-53")
    page.wait_for_selector('[data-photo-part="1"]')
    page.set_input_files('[data-photo-part="1"]', str(photo))
    page.wait_for_selector('[data-part="1"] .photo-block img')
    loaded = "img => img.complete && img.naturalWidth > 0"  # the element comes first, its bytes after (seen once in CI)
    page.wait_for_function(loaded, arg=page.locator('[data-part="1"] .photo-block img').element_handle())
    assert page.evaluate("document.querySelector('[data-part=\"1\"] .photo-block img').naturalWidth") == 800
    page.keyboard.type("鹤岗市关心下一代工作联席会议现场")
    save(page)
    name = re.search(r"!\[鹤岗市关心下一代工作联席会议现场\]\((053/照片-[0-9a-f]{12}\.jpg)\)\n\n## 伊春市",
                     (server.project / ISSUE).read_text(encoding="utf-8")).group(1)
    assert (server.project / "issues/2023" / name).read_bytes() == photo.read_bytes()
    assert "问题" not in page.inner_text("#save-state")


def test_every_preview_page_links_to_the_desk(server, browser):
    _, _, home = server.request("GET", "/")
    _, _, issue = server.request("GET", "/2023/53/")
    assert b'id="guanxin-desk-link" href="/__desk/"' in home
    assert b'href="/__desk/#edit/2023-53"' in issue and "在编辑台中修改本期".encode() in issue
    assert not list((server.project / ".guanxin-cache/serve-site").rglob("*.html"))[0].read_text(
        encoding="utf-8").count("guanxin-desk-link")  # added as served, never written into the site
    page = browser.new_page()
    page.goto(server.url + "2023/53/")
    page.emulate_media(media="print")  # an issue printed from the preview: without the editors' button
    assert page.evaluate("getComputedStyle(document.getElementById('guanxin-desk-link')).display") == "none"


def test_publish_without_a_target_builds_and_says_how_to_add_one(browser, server, tmp_path):
    page = open_desk(browser, server, "publish")
    page.wait_for_selector("#publish-target .notice")
    assert "还没有设置发布地址" in page.inner_text("#publish-target")
    page.click("#publish-button")
    page.wait_for_selector("#publish-result .notice", timeout=180_000)
    result = page.inner_text("#publish-result")
    assert "已生成网站：1 期" in result and "deploy:" in result
    assert (server.project / "site/2023/53/index.html").is_file()
    page.goto(server.desk + "#issues")
    page.wait_for_selector("#issues-list .issue-table")
    assert "已生成网站（未上传）" in page.inner_text("#issues-list .issue-table")


def test_the_seed_bulletin_from_receipt_to_a_built_site_through_the_page_alone(browser, desk, seed_pdf):
    """What the editors' guide walks through: 收件, 校对 (every report ticked), 预览, 发布."""
    page = open_desk(browser, desk)
    page.click("nav >> text=收件")
    drop_files(page, "#drop", [seed_pdf])
    page.wait_for_selector("table.outcomes", timeout=120_000)
    page.click("text=开始校对")
    page.wait_for_selector("[data-tick]")
    for n in range(page.locator("[data-tick]").count()):
        page.locator("[data-tick]").nth(n).check()
    save(page)
    page.click("#show-preview")
    frame = page.frame_locator("#preview-frame")
    assert "全省各地关工委认真学习贯彻" in frame.locator("h1.headline, .headline").first.inner_text()
    page.click("nav >> text=发布")
    page.click("#publish-button")
    page.wait_for_selector("#publish-result .notice", timeout=180_000)
    expected = SHIPPED.read_text(encoding="utf-8").replace(
        "publisher: 黑龙江省关心下一代工作委员会办公室\n",
        "publisher: 黑龙江省关心下一代工作委员会办公室\nattachments:\n  - 053/原件.pdf\ndistribution:\n"
        "  - 报：省委、省政府领导，中国关工委办公室\n  - 送：省委组织部、省委宣传部、省委老干部局\n"
        "  - 发：各市（地）、县（市、区）关工委，省直各成员单位\n")
    assert (desk.project / ISSUE).read_text(encoding="utf-8") == expected
    built = (desk.project / "site/2023/53/index.html").read_text(encoding="utf-8")
    assert "黑河市关工委11月9日上午召开" in built and "原件（PDF）" in built
    assert (desk.project / "site/2023/53/原件.pdf").read_bytes() == seed_pdf.read_bytes()
    page.click("nav >> text=全部期")
    page.wait_for_selector("#issues-list .issue-table")
    assert "已生成网站" in page.inner_text("#issues-list .issue-table")
    assert page.desk_errors == []


def test_publish_deploys_to_the_target_with_the_password_typed_in_the_page(browser, tmp_path):
    """Against the deploy tests' real FTP server: the page asks for the password, uploads the built
    site, and a second publish uploads nothing."""
    from deploy_servers import FTP_PASSWORD, FTP_USER, ftp_server

    with ftp_server(tmp_path / "ftp") as ftpd:
        project = new_project(tmp_path / "project", (ISSUE, SHIPPED.read_text(encoding="utf-8")))
        with open(project / "site.yaml", "a", encoding="utf-8") as settings:
            settings.write(f"deploy: ftp://{FTP_USER}@127.0.0.1:{ftpd.port}/www\n")
        server = start_desk(project)
        try:
            page = open_desk(browser, server, "publish")
            page.wait_for_selector("#publish-password")
            assert f"发布到：默认（ftp://{FTP_USER}@127.0.0.1:{ftpd.port}/www）" in page.inner_text("#publish-target")
            page.click("#publish-button")
            page.wait_for_selector("#publish-result .notice", timeout=120_000)
            assert "发布没有完成" in page.inner_text("#publish-result") and "密码" in page.inner_text("#publish-result")
            page.fill("#publish-password", "wrong")  # a mistyped password: the page's words, not the command line's
            page.click("#publish-button")
            page.wait_for_function("document.querySelector('#publish-result').textContent.includes('密码不对')",
                                   timeout=120_000)
            said = page.inner_text("#publish-result")
            assert "请在“服务器密码”中重新填写" in said and "GUANXIN_DEPLOY_PASSWORD" not in said
            page.fill("#publish-password", FTP_PASSWORD)
            page.click("#publish-button")
            page.wait_for_selector("#publish-result .notice.ok", timeout=120_000)
            assert "已上传到“默认”" in page.inner_text("#publish-result")
            site = project / "site"
            built = {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*")
                     if p.is_file() and not p.relative_to(site).as_posix().startswith(".")}  # the build's own records
            assert "2023/53/index.html" in built
            remote = ftpd.home / "www"
            for name, data in built.items():
                assert (remote / name).read_bytes() == data, name
            assert page.input_value("#publish-password") == ""  # never kept in the page
            page.fill("#publish-password", FTP_PASSWORD)
            page.click("#publish-button")
            page.wait_for_function("document.querySelector('#publish-result .notice.ok') !== null "
                                   "&& document.querySelector('#publish-result').textContent.includes('上传 0 个文件')",
                                   timeout=120_000)
            page.goto(server.desk + "#issues")
            page.wait_for_selector("#issues-list .issue-table")
            assert "已发布" in page.inner_text("#issues-list .issue-table")
        finally:
            server.stop()


AXE_RUN = "axe.run(document, {resultTypes: ['violations']})"
SCREENS = {"receive": "#drop", "issues": "#issues-list .issue-table", "edit/2023-53": '[data-block="o1-0"]',
           "publish": "#publish-target .notice"}


def test_axe_finds_no_serious_violation_on_the_desk_screens_and_the_list_fits_a_phone(browser, server, tmp_path):
    axe = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
    assert axe.is_file(), "run `npm ci` in the repository (package.json pins axe-core)"
    found = {}
    for width in (1280, 360):
        context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
        context.add_init_script(script=axe.read_text(encoding="utf-8"))
        page = context.new_page()
        for screen, ready in SCREENS.items():
            page.goto(server.desk + "#" + screen)
            page.wait_for_selector(ready)
            result = page.evaluate(AXE_RUN)
            serious = [f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']][:3]}"
                       for v in result["violations"] if v["impact"] in ("serious", "critical")]
            if serious:
                found[f"{screen}@{width}"] = serious
            if width == 360 and screen == "issues":
                assert page.evaluate("document.documentElement.scrollWidth") == 360
        context.close()
    assert found == {}


def test_the_preview_beside_the_form_updates_on_save(browser, server):
    page = open_desk(browser, server, "edit/2023-53")
    page.wait_for_selector("#field-title")
    page.click("#show-preview")
    headline = page.frame_locator("#preview-frame").locator(".headline")
    assert "全省各地关工委" in headline.inner_text()
    page.fill("#field-title", "预览随保存更新")
    save(page)
    wait_until(lambda: headline.inner_text() == "预览随保存更新", what="the preview to show the saved title")


def test_the_list_shows_each_issues_state(server):
    shipped = SHIPPED.read_text(encoding="utf-8")
    issues = server.project / "issues/2023"
    (issues / "054.md").write_text(shipped.replace("number: 53", "number: 54").replace("total: 509", "total: 510")
                                   .replace("2023-11-17", "2023-11-24"), encoding="utf-8")
    (issues / "055.md").write_text(shipped.replace("number: 53", "number: 55").replace("total: 509", "total: 511")
                                   .replace("2023-11-17", "2023-12-01").replace("---\n\n", "proofread: false\n---\n\n", 1),
                                   encoding="utf-8")
    (issues / "056.md").write_text(shipped.replace("number: 53", "number: 56").replace("total: 509", "total: 512")
                                   .replace("2023-11-17", "2023-12-08").replace("---\n\n", "draft: true\n---\n\n", 1),
                                   encoding="utf-8")
    status, answer = server.api("GET", "api/issues")
    assert status == 200
    states = {issue["id"]: issue["state_names"] for issue in answer["issues"]}
    assert states == {"2023-53": ["待发布"], "2023-54": ["待发布"], "2023-55": ["已导入，未校对"], "2023-56": ["草稿"]}
    (issues / "054.md").write_text(shipped.replace("number: 53", "number: 54").replace("total: 509", "total: 510")
                                   .replace("2023-11-17", "2023-11-24").replace("## 黑河市", "## 黑河县"), encoding="utf-8")
    status, answer = server.api("GET", "api/issues")
    problem = next(issue for issue in answer["issues"] if issue["id"] == "2023-54")
    assert problem["state_names"] == ["有问题"] and "黑河县" in problem["first_problem"]


def test_an_edit_made_before_serve_was_started_again_is_saved_by_ctrl_s(browser, tmp_path):
    """Found by an editor's walkthrough: after the cmd window of `serve` was closed and serve started again,
    Ctrl+S was refused (the secret is new each start) and the only way offered, refreshing, threw the
    unsaved edits away. The page now takes the new secret from its own address and saves."""
    first = start_desk(new_project(tmp_path / "project", (ISSUE, SHIPPED.read_text(encoding="utf-8"))))
    again = None
    try:
        page = open_desk(browser, first, "edit/2023-53")
        area = '[data-block="o4-0"]'
        page.wait_for_selector(area)
        page.fill(area, page.input_value(area) + "补记一句。")
        first.stop()
        again = start_desk(first.project, "--port", str(first.port))  # the same address, a new secret
        page.keyboard.press("Control+s")
        page.wait_for_function("document.getElementById('save-state').textContent.startsWith('已保存')")
        assert "补记一句。" in (first.project / ISSUE).read_text(encoding="utf-8")
        status, answer = again.api("POST", "api/save", {}, extra={"X-Desk-Token": "an-old-secret"})
        assert status == 403 and answer["token"] == "stale"  # what the page recognises
    finally:
        first.stop()
        if again is not None:
            again.stop()


def test_with_several_addresses_publish_waits_for_the_editor_to_choose_one(browser, tmp_path):
    """Found by an editor's walkthrough: with 正式 and 备份 in site.yaml, the list was sorted and 备份 came
    first, so 发布 without looking published to the backup. Now the list keeps site.yaml's order, starts
    at （请选择）, and 发布 asks for a choice before building or sending anything."""
    project = new_project(tmp_path / "project", (ISSUE, SHIPPED.read_text(encoding="utf-8")))
    with open(project / "site.yaml", "a", encoding="utf-8") as handle:
        handle.write("\ndeploy:\n  正式: s3://a/?endpoint=http://127.0.0.1:9\n  备份: s3://b/?endpoint=http://127.0.0.1:9\n")
    running = start_desk(project)
    try:
        page = open_desk(browser, running, "publish")
        page.wait_for_selector("#publish-to")
        options = page.eval_on_selector_all("#publish-to option", "os => os.map(o => [o.value, o.textContent])")
        assert [value for value, _ in options] == ["", "正式", "备份"] and page.input_value("#publish-to") == ""
        page.click("#publish-button")
        assert "请先在“发布到”中选择一个" in page.inner_text("#publish-result")
        assert not (project / "site").exists()  # nothing was built, nothing sent
    finally:
        running.stop()


def test_a_mistake_in_site_yaml_is_said_on_the_publish_page(browser, server):
    """Found by an editor's walkthrough: a full-width colon on site.yaml's title line made the publish
    page say that no address was set (deploy: was there); the real mistake came only after 发布."""
    config = server.project / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("title:", "title：", 1), encoding="utf-8")
    page = open_desk(browser, server, "publish")
    page.wait_for_selector("#publish-target .notice")
    said = page.inner_text("#publish-target")
    assert "site.yaml 有误" in said and "site.yaml:" in said and "还没有设置发布地址" not in said
