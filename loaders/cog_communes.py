"""Current communes from the COG (Etalab ``@etalab/decoupage-administratif``, ``communes.json``).

Loads ``commune-actuelle`` rows of France as counted (metro + DROM): INSEE code, SIREN, name,
population, postcodes, département and région, and that the vintage lists it (``tid:millesime``).
Communes déléguées and associées, municipal arrondissements and overseas collectivities are
skipped with their reason; the communes they replaced (``anciensCodes``, and the déléguées' and
associées' ``chefLieu``) give each merged commune its successor (``tid:successeur``).

``options.noms_actuels``: the source id of a later EPCI file (COG 2026); a commune it lists under
another name has that name as ``rdfs:label`` (given by that file's loader) and this vintage's as a
dated ``tid:Appellation``.

Every former code the vintage gives has its successor, a statement of the COG: a list that names a
commune by a code merged away before its own date (the October 2020 list names 45287, merged into
La Selle-sur-le-Bied, 45307, in 2016) then leads to the commune of today. A former code is not a
commune of the vintage: it gets no type, name or place of its own here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Triple

from tid.errors import Location, SourceError
from tid.loaders.base import (
    INSEE_COMMUNE,
    INSEE_DEPARTEMENT,
    INSEE_REGION,
    LoadContext,
    former_name,
    fr,
    integer,
    pattern_problem,
    read_json,
    read_json_records,
    siren_problem,
    string,
)
from tid.namespaces import IGEO, RDF, RDFS, TID

VERSION = "3"
ZONES = {"metro", "drom"}


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    if ctx.reference_date is None:
        raise SourceError(Location(str(path)), "the source list gives no reference_date for this vintage")
    millesime = mint.millesime(ctx.reference_date.year)
    latest = ctx.options.get("noms_actuels")
    current = {m["code"]: m.get("nom", "") for r in read_json(ctx.reference(latest)) for m in r["membres"]} if latest else {}
    seen: set[str] = set()
    successors: dict[str, set[str]] = {}
    for row, record in read_json_records(path, ("code", "nom", "type")):
        report.rows_read += 1
        if record["type"] in ("commune-deleguee", "commune-associee") and record.get("chefLieu"):
            successors.setdefault(record["code"], set()).add(record["chefLieu"])
        if record["type"] != "commune-actuelle":
            report.skip(f"type {record['type']!r} (only current communes are loaded)")
            continue
        for former in record.get("anciensCodes", ()):
            successors.setdefault(former, set()).add(record["code"])
        if record.get("zone") not in ZONES:
            report.skip(f"zone {record.get('zone')!r} (outside France as counted: metro + DROM)")
            continue
        code = record["code"]
        siren = record.get("siren", "")
        ok = report.check(row, "code", pattern_problem(code, INSEE_COMMUNE, "INSEE commune code"))
        ok &= report.check(row, "siren", siren_problem(siren))
        ok &= report.check(
            row, "departement", pattern_problem(record.get("departement", ""), INSEE_DEPARTEMENT, "département code")
        )
        ok &= report.check(row, "region", pattern_problem(record.get("region", ""), INSEE_REGION, "région code"))
        if not ok:
            continue
        if code in seen:
            report.reject(row, "code", f"duplicate INSEE commune code {code!r}")
            continue
        seen.add(code)
        commune = mint.commune(code)
        yield Triple(commune, RDF.type, IGEO.Commune)
        if current.get(code, record["nom"]) == record["nom"]:
            yield Triple(commune, RDFS.label, fr(record["nom"]))
        else:  # renamed since: the later vintage gives the current name
            yield from former_name(commune, "commune", code, record["nom"], str(ctx.reference_date.year), mint)
        yield Triple(commune, TID.millesime, millesime)
        yield Triple(commune, IGEO.codeINSEE, string(code))
        yield Triple(commune, TID.siren, string(siren))
        yield Triple(commune, TID.departement, mint.departement(record["departement"]))
        yield Triple(commune, TID.region, mint.region(record["region"]))
        if record.get("population") is not None:
            yield Triple(commune, TID.populationMunicipale, integer(record["population"]))
        for postcode in record.get("codesPostaux", ()):
            yield Triple(commune, TID.codePostal, string(postcode))
    for former, absorbers in sorted(successors.items()):
        if former in seen:
            continue  # a current commune (a commune déléguée keeps its chef-lieu's code)
        for absorber in sorted(absorbers & seen):
            yield Triple(mint.commune(former), TID.successeur, mint.commune(absorber))
