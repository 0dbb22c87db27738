"""Benchmark: what photos add to the default `guanxin-site build`.

The side-by-side corpus (gen_corpus.py) has no photos, so bench/run.py's figures leave out the
photo stage the default command runs when issues have photos. This measures that stage alone:
an archive of N issues from gen_corpus.py, twice, once as it is and once with one phone-sized
JPEG (4,000 x 3,000, photo-like pixels) in each of the first P issues, each built cold with the
default command (search included), then rebuilt with nothing changed. Prints wall and CPU
seconds of each build and the difference per photo.

    .venv/bin/python bench/photo_cost.py                      # 200 issues, 50 photos
    .venv/bin/python bench/photo_cost.py --issues 1000 --photos 200 --work /tmp/photo-bench
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]


def photo(path: Path, seed: int, size: tuple[int, int] = (4000, 3000)) -> None:
    """A JPEG with photo-like pixels (gradient, shapes, noise), as encoders meet a real photo."""
    rng = random.Random(seed)
    image = Image.blend(Image.linear_gradient("L").resize(size).convert("RGB"),
                        Image.new("RGB", size, (70 + seed * 20 % 120, 120, 190)), 0.6)
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y, r = rng.randrange(size[0]), rng.randrange(size[1]), rng.randrange(size[0] // 20, size[0] // 5)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    image = Image.blend(image, Image.effect_noise(size, 24).convert("RGB"), 0.12)
    image.save(path, "JPEG", quality=90)


def build(project: Path) -> tuple[float, float]:
    """Wall and CPU seconds (the whole process tree) of one default build."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "guanxin_site", "build", "--quiet", "--source", str(project),
                    "--output", str(project / "site")], check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--issues", type=int, default=200)
    ap.add_argument("--photos", type=int, default=50)
    ap.add_argument("--work", type=Path, default=Path("/tmp/guanxin-photo-bench"))
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    plain, with_photos = args.work / "plain", args.work / "photos"
    subprocess.run([sys.executable, str(REPO / "bench/gen_corpus.py"), "--out", str(plain), "--format", "ours",
                    "--issues", str(args.issues)], check=True, stdout=subprocess.DEVNULL)
    shutil.copytree(plain, with_photos)
    issues = sorted((with_photos / "issues").rglob("*.md"))[: args.photos]
    for n, issue in enumerate(issues):
        photo(issue.with_name(f"{issue.stem}-photo.jpg"), seed=n)
        with issue.open("a", encoding="utf-8") as f:
            f.write(f"\n![会议现场（第 {n + 1} 张）]({issue.stem}-photo.jpg)\n")
    rows = []
    for name, project in (("without photos", plain), (f"with {len(issues)} photos", with_photos)):
        cold = build(project)
        again = build(project)
        rows.append((name, cold, again))
        print(f"{args.issues} issues {name}: cold {cold[0]:.2f} s wall, {cold[1]:.2f} CPU s; "
              f"nothing changed {again[0]:.2f} s wall, {again[1]:.2f} CPU s")
    (_, plain_cold, _), (_, photo_cold, _) = rows
    print(f"per photo, cold: {(photo_cold[0] - plain_cold[0]) / len(issues):.3f} s wall, "
          f"{(photo_cold[1] - plain_cold[1]) / len(issues):.3f} CPU s ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
