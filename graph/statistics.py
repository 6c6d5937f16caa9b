"""The release's statistics, written by the build into their own named graph.

``stats-graphs``, ``stats-properties`` and ``stats-classes`` count the whole store: computed by
the engine at each request, they read every quad (0.1 to 0.9 s of CPU each on the real graph). The build knows these figures (it computes them for the manifest
and VoID anyway): it writes them, for the store as published, into the graph
``{base}graph/statistiques``, and the catalogued queries read them.

The figures count that graph too: it is written last, so its own triples are known in advance
(three a named graph, a property and a class, all about nodes of its own) and added to the counts
before it is written. Its shape is VoID's, with the SPARQL Service Description's ``sd:name`` to
say which named graph a subset is; ``<stats>`` is ``{base}id/dataset/territoires-industrie/statistiques``
(the store as published, where ``/.well-known/void`` describes the data graphs)::

    <stats> void:subset <…/statistiques/graphe/H> .
    <…/statistiques/graphe/H> sd:name <graph> ; void:triples 123 .
    <stats> void:propertyPartition <…/statistiques/propriete/H> .
    <…/statistiques/propriete/H> void:property <p> ; void:triples 456 .
    <stats> void:classPartition <…/statistiques/classe/H> .
    <…/statistiques/classe/H> void:class <c> ; void:entities 78 .

The counting queries themselves are kept (``store-graph-triples``, ``store-property-triples``,
``store-class-instances``): the build runs the last two once here, and the tests compare their
answers with the catalogued queries' on the real graph.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, Store

from tid.graph.queries import load_query
from tid.graph.store import merged
from tid.namespaces import RDF, SD, VOID, XSD, Minter

STATISTICS_GRAPH = "statistiques"


def statistics_graph(minter: Minter) -> NamedNode:
    return minter.graph(STATISTICS_GRAPH)


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=XSD.integer)


def _node(minter: Minter, kind: str, iri: str) -> NamedNode:
    return minter.id("dataset", "territoires-industrie", "statistiques", kind, hashlib.sha1(iri.encode()).hexdigest()[:12])


@dataclass
class Tally:
    """The default graph's triples, per property and instances per class (``store-triples``,
    ``store-property-triples``, ``store-class-instances``), kept up to date by :meth:`add` as
    graphs are added: the build counts the store once, before its catalogue, instead of counting
    it again for the catalogue and for this graph."""

    triples: int
    properties: Counter[str] = field(default_factory=Counter)
    classes: Counter[str] = field(default_factory=Counter)

    def add(self, store: Store, quads: Iterable[Quad]) -> None:
        """Count ``quads`` about to be added to ``store`` (call it before adding them): each
        triple the merge does not hold yet is one more triple of its property and, for
        ``rdf:type``, one more instance of its class (a new pair of thing and class)."""
        for triple in dict.fromkeys(quad.triple for quad in quads):
            if Quad(triple.subject, triple.predicate, triple.object, DefaultGraph()) in store:
                continue
            self.triples += 1
            self.properties[triple.predicate.value] += 1
            if triple.predicate == RDF.type:
                self.classes[triple.object.value] += 1


def statistics_quads(store: Store, minter: Minter, graphs: dict[str, int], tally: Tally | None = None) -> list[Quad]:
    """The statistics graph of ``store`` once it is added: ``graphs`` gives the triples of each
    named graph already there (the manifest's counts, which the build keeps up to date); the
    properties and classes of the default graph (the merge) are counted here, or taken from
    ``tally`` (the store's, kept up to date)."""
    graph = statistics_graph(minter)
    if graph.value in graphs:
        raise ValueError(f"the store already has a graph {graph.value}")
    if tally is not None:
        properties, classes = Counter(tally.properties), dict(tally.classes)
    else:
        properties = Counter({s[0].value: int(s[1].value)
                              for s in store.query(load_query("store-property-triples").text)})
        classes = {s[0].value: int(s[1].value) for s in store.query(load_query("store-class-instances").text)}
    # This graph's own triples: three per named graph (itself included), per property and per
    # class; every one about a node of its own (checked below), so each is new in the default
    # graph too.
    own = {VOID.subset: 0, SD.name: 0, VOID.triples: 0, VOID.propertyPartition: 0, VOID.property: 0,
           VOID.classPartition: 0, VOID["class"]: 0, VOID.entities: 0}
    all_graphs = sorted({*graphs, graph.value})
    all_properties = sorted({*properties, *(p.value for p in own)})
    own[VOID.subset] = own[SD.name] = len(all_graphs)
    own[VOID.propertyPartition] = own[VOID.property] = len(all_properties)
    own[VOID.triples] = len(all_graphs) + len(all_properties)
    own[VOID.classPartition] = own[VOID["class"]] = own[VOID.entities] = len(classes)
    properties.update({p.value: n for p, n in own.items()})
    sizes = dict(graphs)
    sizes[graph.value] = sum(own.values())

    dataset = minter.id("dataset", "territoires-industrie", "statistiques")
    quads: list[Quad] = []

    def add(subject: NamedNode, predicate: NamedNode, value: Any) -> None:
        quads.append(Quad(subject, predicate, value, graph))

    for iri in all_graphs:
        node = _node(minter, "graphe", iri)
        add(dataset, VOID.subset, node)
        add(node, SD.name, NamedNode(iri))
        add(node, VOID.triples, _integer(sizes[iri]))
    for iri in all_properties:
        node = _node(minter, "propriete", iri)
        add(dataset, VOID.propertyPartition, node)
        add(node, VOID.property, NamedNode(iri))
        add(node, VOID.triples, _integer(properties[iri]))
    for iri, count in sorted(classes.items()):
        node = _node(minter, "classe", iri)
        add(dataset, VOID.classPartition, node)
        add(node, VOID["class"], NamedNode(iri))
        add(node, VOID.entities, _integer(count))
    if len(quads) != sizes[graph.value]:  # the count written above is the graph's own size
        raise AssertionError(f"the statistics graph has {len(quads)} triples, {sizes[graph.value]} counted")
    for node in {q.subject for q in quads}:
        if any(True for _ in store.quads_for_pattern(node, None, None, DefaultGraph())):
            raise ValueError(f"{node.value} is already described in the store: its statistics would not be new triples")
    return quads


def write_statistics(store: Store, minter: Minter, manifest: dict[str, Any], tally: Tally | None = None) -> list[Quad]:
    """Add the statistics graph to ``store`` (last: it counts every other graph and itself) and
    keep ``manifest``'s counts (graphs, quads, triples) those of the store; ``tally``: the
    store's counts, if they are kept (see :class:`Tally`)."""
    counts = manifest.setdefault("counts", {})
    quads = statistics_quads(store, minter, counts.get("graphs", {}), tally)
    store.extend(merged(quads))
    counts.setdefault("graphs", {})[statistics_graph(minter).value] = len(quads)
    counts["quads"] = counts.get("quads", 0) + len(quads)
    counts["triples"] = counts.get("triples", 0) + len(quads)
    return quads
