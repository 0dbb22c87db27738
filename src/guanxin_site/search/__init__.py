"""Full-text search in Chinese: a static n-gram index written with the site, searched in the browser.

- terms.py: what is matched (folding, the docs, the extra forms of names);
- index.py: writing the index (segments per group of issues, shards per n-gram hash, the doc store;
  files named by tags of their content; the offline copy's classic scripts);
- suggest.py: the vocabulary of related results and suggestions;
- reader.py: reading a built index in Python, as templates/static/search-reader.js does in the browser.

Why not Pagefind (which this replaced; figures in docs/search.md): with Chinese it matches word
prefixes of a segmentation the browser does not share, so it misses about a fifth of the reports
that contain a query, and making it exact took a bundle three times its normal size and most of
the build's time.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from guanxin_site.archive import Archive
from guanxin_site.gazetteer import Gazetteer
from guanxin_site.search.index import (DATA_DIR, LAYOUT, MANIFEST, MAX_GRAM, OFFLINE_MANIFEST, script_contents,
                                       write_index)

__all__ = ["DATA_DIR", "MANIFEST", "MAX_GRAM", "kept_manifest", "page_manifest", "search_key", "write_search"]

def _version(gazetteer: Gazetteer) -> str:
    from guanxin_site import __version__
    from guanxin_site import PARSER_VERSION

    return f"{LAYOUT}\0{__version__}\0{PARSER_VERSION}\0{gazetteer.fingerprint}"


def search_key(archive: Archive, gazetteer: Gazetteer, offline: bool = False) -> str:
    """What the index depends on: every issue's identity (its digest), the format, the gazetteer, and
    whether it is the offline copy's (scripts) or the web's."""
    h = hashlib.sha256(f"{_version(gazetteer)}\0offline={offline}".encode())
    for issue in archive.issues:
        h.update(f"\0{issue.source}\0{issue.digest}".encode())
    return h.hexdigest()


def write_search(archive: Archive, gazetteer: Gazetteer, writer, previous: dict, cache_dir: Path,
                 jobs: int = 1, offline: bool = False) -> tuple[dict, str]:
    """Write the index of the archive through a SiteWriter (stage, record, keep). previous: the record
    this returned for the previous build. offline: the offline copy's scripts instead of the web's
    files. Returns the record for the next build ({"sealed", "files"}) and the manifest the search page
    carries (page_manifest)."""
    regions = [region.name for region in gazetteer.regions]
    record, manifest = write_index(list(reversed(archive.issues)), gazetteer, regions, writer, previous, cache_dir,
                                   _version(gazetteer), jobs, offline)
    return record, page_manifest(manifest)


def kept_manifest(site: Path, offline: bool = False) -> str:
    """The manifest of an index kept from the previous build, as the search page carries it."""
    if not offline:
        return page_manifest((site / MANIFEST).read_text(encoding="utf-8"))
    script = (site / OFFLINE_MANIFEST).read_text(encoding="utf-8")
    return page_manifest(json.dumps(script_contents(script), ensure_ascii=False, separators=(",", ":")))


def page_manifest(text: str) -> str:
    """The manifest (MANIFEST's text) as the search page carries it: without the region of every doc,
    which grows with the archive (2 KB gzipped a 1,000 issues) and is needed only once results are
    shown, for the region filter's counts; search-reader.js then fetches index.json for it."""
    return json.dumps({key: value for key, value in json.loads(text).items() if key != "region"},
                      ensure_ascii=False, separators=(",", ":"))
