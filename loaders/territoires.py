"""What the Territoires d'industrie loaders share: territories, memberships, perimeters.

Territory ids (``ti-8413``) are keyed by phase: ANCT reuses ids across phases for different
territories (ti-8413 is "Plastics Vallée – Oyonnax" in 2023-2027 but "Lezoux - Thiers - Ambert -
Montbrison" in 2018-2023), so a territory's IRI is ``id/territoire/{phase}/{id_ti}``. The two
digits after ``ti-`` are the INSEE code of the territory's région (ANCT's numbering).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import shapely
from pyoxigraph import Literal, NamedNode, Triple

from tid.loaders.base import ID_TI, LoadContext, pattern_problem, string
from tid.namespaces import GEO, ORG, RDF, TID

POLYGONAL = {"Polygon", "MultiPolygon"}
SIMPLIFY_DEGREES = 0.0005  # about 50 m: the perimeters are dissolved commune polygons, for display
WKT_DECIMALS = 5


def check_id_ti(ctx: LoadContext, row: int, column: str, value: str) -> bool:
    return ctx.report.check(row, column, pattern_problem(value, ID_TI, "territory id"))


def territory(ctx: LoadContext, id_ti: str) -> tuple[NamedNode, list[Triple]]:
    """The territory's IRI and the triples every source states about it."""
    mint = ctx.minter
    assert ctx.phase, "a Territoires d'industrie source needs its phase in the source list"
    node = mint.territoire(ctx.phase, id_ti)
    return node, [
        Triple(node, RDF.type, TID.TerritoireIndustrie),
        Triple(node, TID.idTi, string(id_ti)),
        Triple(node, TID.phase, mint.phase(ctx.phase)),
        Triple(node, TID.region, mint.region(id_ti[3:5])),
    ]


def membership(ctx: LoadContext, territory_node: NamedNode, id_ti: str, member: NamedNode, code: str) -> Iterator[Triple]:
    mint = ctx.minter
    node = mint.id("adhesion", ctx.phase or "", id_ti, code)
    phase = mint.phase(ctx.phase or "")
    yield Triple(node, RDF.type, TID.Adhesion)
    yield Triple(node, ORG.member, member)
    yield Triple(node, ORG.organization, territory_node)
    yield Triple(node, ORG.memberDuring, phase)
    yield Triple(node, TID.phase, phase)


def perimeter(ctx: LoadContext, feature_node: NamedNode, geometry: dict[str, Any] | None) -> Iterator[Triple]:
    """The feature's perimeter as a GeoSPARQL WKT geometry (CRS84), repaired and simplified.

    Repairs: invalid polygons go through shapely's ``make_valid``; a GeometryCollection keeps its
    polygonal parts (ANCT's collections mix a polygon with stray points). Geometries with no area
    at all (points: commune-level territories inside metropoles) are not perimeters; they are
    skipped with their reason rather than published as if they were.
    """
    report = ctx.report
    if not geometry:
        report.skip("feature without geometry: perimeter not loaded")
        return
    shape = shapely.geometry.shape(geometry)
    if shape.geom_type not in POLYGONAL | {"GeometryCollection"}:
        report.skip(f"{shape.geom_type} geometry has no area: perimeter not loaded")
        return
    if not shape.is_valid:
        shape = shapely.make_valid(shape)
        report.note("invalid perimeter repaired (shapely make_valid)")
    if shape.geom_type == "GeometryCollection":
        parts = [p for g in shape.geoms if g.geom_type in POLYGONAL for p in getattr(g, "geoms", [g])]
        dropped = len(shape.geoms) - sum(1 for g in shape.geoms if g.geom_type in POLYGONAL)
        if not parts:
            report.skip("GeometryCollection without any polygon: perimeter not loaded")
            return
        shape = shapely.MultiPolygon(parts)
        report.note(f"GeometryCollection repaired: polygons kept, {dropped} non-polygonal part(s) dropped")
    shape = shape.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
    if shape.is_empty:
        report.skip("perimeter empty after repair: not loaded")
        return
    node = ctx.minter.geometrie(feature_node)
    yield Triple(feature_node, GEO.hasGeometry, node)
    yield Triple(node, RDF.type, GEO.Geometry)
    yield Triple(node, GEO.asWKT, Literal(shapely.to_wkt(shape, rounding_precision=WKT_DECIMALS), datatype=GEO.wktLiteral))
