"""Territoires d'industrie by groupement: ANCT perimeter GeoJSON files, one feature per territory.

Two schemas, one per phase:

* 2018-2023 (``anct_ti_2018-2022_perimetres_groupements.geojson``, 149 territories):
  ``id_ti``, ``lib_ti``, ``siren_groupement`` (SIRENs separated by ", "). ``lib_groupement`` is
  not read: some EPCI names contain ", " and the list cannot be split safely; names come from
  the COG instead.
* 2023-2027 (``anct_ti_2023-2027_perimetres_epci.geojson``, 183 territories):
  ``id_territoire``, ``lib_territoire``, ``liste_geo`` = ``"Name (SIREN); Name (SIREN)"``.

Members are EPCI, EPT or, for territories defined by communes, commune SIRENs (``21…``),
turned into INSEE codes with the COG 2023 commune list (``requires``).
Dataset: https://www.data.gouv.fr/fr/datasets/programme-territoires-dindustrie/
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Triple

from tid.errors import Location, SourceError
from tid.loaders.base import (
    LoadContext,
    clean_label,
    fr,
    read_geojson_features,
    read_json,
    siren_problem,
)
from tid.loaders.perimeter_check import MemberPoints
from tid.loaders.territoires import PerimeterCheck, check_id_ti, membership, perimeter, territory, territory_list
from tid.namespaces import RDFS

VERSION = "3"
SCHEMAS = {
    "2018-2023": ("id_ti", "lib_ti", "siren_groupement"),
    "2023-2027": ("id_territoire", "lib_territoire", "liste_geo"),
}
MEMBER = re.compile(r"^(?P<name>.+) \((?P<siren>[0-9]+)\)$")


def commune_codes_by_siren(path: Path) -> dict[str, str]:
    return {r["siren"]: r["code"] for r in read_json(path) if r.get("type") == "commune-actuelle" and r.get("siren")}


def member_sirens(ctx: LoadContext, row: int, column: str, value: str) -> list[str]:
    if column == "siren_groupement":
        return [s.strip() for s in value.split(",") if s.strip()]
    sirens = []
    for part in value.split(";"):
        match = MEMBER.match(part.strip())
        if not match:
            ctx.report.reject(row, column, f"cannot read {part.strip()!r} as 'Name (SIREN)'")
            continue
        sirens.append(match["siren"])
    return sirens


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    if ctx.phase not in SCHEMAS:
        raise SourceError(Location(str(path)), f"unknown phase {ctx.phase!r}; expected one of {', '.join(SCHEMAS)}")
    id_column, label_column, members_column = SCHEMAS[ctx.phase]
    communes = commune_codes_by_siren(ctx.reference("cog2023-communes"))
    # the perimeters are checked against the member communes' points (COG 2023, the vintage the
    # file is read in: its EPCIs' and EPTs' communes)
    points = MemberPoints.from_files(ctx.reference("communes-points"), ctx.reference("cog2023-epci"),
                                     ctx.reference("cog2023-ept"))
    seen_territories: set[str] = set()
    member_of: dict[str, str] = {}
    for row, props, geometry in read_geojson_features(path, SCHEMAS[ctx.phase]):
        report.rows_read += 1
        id_ti = str(props[id_column]).strip()
        if not check_id_ti(ctx, row, id_column, id_ti):
            continue
        if id_ti in seen_territories:
            report.reject(row, id_column, f"duplicate territory id {id_ti!r}")
            continue
        seen_territories.add(id_ti)
        node, triples = territory(ctx, id_ti)
        yield from triples
        yield Triple(node, RDFS.label, fr(clean_label(props[label_column])))
        groupements: list[str] = []
        member_communes: list[str] = []
        for siren in member_sirens(ctx, row, members_column, str(props[members_column])):
            if not report.check(row, members_column, siren_problem(siren)):
                continue
            if siren in member_of:
                report.reject(row, members_column, f"groupement {siren} is already a member of {member_of[siren]}")
                continue
            member_of[siren] = id_ti
            if siren.startswith("21"):
                code = communes.get(siren)
                if code is None:
                    report.reject(row, members_column, f"commune SIREN {siren} is not a current commune of the COG 2023")
                    continue
                member_communes.append(code)
                yield from membership(ctx, node, id_ti, mint.commune(code), code)
            else:
                groupements.append(siren)
                yield from membership(ctx, node, id_ti, mint.epci(siren), siren)
        check = PerimeterCheck(id_ti, points.communes(groupements, member_communes), points)
        yield from perimeter(ctx, node, geometry, check)
    yield from territory_list(ctx, "groupement", len(seen_territories))
