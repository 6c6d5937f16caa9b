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

The modules: :mod:`.engines` (shacl-rust, the SPARQL constraints, pySHACL's report read the same
way), :mod:`.outcome` (what a validation found, and its state for the next one), :mod:`.run`
(:func:`validate_store`, full or incremental), :mod:`.incremental` (what a change can reach),
:mod:`.dcat` (the SEMIC DCAT-AP profile), :mod:`.scoped` (the nodes some triples reach: a
contributed file's, or the graphs the build writes after its validation).
"""

from tid.graph.validate.dcat import catalogue_triples, validate_dcat
from tid.graph.validate.engines import (
    focus_nodes,
    parse_rust_results,
    pyshacl_results,
    run_local,
    run_sparql_constraints,
)
from tid.graph.validate.outcome import ValidationOutcome, dump_state, graph_digests, load_state
from tid.graph.validate.run import validate_store
from tid.graph.validate.scoped import Reach

__all__ = ["Reach", "ValidationOutcome", "catalogue_triples", "dump_state", "focus_nodes", "graph_digests", "load_state",
           "parse_rust_results", "pyshacl_results", "run_local", "run_sparql_constraints", "validate_dcat",
           "validate_store"]
