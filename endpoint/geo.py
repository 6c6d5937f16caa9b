"""GeoJSON of the things that have a geometry, for the maps of the pages.

``/geo/{path}`` answers, for the thing ``{base}id/{path}``, an RFC 7946 FeatureCollection
(``application/geo+json``): the thing's own geometry (a territory's perimeter, a site's
location) and, for a territory, the locations of its sites clés en main when the data has them.
The geometries are the GeoSPARQL ``geo:asWKT`` literals of the store (CRS84, as the loaders
write them) turned into GeoJSON by shapely, already a dependency of the loaders; nothing is
invented: a thing without a geometry gets a 404, and a territory's map shows only the sites that
have coordinates.

Every feature carries ``iri``, ``label`` (French, else English), ``labels`` (both), ``role``
(``self`` or ``site``) and ``page`` (the local page of the feature, when the site serves one).
The answer is conditional (ETag of the release and path, 304), cacheable, and CORS-readable like
every answer of the endpoint.

:func:`geojson_url` tells the resource pages whether to show a map: the set of things with a
geometry is computed once per release (``geo-ressources-cartographiees.rq``).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

import shapely
import shapely.errors
import shapely.geometry
from flask import Blueprint, Response, url_for
from pyoxigraph import Literal, NamedNode
from werkzeug.routing import BuildError

from tid.endpoint import conneg
from tid.endpoint.http import choose, negotiated
from tid.endpoint.live import Release, current_release
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
class Feature:
    iri: str
    role: str
    wkt: str
    label_fr: str | None
    label_en: str | None


def mapped_things(release: Release) -> frozenset[str]:
    """The IRIs whose pages have a map (their own geometry, or a site's), once per release."""

    def compute() -> frozenset[str]:
        query = load_query("geo-ressources-cartographiees")
        return frozenset(row["chose"].value for row in release.store.query(query.text))

    return release.cached("geo:mapped", compute)


def features(release: Release, iri: str) -> list[Feature]:
    query = load_query("geo-geometries")
    rows = release.store.query(query.text, substitutions=query.substitutions({"chose": iri}))

    def text(term: Any) -> str | None:
        return term.value if isinstance(term, Literal) else None

    return [Feature(row["feature"].value, row["role"].value, row["wkt"].value, text(row["labelFr"]), text(row["labelEn"]))
            for row in rows if isinstance(row["feature"], NamedNode)]


def _local_page(iri: str, base: str) -> str | None:
    """The local page of ``iri``, or None while the site serves no resource pages."""
    try:
        return page_url(iri, base)
    except BuildError:
        return None


def feature_collection(release: Release, iri: str) -> dict[str, Any] | None:
    """The FeatureCollection of ``iri``; None when nothing of it can be drawn."""
    drawn = []
    for feature in features(release, iri):
        try:
            geometry = wkt_to_geojson(feature.wkt)
        except WKTError as exc:
            log.warning("geometry of %s not drawn: %s", feature.iri, exc)
            continue
        drawn.append({
            "type": "Feature",
            "id": feature.iri,
            "geometry": geometry,
            "properties": {
                "iri": feature.iri,
                "label": feature.label_fr or feature.label_en or feature.iri,
                "labels": {lang: value for lang, value in (("fr", feature.label_fr), ("en", feature.label_en)) if value},
                "role": feature.role,
                "page": _local_page(feature.iri, release.base),
            },
        })
    if not drawn:
        return None
    return {"type": "FeatureCollection", "features": drawn}


def geojson_url(iri: str) -> str | None:
    """The local URL of the GeoJSON of ``iri``'s geometry; None when it has none (then the page
    shows no map). Needs an application context (a request's)."""
    release = current_release()
    path = thing_path(iri, release.base)
    if path is None or iri not in mapped_things(release):
        return None
    return url_for("geo.geojson", path=path)


def _not_found(detail: str) -> Problem:
    return Problem("not-found", detail)


@bp.get("/geo/<path:path>")
def geojson(path: str) -> Response:
    """The GeoJSON of the thing ``{base}id/{path}``."""
    if len(path) > MAX_PATH or not THING_PATH.match(path):
        raise _not_found("This is not the path of a thing of the dataset, so it has no GeoJSON.")
    release = current_release()
    fmt = choose((GEOJSON,), values=())  # Accept only: no format= here
    iri = thing_iri(path, release.base)
    if iri not in mapped_things(release):
        raise _not_found(f"<{iri}> has no geometry in this release (or is not a thing of the dataset).")

    def draw(_fmt: conneg.Format) -> Response:
        collection = release.cached(f"geo:{path}", lambda: feature_collection(release, iri))
        if collection is None:
            raise _not_found(f"<{iri}> has no geometry that can be drawn.")
        body = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
        response = Response(body, content_type="application/geo+json")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Disposition"] = f'inline; filename="{path.rsplit("/", 1)[-1]}.geojson"'
        return response

    return negotiated(fmt, draw, tag=[release.id, "geo", path])
