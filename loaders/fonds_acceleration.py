"""Lauréats of the Fonds d'accélération des investissements industriels dans les territoires.

A partial hand transcription of regional announcements, in one of two column schemas that the
source list's ``options = { colonnes = "..." }`` names:

* ``"2026-11"`` (the default; SOURCES.md §4b): ``region, company_name, commune, departement_code,
  project_summary, amount_eur, source_url, source_title, source_date, note``;
* ``"2026-12"`` (SOURCES.md §4e): ``region, company_name, commune, departement, amount_eur,
  source_url, source_date, evidence_quote, note``: no page title (the document is named by its URL
  only), no project summary, and ``evidence_quote``, the passage of the page that names the
  lauréat, kept as the support's ``tid:citation`` (in French, as written).

Each row is a supported company (``tid:EntrepriseSoutenue``) and the support it received
(``tid:Soutien``) under the Fonds, with the document announcing it. The source is marked partial in
the provenance (the official DGE list has 1,158 such rows).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Literal, Triple

from tid.errors import Location, SourceError
from tid.loaders.base import LoadContext, en, fr, read_csv_rows
from tid.loaders.documents import cited_document, issued
from tid.loaders.places import PlaceIndex, locate
from tid.namespaces import DCT, LEGAL, RDF, RDFS, TID, XSD, slugify

VERSION = "2"
COLUMNS = (
    "region", "company_name", "commune", "departement_code", "project_summary", "amount_eur",
    "source_url", "source_title", "source_date", "note",
)
COLUMNS_2026_12 = (
    "region", "company_name", "commune", "departement", "amount_eur", "source_url", "source_date",
    "evidence_quote", "note",
)
# schema name -> (columns, département column, title column, project summary column, quote column)
SCHEMAS: dict[str, tuple[tuple[str, ...], str, str | None, str | None, str | None]] = {
    "2026-11": (COLUMNS, "departement_code", "source_title", "project_summary", None),
    "2026-12": (COLUMNS_2026_12, "departement", None, None, "evidence_quote"),
}
DEFAULT_SCHEMA = "2026-11"
PROGRAMME = "fonds-acceleration-investissements-industriels"
AMOUNT = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    name_of_schema = ctx.options.get("colonnes", DEFAULT_SCHEMA)
    if name_of_schema not in SCHEMAS:
        raise SourceError(Location(str(path)), f"unknown column schema colonnes = {name_of_schema!r} in the source list; "
                                               f"expected one of {', '.join(SCHEMAS)}")
    columns, departement_column, title_column, summary_column, quote_column = SCHEMAS[name_of_schema]
    places = PlaceIndex.from_context(ctx)
    seen: dict[str, int] = {}
    for row, record in read_csv_rows(path, columns):
        report.rows_read += 1
        name = record["company_name"].strip()
        if not name:
            report.reject(row, "company_name", "empty company name")
            continue
        slug = slugify(name)
        if slug in seen:
            report.reject(row, "company_name", f"company {name!r} already listed at row {seen[slug]}")
            continue
        seen[slug] = row
        located = locate(ctx, places, row, record, columns=("region", departement_column, "commune"))
        if located is None:
            continue
        amount = record["amount_eur"].strip()
        if amount and not AMOUNT.match(amount):
            report.reject(row, "amount_eur", f"amount {amount!r} is not a number of euros")
            continue
        document, document_triples = cited_document(
            ctx, row, record["source_url"], record[title_column] if title_column else "", record["source_date"]
        )
        if document is None:
            continue

        yield from document_triples
        company = mint.id("entreprise", slug)
        yield Triple(company, RDF.type, TID.EntrepriseSoutenue)
        yield Triple(company, RDFS.label, fr(name))
        yield Triple(company, LEGAL.legalName, Literal(name))
        support = mint.id("soutien", PROGRAMME, slug)
        yield Triple(support, RDF.type, TID.Soutien)
        yield Triple(support, RDFS.label, fr(f"Soutien à {name} (Fonds d'accélération des investissements industriels)"))
        yield Triple(support, TID.beneficiaire, company)
        yield Triple(support, TID.programme, mint.programme(PROGRAMME))
        yield Triple(support, DCT.source, document)
        announced = issued(record["source_date"])
        if announced is not None:  # the day, or only the month when the source gives no day
            yield Triple(support, TID.date if announced.datatype == XSD.date else TID.mois, announced)
        if amount:
            yield Triple(support, TID.montant, Literal(amount, datatype=XSD.decimal))
        if summary_column and record[summary_column].strip():
            yield Triple(support, DCT.description, fr(record[summary_column].strip()))
        if record["note"].strip():
            yield Triple(support, RDFS.comment, en(record["note"].strip()))
        if quote_column and record[quote_column].strip():
            yield Triple(support, TID.citation, fr(record[quote_column].strip()))
        yield from located.triples(ctx, support)
