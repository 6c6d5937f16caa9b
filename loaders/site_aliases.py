"""The reconciliation of the sites clés en main: ``curated/site_aliases.csv``.

Columns ``site_slug, site_name, canonical_label, justification, commune``: each name a transcribed
row gives a site (``site_name``, as written), the site it is (``site_slug``, its IRI), the site's
label, and why (two rows are one site only when a person decided so, citing the evidence). A row
that gives no name is identified by the commune it gives instead (``commune``, as written, only on
the table's rows with an empty ``site_name``): an unnamed row is never taken for another unnamed
site elsewhere. The sites loaders
read the table (``requires``) and refuse a name it does not have; this loader publishes the
decisions: each name as ``skos:hiddenLabel`` of its site and each justification as
``skos:editorialNote``, so that the merges are data with their provenance like the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Triple

from tid.loaders.base import LoadContext, en, fr, read_csv_rows
from tid.namespaces import SKOS

VERSION = "1"
COLUMNS = ("site_slug", "site_name", "canonical_label", "justification", "commune")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Alias:
    slug: str
    label: str


def alias_key(name: str, commune: str) -> tuple[str, str]:
    """What the table is looked up by: the site name as written, or, for a row without a name,
    the commune as written."""
    return (name, "") if name.strip() else ("", commune.strip())


def read_aliases(path: Path) -> dict[tuple[str, str], Alias]:
    """(site name as written, or the commune of an unnamed row) -> the site it is."""
    return {alias_key(r["site_name"], r["commune"]): Alias(r["site_slug"].strip(), r["canonical_label"].strip())
            for _row, r in read_csv_rows(path, COLUMNS)}


def load(path: Path, ctx: LoadContext) -> Iterator[Triple]:
    report, mint = ctx.report, ctx.minter
    labels: dict[str, str] = {}
    names: set[tuple[str, str]] = set()
    for row, record in read_csv_rows(path, COLUMNS):
        report.rows_read += 1
        slug, name, label = record["site_slug"].strip(), record["site_name"], record["canonical_label"].strip()
        if not SLUG.match(slug):
            report.reject(row, "site_slug", f"{slug!r} is not a slug (lower-case ASCII words joined by '-')")
            continue
        if name.strip() and record["commune"].strip():
            report.reject(row, "commune", "a commune only identifies a row without a site name; leave it empty")
            continue
        key = alias_key(name, record["commune"])
        if key in names:
            report.reject(row, "site_name", f"{name!r} is reconciled twice" if name.strip()
                          else f"the unnamed site at {key[1]!r} is reconciled twice")
            continue
        if labels.setdefault(slug, label) != label:
            report.reject(row, "canonical_label", f"site {slug} is labelled {labels[slug]!r} on an earlier row")
            continue
        names.add(key)
        site = mint.id("site", slug)
        if name.strip():
            yield Triple(site, SKOS.hiddenLabel, fr(name.strip()))
        if record["justification"].strip():
            yield Triple(site, SKOS.editorialNote, en(record["justification"].strip()))
