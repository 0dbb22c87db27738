"""`guanxin-site init`: a ready project in an empty folder.

Writes site.yaml (every setting explained in Chinese, the gazetteer, publisher, title and
description of the chosen province or city), an empty issues/, a .gitignore for the output
and the cache, and the publish workflow (.github/workflows/publish.yml, the same as this
repository's, installing a wheel of this very guanxin-site kept in .guanxin-site/, since no
package index has it: selfwheel.py). Never overwrites: in an existing project only what is
missing is added. Returns what it did; the CLI prints it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from guanxin_site.config import CONFIG_FILE, ICP_PREFIX, POLICE_PREFIX, SiteConfig, default_description, settings_file
from guanxin_site.errors import GuanxinError
from guanxin_site.gazetteer import Gazetteer, GazetteerError, resolve
from guanxin_site.reader import ISSUES_DIR
from guanxin_site.selfwheel import wheel_bytes, wheel_name

DEFAULT_GAZETTEER = SiteConfig.gazetteer  # today's default: heilongjiang
WORKFLOW = ".github/workflows/publish.yml"
GITIGNORE = ".gitignore"
# The repository's workflow installs the checkout it runs in; a project installs the package.
_CHECKOUT_INSTALL = "        run: python -m pip install .\n"
_PACKAGE_INSTALL = ("        # 安装 guanxin-site：.guanxin-site/ 中保存的安装包，与生成本项目时的版本相同（升级方法见使用说明“发布”一节）\n"
                    '        run: python -m pip install "{wheel}"\n')
WHEEL_DIR = ".guanxin-site"  # the wheel of the guanxin-site that made the project, which its workflow installs


class InitError(GuanxinError):
    """The folder cannot become a project, or the province/city is unknown (message in Chinese)."""


@dataclass(frozen=True)
class InitResult:
    project_dir: Path
    gazetteer: Gazetteer
    setting: str  # the gazetteer value written (or found) in site.yaml
    written: tuple[str, ...]  # project-relative paths created, in order
    kept: tuple[str, ...]  # already there, left as they were
    existing_project: bool


def choose_gazetteer(province: str | None = None, city: str | None = None) -> str:
    """The gazetteer setting for --province / --city (both: the city is looked up in that province)."""
    try:
        if city is None:
            return resolve(province or DEFAULT_GAZETTEER).name
        within = resolve(province).province if province else None
        choice = resolve(city, within=within)
        if choice.city is None:
            raise InitError(f"--city 要写地级市（例如 伊春市、230700），“{city}”是省级行政区；请改用 --province {city}")
        return choice.name
    except GazetteerError as exc:
        raise InitError(str(exc)) from None


def init_project(project_dir: Path, province: str | None = None, city: str | None = None) -> InitResult:
    """Create the project files in project_dir (made if missing). Raises InitError."""
    setting = choose_gazetteer(province, city)
    existing = (project_dir / CONFIG_FILE).is_file() or (project_dir / ISSUES_DIR).is_dir()
    if project_dir.exists() and not project_dir.is_dir():
        raise InitError(f"{project_dir} 是一个文件，不是文件夹；请换一个文件夹名")
    if project_dir.is_dir() and not existing:
        others = sorted(p.name for p in project_dir.iterdir() if not p.name.startswith("."))
        if others:
            shown = "、".join(others[:5]) + ("等" if len(others) > 5 else "")
            raise InitError(f"{project_dir} 不是空文件夹（里面有 {shown}），也不是简报网站项目；"
                            "为免弄乱已有文件，请在一个新的空文件夹中运行 guanxin-site init")
    if existing and (province or city) and (project_dir / CONFIG_FILE).is_file():
        raise InitError(f"{project_dir} 已经是简报网站项目，已有 {CONFIG_FILE}；要换省份或城市，"
                        f"请修改 {CONFIG_FILE} 中的 gazetteer、publisher 和 description")
    if (project_dir / CONFIG_FILE).is_file():
        setting = _current_setting(project_dir) or setting
    own_file = Gazetteer.file_in(project_dir, setting)  # the project's own file, as build finds it
    try:
        gazetteer = Gazetteer.load(str(own_file) if own_file else setting)
    except GazetteerError as exc:
        raise InitError(f"{CONFIG_FILE} 中的地名表设置 gazetteer: {setting} 有误：{exc}") from None
    files = {
        CONFIG_FILE: site_yaml(setting, gazetteer),
        GITIGNORE: gitignore_text(),
        WORKFLOW: workflow_text(),
        f"{WHEEL_DIR}/{wheel_name()}": wheel_bytes(),
    }
    written, kept = [], []
    try:
        project_dir.mkdir(parents=True, exist_ok=True)
        if (project_dir / ISSUES_DIR).is_dir():
            kept.append(ISSUES_DIR + "/")
        else:
            (project_dir / ISSUES_DIR).mkdir()
            written.append(ISSUES_DIR + "/")
        for rel, text in files.items():
            path = project_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                with open(path, "xb") as handle:  # never replace a file
                    handle.write(text if isinstance(text, bytes) else text.encode("utf-8"))
                written.append(rel)
            except FileExistsError:
                kept.append(rel)
    except OSError as exc:
        raise InitError(f"无法在 {project_dir} 中创建文件（{exc.strerror or exc}：{exc.filename}）") from None
    return InitResult(project_dir, gazetteer, setting, tuple(written), tuple(kept), existing)


def _current_setting(project_dir: Path) -> str | None:
    from guanxin_site.config import load_config

    try:
        return load_config(project_dir).gazetteer
    except GuanxinError:
        return None


def site_yaml(setting: str, gazetteer: Gazetteer) -> str:
    """site.yaml for a new project: every setting of the schema (config.SiteConfig), each explained in Chinese."""
    title = SiteConfig.title
    publisher = gazetteer.publisher
    code = _area_code(gazetteer)
    level = ("它下辖的县（市、区）" if gazetteer.level == "city"
             else "它的区、县" if gazetteer.level == "municipality" else f"它的{gazetteer.region_word}")
    header = ("# 网站设置（由 guanxin-site init 生成）。修改后重新运行 guanxin-site build；预览（guanxin-site serve）会自动更新。\n"
              "# 以“#”开头的行是说明，不起作用。要启用一项被“#”注释掉的设置，删掉它开头的“# ”。\n\n")
    return header + settings_file(
        area=gazetteer.area, level=level, setting=setting, title=title, publisher=publisher,
        description=default_description(publisher, title), unit_example=_unit_example(gazetteer),
        icp_abbr=ICP_PREFIX.get(code[:2], ""), police_abbr=POLICE_PREFIX.get(code[:2], ""), code=code, code2=code[:2])


def _unit_example(gazetteer: Gazetteer) -> str:
    """A unit a bulletin of this area might report on beyond its gazetteer."""
    if gazetteer.level == "city":
        return "市直机关工委"
    return {"吉林省": "长白山管委会", "新疆维吾尔自治区": "兵团第一师"}.get(gazetteer.area, "省直机关工委")


def _area_code(gazetteer: Gazetteer) -> str:
    """The area's six-digit code: the province's, or the city's (its regions' codes share its first four digits)."""
    codes = [p.code for p in gazetteer.regions if p.code]
    if gazetteer.level == "city" and codes:
        return codes[0][:4] + "00"
    return (codes[0][:2] + "0000") if codes else "230000"


def gitignore_text() -> str:
    return _project_file("gitignore").read_text(encoding="utf-8")


def workflow_text() -> str:
    """This repository's publish workflow, installing the wheel init keeps in the project."""
    text = _workflow_source().read_text(encoding="utf-8")
    if _CHECKOUT_INSTALL not in text:
        raise InitError(f"发布流程模板中找不到安装步骤（{_workflow_source()}）；请重新安装 guanxin-site")
    return text.replace(_CHECKOUT_INSTALL, _PACKAGE_INSTALL.format(wheel=f"{WHEEL_DIR}/{wheel_name()}"))


def _project_file(name: str) -> Path:
    return Path(__file__).parent / "project" / name


def _workflow_source() -> Path:
    """Packaged as guanxin_site/project/publish.yml in a wheel; the repository's own file in a checkout."""
    packaged = _project_file("publish.yml")
    return packaged if packaged.is_file() else Path(__file__).resolve().parents[2] / WORKFLOW
