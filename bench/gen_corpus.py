#!/usr/bin/env python3
"""Deterministic synthetic archive of the bulletin 《关心下一代工作》, for benchmarks.

    gen_corpus.py --issues N --out DIR [--format ours|hugo|pelican|eleventy] [--clean]
    gen_corpus.py --add K --out DIR --format F      # add issue K to an existing corpus

Sentences come from the real issue the project ships, issues/2023/053.md (read at
generation time; --seed-issue names another issue file in the same format).
Issue k is generated from its own RNG seeded with (rng-seed, k), so its content
is the same in every format and its file byte-identical whatever N is: the
1,000-issue corpus is a prefix of the 5,000-issue one, and --add K writes exactly
what a corpus of K issues holds as its last issue.

Shape: weekly issues from 2004-01-02; the number restarts at 1 each year (at
most 53 a year), the total runs on across years; 3-6 regional reports of 2-5
paragraphs (150-400 characters of consecutive sentences) each.

Formats (page sets as equal as the tools allow: issue pages, region pages, year
pages, home, archive, a site feed and one feed per region of the newest
FEED_SIZE items, sitemap):
  ours      a guanxin-site project: site.yaml + issues/YYYY/NNN.md
  hugo      a complete Hugo site (taxonomies regions and years; issue pages carry
            data-pagefind-body, and /search/ is Pagefind's Default UI, for
            `pagefind --site public` over Hugo's output)
  pelican   a complete Pelican site (tags = regions, year archives; no sitemap,
            which needs a plugin)
  eleventy  a complete Eleventy 3 site (pagination for regions and years)
The peers' issue pages have no previous/next links (Pelican needs a plugin for
them); guanxin-site's do.

Only the Python standard library is used, so any python3 can run it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SEED_ISSUE = REPO / "issues" / "2023" / "053.md"

PUBLISHER = "黑龙江省关心下一代工作委员会办公室"
SITE_TITLE = "关心下一代工作"
BASE_URL = "https://example.org/"
REGIONS = [
    "哈尔滨市", "齐齐哈尔市", "牡丹江市", "佳木斯市", "大庆市", "鸡西市", "双鸭山市",
    "伊春市", "七台河市", "鹤岗市", "黑河市", "绥化市", "大兴安岭地区",
]
START_DATE = dt.date(2004, 1, 2)
DEFAULT_RNG_SEED = 20040102
FEED_SIZE = 20  # items per feed, as guanxin-site's feeds.FEED_SIZE
MARKER = ".bench-corpus"
FORMATS = ("ours", "hugo", "pelican", "eleventy")


class CorpusError(Exception):
    pass


# --------------------------------------------------------------------------
# text model
# --------------------------------------------------------------------------
SENTENCE_RE = re.compile(r"[^。！？]*[。！？]+[”’」』）)]*")
CLAUSE_SPLIT_RE = re.compile(r"[，。；：！？、,;:]")


def load_sentences(path: Path) -> list[str]:
    """The sentences of an issue file's report paragraphs (front matter and headings skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CorpusError(f"cannot read the seed issue {path}: {exc.strerror or exc}") from None
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":  # front matter: up to the closing ---
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), len(lines) - 1)
        lines = lines[end + 1:]
    paragraphs = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    sentences = [s.strip() for p in paragraphs for s in SENTENCE_RE.findall(p)]
    sentences = [s for s in sentences if len(s) >= 8]
    if len(sentences) < 10:
        raise CorpusError(f"only {len(sentences)} sentences found in {path}; need a real issue with report paragraphs")
    return sentences


def title_clauses(sentences: list[str]) -> list[str]:
    found = set()
    for sentence in sentences:
        for clause in CLAUSE_SPLIT_RE.split(sentence):
            clause = clause.strip(" “”‘’\"'()（）《》")
            if 8 <= len(clause) <= 20 and not clause.startswith(tuple(REGIONS)):
                found.add(clause)
    return sorted(found)


@dataclass
class Report:
    region: str
    paragraphs: list[str]


@dataclass
class Issue:
    total: int
    number: int
    date: dt.date
    title: str
    reports: list[Report] = field(default_factory=list)

    @property
    def year(self) -> int:
        return self.date.year

    @property
    def slug(self) -> str:
        return f"{self.year}-{self.number:03d}"

    @property
    def regions(self) -> list[str]:
        return [r.region for r in self.reports]

    def body(self) -> str:
        return "\n".join(f"## {r.region}\n\n" + "\n\n".join(r.paragraphs) + "\n" for r in self.reports)


class Model:
    def __init__(self, sentences: list[str], rng_seed: int = DEFAULT_RNG_SEED):
        self.sentences = sentences
        self.clauses = title_clauses(sentences)
        self.rng_seed = rng_seed

    def paragraph(self, rng: random.Random) -> str:
        """150-400 characters of consecutive sentences from a random start."""
        target = rng.randint(150, 400)
        n = len(self.sentences)
        i = rng.randrange(n)
        out: list[str] = []
        length = tries = 0
        while length < target and tries < 4 * n:
            sentence = self.sentences[i % n]
            i += 1
            tries += 1
            if length >= 150 and length + len(sentence) > 400:
                break
            if length + len(sentence) > 400 and len(sentence) > 250 and tries < n:
                continue  # skip a very long sentence that would overflow
            out.append(sentence)
            length += len(sentence)
        return "".join(out)

    def title(self, rng: random.Random, first_region: str) -> str:
        prefix = rng.choice([f"{first_region}关工委", "全省各地关工委", "省关工委", first_region, "各地关工组织"])
        title = prefix + rng.choice(self.clauses)
        target = rng.randint(22, 28)
        suffixes = rng.sample(["扎实推进", "取得实效", "再上新台阶", "见行动", "出实招", "显成效", "工作"], 7)
        while len(title) < target and suffixes:
            suffix = suffixes.pop()
            if len(title) + len(suffix) <= 30:
                title += suffix
        return title[:30]

    def issue(self, total: int, number: int, date: dt.date) -> Issue:
        rng = random.Random(f"{self.rng_seed}:{total}")
        regions = sorted(rng.sample(REGIONS, rng.randint(3, 6)), key=REGIONS.index)
        reports = [Report(r, [self.paragraph(rng) for _ in range(rng.randint(2, 5))]) for r in regions]
        return Issue(total, number, date, self.title(rng, regions[0]), reports)

    def issues(self, first: int, last: int):
        """Issues first..last (totals, 1-based), in order."""
        for total, number, date in calendar(first, last):
            yield self.issue(total, number, date)


def calendar(first: int, last: int):
    """(total, number, date) of issues first..last: weekly from START_DATE, number restarting each year."""
    date, number, year = START_DATE, 0, START_DATE.year
    for total in range(1, last + 1):
        if date.year != year:
            year, number = date.year, 0
        number += 1
        if total >= first:
            yield total, number, date
        date += dt.timedelta(days=7)


# --------------------------------------------------------------------------
# writers
# --------------------------------------------------------------------------
def q(s: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(s, ensure_ascii=False)


def yaml_front(issue: Issue, extra: dict[str, list[str]] | None = None) -> str:
    lines = ["---", f"number: {issue.number}", f"total: {issue.total}", f"date: {issue.date.isoformat()}",
             f"title: {q(issue.title)}", f"publisher: {PUBLISHER}"]
    for key, values in (extra or {}).items():
        lines.append(f"{key}: [" + ", ".join(q(v) for v in values) + "]")
    lines.append("---")
    return "\n".join(lines) + "\n\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def write_files(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        write(root / rel, text.lstrip("\n"))


# ---- ours ------------------------------------------------------------------
OURS_FILES = {
    "site.yaml": f"""
title: {SITE_TITLE}
publisher: {PUBLISHER}
description: 合成的基准测试存档（句子取自 2023 年第 53 期）。
language: zh-CN
gazetteer: heilongjiang
base_url: {BASE_URL}
""",
}


def ours_issue_path(issue: Issue) -> str:
    return f"issues/{issue.year}/{issue.number:03d}.md"


def emit_ours_issue(out: Path, issue: Issue) -> None:
    write(out / ours_issue_path(issue), yaml_front(issue) + issue.body())


# ---- hugo ------------------------------------------------------------------
HUGO_LIST_ITEM = ('<li><a href="{{ .RelPermalink }}">{{ .Date.Format "2006-01-02" }} 第{{ .Params.number }}期'
                  '（总第{{ .Params.total }}期） {{ .Title }}</a></li>')

# A section's and a term's page list are the same: every page, newest first.
HUGO_PAGE_LIST = """
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>
{{ range .Pages }}""" + HUGO_LIST_ITEM + """
{{ end }}</ul>
{{ end }}
"""

HUGO_FILES = {
    "hugo.toml": f"""
baseURL = "{BASE_URL}"
languageCode = "zh-cn"
defaultContentLanguage = "zh-cn"
title = "{SITE_TITLE}"
theme = "bench"
hasCJKLanguage = true
buildFuture = true   # the corpus runs past today (weekly from 2004)
rssLimit = {FEED_SIZE}         # feeds of the newest {FEED_SIZE} items, as guanxin-site's

[taxonomies]
  region = "regions"
  year = "years"

# HTML everywhere; RSS for the site and for every term (regions; years too, Hugo cannot tell them apart)
[outputs]
  home = ["HTML", "RSS"]
  section = ["HTML"]
  taxonomy = ["HTML"]
  term = ["HTML", "RSS"]

[params]
  publisher = "{PUBLISHER}"
""",
    "content/issues/_index.md": "---\ntitle: \"全部简报\"\n---\n",
    "content/regions/_index.md": "---\ntitle: \"地区\"\n---\n",
    "content/years/_index.md": "---\ntitle: \"年份\"\n---\n",
    # The search page: stock Pagefind's default UI (pagefind-ui.js/css, which `pagefind --site public` writes into
    # public/pagefind/), ten results a page like guanxin-site's (Pagefind UI shows 5 unless told).
    "content/search.md": "---\ntitle: \"搜索\"\nlayout: \"search\"\n---\n",
    "themes/bench/theme.toml": 'name = "bench"\nmin_version = "0.100.0"\n',
    "themes/bench/layouts/_default/baseof.html": """
<!DOCTYPE html>
<html lang="{{ site.LanguageCode }}">
<head>
<meta charset="utf-8">
<title>{{ if not .IsHome }}{{ .Title }} - {{ end }}{{ site.Title }}</title>
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .RelPermalink }}" title="{{ site.Title }}">{{ end }}
</head>
<body>
<header><a href="{{ "/" | relURL }}">{{ site.Title }}</a> · <a href="{{ "/issues/" | relURL }}">全部简报</a> · <a href="{{ "/regions/" | relURL }}">地区</a> · <a href="{{ "/years/" | relURL }}">年份</a></header>
<main>
{{ block "main" . }}{{ end }}
</main>
<footer>{{ site.Params.publisher }}</footer>
</body>
</html>
""",
    "themes/bench/layouts/index.html": """
{{ define "main" }}
<h1>{{ site.Title }}</h1>
{{ range (where site.RegularPages "Section" "issues").GroupByDate "2006" }}
<section>
<h2><a href="{{ printf "/years/%s/" .Key | relURL }}">{{ .Key }}年</a></h2>
<ul>
{{ range .Pages }}""" + HUGO_LIST_ITEM + """
{{ end }}</ul>
</section>
{{ end }}
{{ end }}
""",
    "themes/bench/layouts/_default/single.html": """
{{ define "main" }}
<article data-pagefind-body>
<h1>{{ .Title }}</h1>
<p class="meta">{{ .Date.Format "2006年1月2日" }} · {{ .Date.Year }}年第{{ .Params.number }}期 · 总第{{ .Params.total }}期 · {{ .Params.publisher }}</p>
<p class="regions">{{ range .GetTerms "regions" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
{{ .Content }}
</article>
{{ end }}
""",
    "themes/bench/layouts/_default/list.html": HUGO_PAGE_LIST,
    "themes/bench/layouts/_default/search.html": """
{{ define "main" }}
<h1>{{ .Title }}</h1>
<link rel="stylesheet" href="{{ "pagefind/pagefind-ui.css" | relURL }}">
<script src="{{ "pagefind/pagefind-ui.js" | relURL }}"></script>
<div id="search"></div>
<script>
window.addEventListener("DOMContentLoaded", function () {
  new PagefindUI({ element: "#search", showSubResults: false, pageSize: 10 });
});
</script>
{{ end }}
""",
    "themes/bench/layouts/_default/taxonomy.html": """
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>
{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>
{{ end }}</ul>
{{ end }}
""",
    "themes/bench/layouts/_default/term.html": HUGO_PAGE_LIST,
    # Hugo's built-in RSS template carries a summary; this one carries the full text, as the other sites' feeds.
    "themes/bench/layouts/_default/rss.xml": """
{{- $pages := .Pages -}}
{{- if .IsHome -}}{{- $pages = site.RegularPages -}}{{- end -}}
{{- $pages = $pages | first site.Config.Services.RSS.Limit -}}
{{- printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\" standalone=\\"yes\\"?>" | safeHTML }}
<rss version="2.0">
<channel>
<title>{{ if not .IsHome }}{{ .Title }} - {{ end }}{{ site.Title }}</title>
<link>{{ .Permalink }}</link>
<description>{{ site.Title }}</description>
<language>{{ site.LanguageCode }}</language>
{{ range $pages }}<item>
<title>{{ .Title }}</title>
<link>{{ .Permalink }}</link>
<pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate>
<guid>{{ .Permalink }}</guid>
<description>{{ .Content | html }}</description>
</item>
{{ end }}</channel>
</rss>
""",
}


def emit_hugo_issue(out: Path, issue: Issue) -> None:
    front = yaml_front(issue, {"regions": issue.regions, "years": [str(issue.year)]})
    write(out / "content" / "issues" / f"{issue.slug}.md", front + issue.body())


# ---- pelican -----------------------------------------------------------------
PELICAN_FILES = {
    "pelicanconf.py": f"""
# Pelican settings for the bulletin benchmark site.
AUTHOR = "{PUBLISHER}"
SITENAME = "{SITE_TITLE}"
SITEURL = "{BASE_URL.rstrip('/')}"
PATH = "content"
OUTPUT_PATH = "public"
THEME = "themes/bench"
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh"
DEFAULT_DATE_FORMAT = "%Y年%m月%d日"
DEFAULT_CATEGORY = "简报"
DEFAULT_PAGINATION = False

# slugs: file name for issues ("2004-001"), unicode region names for regions (tags)
SLUGIFY_SOURCE = "basename"
SLUGIFY_USE_UNICODE = True

ARTICLE_URL = "issues/{{slug}}/"
ARTICLE_SAVE_AS = "issues/{{slug}}/index.html"
TAG_URL = "regions/{{slug}}/"
TAG_SAVE_AS = "regions/{{slug}}/index.html"
TAGS_URL = "regions/"
TAGS_SAVE_AS = "regions/index.html"
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
YEAR_ARCHIVE_URL = "years/{{date:%Y}}/"
YEAR_ARCHIVE_SAVE_AS = "years/{{date:%Y}}/index.html"
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
DIRECT_TEMPLATES = ["index", "tags", "archives"]

# feeds: the site and one per region (tag), newest {FEED_SIZE} items, full content
FEED_DOMAIN = SITEURL
FEED_MAX_ITEMS = {FEED_SIZE}
FEED_ALL_ATOM = "feed.xml"
TAG_FEED_ATOM = "regions/{{slug}}/feed.xml"
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None

# content cache, used by the no-change rebuild (cold builds delete public/ and cache/)
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
CONTENT_CACHING_LAYER = "reader"
""",
    "themes/bench/static/.keep": "",
    "themes/bench/templates/base.html": """
<!DOCTYPE html>
<html lang="{{ DEFAULT_LANG }}">
<head>
<meta charset="utf-8">
<title>{% block title %}{{ SITENAME }}{% endblock %}</title>
<link href="{{ FEED_DOMAIN }}/{{ FEED_ALL_ATOM }}" type="application/atom+xml" rel="alternate" title="{{ SITENAME }}">
</head>
<body>
<header><a href="{{ SITEURL }}/">{{ SITENAME }}</a> · <a href="{{ SITEURL }}/{{ ARCHIVES_URL }}">全部简报</a> · <a href="{{ SITEURL }}/{{ TAGS_URL }}">地区</a></header>
<main>
{% block content %}{% endblock %}
</main>
<footer>{{ AUTHOR }}</footer>
</body>
</html>
""",
    "themes/bench/templates/_list.html": """
<ul>
{% for a in items %}<li><a href="{{ SITEURL }}/{{ a.url }}">{{ a.date.strftime('%Y-%m-%d') }} 第{{ a.number }}期（总第{{ a.total }}期） {{ a.title }}</a></li>
{% endfor %}</ul>
""",
    "themes/bench/templates/index.html": """
{% extends "base.html" %}
{% block content %}
<h1>{{ SITENAME }}</h1>
{% for year, group in articles|groupby('date.year')|reverse %}
<section>
<h2><a href="{{ SITEURL }}/years/{{ year }}/">{{ year }}年</a></h2>
{% with items = group %}{% include "_list.html" %}{% endwith %}
</section>
{% endfor %}
{% endblock %}
""",
    "themes/bench/templates/article.html": """
{% extends "base.html" %}
{% block title %}{{ article.title }} - {{ SITENAME }}{% endblock %}
{% block content %}
<article>
<h1>{{ article.title }}</h1>
<p class="meta">{{ article.locale_date }} · {{ article.date.year }}年第{{ article.number }}期 · 总第{{ article.total }}期 · {{ article.publisher }}</p>
<p class="regions">{% for tag in article.tags %}<a href="{{ SITEURL }}/{{ tag.url }}">{{ tag }}</a> {% endfor %}</p>
{{ article.content }}
</article>
{% endblock %}
""",
    "themes/bench/templates/page.html": """
{% extends "base.html" %}
{% block title %}{{ page.title }} - {{ SITENAME }}{% endblock %}
{% block content %}<h1>{{ page.title }}</h1>{{ page.content }}{% endblock %}
""",
    "themes/bench/templates/tag.html": """
{% extends "base.html" %}
{% block title %}{{ tag }} - {{ SITENAME }}{% endblock %}
{% block content %}<h1>{{ tag }}</h1>{% with items = articles %}{% include "_list.html" %}{% endwith %}{% endblock %}
""",
    "themes/bench/templates/period_archives.html": """
{% extends "base.html" %}
{% block title %}{{ period[0] }}年 - {{ SITENAME }}{% endblock %}
{% block content %}<h1>{{ period[0] }}年</h1>{% with items = dates %}{% include "_list.html" %}{% endwith %}{% endblock %}
""",
    "themes/bench/templates/archives.html": """
{% extends "base.html" %}
{% block title %}全部简报 - {{ SITENAME }}{% endblock %}
{% block content %}<h1>全部简报</h1>{% with items = dates %}{% include "_list.html" %}{% endwith %}{% endblock %}
""",
    "themes/bench/templates/tags.html": """
{% extends "base.html" %}
{% block title %}地区 - {{ SITENAME }}{% endblock %}
{% block content %}<h1>地区</h1><ul>
{% for tag, arts in tags|sort %}<li><a href="{{ SITEURL }}/{{ tag.url }}">{{ tag }}</a> ({{ arts|count }})</li>
{% endfor %}</ul>{% endblock %}
""",
}


def emit_pelican_issue(out: Path, issue: Issue) -> None:
    meta = (f"Title: {issue.title}\nDate: {issue.date.isoformat()}\nTags: {', '.join(issue.regions)}\n"
            f"Number: {issue.number}\nTotal: {issue.total}\nPublisher: {PUBLISHER}\n\n")
    write(out / "content" / f"{issue.slug}.md", meta + issue.body())


# ---- eleventy ----------------------------------------------------------------
ELEVENTY_VERSION = "3.1.8"
ELEVENTY_LIST_ITEM = ('<li><a href="{{ it.url }}">{{ it.date | ymd }} 第{{ it.data.number }}期'
                      '（总第{{ it.data.total }}期） {{ it.data.title }}</a></li>')
ELEVENTY_FEED_HEAD = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">"""

ELEVENTY_FILES = {
    "package.json": json.dumps({
        "name": "bench-bulletin-eleventy", "private": True, "type": "commonjs",
        "scripts": {"build": "eleventy"}, "devDependencies": {"@11ty/eleventy": ELEVENTY_VERSION},
    }, indent=2) + "\n",
    "eleventy.config.js": f"""
// Eleventy 3 config for the bulletin benchmark site.
const ISSUES = "./src/issues/*.md";

module.exports = function (eleventyConfig) {{
  const newestFirst = (a, b) => b.date - a.date;

  eleventyConfig.addCollection("issuesDesc", (api) =>
    api.getFilteredByGlob(ISSUES).sort(newestFirst));

  eleventyConfig.addCollection("regionList", (api) => {{
    const m = new Map();
    for (const it of api.getFilteredByGlob(ISSUES).sort(newestFirst)) {{
      for (const r of it.data.regions || []) {{
        if (!m.has(r)) m.set(r, []);
        m.get(r).push(it);
      }}
    }}
    return [...m.keys()].sort().map((name) => ({{ name, items: m.get(name) }}));
  }});

  eleventyConfig.addCollection("yearList", (api) => {{
    const m = new Map();
    for (const it of api.getFilteredByGlob(ISSUES).sort(newestFirst)) {{
      const y = it.date.getUTCFullYear();
      if (!m.has(y)) m.set(y, []);
      m.get(y).push(it);
    }}
    return [...m.keys()].sort((a, b) => b - a).map((year) => ({{ year, items: m.get(year) }}));
  }});

  eleventyConfig.addFilter("ymd", (d) => d.toISOString().slice(0, 10));
  eleventyConfig.addFilter("iso", (d) => d.toISOString());
  eleventyConfig.addFilter("cnDate", (d) =>
    `${{d.getUTCFullYear()}}年${{d.getUTCMonth() + 1}}月${{d.getUTCDate()}}日`);
  eleventyConfig.addFilter("year", (d) => d.getUTCFullYear());
  eleventyConfig.addFilter("newest", (items) => items.slice(0, {FEED_SIZE}));

  return {{
    dir: {{ input: "src", output: "public", includes: "_includes", data: "_data" }},
    templateFormats: ["md", "njk"],
    markdownTemplateEngine: false,   // issue bodies are plain Markdown
    htmlTemplateEngine: "njk",
  }};
}};
""",
    "src/_data/site.json": json.dumps({"title": SITE_TITLE, "publisher": PUBLISHER, "url": BASE_URL.rstrip("/")},
                                      ensure_ascii=False, indent=2) + "\n",
    "src/issues/issues.json": json.dumps({"layout": "issue.njk"}) + "\n",
    "src/_includes/base.njk": """
<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{% if title %}{{ title }} - {% endif %}{{ site.title }}</title>
<link rel="alternate" type="application/atom+xml" href="/feed.xml" title="{{ site.title }}">
</head>
<body>
<header><a href="/">{{ site.title }}</a> · <a href="/archive/">全部简报</a> · <a href="/regions/">地区</a> · <a href="/years/">年份</a></header>
<main>
{{ content | safe }}
</main>
<footer>{{ site.publisher }}</footer>
</body>
</html>
""",
    "src/_includes/issue.njk": """
---
layout: base.njk
---
<article>
<h1>{{ title }}</h1>
<p class="meta">{{ page.date | cnDate }} · {{ page.date | year }}年第{{ number }}期 · 总第{{ total }}期 · {{ publisher }}</p>
<p class="regions">{% for r in regions %}<a href="/regions/{{ r }}/">{{ r }}</a> {% endfor %}</p>
{{ content | safe }}
</article>
""",
    "src/index.njk": """
---
layout: base.njk
permalink: /
---
<h1>{{ site.title }}</h1>
{% for y in collections.yearList %}
<section>
<h2><a href="/years/{{ y.year }}/">{{ y.year }}年</a></h2>
<ul>
{% for it in y.items %}""" + ELEVENTY_LIST_ITEM + """
{% endfor %}</ul>
</section>
{% endfor %}
""",
    "src/archive.njk": """
---
layout: base.njk
permalink: /archive/
title: 全部简报
---
<h1>全部简报</h1>
<ul>
{% for it in collections.issuesDesc %}""" + ELEVENTY_LIST_ITEM + """
{% endfor %}</ul>
""",
    "src/regions.njk": """
---
layout: base.njk
pagination:
  data: collections.regionList
  size: 1
  alias: region
permalink: "/regions/{{ region.name }}/"
eleventyComputed:
  title: "{{ region.name }}"
---
<h1>{{ region.name }}</h1>
<ul>
{% for it in region.items %}""" + ELEVENTY_LIST_ITEM + """
{% endfor %}</ul>
""",
    "src/regions-index.njk": """
---
layout: base.njk
permalink: /regions/
title: 地区
---
<h1>地区</h1>
<ul>
{% for r in collections.regionList %}<li><a href="/regions/{{ r.name }}/">{{ r.name }}</a> ({{ r.items.length }})</li>
{% endfor %}</ul>
""",
    "src/years.njk": """
---
layout: base.njk
pagination:
  data: collections.yearList
  size: 1
  alias: y
permalink: "/years/{{ y.year }}/"
eleventyComputed:
  title: "{{ y.year }}年"
---
<h1>{{ y.year }}年</h1>
<ul>
{% for it in y.items %}""" + ELEVENTY_LIST_ITEM + """
{% endfor %}</ul>
""",
    "src/years-index.njk": """
---
layout: base.njk
permalink: /years/
title: 年份
---
<h1>年份</h1>
<ul>
{% for y in collections.yearList %}<li><a href="/years/{{ y.year }}/">{{ y.year }}年</a> ({{ y.items.length }})</li>
{% endfor %}</ul>
""",
    "src/feed.njk": """
---
permalink: /feed.xml
eleventyExcludeFromCollections: true
---
""" + ELEVENTY_FEED_HEAD + """
<title>{{ site.title }}</title>
<id>{{ site.url }}/</id>
<link href="{{ site.url }}/feed.xml" rel="self"/>
{% set items = collections.issuesDesc | newest %}<updated>{{ items[0].date | iso }}</updated>
{% for it in items %}<entry><title>{{ it.data.title }}</title><id>{{ site.url }}{{ it.url }}</id><link href="{{ site.url }}{{ it.url }}"/><updated>{{ it.date | iso }}</updated><content type="html">{{ it.content }}</content></entry>
{% endfor %}</feed>
""",
    "src/region-feeds.njk": """
---
pagination:
  data: collections.regionList
  size: 1
  alias: region
permalink: "/regions/{{ region.name }}/feed.xml"
eleventyExcludeFromCollections: true
---
""" + ELEVENTY_FEED_HEAD + """
<title>{{ region.name }} - {{ site.title }}</title>
<id>{{ site.url }}/regions/{{ region.name }}/</id>
{% set items = region.items | newest %}<updated>{{ items[0].date | iso }}</updated>
{% for it in items %}<entry><title>{{ it.data.title }}</title><id>{{ site.url }}{{ it.url }}</id><link href="{{ site.url }}{{ it.url }}"/><updated>{{ it.date | iso }}</updated><content type="html">{{ it.content }}</content></entry>
{% endfor %}</feed>
""",
    "src/sitemap.njk": """
---
permalink: /sitemap.xml
eleventyExcludeFromCollections: true
---
<?xml version="1.0" encoding="utf-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{% for p in collections.all %}<url><loc>{{ site.url }}{{ p.url }}</loc><lastmod>{{ p.date | ymd }}</lastmod></url>
{% endfor %}</urlset>
""",
}


def emit_eleventy_issue(out: Path, issue: Issue) -> None:
    front = yaml_front(issue, {"regions": issue.regions})
    write(out / "src" / "issues" / f"{issue.slug}.md", front + issue.body())


SITE_FILES = {"ours": OURS_FILES, "hugo": HUGO_FILES, "pelican": PELICAN_FILES, "eleventy": ELEVENTY_FILES}
ISSUE_WRITERS = {"ours": emit_ours_issue, "hugo": emit_hugo_issue, "pelican": emit_pelican_issue,
                 "eleventy": emit_eleventy_issue}


# --------------------------------------------------------------------------
# entry points (run.py imports these)
# --------------------------------------------------------------------------
def generate(out: Path, fmt: str, issues: int, *, seed_issue: Path = DEFAULT_SEED_ISSUE,
             rng_seed: int = DEFAULT_RNG_SEED, clean: bool = False) -> int:
    """Write a complete corpus of `issues` issues in format `fmt` into `out`. Returns the issue count."""
    if issues < 1:
        raise CorpusError("the number of issues must be at least 1")
    if out.exists() and any(out.iterdir()):
        if not clean:
            raise CorpusError(f"{out} is not empty (use --clean to replace a corpus made by this tool)")
        if not (out / MARKER).is_file():
            raise CorpusError(f"{out} has no {MARKER}: refusing to delete it")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    model = Model(load_sentences(seed_issue), rng_seed)
    write_files(out, SITE_FILES[fmt])
    count = 0
    for issue in model.issues(1, issues):
        ISSUE_WRITERS[fmt](out, issue)
        count += 1
    write(out / MARKER, marker(fmt, count, seed_issue=seed_issue, rng_seed=rng_seed))
    return count


def marker(fmt: str, issues: int, *, seed_issue: Path = DEFAULT_SEED_ISSUE, rng_seed: int = DEFAULT_RNG_SEED) -> str:
    """What a corpus records about how it was made: a change of generator or seed text means regenerate."""
    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]

    return json.dumps({"format": fmt, "issues": issues, "rng_seed": rng_seed, "seed_issue": seed_issue.name,
                       "seed_sha256": digest(seed_issue), "generator_sha256": digest(Path(__file__))},
                      ensure_ascii=False) + "\n"


def issue_file(out: Path, fmt: str, total: int) -> Path:
    """The file that holds issue `total` in a corpus of format `fmt`."""
    _, number, date = next(calendar(total, total))
    slug = f"{date.year}-{number:03d}"
    return out / {
        "ours": f"issues/{date.year}/{number:03d}.md",
        "hugo": f"content/issues/{slug}.md",
        "pelican": f"content/{slug}.md",
        "eleventy": f"src/issues/{slug}.md",
    }[fmt]


def add_issue(out: Path, fmt: str, total: int, *, seed_issue: Path = DEFAULT_SEED_ISSUE,
              rng_seed: int = DEFAULT_RNG_SEED) -> Path:
    """Write issue `total` into an existing corpus (what the corpus of `total` issues has last)."""
    if not (out / MARKER).is_file():
        raise CorpusError(f"{out} is not a corpus made by this tool (no {MARKER})")
    issue = next(Model(load_sentences(seed_issue), rng_seed).issues(total, total))
    ISSUE_WRITERS[fmt](out, issue)
    path = issue_file(out, fmt, total)
    if not path.is_file():
        raise CorpusError(f"issue {total} was not written where expected ({path})")
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path, help="corpus directory")
    ap.add_argument("--format", default="ours", choices=FORMATS)
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--issues", type=int, help="write a complete corpus of N issues")
    what.add_argument("--add", type=int, metavar="K", help="add issue K to an existing corpus")
    ap.add_argument("--seed-issue", type=Path, default=DEFAULT_SEED_ISSUE,
                    help=f"issue file to take sentences from (default {DEFAULT_SEED_ISSUE.relative_to(REPO)})")
    ap.add_argument("--rng-seed", type=int, default=DEFAULT_RNG_SEED, help=f"RNG seed (default {DEFAULT_RNG_SEED})")
    ap.add_argument("--clean", action="store_true", help=f"replace DIR first (only if it holds a {MARKER} file)")
    args = ap.parse_args(argv)
    try:
        if args.add is not None:
            path = add_issue(args.out, args.format, args.add, seed_issue=args.seed_issue, rng_seed=args.rng_seed)
            print(f"gen_corpus: issue {args.add} written to {path}")
        else:
            n = generate(args.out, args.format, args.issues, seed_issue=args.seed_issue, rng_seed=args.rng_seed,
                         clean=args.clean)
            print(f"gen_corpus: {n} issues, format {args.format}, in {args.out}")
    except CorpusError as exc:
        print(f"gen_corpus: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
