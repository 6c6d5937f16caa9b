"""GeoJSON of the things that have a map, for the maps of the pages.

``/geo/{path}`` answers, for the thing ``{base}id/{path}``, an RFC 7946 FeatureCollection
(``application/geo+json``), ``?at=YYYY-MM-DD`` giving the day it holds at (default today):

* the thing's own geometry (``self``): a territory's perimeter, a commune's approximate point
  (``tid:EmplacementApproximatif``: the centre of the bounding box of its contour);
* for a territory, its member communes (``commune``) in the list in force that day, each at its
  point; for a région, the perimeters of its territories (``territoire``) in that list;
* its sites clés en main (``site``), each drawn at the point of the commune(s) its source names
  (``locatedIn``): a site never gets a location of its own. A site whose commune no source states
  is listed in the collection's ``unplaced`` member, not drawn.

Foreign members (RFC 7946 §6.1) say the ``date``, the ``list`` a territory's members come from,
``unplaced`` and ``notes`` (why an outline a source gives is not drawn: ``tid:perimetreEcarte``).
Every feature carries ``iri``, ``label`` (French, else English), ``labels`` (both), ``role`` and
``page`` (the local page of the feature, when the site serves one); points carry ``approximate``
and ``method`` (what the point is). ``/geo-overview/{phase}`` is every territory of a phase,
simplified, for the home page. The geometries are the GeoSPARQL ``geo:asWKT`` literals of the
store (CRS84) turned into GeoJSON by shapely; nothing is invented. The answer is conditional
(ETag of the release, path and date, 304), cacheable, and CORS-readable like every answer.

:func:`geojson_url` tells the resource pages whether to show a map: the set of things with one is
computed once per release (``geo-ressources-cartographiees.rq``).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import shapely
import shapely.errors
import shapely.geometry
from flask import Blueprint, Response, request, url_for
from pyoxigraph import Literal, NamedNode
from werkzeug.routing import BuildError

from tid.endpoint import conneg
from tid.endpoint.describe.params import BadParameter, parse_at
from tid.endpoint.http import choose, negotiated
from tid.endpoint.live import Release, current_release
from tid.endpoint.lru import Lru
from tid.endpoint.problem import Problem
from tid.endpoint.urls import page_url, thing_iri, thing_path
from tid.graph.queries import load_query

bp = Blueprint("geo", __name__)
log = logging.getLogger("tid.endpoint")

GEOJSON = conneg.Format("geojson", "application/geo+json", conneg.PAGE, ("geo+json",), ("application/json",))
# A path of a thing: segments of unreserved characters, none of them "." or "..", not too long.
# Anything else (traversal, encoded slashes, control characters) is not a thing of the dataset.
THING_PATH = re.compile(r"^[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*$")
MAX_PATH = 300
# The WKT literal may start with the IRI of its CRS (GeoSPARQL 1.1 §8.5.1); CRS84 is the only
# one read here (longitude, latitude: GeoJSON's order). Another CRS is not silently mislaid.
CRS84 = ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", "https://www.opengis.net/def/crs/OGC/1.3/CRS84")
CRS_PREFIX = re.compile(r"^\s*<([^>]*)>\s*")
PHASES = ("2018-2023", "2023-2027")
GEOMETRY_TYPES = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                            "GeometryCollection"})


class WKTError(ValueError):
    """A WKT literal that cannot be drawn (malformed, empty, or in a CRS other than CRS84)."""


def wkt_to_geojson(wkt: str) -> dict[str, Any]:
    """The GeoJSON geometry of a GeoSPARQL WKT literal (POINT, POLYGON, MULTIPOLYGON,
    GEOMETRYCOLLECTION…), strictly: raises :class:`WKTError` rather than guessing."""
    text = wkt
    match = CRS_PREFIX.match(text)
    if match:
        if match.group(1) not in CRS84:
            raise WKTError(f"unsupported CRS <{match.group(1)}> (only CRS84 is drawn)")
        text = text[match.end():]
    try:
        shape = shapely.from_wkt(text)
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        raise WKTError(f"malformed WKT: {exc}") from None
    if shape is None or shape.is_empty:
        raise WKTError("empty geometry")
    geometry = shapely.geometry.mapping(shape)
    if geometry.get("type") not in GEOMETRY_TYPES:
        raise WKTError(f"unsupported geometry type {geometry.get('type')!r}")
    # Through JSON and back: tuples become lists, and only plain JSON values remain.
    return json.loads(json.dumps(geometry))


@dataclass(frozen=True)
class Place:
    """A commune's approximate location (its point, from the Base Adresse Nationale) and name."""

    iri: str
    lon: float
    lat: float
    label: str


POINT_METHOD = {
    "fr": "emplacement approximatif de la commune : centre du rectangle englobant de son contour généralisé "
          "(Base Adresse Nationale, IGN ADMIN EXPRESS)",
    "en": "approximate location of the municipality: centre of the bounding box of its generalised contour "
          "(Base Adresse Nationale, IGN ADMIN EXPRESS)",
}
# The maps that show many territories (a région's, a phase's overview) draw them simplified: about
# 500 m, enough at the scale of a région or of France, and a tenth of the bytes.
OVERVIEW_SIMPLIFY_DEGREES = 0.005
MAX_DATED_COLLECTIONS = 64  # the GeoJSON answers kept per process, whatever dates are asked for (a large
# territory's is about 400 kB: 25 MB at most)


def mapped_things(release: Release) -> frozenset[str]:
    """The IRIs whose pages have a map, once per release."""

    def compute() -> frozenset[str]:
        query = load_query("geo-ressources-cartographiees")
        return frozenset(row["chose"].value for row in release.store.query(query.text))

    return release.cached("geo:mapped", compute)


def commune_places(release: Release) -> dict[str, Place]:
    """Every commune's approximate location, once per release (35,000 points: a few MB)."""

    def compute() -> dict[str, Place]:
        places = {}
        for row in release.store.query(load_query("geo-carte-points-communes").text):
            try:
                point = shapely.from_wkt(row["wkt"].value)
            except (shapely.errors.GEOSException, ValueError):
                log.warning("point of %s not drawn: malformed WKT", row["commune"].value)
                continue
            label = row["label"].value if isinstance(row["label"], Literal) else row["commune"].value
            code = row["insee"].value if isinstance(row["insee"], Literal) else None
            places[row["commune"].value] = Place(row["commune"].value, point.x, point.y,
                                                 f"{label} ({code})" if code else label)
        return places

    return release.cached("geo:communes", compute)


def _text(term: Any) -> str | None:
    return term.value if isinstance(term, Literal) else None


def _properties(release: Release, iri: str, role: str, label_fr: str | None, label_en: str | None = None,
                **extra: Any) -> dict[str, Any]:
    return {"iri": iri, "label": label_fr or label_en or iri,
            "labels": {lang: value for lang, value in (("fr", label_fr), ("en", label_en)) if value},
            "role": role, "page": _local_page(iri, release.base), **extra}


def _feature(iri: str, geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "id": iri, "geometry": geometry, "properties": properties}


def own_features(release: Release, iri: str) -> list[dict[str, Any]]:
    """The thing's own geometries (a territory's perimeter, a commune's approximate point)."""
    query = load_query("geo-geometries")
    drawn = []
    for row in release.store.query(query.text, substitutions=query.substitutions({"chose": iri})):
        try:
            geometry = wkt_to_geojson(row["wkt"].value)
        except WKTError as exc:
            log.warning("geometry of %s not drawn: %s", iri, exc)
            continue
        approximate = row["approximatif"].value == "true"
        extra = {"approximate": True, "method": POINT_METHOD} if approximate else {}
        drawn.append(_feature(iri, geometry, _properties(release, iri, "self", _text(row["labelFr"]),
                                                         _text(row["labelEn"]), **extra)))
    return drawn


def site_features(release: Release, iri: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(the sites of ``iri`` drawn at their communes' points, the sites whose commune no source
    states: listed beside the map, never placed), once per release and thing."""

    def compute() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        query = load_query("geo-carte-sites")
        places = commune_places(release)
        sites: dict[str, tuple[str | None, list[Place]]] = {}
        for row in release.store.query(query.text, substitutions=query.substitutions({"chose": iri})):
            label, located = sites.setdefault(row["site"].value, (_text(row["siteLabel"]), []))
            commune = row["commune"]
            if isinstance(commune, NamedNode) and commune.value in places:
                located.append(places[commune.value])
        placed, unplaced = [], []
        for site, (label, located) in sites.items():
            if not located:
                unplaced.append({"iri": site, "label": label or site, "page": _local_page(site, release.base)})
                continue
            # a site over several communes: the points of each (a MultiPoint), never a point of its own
            coordinates = [[p.lon, p.lat] for p in located]
            geometry = ({"type": "Point", "coordinates": coordinates[0]} if len(coordinates) == 1
                        else {"type": "MultiPoint", "coordinates": coordinates})
            located_in = [{"iri": p.iri, "label": p.label, "page": _local_page(p.iri, release.base)} for p in located]
            placed.append(_feature(site, geometry, _properties(
                release, site, "site", label, approximate=True, locatedIn=located_in,
                method={lang: f"{word} {', '.join(p.label for p in located)} — {POINT_METHOD[lang]}"
                        for lang, word in (("fr", "situé à"), ("en", "located in"))})))
        return placed, unplaced

    return release.cached(f"geo:sites:{iri}", compute)


def member_features(release: Release, territory: str, day: date) -> tuple[list[dict[str, Any]], str | None]:
    """The points of a territory's member communes at ``day`` (the list then in force), and the
    reference date of that list (None when no list names the territory then)."""
    query = load_query("communes-d-un-territoire")
    places = commune_places(release)
    drawn, listed = [], None
    rows = release.store.query(query.text, substitutions=query.substitutions({"territoire": territory,
                                                                              "date": day.isoformat()}))
    for row in rows:
        listed = _text(row["dateListe"])
        place = places.get(row["commune"].value)
        if place is None:
            continue
        drawn.append(_feature(place.iri, {"type": "Point", "coordinates": [place.lon, place.lat]},
                              _properties(release, place.iri, "commune", place.label, approximate=True,
                                          method=POINT_METHOD)))
    return drawn, listed


def perimeters(release: Release) -> dict[str, dict[str, Any]]:
    """Every territory's perimeter, simplified for the maps of many territories, once per release."""

    def compute() -> dict[str, dict[str, Any]]:
        found = {}
        for row in release.store.query(load_query("geo-carte-perimetres").text):
            try:
                shape = shapely.from_wkt(row["wkt"].value)
            except (shapely.errors.GEOSException, ValueError):
                continue
            shape = shapely.set_precision(shape.simplify(OVERVIEW_SIMPLIFY_DEGREES, preserve_topology=True), 1e-4)
            if shape.is_empty:
                continue
            territory = row["territoire"].value
            found[territory] = _feature(territory, json.loads(json.dumps(shapely.geometry.mapping(shape))),
                                        _properties(release, territory, "territoire", _text(row["label"]),
                                                    idTi=row["idTi"].value,
                                                    phase=row["phase"].value.rstrip("/").rsplit("/", 1)[-1]))
        return found

    return release.cached("geo:perimeters", compute)


def region_features(release: Release, region: str, day: date) -> list[dict[str, Any]]:
    """The perimeters of a région's territories in the list in force at ``day``."""
    query = load_query("territoires-d-une-region")
    shapes = perimeters(release)
    rows = release.store.query(query.text, substitutions=query.substitutions({"region": region, "date": day.isoformat()}))
    drawn = []
    for row in rows:
        feature = shapes.get(row["territoire"].value)
        if feature is not None:
            drawn.append(dict(feature, properties=dict(feature["properties"],
                                                       rattachement=row["rattachement"].value == "true")))
    return drawn


def phase_overview(release: Release, phase: str) -> dict[str, Any]:
    """Every territory of a phase (``2018-2023``), simplified: the home page's overview map."""
    features = [f for f in perimeters(release).values() if f["properties"]["phase"] == phase]
    return {"type": "FeatureCollection", "phase": phase, "features": features}


_dated: Lru[tuple[str, str, str], dict[str, Any] | None] = Lru(MAX_DATED_COLLECTIONS)


def feature_collection(release: Release, iri: str, day: date) -> dict[str, Any] | None:
    """The FeatureCollection of ``iri`` at ``day``; None when nothing of it can be drawn.

    Foreign members (RFC 7946 §6.1) say what a program needs to read the map right: ``date`` (the
    day the members and territories hold at), ``unplaced`` (sites whose commune no source states:
    listed, not drawn), ``notes`` (why a perimeter is not drawn)."""
    return _dated.get((release.id, iri, day.isoformat()), lambda: _collect(release, iri, day))


def _collect(release: Release, iri: str, day: date) -> dict[str, Any] | None:
    features = own_features(release, iri)
    extra: dict[str, Any] = {}
    kind = (thing_path(iri, release.base) or "").split("/", 1)[0]  # the kind of thing, as its IRI says
    if kind == "territoire":
        members, listed = member_features(release, iri, day)
        features += members
        extra["list"] = listed
    if kind == "region":
        features += region_features(release, iri, day)
    placed, unplaced = site_features(release, iri)
    features += placed
    notes = set_aside(release, iri)
    if not features and not unplaced:
        return None
    return {"type": "FeatureCollection", "date": day.isoformat(), **extra, "notes": notes, "unplaced": unplaced,
            "features": features}


def set_aside(release: Release, iri: str) -> dict[str, str]:
    """Why the outline a source gives of ``iri`` is not drawn (``tid:perimetreEcarte``), by language."""
    query = load_query("geo-carte-perimetre-ecarte")
    notes = {}
    for row in release.store.query(query.text, substitutions=query.substitutions({"chose": iri})):
        note = row["note"]
        if isinstance(note, Literal) and note.language:
            notes[note.language] = note.value
    return notes


def _local_page(iri: str, base: str) -> str | None:
    """The local page of ``iri``, or None while the site serves no resource pages."""
    try:
        return page_url(iri, base)
    except BuildError:
        return None


def geojson_url(iri: str, at: date | None = None) -> str | None:
    """The local URL of the GeoJSON of ``iri``'s map (at ``at``, else today); None when it has none
    (then the page shows no map). Needs an application context (a request's)."""
    release = current_release()
    path = thing_path(iri, release.base)
    if path is None or iri not in mapped_things(release):
        return None
    return url_for("geo.geojson", path=path, **({"at": at.isoformat()} if at else {}))


def unplaced_sites(iri: str) -> list[dict[str, Any]]:
    """The sites of ``iri`` whose commune no source states (the page lists them beside the map)."""
    return site_features(current_release(), iri)[1]


def _not_found(detail: str) -> Problem:
    return Problem("not-found", detail)


@bp.get("/geo/<path:path>")
def geojson(path: str) -> Response:
    """The GeoJSON of the thing ``{base}id/{path}``; ``?at=YYYY-MM-DD``: the members and
    territories of that day (default: today)."""
    if len(path) > MAX_PATH or not THING_PATH.match(path):
        raise _not_found("This is not the path of a thing of the dataset, so it has no GeoJSON.")
    release = current_release()
    fmt = choose((GEOJSON,), values=())  # Accept only: no format= here
    try:
        day = parse_at(request.args.get("at")) or date.today()
    except BadParameter as exc:
        raise Problem("invalid-parameter", str(exc)) from None
    iri = thing_iri(path, release.base)
    if iri not in mapped_things(release):
        raise _not_found(f"<{iri}> has no map in this release (or is not a thing of the dataset).")

    def draw(_fmt: conneg.Format) -> Response:
        collection = feature_collection(release, iri, day)
        if collection is None:
            raise _not_found(f"<{iri}> has nothing that can be drawn.")
        return _geojson_response(collection, path.rsplit("/", 1)[-1])

    return negotiated(fmt, draw, tag=[release.id, "geo", path, day.isoformat()])


@bp.get("/geo-overview/<phase>")
def overview(phase: str) -> Response:
    """Every territory of a phase (``2018-2023``, ``2023-2027``), simplified: the home page's map."""
    release = current_release()
    fmt = choose((GEOJSON,), values=())
    if phase not in PHASES:
        raise _not_found(f"{phase!r} is not a phase of the programme ({', '.join(PHASES)}).")

    def draw(_fmt: conneg.Format) -> Response:
        return _geojson_response(release.cached(f"geo:overview:{phase}", lambda: phase_overview(release, phase)),
                                 f"territoires-{phase}")

    return negotiated(fmt, draw, tag=[release.id, "geo-overview", phase])


def _geojson_response(collection: dict[str, Any], name: str) -> Response:
    body = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, content_type="application/geo+json")
    response.headers["Content-Disposition"] = f'inline; filename="{name}.geojson"'
    return response
