"""The site's pages in a real browser: Debian's Chromium driven by Playwright.

What a visitor does: open the home page, search from the header's search box and see results,
open a territory's page, see its perimeter drawn on the map and its member EPCIs listed, switch
to English, open the ontology and follow a link to a term's section. Every request stays on
the test server: the map's tiles are switched off (``MAP_TILE_URL=""``), and a second app points
them at a closed local port to show that the shapes are drawn even when no tile ever arrives.

The map is also checked on a page of its own (the ``_map.html`` partial in the site's layout, on
a route these tests add), so that the map keeps being tested whatever the resource pages do.

Needs ``/usr/bin/chromium`` and the Python package ``playwright`` (``scripts/install-browser.sh``);
without them the tests are skipped with the reason, unless ``CI`` is set: then they fail. A step
that needs a page another part of the site serves (``/`` , ``/search``, ``/doc/...``) is skipped
with the name of the missing route when that route is not served yet, never passed silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from jinja2 import ChoiceLoader, DictLoader

from tests.helpers import MELUN, MELUN_IRI, create_test_app, free_port, serving

MELUN_PATH = "territoire/2023-2027/ti-1107"
MELUN_EPCI = "CA Melun Val de Seine"
MELUN_EPCI_PATH = "epci/247700057"
MAP_PAGE = """{% extends "layout.html" %}
{% block title %}Carte{% endblock %}
{% block content %}<h1>Carte</h1>{% include "_map.html" %}{% endblock %}"""


def _add_map_page(app: Flask) -> None:
    """A page made of the layout and the map partial only (``/test-map``), for these tests."""
    from tid.endpoint.geo import geojson_url
    from tid.endpoint.html import render_page

    app.jinja_env.loader = ChoiceLoader([app.jinja_env.loader, DictLoader({"test_map_page.html": MAP_PAGE})])

    @app.get("/test-map")
    def test_map_page():  # noqa: ANN202
        return render_page("test_map_page.html", geojson_url=geojson_url(MELUN_IRI))


@pytest.fixture(scope="module")
def app(cut_data_dir) -> Iterator[Flask]:
    application = create_test_app(cut_data_dir, MAP_TILE_URL="")
    _add_map_page(application)
    yield application
    application.extensions["tid"].close()


@pytest.fixture(scope="module")
def server(app: Flask) -> Iterator[str]:
    with serving(app) as root:
        yield root


class Visit:
    """A browser context that records every request and every page error or CSP refusal."""

    def __init__(self, browser: Any, locale: str = "fr-FR") -> None:  # noqa: F811
        self.context = browser.new_context(locale=locale, service_workers="block")
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.on("request", lambda req: self.requests.append(req.url))
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.errors.append(message.text)

    def outside(self, server: str) -> list[str]:
        origin = urlsplit(server).netloc
        return [url for url in self.requests if not url.startswith(("data:", "about:")) and urlsplit(url).netloc != origin]

    def close(self) -> None:
        self.context.close()


@contextmanager
def visiting(browser: Any, server: str) -> Iterator[Visit]:
    """A browser context for one test, closed after it; the pages must have reached no other host."""
    opened = Visit(browser)
    try:
        yield opened
    finally:
        opened.close()
    assert not opened.outside(server), f"the pages reached other hosts: {opened.outside(server)}"


@pytest.fixture
def visit(browser: Any, server: str) -> Iterator[Visit]:
    with visiting(browser, server) as opened:
        yield opened


def wait_for_map(page: Any) -> dict[str, Any]:
    """Waits until map.js has drawn (or failed), then tells what the map shows."""
    page.wait_for_function("() => { const m = document.querySelector('.map[data-geojson]');"
                           " return m && m.dataset.state !== 'pending'; }", timeout=30_000)
    return page.evaluate("""() => {
        const m = document.querySelector('.map[data-geojson]');
        return {state: m.dataset.state, features: Number(m.dataset.features || 0), error: m.dataset.error || null,
                paths: m.querySelectorAll('.leaflet-overlay-pane svg path').length,
                tiles: m.querySelectorAll('.leaflet-tile').length,
                label: m.getAttribute('aria-label'),
                geojson: document.querySelector('figcaption a[type="application/geo+json"]')?.getAttribute('href')};
    }""")


def served_or_skip(response: Any, route: str) -> None:
    """Skips the rest of a test when ``route`` (another part of the site) is not served yet."""
    if response is None or response.status == 404:
        pytest.skip(f"{route} is not served yet (answered {response.status if response else 'nothing'}): "
                    "this step waits for that route")


# -- the map on its own page -------------------------------------------------------------------

def test_map_draws_the_perimeter(server: str, visit: Visit) -> None:
    page = visit.page
    response = page.goto(server + "test-map", wait_until="load")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    drawn = wait_for_map(page)
    assert drawn["state"] == "drawn", drawn
    # the perimeter and its member communes' points, each a shape of the drawing
    assert drawn["features"] > 1 and drawn["paths"] == drawn["features"], drawn
    assert drawn["tiles"] == 0  # MAP_TILE_URL is empty: no background at all
    assert drawn["label"] and "Carte" in drawn["label"]
    assert drawn["geojson"] == "/geo/" + MELUN_PATH
    assert f"{drawn['features']} formes dessinées" in page.inner_text("figcaption")
    # The shape's tooltip is the territory's name, as text.
    page.locator(".leaflet-overlay-pane svg path").first.dispatch_event("mouseover")
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for(state="visible", timeout=5_000)
    assert tooltip.inner_text() == MELUN
    assert not visit.errors, visit.errors


def test_map_draws_when_the_tile_server_is_unreachable(browser: Any, cut_data_dir) -> None:
    closed = free_port()  # nothing listens there: every tile fails
    tiles = f"http://127.0.0.1:{closed}/{{z}}/{{x}}/{{y}}.png"
    application = create_test_app(cut_data_dir, MAP_TILE_URL=tiles, MAP_TILE_ATTRIBUTION="tuiles <b>de test</b>")
    _add_map_page(application)
    try:
        with serving(application) as root:
            visit = Visit(browser)
            try:
                response = visit.page.goto(root + "test-map", wait_until="load")
                assert response is not None and response.status == 200
                assert f"http://127.0.0.1:{closed}" in response.headers["content-security-policy"]
                drawn = wait_for_map(visit.page)
                assert drawn["state"] == "drawn" and drawn["features"] >= 1 and drawn["paths"] >= 1, drawn
                assert drawn["tiles"] >= 1  # tiles were asked for, and failed
                # The attribution is shown as text (the setting's markup is not interpreted).
                assert "tuiles <b>de test</b>" in visit.page.inner_text(".leaflet-control-attribution")
                assert not visit.errors, visit.errors
                outside = visit.outside(root)
                assert outside, "the tile layer asked for no tile"
                assert all(urlsplit(url).netloc == f"127.0.0.1:{closed}" for url in outside), outside
            finally:
                visit.close()
    finally:
        application.extensions["tid"].close()


def test_map_says_so_when_the_geojson_cannot_be_read(server: str, visit: Visit) -> None:
    page = visit.page
    page.route("**/geo/**", lambda route: route.fulfill(status=503, body="{}", content_type="application/json"))
    page.goto(server + "test-map", wait_until="load")
    drawn = wait_for_map(page)
    assert drawn["state"] == "failed" and drawn["paths"] == 0
    assert "GeoJSON" in page.inner_text("figcaption")


# -- a visitor's path through the site -------------------------------------------------------

def test_home_search_territory_map_members_and_language(server: str, visit: Visit) -> None:
    page = visit.page
    home = page.goto(server, wait_until="load")
    served_or_skip(home, "/ (home page)")
    assert home.status == 200
    assert page.evaluate("document.documentElement.lang") == "fr"

    # Search from the header's box.
    page.fill("#site-search", "Melun")
    with page.expect_navigation() as navigation:
        page.press("#site-search", "Enter")
    served_or_skip(navigation.value, "/search")
    landed = urlsplit(page.url).path
    assert landed in ("/search", f"/doc/{MELUN_PATH}", f"/doc/{MELUN_PATH}.html"), landed
    if landed == "/search":  # a list of results (one match may lead straight to its page)
        assert "q=Melun" in page.url
        result = page.locator(f".results a[href*='{MELUN_PATH}']").first
        result.wait_for(state="visible", timeout=10_000)
        assert "Melun" in result.inner_text()
        with page.expect_navigation():
            result.click()
    assert MELUN_PATH in page.url

    # The territory's page: its perimeter drawn, its member EPCI listed.
    territory = page.goto(server + f"doc/{MELUN_PATH}.html", wait_until="load")
    served_or_skip(territory, f"/doc/{MELUN_PATH}.html (resource pages)")
    assert territory.status == 200
    assert MELUN in page.inner_text("h1")
    drawn = wait_for_map(page)
    assert drawn["state"] == "drawn" and drawn["features"] >= 1 and drawn["paths"] >= 1, drawn
    epci = page.locator(f"main a[href*='{MELUN_EPCI_PATH}']").first
    assert epci.count() == 1, "the member EPCI is not linked from the territory's page"
    assert MELUN_EPCI in epci.inner_text()

    # Switch to English with the header's link.
    with page.expect_navigation():
        page.click("header .language a")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert "lang=en" in page.url and MELUN_PATH in page.url
    drawn = wait_for_map(page)
    assert drawn["state"] == "drawn" and drawn["label"] and "Map" in drawn["label"]
    assert f"{drawn['features']} shapes drawn" in page.inner_text("figcaption")
    assert not visit.errors, visit.errors


def test_ontology_page_and_a_term_link(server: str, visit: Visit) -> None:
    page = visit.page
    page.goto(server + "test-map", wait_until="domcontentloaded")  # any page of the site: its header links to the ontology
    with page.expect_navigation():
        page.click("header nav a[href^='/def']")
    assert urlsplit(page.url).path == "/def"
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert "Ontologie des Territoires d'industrie" in page.inner_text("h1")

    # A link of the table of contents lands on the term's section (the hash of its IRI).
    page.click("nav.toc a[href='#TerritoireIndustrie']")
    page.wait_for_function("location.hash === '#TerritoireIndustrie'")
    section = page.locator("#TerritoireIndustrie")
    assert section.is_visible()
    assert page.evaluate("document.querySelector(':target') && document.querySelector(':target').id") == "TerritoireIndustrie"
    assert page.evaluate("(() => { const r = document.getElementById('TerritoireIndustrie').getBoundingClientRect();"
                         " return r.top >= -1 && r.top < window.innerHeight; })()")
    # From that section, a link to another term (a property whose range it is).
    section.locator("a[href='#territoire']").first.click()
    page.wait_for_function("location.hash === '#territoire'")
    assert "tid:territoire" in page.locator("#territoire").inner_text()

    # The hash IRI of a term, opened directly, and in English.
    page.goto(server + "def?lang=en#Adhesion", wait_until="load")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("#Adhesion").is_visible()
    assert "Territory or programme membership" in page.locator("#Adhesion h3").inner_text()

    # The shapes page is linked from the ontology, with anchors too.
    page.goto(server + "shapes#TerritoireIndustrie-idTi", wait_until="load")
    assert page.locator("#TerritoireIndustrie-idTi").is_visible()
    assert not visit.errors, visit.errors


# -- on a phone ------------------------------------------------------------------------------------

PHONE = {"width": 375, "height": 812}
PHONE_PAGES = [f"doc/{MELUN_PATH}", "doc/commune/77288", f"doc/{MELUN_EPCI_PATH}", "doc/region/11?at=all",
               "doc/catalogue/territoires-industrie", "doc/dataset/territoires-industrie",
               f"doc/{MELUN_PATH}?lang=en", "search?q=melun", "def"]


@pytest.mark.parametrize("path", PHONE_PAGES)
def test_pages_fit_a_phone(browser: Any, server: str, path: str) -> None:
    """At 375 px nothing widens the page: a wide table scrolls inside its own box, long IRIs and
    checksums break. The page's width is the screen's, and no element outside a table's box or
    the map reaches past the screen's right edge."""
    with visiting(browser, server) as opened:
        opened.context.close()
        opened.context = browser.new_context(locale="fr-FR", service_workers="block", viewport=PHONE)
        opened.context.on("request", lambda req: opened.requests.append(req.url))
        page = opened.context.new_page()
        response = page.goto(server + path, wait_until="load")
        assert response is not None and response.status == 200
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        past = page.evaluate("""() => { const width = document.documentElement.clientWidth; const out = [];
            for (const el of document.querySelectorAll('body *')) {
              const box = el.getBoundingClientRect();
              if (box.width > 0 && box.right > width + 1 && !el.closest('.scroll, .map')) out.push(el.tagName + ' ' + el.className);
            }
            return out; }""")
        assert not past, past
        # every wide table is in a box that scrolls sideways
        for box in page.locator(".scroll").all():
            assert box.evaluate("el => getComputedStyle(el).overflowX") == "auto"
