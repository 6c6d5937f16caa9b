"""Sites industriels clés en main, from hand transcriptions of the pages that announced them.

CSV columns (see SOURCES.md §4a): ``wave_date, wave_label, site_name, commune,
departement_code, region, surface_ha, source_url, source_title, source_date, note``; one row
per site per source. The reconciliation table ``curated/site_aliases.csv`` maps every name
as written to one site: rows describing the same site in several sources become one site
with several sources. A name missing from the table is rejected, so that a new row is
reconciled by a person rather than by a guess.

Each row gives the site (label, commune(s) when they resolve, département, région, surface),
its labelling in a wave (``tid:Labellisation``, dated) and the document it comes from. A row
whose wave is only known by its year (``wave_date`` = ``2020``, no ``wave_label``) is linked to
the waves of that year with ``tid:vaguePossible``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from tid.loaders.base import LoadContext, en, fr, read_csv_rows, xsd_date
from tid.loaders.documents import cited_document
from tid.loaders.places import PlaceIndex, split_list
from tid.namespaces import DCT, RDF, RDFS, SKOS, TID, XSD

VERSION = "1"
COLUMNS = (
    "wave_date", "wave_label", "site_name", "commune", "departement_code", "region",
    "surface_ha", "source_url", "source_title", "source_date", "note",
)
# The CSV's wave code list (SOURCES.md §4a): label -> (slug of the wave, date).
WAVES = {
    "Choose France 2020": ("choose-france-2020", "2020-01-20"),
    "Pack Rebond 2020": ("pack-rebond-2020", "2020-07-20"),
    "2021": ("2021", "2021-09-23"),
    "France 2030 2024": ("france-2030-2024", "2024-04-16"),
}
YEAR = re.compile(r"^[0-9]{4}$")
SURFACE = re.compile(r"^[0-9]+(?:[.,][0-9]+)?$")


@dataclass(frozen=True)
class Alias:
    slug: str
    label: str


def read_aliases(path: Path) -> dict[str, Alias]:
    aliases: dict[str, Alias] = {}
    for _row, record in read_csv_rows(path, ("site_slug", "site_name", "canonical_label")):
        aliases[record["site_name"]] = Alias(record["site_slug"].strip(), record["canonical_label"].strip())
    return aliases


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    aliases = read_aliases(ctx.project_files["site_aliases"])
    places = PlaceIndex.from_files(
        ctx.reference("cog2023-communes"), ctx.reference("cog2023-regions"), ctx.reference("cog2023-departements")
    )
    for row, record in read_csv_rows(path, COLUMNS):
        report.rows_read += 1
        name = record["site_name"]
        alias = aliases.get(name)
        if alias is None:
            report.reject(row, "site_name", f"{name!r} is not in curated/site_aliases.csv: reconcile it there first")
            continue
        waves = wave_of(ctx, row, record["wave_label"].strip(), record["wave_date"].strip())
        if waves is None:
            continue
        document, document_triples = cited_document(
            ctx, row, record["source_url"], record["source_title"], record["source_date"]
        )
        if document is None:
            continue
        departements = split_list(record["departement_code"])
        unknown = [d for d in departements if d not in places.departement_codes]
        if unknown:
            report.reject(row, "departement_code", f"unknown département code(s) {', '.join(unknown)}")
            continue
        region = places.region(record["region"])
        if record["region"].strip() and region is None:
            report.reject(row, "region", f"unknown région {record['region']!r}")
            continue
        surface = record["surface_ha"].strip()
        if surface and not SURFACE.match(surface):
            report.reject(row, "surface_ha", f"surface {surface!r} is not a number of hectares")
            continue

        yield from document_triples
        site = mint.id("site", alias.slug)
        yield Triple(site, RDF.type, TID.SiteCleEnMain)
        yield Triple(site, RDFS.label, fr(alias.label))
        if name and name != alias.label:
            yield Triple(site, SKOS.altLabel, fr(name))
        yield Triple(site, DCT.source, document)
        if surface:
            yield Triple(site, TID.surfaceHa, Literal(surface.replace(",", "."), datatype=XSD.decimal))
        regions = {region} if region else {places.departement_region[d] for d in departements}
        for code in sorted(regions):
            yield Triple(site, TID.region, mint.region(code))
        for code in departements:
            yield Triple(site, TID.departement, mint.departement(code))
        for commune_name in split_list(record["commune"]):
            code = places.commune(commune_name, departements, region)
            if code is None:
                report.note(f"commune not linked (no single match in the row's département or région): {commune_name}")
                continue
            yield Triple(site, TID.commune, mint.commune(code))

        wave_slug, wave_nodes, exact = waves
        labelling = mint.id("labellisation", alias.slug, wave_slug)
        yield Triple(labelling, RDF.type, TID.Labellisation)
        yield Triple(labelling, TID.site, site)
        yield Triple(labelling, DCT.source, document)
        for wave, date in wave_nodes:
            yield Triple(labelling, TID.vague if exact else TID.vaguePossible, wave)
            if exact:
                yield Triple(labelling, TID.dateLabel, xsd_date(date))
        if record["note"].strip():
            yield Triple(labelling, RDFS.comment, en(record["note"].strip()))


def wave_of(ctx: LoadContext, row: int, label: str, date: str) -> tuple[str, list[tuple[NamedNode, str]], bool] | None:
    """(slug for the labelling IRI, [(wave, date)], whether the wave is exactly known)."""
    mint = ctx.minter
    if label:
        if label not in WAVES:
            ctx.report.reject(row, "wave_label", f"unknown wave {label!r}; expected one of {', '.join(WAVES)}")
            return None
        slug, wave_date = WAVES[label]
        if date != wave_date:
            ctx.report.reject(row, "wave_date", f"wave {label!r} is dated {wave_date}, not {date!r}")
            return None
        return slug, [(mint.vague(slug), wave_date)], True
    if YEAR.match(date):
        candidates = [(mint.vague(slug), d) for slug, d in WAVES.values() if d.startswith(date)]
        if candidates:
            return date, candidates, False
    ctx.report.reject(row, "wave_label", "no wave: give wave_label, or only the year in wave_date")
    return None
