"""One way to replace a file: write a temporary file beside it, then rename it over the old one.

Readers see the old bytes or the new, never half of them; a hard link to the old file
(the spare site shares files with the live one) is broken, never written through; a
failed write leaves no temporary file behind.
"""
from __future__ import annotations

import os
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def temp_path(path: Path) -> Path:
    """The temporary name used while replacing `path` (hidden, named after this process)."""
    return path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")


def replace_file(path: Path, data: bytes) -> None:
    tmp = temp_path(path)
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
