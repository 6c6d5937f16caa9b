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
    ``xsd:nonNegativeInteger`` into ``xsd:integer``.

    The files of one folder are one set of shapes, validated on its own: SEMIC publishes two
    alternative sets (``html/shacl/`` and ``shacl/``), which together would report each class
    range twice; a result both sets (or two files of a set) give is reported once."""
    import pyshacl  # imported here: it takes a second to import, and only this profile needs it

    ontologies = rdflib.Graph()
    if mirror is not None:
        for name in ("dcat3.ttl", "org.ttl", "prov-o.ttl"):
            path = mirror / "vocabularies" / "w3c" / name
            if path.is_file():
                ontologies.parse(path, format="turtle")
    data = store if isinstance(store, rdflib.Graph) else catalogue_triples(store)
    data = data + ontologies
    # SEMIC's shacl/ set asks ``sh:class rdfs:Resource`` of dcat:endpointURL and
    # dcat:endpointDescription, true of every IRI by RDFS entailment (rule rdfs4b): that entailment
    # alone is added, not the RDFS closure, which entails what the shapes reject (see above)
    for term in set(data.subjects()) | set(data.objects()):
        if isinstance(term, rdflib.URIRef):
            data.add((term, rdflib.RDF.type, rdflib.RDFS.Resource))
    sets: dict[Path, list[Path]] = {}
    for path in shape_files:
        sets.setdefault(path.parent, []).append(path)
    results: list[ShapeResult] = []
    seen: set[tuple[Any, ...]] = set()
    texts = ShapeTexts()
    for files in sets.values():
        shapes = rdflib.Graph()
        for path in files:
            shapes.parse(path, format="turtle")
        without_definition(shapes)
        _conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
        for result in pyshacl_results(report):
            same = (result.focus, result.path, result.value, result.component, result.severity)
            if same not in seen:
                seen.add(same)
                results.append(result)
        for shape in set(shapes.subjects(RDF_TYPE, SH.NodeShape)) | set(shapes.subjects(RDF_TYPE, SH.PropertyShape)):
            texts.all_shapes.append(nt(shape))
            for literal in shapes.objects(shape, SH.name):
                texts.names.setdefault(nt(shape), {})[getattr(literal, "language", None) or "en"] = str(literal)
    return dedupe(results), texts


def without_definition(shapes: rdflib.Graph) -> int:
    """Drop the ``sh:property`` links to property shapes the file never defines (no ``sh:path``):
    SEMIC's 3.0.1 ``shacl/dcat-ap-SHACL.ttl`` links ``dcat:DataServiceShape`` to such IRIs, which
    pySHACL (like Jena) refuses to load (SEMICeu/DCAT-AP issue 448, open). Returns how many."""
    dangling = [(shape, target) for shape, target in shapes.subject_objects(SH.property)
                if (target, SH.path, None) not in shapes]
    for shape, target in dangling:
        shapes.remove((shape, SH.property, target))
    return len(dangling)
