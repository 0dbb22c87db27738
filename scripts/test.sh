#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, then runs all tests.
#   Debian packages: chromium (browser tests), fonts-noto-cjk (Chinese text in screenshots and PDFs),
#   a Java runtime (the Nu Html Checker), poppler-utils (print-to-PDF checks), npm (axe-core, vnu-jar),
#   LibreOffice Writer (import converts .doc/.wps with it; tests export Word-like PDFs with it),
#   openssh-server (the deploy tests run sshd on 127.0.0.1; ssh-keygen makes their keys).
#   Python packages: the project with its [test] and [ocr] extras, in .venv (OCR of scanned PDFs is tested for real).
# Extra arguments go to pytest, e.g.  bash scripts/test.sh -k search
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
fc-list 2>/dev/null | grep "Noto Sans CJK" >/dev/null || packages+=(fonts-noto-cjk)  # no -q: an early exit would SIGPIPE fc-list
command -v java >/dev/null 2>&1 || packages+=(default-jre-headless)
command -v pdftoppm >/dev/null 2>&1 || packages+=(poppler-utils)
command -v npm >/dev/null 2>&1 || packages+=(npm)
command -v soffice >/dev/null 2>&1 || packages+=(libreoffice-writer-nogui)  # .doc/.wps conversion, Word-like test PDFs
[ -x /usr/sbin/sshd ] || packages+=(openssh-server)  # deploy tests: a real SFTP server on 127.0.0.1
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q -e '.[test,ocr]'
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error  # vnu-jar's postinstall would fetch its own Java

exec .venv/bin/python -m pytest -n 2 "$@"
