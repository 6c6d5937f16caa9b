"""Current communes from the COG (Etalab ``@etalab/decoupage-administratif``, ``communes.json``).

Loads ``commune-actuelle`` rows of France as counted (metro + DROM): INSEE code, SIREN, name,
population, postcodes, département and région. Communes déléguées and associées,
municipal arrondissements and overseas collectivities are skipped with their reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Triple

from tid.loaders.base import (
    INSEE_COMMUNE,
    INSEE_DEPARTEMENT,
    INSEE_REGION,
    LoadContext,
    integer,
    labelled,
    pattern_problem,
    read_json_records,
    siren_problem,
    string,
)
from tid.namespaces import IGEO, TID

VERSION = "1"
ZONES = {"metro", "drom"}


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    seen: set[str] = set()
    for row, record in read_json_records(path, ("code", "nom", "type")):
        report.rows_read += 1
        if record["type"] != "commune-actuelle":
            report.skip(f"type {record['type']!r} (only current communes are loaded)")
            continue
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
        yield from labelled(commune, IGEO.Commune, record["nom"])
        yield Triple(commune, IGEO.codeINSEE, string(code))
        yield Triple(commune, TID.siren, string(siren))
        yield Triple(commune, TID.departement, mint.departement(record["departement"]))
        yield Triple(commune, TID.region, mint.region(record["region"]))
        if record.get("population") is not None:
            yield Triple(commune, TID.populationMunicipale, integer(record["population"]))
        for postcode in record.get("codesPostaux", ()):
            yield Triple(commune, TID.codePostal, string(postcode))
