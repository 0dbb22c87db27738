"""Generate src/guanxin_site/data/pinyin.txt: the toneless pinyin of the 3,755 characters of GB 2312's
first level (the everyday ones a pinyin input method offers first), for the search's same-sound
suggestions (a slip of the input method picks a common character of the same sound).

Source: PyPI ``pypinyin`` 0.55.0 (the test extra; only this script imports it). Each line is one
syllable, a space, and every character that can be read so (a character with several readings is
on each of their lines), syllables in alphabetical order, characters in GB 2312 order. The build
reads the text file; nothing at build or search time needs pypinyin.

Run from the repository root, then commit the file:

    .venv/bin/python scripts/gen_pinyin.py            # write the data file
    .venv/bin/python scripts/gen_pinyin.py --check    # exit 1 if it is stale
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/guanxin_site/data/pinyin.txt"


def gb2312_characters() -> list[str]:
    """The hanzi of GB 2312's first level (rows 16-55), in code order."""
    out = []
    for row in range(0xB0, 0xD8):
        for cell in range(0xA1, 0xFF):
            try:
                out.append(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                pass  # the five unassigned cells at the end of row 55
    return out


def table() -> str:
    from pypinyin import Style, pinyin

    readings: dict[str, list[str]] = {}
    for char in gb2312_characters():
        for syllable in dict.fromkeys(s.replace("ü", "v") for s in pinyin(char, style=Style.NORMAL, heteronym=True)[0]):
            if syllable.isascii() and syllable.isalpha():
                readings.setdefault(syllable, []).append(char)
    return "".join(f"{syllable} {''.join(chars)}\n" for syllable, chars in sorted(readings.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is stale")
    text = table()
    if parser.parse_args().check:
        return 0 if OUT.read_text(encoding="utf-8") == text else 1
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
