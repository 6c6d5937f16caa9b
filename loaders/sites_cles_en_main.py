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
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from tid.loaders.base import LoadContext, en, fr, read_csv_rows, xsd_date
from tid.loaders.documents import cited_document
from tid.loaders.places import PlaceIndex, locate
from tid.loaders.site_aliases import read_aliases
from tid.namespaces import DCT, RDF, RDFS, SKOS, TID, XSD

VERSION = "2"
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


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    aliases = read_aliases(ctx.reference("site-aliases"))
    places = PlaceIndex.from_context(ctx)
    for row, record in read_csv_rows(path, COLUMNS):
        report.rows_read += 1
        name = record["site_name"]
        alias = aliases.get(name)
        if alias is None:
            report.reject(row, "site_name", f"{name!r} is not in the site reconciliation table (curated/site_aliases.csv): "
                                            "reconcile it there first")
            continue
        waves = wave_of(ctx, row, record["wave_label"].strip(), record["wave_date"].strip())
        if waves is None:
            continue
        document, document_triples = cited_document(
            ctx, row, record["source_url"], record["source_title"], record["source_date"]
        )
        if document is None:
            continue
        located = locate(ctx, places, row, record)
        if located is None:
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
        yield from located.triples(ctx, site)

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
