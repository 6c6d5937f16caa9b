"""The schema.org ``Dataset`` the home page shows search engines, mapped from the catalogue's
description of the whole graph (never written apart from it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from tid.errors import ConfigError
from tid.graph.catalog.names import france_bbox, whole_dataset
from tid.namespaces import DCAT, DCT, FOAF, IANA_MEDIA_TYPES, SKOS, VCARD, Minter


def schema_org_dataset(catalogue: Iterable[Quad], minter: Minter) -> dict[str, Any]:
    """The schema.org ``Dataset`` (JSON-LD, for ``<script type="application/ld+json">`` in the
    home page) mapped from the catalogue's description of the whole graph, never written apart."""
    by_subject: dict[Any, list[Quad]] = {}
    for quad in catalogue:
        by_subject.setdefault(quad.subject, []).append(quad)

    def values(node: Any, predicate: NamedNode) -> list[Any]:
        return [q.object for q in by_subject.get(node, []) if q.predicate == predicate]

    def text(node: Any, predicate: NamedNode, language: str = "fr") -> str | None:
        found = [v for v in values(node, predicate) if isinstance(v, Literal)]
        for value in found:
            if value.language == language:
                return value.value
        return found[0].value if found else None

    def iri(node: Any, predicate: NamedNode) -> str | None:
        found = [v.value for v in values(node, predicate) if isinstance(v, NamedNode)]
        return found[0] if found else None

    def organisation(node: Any) -> dict[str, Any]:
        return {"@type": "Organization", "@id": node.value, "name": text(node, FOAF.name)}

    dataset = whole_dataset(minter)
    if dataset not in by_subject:
        raise ConfigError(f"the catalogue does not describe {dataset.value}")
    catalog = next((q.subject for q in _with_predicate(by_subject, DCAT.dataset) if q.object == dataset), None)
    result: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": dataset.value,
        "name": text(dataset, DCT.title),
        "alternateName": text(dataset, DCT.title, "en"),
        "description": text(dataset, DCT.description),
        "url": iri(dataset, DCAT.landingPage),
        "identifier": text(dataset, DCT.identifier),
        "version": text(dataset, DCAT.version),
        "inLanguage": "fr",
        "isAccessibleForFree": True,
        "keywords": sorted({v.value for v in values(dataset, DCAT.keyword) if isinstance(v, Literal)}),
        "license": iri(dataset, DCT.license),
    }
    publisher = values(dataset, DCT.publisher)
    if publisher:
        result["publisher"] = result["creator"] = organisation(publisher[0])
    for contact in values(dataset, DCAT.contactPoint):
        email = iri(contact, VCARD.hasEmail)
        if email:
            result["publisher"]["contactPoint"] = {"@type": "ContactPoint", "contactType": "data",
                                                   "email": email.removeprefix("mailto:")}
    for period in values(dataset, DCT.temporal):
        start, end = text(period, DCAT.startDate), text(period, DCAT.endDate)
        if start:
            result["temporalCoverage"] = f"{start}/{end or '..'}"
    for place in values(dataset, DCT.spatial):
        west, south, east, north = france_bbox()
        result["spatialCoverage"] = {"@type": "Place", "name": text(place, SKOS.prefLabel) or "France",
                                     "geo": {"@type": "GeoShape", "box": f"{south} {west} {north} {east}"}}
    issued, modified = text(dataset, DCT.issued), text(dataset, DCT.modified)
    if issued:
        result["datePublished"] = issued
    if modified:
        result["dateModified"] = modified
    if catalog is not None:
        result["includedInDataCatalog"] = {"@type": "DataCatalog", "@id": catalog.value,
                                           "name": text(catalog, DCT.title), "url": iri(catalog, FOAF.homepage)}
    downloads = []
    for dist in values(dataset, DCAT.distribution):
        url = iri(dist, DCAT.downloadURL)
        if not url:
            continue
        media = iri(dist, DCAT.mediaType)
        download = {"@type": "DataDownload", "name": text(dist, DCT.title), "contentUrl": url,
                    "encodingFormat": media.removeprefix(IANA_MEDIA_TYPES) if media else None}
        size = text(dist, DCAT.byteSize)
        if size:
            download["contentSize"] = f"{size} B"
        downloads.append({k: v for k, v in download.items() if v is not None})
    result["distribution"] = sorted(downloads, key=lambda d: d["contentUrl"])
    parts = []
    for quad in _with_predicate(by_subject, DCT.isPartOf):
        if quad.object == dataset:
            part = quad.subject
            parts.append({"@type": "Dataset", "@id": part.value, "name": text(part, DCT.title),
                          "description": text(part, DCT.description), "identifier": text(part, DCT.identifier),
                          "license": iri(part, DCT.license)})
    if parts:
        result["hasPart"] = sorted(parts, key=lambda p: p["identifier"] or "")
    return {k: v for k, v in result.items() if v is not None}


def _with_predicate(by_subject: dict[Any, list[Quad]], predicate: NamedNode) -> list[Quad]:
    return [q for quads in by_subject.values() for q in quads if q.predicate == predicate]
