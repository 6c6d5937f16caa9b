"""Derivations: facts computed from the loaded graphs by the ``queries/derive-*.rq`` CONSTRUCTs.

They run in name order over the merge of the graphs (the store's default graph), each seeing the results of the ones before,
and their results go to one named graph, ``{base}graph/derivations``, described in the
provenance graph as derived from every source graph by these queries. Examples: a membership's
dates from its phase; a site's territory from its commune and its labelling date.
"""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Quad

from tid.graph.provenance import describe_project_graph
from tid.graph.queries import QUERY_DIR, load_query
from tid.graph.store import ReleaseWriter
from tid.namespaces import RDFS, VOID, XSD, Minter


def derivation_names() -> list[str]:
    return sorted(path.stem for path in QUERY_DIR.glob("derive-*.rq"))


def run(writer: ReleaseWriter, minter: Minter, source_graphs: list[NamedNode], fingerprint: str) -> int:
    """Run the derivations over the store's default graph (the merge of its named graphs)."""
    store = writer.store
    graph = minter.graph("derivations")
    provenance = minter.graph("provenance")
    activity = minter.id("chargement", "derivations", fingerprint[:12])  # the IRI describe_project_graph gives it
    total = 0
    for name in derivation_names():
        query = load_query(name)
        triples = list(store.query(query.text))
        total += len(writer.add(Quad(t.subject, t.predicate, t.object, graph) for t in triples))
        writer.add([Quad(activity, RDFS.comment, Literal(f"{name}: {len(triples)} triples — {query.en}", language="en"),
                         provenance)])
    writer.add(describe_project_graph(minter, graph, source_graphs, "Dérivations (queries/derive-*.rq)",
                                      provenance, fingerprint[:12]))
    writer.add([Quad(graph, VOID.triples, Literal(str(total), datatype=XSD.integer), provenance)])
    return total
