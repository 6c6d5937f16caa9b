"""The territory lists as their files state them, read with plain Python from the data mirror.

An oracle for the tests: it does not use the loaders, the derivations or the graph, only the
files (the ANCT GeoJSON, the 2020 CSV, the COG JSON) and the rules the project publishes (README,
"How time works"): a list states who is in which territory at its reference date; it holds from
that date (or its phase's start) to the day before the next list of its phase, or to the phase's
end; a list by groupement covers the communes of its EPCIs in the COG 2023 (the vintage of its
SIRENs); a commune that a later COG vintage no longer lists is no member from that vintage on.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from tests.helpers import real_mirror

PHASE1, PHASE2 = "2018-2023", "2023-2027"
PHASES = {PHASE1: (date(2018, 11, 22), date(2023, 11, 8)), PHASE2: (date(2023, 11, 9), date(2027, 12, 31))}
COG23 = "cog/etalab-decoupage-administratif-3.1.1_cog2023"
COG26 = "cog/etalab-decoupage-administratif-6.0.0_cog2026"
TI = "territoires-industrie"


def mirror() -> Path:
    path = real_mirror()
    assert path is not None, "the real data mirror is needed"
    return path


def mirror_json(relative: str):
    return json.loads((mirror() / relative).read_text(encoding="utf-8"))


@dataclass
class TerritoryList:
    source: str
    phase: str
    reference: date
    territories: dict[str, set[str]] = field(default_factory=dict)
    """id_ti -> INSEE codes of the communes the list places in it (directly or through an EPCI)."""
    groupements: dict[str, set[str]] = field(default_factory=dict)
    """id_ti -> SIRENs of the EPCIs/EPTs the list names (lists by groupement only)."""
    start: date = date.min
    end: date = date.max


@cache
def _members_2023() -> dict[str, set[str]]:
    return {r["code"]: {m["code"] for m in r["membres"]} for r in mirror_json(f"{COG23}/epci.json") + mirror_json(f"{COG23}/ept.json")}


@cache
def _commune_of_siren() -> dict[str, str]:
    return {r["siren"]: r["code"] for r in mirror_json(f"{COG23}/communes.json") if r["type"] == "commune-actuelle" and r.get("siren")}


def _by_groupement(source: str, phase: str, reference: date, relative: str, id_key: str, members: str) -> TerritoryList:
    listed = TerritoryList(source, phase, reference)
    for feature in mirror_json(relative)["features"]:
        props = feature["properties"]
        ti = props[id_key].strip()
        sirens = ([s.strip() for s in props[members].split(",") if s.strip()] if members == "siren_groupement"
                  else re.findall(r"\((\d{9})\)\s*(?:;|$)", props[members]))
        communes: set[str] = set()
        for siren in sirens:
            communes |= {_commune_of_siren()[siren]} if siren.startswith("21") else _members_2023()[siren]
        listed.territories[ti] = communes
        listed.groupements[ti] = {s for s in sirens if not s.startswith("21")}
    return listed


@cache
def lists() -> tuple[TerritoryList, ...]:
    """The four lists of the mirror, with the period each holds."""
    october_2020 = TerritoryList("ti-phase1-communes-2020", PHASE1, date(2020, 10, 13))
    with (mirror() / f"{TI}/signauxfaibles_terrind_communes_2020.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            october_2020.territories.setdefault(f"ti-{row['code_terrind']}", set()).add(row["code_commune"])
    november_2023 = TerritoryList("ti-phase2-communes", PHASE2, date(2023, 11, 7))
    for feature in mirror_json(f"{TI}/anct_ti_2023-2027_perimetres_communes_nov2023.geojson")["features"]:
        codes = re.findall(r"\(((?:[0-9]{2}|2[AB])[0-9]{3})\)", feature["properties"]["liste_geo"])
        november_2023.territories[feature["properties"]["id_territoire"]] = set(codes)
    found = [
        october_2020,
        _by_groupement("ti-phase1-groupements", PHASE1, date(2023, 1, 1),
                       f"{TI}/anct_ti_2018-2022_perimetres_groupements.geojson", "id_ti", "siren_groupement"),
        november_2023,
        _by_groupement("ti-phase2-groupements", PHASE2, date(2024, 7, 4),
                       f"{TI}/anct_ti_2023-2027_perimetres_epci.geojson", "id_territoire", "liste_geo"),
    ]
    for listed in found:
        phase_start, phase_end = PHASES[listed.phase]
        later = sorted(other.reference for other in found if other.phase == listed.phase and other.reference > listed.reference)
        listed.start = max(listed.reference, phase_start)
        listed.end = later[0] - timedelta(days=1) if later else phase_end
    return tuple(found)


def list_in_force(day: date) -> TerritoryList | None:
    """The list "as of ``day``": the latest of its phase on or before it; None before the first."""
    matching = [listed for listed in lists() if listed.start <= day <= listed.end]
    assert len(matching) <= 1
    return matching[0] if matching else None


@cache
def removed_since_2023() -> frozenset[str]:
    """Communes of an EPCI in the COG 2023 that no EPCI of the COG 2026 lists (merged since)."""
    in_2023 = {code for members in _members_2023().values() for code in members}
    in_2026 = {m["code"] for r in mirror_json(f"{COG26}/epci.json") + mirror_json(f"{COG26}/ept.json") for m in r["membres"]}
    return frozenset(in_2023 - in_2026)


def territories_of_commune(code: str, day: date) -> set[str] | None:
    """The territories the list in force places the commune in (None: no list is in force)."""
    listed = list_in_force(day)
    if listed is None:
        return None
    if day >= date(2026, 1, 1) and code in removed_since_2023():
        return set()
    return {ti for ti, communes in listed.territories.items() if code in communes}


def phase_of(day: date) -> str | None:
    return next((phase for phase, (start, end) in PHASES.items() if start <= day <= end), None)
