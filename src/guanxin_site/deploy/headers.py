"""The headers a published file is served with: Content-Type and Cache-Control, from our own tables.

Not Python's `mimetypes`: on Windows it reads the registry, where an installed program may
have made `.js` text/plain (cpython#88141), and a browser refuses such a script.
Text types carry `charset=utf-8`: every text file the build writes is UTF-8, and without
the parameter some browsers and WeChat guess GBK for Chinese pages.
"""
from __future__ import annotations

import re
from posixpath import splitext

TEXT = "; charset=utf-8"
CONTENT_TYPES = {
    ".html": "text/html" + TEXT,
    ".htm": "text/html" + TEXT,
    ".css": "text/css" + TEXT,
    ".js": "text/javascript" + TEXT,
    ".mjs": "text/javascript" + TEXT,
    ".json": "application/json" + TEXT,
    ".xml": "application/xml" + TEXT,  # feeds and sitemap: readers and crawlers take XML; atom+xml makes WeChat download it
    ".txt": "text/plain" + TEXT,
    ".svg": "image/svg+xml" + TEXT,
    ".webmanifest": "application/manifest+json" + TEXT,
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".wps": "application/vnd.ms-works",
    ".zip": "application/zip",
    ".mp3": "audio/mpeg",
    ".mp4": "video/mp4",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".bin": "application/octet-stream",  # search index shards, read by the search page's script
}
DEFAULT_TYPE = "application/octet-stream"


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(splitext(name)[1].lower(), DEFAULT_TYPE)


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
