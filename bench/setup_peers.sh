#!/usr/bin/env bash
# Install the peer static-site generators that bench/run.py times guanxin-site against.
# Idempotent: a second run checks the versions and installs nothing.
#   hugo     : Debian package (bookworm ships 0.111.x), needs root for apt-get
#   pelican  : pinned, in a venv at $BENCH_PELICAN_VENV (default /tmp/guanxin-bench/pelican-venv)
#   eleventy : pinned, in an npm project at $BENCH_ELEVENTY_DIR (default /tmp/guanxin-bench/eleventy)
#   pagefind : pagefind[extended] 1.5.x (the extended binary segments Chinese), in a venv at
#              $BENCH_PAGEFIND_VENV (default /tmp/guanxin-bench/pagefind-venv): stock Pagefind over Hugo's output
# The paths must match bench/run.py's defaults (same environment variables).
set -euo pipefail

ROOT=${BENCH_TOOLS:-/tmp/guanxin-bench}
VENV=${BENCH_PELICAN_VENV:-$ROOT/pelican-venv}
ELEVENTY_DIR=${BENCH_ELEVENTY_DIR:-$ROOT/eleventy}
PELICAN_VERSION=${PELICAN_VERSION:-4.12.0}
MARKDOWN_VERSION=${MARKDOWN_VERSION:-3.11.3}
ELEVENTY_VERSION=${ELEVENTY_VERSION:-3.1.8}
PAGEFIND_VENV=${BENCH_PAGEFIND_VENV:-$ROOT/pagefind-venv}
PAGEFIND_SPEC=${PAGEFIND_SPEC:-1.5.*}

# --- Hugo (Debian) -----------------------------------------------------------
if ! command -v hugo >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends hugo >/dev/null
fi
echo "hugo:     $(hugo version)"

# --- Pelican (venv) ----------------------------------------------------------
pelican_ok() {
  [ -x "$VENV/bin/pelican" ] &&
    [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("pelican"))' 2>/dev/null)" = "$PELICAN_VERSION" ]
}
if ! pelican_ok; then
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "pelican==$PELICAN_VERSION" "markdown==$MARKDOWN_VERSION"
fi
echo "pelican:  $("$VENV/bin/pelican" --version) (python $("$VENV/bin/python" -c 'import sys; print(sys.version.split()[0])'), markdown $("$VENV/bin/python" -c 'import markdown; print(markdown.__version__)'))"

# --- Eleventy (npm) ----------------------------------------------------------
eleventy_version() {
  node -p "require('$ELEVENTY_DIR/node_modules/@11ty/eleventy/package.json').version" 2>/dev/null || true
}
if [ "$(eleventy_version)" != "$ELEVENTY_VERSION" ]; then
  mkdir -p "$ELEVENTY_DIR"
  ( cd "$ELEVENTY_DIR"
    [ -f package.json ] || printf '{\n  "name": "guanxin-bench-eleventy",\n  "private": true,\n  "type": "commonjs"\n}\n' > package.json
    npm install --silent --no-audit --no-fund --save-exact "@11ty/eleventy@$ELEVENTY_VERSION" )
fi
echo "eleventy: $("$ELEVENTY_DIR/node_modules/.bin/eleventy" --version) (node $(node --version))"

# --- Pagefind (venv; the extended binary from PyPI's pagefind[extended]) -----
pagefind_ok() {
  [ -x "$PAGEFIND_VENV/bin/python" ] &&
    "$PAGEFIND_VENV/bin/python" - "$PAGEFIND_SPEC" <<'PY' 2>/dev/null
import fnmatch, importlib.metadata as m, sys
sys.exit(not (fnmatch.fnmatch(m.version("pagefind"), sys.argv[1]) and m.version("pagefind_bin_extended")))
PY
}
if ! pagefind_ok; then
  mkdir -p "$(dirname "$PAGEFIND_VENV")"
  python3 -m venv "$PAGEFIND_VENV"
  "$PAGEFIND_VENV/bin/pip" install -q --disable-pip-version-check "pagefind[extended]==$PAGEFIND_SPEC"
fi
PAGEFIND_BIN=$("$PAGEFIND_VENV/bin/python" -c 'import pagefind_bin_extended as p, pathlib; print(pathlib.Path(p.__file__).with_name("pagefind_extended"))')
echo "pagefind: $("$PAGEFIND_BIN" --version) (extended binary $PAGEFIND_BIN)"
