"""Successors of the communes merged between two COG vintages: ``curated/communes_successeurs_cog2026.csv``.

Columns ``code_ancien, nom_ancien, code_successeur, nom_successeur``: each commune of the COG 2023
that the COG 2026 no longer lists, and the commune of the COG 2026 that took it over, extracted
from the COG 2026 communes file by ``scripts/extract_commune_successors.py`` (its ``anciensCodes``,
and the ``chefLieu`` of the communes déléguées and associées; nothing matched by name). Each row
becomes ``tid:successeur``; the former commune must be a commune of the COG 2023 (``requires``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Triple

from tid.loaders.base import INSEE_COMMUNE, LoadContext, pattern_problem, read_csv_rows, read_json
from tid.namespaces import TID

VERSION = "1"
COLUMNS = ("code_ancien", "nom_ancien", "code_successeur", "nom_successeur")


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    cog = {r["code"]: r["nom"] for r in read_json(ctx.reference("cog2023-communes")) if r.get("type") == "commune-actuelle"}
    seen: set[tuple[str, str]] = set()
    for row, record in read_csv_rows(path, COLUMNS):
        report.rows_read += 1
        former, successor = record["code_ancien"].strip(), record["code_successeur"].strip()
        ok = report.check(row, "code_ancien", pattern_problem(former, INSEE_COMMUNE, "INSEE commune code"))
        ok &= report.check(row, "code_successeur", pattern_problem(successor, INSEE_COMMUNE, "INSEE commune code"))
        if not ok:
            continue
        if former not in cog:  # a cut of the COG (the tests' mirror): nothing to say of it
            report.skip("former commune not in the COG 2023 communes file given")
            continue
        if cog[former] != record["nom_ancien"].strip():
            report.reject(row, "nom_ancien", f"{former} is {cog[former]!r} in the COG 2023, not {record['nom_ancien']!r}")
            continue
        if (former, successor) in seen:
            report.reject(row, "code_successeur", f"{former} -> {successor} given twice")
            continue
        seen.add((former, successor))
        yield Triple(mint.commune(former), TID.successeur, mint.commune(successor))
