#!/usr/bin/env bash
# Installs the browser the browser tests (tests/browser/) drive: Debian's Chromium
# (/usr/bin/chromium), with apt, when it is absent. Playwright itself is a test dependency
# (pyproject's `test` extra); `playwright install` is never run: it downloads a browser build
# from a CDN that CI machines cannot reach. The tests use Debian's Chromium as executable_path.
set -euo pipefail
source "$(dirname "$0")/apt-install.sh"

if [ -x /usr/bin/chromium ]; then
    echo "install-browser: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium) present"
    exit 0
fi
apt_install install-browser "/usr/bin/chromium is absent (install Chromium at /usr/bin/chromium, or the browser test is skipped; it fails when CI is set)" chromium fonts-dejavu-core
