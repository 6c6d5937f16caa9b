"""ANCT's crossing table of its schemes per commune (``ngeo-anct-cog2023.csv``), as a check.

Columns ``insee_com, lib_com`` then one id column per ANCT scheme. Only the three columns whose
programme the graph holds as dated lists are published: ``id_ti`` (Territoires d'industrie),
``id_acv`` (Action cœur de ville), ``id_pvd`` (Petites villes de demain), one
``tid:LigneCroisement`` per commune that has any of them (``id/croisement/{source id}/{INSEE
code}``). The table is **not a source of memberships**: it is undated, and the lists are; the
validation compares it with the memberships the lists give at the comparison date of the source
(option ``date_comparaison``, a convention of this project: ``tid:dateComparaison`` of the source,
``id/source/{source id}``, which every row is ``prov:wasDerivedFrom``) and reports
every disagreement (``shapes/rules.ttl``, ``tidsh:LigneCroisement-*``).

The other columns (``id_crte``, ``id_ami``, ``id_fabp``, ``id_amm``, ``id_habinclus``,
``id_cite``, ``id_cde``, ``id_fs``, ``id_acv2``, ``id_va``, ``id_site``) are read but not
published: what several of them stand for is not documented (the mirror's SOURCES.md gives only
readings of their names), and none is a programme of this graph yet. Their counts are in the
provenance.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from pyoxigraph import Triple

from tid.errors import Location, SourceError
from tid.loaders.base import INSEE_COMMUNE, LoadContext, pattern_problem, read_csv_rows, string, xsd_date
from tid.namespaces import PROV, RDF, TID

VERSION = "1"
PUBLISHED = {
    "id_ti": (TID.idTiCroisement, re.compile(r"^ti-[0-9]{4}$")),
    "id_acv": (TID.idAcvCroisement, re.compile(r"^acv-[0-9]{3}$")),
    "id_pvd": (TID.idPvdCroisement, re.compile(r"^pvd-[0-9]{2}-(?:[0-9]{2}|2[AB]|97[1-6])+-[0-9]{1,3}$")),
}
NOT_PUBLISHED = ("id_crte", "id_ami", "id_fabp", "id_amm", "id_habinclus", "id_cite", "id_cde", "id_fs",
                 "id_acv2", "id_va", "id_site")


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    try:
        compared = date.fromisoformat(str(ctx.options["date_comparaison"]))
    except (KeyError, ValueError):
        raise SourceError(Location(report.file), "the crossing table needs `options.date_comparaison` (YYYY-MM-DD) "
                                                 "in the source list") from None
    table = mint.id("source", ctx.source_id)
    yield Triple(table, TID.dateComparaison, xsd_date(compared))
    seen: dict[str, int] = {}
    for row, record in read_csv_rows(path, ("insee_com", "lib_com", *PUBLISHED, *NOT_PUBLISHED)):
        report.rows_read += 1
        code = record["insee_com"].strip()
        if not report.check(row, "insee_com", pattern_problem(code, INSEE_COMMUNE, "INSEE commune code")):
            continue
        if code in seen:
            report.reject(row, "insee_com", f"commune {code} already listed at row {seen[code]}")
            continue
        seen[code] = row
        for column in NOT_PUBLISHED:
            if record[column].strip():
                report.note(f"{column} not published (its programme is not documented or not in the graph)")
        values = {}
        for column, (_prop, pattern) in PUBLISHED.items():
            value = record[column].strip()
            if value and report.check(row, column, pattern_problem(value, pattern, f"{column} value")):
                values[column] = value
        if not values:
            continue
        node = mint.id("croisement", ctx.source_id, code)
        yield Triple(node, RDF.type, TID.LigneCroisement)
        yield Triple(node, TID.commune, mint.commune(code))
        yield Triple(node, PROV.wasDerivedFrom, table)
        for column, value in values.items():
            yield Triple(node, PUBLISHED[column][0], string(value))
