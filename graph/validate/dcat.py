"""The catalogue validated with the official SEMIC DCAT-AP shapes (``tid validate --profile
dcat-ap``), by pySHACL over the catalogue's triples and the W3C ontologies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Store, serialize

from tid.graph.report import ShapeResult, ShapeTexts
from tid.graph.shapes import RDF_TYPE, SH, nt
from tid.graph.validate.engines import dedupe, pyshacl_results
from tid.namespaces import PREFIXES, RDF

DCAT_CLASSES = ("Catalog", "Dataset", "Distribution", "DataService", "DatasetSeries", "CatalogRecord")


def catalogue_triples(store: Store, hops: int = 2) -> rdflib.Graph:
    """The DCAT descriptions in the store and what they point to (breadth-first, ``hops`` IRI
    steps, blank nodes followed freely), as one rdflib graph (parsed at once: blank nodes keep
    their identity)."""
    dcat = PREFIXES["dcat"]
    frontier: list[Any] = []
    for cls in DCAT_CLASSES:
        frontier += [q.subject for q in store.quads_for_pattern(None, RDF.type, NamedNode(dcat + cls), None)]
    depth = {node: 0 for node in frontier}
    triples: set[Any] = set()
    position = 0
    while position < len(frontier):
        node = frontier[position]
        position += 1
        for quad in store.quads_for_pattern(node, None, None, None):
            triples.add(quad.triple)
            target = quad.object
            if isinstance(target, Literal) or target in depth:
                continue
            step = 0 if isinstance(target, BlankNode) else 1
            if depth[node] + step <= hops:
                depth[target] = depth[node] + step
                frontier.append(target)
    graph = rdflib.Graph()
    if triples:
        graph.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES).decode("utf-8"), format="nt")
    return graph


def validate_dcat(store: Store | rdflib.Graph, shape_files: list[Path], mirror: Path | None) -> tuple[list[ShapeResult], ShapeTexts]:
    """The official SEMIC DCAT-AP shapes, with pySHACL over the data plus the W3C ontologies
    (SHACL's own subclass handling then lets an ``org:Organization`` publisher pass
    ``sh:class foaf:Agent``). No RDFS inference: with DCAT 3 it entails ``dct:hasPart`` from
    ``dcat:dataset`` and ``dct:format`` from ``dcat:mediaType``, which the shapes then reject.
    Give the published catalogue file as an rdflib graph: the store turns
    ``xsd:nonNegativeInteger`` into ``xsd:integer``."""
    import pyshacl  # imported here: it takes a second to import, and only this profile needs it

    shapes = rdflib.Graph()
    for path in shape_files:
        shapes.parse(path, format="turtle")
    ontologies = rdflib.Graph()
    if mirror is not None:
        for name in ("dcat3.ttl", "org.ttl", "prov-o.ttl"):
            path = mirror / "vocabularies" / "w3c" / name
            if path.is_file():
                ontologies.parse(path, format="turtle")
    data = store if isinstance(store, rdflib.Graph) else catalogue_triples(store)
    data = data + ontologies
    _conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    results = pyshacl_results(report)
    texts = ShapeTexts()
    for shape in set(shapes.subjects(RDF_TYPE, SH.NodeShape)) | set(shapes.subjects(RDF_TYPE, SH.PropertyShape)):
        texts.all_shapes.append(nt(shape))
        for literal in shapes.objects(shape, SH.name):
            texts.names.setdefault(nt(shape), {})[getattr(literal, "language", None) or "en"] = str(literal)
    return dedupe(results), texts
