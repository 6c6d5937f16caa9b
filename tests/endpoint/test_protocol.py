"""SPARQL 1.1 Protocol, query cases of the W3C test manifest
(``w3c/rdf-tests`` ``sparql/sparql11/protocol/manifest.ttl``), named after them, on our data.

The manifest's graphs ``data1.rdf`` / ``data2.rdf`` / ``data3.rdf`` become three named graphs of
the cut build: the régions (which hold région 84), the 2023-2027 groupement list (which holds
the territory ti-1107) and the communes (which hold commune 58002). A question about région 84
*and* ti-1107 is true only when both graphs are in the dataset, as in the manifest.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.helpers import BASE, MELUN_IRI

BOTH_MODES = True  # the tests run over the embedded store and over a remote server (conftest)

REGIONS = BASE + "graph/cog2023-regions/3.1.1"
TERRITORIES = BASE + "graph/ti-phase2-groupements/5c5ffe30cc5d"
COMMUNES = BASE + "graph/cog2023-communes/3.1.1"
REGION = BASE + "id/region/84"
COMMUNE = BASE + "id/commune/58002"
BOTH_IN_DEFAULT = f"ASK {{ <{REGION}> a ?type1 . <{MELUN_IRI}> a ?type2 . }}"
BOTH_NAMED = f"ASK {{ GRAPH ?g1 {{ <{REGION}> a ?type1 }} GRAPH ?g2 {{ <{MELUN_IRI}> a ?type2 }} }}"
JSON_RESULTS = "application/sparql-results+json"


def boolean(response) -> bool:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == f"{JSON_RESULTS}; charset=utf-8"
    return json.loads(response.get_data(as_text=True))["boolean"]


# -- the manifest's query tests -------------------------------------------------------------


def test_query_via_get(client) -> None:
    response = client.get("/sparql/", query_string={"query": "ASK {}", "default-graph-uri": REGIONS})
    assert boolean(response) is True


def test_query_via_url_encoded_post(client) -> None:
    # The manifest puts default-graph-uri in the URL and the query in the form body.
    response = client.post(f"/sparql/?{urlencode({'default-graph-uri': REGIONS})}", data="query=ASK%20%7B%7D",
                           content_type="application/x-www-form-urlencoded")
    assert boolean(response) is True


def test_query_via_post_directly(client) -> None:
    response = client.post("/sparql/", data="ASK {}", content_type="application/sparql-query")
    assert boolean(response) is True


def test_get_query_with_protocol_specified_default_graph(client) -> None:
    """query_dataset_default_graphs_get: both graphs merged into the default graph."""
    both = client.get("/sparql", query_string=[("query", BOTH_IN_DEFAULT), ("default-graph-uri", REGIONS),
                                               ("default-graph-uri", TERRITORIES)])
    assert boolean(both) is True
    one = client.get("/sparql", query_string=[("query", BOTH_IN_DEFAULT), ("default-graph-uri", REGIONS)])
    assert boolean(one) is False


def test_post_query_with_protocol_specified_default_graphs(client) -> None:
    """query_dataset_default_graphs_post."""
    url = "/sparql?" + urlencode([("default-graph-uri", REGIONS), ("default-graph-uri", TERRITORIES)])
    assert boolean(client.post(url, data=BOTH_IN_DEFAULT, content_type="application/sparql-query")) is True


def test_post_query_with_protocol_specified_named_graphs(client) -> None:
    """query_dataset_named_graphs_post."""
    url = "/sparql?" + urlencode([("named-graph-uri", REGIONS), ("named-graph-uri", TERRITORIES)])
    assert boolean(client.post(url, data=BOTH_NAMED, content_type="application/sparql-query")) is True
    url = "/sparql?" + urlencode([("named-graph-uri", REGIONS)])
    assert boolean(client.post(url, data=BOTH_NAMED, content_type="application/sparql-query")) is False


def test_get_query_with_protocol_specified_named_graphs(client) -> None:
    """query_dataset_named_graphs_get."""
    response = client.get("/sparql", query_string=[("query", BOTH_NAMED), ("named-graph-uri", REGIONS),
                                                   ("named-graph-uri", TERRITORIES)])
    assert boolean(response) is True


def test_query_with_protocol_specified_dataset_both_named_and_default_graphs(client) -> None:
    """query_dataset_full."""
    query = f"""ASK {{
      <{COMMUNE}> a ?type
      GRAPH ?g1 {{ <{REGION}> a ?type1 }}
      GRAPH ?g2 {{ <{MELUN_IRI}> a ?type2 }}
    }}"""
    url = "/sparql?" + urlencode([("default-graph-uri", COMMUNES), ("named-graph-uri", REGIONS),
                                  ("named-graph-uri", TERRITORIES)])
    assert boolean(client.post(url, data=query, content_type="application/sparql-query")) is True
    # The commune is in the default graph only, not among the named graphs.
    url = "/sparql?" + urlencode([("default-graph-uri", REGIONS), ("named-graph-uri", COMMUNES)])
    assert boolean(client.post(url, data=f"ASK {{ <{COMMUNE}> a ?t }}", content_type="application/sparql-query")) is False


def test_query_specifying_dataset_in_both_query_string_and_protocol_uses_protocol_dataset(client) -> None:
    """query_multiple_dataset: FROM in the query, named graphs in the protocol: the protocol wins."""
    query = f"ASK FROM <{COMMUNES}> {{ GRAPH ?g1 {{ <{REGION}> a ?type1 }} GRAPH ?g2 {{ <{MELUN_IRI}> a ?type2 }} }}"
    url = "/sparql?" + urlencode([("named-graph-uri", REGIONS), ("named-graph-uri", TERRITORIES)])
    assert boolean(client.post(url, data=query, content_type="application/sparql-query")) is True
    # and the protocol's default graph replaces the query's FROM
    response = client.get("/sparql", query_string={"query": f"ASK FROM <{COMMUNES}> {{ <{COMMUNE}> a ?t }}",
                                                   "default-graph-uri": REGIONS})
    assert boolean(response) is False


@pytest.mark.parametrize(("query", "expected"), [
    ("SELECT (1 AS ?value) {}", "application/sparql-results+json"),
    ("ASK {}", "application/sparql-results+json"),
    ("DESCRIBE <http://example.org/>", "text/turtle"),
    ("CONSTRUCT { <http://example.org/s> <http://example.org/p> 1 } WHERE {}", "text/turtle"),
], ids=["query_content_type_select", "query_content_type_ask", "query_content_type_describe",
        "query_content_type_construct"])
def test_query_appropriate_content_type(client, query: str, expected: str) -> None:
    response = client.post(f"/sparql?{urlencode({'default-graph-uri': REGIONS})}", data=query,
                           content_type="application/sparql-query")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{expected}; charset=utf-8"


# -- the manifest's bad query tests (all 4xx) -----------------------------------------------


def problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"
    body = json.loads(response.get_data(as_text=True))
    assert body["status"] == status
    assert body["type"].endswith(f"/problems/{slug}")
    assert body["title"] and body["detail"]
    return body


def test_invoke_query_operation_with_a_method_other_than_get_or_post(client) -> None:
    """bad_query_method."""
    response = client.put("/sparql/?" + urlencode({"query": "ASK {}", "default-graph-uri": REGIONS}),
                          content_type="application/x-www-form-urlencoded")
    problem(response, 405, "method-not-allowed")
    assert response.headers["Allow"] == "GET, POST, OPTIONS, HEAD"
    for method in ("DELETE", "PATCH"):
        response = client.open("/sparql", method=method)
        problem(response, 405, "method-not-allowed")
        assert response.headers["Allow"] == "GET, POST, OPTIONS, HEAD"


def test_invoke_query_operation_with_more_than_one_query_string(client) -> None:
    """bad_multiple_queries."""
    response = client.get("/sparql/?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")
    problem(response, 400, "multiple-queries")
    response = client.post("/sparql", data="query=ASK%20%7B%7D&query=ASK%20%7B%7D",
                           content_type="application/x-www-form-urlencoded")
    problem(response, 400, "multiple-queries")


def test_query_both_in_url_and_body_is_refused(client) -> None:
    response = client.post("/sparql?query=ASK%20%7B%7D", data="query=ASK%20%7B%7D",
                           content_type="application/x-www-form-urlencoded")
    problem(response, 400, "multiple-queries")
    response = client.post("/sparql?query=ASK%20%7B%7D", data="ASK {}", content_type="application/sparql-query")
    problem(response, 400, "multiple-queries")


def test_invoke_query_operation_with_a_post_with_media_type_that_is_not_url_encoded_or_sparql_query(client) -> None:
    """bad_query_wrong_media_type."""
    body = problem(client.post("/sparql/", data="ASK {}", content_type="text/plain"), 415, "unsupported-media-type")
    assert "text/plain" in body["detail"]


def test_invoke_query_operation_with_url_encoded_body_but_without_form_media_type(client) -> None:
    """bad_query_missing_form_type."""
    response = client.post("/sparql/", data=b"query=ASK%20%7B%7D", headers={"Content-Type": ""})
    problem(response, 415, "unsupported-media-type")


def test_invoke_query_operation_with_sparql_body_but_without_sparql_query_media_type(client) -> None:
    """bad_query_missing_direct_type."""
    problem(client.post("/sparql/", data=b"ASK {}"), 415, "unsupported-media-type")


def test_invoke_query_operation_with_direct_post_but_with_a_non_utf8_encoding(client) -> None:
    """bad_query_non_utf8 (UTF-16)."""
    response = client.post("/sparql/", data="ASK {}".encode("utf-16"),
                           content_type="application/sparql-query; charset=UTF-16")
    problem(response, 415, "unsupported-media-type")
    # the same bytes announced as UTF-8 are not UTF-8
    response = client.post("/sparql/", data="ASK {}".encode("utf-16"), content_type="application/sparql-query")
    problem(response, 400, "invalid-parameter")
    response = client.post("/sparql/", data=b"query=ASK%20%7B%7D%20%23%FF", content_type="application/x-www-form-urlencoded")
    problem(response, 400, "invalid-parameter")


def test_invoke_query_operation_with_invalid_query_syntax(client) -> None:
    """bad_query_syntax: 400 with the parser's message and its position."""
    body = problem(client.get("/sparql/", query_string={"query": "ASK {"}), 400, "malformed-query")
    assert "error at 1:6" in body["detail"]
    assert (body["line"], body["column"]) == (1, 6)
    body = problem(client.get("/sparql", query_string={"query": "SELECT * WHERE {\n  ?s ?p \n}"}), 400, "malformed-query")
    assert body["line"] == 3


@pytest.mark.parametrize("request_kind", ["get-update-param", "form-update-param", "post-sparql-update",
                                          "insert-as-query", "load-as-query", "clear-as-query", "drop-as-query",
                                          "create-as-query", "escaped-insert-as-query"])
def test_bad_update_in_query_endpoint_is_refused_and_store_unchanged(client, cut_data_dir, manifest,
                                                                      request_kind: str) -> None:
    """bad_update_get and friends: no update reaches the store, whatever carries it."""
    from tid.graph.store import open_read_only

    insert = f"INSERT DATA {{ GRAPH <{REGIONS}> {{ <{REGION}> <{BASE}def#x> 1 }} }}"
    requests = {
        "get-update-param": lambda: client.get("/sparql", query_string={"update": insert}),
        "form-update-param": lambda: client.post("/sparql", data={"update": "CLEAR ALL"}),
        "post-sparql-update": lambda: client.post("/sparql", data="CLEAR ALL", content_type="application/sparql-update"),
        "insert-as-query": lambda: client.get("/sparql", query_string={"query": "PREFIX ex: <http://example.org/>\n" + insert}),
        "load-as-query": lambda: client.post("/sparql", data="LOAD <http://example.org/x.ttl>",
                                             content_type="application/sparql-query"),
        "clear-as-query": lambda: client.post("/sparql", data={"query": "CLEAR ALL"}),
        "drop-as-query": lambda: client.get("/sparql", query_string={"query": f"DROP GRAPH <{REGIONS}>"}),
        "create-as-query": lambda: client.get("/sparql", query_string={"query": "CREATE GRAPH <http://example.org/g>"}),
        "escaped-insert-as-query": lambda: client.get("/sparql", query_string={"query": "\\u0049NSERT DATA { <a:a> <a:b> <a:c> }"}),
    }
    response = requests[request_kind]()
    assert 400 <= response.status_code < 500
    body = json.loads(response.get_data(as_text=True))
    if request_kind.endswith("-as-query"):  # the query operation: an update there is a malformed query
        assert response.status_code == 400
        assert body["type"].endswith("/problems/malformed-query")
        if request_kind != "escaped-insert-as-query":  # pyoxigraph reads that one as a syntax error
            assert "SPARQL Update, not a query" in body["detail"] and "read-only" in body["detail"]
    else:  # an update request proper, on a read-only service
        assert response.status_code == 403
        assert body["type"].endswith("/problems/update-refused")
        assert "read-only" in body["detail"]
    store = open_read_only(cut_data_dir)
    assert len(store) == manifest["counts"]["quads"] + manifest["counts"]["triples"]


# -- dataset semantics beyond the manifest --------------------------------------------------


def test_default_graph_is_the_union_of_named_graphs(client) -> None:
    assert boolean(client.get("/sparql", query_string={"query": BOTH_IN_DEFAULT})) is True


def test_graph_variable_ranges_over_the_store_named_graphs(client, manifest) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"})
    assert response.status_code == 200
    graphs = {b["g"]["value"] for b in json.loads(response.get_data(as_text=True))["results"]["bindings"]}
    assert graphs == set(manifest["counts"]["graphs"])


def test_from_in_the_query_replaces_the_union(client, manifest) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{REGIONS}> WHERE {{ ?s ?p ?o }}"
    response = client.get("/sparql", query_string={"query": query})
    count = json.loads(response.get_data(as_text=True))["results"]["bindings"][0]["n"]["value"]
    assert int(count) == manifest["counts"]["graphs"][REGIONS]
    assert boolean(client.get("/sparql", query_string={"query": f"ASK FROM <{REGIONS}> {{ <{MELUN_IRI}> a ?t }}"})) is False


def test_only_named_graphs_given_means_an_empty_default_graph(client) -> None:
    response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }", "named-graph-uri": REGIONS})
    assert boolean(response) is False


def test_unknown_graph_is_empty_not_an_error(client) -> None:
    response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }", "default-graph-uri": "http://example.org/none"})
    assert boolean(response) is False


def test_relative_graph_iri_is_a_bad_parameter(client) -> None:
    body = problem(client.get("/sparql", query_string={"query": "ASK {}", "default-graph-uri": "not an iri"}),
                   400, "invalid-parameter")
    assert "default-graph-uri" in body["detail"]


def test_no_query_is_400_unless_a_bare_get(client) -> None:
    problem(client.get("/sparql", query_string={"default-graph-uri": REGIONS}), 400, "missing-query")
    problem(client.post("/sparql", data="", content_type="application/x-www-form-urlencoded"), 400, "missing-query")
    problem(client.post("/sparql", data="   ", content_type="application/sparql-query"), 400, "missing-query")
    assert client.get("/sparql").status_code == 200  # the service description


def test_head_gives_the_headers_without_the_body(client) -> None:
    response = client.head("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{JSON_RESULTS}; charset=utf-8"
    assert response.get_data() == b""


def test_relative_iris_resolve_against_the_endpoint(client) -> None:
    """SPARQL 1.1 Protocol §2.3 leaves the base IRI to the service: the endpoint's own URL (W3C
    protocol test query_content_type_construct sends exactly this query)."""
    response = client.post("/sparql", data="CONSTRUCT { <s> <p> 1 } WHERE {}", content_type="application/sparql-query",
                           headers={"Accept": "application/n-triples"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_data(as_text=True).strip() == (
        '<http://localhost/s> <http://localhost/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .')
    # a BASE in the query comes first
    own = client.get("/sparql", query_string={"query": "BASE <http://example.org/> SELECT ?x { BIND(<y> AS ?x) }"},
                     headers={"Accept": "application/sparql-results+json"})
    assert own.get_json()["results"]["bindings"][0]["x"]["value"] == "http://example.org/y"


@pytest.mark.parametrize(("query", "accept"), [
    ('SELECT ?x { BIND("a\\u0001b" AS ?x) }', "application/sparql-results+xml"),
    ('CONSTRUCT { <http://example.org/s> <http://example.org/p> "a\\u000Bb" } WHERE {}', "application/rdf+xml"),
])
def test_an_answer_xml_cannot_carry_is_406_never_a_broken_document(client, query: str, accept: str) -> None:
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 406, response.get_data(as_text=True)[:300]
    body = json.loads(response.get_data(as_text=True))
    assert "XML 1.0 cannot carry" in body["detail"] and body["available"]
    assert not any("xml" in media for media in body["available"])
    # the same answer in a format that carries it
    fine = client.get("/sparql", query_string={"query": query},
                      headers={"Accept": "application/sparql-results+json" if "SELECT" in query else "application/n-triples"})
    assert fine.status_code == 200


def test_a_triple_term_asked_as_json_ld_is_406_with_the_formats_that_carry_it(client) -> None:
    query = ("CONSTRUCT { <http://example.org/s> <http://example.org/p> "
             "<<( <http://example.org/a> <http://example.org/b> <http://example.org/c> )>> } WHERE {}")
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/ld+json"})
    assert response.status_code == 406, response.get_data(as_text=True)[:300]
    body = json.loads(response.get_data(as_text=True))
    assert "RDF 1.2 triple terms" in body["detail"]
    assert "application/ld+json" not in body["available"] and "application/n-triples" in body["available"]
    carried = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/n-triples"})
    assert carried.status_code == 200 and "<<(" in carried.get_data(as_text=True)
