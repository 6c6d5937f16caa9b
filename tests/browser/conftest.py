"""What the browser tests share: Debian's Chromium driven by Playwright (an app is served for it
by ``tests.helpers.serving``, werkzeug in a thread on a free localhost port).

Chromium is ``/usr/bin/chromium`` with the Python package ``playwright``
(``scripts/install-browser.sh`` installs both; never ``playwright install``). Without them a
browser test is skipped with the reason, unless ``CI`` is set: then it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so the browser test must run (run scripts/install-browser.sh)")
    pytest.skip(f"{reason} (run scripts/install-browser.sh to install it)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is absent (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright is not installed in this environment")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()
