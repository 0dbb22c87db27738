"""The site's scripts run on the browsers its readers have: WeChat on an iPhone uses the system's
WebKit, so an iPhone 6s, 7 or SE (first generation) stops at Safari 15, and an iPhone 5s, 6 or 6 Plus at
Safari 12.1 (iOS 12.5; docs/search.md, "Browsers"). Each script must parse as ECMAScript 2019, the last
edition Safari 12.1 has whole (acorn, from the test tools' node_modules: optional chaining, ?? and class
fields are syntax errors there, which stop the whole script), and use no function Safari 12.1 lacks;
what the search needs beyond it (DecompressionStream's deflate-raw) is feature-detected and has a fallback
(static/inflate.js, tests/test_inflate_browser.py).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
STATIC = REPO / "templates" / "static"
ACORN = REPO / "node_modules" / "acorn" / "dist" / "acorn.js"

# Pattern in a script -> what it is and the first Safari that has it. A syntax error (lookbehind, a
# static block) stops the whole script; a missing function stops the search at its first call.
LACKING_IN_SAFARI_12 = {
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
    r"\.matchAll\(": "String .matchAll() (Safari 13)",
    r"\.replaceAll\(": "String .replaceAll() (Safari 13.1)",
    r"\.replaceChildren\(": "Element .replaceChildren() (Safari 14)",
    r"\bPromise\.(allSettled|any)\b": "Promise.allSettled (Safari 13), Promise.any (Safari 14)",
    r"\b(BigInt|WeakRef|FinalizationRegistry|AggregateError)\b": "BigInt, WeakRef and kin (Safari 14)",
    r"\bIntl\.(Segmenter|ListFormat|DisplayNames)\b": "Intl.Segmenter and kin (Safari 14.1)",
    r"\brequestIdleCallback\b": "requestIdleCallback (no Safari)",
    r"\bscheduler\.": "scheduler.postTask (no Safari)",
}


@pytest.mark.parametrize("script", sorted(STATIC.glob("*.js")), ids=lambda path: path.name)
def test_the_site_scripts_use_nothing_safari_12_lacks(script):
    code = script.read_text(encoding="utf-8")
    assert [what for pattern, what in LACKING_IN_SAFARI_12.items() if re.search(pattern, code)] == []


PARSE = """const acorn = require(process.argv[1]);
const fs = require("fs");
const failures = {};
for (const file of process.argv.slice(2)) {
  try { acorn.parse(fs.readFileSync(file, "utf8"), {ecmaVersion: 2019, sourceType: "script"}); }
  catch (error) { failures[file] = error.message; }
}
console.log(JSON.stringify(failures));"""


def test_the_site_scripts_parse_as_ecmascript_2019():
    """Safari 12.1 (an iPhone 6 on iOS 12.5) has ECMAScript 2019 and little after it: a newer piece of syntax
    anywhere in a script (a?.b, a ?? b, a class field, 1_000) stops that whole script there."""
    node = shutil.which("node")
    assert node and ACORN.is_file(), "node and the test tools (npm ci) are needed: see scripts/test.sh"
    scripts = [str(path) for path in sorted(STATIC.glob("*.js"))]
    assert len(scripts) >= 5
    found = subprocess.run([node, "-e", PARSE, str(ACORN), *scripts], capture_output=True, text=True, check=True)
    assert json.loads(found.stdout) == {}
    newer = subprocess.run([node, "-e", PARSE, str(ACORN), "/dev/stdin"], input="const a = b?.c ?? 1;",
                           capture_output=True, text=True, check=True)
    assert json.loads(newer.stdout) != {}  # the check itself sees what ECMAScript 2020 added
