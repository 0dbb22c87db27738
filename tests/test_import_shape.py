"""The importer's shape (issue 24): readers are a table by file kind, OCR a page reader present only with
its extra, and no module of the package imports one that imports it back."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

from guanxin_site.importer import sources

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "guanxin_site" / "importer"


def importer_imports() -> dict[str, set[str]]:
    """module -> the package's modules it imports (at any depth of its code, lazily or not)."""
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.glob("*.py"):
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("guanxin_site.importer"):
                tail = node.module.removeprefix("guanxin_site.importer").lstrip(".")
                found |= {tail} if tail else {alias.name for alias in node.names if alias.name in modules}
        graph[path.stem] = found - {path.stem}
    return graph


def test_no_import_circles_in_the_importer():
    graph = importer_imports()
    graph.pop("__init__")  # the package's face: it imports the others, none of them needs it

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in graph.get(start, ()))

    circles = sorted(module for module in graph if reaches(module, module, {module}))
    assert circles == []
    assert graph["lines"] == set() and graph["rows"] == set()  # the shared pieces stand at the bottom


def test_readers_are_a_table_by_kind(tmp_path):
    assert [r.kind for r in sources.READERS] == ["pdf", "docx", "text"]
    assert sources.IMPORTABLE == (".pdf", ".docx", ".txt")
    assert sources.reader_for(tmp_path / "a.txt", b"%PDF-1.7").kind == "pdf"  # by the bytes first
    assert sources.reader_for(tmp_path / "a.docx", b"").kind == "docx"
    assert sources.reader_for(tmp_path / "a.md", b"abc").kind == "text"


def test_the_ocr_page_reader_is_there_only_with_its_extra(monkeypatch):
    from guanxin_site.importer import ocr

    if ocr.available():
        assert sources.scan_reader() is ocr.ocr_rows
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # as if the extra were not installed
    assert sources.scan_reader() is None
