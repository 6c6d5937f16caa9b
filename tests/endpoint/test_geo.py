"""GeoJSON of the things with a geometry (``/geo/...``), the map partial and the vendored Leaflet.

Over the cut mirror: Melun – Villaroche (phase 2023-2027) has a perimeter; communes have no
coordinates in the sources, so they get no map. A territory's sites are drawn when they have a
geometry: the cut has none, so that case runs over a small store made here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask, render_template
from pyoxigraph import Literal, NamedNode, Quad, Store

from tests.helpers import BASE, MELUN, MELUN_IRI
from tid.endpoint.geo import (
    WKTError,
    feature_collection,
    geojson_url,
    mapped_things,
    wkt_to_geojson,
)
from tid.endpoint.live import Release
from tid.graph.store import merged
from tid.namespaces import GEO, RDF, RDFS, TID

STATIC = Path(__file__).resolve().parents[2] / "endpoint" / "static"
MELUN_GEO = "/geo/territoire/2023-2027/ti-1107"
COMMUNE_IRI = BASE + "id/commune/77288"


# -- WKT -> GeoJSON -------------------------------------------------------------------------------

def test_wkt_polygon_multipolygon_point_and_collection() -> None:
    assert wkt_to_geojson("POINT (2.5 48.5)") == {"type": "Point", "coordinates": [2.5, 48.5]}
    polygon = wkt_to_geojson("POLYGON ((2 48, 3 48, 3 49, 2 48))")
    assert polygon == {"type": "Polygon", "coordinates": [[[2.0, 48.0], [3.0, 48.0], [3.0, 49.0], [2.0, 48.0]]]}
    multi = wkt_to_geojson("MULTIPOLYGON (((2 48, 3 48, 3 49, 2 48)), ((4 45, 5 45, 5 46, 4 45)))")
    assert multi["type"] == "MultiPolygon" and len(multi["coordinates"]) == 2
    collection = wkt_to_geojson("GEOMETRYCOLLECTION (POINT (1 2), POLYGON ((2 48, 3 48, 3 49, 2 48)))")
    assert [g["type"] for g in collection["geometries"]] == ["Point", "Polygon"]


def test_wkt_with_the_crs84_iri_is_read_in_longitude_latitude_order() -> None:
    geometry = wkt_to_geojson("<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT (2.35 48.85)")
    assert geometry["coordinates"] == [2.35, 48.85]


@pytest.mark.parametrize("wkt", [
    "<http://www.opengis.net/def/crs/EPSG/0/4326> POINT (48.85 2.35)",  # latitude first: not guessed
    "POLYGON ((2 48, 3 48",
    "POINT EMPTY",
    "",
    "BANANA (1 2)",
])
def test_wkt_that_cannot_be_drawn_is_refused(wkt: str) -> None:
    with pytest.raises(WKTError):
        wkt_to_geojson(wkt)


# -- /geo/{path} ---------------------------------------------------------------------------------

def test_geojson_of_a_territory_perimeter(client) -> None:
    response = client.get(MELUN_GEO)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/geo+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Accept" in response.headers["Vary"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"].startswith('W/"')
    assert "max-age=" in response.headers["Cache-Control"]
    data = json.loads(response.get_data(as_text=True))
    assert data["type"] == "FeatureCollection"
    [feature] = data["features"]
    assert feature["type"] == "Feature" and feature["id"] == MELUN_IRI
    assert feature["properties"]["iri"] == MELUN_IRI
    assert feature["properties"]["label"] == MELUN  # the en dash kept, not escaped away
    assert feature["properties"]["role"] == "self"
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    ring = feature["geometry"]["coordinates"][0] if feature["geometry"]["type"] == "Polygon" \
        else feature["geometry"]["coordinates"][0][0]
    assert len(ring) >= 4 and ring[0] == ring[-1]
    for longitude, latitude in ring:  # Seine-et-Marne, in CRS84 order
        assert 2.0 < longitude < 3.5 and 48.0 < latitude < 49.0
    assert "\u2013" in response.get_data(as_text=True)


def test_geojson_is_conditional(client) -> None:
    first = client.get(MELUN_GEO)
    again = client.get(MELUN_GEO, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    other = client.get(MELUN_GEO, headers={"If-None-Match": 'W/"something-else"'})
    assert other.status_code == 200


@pytest.mark.parametrize("accept", ["application/geo+json", "application/json", "*/*", "application/*"])
def test_geojson_accepts_what_reads_json(client, accept: str) -> None:
    assert client.get(MELUN_GEO, headers={"Accept": accept}).status_code == 200


def test_geojson_is_406_when_json_is_not_acceptable(client) -> None:
    response = client.get(MELUN_GEO, headers={"Accept": "text/turtle"})
    assert response.status_code == 406
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "application/geo+json" in response.get_json()["available"]


@pytest.mark.parametrize("path", [
    "/geo/territoire/2023-2027/ti-9999",  # no such territory
    "/geo/commune/77288",  # a commune: no coordinates in the sources, none invented
    "/geo/geometrie/territoire/2023-2027/ti-1107",  # the geometry node itself has no geometry
])
def test_geojson_of_a_thing_without_geometry_is_404_problem(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.get_json()["status"] == 404


@pytest.mark.parametrize("path", [
    "/geo/territoire/2023-2027/..%2F..%2Fetc%2Fpasswd",
    "/geo/territoire/%2e%2e/x",
    "/geo/./territoire/2023-2027/ti-1107",
    "/geo/territoire//ti-1107",
    "/geo/territoire/2023-2027/ti-1107%00",
    "/geo/territoire/2023-2027/ti-1107%0d%0aSet-Cookie:x=1",
    "/geo/territoire/<script>",
    "/geo/" + "a/" * 200 + "b",
    "/geo/",
    "/geo",
])
def test_hostile_geo_paths_are_4xx(client, path: str) -> None:
    response = client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert "Set-Cookie" not in response.headers
    assert "<script>" not in response.get_data(as_text=True)


def test_geo_refuses_other_methods(client) -> None:
    response = client.post(MELUN_GEO)
    assert response.status_code == 405


# -- geojson_url ---------------------------------------------------------------------------------

def test_geojson_url_only_for_things_with_a_geometry(app: Flask) -> None:
    with app.test_request_context("/"):
        assert geojson_url(MELUN_IRI) == MELUN_GEO
        assert geojson_url(COMMUNE_IRI) is None
        assert geojson_url("https://example.org/id/territoire/2023-2027/ti-1107") is None
        assert geojson_url(BASE + "id/") is None
        release = app.extensions["tid"].release
        assert "geo:mapped" in release.computed  # computed once per release
        assert mapped_things(release) is release.computed["geo:mapped"]


# -- a territory's sites, over a small store ---------------------------------------------------

def _small_release(tmp_path: Path) -> Release:
    store = Store()
    graph = NamedNode(BASE + "graph/test")
    territory = NamedNode(BASE + "id/territoire/2023-2027/ti-0001")
    located, unlocated = NamedNode(BASE + "id/site/located"), NamedNode(BASE + "id/site/unlocated")
    quads = [
        (territory, RDF.type, TID.TerritoireIndustrie),
        (territory, RDFS.label, Literal("Territoire <b>test</b>", language="fr")),
        (territory, GEO.hasGeometry, NamedNode(BASE + "id/geometrie/territoire/2023-2027/ti-0001")),
        (NamedNode(BASE + "id/geometrie/territoire/2023-2027/ti-0001"), GEO.asWKT,
         Literal("POLYGON ((2 48, 3 48, 3 49, 2 48))", datatype=GEO.wktLiteral)),
        (located, RDF.type, TID.SiteCleEnMain),
        (located, RDFS.label, Literal("Site situé", language="fr")),
        (located, RDFS.label, Literal("Located site", language="en")),
        (located, TID.territoire, territory),
        (located, GEO.hasGeometry, NamedNode(BASE + "id/geometrie/site/located")),
        (NamedNode(BASE + "id/geometrie/site/located"), GEO.asWKT,
         Literal("<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT (2.5 48.5)", datatype=GEO.wktLiteral)),
        (unlocated, RDF.type, TID.SiteCleEnMain),
        (unlocated, TID.territoire, territory),
    ]
    store.extend(merged(Quad(s, p, o, graph) for s, p, o in quads))  # a release's store: graphs and their merge
    return Release(tmp_path, {"base": BASE, "release": "test"}, store)


def test_a_territory_map_has_its_located_sites_and_no_invented_ones(app: Flask, tmp_path: Path) -> None:
    release = _small_release(tmp_path)
    territory = BASE + "id/territoire/2023-2027/ti-0001"
    with app.test_request_context("/"):
        assert mapped_things(release) == {territory, BASE + "id/site/located"}
        collection = feature_collection(release, territory)
        assert collection is not None
        roles = [(f["properties"]["role"], f["properties"]["iri"]) for f in collection["features"]]
        assert roles == [("self", territory), ("site", BASE + "id/site/located")]
        site = collection["features"][1]
        assert site["geometry"] == {"type": "Point", "coordinates": [2.5, 48.5]}
        assert site["properties"]["labels"] == {"fr": "Site situé", "en": "Located site"}
        assert collection["features"][0]["properties"]["label"] == "Territoire <b>test</b>"  # data, escaped by the client
        assert feature_collection(release, BASE + "id/site/unlocated") is None


# -- the map partial and Leaflet ---------------------------------------------------------------

def _render_map(app: Flask, url: str | None, lang: str = "fr") -> str:
    from tid.endpoint.html import asset_url

    with app.test_request_context("/"):
        return render_template("_map.html", geojson_url=url, lang=lang, asset_url=asset_url,
                               tr=lambda fr, en: fr if lang == "fr" else en)


def test_map_partial_names_its_data_and_loads_local_scripts_only(app: Flask) -> None:
    html = _render_map(app, MELUN_GEO)
    assert f'data-geojson="{MELUN_GEO}"' in html
    assert 'data-state="pending"' in html
    assert f'<a href="{MELUN_GEO}" type="application/geo+json">GeoJSON</a>' in html
    assert 'aria-label="Carte' in html and "figcaption" in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert len(scripts) == 2 and all('src="/assets/' in attrs and not body.strip() for attrs, body in scripts)
    assert re.search(r'href="/assets/leaflet/leaflet\.css\?v=[0-9a-f]+"', html)
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert 'data-tiles="https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"' in html
    assert 'aria-label="Map' in _render_map(app, MELUN_GEO, "en")


def test_map_partial_is_empty_without_geometry(app: Flask) -> None:
    assert _render_map(app, None).strip() == ""


def test_map_partial_without_tiles(make_app) -> None:
    html = _render_map(make_app(MAP_TILE_URL=""), MELUN_GEO)
    assert 'data-tiles=""' in html


def test_leaflet_is_vendored_with_its_licence_and_served(client) -> None:
    assert (STATIC / "leaflet" / "VERSION").read_text().strip() == "leaflet@1.9.4"
    assert "BSD 2-Clause" in (STATIC / "leaflet" / "LICENSE").read_text()
    readme = (STATIC / "leaflet" / "README.md").read_text()
    assert "1.9.4" in readme and "BSD" in readme and "npm" in readme
    assert 't.version="1.9.4"' in (STATIC / "leaflet" / "leaflet.js").read_text()
    for name in ("leaflet/leaflet.js", "leaflet/leaflet.css", "leaflet/images/marker-icon.png", "map.js"):
        assert client.get(f"/assets/{name}").status_code == 200, name
    assert client.get("/assets/leaflet/LICENSE").headers["Content-Type"].startswith("text/plain")


def test_map_script_reads_data_attributes_and_marks_the_drawing() -> None:
    script = (STATIC / "map.js").read_text()
    for needle in ("dataset.geojson", "dataset.tiles", "dataset.attribution", 'dataset.state = "drawn"',
                   "dataset.features", "L.geoJSON", "fitBounds"):
        assert needle in script, needle
    assert not re.search(r"innerHTML\s*=[^=]", script), "labels are data: written as text, never as HTML"
    assert "http" not in script.replace("HTTP ", "")
