"""The query page at ``/sparql`` in a real browser: Debian's Chromium driven by Playwright.

The app is built over the cut mirror (the endpoint tests' fixtures) and served on a free
localhost port (``conftest.serving``). The browser opens ``/sparql``, finds a tab for each of the
handful of featured queries only and every named query of ``/queries`` in the menu (a choice there
opens its tab), runs ``territoires-par-phase`` and sees the table's rows; at 375 px the editor
comes right after the header and nothing is wider than the screen; every request the page made
stayed on the test server (YASGUI is served by the endpoint, no CDN).

The browser is ``conftest.browser`` (skipped without Chromium, failed instead when ``CI`` is
set). The checks without a browser always run.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask, request

from tests.helpers import create_test_app, serving

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
EXAMPLE = "territoires-par-phase"
STATIC = Path(__file__).resolve().parents[2] / "endpoint" / "static"


@pytest.fixture(scope="module")
def app(cut_data_dir) -> Iterator[Flask]:
    application = create_test_app(cut_data_dir)
    yield application
    application.extensions["tid"].close()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture(scope="module")
def server(app: Flask) -> Iterator[str]:
    with serving(app) as root:
        yield root


# -- without a browser --------------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "page"), [
    (BROWSER_ACCEPT, True),
    ("text/html", True),
    ("*/*", False),
    ("text/turtle", False),
    ("text/turtle, text/html;q=0.5", False),
    ("application/ld+json", False),
])
def test_which_requests_get_the_page(app: Flask, accept: str, page: bool) -> None:
    from tid.endpoint.query_page import wants_query_page

    with app.test_request_context("/sparql", headers={"Accept": accept}):
        assert wants_query_page(request) is page
    with app.test_request_context("/sparql?query=ASK%7B%7D", headers={"Accept": accept}):
        assert wants_query_page(request) is False
    with app.test_request_context("/sparql?format=html", headers={"Accept": accept}):
        assert wants_query_page(request) is False


def test_sparql_serves_the_page_to_browsers_only(client) -> None:
    page = client.get("/sparql", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'id="yasgui"' in html and '<html lang="fr">' in html and 'lang="en"' in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "the page links another host"
    assert "Accept" in page.headers["Vary"]
    turtle = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle"
    assert client.get("/sparql", headers={"Accept": "*/*"}).mimetype == "text/turtle"


def test_assets_are_local_versioned_and_cached_long(client) -> None:
    html = client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+\.(?:js|css)\?v=[0-9a-f]+)"', html)
    assert len(assets) == 3, assets  # YASGUI's script and stylesheet, the page's script
    for url in assets:
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert "immutable" in answer.headers["Cache-Control"] and "max-age=31536000" in answer.headers["Cache-Control"]
    assert client.get("/assets/../html.py").status_code == 404
    assert client.get("/assets/yasgui/LICENSE").status_code == 200
    assert "MIT" in (STATIC / "yasgui" / "LICENSE").read_text()
    assert "@zazuko/yasgui" in (STATIC / "yasgui" / "VERSION").read_text()


def test_examples_give_the_text_of_every_named_query(client) -> None:
    catalogue = client.get("/queries", headers={"Accept": "application/json"}).get_json()["queries"]
    examples = client.get("/query-page/examples.json").get_json()
    assert sorted(examples["queries"]) == sorted(q["name"] for q in catalogue)
    assert "SELECT" in examples["queries"][EXAMPLE]
    assert examples["prefixes"]["tid"] == "https://w3id.org/territoires-industrie/def#"


# -- in Chromium ----------------------------------------------------------------------------------

def client_json(url: str) -> Any:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"})) as answer:
        return json.load(answer)


def test_query_page_fits_a_phone_and_opens_on_the_editor(server: str, browser: Any) -> None:
    """At 375 px: no horizontal scrolling, and the editor starts within the first screen (the
    page once opened on 26 tabs in six rows)."""
    context = browser.new_context(locale="fr-FR", service_workers="block", viewport={"width": 375, "height": 812})
    try:
        page = context.new_page()
        page.goto(server + "sparql", wait_until="load")
        page.wait_for_function("() => document.body.dataset.ready !== 'false'", timeout=30_000)
        assert page.evaluate("document.body.dataset.ready") == "true"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        tabs = page.locator("a[role=tab]")
        rows = {round(box["y"]) for box in (tabs.nth(i).bounding_box() for i in range(tabs.count())) if box}
        assert len(rows) <= 3, f"the tabs take {len(rows)} rows"
        editor = page.locator(".CodeMirror").first.bounding_box()
        assert editor is not None and editor["y"] < 812, editor
    finally:
        context.close()


def test_query_page_runs_an_example_in_chromium(server: str, browser: Any) -> None:
    origin = urlsplit(server)
    with urllib.request.urlopen(urllib.request.Request(server + "queries", headers={"Accept": "application/json"})) as r:
        names = [q["name"] for q in json.load(r)["queries"]]
    assert EXAMPLE in names

    context = browser.new_context(locale="fr-FR", service_workers="block")
    requests: list[tuple[str, str]] = []
    context.on("request", lambda req: requests.append((req.method, req.url)))
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        response = page.goto(server + "sparql", wait_until="load")
        assert response is not None and response.status == 200
        assert page.evaluate("document.documentElement.lang") == "fr"
        page.wait_for_function("() => document.body.dataset.ready !== 'false'", timeout=30_000)
        assert page.evaluate("document.body.dataset.ready") == "true", page.inner_text("#query-page-status")

        # A tab for each featured query only; every named query in the menu, closed.
        featured = client_json(server + "query-page/examples.json")["featured"]
        assert EXAMPLE in featured and 3 <= len(featured) <= 6 < len(names)
        for name in featured:
            tab = page.locator(f"#tab-ex-{name}")
            assert tab.count() == 1, f"no example tab for {name}"
            assert name in tab.inner_text()
        assert page.locator("a[role=tab][id^='tab-ex-']").count() == len(featured)
        assert page.locator("#examples-list button").all_text_contents() == names
        assert page.evaluate("document.getElementById('examples-menu').open") is False
        # the menu opens a query's tab, created then
        other = next(name for name in names if name not in featured)
        page.click("#examples-menu > summary")
        page.click(f"#examples-list button[data-tab='ex-{other}']")
        page.locator(f"#tab-ex-{other}").wait_for(state="visible")
        assert page.locator("a[role=tab][id^='tab-ex-']").count() == len(featured) + 1
        assert page.evaluate("document.getElementById('examples-menu').open") is False

        # Run the example: its tab, its editor's query button, then the table's rows.
        page.click(f"#tab-ex-{EXAMPLE}")
        panel = page.locator(f"[role=tabpanel]#ex-{EXAMPLE}")
        panel.wait_for(state="visible")
        assert "tid:attesteePar" in panel.locator(".CodeMirror").inner_text()  # the example is territoires-par-phase
        with page.expect_response(lambda r: r.url == server + "sparql" and r.request.method == "POST") as answer:
            panel.locator(".yasqe_queryButton").click()
        assert answer.value.status == 200, answer.value.text()
        rows = panel.locator(".yasr table tbody tr")
        rows.first.wait_for(state="visible", timeout=30_000)
        assert rows.count() >= 2
        table = panel.locator(".yasr table").inner_text()
        assert "phase" in table and "territoires" in table

        # The query went to this endpoint by POST; the raw response view (JSON) is offered too.
        posts = [url for method, url in requests if method == "POST"]
        assert posts and all(url == server + "sparql" for url in posts)
        assert panel.locator(".yasr .select_response").count() == 1
        assert not errors, errors
    finally:
        context.close()

    outside = [url for _, url in requests
               if not url.startswith("data:") and urlsplit(url).netloc != origin.netloc]
    assert not outside, f"the page reached other hosts: {outside}"
