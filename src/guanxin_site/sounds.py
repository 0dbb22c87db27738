"""How Chinese names sound: toneless pinyin readings of characters, from pypinyin's own table.

Used where a name typed with a pinyin input method went wrong (松源市 for 松原市, 白成市 for
白城市: same sound, other character) and for the slugs of units an office adds in site.yaml.
Only pypinyin's per-character table is read (its JSON file, found without importing the
package): importing pypinyin itself loads its phrase dictionary, most of a second.
"""
from __future__ import annotations

import functools
import json
import unicodedata
from importlib.util import find_spec
from pathlib import Path

__all__ = ["readings", "same_sound_share", "slug"]


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    spec = find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        return {}
    try:
        raw = json.loads((Path(list(spec.submodule_search_locations)[0]) / "pinyin_dict.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return raw  # code point (as text) -> "zhǎng,cháng"


def _toneless(reading: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
    return plain.replace("ü", "v")


def readings(char: str) -> tuple[str, ...]:
    """Every toneless reading of one character (长: zhang, chang); () when unknown."""
    if len(char) != 1:
        return ()
    return _readings(char)


@functools.lru_cache(maxsize=4096)
def _readings(char: str) -> tuple[str, ...]:
    value = _table().get(str(ord(char)))
    return tuple(dict.fromkeys(_toneless(r) for r in value.split(","))) if value else ()


def same_sound_share(a: str, b: str) -> float:
    """Share of positions where the two names' characters can be read the same (0 for other lengths)."""
    if len(a) != len(b) or not a:
        return 0.0
    alike = sum(1 for x, y in zip(a, b) if x == y or set(readings(x)) & set(readings(y)))
    return alike / len(a)


# Place-name readings where a character's first reading is another (as scripts/gen_gazetteer.py's CHAR_FIXES).
_PLACE_READINGS = {"都": "du", "长": "chang", "朝": "chao", "勒": "le", "乐": "le", "什": "shi", "六": "lu"}


def slug(name: str) -> str:
    """ASCII for a URL: a reading of each character (长白山管委会 -> changbaishanguanweihui)."""
    parts = []
    for char in name:
        if char.isascii() and char.isalnum():
            parts.append(char.lower())
        else:
            found = (_PLACE_READINGS[char],) if char in _PLACE_READINGS else readings(char)
            parts.append(found[0] if found else f"u{ord(char):x}")
    return "".join(parts)
