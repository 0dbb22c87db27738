"""The site's scripts run on the browsers its readers have: WeChat on an iPhone uses the system's
WebKit, so every iPhone 6s, 7 and SE (first generation) stops at Safari 15 (docs/search.md, "Browsers").
Each script is checked for what Safari 15 lacks; what the search needs beyond it (DecompressionStream's
deflate-raw) is feature-detected and has a fallback (static/inflate.js, tests/test_inflate_browser.py).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parent.parent / "templates" / "static"

# Pattern in a script -> what it is and the first Safari that has it. A syntax error (lookbehind, a
# static block) stops the whole script; a missing function stops the search at its first call.
LACKING_IN_SAFARI_15 = {
    r"\(\?<[=!]": "regular expression lookbehind (Safari 16.4; a syntax error: the whole script fails)",
    r"\bstatic\s*\{": "class static block (Safari 16.4; a syntax error)",
    r"\.at\(": "Array/String .at() (Safari 15.4)",
    r"\bObject\.hasOwn\b": "Object.hasOwn (Safari 15.4)",
    r"\bstructuredClone\b": "structuredClone (Safari 15.4)",
    r"\.findLast(Index)?\(": "Array .findLast() (Safari 15.4)",
    r"\.(toSorted|toReversed|toSpliced)\(": "Array .toSorted() and kin (Safari 16)",
    r"\.(isWellFormed|toWellFormed)\(": "String .isWellFormed() (Safari 16.4)",
    r"\bArray\.fromAsync\b": "Array.fromAsync (Safari 16.4)",
    r"\b(Object|Map)\.groupBy\b": "Object.groupBy (Safari 17.4)",
    r"\bPromise\.withResolvers\b": "Promise.withResolvers (Safari 17.4)",
    r"\bAbortSignal\.(timeout|any)\b": "AbortSignal.timeout (Safari 16)",
    r"\.(union|intersection|difference|symmetricDifference|isSubsetOf|isSupersetOf|isDisjointFrom)\(":
        "Set methods (Safari 17)",
    r"\brequestIdleCallback\b": "requestIdleCallback (no Safari)",
    r"\bscheduler\.": "scheduler.postTask (no Safari)",
}


@pytest.mark.parametrize("script", sorted(STATIC.glob("*.js")), ids=lambda path: path.name)
def test_the_site_scripts_use_nothing_safari_15_lacks(script):
    code = script.read_text(encoding="utf-8")
    assert [what for pattern, what in LACKING_IN_SAFARI_15.items() if re.search(pattern, code)] == []
