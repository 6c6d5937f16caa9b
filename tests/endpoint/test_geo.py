"""GeoJSON of the things with a map (``/geo/...``), the map partial and the vendored Leaflet.

Over the cut mirror: Melun – Villaroche (phase 2023-2027) has a perimeter and member communes,
each commune its approximate point (Base Adresse Nationale); ti-2706 (2018-2023) has an outline
the loader set aside (it leaves out Cercy-la-Tour); an EPCI has no map. A site is drawn at its
commune's point, never at a location of its own: that case runs over a small store made here.
"""

from __future__ import annotations

import json
import re
from datetime import date
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
from tid.namespaces import GEO, IGEO, RDF, RDFS, TID

STATIC = Path(__file__).resolve().parents[2] / "endpoint" / "static"
MELUN_GEO = "/geo/territoire/2023-2027/ti-1107"
COMMUNE_IRI = BASE + "id/commune/77288"
EPCI_IRI = BASE + "id/epci/247700057"


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
    feature = data["features"][0]  # the perimeter first; the member communes' points after it
    assert {f["properties"]["role"] for f in data["features"][1:]} == {"commune"}
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
    "/geo/epci/247700057",  # an EPCI: no geometry of its own, none invented
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
        assert geojson_url(COMMUNE_IRI) == "/geo/commune/77288"  # its approximate point
        assert geojson_url(EPCI_IRI) is None
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
    commune, other = NamedNode(BASE + "id/commune/64300"), NamedNode(BASE + "id/commune/64443")
    located, unlocated = NamedNode(BASE + "id/site/located"), NamedNode(BASE + "id/site/unlocated")
    both = NamedNode(BASE + "id/site/both")
    quads = [
        (territory, RDF.type, TID.TerritoireIndustrie),
        (territory, RDFS.label, Literal("Territoire <b>test</b>", language="fr")),
        (territory, GEO.hasGeometry, NamedNode(BASE + "id/geometrie/territoire/2023-2027/ti-0001")),
        (NamedNode(BASE + "id/geometrie/territoire/2023-2027/ti-0001"), GEO.asWKT,
         Literal("POLYGON ((-1 43, 0 43, 0 44, -1 43))", datatype=GEO.wktLiteral)),
        (commune, RDFS.label, Literal("Lacq", language="fr")),
        (commune, IGEO.codeINSEE, Literal("64300")),
        (commune, GEO.hasGeometry, NamedNode(BASE + "id/geometrie/commune/64300")),
        (NamedNode(BASE + "id/geometrie/commune/64300"), RDF.type, TID.EmplacementApproximatif),
        (NamedNode(BASE + "id/geometrie/commune/64300"), GEO.asWKT, Literal("POINT(-0.617 43.414)", datatype=GEO.wktLiteral)),
        (other, RDFS.label, Literal("Mourenx", language="fr")),
        (other, IGEO.codeINSEE, Literal("64410")),
        (other, GEO.hasGeometry, NamedNode(BASE + "id/geometrie/commune/64443")),
        (NamedNode(BASE + "id/geometrie/commune/64443"), RDF.type, TID.EmplacementApproximatif),
        (NamedNode(BASE + "id/geometrie/commune/64443"), GEO.asWKT, Literal("POINT(-0.629 43.377)", datatype=GEO.wktLiteral)),
        (located, RDF.type, TID.SiteCleEnMain),
        (located, RDFS.label, Literal("Site situé", language="fr")),
        (located, TID.territoire, territory),
        (located, TID.commune, commune),
        (both, RDF.type, TID.SiteCleEnMain),
        (both, TID.territoire, territory),
        (both, TID.commune, commune),
        (both, TID.commune, other),
        (unlocated, RDF.type, TID.SiteCleEnMain),
        (unlocated, RDFS.label, Literal("Sans commune", language="fr")),
        (unlocated, TID.territoire, territory),
    ]
    store.extend(merged(Quad(s, p, o, graph) for s, p, o in quads))  # a release's store: graphs and their merge
    return Release(tmp_path, {"base": BASE, "release": "test"}, store)


def test_a_site_is_drawn_at_its_communes_points_never_at_its_own(app: Flask, tmp_path: Path) -> None:
    release = _small_release(tmp_path)
    territory = BASE + "id/territoire/2023-2027/ti-0001"
    with app.test_request_context("/"):
        assert mapped_things(release) == {territory, BASE + "id/commune/64300", BASE + "id/commune/64443",
                                          BASE + "id/site/located", BASE + "id/site/both"}
        collection = feature_collection(release, territory, date(2024, 1, 1))
        assert collection is not None and collection["date"] == "2024-01-01"
        roles = [(f["properties"]["role"], f["properties"]["iri"]) for f in collection["features"]]
        assert roles == [("self", territory), ("site", BASE + "id/site/both"), ("site", BASE + "id/site/located")]
        assert "approximate" not in collection["features"][0]["properties"]  # the perimeter is the source's
        both, located = collection["features"][1], collection["features"][2]
        assert located["geometry"] == {"type": "Point", "coordinates": [-0.617, 43.414]}  # Lacq's point
        assert located["properties"]["approximate"] is True
        assert located["properties"]["locatedIn"] == [{"iri": BASE + "id/commune/64300", "label": "Lacq (64300)",
                                                       "page": "/doc/commune/64300"}]
        assert located["properties"]["method"]["fr"].startswith("situé à Lacq (64300) — emplacement approximatif")
        assert located["properties"]["method"]["en"].startswith("located in Lacq (64300) — approximate location")
        # a site over two communes: the points of each, no point of its own
        assert both["geometry"] == {"type": "MultiPoint", "coordinates": [[-0.617, 43.414], [-0.629, 43.377]]}
        # a site whose commune no source states: listed, not drawn
        assert collection["unplaced"] == [{"iri": BASE + "id/site/unlocated", "label": "Sans commune",
                                           "page": "/doc/site/unlocated"}]
        assert collection["features"][0]["properties"]["label"] == "Territoire <b>test</b>"  # data, escaped by the client
        assert feature_collection(release, BASE + "id/site/unlocated", date(2024, 1, 1)) is not None  # listed
        assert feature_collection(release, BASE + "id/site/unlocated", date(2024, 1, 1))["features"] == []
        point = feature_collection(release, BASE + "id/commune/64300", date(2024, 1, 1))["features"][0]
        assert point["properties"]["approximate"] is True and "rectangle englobant" in point["properties"]["method"]["fr"]


# -- the cut: members, régions, set-aside outlines, the overview ---------------------------------

def test_a_territory_map_draws_its_member_communes_at_the_date(client) -> None:
    data = client.get(MELUN_GEO + "?at=2024-06-01").get_json()
    assert data["date"] == "2024-06-01" and data["list"] == "2023-11-07"
    communes = [f for f in data["features"] if f["properties"]["role"] == "commune"]
    assert communes and all(f["geometry"]["type"] == "Point" and f["properties"]["approximate"] for f in communes)
    assert all(f["properties"]["iri"].startswith(BASE + "id/commune/") for f in communes)
    # before the phase's first list the graph does not know the members: none drawn
    early = client.get(MELUN_GEO + "?at=2023-06-01").get_json()
    assert [f for f in early["features"] if f["properties"]["role"] == "commune"] == []
    assert client.get(MELUN_GEO + "?at=2024-13-01").status_code == 400


def test_a_set_aside_outline_is_not_drawn_and_the_map_says_why(client) -> None:
    data = client.get("/geo/territoire/2018-2023/ti-2706?at=2021-01-01").get_json()
    assert [f for f in data["features"] if f["properties"]["role"] == "self"] == []
    assert "58046 (2.2 km)" in data["notes"]["fr"] and "58046 (2.2 km)" in data["notes"]["en"]
    assert any(f["properties"]["iri"] == BASE + "id/commune/58046" for f in data["features"])  # Cercy-la-Tour drawn


def test_a_region_map_and_the_overview_of_a_phase(client) -> None:
    region = client.get("/geo/region/11?at=2024-06-01")
    assert region.status_code == 200
    territories = [f for f in region.get_json()["features"] if f["properties"]["role"] == "territoire"]
    assert {f["properties"]["idTi"] for f in territories} >= {"ti-1107"}
    overview = client.get("/geo-overview/2023-2027")
    assert overview.status_code == 200 and overview.headers["Content-Type"] == "application/geo+json"
    assert {f["properties"]["phase"] for f in overview.get_json()["features"]} == {"2023-2027"}
    assert client.get("/geo-overview/1999-2000").status_code == 404


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
