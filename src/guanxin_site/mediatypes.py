"""Content-Type by file name, from our own table: what `deploy` sends and what `serve` answers.

Not Python's `mimetypes`: on Windows it reads the registry, where an installed program may
have made `.js` text/plain (cpython#88141), and a browser refuses such a script when the
server says `nosniff`. Text types carry `charset=utf-8`: every text file the build writes
is UTF-8, and without the parameter some browsers and WeChat guess GBK for Chinese pages.
"""
from __future__ import annotations

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
