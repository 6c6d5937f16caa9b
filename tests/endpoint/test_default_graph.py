"""The default graph is a set: each triple once, however many sources state it.

Oxigraph (0.5.13) evaluates the union of several graphs by chaining them, so a triple two graphs
state matched twice and ``COUNT``/``SUM`` over the default graph doubled (oxigraph issue #1919).
The build writes the merge of the named graphs as the default graph, and a dataset whose default
graph names several graphs (``FROM`` twice, or ``default-graph-uri`` twice) is evaluated over the
merge of those graphs. Checked through the HTTP endpoint, over the embedded store and over a remote
``oxigraph serve`` holding the pushed release, on triples the cut data states in two graphs.
"""

from __future__ import annotations

import json

from pyoxigraph import DefaultGraph, NamedNode, Quad

from tests.helpers import BASE
from tid.graph.store import open_read_only

BOTH_MODES = True

PHASE2_COMMUNES = BASE + "graph/ti-phase2-communes/b187dd07d272"
PHASE2_GROUPEMENTS = BASE + "graph/ti-phase2-groupements/5c5ffe30cc5d"
COG_COMMUNES = BASE + "graph/cog2023-communes/3.1.1"
PHASE1_COMMUNES = BASE + "graph/ti-phase1-communes-2020/17b7213f4d3b"
PREFIXES = """PREFIX tid: <https://w3id.org/territoires-industrie/def#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
TERRITORIES = PREFIXES + "SELECT (COUNT(?t) AS ?n) (COUNT(DISTINCT ?t) AS ?d) {from} WHERE {{ ?t a tid:TerritoireIndustrie }}"
CODE_SUM = PREFIXES + """SELECT (SUM(xsd:integer(?code)) AS ?sum) (COUNT(*) AS ?n) {from}
WHERE {{ ?commune a igeo:Commune ; igeo:codeINSEE ?code FILTER(REGEX(?code, "^[0-9]+$")) }}"""


def solution(client, query: str, params: list[tuple[str, str]] | None = None) -> dict[str, int]:
    response = client.get("/sparql", query_string=[("query", query), *(params or [])],
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    row = json.loads(response.get_data(as_text=True))["results"]["bindings"][0]
    return {name: int(value["value"]) for name, value in row.items()}


def shared(cut_data_dir, first: str, second: str) -> int:
    """How many triples the two graphs both state (the fixture must have some)."""
    store = open_read_only(cut_data_dir)
    one = {q.triple for q in store.quads_for_pattern(None, None, None, NamedNode(first))}
    return sum(1 for q in store.quads_for_pattern(None, None, None, NamedNode(second)) if q.triple in one)


def distinct_triples(cut_data_dir, *graphs: str) -> set:
    store = open_read_only(cut_data_dir)
    return {q.triple for graph in graphs for q in store.quads_for_pattern(None, None, None, NamedNode(graph))}


def test_a_triple_two_sources_state_counts_once(client, cut_data_dir) -> None:
    # each territory of 2023-2027 is typed by both lists of the phase
    assert shared(cut_data_dir, PHASE2_COMMUNES, PHASE2_GROUPEMENTS) > 0
    counts = solution(client, TERRITORIES.format(**{"from": ""}))
    assert counts["n"] == counts["d"] > 0


def test_a_sum_over_shared_triples_counts_each_once(client, cut_data_dir) -> None:
    assert shared(cut_data_dir, COG_COMMUNES, PHASE1_COMMUNES) > 0  # communes typed and coded by both
    store = open_read_only(cut_data_dir)
    expected = sorted({(q.subject.value, q.object.value) for q in store.quads_for_pattern(
        None, NamedNode("http://rdf.insee.fr/def/geo#codeINSEE"), None, None)
        if q.object.value.isdigit() and Quad(q.subject, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                             NamedNode("http://rdf.insee.fr/def/geo#Commune"), DefaultGraph()) in store})
    answer = solution(client, CODE_SUM.format(**{"from": ""}))
    assert answer == {"sum": sum(int(code) for _, code in expected), "n": len(expected)}


def test_several_from_clauses_are_their_merge(client, cut_data_dir) -> None:
    both = f"FROM <{PHASE2_COMMUNES}> FROM <{PHASE2_GROUPEMENTS}>"
    counts = solution(client, TERRITORIES.format(**{"from": both}))
    typed = {t.subject for t in distinct_triples(cut_data_dir, PHASE2_COMMUNES, PHASE2_GROUPEMENTS)
             if t.object == NamedNode("https://w3id.org/territoires-industrie/def#TerritoireIndustrie")}
    assert counts["n"] == counts["d"] == len(typed) > 0
    everything = PREFIXES + f"SELECT (COUNT(*) AS ?n) {both} WHERE {{ ?s ?p ?o }}"
    assert solution(client, everything)["n"] == len(distinct_triples(cut_data_dir, PHASE2_COMMUNES, PHASE2_GROUPEMENTS))


def test_several_default_graph_uris_are_their_merge(client, cut_data_dir) -> None:
    params = [("default-graph-uri", COG_COMMUNES), ("default-graph-uri", PHASE1_COMMUNES)]
    everything = solution(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", params)["n"]
    assert everything == len(distinct_triples(cut_data_dir, COG_COMMUNES, PHASE1_COMMUNES))
    one = solution(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", params[:1])["n"]
    assert 0 < one < everything


def test_named_graphs_beside_a_merged_default_graph(client) -> None:
    """``named-graph-uri`` still gives each graph its own statements, beside a merged default graph."""
    params = [("default-graph-uri", COG_COMMUNES), ("default-graph-uri", PHASE1_COMMUNES),
              ("named-graph-uri", PHASE2_GROUPEMENTS)]
    query = PREFIXES + "SELECT (COUNT(DISTINCT ?g) AS ?graphs) (COUNT(?t) AS ?n) WHERE { GRAPH ?g { ?t a tid:TerritoireIndustrie } }"
    answer = solution(client, query, params)
    assert answer["graphs"] == 1 and answer["n"] > 0


def test_graph_still_sees_each_source(client) -> None:
    query = PREFIXES + """SELECT (COUNT(?g) AS ?n) WHERE {
      GRAPH ?g { <https://w3id.org/territoires-industrie/id/territoire/2023-2027/ti-1107> a tid:TerritoireIndustrie } }"""
    assert solution(client, query)["n"] == 2  # both lists of the phase name it
