"""Derivations: facts computed from the loaded graphs by the ``queries/derive-*.rq`` CONSTRUCTs.

They run over the merge of the graphs (the store's default graph), each after the derivations whose
results it reads (its ``# reads:`` header), and their results go to one named graph,
``{base}graph/derivations``, described in the provenance graph as derived from every source graph
by these queries. Examples: a membership's dates from its phase; a site's territory from its
commune and its labelling date.

The derivations run in waves: a wave is every derivation whose reads are all in earlier waves. Its
queries are evaluated side by side (pyoxigraph lets go of the GIL while it evaluates) and their
results written in name order, each as soon as it is there: a derivation of the wave that starts
meanwhile may see them, but does not read them. The graph, its counts and its provenance are
therefore those of the derivations run one after the other. The results travel as the engine's
canonical N-Triples (one text per term), deduplicated as lines, and go into the store by its bulk
loader: on the real graph (440,986 derived triples) building a Python object per triple and
adding them one by one cost more CPU than the queries themselves.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat

from tid.errors import QueryError
from tid.graph.provenance import describe_project_graph
from tid.graph.queries import QUERY_DIR, load_query
from tid.graph.store import ReleaseWriter
from tid.namespaces import RDFS, VOID, XSD, Minter

WORKERS = 2
"""Derivations evaluated side by side (the machine's two cores)."""


def derivation_names() -> list[str]:
    return sorted(path.stem for path in QUERY_DIR.glob("derive-*.rq"))


def waves(names: list[str] | None = None) -> list[list[str]]:
    """The derivations in waves: each wave holds those whose ``# reads:`` are all in earlier waves
    (in name order within a wave). A read that names no derivation, or a cycle, is an error."""
    names = derivation_names() if names is None else names
    reads = {name: set(load_query(name).reads) for name in names}
    for name, read in reads.items():
        unknown = sorted(read - set(names))
        if unknown:
            raise QueryError(f"query {name!r}: '# reads:' names {', '.join(unknown)}, which is not a derivation")
    done: set[str] = set()
    result = []
    while len(done) < len(names):
        wave = [name for name in names if name not in done and reads[name] <= done]
        if not wave:
            raise QueryError(f"the derivations {', '.join(sorted(set(names) - done))} read each other ('# reads:')")
        result.append(wave)
        done |= set(wave)
    return result


def run(writer: ReleaseWriter, minter: Minter, source_graphs: list[NamedNode], fingerprint: str) -> int:
    """Run the derivations over the store's default graph (the merge of its named graphs)."""
    store = writer.store
    graph = minter.graph("derivations")
    provenance = minter.graph("provenance")
    activity = minter.id("chargement", "derivations", fingerprint[:12])  # the IRI describe_project_graph gives it
    total = 0

    written: set[bytes] = set()  # the derivations graph so far, as N-Triples lines (it starts empty)

    def evaluate(name: str) -> list[bytes]:
        # the engine writes the triples as canonical N-Triples (one term, one text): no Python
        # object per triple, and the text is what the store's bulk loader and the dump take
        data = store.query(load_query(name).text).serialize(format=RdfFormat.N_TRIPLES) or b""
        return data.splitlines()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for wave in waves():
            for name, lines in zip(wave, pool.map(evaluate, wave), strict=True):
                query = load_query(name)
                new = [line for line in dict.fromkeys(lines) if line not in written]
                if any(not line.endswith(b" .") for line in new):
                    raise QueryError(f"query {name!r}: a result is not one N-Triples line")
                written.update(new)
                writer.add_ntriples(new, graph)
                total += len(new)
                writer.add([Quad(activity, RDFS.comment,
                                 Literal(f"{name}: {len(lines)} triples — {query.en}", language="en"), provenance)])
    writer.add(describe_project_graph(minter, graph, source_graphs, "Dérivations (queries/derive-*.rq)",
                                      provenance, fingerprint[:12]))
    writer.add([Quad(graph, VOID.triples, Literal(str(total), datatype=XSD.integer), provenance)])
    return total
