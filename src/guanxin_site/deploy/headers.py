"""The headers a published file is served with: Content-Type (mediatypes.py, shared with `serve`)
and Cache-Control, from our own tables.
"""
from __future__ import annotations

import re


# How long a browser or a CDN may keep a file without asking again, by what the file is.
# Pages, feeds and the search manifest change with every new issue: minutes. Static files,
# photos and attachments keep their names when they change (a new theme, a replaced photo):
# an hour, so a change shows within the hour. A name that carries its content's hash never
# changes its bytes: a year.
SHORT = "public, max-age=300"
MEDIUM = "public, max-age=3600"
LONG = "public, max-age=31536000, immutable"
NO_STORE = "no-store"  # our own manifest and progress records

# First match wins.
CACHE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(^|/)[^/]*\.(html|xml|txt|json)$"), SHORT),  # pages, feeds, sitemap, robots, search manifest
    # Named by content (site.3f9a6c2e.css, t/0-0a1b2c3d.bin): eight or more hex digits, a letter among them
    # (a date in a photo's name, IMG-20240320.jpg, is no hash).
    (re.compile(r"[.-](?=[0-9]*[a-f])[0-9a-f]{8,64}\.[a-z0-9]+$"), LONG),
    (re.compile(r"^search/"), SHORT),  # index shards that keep their names across builds follow the manifest
)


def cache_control(name: str) -> str:
    return next((value for pattern, value in CACHE_RULES if pattern.search(name)), MEDIUM)
