"""EPCI à fiscalité propre (``epci.json``) or EPT (``ept.json``) and their member communes.

Etalab ``@etalab/decoupage-administratif``: 3.1.1 (COG 2023) and 0.8.0 (EPCI 2020). Each
groupement: SIREN, name, legal nature (CC, CA, CU, METRO, MET69, EPT), populations; each member
commune becomes a dated ``tid:AppartenanceEPCI`` at the vintage's reference date.

With ``requires = ["cog2023-communes"]``, member communes that no longer exist in the COG 2023
(merged since the vintage) are typed and named here, so that older lists can point at them.
With ``requires = [..., "cog2023-epci"]`` (an older vintage), a groupement that still exists in
the COG 2023 keeps its current name as ``rdfs:label`` and gets this vintage's name as
``skos:altLabel`` when it differs: one label per language, the names of the past kept. Its
legal nature and populations then come from the current vintage only (they are undated values:
two vintages on one IRI would say nothing of which is which); its memberships stay dated.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Triple

from tid.errors import Location, SourceError
from tid.loaders.base import (
    INSEE_COMMUNE,
    LoadContext,
    fr,
    integer,
    labelled,
    pattern_problem,
    read_json,
    read_json_records,
    siren_problem,
    string,
    xsd_date,
)
from tid.namespaces import IGEO, M8G, ORG, RDF, RDFS, SKOS, TID

VERSION = "3"
NATURES = {"CC", "CA", "CU", "METRO", "MET69", "EPT"}


def current_commune_codes(path: Path) -> set[str]:
    return {r["code"] for r in read_json(path) if r.get("type") == "commune-actuelle"}


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    if ctx.reference_date is None:
        raise SourceError(Location(str(path)), "the source list gives no reference_date for this vintage")
    vintage = str(ctx.reference_date.year)
    reference_date = xsd_date(ctx.reference_date)
    current = current_commune_codes(ctx.references["cog2023-communes"]) if "cog2023-communes" in ctx.references else None
    current_names = (
        {r["code"]: r["nom"] for r in read_json(ctx.references["cog2023-epci"])} if "cog2023-epci" in ctx.references else {}
    )
    seen_groupements: set[str] = set()
    seen_members: set[str] = set()
    for row, record in read_json_records(path, ("code", "nom", "type", "membres")):
        report.rows_read += 1
        siren, nature = record["code"], record["type"]
        ok = report.check(row, "code", siren_problem(siren))
        ok &= report.check(row, "type", None if nature in NATURES else f"unknown legal nature {nature!r}")
        if not ok:
            continue
        if siren in seen_groupements:
            report.reject(row, "code", f"duplicate SIREN {siren!r}")
            continue
        seen_groupements.add(siren)
        epci = mint.epci(siren)
        superseded = siren in current_names
        if superseded:
            yield Triple(epci, RDF.type, IGEO.Intercommunalite)
            if record["nom"] != current_names[siren]:
                yield Triple(epci, SKOS.altLabel, fr(record["nom"]))
        else:
            yield from labelled(epci, IGEO.Intercommunalite, record["nom"])
        yield Triple(epci, RDF.type, M8G.PublicOrganisation)
        yield Triple(epci, TID.siren, string(siren))
        if not superseded:
            yield Triple(epci, TID.natureJuridique, mint.nature_juridique(nature))
            for key, prop in (("populationMunicipale", TID.populationMunicipale), ("populationTotale", TID.populationTotale)):
                if isinstance(record.get(key), int):
                    yield Triple(epci, prop, integer(record[key]))
        for member in record["membres"]:
            code = member.get("code", "")
            if not report.check(row, "membres.code", pattern_problem(code, INSEE_COMMUNE, "INSEE commune code")):
                continue
            key = f"{siren}/{code}"
            if key in seen_members:
                report.reject(row, "membres.code", f"commune {code} listed twice in EPCI {siren}")
                continue
            seen_members.add(key)
            commune = mint.commune(code)
            membership = mint.id("appartenance-epci", vintage, siren, code)
            yield Triple(membership, RDF.type, TID.AppartenanceEPCI)
            yield Triple(membership, ORG.member, commune)
            yield Triple(membership, ORG.organization, epci)
            yield Triple(membership, TID.dateReference, reference_date)
            if current is not None and code not in current:
                # A commune merged away since this vintage: say what the vintage knew of it.
                yield Triple(commune, RDF.type, IGEO.Commune)
                yield Triple(commune, IGEO.codeINSEE, string(code))
                if member.get("nom"):
                    yield Triple(commune, RDFS.label, fr(member["nom"]))
                if member.get("siren") and not siren_problem(member["siren"]):
                    yield Triple(commune, TID.siren, string(member["siren"]))
