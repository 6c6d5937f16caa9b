"""What the page of the catalogue or of a dataset shows first, as a portal shows a dataset: title,
description, publisher, licence, temporal and spatial coverage, last update, version, the table
of downloads (format, size, SHA-256 checksum, link), the datasets of the catalogue, the contact,
and how to cite it; the rest of the description follows on ``resource.html``.

It is read from the release's catalogue (:func:`tid.endpoint.catalog_route.load_catalogue`: the
file the build wrote, with its literals as declared), where every node a dataset reaches is
described: distributions, checksums, licences, publishers, periods. Texts are given in the page's
language, else French, else any.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode

from tid.endpoint.catalog_route import Catalogue
from tid.namespaces import DCAT, DCT, FOAF, IANA_MEDIA_TYPES, RDF, RDFS, SKOS, SPDX, VCARD

Node = NamedNode | BlankNode


@dataclass
class Download:
    title: str
    title_lang: str | None
    url: str | None
    format: str | None
    media_type: str | None
    size: int | None
    sha256: str | None
    is_file: bool = False
    """A ``dcat:downloadURL`` (a file), not only an ``accessURL`` (a service, a page)."""
    description: str | None = None


@dataclass
class DatasetSummary:
    iri: str
    is_catalogue: bool
    title: tuple[str, str] | None
    description: tuple[str, str] | None
    publisher: str | None
    creator: str | None
    licence_iri: str | None
    licence: str | None
    rights_note: str | None
    start: str | None
    end: str | None
    spatial: str | None
    issued: str | None
    modified: str | None
    version: str | None
    identifier: str | None
    landing_page: str | None
    keywords: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    downloads: list[Download] = field(default_factory=list)
    datasets: list[dict[str, Any]] = field(default_factory=list)
    contact_name: str | None = None
    contact_email: str | None = None
    contact_url: str | None = None


def _objects(catalogue: Catalogue, node: Node, predicate: NamedNode) -> list[Any]:
    return [t.object for t in catalogue.by_subject.get(node, ()) if t.predicate == predicate]


def _text(catalogue: Catalogue, node: Node | None, predicate: NamedNode, lang: str) -> tuple[str, str] | None:
    """The literal of ``predicate`` in ``lang``, else French, else untagged, else any; with its language."""
    if node is None:
        return None
    found: dict[str, str] = {}
    for value in _objects(catalogue, node, predicate):
        if isinstance(value, Literal):
            found.setdefault(value.language or "", value.value)
    for key in (lang, "fr", ""):
        if key in found:
            return found[key], key
    return next(iter((v, k) for k, v in found.items()), None)


def _plain(catalogue: Catalogue, node: Node | None, predicate: NamedNode, lang: str) -> str | None:
    picked = _text(catalogue, node, predicate, lang)
    return picked[0] if picked else None


def _first(catalogue: Catalogue, node: Node, predicate: NamedNode) -> Any:
    values = _objects(catalogue, node, predicate)
    return values[0] if values else None


def _iri(value: Any) -> str | None:
    return value.value if isinstance(value, NamedNode) else None


def _name(catalogue: Catalogue, node: Any, lang: str) -> str | None:
    """The name of an agent, a licence or a concept: ``foaf:name``, ``dct:title``, ``skos:prefLabel``, ``rdfs:label``."""
    if not isinstance(node, (NamedNode, BlankNode)):
        return None
    for predicate in (FOAF.name, DCT.title, SKOS.prefLabel, RDFS.label):
        found = _plain(catalogue, node, predicate, lang)
        if found:
            return found
    return None


FORMAT_NAMES = {"text/turtle": "Turtle", "application/n-triples": "N-Triples", "application/n-quads": "N-Quads",
                "application/ld+json": "JSON-LD", "application/rdf+xml": "RDF/XML", "application/trig": "TriG",
                "text/csv": "CSV", "application/json": "JSON", "application/geo+json": "GeoJSON",
                "application/vnd.geo+json": "GeoJSON", "application/zip": "ZIP", "application/pdf": "PDF",
                "text/html": "HTML", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX"}
"""The names people know formats by (data.gouv.fr's), by media type; others keep the EU file type's."""
FILE_TYPE_NAMES = {"SPARQLQ": "SPARQL"}


def _download(catalogue: Catalogue, node: Node, lang: str) -> Download:
    title = _text(catalogue, node, DCT.title, lang)
    download = _iri(_first(catalogue, node, DCAT.downloadURL))
    url = download or _iri(_first(catalogue, node, DCAT.accessURL))
    media = _iri(_first(catalogue, node, DCAT.mediaType))
    media_type = media.removeprefix(IANA_MEDIA_TYPES) if media else None
    file_type = _iri(_first(catalogue, node, DCT["format"]))
    code = file_type.rsplit("/", 1)[-1] if file_type else None
    fmt = FORMAT_NAMES.get(media_type or "") or FILE_TYPE_NAMES.get(code or "") \
        or _name(catalogue, _first(catalogue, node, DCT["format"]), lang) or media_type
    if fmt and _first(catalogue, node, DCAT.compressFormat) is not None:
        fmt += ", gzip"
    size_literal = _first(catalogue, node, DCAT.byteSize)
    size = int(size_literal.value) if isinstance(size_literal, Literal) and size_literal.value.isdigit() else None
    sha256 = None
    for checksum in _objects(catalogue, node, SPDX.checksum):
        value = _first(catalogue, checksum, SPDX.checksumValue)
        if isinstance(value, Literal):
            sha256 = value.value
    return Download(title=title[0] if title else (url or node.value), title_lang=title[1] if title else None,
                    url=url, format=fmt, media_type=media_type, size=size, sha256=sha256, is_file=download is not None,
                    description=_plain(catalogue, node, DCT.description, lang))


def summary(catalogue: Catalogue, iri: str, lang: str) -> DatasetSummary | None:
    """What the page of the catalogue or dataset ``iri`` shows first; None when the catalogue
    does not describe ``iri`` as a ``dcat:Catalog`` or ``dcat:Dataset``."""
    node = NamedNode(iri)
    types = set(_objects(catalogue, node, RDF.type))
    if DCAT.Catalog not in types and DCAT.Dataset not in types:
        return None
    temporal = _first(catalogue, node, DCT.temporal)
    licence = _first(catalogue, node, DCT.license)
    rights = _first(catalogue, node, DCT.rights)
    contact = _first(catalogue, node, DCAT.contactPoint)
    email = _iri(_first(catalogue, contact, VCARD.hasEmail)) if contact is not None else None

    def literal(predicate: NamedNode, on: Any = node) -> str | None:
        value = _first(catalogue, on, predicate) if on is not None else None
        return value.value if isinstance(value, Literal) else None

    datasets = []
    if DCAT.Catalog in types:
        for dataset in catalogue.datasets:
            datasets.append({"iri": dataset.value, "title": _text(catalogue, dataset, DCT.title, lang),
                             "modified": literal(DCT.modified, dataset), "version": literal(DCAT.version, dataset)})
    return DatasetSummary(
        iri=iri, is_catalogue=DCAT.Catalog in types,
        title=_text(catalogue, node, DCT.title, lang), description=_text(catalogue, node, DCT.description, lang),
        publisher=_name(catalogue, _first(catalogue, node, DCT.publisher), lang),
        creator=_name(catalogue, _first(catalogue, node, DCT.creator), lang),
        licence_iri=_iri(licence), licence=_name(catalogue, licence, lang) or _name(catalogue, rights, lang),
        rights_note=_plain(catalogue, rights, RDFS.comment, lang) if rights is not None else None,
        start=literal(DCAT.startDate, temporal), end=literal(DCAT.endDate, temporal),
        spatial=", ".join(n for n in (_name(catalogue, s, lang) for s in _objects(catalogue, node, DCT.spatial)) if n)
        or None,
        issued=literal(DCT.issued), modified=literal(DCT.modified), version=literal(DCAT.version),
        identifier=literal(DCT.identifier), landing_page=_iri(_first(catalogue, node, DCAT.landingPage)),
        keywords=sorted({v.value for v in _objects(catalogue, node, DCAT.keyword)
                         if isinstance(v, Literal) and v.language in (lang, None)}),
        themes=[n for n in (_name(catalogue, t, lang) for t in _objects(catalogue, node, DCAT.theme)) if n],
        downloads=sorted((_download(catalogue, d, lang) for d in _objects(catalogue, node, DCAT.distribution)
                          if isinstance(d, (NamedNode, BlankNode))), key=lambda d: not d.is_file),
        datasets=datasets,
        contact_name=literal(VCARD.fn, contact) if contact is not None else None,
        contact_email=email.removeprefix("mailto:") if email else None,
        contact_url=_iri(_first(catalogue, contact, VCARD.hasURL)) if contact is not None else None,
    )


def human_size(size: int | None, lang: str) -> str:
    """``1234567`` -> ``1,2 Mo`` (French) or ``1.2 MB`` (English): decimal units, as data.gouv.fr."""
    if size is None:
        return "—"
    units = ("o", "ko", "Mo", "Go") if lang == "fr" else ("B", "kB", "MB", "GB")
    value = float(size)
    unit = 0
    while value >= 1000 and unit < len(units) - 1:
        value /= 1000
        unit += 1
    text = f"{value:.0f}" if unit == 0 else f"{value:.1f}"
    return (text.replace(".", ",") if lang == "fr" else text) + ("\u00a0" if lang == "fr" else " ") + units[unit]
