"""Lauréats of the Fonds d'accélération des investissements industriels dans les territoires.

A partial hand transcription of regional announcements (SOURCES.md §4): columns ``region,
company_name, commune, departement_code, project_summary, amount_eur, source_url,
source_title, source_date, note``. Each row is a supported company (``tid:EntrepriseSoutenue``)
and the support it received (``tid:Soutien``) under the Fonds, with the document announcing it.
The source is marked partial in the provenance (the official DGE list has 1,158 such rows).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Literal, Triple

from tid.loaders.base import LoadContext, en, fr, read_csv_rows
from tid.loaders.documents import cited_document, issued
from tid.loaders.places import PlaceIndex, locate
from tid.namespaces import DCT, LEGAL, RDF, RDFS, TID, XSD, slugify

VERSION = "2"
COLUMNS = (
    "region", "company_name", "commune", "departement_code", "project_summary", "amount_eur",
    "source_url", "source_title", "source_date", "note",
)
PROGRAMME = "fonds-acceleration-investissements-industriels"
AMOUNT = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    places = PlaceIndex.from_context(ctx)
    seen: dict[str, int] = {}
    for row, record in read_csv_rows(path, COLUMNS):
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
        located = locate(ctx, places, row, record)
        if located is None:
            continue
        amount = record["amount_eur"].strip()
        if amount and not AMOUNT.match(amount):
            report.reject(row, "amount_eur", f"amount {amount!r} is not a number of euros")
            continue
        document, document_triples = cited_document(
            ctx, row, record["source_url"], record["source_title"], record["source_date"]
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
        if record["project_summary"].strip():
            yield Triple(support, DCT.description, fr(record["project_summary"].strip()))
        if record["note"].strip():
            yield Triple(support, RDFS.comment, en(record["note"].strip()))
        yield from located.triples(ctx, support)
