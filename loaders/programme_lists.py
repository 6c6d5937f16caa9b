"""ANCT's lists of Action cœur de ville (ACV) and Petites villes de demain (PVD) communes.

The five list files of the mirror's ``programmes/`` share one format (UTF-8, comma, header):
``insee_com, lib_com, programme, id_programme, lib_territoire, date_signature,
date_signature_raw, extra, cog2023_type, cog2023_parent``. Each file is one **dated list**
(``tid:ListeTerritoires``, ``id/liste/{source id}``), exactly like a Territoires d'industrie list:
"as of its reference date, these communes belong to these conventions". The derivations date the
memberships and conventions from the lists of the programme's phase; nothing here dates them.

What each row gives:

- the commune, a member (``tid:Adhesion``, ``id/adhesion/{phase}/{convention}/{INSEE code}``) of
  the convention ANCT's id names (``tid:TerritoireProgramme``, ``id/territoire/{phase}/{id}``);
  an ACV id can cover two communes (a « binôme »);
- the convention's signing date (``tid:dateSignature``) when the file reads it as a date;
  a date written but unreadable (« 27 jullet 2018 ») is kept as written
  (``tid:dateSignatureTexte``) and left undated; « indefini » is no date.

Quirks, each handled without guessing (every problem names file, row and column):

- ACV renumbered its ids in 2025 (``acv-017`` became ``ACV017``): both name one convention, whose
  IRI keeps the first form (``acv-017``) and which carries both ids (``tid:idProgramme``). With
  the option ``liste_precedente`` (a source in ``requires``), a commune that list placed in a
  convention this file no longer names, now in another, links the two (``tid:fusionneDans``:
  Tarbes's acv-200 into Lourdes's ACV123).
- The 2018 ACV file has no ids (one row per territory, a binôme as « X + Y » with only X's code):
  with the option ``identifiants`` (a source in ``requires``), a row's convention is the one that
  list gives its commune; a commune no such list names keeps a convention keyed by its code
  (``commune-78517``: Rambouillet, which later lists no longer name).
- The 2018 ACV file has « Vitry-le-François » in the code column: a name there is resolved only
  through ``curated/communes_alias.csv`` (option ``alias``, a source in ``requires``), a decision
  cited there; any other value that is not a code is rejected.
- PVD ids name a région, one or two départements run together (``pvd-44-5455-1``: Meurthe-et-Moselle
  and Meuse) and a number.
- PVD rows of 2021 without an id: the commune is a member of the programme's phase with no
  convention (``id/adhesion/{phase}/sans-convention/{INSEE code}``, no ``org:organization``).
- ``lib_territoire`` of the 2024 ACV file is mis-decoded (« CÃ¨re », « Ã‰pinal »): a value that reads
  as UTF-8 read as Windows-1252 is decoded back, and counted in the provenance.

Options: ``programme`` (``ACV`` or ``PVD``, checked on every row), ``libelles`` (the territory
names of this file become ``rdfs:label``; otherwise ``skos:altLabel``), ``identifiants``,
``liste_precedente``, ``alias`` (above).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from pyoxigraph import NamedNode, Triple

from tid.errors import Location, SourceError
from tid.loaders.base import (
    INSEE_COMMUNE,
    LoadContext,
    clean_label,
    en,
    fr,
    integer,
    read_csv_rows,
    string,
    xsd_date,
)
from tid.loaders.commune_aliases import read_aliases
from tid.namespaces import DCT, ORG, PROV, RDF, RDFS, SKOS, TID

VERSION = "2"
COLUMNS = ("insee_com", "lib_com", "programme", "id_programme", "lib_territoire", "date_signature",
           "date_signature_raw", "extra", "cog2023_type")
IDS = {
    "ACV": re.compile(r"^(?:acv-(?P<a>[0-9]{3})|ACV(?P<b>[0-9]{3}))$"),
    "PVD": re.compile(r"^pvd-[0-9]{2}-(?:[0-9]{2}|2[AB]|97[1-6])+-[0-9]{1,3}$"),
}
NAMES = {"ACV": ("Action cœur de ville", "Action cœur de ville"),
         "PVD": ("Petites villes de demain", "Petites villes de demain")}
NO_DATE = {"indefini"}


def convention_key(programme: str, value: str) -> str | None:
    """The convention's key in its IRI: ``acv-017`` for both ``acv-017`` and ``ACV017``."""
    match = IDS[programme].match(value)
    if not match:
        return None
    if programme == "ACV":
        return f"acv-{match['a'] or match['b']}"
    return value


def read_ids(path: Path, programme: str) -> dict[str, str]:
    """INSEE code -> convention key, from another list of the same format (a lookup table)."""
    found: dict[str, str] = {}
    for _row, record in read_csv_rows(path, COLUMNS):
        key = convention_key(programme, record["id_programme"].strip())
        if key:
            found[record["insee_com"].strip()] = key
    return found


def repaired(text: str) -> str:
    """Undo a UTF-8 text decoded as Windows-1252 (« CÃ¨re » -> « Cère », « Ã‰pinal » -> « Épinal »);
    a text that does not read back as UTF-8 that way is unchanged."""
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return text


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    options = ctx.options
    programme = str(options.get("programme", ""))
    if programme not in IDS or not (ctx.phase and ctx.reference_date and ctx.geography_date and ctx.source_id):
        raise SourceError(Location(report.file), "a programme list needs `phase`, `reference_date`, `geography_date` "
                                                 "and `options.programme` (ACV or PVD) in the source list")
    phase = mint.phase(ctx.phase)
    liste = mint.liste(ctx.source_id)
    lookup = read_ids(ctx.reference(options["identifiants"]), programme) if "identifiants" in options else {}
    previous = read_ids(ctx.reference(options["liste_precedente"]), programme) if "liste_precedente" in options else {}
    aliases: dict[str, set[str]] = {}
    if "alias" in options:
        for (_dep, written), code in read_aliases(ctx.reference(options["alias"])).items():
            aliases.setdefault(written, set()).add(code)
    labels_here = bool(options.get("libelles", False))

    communes: dict[str, int] = {}
    conventions: dict[str, NamedNode] = {}
    moved: dict[str, str] = {}
    for row, record in read_csv_rows(path, COLUMNS):
        report.rows_read += 1
        code, name = record["insee_com"].strip(), record["lib_com"].strip()
        if record["programme"].strip() != programme:
            report.reject(row, "programme", f"{record['programme']!r} in a list of programme {programme}")
            continue
        if not INSEE_COMMUNE.match(code):
            codes = aliases.get(code, set())
            if len(codes) != 1 or code != name:
                report.reject(row, "insee_com", f"{code!r} is not an INSEE commune code, and no decision of "
                                                "curated/communes_alias.csv names it")
                continue
            code = next(iter(codes))
            report.note("commune name in the code column, resolved by curated/communes_alias.csv")
        elif record["cog2023_type"].strip() != "commune-actuelle":
            report.reject(row, "cog2023_type", f"commune {code} is {record['cog2023_type']!r} in the COG 2023, "
                                               "not a current commune")
            continue
        if code in communes:
            report.reject(row, "insee_com", f"commune {code} already listed at row {communes[code]}")
            continue
        communes[code] = row

        written_id = record["id_programme"].strip()
        if written_id:
            key = convention_key(programme, written_id)
            if key is None:
                report.reject(row, "id_programme", f"{written_id!r} is not an ANCT {programme} id")
                continue
        elif programme == "ACV" and "identifiants" in options:
            key = lookup.get(code) or f"commune-{code}"
            report.note("ACV row without id: its convention is the one the later list gives its commune"
                        if code in lookup else "ACV row without id, its commune in no later list: convention keyed by its code")
        else:
            key = None
            report.note(f"{programme} row without id: member of the programme with no convention")

        commune = mint.commune(code)
        if key is None:
            node = mint.id("adhesion", ctx.phase, "sans-convention", code)
            yield from membership(node, commune, None, phase, liste)
            continue
        territory = mint.territoire(ctx.phase, key)
        if key not in conventions:
            conventions[key] = territory
            yield Triple(territory, RDF.type, TID.TerritoireProgramme)
            yield Triple(territory, TID.phase, phase)
            yield Triple(territory, TID.attesteePar, liste)
        if written_id:
            yield Triple(territory, TID.idProgramme, string(written_id))
        written_label = record["lib_territoire"]
        label = clean_label(written_label)
        if label:
            fixed = clean_label(repaired(written_label))
            if fixed != label:
                report.note("territory name mis-decoded (UTF-8 read as Windows-1252) decoded back")
            named = labels_here or (not written_id and code not in lookup)
            yield Triple(territory, RDFS.label if named else SKOS.altLabel, fr(fixed))
        yield from signing_date(ctx, row, record, territory)
        if previous.get(code) and previous[code] != key:
            moved[previous[code]] = key
        yield from membership(mint.id("adhesion", ctx.phase, key, code), commune, territory, phase, liste)

    for gone, into in sorted(moved.items()):
        if gone not in conventions:
            yield Triple(mint.territoire(ctx.phase, gone), TID.fusionneDans, mint.territoire(ctx.phase, into))
            report.note("convention no longer named, its communes in another: linked by tid:fusionneDans")
    yield from programme_list(ctx, programme, liste, phase, len(conventions))


def membership(node: NamedNode, commune: NamedNode, territory: NamedNode | None, phase: NamedNode,
               liste: NamedNode) -> Iterator[Triple]:
    yield Triple(node, RDF.type, TID.Adhesion)
    yield Triple(node, ORG.member, commune)
    if territory is not None:
        yield Triple(node, ORG.organization, territory)
    yield Triple(node, ORG.memberDuring, phase)
    yield Triple(node, TID.phase, phase)
    yield Triple(node, TID.attesteePar, liste)


def signing_date(ctx: LoadContext, row: int, record: dict[str, str], territory: NamedNode) -> Iterator[Triple]:
    parsed, raw = record["date_signature"].strip(), record["date_signature_raw"].strip()
    if parsed:
        try:
            day = date.fromisoformat(parsed)
        except ValueError:
            ctx.report.reject(row, "date_signature", f"{parsed!r} is not a date (YYYY-MM-DD)")
            return
        yield Triple(territory, TID.dateSignature, xsd_date(day))
    elif raw and raw not in NO_DATE:
        ctx.report.note("signing date written but unreadable: kept as written, left undated")
        yield Triple(territory, TID.dateSignatureTexte, string(raw))


def programme_list(ctx: LoadContext, programme: str, node: NamedNode, phase: NamedNode, conventions: int) -> Iterator[Triple]:
    name_fr, name_en = NAMES[programme]
    day = ctx.reference_date.isoformat() if ctx.reference_date else ""
    yield Triple(node, RDF.type, TID.ListeTerritoires)
    yield Triple(node, RDFS.label, fr(f"Liste des communes {name_fr} au {day}"))
    yield Triple(node, RDFS.label, en(f"{name_en} list of municipalities as of {day}"))
    if ctx.source_title:
        yield Triple(node, DCT.title, fr(ctx.source_title))
    yield Triple(node, TID.dateReference, xsd_date(ctx.reference_date or day))
    yield Triple(node, TID.phase, phase)
    yield Triple(node, TID.millesimeGeographique, ctx.minter.millesime(ctx.geography_date.year if ctx.geography_date else ""))
    yield Triple(node, TID.nombreTerritoires, integer(conventions))
    yield Triple(node, PROV.wasDerivedFrom, ctx.minter.id("source", ctx.source_id))
