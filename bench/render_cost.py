"""CPU seconds of rendering a project's pages, per template, without writing anything.

    .venv/bin/python bench/render_cost.py PROJECT [REPEATS]

Loads and plans the project as a build does, renders every page once to warm the templates, then
renders all pages of each template REPEATS times (default 3) and prints the least CPU time (user)
each took: the figure other work on a shared machine disturbs least. Compare two versions by
alternating runs (PYTHONPATH=<other checkout>/src for the other one).
"""
from __future__ import annotations

import collections
import sys
import time
from pathlib import Path

from guanxin_site.archive import organise
from guanxin_site.loader import load_project
from guanxin_site.planner import SEARCH_PAGE, plan
from guanxin_site.render import Templates, render_page


def main() -> None:
    project_dir = Path(sys.argv[1]).resolve()
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    project = load_project(project_dir)
    pages = [page for page in plan(organise(list(project.issues), project.gazetteer), project.config)
             if page.url != SEARCH_PAGE]  # its data comes from the search index, which this does not build
    env = Templates(project_dir, project.config, project.gazetteer).environment()
    by_template = collections.defaultdict(list)
    for page in pages:
        by_template[page.template].append(page)
        render_page(env, page)
    least: dict[str, float] = {}
    for _ in range(repeats):
        for template, group in by_template.items():
            started = time.process_time()
            for page in group:
                render_page(env, page)
            least[template] = min(least.get(template, float("inf")), time.process_time() - started)
    for template, seconds in sorted(least.items(), key=lambda item: -item[1]):
        print(f"{template:20s} {len(by_template[template]):6d} pages {seconds:7.3f} s")
    print(f"{'all':20s} {len(pages):6d} pages {sum(least.values()):7.3f} s")


if __name__ == "__main__":
    main()
