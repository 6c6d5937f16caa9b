#!/usr/bin/env bash
# Installs the browser the browser tests (tests/browser/) drive: Debian's Chromium
# (/usr/bin/chromium), with apt, when it is absent. Playwright itself is a test dependency
# (pyproject's `test` extra); `playwright install` is never run: it downloads a browser build
# from a CDN that CI machines cannot reach. The tests use Debian's Chromium as executable_path.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    echo "install-browser: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium) present"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: /usr/bin/chromium is absent and apt-get is not available;" \
         "install Chromium at /usr/bin/chromium, or the browser test is skipped (fails when CI is set)" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "install-browser: installing Debian's chromium with apt"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
