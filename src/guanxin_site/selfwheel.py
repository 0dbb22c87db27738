"""A wheel of the very guanxin-site that is running, for a new project to install in its publish workflow.

No package index has guanxin-site, so the workflow `init` writes cannot `pip install
guanxin-site==X`. It installs this wheel instead, kept in the project (.guanxin-site/):
the same version that made the project, whatever the machine it runs on, with no account,
token or repository address to know. The wheel is rebuilt from the installed package (or
from a checkout, adding what pyproject's force-include maps into the package), with fixed
timestamps: the same version gives the same bytes, so re-running init changes nothing.
"""
from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from importlib import metadata
from pathlib import Path

from guanxin_site import __version__

DISTRIBUTION = "guanxin-site"
PACKAGE = Path(__file__).resolve().parent
# pyproject.toml's [tool.hatch.build.targets.wheel.force-include] (a test keeps them equal): in a
# checkout these live outside the package, in a built wheel inside it.
FORCE_INCLUDE = {"templates": "guanxin_site/theme", ".github/workflows/publish.yml": "guanxin_site/project/publish.yml"}
_EPOCH = (1980, 1, 1, 0, 0, 0)


def wheel_name() -> str:
    return f"guanxin_site-{__version__}-py3-none-any.whl"


def _package_files() -> dict[str, bytes]:
    files = {}
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            files["guanxin_site/" + path.relative_to(PACKAGE).as_posix()] = path.read_bytes()
    checkout = PACKAGE.parents[1]
    for source, inside in FORCE_INCLUDE.items():
        origin = checkout / source
        if any(name == inside or name.startswith(inside + "/") for name in files) or not origin.exists():
            continue  # an installed wheel has them already
        for path in sorted([origin] if origin.is_file() else origin.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                rel = "" if path == origin else "/" + path.relative_to(origin).as_posix()
                files[inside + rel] = path.read_bytes()
    return files


def _dist_info() -> dict[str, bytes]:
    dist = metadata.distribution(DISTRIBUTION)
    folder = f"guanxin_site-{__version__}.dist-info"
    info = {f"{folder}/METADATA": (dist.read_text("METADATA") or "").encode("utf-8"),
            f"{folder}/WHEEL": b"Wheel-Version: 1.0\nGenerator: guanxin-site selfwheel\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    entry_points = dist.read_text("entry_points.txt")
    if entry_points:
        info[f"{folder}/entry_points.txt"] = entry_points.encode("utf-8")
    return info


def wheel_bytes() -> bytes:
    files = {**_package_files(), **_dist_info()}
    record_name = f"guanxin_site-{__version__}.dist-info/RECORD"
    record = "".join(f"{name},sha256={_digest(data)},{len(data)}\n" for name, data in sorted(files.items()))
    files[record_name] = (record + f"{record_name},,\n").encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in sorted(files.items()):
            entry = zipfile.ZipInfo(name, _EPOCH)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(entry, data)
    return buffer.getvalue()


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
