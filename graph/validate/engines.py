"""The two engines and the reference: shacl-rust for the local shapes (over N-Triples or N-Quads),
the SPARQL constraints run once each over the indexed store, and the reading of a pySHACL report
(the reference the tests and the DCAT-AP validation use), all giving :class:`ShapeResult` values
written the same way."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import rdflib
import shacl_rust
from pyoxigraph import Literal, NamedNode, Store

from tid.graph.report import ShapeResult
from tid.graph.shapes import SH, Shapes, normalise, nt, path_term
from tid.namespaces import RDF, RDFS


def parse_rust_results(report: dict[str, Any]) -> list[ShapeResult]:
    results = []
    for item in report.get("results", []):
        severity = (item.get("severity") or f"<{SH}Violation>").strip("<>").removeprefix(str(SH))
        results.append(
            ShapeResult(
                focus=normalise(item.get("focusNode")) or "",
                path=normalise(item.get("resultPath")),
                value=normalise(item.get("value")),
                severity=severity,
                source_shape=normalise(item.get("sourceShape")) or "",
                component=(item.get("sourceConstraintComponent") or "").strip("<>").removeprefix(str(SH)),
                messages=tuple(item.get("messages", ())),
            )
        )
    return results


def _subclasses(store: Store, cls: str, graph: Any) -> set[str]:
    """A class and its rdfs:subClassOf descendants."""
    classes, frontier = {cls}, [cls]
    while frontier:
        current = frontier.pop()
        for quad in store.quads_for_pattern(None, RDFS.subClassOf, NamedNode(current), graph):
            if isinstance(quad.subject, NamedNode) and quad.subject.value not in classes:
                classes.add(quad.subject.value)
                frontier.append(quad.subject.value)
    return classes


def _instances(store: Store, cls: str, graph: Any) -> set[str]:
    """Instances of a class and its rdfs:subClassOf descendants (SHACL's notion of instance)."""
    found = set()
    for current in _subclasses(store, cls, graph):
        found |= {nt(q.subject) for q in store.quads_for_pattern(None, RDF.type, NamedNode(current), graph)}
    return found


def focus_nodes(store: Store, targets: list[tuple[str, str]], graph: Any = None) -> set[str]:
    nodes: set[str] = set()
    for kind, term in targets:
        if kind == "class":
            nodes |= _instances(store, term, graph)
        elif kind == "node":
            nodes.add(term)
        elif kind == "subjectsOf":
            nodes |= {nt(q.subject) for q in store.quads_for_pattern(None, NamedNode(term), None, graph)}
        elif kind == "objectsOf":
            nodes |= {nt(q.object) for q in store.quads_for_pattern(None, NamedNode(term), None, graph)}
    return nodes


class FocusNodes:
    """Whether a node is a focus node of some targets (:func:`focus_nodes`'s rule: instances of
    a class or of its subclasses, subjects or objects of a predicate, in any graph), looked up in
    the store for that node; each class's subclasses read once. Safe to share between threads."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.classes: dict[str, set[Any]] = {}
        self.known: dict[tuple[Any, tuple[tuple[str, str], ...]], bool] = {}

    def __call__(self, node: Any, targets: tuple[tuple[str, str], ...]) -> bool:
        key = (node, targets)
        if key not in self.known:
            self.known[key] = any(self._is_target(node, kind, term) for kind, term in targets)
        return self.known[key]

    def _is_target(self, node: Any, kind: str, term: str) -> bool:
        store = self.store
        if kind == "node":
            return nt(node) == term
        if kind == "objectsOf":
            return any(True for _ in store.quads_for_pattern(None, NamedNode(term), node, None))
        if isinstance(node, Literal):
            return False
        if kind == "subjectsOf":
            return any(True for _ in store.quads_for_pattern(node, NamedNode(term), None, None))
        if kind == "class":
            if term not in self.classes:
                self.classes[term] = {NamedNode(c) for c in _subclasses(store, term, None)}
            return any(True for q in store.quads_for_pattern(node, RDF.type, None, None) if q.object in self.classes[term])
        return False


def run_sparql_constraints(store: Store, shapes: Shapes, only: Iterable[int] | None = None,
                           progress: Callable[[str], None] | None = None,
                           workers: int = 2) -> dict[int, list[ShapeResult]]:
    """The results of each SPARQL constraint (by its position in ``shapes.sparql``), over the
    store's default graph (the merge of its named graphs); ``only``: the constraints to run;
    ``progress``: told of each constraint as it starts.

    The constraints run ``workers`` at a time: pyoxigraph lets go of the GIL while it evaluates,
    so two constraints use the machine's two cores (beside shacl-rust's lane in a full validation).
    """
    numbers = list(range(len(shapes.sparql)) if only is None else only)
    # whether a solution's $this is a focus node is looked up for that node (a few index lookups):
    # the constraints give a few hundred solutions, where enumerating every focus node (eleven
    # constraints target the 35,000 communes or 39,000 memberships) took 2 s of CPU a run
    is_focus = FocusNodes(store)

    def results_of(number: int) -> list[ShapeResult]:
        constraint = shapes.sparql[number]
        if progress:
            position = numbers.index(number) + 1
            progress(f"SPARQL constraint {position}/{len(numbers)}: {constraint.shape.strip('<>').rsplit('#', 1)[-1]}")
        targets = tuple(shapes.targets.get(constraint.shape, []))
        if not targets:
            return []
        found = []
        solutions = store.query(constraint.query)
        variables = {v.value for v in solutions.variables}
        for solution in solutions:
            this = solution["this"] if "this" in variables else None
            if this is None or not is_focus(this, targets):
                continue
            value = solution["value"] if "value" in variables else None
            path = solution["path"] if "path" in variables else None
            found.append(ShapeResult(
                focus=nt(this),
                path=nt(path) if path is not None else constraint.path,
                value=nt(value) if value is not None else (None if constraint.path else nt(this)),
                severity=constraint.severity,
                source_shape=constraint.shape,
                component="SPARQLConstraintComponent",
                messages=constraint.messages,
            ))
        return found

    if workers <= 1 or len(numbers) <= 1:
        return {number: results_of(number) for number in numbers}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(numbers, pool.map(results_of, numbers), strict=True))


def run_local(data_ntriples: Path | str, shapes: Shapes) -> list[ShapeResult]:
    """The core shapes' results (shacl-rust) on an N-Quads/N-Triples file or N-Triples text.

    ``experimental_index``: shacl-rust's interned index, documented in its README as the fast path
    for large graphs; reading the real release (1.3 million quads) takes 4 s of CPU with it and
    20 s without, and the 152 results of the real release are the same either way."""
    if isinstance(data_ntriples, Path):
        with tempfile.NamedTemporaryFile("w", suffix=".ttl", encoding="utf-8") as handle:
            handle.write(shapes.local_turtle)
            handle.flush()
            report = shacl_rust.validate_file(str(data_ntriples), handle.name, experimental_index=True)
    else:
        report = shacl_rust.validate(data_ntriples, shapes.local_turtle, data_format="nt", shapes_format="turtle",
                                     experimental_index=True)
    return parse_rust_results(report)


def pyshacl_results(report: rdflib.Graph) -> list[ShapeResult]:
    """The results of a pySHACL ``sh:ValidationReport``, their terms written as shacl-rust's."""
    results = []
    for node in report.objects(None, SH.result):
        value = report.value(node, SH.value)
        results.append(ShapeResult(
            focus=nt(report.value(node, SH.focusNode)),
            path=path_term(report, report.value(node, SH.resultPath)),
            value=nt(value) if value is not None else None,
            severity=str(report.value(node, SH.resultSeverity)).removeprefix(str(SH)),
            source_shape=nt(report.value(node, SH.sourceShape)),
            component=str(report.value(node, SH.sourceConstraintComponent)).removeprefix(str(SH)),
            messages=tuple(str(m) for m in report.objects(node, SH.resultMessage)),
        ))
    return results


def dedupe(results: Iterable[ShapeResult]) -> list[ShapeResult]:
    unique: dict[tuple, ShapeResult] = {}
    for result in results:
        unique.setdefault(result.key, result)
    return sorted(unique.values(), key=lambda r: tuple(part or "" for part in r.key))
