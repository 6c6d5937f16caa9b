"""SHACL validation, fast by design, with the same results as the reference validator.

The shapes (read and split by :mod:`tid.graph.shapes`) go to two engines:

* **local shapes** (core constraints on a node's own triples, with predicate or inverse paths):
  checked by shacl-rust, a Rust SHACL engine, over N-Triples;
* **SPARQL constraints** (cross-entity rules): their ``sh:select`` runs once over the whole
  pyoxigraph store, indexed, with ``$this`` unbound, and the solutions are kept for the shape's
  focus nodes. This is what pySHACL computes by running the query once per focus node.

A full validation checks the merge of the graph's named graphs, the two engines side by side
(shacl-rust in a thread, the SPARQL constraints in the caller's; both leave Python's lock while
they work). An incremental one (after some named graphs changed) takes the triples that differ
in those graphs between the previous store and the new one, re-checks the local shapes only for
the nodes those triples can reach (``_touched``), re-runs only the SPARQL constraints whose
patterns can match one of those triples (their *footprint*: predicates, and classes for
``rdf:type``), and reuses the previous results for everything else. ``tests/test_validate.py``
checks, result by result, that both give what pySHACL gives on the same data and shapes.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rdflib
import shacl_rust
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    RdfFormat,
    Store,
    Triple,
    serialize,
)

from tid.errors import ConfigError
from tid.graph.queries import load_query
from tid.graph.report import ShapeResult, ShapeTexts
from tid.graph.shapes import RDF_TYPE, SH, Shapes, normalise, nt, path_term
from tid.namespaces import PREFIXES, RDF, RDFS

# -- engines -------------------------------------------------------------------------------


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


def _instances(store: Store, cls: str, graph: Any) -> set[str]:
    """Instances of a class and its rdfs:subClassOf descendants (SHACL's notion of instance)."""
    classes, frontier = {cls}, [cls]
    while frontier:
        current = frontier.pop()
        for quad in store.quads_for_pattern(None, RDFS.subClassOf, NamedNode(current), graph):
            if isinstance(quad.subject, NamedNode) and quad.subject.value not in classes:
                classes.add(quad.subject.value)
                frontier.append(quad.subject.value)
    found = set()
    for current in classes:
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


def run_sparql_constraints(store: Store, shapes: Shapes, only: Iterable[int] | None = None) -> dict[int, list[ShapeResult]]:
    """The results of each SPARQL constraint (by its position in ``shapes.sparql``), over the
    store's default graph (the merge of its named graphs); ``only``: the constraints to run."""
    results: dict[int, list[ShapeResult]] = {}
    for number in range(len(shapes.sparql)) if only is None else only:
        constraint = shapes.sparql[number]
        results[number] = []
        targets = focus_nodes(store, shapes.targets.get(constraint.shape, []))
        if not targets:
            continue
        solutions = store.query(constraint.query)
        variables = {v.value for v in solutions.variables}
        for solution in solutions:
            this = solution["this"] if "this" in variables else None
            if this is None or nt(this) not in targets:
                continue
            value = solution["value"] if "value" in variables else None
            path = solution["path"] if "path" in variables else None
            results[number].append(ShapeResult(
                focus=nt(this),
                path=nt(path) if path is not None else constraint.path,
                value=nt(value) if value is not None else (None if constraint.path else nt(this)),
                severity=constraint.severity,
                source_shape=constraint.shape,
                component="SPARQLConstraintComponent",
                messages=constraint.messages,
            ))
    return results


def run_local(data_ntriples: Path | str, shapes: Shapes) -> list[ShapeResult]:
    if isinstance(data_ntriples, Path):
        with tempfile.NamedTemporaryFile("w", suffix=".ttl", encoding="utf-8") as handle:
            handle.write(shapes.local_turtle)
            handle.flush()
            report = shacl_rust.validate_file(str(data_ntriples), handle.name)
    else:
        report = shacl_rust.validate(data_ntriples, shapes.local_turtle, data_format="nt", shapes_format="turtle")
    return parse_rust_results(report)


# -- outcomes ------------------------------------------------------------------------------


@dataclass
class ValidationOutcome:
    results: list[ShapeResult]
    shapes: Shapes
    local_results: list[ShapeResult] = field(default_factory=list)
    sparql_results: dict[int, list[ShapeResult]] = field(default_factory=dict)
    graph_digests: dict[str, str] | None = None
    """Each named graph's digest; computed from ``store`` when first needed (by ``state``)."""
    mode: str = "full"
    store: Store | None = field(default=None, repr=False)
    ignore: frozenset[str] = frozenset()

    @property
    def violations(self) -> list[ShapeResult]:
        return [r for r in self.results if r.severity == "Violation"]

    def conforms(self, fail_on: str = "violation") -> bool:
        levels = {"violation": ("Violation",), "warning": ("Violation", "Warning"), "info": ("Violation", "Warning", "Info")}
        if fail_on not in levels:
            raise ConfigError(f"--fail-on {fail_on!r} is not one of {', '.join(levels)}")
        return not any(r.severity in levels[fail_on] for r in self.results)

    def by_severity(self) -> dict[str, int]:
        tally: dict[str, int] = {}
        for result in self.results:
            tally[result.severity] = tally.get(result.severity, 0) + 1
        return tally

    def summary(self, limit: int = 20) -> str:
        lines = [f"[{r.severity}] {r.focus} {r.path or ''} {r.value or ''}: "
                 f"{self.shapes.texts.message(r.source_shape, 'en', r.messages)} ({r.source_shape})"
                 for r in self.violations[:limit]]
        more = len(self.violations) - limit
        return (f"the graph does not conform to the SHACL shapes: {len(self.violations)} violation(s); "
                "nothing was published\n  " + "\n  ".join(lines) + (f"\n  … and {more} more" if more > 0 else ""))

    def as_dict(self) -> dict[str, Any]:
        by_shape: dict[str, int] = {}
        for result in self.results:
            by_shape[result.source_shape] = by_shape.get(result.source_shape, 0) + 1
        return {"shapes": list(self.shapes.files), "shapes_digest": self.shapes.digest, "mode": self.mode,
                "results": len(self.results), "by_severity": self.by_severity(), "by_shape": by_shape}

    def state(self) -> dict[str, Any]:
        """What an incremental validation needs from this one."""
        if self.graph_digests is None:
            assert self.store is not None
            self.graph_digests = graph_digests(self.store, self.ignore)
        return {"shapes_digest": self.shapes.digest, "graph_digests": self.graph_digests,
                "local_results": _rows(self.local_results),
                "sparql_results": {str(number): _rows(results) for number, results in self.sparql_results.items()}}


def _rows(results: list[ShapeResult]) -> list[list[Any]]:
    return [list(r.key) + [r.severity, list(r.messages)] for r in results]


def _results_from_state(rows: list[list[Any]]) -> list[ShapeResult]:
    return [ShapeResult(focus=r[0], path=r[1], value=r[2], source_shape=r[3], component=r[4], severity=r[5],
                        messages=tuple(r[6])) for r in rows]


def graph_digests(store: Store, ignore: frozenset[str] = frozenset(), only: Iterable[NamedNode] | None = None) -> dict[str, str]:
    """A digest of each named graph's content (order-independent), to find what changed.

    ``only``: the graphs to digest (the build knows the others' digests from its cache keys).
    """
    digests: dict[str, int] = {}
    quads = store if only is None else (q for graph in only for q in store.quads_for_pattern(None, None, None, graph))
    for quad in quads:
        if not isinstance(quad.graph_name, NamedNode):
            continue  # the default graph: the merge of the named graphs (graph/store.py)
        name = quad.graph_name.value
        if name in ignore:
            continue
        digests[name] = digests.get(name, 0) ^ int.from_bytes(hashlib.blake2b(str(quad.triple).encode(), digest_size=8).digest(), "big")
    return {name: f"{value:016x}" for name, value in digests.items()}


def validate_store(store: Store, shapes: Shapes, previous: dict[str, Any] | None = None,
                   previous_store: Store | None = None, ignore: frozenset[str] = frozenset(),
                   digests: dict[str, str] | None = None, union_file: Path | None = None) -> ValidationOutcome:
    """Validate the merge of the store's graphs; incrementally when ``previous`` allows it.

    ``previous``: the state of the validation of ``previous_store`` (``ValidationOutcome.state``).
    ``ignore``: named graphs that are not data (the validation report itself).
    ``digests``: the graphs' digests when the caller knows them, computed with the same rule as
    those of ``previous``; ``union_file``: an N-Quads or N-Triples file already holding the
    store's quads (shacl-rust reads N-Quads as their union).
    """
    incremental = (
        previous is not None and previous_store is not None and previous.get("shapes_digest") == shapes.digest
        and shapes.simple_paths and "sparql_results" in previous
    )
    if not incremental:
        with ThreadPoolExecutor(max_workers=1) as pool:
            local_future = pool.submit(_run_local_on_store, store, shapes, union_file)
            sparql = run_sparql_constraints(store, shapes)
            local = local_future.result()
        return ValidationOutcome(_dedupe(local + _flatten(sparql)), shapes, local, sparql, digests, "full",
                                 store if digests is None else None, ignore)

    assert previous is not None and previous_store is not None
    if digests is None:
        digests = graph_digests(store, ignore)
    changed = sorted(g for g in set(digests) | set(previous["graph_digests"])
                     if digests.get(g) != previous["graph_digests"].get(g) and g not in ignore)
    triples = _changed_triples(store, previous_store, changed)
    if any(t.predicate == RDFS.subClassOf for t in triples):  # every node's classes may have changed
        local = _run_local_on_store(store, shapes, union_file)
    else:
        local = _revalidate(store, shapes, triples, _results_from_state(previous["local_results"]))
    rerun = _constraints_reading(store, shapes, triples)
    sparql = {int(number): _results_from_state(rows) for number, rows in previous["sparql_results"].items()}
    sparql |= run_sparql_constraints(store, shapes, rerun)
    mode = (f"incremental ({len(changed)} graph(s) changed, {len(triples)} triple(s) differ, "
            f"{len(rerun)} of {len(shapes.sparql)} SPARQL constraint(s) re-run)")
    return ValidationOutcome(_dedupe(local + _flatten(sparql)), shapes, local, sparql, digests, mode, store, ignore)


def _flatten(sparql: dict[int, list[ShapeResult]]) -> list[ShapeResult]:
    return [result for number in sorted(sparql) for result in sparql[number]]


def _run_local_on_store(store: Store, shapes: Shapes, union_file: Path | None) -> list[ShapeResult]:
    if union_file is not None:
        return run_local(union_file, shapes)
    with tempfile.TemporaryDirectory(prefix="tid-validate-") as tmp:
        union = Path(tmp) / "union.nq"
        store.dump(output=str(union), format=RdfFormat.N_QUADS)
        return run_local(union, shapes)


def _dedupe(results: Iterable[ShapeResult]) -> list[ShapeResult]:
    unique: dict[tuple, ShapeResult] = {}
    for result in results:
        unique.setdefault(result.key, result)
    return sorted(unique.values(), key=lambda r: tuple(part or "" for part in r.key))


def _graph_triples(store: Store, graph: str) -> set[Triple]:
    name = NamedNode(graph) if graph else DefaultGraph()
    return {quad.triple for quad in store.quads_for_pattern(None, None, None, name)}


def _changed_triples(store: Store, previous_store: Store, graphs: Iterable[str]) -> set[Triple]:
    """The triples added to or removed from these named graphs between the two stores."""
    changed: set[Triple] = set()
    for graph in graphs:
        changed |= _graph_triples(store, graph) ^ _graph_triples(previous_store, graph)
    return changed


def _constraints_reading(store: Store, shapes: Shapes, triples: set[Triple]) -> list[int]:
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


def _revalidate(store: Store, shapes: Shapes, triples: set[Triple], previous_local: list[ShapeResult]) -> list[ShapeResult]:
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


def dump_state(outcome: ValidationOutcome, path: Path) -> None:
    path.write_text(json.dumps(outcome.state(), ensure_ascii=False), encoding="utf-8")


def load_state(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


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


# -- DCAT-AP (the catalogue) ---------------------------------------------------------------

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
    import pyshacl

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
    return _dedupe(results), texts
