"""Derivations: facts computed from the loaded graphs by the ``queries/derive-*.rq`` CONSTRUCTs.

They run in name order over the union of the graphs, each seeing the results of the ones before,
and their results go to one named graph, ``{base}graph/derivations``, described in the
provenance graph as derived from every source graph by these queries. Examples: a membership's
dates from its phase; a site's territory from its commune and its labelling date.
"""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Quad, Store

from tid.graph.provenance import describe_project_graph
from tid.graph.queries import QUERY_DIR, load_query
from tid.namespaces import RDFS, VOID, XSD, Minter


def derivation_names() -> list[str]:
    return sorted(path.stem for path in QUERY_DIR.glob("derive-*.rq"))


def run(store: Store, minter: Minter, source_graphs: list[NamedNode], fingerprint: str) -> int:
    graph = minter.graph("derivations")
    provenance = minter.graph("provenance")
    activity = minter.id("chargement", "derivations", fingerprint[:12])  # the IRI describe_project_graph gives it
    total = 0
    for name in derivation_names():
        query = load_query(name)
        triples = list(store.query(query.text, use_default_graph_as_union=True))
        store.extend(Quad(t.subject, t.predicate, t.object, graph) for t in triples)
        total += len(triples)
        store.add(Quad(activity, RDFS.comment, Literal(f"{name}: {len(triples)} triples — {query.en}", language="en"), provenance))
    store.extend(describe_project_graph(minter, graph, source_graphs, "Dérivations (queries/derive-*.rq)",
                                        provenance, fingerprint[:12]))
    store.add(Quad(graph, VOID.triples, Literal(str(total), datatype=XSD.integer), provenance))
    return total
