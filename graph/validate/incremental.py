"""Incremental validation, after some named graphs changed: the triples that differ, the nodes
those triples can reach (:func:`_touched`) checked again by the local shapes, and the SPARQL
constraints whose footprint (predicates, and classes for ``rdf:type``) a changed triple falls in;
the previous results kept for everything else."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, RdfFormat, Store, Triple, serialize

from tid.graph.queries import load_query
from tid.graph.report import ShapeResult
from tid.graph.shapes import Shapes, nt
from tid.graph.validate.engines import run_local
from tid.namespaces import RDF, RDFS


def _graph_triples(store: Store, graph: str) -> set[Triple]:
    name = NamedNode(graph) if graph else DefaultGraph()
    return {quad.triple for quad in store.quads_for_pattern(None, None, None, name)}


def changed_triples(store: Store, previous_store: Store, graphs: Iterable[str]) -> set[Triple]:
    """The triples added to or removed from these named graphs between the two stores."""
    changed: set[Triple] = set()
    for graph in graphs:
        changed |= _graph_triples(store, graph) ^ _graph_triples(previous_store, graph)
    return changed


def constraints_reading(store: Store, shapes: Shapes, triples: set[Triple]) -> list[int]:
    """The SPARQL constraints whose footprint a changed triple falls in."""
    predicates = {t.predicate.value for t in triples}
    if RDFS.subClassOf.value in predicates:
        return list(range(len(shapes.sparql)))
    classes = {t.object.value for t in triples if t.predicate == RDF.type and isinstance(t.object, NamedNode)}
    classes |= {ancestor for cls in classes for ancestor in _ancestors(store, cls)}
    return [n for n, c in enumerate(shapes.sparql) if c.footprint.reads(predicates, classes)]


def _ancestors(store: Store, cls: str) -> set[str]:
    found, frontier = set(), [cls]
    while frontier:
        for quad in store.quads_for_pattern(NamedNode(frontier.pop()), RDFS.subClassOf, None, None):
            if isinstance(quad.object, NamedNode) and quad.object.value not in found:
                found.add(quad.object.value)
                frontier.append(quad.object.value)
    return found


def _neighbours(store: Store, nodes: set[Any]) -> set[Any]:
    found = set(nodes)
    for node in nodes:
        for quad in store.quads_for_pattern(node, None, None, None):
            if not isinstance(quad.object, Literal):
                found.add(quad.object)
        for quad in store.quads_for_pattern(None, None, node, None):
            found.add(quad.subject)
    return found


def _closure(store: Store, focus: set[Any]) -> Iterator[Triple]:
    """The triples the local shapes can read about ``focus`` nodes: theirs, incoming, neighbours' types."""
    seen: set[Any] = set()
    neighbours: set[Any] = set()
    for node in focus:
        for quad in store.quads_for_pattern(node, None, None, None):
            seen.add(quad.triple)
            if not isinstance(quad.object, Literal):
                neighbours.add(quad.object)
        for quad in store.quads_for_pattern(None, None, node, None):
            seen.add(quad.triple)
            neighbours.add(quad.subject)
    for node in neighbours - focus:
        for quad in store.quads_for_pattern(node, RDF.type, None, None):
            seen.add(quad.triple)
    for quad in store.quads_for_pattern(None, RDFS.subClassOf, None, None):
        seen.add(quad.triple)
    yield from seen


def _touched(store: Store, shapes: Shapes, triples: set[Triple]) -> set[Any]:
    """The nodes whose local results a change to ``triples`` can change (paths are predicates or
    inverse predicates): each subject; the object when a shape reads its predicate inversely; and,
    for a node whose classes changed, the nodes that have it as a value (their sh:class reads its
    classes): those pointing to it, and those it points to by a predicate read inversely. When
    the shapes check more of a value node than its classes, every node of the triples and all
    their neighbours."""
    if shapes.reads_value_properties:
        touched = {t.subject for t in triples} | {t.object for t in triples if not isinstance(t.object, Literal)}
        return _neighbours(store, touched)
    inverse = shapes.inverse_predicates
    touched = {t.subject for t in triples}
    touched |= {t.object for t in triples if t.predicate.value in inverse and not isinstance(t.object, Literal)}
    for node in {t.subject for t in triples if t.predicate == RDF.type}:
        touched |= {q.subject for q in store.quads_for_pattern(None, None, node, None)}
        touched |= {q.object for q in store.quads_for_pattern(node, None, None, None)
                    if q.predicate.value in inverse and not isinstance(q.object, Literal)}
    return touched


def revalidate(store: Store, shapes: Shapes, triples: set[Triple], previous_local: list[ShapeResult]) -> list[ShapeResult]:
    """Local results after ``triples`` changed: the nodes ``_touched`` finds checked again, the
    previous results kept for every other node.

    Results name blank nodes anonymously (``_:``), so a blank node in the data checked must be
    checked whole (the blank nodes it reaches are added until none is left out), and when the
    previous results hold one on a blank node, every blank node is checked again."""
    focus = _touched(store, shapes, triples)
    if not focus:
        return list(previous_local)
    pending = {node for node in _neighbours(store, focus) if isinstance(node, BlankNode)} - focus
    if (pending or any(isinstance(node, BlankNode) for node in focus)) and any(r.focus == "_:" for r in previous_local):
        pending |= {row["s"] for row in store.query(load_query("validation-blank-nodes").text)}
    while pending:
        focus |= pending
        pending = {node for node in _neighbours(store, pending) if isinstance(node, BlankNode)} - focus
    focus_keys = {nt(n) for n in focus}
    data = serialize(_closure(store, focus), format=RdfFormat.N_TRIPLES).decode("utf-8")
    fresh = [r for r in run_local(data, shapes) if r.focus in focus_keys]
    kept = [r for r in previous_local if r.focus not in focus_keys]
    return kept + fresh
