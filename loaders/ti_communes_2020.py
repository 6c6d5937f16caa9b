"""Territoires d'industrie 2018-2023 by commune: the October 2020 list of 148 territories.

CSV ``code_commune,code_terrind,libelle_terrind`` (15,697 rows), extracted from the SQL
migration of the Signaux Faibles API. ``code_terrind`` ``8401`` is ANCT's ``ti-8401`` of the
first phase. Commune codes are those of the COG 2020. The list's label of each territory is
given as ``skos:altLabel`` (the ANCT groupement file gives the ``rdfs:label``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Triple

from tid.loaders.base import (
    INSEE_COMMUNE,
    LoadContext,
    clean_label,
    fr,
    pattern_problem,
    read_csv_rows,
    string,
)
from tid.loaders.territoires import membership, territory, territory_list
from tid.namespaces import IGEO, RDF, SKOS

VERSION = "2"
COLUMNS = ("code_commune", "code_terrind", "libelle_terrind")
CODE_TERRIND = re.compile(r"^[0-9]{4}$")


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    territories: dict[str, str] = {}
    communes: dict[str, int] = {}
    for row, record in read_csv_rows(path, COLUMNS):
        report.rows_read += 1
        code, terrind, label = record["code_commune"].strip(), record["code_terrind"].strip(), record["libelle_terrind"]
        ok = report.check(row, "code_commune", pattern_problem(code, INSEE_COMMUNE, "INSEE commune code"))
        ok &= report.check(row, "code_terrind", pattern_problem(terrind, CODE_TERRIND, "territory code"))
        if not ok:
            continue
        if code in communes:
            report.reject(row, "code_commune", f"commune {code} already listed at row {communes[code]}")
            continue
        communes[code] = row
        id_ti = f"ti-{terrind}"
        node, triples = territory(ctx, id_ti)
        if id_ti not in territories:
            territories[id_ti] = label
            yield from triples
            yield Triple(node, SKOS.altLabel, fr(clean_label(label)))
        elif clean_label(territories[id_ti]) != clean_label(label):
            report.reject(row, "libelle_terrind", f"territory {id_ti} is named {territories[id_ti]!r} on an earlier row")
            continue
        commune = mint.commune(code)
        yield Triple(commune, RDF.type, IGEO.Commune)
        yield Triple(commune, IGEO.codeINSEE, string(code))
        yield from membership(ctx, node, id_ti, commune, code)
    yield from territory_list(ctx, "commune", len(territories))
