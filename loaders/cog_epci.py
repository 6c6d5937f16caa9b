"""EPCI à fiscalité propre (``epci.json``) or EPT (``ept.json``) and their member communes, per vintage.

Etalab ``@etalab/decoupage-administratif``: 0.8.0 (EPCI 2020), 3.1.1 (COG 2023), 6.0.0 (COG 2026).
Each file is one geographic vintage (``tid:MillesimeGeographique`` ``id/millesime/{year}``, of the
source's ``reference_date``): every groupement and every member commune it lists says so
(``tid:millesime``), and each member commune becomes a dated ``tid:AppartenanceEPCI``. The
derivations turn the vintages that list a thing into its validity (``tid:creeApres``,
``tid:supprimeAvant``).

Names in time. A thing's ``rdfs:label`` is its name in the latest vintage that lists it; a name
it bore in an earlier vintage is a dated ``tid:Appellation`` (and a ``skos:altLabel``). To know
which vintage is the latest, the source's ``options`` name the files of the newer vintages:

* ``noms_actuels``: the source id of the latest EPCI (or EPT) file, whose names are current;
  without it, this file is the latest and its names are the current ones;
* ``communes_actuelles``: the source id of the COG communes file, whose names are current for
  communes the latest file does not list (islands outside any EPCI, communes merged since);
* ``faits`` (default true): whether this vintage gives the groupements' legal nature and
  populations. One vintage gives them (those of the COG 2023, the vintage of the communes and of
  the lists), and an older one for the groupements gone since: undated values from two vintages
  on one IRI would say nothing of which is which.

With ``communes_actuelles``, member communes that no longer exist in it (merged since the
vintage) are typed and named here, so that older lists can point at them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pyoxigraph import Triple

from tid.errors import Location, SourceError
from tid.loaders.base import (
    INSEE_COMMUNE,
    LoadContext,
    former_name,
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
from tid.namespaces import IGEO, M8G, ORG, RDF, RDFS, TID

VERSION = "4"
NATURES = {"CC", "CA", "CU", "METRO", "MET69", "EPT"}


def _names(records: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """(groupement names by SIREN, member commune names by INSEE code) of an EPCI or EPT file."""
    communes = {m["code"]: m.get("nom", "") for r in records for m in r.get("membres", ())}
    return {r["code"]: r["nom"] for r in records}, communes


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    if ctx.reference_date is None:
        raise SourceError(Location(str(path)), "the source list gives no reference_date for this vintage")
    vintage = str(ctx.reference_date.year)
    millesime = mint.millesime(vintage)
    reference_date = xsd_date(ctx.reference_date)
    latest = ctx.options.get("noms_actuels")
    current_groupements, current_communes = _names(read_json(ctx.reference(latest))) if latest else ({}, {})
    cog = ctx.options.get("communes_actuelles")
    cog_communes = {r["code"]: r for r in read_json(ctx.reference(cog)) if r.get("type") == "commune-actuelle"} if cog else None
    facts = ctx.options.get("faits", True)
    seen_groupements: set[str] = set()
    seen_members: set[str] = set()
    seen_communes: set[str] = set()
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
        if siren in current_groupements:  # a later vintage lists it: its name there is the current one
            yield Triple(epci, RDF.type, IGEO.Intercommunalite)
            if record["nom"] != current_groupements[siren]:
                yield from former_name(epci, "epci", siren, record["nom"], vintage, mint)
        else:
            yield from labelled(epci, IGEO.Intercommunalite, record["nom"])
        yield Triple(epci, RDF.type, M8G.PublicOrganisation)
        yield Triple(epci, TID.siren, string(siren))
        yield Triple(epci, TID.millesime, millesime)
        if facts or (latest is not None and siren not in current_groupements):  # this vintage is its last
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
            if code in seen_communes:
                continue
            seen_communes.add(code)
            yield Triple(commune, TID.millesime, millesime)
            if cog_communes is not None:
                yield from _commune_names(ctx, commune, code, member, millesime, latest is None,
                                          current_communes.get(code), cog_communes.get(code))


def _commune_names(ctx: LoadContext, commune: Any, code: str, member: dict[str, Any], millesime: Any, latest: bool,
                   current: str | None, in_cog: dict[str, Any] | None) -> Iterator[Triple]:
    """What this vintage says of a member commune's name, given the later vintages.

    ``latest``: this file is the latest vintage; ``current``: the commune's name in the latest
    EPCI file (None: it lists it not); ``in_cog``: its row in the COG communes file."""
    name = member.get("nom") or ""
    if latest:
        if in_cog is None:  # created since the COG communes file: this vintage describes it
            yield Triple(commune, RDF.type, IGEO.Commune)
            yield Triple(commune, IGEO.codeINSEE, string(code))
            if member.get("siren") and not siren_problem(member["siren"]):
                yield Triple(commune, TID.siren, string(member["siren"]))
        if name and (in_cog is None or in_cog["nom"] != name):
            yield Triple(commune, RDFS.label, fr(name))
        return
    now = current if current is not None else (in_cog["nom"] if in_cog is not None else None)
    if now is None:  # merged away since this vintage: say what the vintage knew of it
        yield Triple(commune, RDF.type, IGEO.Commune)
        yield Triple(commune, IGEO.codeINSEE, string(code))
        if name:
            yield Triple(commune, RDFS.label, fr(name))
        if member.get("siren") and not siren_problem(member["siren"]):
            yield Triple(commune, TID.siren, string(member["siren"]))
    elif name and name != now:
        yield from former_name(commune, "commune", code, name, str(ctx.reference_date.year), ctx.minter)
