"""Territoires d'industrie 2023-2027 by commune: ANCT GeoJSON of November 2023 (183 territories).

Properties ``id_territoire``, ``lib_territoire``, ``liste_geo`` = ``"Commune (INSEE code); …"``
(18,726 communes, each in one territory). The list's label of each territory is given as
``skos:altLabel``: two were renamed by July 2024 (the groupement file gives the ``rdfs:label``).
The perimeters repeat those of the groupement file and are not loaded twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Triple

from tid.loaders.base import LoadContext, clean_label, fr, read_geojson_features
from tid.loaders.territoires import check_id_ti, membership, territory, territory_list
from tid.namespaces import SKOS

VERSION = "2"
COLUMNS = ("id_territoire", "lib_territoire", "liste_geo")
MEMBER = re.compile(r"^(?P<name>.+) \((?P<code>(?:[0-9]{2}|2[AB])[0-9]{3})\)$")


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    seen_territories: set[str] = set()
    member_of: dict[str, str] = {}
    for row, props, _geometry in read_geojson_features(path, COLUMNS):
        report.rows_read += 1
        id_ti = str(props["id_territoire"]).strip()
        if not check_id_ti(ctx, row, "id_territoire", id_ti):
            continue
        if id_ti in seen_territories:
            report.reject(row, "id_territoire", f"duplicate territory id {id_ti!r}")
            continue
        seen_territories.add(id_ti)
        node, triples = territory(ctx, id_ti)
        yield from triples
        yield Triple(node, SKOS.altLabel, fr(clean_label(props["lib_territoire"])))
        for part in str(props["liste_geo"]).split(";"):
            match = MEMBER.match(part.strip())
            if not match:
                report.reject(row, "liste_geo", f"cannot read {part.strip()!r} as 'Commune (INSEE code)'")
                continue
            code = match["code"]
            if code in member_of:
                report.reject(row, "liste_geo", f"commune {code} is already a member of {member_of[code]}")
                continue
            member_of[code] = id_ti
            yield from membership(ctx, node, id_ti, mint.commune(code), code)
        report.skip("perimeter not loaded from this file (the groupement file gives it)")
    yield from territory_list(ctx, "commune", len(seen_territories))
