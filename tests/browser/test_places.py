"""Places on the map, in a real browser over the whole graph (the real mirror): the Lacq – Pau –
Tarbes territory page draws its perimeter, its member communes' points and its sites; the
Nouvelle-Aquitaine région page lists its 14 phase-1 territories at a 2020 date and maps them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.browser.test_pages import Visit, visiting, wait_for_map
from tests.helpers import create_test_app, serving
from tid.graph.store import DataDir

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_server(real_build) -> Iterator[str]:
    data_dir, _manifest = real_build
    application: Flask = create_test_app(DataDir(data_dir.root), MAP_TILE_URL="")
    try:
        with serving(application) as root:
            yield root
    finally:
        application.extensions["tid"].close()


@pytest.fixture
def visit(browser: Any, real_server: str) -> Iterator[Visit]:
    with visiting(browser, real_server) as opened:
        yield opened


def test_lacq_pau_tarbes_draws_its_perimeter_communes_and_sites(real_server: str, visit: Visit) -> None:
    page = visit.page
    path = "territoire/2023-2027/ti-7510"
    response = page.goto(real_server + "doc/" + path + "?at=2024-09-01", wait_until="load")
    assert response is not None and response.status == 200
    drawn = wait_for_map(page)
    assert drawn["state"] == "drawn", drawn
    data = page.evaluate("url => fetch(url, {headers: {Accept: 'application/geo+json'}}).then(r => r.json())",
                         drawn["geojson"])
    roles = Counter(feature["properties"]["role"] for feature in data["features"])
    assert roles["self"] == 1 and roles["commune"] > 500 and roles["site"] >= 2, roles
    assert data["date"] == "2024-09-01"
    # every feature is drawn: the perimeter, a circle per commune, a circle per commune of each site
    circles = sum(len(f["geometry"]["coordinates"]) if f["geometry"]["type"] == "MultiPoint" else 1
                  for f in data["features"])
    assert drawn["features"] == len(data["features"]) and drawn["paths"] == circles, drawn
    sites = [f for f in data["features"] if f["properties"]["role"] == "site"]
    assert all(f["properties"]["approximate"] and f["properties"]["locatedIn"] for f in sites)
    caption = page.inner_text("figcaption")
    assert "emplacement approximatif" in caption and "jamais celui d'un site" in caption
    assert not visit.errors, visit.errors


def test_nouvelle_aquitaine_lists_and_maps_its_14_phase_1_territories(real_server: str, visit: Visit) -> None:
    page = visit.page
    response = page.goto(real_server + "doc/region/75?at=2020-12-31", wait_until="load")
    assert response is not None and response.status == 200
    listed = page.locator("ol.region-territories li")
    assert listed.count() == 14
    assert "ti-7505" in listed.all_inner_texts()[4]  # Lacq-Pau - Tarbes, in ANCT's order
    drawn = wait_for_map(page)
    assert drawn["state"] == "drawn", drawn
    data = page.evaluate("url => fetch(url, {headers: {Accept: 'application/geo+json'}}).then(r => r.json())",
                         drawn["geojson"])
    territories = [f for f in data["features"] if f["properties"]["role"] == "territoire"]
    assert sum(1 for f in territories if f["properties"]["rattachement"]) == 14
    assert {f["properties"]["phase"] for f in territories} == {"2018-2023"}
    assert data["unplaced"], "the région's sites without a commune are listed beside the map"
    assert page.locator(".map-unplaced li").count() == len(data["unplaced"])
    assert not visit.errors, visit.errors
