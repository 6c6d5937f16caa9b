"""The code tables of the catalogue, read from ``curated/catalogue/`` (data, not code):

* ``vocabularies.ttl``: the EU authority concepts the catalogue uses (data themes, frequencies,
  languages) with their French and English labels, and the licences of the sources (titles, the
  rights statement's label, the SPDX form);
* ``file-types.csv``: IANA media type -> EU file-type code, and the file extensions that give a
  media type to an official file the graph was not loaded from directly;
* ``publishers.csv``: the publishers of ``sources.toml`` that are public bodies;
* ``kinds.csv``: what each loader's sources are about (English title, EU data themes, keywords).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, parse

from tid import ROOT
from tid.namespaces import DCT, EU_AUTHORITY, OWL, RDFS, SKOS

TABLES_DIR = ROOT / "curated" / "catalogue"


class Licence(NamedTuple):
    title_fr: str
    title_en: str
    rights_label: str
    """What the ``dct:rights`` statement is labelled (data.gouv.fr reads that label)."""
    spdx: str | None


@dataclass(frozen=True)
class Kind:
    """What a loader's sources are about: English title, EU data themes, keywords."""

    en: str
    themes: tuple[str, ...]
    keywords_fr: tuple[str, ...] = ()
    keywords_en: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tables:
    data_themes: dict[str, tuple[str, str]]
    """EU data-theme code -> (French label, English label), in the file's order; likewise:"""
    frequencies: dict[str, tuple[str, str]]
    languages: dict[str, tuple[str, str]]
    licences: dict[str, Licence]
    """Licence IRI (as in ``sources.toml``) -> what the catalogue says of it."""
    file_types: dict[str, str]
    """IANA media type -> EU file-type code."""
    url_media_types: dict[str, str]
    """File extension (``.csv``) -> media type."""
    public_bodies: frozenset[str]
    kinds: dict[str, Kind]
    """Loader name -> what its sources are about."""


def _concepts(quads: list, scheme: str) -> dict[str, tuple[str, str]]:
    """``{code: (fr, en)}`` of the concepts of the EU table ``scheme``, in the file's order."""
    in_scheme = NamedNode(EU_AUTHORITY + scheme)
    members = [q.subject for q in quads if q.predicate == SKOS.inScheme and q.object == in_scheme]
    labels: dict[NamedNode, dict[str, str]] = {}
    for quad in quads:
        if quad.predicate == SKOS.prefLabel and isinstance(quad.object, Literal):
            labels.setdefault(quad.subject, {})[quad.object.language or ""] = quad.object.value
    return {member.value.rsplit("/", 1)[-1]: (labels[member]["fr"], labels[member]["en"]) for member in members}


def _licences(quads: list) -> dict[str, Licence]:
    by_subject: dict[NamedNode | BlankNode, list] = {}
    for quad in quads:
        by_subject.setdefault(quad.subject, []).append(quad)

    def value(subject: NamedNode | BlankNode, predicate: NamedNode, language: str | None = None) -> str | None:
        for quad in by_subject.get(subject, ()):
            if quad.predicate == predicate and (language is None or getattr(quad.object, "language", None) == language):
                return quad.object.value
        return None

    licences = {}
    for subject in by_subject:
        if isinstance(subject, NamedNode) and value(subject, DCT.title, "fr"):
            rights = next(q.object for q in by_subject[subject] if q.predicate == DCT.rights)
            licences[subject.value] = Licence(value(subject, DCT.title, "fr") or "", value(subject, DCT.title, "en") or "",
                                              value(rights, RDFS.label) or "", value(subject, OWL.sameAs))
    return licences


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def tables(directory: Path = TABLES_DIR) -> Tables:
    """The tables, read once."""
    quads = list(parse(path=str(directory / "vocabularies.ttl"), format=RdfFormat.TURTLE))
    file_types = _rows(directory / "file-types.csv")
    return Tables(
        data_themes=_concepts(quads, "data-theme"),
        frequencies=_concepts(quads, "frequency"),
        languages=_concepts(quads, "language"),
        licences=_licences(quads),
        file_types={row["media_type"]: row["file_type"] for row in file_types},
        url_media_types={row["extension"]: row["media_type"] for row in file_types if row["extension"]},
        public_bodies=frozenset(row["publisher"] for row in _rows(directory / "publishers.csv")
                                if row["public_body"] == "yes"),
        kinds={row["loader"]: Kind(row["title_en"], tuple(row["themes"].split()), tuple(row["keywords_fr"].split("|")),
                                   tuple(row["keywords_en"].split("|"))) for row in _rows(directory / "kinds.csv")},
    )
