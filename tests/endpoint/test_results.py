"""The row-by-row result writers write what pyoxigraph's own serializers write (byte for byte
for JSON, CSV and TSV; the same solutions for XML), so that cutting a result at a limit is the
only difference a client can see."""

from __future__ import annotations

import pytest
from pyoxigraph import QueryResultsFormat, Store, parse_query_results

from tid.endpoint import conneg, results
from tid.graph.store import open_read_only

BOTH_MODES = True  # the tests run over the embedded store and over a remote server (conftest)

FORMATS = {f.key: f for f in conneg.SOLUTION_FORMATS}
TRICKY = """SELECT ?a ?b ?c ?d ?e ?f ?g ?h WHERE { VALUES (?a ?b ?c ?d ?e ?f ?g ?h) {
  (1 1.5 1e3 true "x,y\\"z" "t\\tab\\nnl"@fr <http://x/é> "2020-01-01"^^<http://www.w3.org/2001/XMLSchema#date>)
  (UNDEF "-5"^^<http://www.w3.org/2001/XMLSchema#integer> " 1"^^<http://www.w3.org/2001/XMLSchema#integer> false ""
   "Melun – Villaroche"@fr UNDEF "« Pack rebond » & <b>")
  ("\\r\\n CR LF \\t" "\\n" UNDEF UNDEF " " UNDEF UNDEF UNDEF)
} }"""
REAL = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?label ?n WHERE { ?s rdfs:label ?label OPTIONAL { ?s <https://w3id.org/territoires-industrie/def#populationMunicipale> ?n } }
ORDER BY ?s ?label LIMIT 300"""


def both(store: Store, query: str, key: str, **options) -> tuple[bytes, bytes]:
    fmt = FORMATS[key]
    theirs = store.query(query, **options).serialize(format=fmt.results_format)
    solutions = store.query(query, **options)
    variables = [v.value for v in solutions.variables]
    ours = results.write_solutions(variables, results.solution_rows(solutions, variables), fmt, 10**9, 10**12)
    assert ours.truncated is None
    return ours.body, theirs


@pytest.mark.parametrize("key", ["json", "csv", "tsv"])
def test_same_bytes_as_pyoxigraph(cut_data_dir, key: str) -> None:
    for store, query, options in ((Store(), TRICKY, {}),
                                  (open_read_only(cut_data_dir), REAL, {})):
        ours, theirs = both(store, query, key, **options)
        assert ours == theirs


def test_xml_same_solutions_as_pyoxigraph(cut_data_dir) -> None:
    for store, query, options in ((Store(), TRICKY, {}),
                                  (open_read_only(cut_data_dir), REAL, {})):
        ours, theirs = both(store, query, "xml", **options)
        parsed = [list(parse_query_results(body, format=QueryResultsFormat.XML)) for body in (ours, theirs)]
        assert [[str(s[i]) if s[i] is not None else None for i in range(8 if query is TRICKY else 3)] for s in parsed[0]] == \
               [[str(s[i]) if s[i] is not None else None for i in range(8 if query is TRICKY else 3)] for s in parsed[1]]


def test_empty_results() -> None:
    store = Store()
    for key in FORMATS:
        ours, theirs = both(store, "SELECT ?x WHERE { FILTER(false) }", key)
        if key != "xml":
            assert ours == theirs
        if key != "csv":  # pyoxigraph does not read CSV results back (the format is lossy)
            assert list(parse_query_results(ours, format=FORMATS[key].results_format)) == []


def test_byte_limit_keeps_the_document_valid() -> None:
    store = Store()
    query = "SELECT ?i WHERE { VALUES ?i { " + " ".join(f'"valeur {i} – é"' for i in range(500)) + " } }"
    for key in FORMATS:
        solutions = store.query(query)
        written = results.write_solutions(["i"], results.solution_rows(solutions, ["i"]), FORMATS[key], 10**6, 2000,
                                          link="http://localhost/problems/result-truncated")
        assert written.truncated == "bytes=2000"
        assert len(written.body) <= 2000
        if key != "csv":
            assert len(list(parse_query_results(written.body, format=FORMATS[key].results_format))) == written.rows
