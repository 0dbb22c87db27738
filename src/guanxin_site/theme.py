"""Where a project's templates and static files come from: its own templates/ folder first, then
the theme bundled with the package. Apart from render.py (which loads Jinja2) so that a build with
nothing to do can list the theme's files without loading a template engine."""
from __future__ import annotations

import hashlib
from pathlib import Path

from guanxin_site import __version__

TEMPLATES_DIR = "templates"


def bundled_theme_dir() -> Path:
    """The default theme: packaged as guanxin_site/theme in a wheel, templates/ in a source checkout."""
    packaged = Path(__file__).parent / "theme"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / TEMPLATES_DIR


def theme_dirs(project_dir: Path) -> list[Path]:
    dirs = [project_dir / TEMPLATES_DIR, bundled_theme_dir()]
    unique: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [u.resolve() for u in unique]:
            unique.append(d)
    return unique


def has_own_templates(project_dir: Path) -> bool:
    """Does the project override a template of the theme (anything under templates/ but static/)?

    Such templates come with the project folder (a USB stick, a download) and are rendered in
    Jinja's sandbox, where `{{ cycler.__init__.__globals__.os.system(...) }}` cannot reach Python.
    The bundled theme is ours and renders outside it: the sandbox checks every attribute and
    call, about half again the CPU of rendering."""
    own = (project_dir / TEMPLATES_DIR).resolve()
    if not own.is_dir() or own == bundled_theme_dir().resolve():
        return False
    return any(p.is_file() and p.relative_to(own).parts[0] != "static" for p in own.rglob("*"))


def theme_digest(dirs: list[Path]) -> str:
    """Hash of every template and static file that can reach the output."""
    h = hashlib.sha256(__version__.encode())
    for d in dirs:
        for path in sorted(p for p in d.rglob("*") if p.is_file()):
            h.update(path.relative_to(d).as_posix().encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()
