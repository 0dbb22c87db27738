"""Error types shared by every pipeline stage.

Stages never print or exit: they raise these, and the CLI decides how to show them.
Messages are Simplified Chinese because editors read them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """Control characters written as \\xNN: quoted in a message, a NUL or a terminal escape would be
    invisible, or garble the editor's window."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def has_control(text: str) -> bool:
    return _CONTROL.search(text) is not None


def located(path: str, line: int | None, message: str) -> str:
    """'path:line: message' (or 'path: message'), the form every located problem is shown in."""
    where = f"{path}:{line}" if line else path
    return f"{where}: {message}"


@dataclass(frozen=True, order=True)
class ContentError:
    """One problem in one input file, located like a compiler error."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return located(self.path, self.line, self.message)


class GuanxinError(Exception):
    """Base class for every error this package raises on purpose."""


class ContentErrors(GuanxinError):
    """The input has one or more problems; all of them are listed."""

    def __init__(self, errors: list[ContentError], draft: bool = False):
        self.errors = sorted(errors, key=lambda e: (e.path, e.line or 0, e.message))
        self.draft = draft  # the file says draft: true, so its problems need not stop a build
        super().__init__("\n".join(str(e) for e in self.errors))


class OutputError(GuanxinError):
    """The output directory cannot be used safely (refused, locked, not writable)."""


def display_path(path: PurePath, root: PurePath) -> str:
    """A path as the editor knows it: relative to the project, with forward slashes."""
    try:
        return PurePath(path).relative_to(root).as_posix()
    except ValueError:
        return PurePath(path).as_posix()
