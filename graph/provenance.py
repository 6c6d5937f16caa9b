"""The provenance graph: for every named graph, the source, file, checksum, licence and load.

Each source is a ``dcat:Dataset`` with one ``dcat:Distribution`` per file version (URL,
licence, media type, size, SHA-256, retrieval date). Each load is a ``tid:Chargement``
(``prov:Activity``) that used the distribution (and the files it looked things up in) and
generated the named graph, with rows read, skipped (by reason) and rejected (row and column).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from tid import __version__
from tid.graph.sources import ResolvedSource
from tid.loaders.base import LoadReport
from tid.namespaces import (
    DCAT,
    DCT,
    FOAF,
    LICENCE_OUVERTE_2,
    PROV,
    RDF,
    RDFS,
    SHA256,
    SPDX,
    TID,
    VOID,
    XSD,
    Minter,
    slugify,
)

IANA = "https://www.iana.org/assignments/media-types/"


@dataclass(frozen=True)
class LoadRecord:
    """One named graph made by one loader from one file."""

    source: ResolvedSource
    graph: NamedNode
    report: LoadReport
    triples: int
    started: datetime
    ended: datetime
    references: tuple[ResolvedSource, ...] = ()


def _datetime(value: datetime) -> Literal:
    return Literal(value.isoformat(timespec="seconds"), datatype=XSD.dateTime)


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=XSD.integer)


def distribution(mint: Minter, resolved: ResolvedSource) -> NamedNode:
    return mint.id("distribution", resolved.spec.id, resolved.sha256[:12])


def describe_load(mint: Minter, record: LoadRecord, graph: NamedNode) -> Iterator[Quad]:
    spec, resolved = record.source.spec, record.source
    dataset = mint.id("source", spec.id)
    dist = distribution(mint, resolved)
    activity = mint.id("chargement", spec.id, resolved.sha256[:12])

    def q(s: NamedNode | BlankNode, p: NamedNode, o: NamedNode | BlankNode | Literal) -> Quad:
        return Quad(s, p, o, graph)

    yield q(dataset, RDF.type, DCAT.Dataset)
    yield q(dataset, DCT.title, Literal(spec.title, language="fr"))
    publisher = mint.id("organisation", slugify(spec.publisher))
    yield q(dataset, DCT.publisher, publisher)
    yield q(publisher, FOAF.name, Literal(spec.publisher))
    yield q(dataset, DCT.license, NamedNode(spec.licence))
    yield q(dataset, DCAT.distribution, dist)
    yield q(dataset, TID.partiel, Literal("true" if spec.partial else "false", datatype=XSD.boolean))
    if spec.landing_page:
        yield q(dataset, DCAT.landingPage, NamedNode(spec.landing_page))
    if spec.licence_note:
        yield q(dataset, DCT.rights, Literal(spec.licence_note, language="en"))

    yield q(dist, RDF.type, DCAT.Distribution)
    yield q(dist, DCT.title, Literal(f"{spec.title} — {resolved.path.name}", language="fr"))
    yield q(dist, DCT.license, NamedNode(spec.licence))
    yield q(dist, DCAT.mediaType, NamedNode(IANA + spec.media_type))
    yield q(dist, DCAT.byteSize, Literal(str(resolved.byte_size), datatype=XSD.nonNegativeInteger))
    if spec.url:
        yield q(dist, DCAT.downloadURL, NamedNode(spec.url))
        yield q(dist, DCAT.accessURL, NamedNode(spec.url))
    if spec.version:
        yield q(dist, DCAT.version, Literal(spec.version))
    if spec.mirror:
        yield q(dist, TID.cheminMiroir, Literal(spec.mirror))
    elif spec.path:
        yield q(dist, TID.cheminMiroir, Literal(spec.path))
    if spec.retrieved:
        yield q(dist, TID.dateRecuperation, Literal(spec.retrieved.isoformat(), datatype=XSD.date))
    if spec.fetch_note:
        yield q(dist, RDFS.comment, Literal(spec.fetch_note, language="en"))
    checksum = BlankNode()
    yield q(dist, SPDX.checksum, checksum)
    yield q(checksum, RDF.type, SPDX.Checksum)
    yield q(checksum, SPDX.algorithm, NamedNode(SHA256))
    yield q(checksum, SPDX.checksumValue, Literal(resolved.sha256, datatype=XSD.hexBinary))

    named = record.graph
    yield q(named, RDF.type, PROV.Entity)
    yield q(named, RDF.type, VOID.Dataset)
    yield q(named, PROV.wasGeneratedBy, activity)
    yield q(named, PROV.wasDerivedFrom, dist)
    yield q(named, DCT.source, dataset)
    yield q(named, DCT.license, NamedNode(spec.licence))
    yield q(named, VOID.triples, _integer(record.triples))
    if spec.reference_date:
        yield q(named, DCT.temporal, Literal(spec.reference_date.isoformat(), datatype=XSD.date))

    report = record.report
    yield q(activity, RDF.type, TID.Chargement)
    yield q(activity, RDFS.label, Literal(f"Chargement de {spec.id} ({resolved.path.name})", language="fr"))
    yield q(activity, PROV.used, dist)
    for reference in record.references:
        yield q(activity, PROV.used, distribution(mint, reference))
    yield q(activity, PROV.generated, named)
    yield q(activity, PROV.startedAtTime, _datetime(record.started))
    yield q(activity, PROV.endedAtTime, _datetime(record.ended))
    yield q(activity, PROV.wasAssociatedWith, NamedNode(f"{mint.base}id/logiciel/tid/{__version__}"))
    yield q(activity, TID.lignesLues, _integer(report.rows_read))
    yield q(activity, TID.lignesRejetees, _integer(len(report.rejects)))
    for reason, count in sorted(report.skipped.items()):
        yield q(activity, RDFS.comment, Literal(f"{count} skipped: {reason}", language="en"))
    for what, count in sorted(report.notes.items()):
        yield q(activity, RDFS.comment, Literal(f"{count} × {what}", language="en"))
    for number, reject in enumerate(report.rejects, start=1):
        node = mint.id("rejet", spec.id, resolved.sha256[:12], str(number))
        yield q(activity, TID.rejet, node)
        yield q(node, RDF.type, TID.Rejet)
        if reject.location.row is not None:
            yield q(node, TID.ligne, _integer(reject.location.row))
        if reject.location.column:
            yield q(node, TID.colonne, Literal(reject.location.column))
        yield q(node, TID.motif, Literal(reject.message, language="en"))


def describe_project_graph(mint: Minter, named: NamedNode, derived_from: list[NamedNode], label_fr: str,
                           graph: NamedNode, version: str) -> Iterator[Quad]:
    """A graph this project makes itself (ontology, derivations, validation report, catalogue):
    what it comes from, under which licence, made by which step."""
    activity = mint.id("chargement", named.value.rsplit("/graph/", 1)[-1].replace("/", "-"), version)
    yield Quad(named, RDF.type, PROV.Entity, graph)
    yield Quad(named, DCT.license, NamedNode(LICENCE_OUVERTE_2), graph)
    yield Quad(named, PROV.wasGeneratedBy, activity, graph)
    for source in derived_from:
        yield Quad(named, PROV.wasDerivedFrom, source, graph)
    yield Quad(activity, RDF.type, TID.Chargement, graph)
    yield Quad(activity, RDFS.label, Literal(label_fr, language="fr"), graph)
    yield Quad(activity, PROV.wasAssociatedWith, NamedNode(f"{mint.base}id/logiciel/tid/{__version__}"), graph)
