"""Régions from the COG (Etalab ``@etalab/decoupage-administratif``, ``regions.json``).

France as counted: ``zone`` metro or drom (18 régions); overseas collectivities are skipped.
Dataset: https://github.com/datagouv/decoupage-administratif
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Triple

from tid.loaders.base import (
    INSEE_REGION,
    LoadContext,
    labelled,
    pattern_problem,
    read_json_records,
    string,
)
from tid.namespaces import IGEO

VERSION = "1"
ZONES = {"metro", "drom"}


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    seen: set[str] = set()
    for row, record in read_json_records(path, ("code", "nom", "zone")):
        report.rows_read += 1
        if record["zone"] not in ZONES:
            report.skip(f"zone {record['zone']!r} (outside France as counted: metro + DROM)")
            continue
        code = record["code"]
        if not report.check(row, "code", pattern_problem(code, INSEE_REGION, "région code")):
            continue
        if code in seen:
            report.reject(row, "code", f"duplicate région code {code!r}")
            continue
        seen.add(code)
        region = mint.region(code)
        yield from labelled(region, IGEO.Region, record["nom"])
        yield Triple(region, IGEO.codeINSEE, string(code))
        if record.get("chefLieu"):
            yield Triple(region, IGEO.chefLieu, mint.commune(record["chefLieu"]))
