"""Commune locations: ``places/communes_points.csv`` (SOURCES.md §5), one point per commune.

Columns ``insee, nom, lon, lat, source_file, source_commit_or_version``: a representative point
for each commune of the COG 2023, in WGS84 degrees (three decimals, about 100 m), taken from the
Base Adresse Nationale's ``geo.json`` (``ban-plateforme``). The point is the centre of the
bounding box of the commune's contour, generalised at 100 m (IGN ADMIN EXPRESS, through Etalab's
"contours administratifs"): not a centroid, not a point inside the commune (for a concave or
multi-part commune it may fall outside it). It is published as what it is: each commune gets a
``geo:hasGeometry`` of class ``tid:EmplacementApproximatif`` (the class's definition says the
method), with its WKT point (CRS84) and the file and commit it comes from (``dct:source``). It is
the commune's approximate location, never a site's: a site is drawn at its commune's point and
said to be located in the commune.

The graph's communes are those the COG loader keeps (metro and DROM, ``cog_communes.ZONES``): the
points of the overseas collectivities (zone ``com``) are skipped, counted with their reason in the
provenance. The points of 975, 977, 978 and 986 come from OpenStreetMap (ODbL) rather than from IGN
and Etalab (Licence Ouverte 2.0), the rest: all of them are in zone ``com``, so no ODbL point is in
the graph, and their skip reason says where they come from; the source's rights statement names
both licences, since the file holds both.

Checks: the code is a commune code of the COG 2023 file the source requires, the name the
COG's, the coordinates numbers within WGS84's bounds, a code given once, a commit named; any
failure rejects the row with its file, row and column.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from tid.loaders.base import INSEE_COMMUNE, LoadContext, pattern_problem, read_csv_rows, read_json
from tid.loaders.cog_communes import ZONES
from tid.namespaces import DCT, GEO, RDF, TID

VERSION = "1"
COLUMNS = ("insee", "nom", "lon", "lat", "source_file", "source_commit_or_version")
# "owner/repository:file" and a commit (an abbreviated hexadecimal hash): the file's page at that commit.
SOURCE_FILE = re.compile(r"^(?P<repository>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+):(?P<file>[A-Za-z0-9_./-]+)$")
COMMIT = re.compile(r"^[0-9a-f]{7,40}$")
DECIMAL = re.compile(r"^-?[0-9]{1,3}(?:\.[0-9]+)?$")
# SOURCES.md §5: the points of these overseas collectivities come from OpenStreetMap.
OPENSTREETMAP_PREFIXES = ("975", "977", "978", "986")


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    cog = {r["code"]: r for r in read_json(ctx.reference("cog2023-communes")) if r.get("type") == "commune-actuelle"}
    seen: dict[str, int] = {}
    files: dict[tuple[str, str], NamedNode] = {}
    for row, record in read_csv_rows(path, COLUMNS):
        report.rows_read += 1
        code, name = record["insee"].strip(), record["nom"].strip()
        if not report.check(row, "insee", pattern_problem(code, INSEE_COMMUNE, "INSEE commune code")):
            continue
        if code in seen:
            report.reject(row, "insee", f"commune {code} already has a point (row {seen[code]})")
            continue
        seen[code] = row
        if code not in cog:
            report.reject(row, "insee", f"{code} is not a commune of the COG 2023")
            continue
        if cog[code]["nom"] != name:
            report.reject(row, "nom", f"{code} is {cog[code]['nom']!r} in the COG 2023, not {name!r}")
            continue
        if cog[code].get("zone") not in ZONES:
            licence = "OpenStreetMap, ODbL" if code.startswith(OPENSTREETMAP_PREFIXES) else "IGN/Etalab, Licence Ouverte 2.0"
            report.skip(f"zone {cog[code].get('zone')!r} (outside the graph's communes: metro + DROM); point from {licence}")
            continue
        point = _point(ctx, row, record["lon"].strip(), record["lat"].strip())
        origin = _origin(ctx, row, record["source_file"].strip(), record["source_commit_or_version"].strip(), files)
        if point is None or origin is None:
            continue
        commune = mint.commune(code)
        geometry = mint.geometrie(commune)
        yield Triple(commune, GEO.hasGeometry, geometry)
        yield Triple(geometry, RDF.type, GEO.Geometry)
        yield Triple(geometry, RDF.type, TID.EmplacementApproximatif)
        yield Triple(geometry, GEO.asWKT, Literal(f"POINT({point[0]} {point[1]})", datatype=GEO.wktLiteral))
        yield Triple(geometry, DCT.source, origin)
    missing = sum(1 for code, record in cog.items() if code not in seen and record.get("zone") in ZONES)
    if missing:
        report.note(f"{missing} commune(s) of the COG 2023 without a point")


def _point(ctx: LoadContext, row: int, lon: str, lat: str) -> tuple[str, str] | None:
    """The coordinates as written (they are the source's decimals), once checked."""
    for column, value, bound in (("lon", lon, 180.0), ("lat", lat, 90.0)):
        if not DECIMAL.match(value) or not math.isfinite(float(value)) or abs(float(value)) > bound:
            ctx.report.reject(row, column, f"{column} {value!r} is not a WGS84 coordinate in degrees (|value| <= {bound:g})")
            return None
    return lon, lat


def _origin(ctx: LoadContext, row: int, source_file: str, commit: str,
            files: dict[tuple[str, str], NamedNode]) -> NamedNode | None:
    """The source file at its commit, as a GitHub page: where the point was read."""
    match = SOURCE_FILE.match(source_file)
    if not match:
        ctx.report.reject(row, "source_file", f"{source_file!r} is not 'owner/repository:file'")
        return None
    if not COMMIT.match(commit):
        ctx.report.reject(row, "source_commit_or_version", f"{commit!r} is not a commit hash")
        return None
    key = (source_file, commit)
    if key not in files:
        files[key] = NamedNode(f"https://github.com/{match['repository']}/blob/{commit}/{match['file']}")
    return files[key]
