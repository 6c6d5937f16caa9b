"""Commune names as transcriptions misspell them: ``curated/communes_alias.csv``.

Columns ``nom_ecrit, departement, code_insee, justification``: a name a source writes that names no
commune of the COG 2023 as written, the département the source gives, the commune it is, and why
(nothing is matched by likeness: each row is a decision, read by a person and cited). The loaders
that link places (sites, lauréats) read the table (``requires``) and resolve such a name to its
commune; this loader publishes the decisions: the name as ``skos:hiddenLabel`` of the commune and
the justification as ``skos:editorialNote``. A code that is not a commune of the COG 2023 in that
département is rejected.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Triple

from tid.loaders.base import INSEE_COMMUNE, LoadContext, fr, pattern_problem, read_csv_rows, read_json
from tid.namespaces import SKOS

VERSION = "1"
COLUMNS = ("nom_ecrit", "departement", "code_insee", "justification")


def read_aliases(path: Path) -> dict[tuple[str, str], str]:
    """(département, name as written) -> INSEE code."""
    return {(r["departement"].strip(), r["nom_ecrit"].strip()): r["code_insee"].strip() for _row, r in read_csv_rows(path, COLUMNS)}


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    communes = {r["code"]: r for r in read_json(ctx.reference("cog2023-communes")) if r.get("type") == "commune-actuelle"}
    seen: set[tuple[str, str]] = set()
    for row, record in read_csv_rows(path, COLUMNS):
        report.rows_read += 1
        written, departement, code = record["nom_ecrit"].strip(), record["departement"].strip(), record["code_insee"].strip()
        if not report.check(row, "code_insee", pattern_problem(code, INSEE_COMMUNE, "INSEE commune code")):
            continue
        commune = communes.get(code)
        if commune is None or commune.get("departement") != departement:
            report.reject(row, "code_insee", f"{code} is not a commune of the COG 2023 in département {departement}")
            continue
        if not written or not record["justification"].strip():
            report.reject(row, "justification" if written else "nom_ecrit", "a decision needs the name as written and why")
            continue
        if (departement, written) in seen:
            report.reject(row, "nom_ecrit", f"{written!r} ({departement}) is given twice")
            continue
        seen.add((departement, written))
        node = mint.commune(code)
        yield Triple(node, SKOS.hiddenLabel, fr(written))
        yield Triple(node, SKOS.editorialNote, fr(record["justification"].strip()))
