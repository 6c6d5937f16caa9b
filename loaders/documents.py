"""The documents that transcribed rows cite: a web page (by URL) or a seed document (by file)."""

from __future__ import annotations

import re

from pyoxigraph import Literal, NamedNode, Triple

from tid.loaders.base import LoadContext, fr
from tid.namespaces import DCT, PREFIXES, RDF, TID, XSD, Vocabulary

SCHEMA = Vocabulary(PREFIXES["schema"])
SEED = re.compile(r"^seeds/(?P<number>[0-9]{3})_[0-9a-f]+\.txt$")
FULL_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
YEAR_MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}$")
WITH_COMMENT = re.compile(r"^(?P<date>[0-9]{4}-[0-9]{2}(?:-[0-9]{2})?) \(.*\)$")


def issued(value: str) -> Literal | None:
    """``2020-01-21`` as xsd:date, ``2020-07`` as xsd:gYearMonth, anything else as nothing.

    A transcriber's comment in brackets after the date (``2020-10 (selection of 29 Oct 2020)``)
    leaves the date; any other wording (``page updated 2022-08-10``: a date, but not the
    publication's) gives nothing."""
    value = value.strip()
    commented = WITH_COMMENT.match(value)
    if commented:
        value = commented["date"]
    if FULL_DATE.match(value):
        return Literal(value, datatype=XSD.date)
    if YEAR_MONTH.match(value):
        return Literal(value, datatype=XSD.gYearMonth)
    return None


def cited_document(ctx: LoadContext, row: int, url: str, title: str, date: str) -> tuple[NamedNode | None, list[Triple]]:
    """The document a row cites and what the row says of it; (None, []) when it cites nothing."""
    url, title = url.strip(), title.strip()
    seed = SEED.match(title)
    if seed:
        # A seed document is described once, in its curated file; rows only point at it.
        return ctx.minter.id("document", f"seed-{seed['number']}"), []
    if not url:
        ctx.report.reject(row, "source_url", "the row cites no source (no URL and no seed document)")
        return None, []
    node = ctx.minter.document_for_url(url)
    triples = [
        Triple(node, RDF.type, TID.Document),
        Triple(node, SCHEMA.url, NamedNode(url)),
    ]
    if title:
        triples.append(Triple(node, DCT.title, fr(title)))
    date_literal = issued(date)
    if date_literal is not None:
        triples.append(Triple(node, DCT.issued, date_literal))
    return node, triples

