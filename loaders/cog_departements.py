"""Départements from the COG (Etalab ``@etalab/decoupage-administratif``, ``departements.json``).

France as counted: ``zone`` metro or drom (101 départements); overseas collectivities skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Triple

from tid.loaders.base import (
    INSEE_DEPARTEMENT,
    INSEE_REGION,
    LoadContext,
    labelled,
    pattern_problem,
    read_json_records,
    string,
)
from tid.namespaces import IGEO, TID

VERSION = "1"
ZONES = {"metro", "drom"}


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    seen: set[str] = set()
    for row, record in read_json_records(path, ("code", "nom", "region", "zone")):
        report.rows_read += 1
        if record["zone"] not in ZONES:
            report.skip(f"zone {record['zone']!r} (outside France as counted: metro + DROM)")
            continue
        code, region = record["code"], record["region"]
        ok = report.check(row, "code", pattern_problem(code, INSEE_DEPARTEMENT, "département code"))
        ok &= report.check(row, "region", pattern_problem(region, INSEE_REGION, "région code"))
        if not ok:
            continue
        if code in seen:
            report.reject(row, "code", f"duplicate département code {code!r}")
            continue
        seen.add(code)
        departement = mint.departement(code)
        yield from labelled(departement, IGEO.Departement, record["nom"])
        yield Triple(departement, IGEO.codeINSEE, string(code))
        yield Triple(departement, TID.region, mint.region(region))
        if record.get("chefLieu"):
            yield Triple(departement, IGEO.chefLieu, mint.commune(record["chefLieu"]))
