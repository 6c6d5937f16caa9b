"""What the Territoires d'industrie loaders share: the list, territories, memberships, perimeters.

Each source file is one **territory list**: a statement made at its reference date ("as of this
day, these members belong to these territories"), minted ``id/liste/{source id}``. Every
territory it names and every membership it states point to it (``tid:attesteePar``); the list
carries its reference date, its phase and the COG vintage its codes are read in. Nothing here
dates a membership: the derivations do, from the lists of the phase (``queries/derive-*.rq``).

Territory ids (``ti-8413``) are keyed by phase: ANCT reuses ids across phases for different
territories (ti-8413 is "Plastics Vallée – Oyonnax" in 2023-2027 but "Lezoux - Thiers - Ambert -
Montbrison" in 2018-2023), so a territory's IRI is ``id/territoire/{phase}/{id_ti}``. The two
digits after ``ti-`` are the INSEE code of the région whose programme the territory belongs to
(ANCT's numbering: ``tid:regionRattachement``); the régions it lies in are those of its member
communes (``tid:region``, derived), several for a territory that spans régions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import shapely
from pyoxigraph import Literal, NamedNode, Triple

from tid.errors import Location, SourceError
from tid.loaders.base import ID_TI, LoadContext, en, fr, integer, pattern_problem, string, xsd_date
from tid.loaders.perimeter_check import TOLERANCE_KM, MemberPoints
from tid.namespaces import DCT, GEO, ORG, PROV, RDF, RDFS, TID

POLYGONAL = {"Polygon", "MultiPolygon"}
SIMPLIFY_DEGREES = 0.0005  # about 50 m: the perimeters are dissolved commune polygons, for display
WKT_DECIMALS = 5


@dataclass(frozen=True)
class PerimeterCheck:
    """What a perimeter is checked against: the communes its feature names as members."""

    id_ti: str
    communes: list[str]
    members: MemberPoints


def check_id_ti(ctx: LoadContext, row: int, column: str, value: str) -> bool:
    return ctx.report.check(row, column, pattern_problem(value, ID_TI, "territory id"))


LEVELS = {"commune": ("par commune", "by municipality"), "groupement": ("par groupement", "by groupement")}


def territory_list(ctx: LoadContext, level: str, territories: int) -> Iterator[Triple]:
    """The list the file is: its reference date, phase, COG vintage, size and source dataset."""
    mint, where = ctx.minter, ctx.report.file
    if not (ctx.phase and ctx.reference_date and ctx.geography_date and ctx.source_id):
        raise SourceError(Location(where), "a territory list needs `phase`, `reference_date` and `geography_date` "
                                           "in the source list")
    node = mint.liste(ctx.source_id)
    fr_level, en_level = LEVELS[level]
    yield Triple(node, RDF.type, TID.ListeTerritoires)
    yield Triple(node, RDFS.label, fr(f"Liste des territoires d'industrie {ctx.phase} {fr_level} au "
                                      f"{ctx.reference_date.isoformat()}"))
    yield Triple(node, RDFS.label, en(f"Territoires d'industrie {ctx.phase} list {en_level} as of "
                                      f"{ctx.reference_date.isoformat()}"))
    if ctx.source_title:
        yield Triple(node, DCT.title, fr(ctx.source_title))
    yield Triple(node, TID.dateReference, xsd_date(ctx.reference_date))
    yield Triple(node, TID.phase, mint.phase(ctx.phase))
    yield Triple(node, TID.millesimeGeographique, mint.millesime(ctx.geography_date.year))
    yield Triple(node, TID.nombreTerritoires, integer(territories))
    yield Triple(node, PROV.wasDerivedFrom, mint.id("source", ctx.source_id))


def territory(ctx: LoadContext, id_ti: str) -> tuple[NamedNode, list[Triple]]:
    """The territory's IRI and the triples every list states about it."""
    mint = ctx.minter
    assert ctx.phase, "a Territoires d'industrie source needs its phase in the source list"
    node = mint.territoire(ctx.phase, id_ti)
    return node, [
        Triple(node, RDF.type, TID.TerritoireIndustrie),
        Triple(node, TID.idTi, string(id_ti)),
        Triple(node, TID.phase, mint.phase(ctx.phase)),
        Triple(node, TID.attesteePar, mint.liste(ctx.source_id)),
        # the Région whose programme it belongs to: the two digits of ANCT's id (ti-RRnn)
        Triple(node, TID.regionRattachement, mint.region(id_ti[3:5])),
    ]


def membership(ctx: LoadContext, territory_node: NamedNode, id_ti: str, member: NamedNode, code: str) -> Iterator[Triple]:
    """A membership the list states (its dates are derived from the lists of the phase)."""
    mint = ctx.minter
    node = mint.id("adhesion", ctx.phase or "", id_ti, code)
    phase = mint.phase(ctx.phase or "")
    yield Triple(node, RDF.type, TID.Adhesion)
    yield Triple(node, ORG.member, member)
    yield Triple(node, ORG.organization, territory_node)
    yield Triple(node, ORG.memberDuring, phase)
    yield Triple(node, TID.phase, phase)
    yield Triple(node, TID.attesteePar, mint.liste(ctx.source_id))


def perimeter(ctx: LoadContext, feature_node: NamedNode, geometry: dict[str, Any] | None,
              check: PerimeterCheck | None = None) -> Iterator[Triple]:
    """The feature's perimeter as a GeoSPARQL WKT geometry (CRS84), repaired and simplified.

    Repairs: invalid polygons go through shapely's ``make_valid``; a GeometryCollection keeps its
    polygonal parts (ANCT's collections mix a polygon with points: members by commune inside a
    métropole). Geometries with no area at all are not perimeters; they are skipped with their
    reason rather than published as if they were. With a ``check`` (the feature's member communes
    and their points, :mod:`.perimeter_check`), a perimeter that leaves out a member commune is
    not published: the territory says why (``tid:perimetreEcarte``) and the provenance names the
    communes left out.
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
    if check is not None:
        far, near = check.members.outside(shape, check.communes)
        if near:
            report.note(f"member commune points outside a perimeter, within {TOLERANCE_KM:g} km of it", near)
        if far:
            listed = ", ".join(str(o) for o in far)
            report.note(f"perimeter of {check.id_ti} not published: {len(far)} of {len(check.communes)} member communes "
                        f"farther than {TOLERANCE_KM:g} km from it: {listed}")
            yield Triple(feature_node, TID.perimetreEcarte, fr(
                f"Le contour donné par la source passe à plus de {TOLERANCE_KM:g} km de l'emplacement approximatif de "
                f"{len(far)} des {len(check.communes)} communes membres qu'elle nomme : il n'est pas repris comme périmètre, "
                f"la carte montre les communes membres. Communes : {listed}."))
            yield Triple(feature_node, TID.perimetreEcarte, en(
                f"The outline the source gives lies more than {TOLERANCE_KM:g} km from the approximate location of "
                f"{len(far)} of the {len(check.communes)} member municipalities it names: it is not used as the perimeter, "
                f"the map shows the member municipalities. Municipalities: {listed}."))
            return
    node = ctx.minter.geometrie(feature_node)
    yield Triple(feature_node, GEO.hasGeometry, node)
    yield Triple(node, RDF.type, GEO.Geometry)
    yield Triple(node, GEO.asWKT, Literal(shapely.to_wkt(shape, rounding_precision=WKT_DECIMALS), datatype=GEO.wktLiteral))
