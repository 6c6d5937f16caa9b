"""Validating a store: :func:`validate_store`, in full (the two engines side by side) or, when the
previous validation allows it, incrementally (:mod:`tid.graph.validate.incremental`)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pyoxigraph import RdfFormat, Store

from tid.graph.report import ShapeResult
from tid.graph.shapes import Shapes
from tid.graph.validate.engines import dedupe, run_local, run_sparql_constraints
from tid.graph.validate.incremental import changed_triples, constraints_reading, revalidate
from tid.graph.validate.outcome import ValidationOutcome, graph_digests, results_from_state
from tid.namespaces import RDFS


def validate_store(store: Store, shapes: Shapes, previous: dict[str, Any] | None = None,
                   previous_store: Store | None = None, ignore: frozenset[str] = frozenset(),
                   digests: dict[str, str] | None = None, union_file: Path | None = None,
                   progress: Callable[[str], None] | None = None) -> ValidationOutcome:
    """Validate the merge of the store's graphs; incrementally when ``previous`` allows it.

    ``previous``: the state of the validation of ``previous_store`` (``ValidationOutcome.state``).
    ``ignore``: named graphs that are not data (the validation report itself).
    ``digests``: the graphs' digests when the caller knows them, computed with the same rule as
    those of ``previous``; ``union_file``: an N-Quads or N-Triples file already holding the
    store's quads (shacl-rust reads N-Quads as their union); ``progress``: told what is being done.
    """
    incremental = (
        previous is not None and previous_store is not None and previous.get("shapes_digest") == shapes.digest
        and shapes.simple_paths and "sparql_results" in previous
    )
    if not incremental:
        with ThreadPoolExecutor(max_workers=1) as pool:
            local_future = pool.submit(_run_local_on_store, store, shapes, union_file)
            if progress:
                progress("local shapes (shacl-rust) started beside the SPARQL constraints")
            sparql = run_sparql_constraints(store, shapes, progress=progress)
            if progress and not local_future.done():
                progress("SPARQL constraints done; waiting for the local shapes")
            local = local_future.result()
        return ValidationOutcome(dedupe(local + _flatten(sparql)), shapes, local, sparql, digests, "full",
                                 store if digests is None else None, ignore)

    assert previous is not None and previous_store is not None
    if digests is None:
        digests = graph_digests(store, ignore)
    changed = sorted(g for g in set(digests) | set(previous["graph_digests"])
                     if digests.get(g) != previous["graph_digests"].get(g) and g not in ignore)
    triples = changed_triples(store, previous_store, changed)
    if any(t.predicate == RDFS.subClassOf for t in triples):  # every node's classes may have changed
        local = _run_local_on_store(store, shapes, union_file)
    else:
        local = revalidate(store, shapes, triples, results_from_state(previous["local_results"]))
    rerun = constraints_reading(store, shapes, triples)
    sparql = {int(number): results_from_state(rows) for number, rows in previous["sparql_results"].items()}
    sparql |= run_sparql_constraints(store, shapes, rerun)
    mode = (f"incremental ({len(changed)} graph(s) changed, {len(triples)} triple(s) differ, "
            f"{len(rerun)} of {len(shapes.sparql)} SPARQL constraint(s) re-run)")
    return ValidationOutcome(dedupe(local + _flatten(sparql)), shapes, local, sparql, digests, mode, store, ignore)


def _flatten(sparql: dict[int, list[ShapeResult]]) -> list[ShapeResult]:
    return [result for number in sorted(sparql) for result in sparql[number]]


def _run_local_on_store(store: Store, shapes: Shapes, union_file: Path | None) -> list[ShapeResult]:
    if union_file is not None:
        return run_local(union_file, shapes)
    with tempfile.TemporaryDirectory(prefix="tid-validate-") as tmp:
        union = Path(tmp) / "union.nq"
        store.dump(output=str(union), format=RdfFormat.N_QUADS)
        return run_local(union, shapes)
