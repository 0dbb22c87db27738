"""The `deploy:` setting of site.yaml: one address, or named addresses.

    deploy: oss://gwy-site/?region=cn-harbin

    deploy:
      正式: sftp://web@www.example.gov.cn/var/www/guanxin
      备份: oss://gwy-site/?region=cn-harbin

Read here, apart from config.SiteConfig, because only `deploy` needs it (config.py only
knows the key, so that build does not call it unknown). Every address is checked when read
(a password in it is refused), so a mistake is reported with its line before anything connects.
"""
from __future__ import annotations

from pathlib import Path

from guanxin_site.config import CONFIG_FILE
from guanxin_site.deploy.base import DeployError
from guanxin_site.deploy.targets import parse_address
from guanxin_site.yamlmap import YamlError, load_mapping

SETTING = "deploy"
DEFAULT_NAME = "默认"  # the name of a single address


def configured_targets(project_dir: Path) -> dict[str, str]:
    """name -> address from site.yaml's `deploy:`; {} when there is none. Raises DeployError."""
    path = Path(project_dir) / CONFIG_FILE
    try:
        entries = load_mapping(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError):
        raise DeployError(f"无法读取 {CONFIG_FILE}；请先运行 guanxin-site check 查看原因") from None
    except YamlError as exc:
        raise DeployError(f"{CONFIG_FILE}:{exc.line}: {exc.message}") from None
    entry = entries.get(SETTING)
    if entry is None or entry.value is None:
        return {}
    where = f"{CONFIG_FILE}:{entry.line}"
    if isinstance(entry.value, str):
        targets = {DEFAULT_NAME: entry.value}
    elif isinstance(entry.value, dict) and entry.value and all(isinstance(v, str) for v in entry.value.values()):
        targets = {str(name): url for name, url in entry.value.items()}
    else:
        raise DeployError(f"{where}: “deploy”要写一个发布地址，或者“名称: 地址”的列表，例如\n"
                          "deploy: oss://存储桶名/?region=cn-hangzhou")
    for name, url in targets.items():
        try:
            parse_address(url)
        except DeployError as exc:
            raise DeployError(f"{where}: {name}：{exc}") from None
    return targets
