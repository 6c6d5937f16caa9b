"""Validating the nodes some triples reach, in a store that holds them: what ``tid validate FILE``
checks of a contribution (:mod:`tid.graph.contribution`), and what the build checks of the graphs
it writes after its validation (the catalogue, the changelog).

The local shapes run (shacl-rust) on the triples around the nodes the triples can change
(:func:`tid.graph.validate.incremental._touched`, and the blank nodes they reach, whole); the
SPARQL constraints whose footprint the triples fall in run with each of those nodes that is one
of their targets bound as ``$this`` (one index lookup or a few, where the whole graph takes seconds).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, RdfFormat, Store, Triple, Variable, serialize

from tid.graph.report import ShapeResult
from tid.graph.shapes import Shapes, nt
from tid.graph.validate.engines import dedupe, run_local
from tid.graph.validate.incremental import _closure, _neighbours, _touched, constraints_reading
from tid.namespaces import RDF, RDFS


@dataclass(frozen=True)
class Reach:
    """The nodes some triples can change the results of, and the SPARQL constraints to run."""

    described: frozenset[Any]
    local_nodes: frozenset[Any]
    sparql_nodes: frozenset[Any]
    constraints: tuple[int, ...]

    @classmethod
    def of(cls, store: Store, shapes: Shapes, triples: set[Triple]) -> Reach:
        described = frozenset(t.subject for t in triples)
        local = frozenset(_touched(store, shapes, triples)) | described
        sparql = described | {t.object for t in triples if not isinstance(t.object, Literal)}
        return cls(described, local, sparql, tuple(constraints_reading(store, shapes, triples)))

    @property
    def size(self) -> int:
        return len(self.local_nodes | self.sparql_nodes)

    def results(self, store: Store, shapes: Shapes) -> list[ShapeResult]:
        return dedupe(run_local_on(store, shapes, set(self.local_nodes))
                      + run_sparql_on(store, shapes, self.constraints, set(self.sparql_nodes)))


def _subclasses(store: Store, cls: str) -> set[NamedNode]:
    found, frontier = {NamedNode(cls)}, [NamedNode(cls)]
    while frontier:
        for quad in store.quads_for_pattern(None, RDFS.subClassOf, frontier.pop(), DefaultGraph()):
            if isinstance(quad.subject, NamedNode) and quad.subject not in found:
                found.add(quad.subject)
                frontier.append(quad.subject)
    return found


def is_target(store: Store, node: Any, targets: list[tuple[str, str]], classes: dict[str, set[NamedNode]]) -> bool:
    """Whether ``node`` is a focus node of these targets (SHACL's instances: subclasses too)."""
    for kind, term in targets:
        if kind == "class":
            if term not in classes:
                classes[term] = _subclasses(store, term)
            if any(True for q in store.quads_for_pattern(node, RDF.type, None, DefaultGraph()) if q.object in classes[term]):
                return True
        elif kind == "node" and nt(node) == term:
            return True
        elif kind == "subjectsOf" and any(True for _ in store.quads_for_pattern(node, NamedNode(term), None, DefaultGraph())):
            return True
        elif kind == "objectsOf" and any(True for _ in store.quads_for_pattern(None, NamedNode(term), node, DefaultGraph())):
            return True
    return False


def run_sparql_on(store: Store, shapes: Shapes, numbers: Iterable[int], nodes: set[Any]) -> list[ShapeResult]:
    """The SPARQL constraints ``numbers`` for the target nodes among ``nodes``, each bound as ``$this``
    (a blank node cannot be bound from one query to the next: the local shapes still see it)."""
    results: list[ShapeResult] = []
    candidates = sorted((node for node in nodes if isinstance(node, NamedNode)), key=lambda node: node.value)
    classes: dict[str, set[NamedNode]] = {}
    for number in numbers:
        constraint = shapes.sparql[number]
        targets = shapes.targets.get(constraint.shape, [])
        for node in candidates:
            if not is_target(store, node, targets, classes):
                continue
            focus = nt(node)
            solutions = store.query(constraint.query, substitutions={Variable("this"): node})
            variables = {v.value for v in solutions.variables}
            for solution in solutions:
                value = solution["value"] if "value" in variables else None
                path = solution["path"] if "path" in variables else None
                results.append(ShapeResult(
                    focus=focus,
                    path=nt(path) if path is not None else constraint.path,
                    value=nt(value) if value is not None else (None if constraint.path else focus),
                    severity=constraint.severity,
                    source_shape=constraint.shape,
                    component="SPARQLConstraintComponent",
                    messages=constraint.messages,
                ))
    return results


def run_local_on(store: Store, shapes: Shapes, nodes: set[Any]) -> list[ShapeResult]:
    """The local shapes for ``nodes`` (and the blank nodes they reach, checked whole)."""
    focus = {node for node in nodes if not isinstance(node, Literal)}
    pending = {node for node in _neighbours(store, focus) if isinstance(node, BlankNode)} - focus
    while pending:
        focus |= pending
        pending = {node for node in _neighbours(store, pending) if isinstance(node, BlankNode)} - focus
    if not focus:
        return []
    keys = {nt(node) for node in focus}
    data = serialize(_closure(store, focus), format=RdfFormat.N_TRIPLES).decode("utf-8")
    return [r for r in run_local(data, shapes) if r.focus in keys]


