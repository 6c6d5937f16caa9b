"""Sites industriels clés en main, from hand transcriptions of the pages that announced them.

Two column schemas, one mechanism; the source list's ``options = { colonnes = "..." }`` says which
one a file has (the header must then have its columns):

* ``"2026-11"`` (the default; SOURCES.md §4a): ``wave_date, wave_label, site_name, commune,
  departement_code, region, surface_ha, source_url, source_title, source_date, note``. The wave is
  ``wave_label`` (the CSV's code list) checked against ``wave_date``; a row whose wave is only known
  by its year (``wave_date`` = ``2020``, no ``wave_label``) is linked to the waves of that year with
  ``tid:vaguePossible``.
* ``"2026-12"`` (SOURCES.md §4d): ``site_name, commune, departement, region, wave, surface_ha,
  source_url, source_date, evidence_quote, also_in_mirror_csv, note``. ``wave`` is free text such as
  ``2021 (23 Sept 2021)``: it must be one of the spellings of :data:`WAVE_SPELLINGS`, anything else
  is rejected. There is no page title (the document is then named by its URL only), and
  ``evidence_quote``, the passage of the page that states the row, is kept as the labelling's
  ``tid:citation`` (in French, as written). ``also_in_mirror_csv`` is the transcriber's guess at an
  overlap: the reconciliation table decides, not that column.

In both, one row is a site per source. The reconciliation table ``curated/site_aliases.csv`` maps
every name as written to one site (a row without a name, by the commune it gives): rows describing
the same site in several sources become one site with several sources. A name missing from the
table is rejected, so that a new row is reconciled by a person rather than by a guess.

Each row gives the site (label, commune(s) when they resolve, département, région, surface), its
labelling in a wave (``tid:Labellisation``, dated) and the document it comes from; the row's note
goes on the labelling (``rdfs:comment``), so indirect wording stays visible there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from tid.errors import Location, SourceError
from tid.loaders.base import LoadContext, en, fr, read_csv_rows, xsd_date
from tid.loaders.documents import cited_document
from tid.loaders.places import PlaceIndex, locate
from tid.loaders.site_aliases import alias_key, read_aliases
from tid.namespaces import DCT, RDF, RDFS, SKOS, TID, XSD

VERSION = "2"
COLUMNS = (
    "wave_date", "wave_label", "site_name", "commune", "departement_code", "region",
    "surface_ha", "source_url", "source_title", "source_date", "note",
)
COLUMNS_2026_12 = (
    "site_name", "commune", "departement", "region", "wave", "surface_ha", "source_url", "source_date",
    "evidence_quote", "also_in_mirror_csv", "note",
)
# The CSV's wave code list (SOURCES.md §4a): label -> (slug of the wave, date).
WAVES = {
    "Choose France 2020": ("choose-france-2020", "2020-01-20"),
    "Pack Rebond 2020": ("pack-rebond-2020", "2020-07-20"),
    "2021": ("2021", "2021-09-23"),
    "France 2030 2024": ("france-2030-2024", "2024-04-16"),
}
# The spellings of the ``wave`` column of the 2026-12 schema (SOURCES.md §4d) and the wave each
# one names: a spelling not listed here is rejected, never matched loosely.
WAVE_SPELLINGS = {
    "Choose France 2020 (Jan 2020)": "Choose France 2020",
    "Pack Rebond 2020 (Jul 2020)": "Pack Rebond 2020",
    "2021 (23 Sept 2021)": "2021",
    "France 2030 2024 (16 Apr 2024)": "France 2030 2024",
}
YEAR = re.compile(r"^[0-9]{4}$")
SURFACE = re.compile(r"^[0-9]+(?:[.,][0-9]+)?$")

Waves = tuple[str, list[tuple[NamedNode, str]], bool]
"""(slug for the labelling IRI, [(wave, date)], whether the wave is exactly known)."""


@dataclass(frozen=True)
class Schema:
    columns: tuple[str, ...]
    departement: str
    """The column of the département code(s)."""
    title: str | None
    """The column of the page title, if the schema has one."""
    quote: str | None
    """The column of the quoted evidence, if the schema has one."""

    def waves(self, ctx: LoadContext, row: int, record: dict[str, str]) -> Waves | None:
        if "wave" in self.columns:
            return wave_spelled(ctx, row, record["wave"])
        return wave_of(ctx, row, record["wave_label"].strip(), record["wave_date"].strip())


SCHEMAS = {
    "2026-11": Schema(COLUMNS, "departement_code", "source_title", None),
    "2026-12": Schema(COLUMNS_2026_12, "departement", None, "evidence_quote"),
}
DEFAULT_SCHEMA = "2026-11"


def schema_of(path: Path, ctx: LoadContext) -> Schema:
    """The column schema the source list's ``colonnes`` option names (the default if none)."""
    name = ctx.options.get("colonnes", DEFAULT_SCHEMA)
    if name not in SCHEMAS:
        raise SourceError(Location(str(path)), f"unknown column schema colonnes = {name!r} in the source list; "
                                               f"expected one of {', '.join(SCHEMAS)}")
    return SCHEMAS[name]


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    schema = schema_of(path, ctx)
    aliases = read_aliases(ctx.reference("site-aliases"))
    places = PlaceIndex.from_context(ctx)
    for row, record in read_csv_rows(path, schema.columns):
        report.rows_read += 1
        name = record["site_name"]
        alias = aliases.get(alias_key(name, record["commune"]))
        if alias is None:
            written = repr(name) if name.strip() else f"a site without a name at {record['commune'].strip() or '(no commune)'!r}"
            report.reject(row, "site_name", f"{written} is not in the site reconciliation table (curated/site_aliases.csv): "
                                            "reconcile it there first")
            continue
        waves = schema.waves(ctx, row, record)
        if waves is None:
            continue
        document, document_triples = cited_document(
            ctx, row, record["source_url"], record[schema.title] if schema.title else "", record["source_date"]
        )
        if document is None:
            continue
        located = locate(ctx, places, row, record, columns=("region", schema.departement, "commune"))
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
        if schema.quote and record[schema.quote].strip():
            yield Triple(labelling, TID.citation, fr(record[schema.quote].strip()))


def wave_of(ctx: LoadContext, row: int, label: str, date: str) -> Waves | None:
    """The wave of a row of the 2026-11 schema: its ``wave_label`` and ``wave_date``."""
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


def wave_spelled(ctx: LoadContext, row: int, spelled: str) -> Waves | None:
    """The wave of a row of the 2026-12 schema: its ``wave`` as one of :data:`WAVE_SPELLINGS`."""
    label = WAVE_SPELLINGS.get(spelled.strip())
    if label is None:
        ctx.report.reject(row, "wave", f"unknown wave spelling {spelled!r}; accepted: {', '.join(map(repr, WAVE_SPELLINGS))}")
        return None
    slug, wave_date = WAVES[label]
    return slug, [(ctx.minter.vague(slug), wave_date)], True
