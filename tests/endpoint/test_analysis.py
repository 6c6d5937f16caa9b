"""The query lexer: form, update, dataset clauses and SERVICE calls, read past strings, comments
and IRIs. (The evasions against pyoxigraph itself are in test_safety.)"""

from __future__ import annotations

import pytest

from tid.endpoint.analysis import analyse, host_allowed, tokens, unescape_codepoints


@pytest.mark.parametrize(("query", "form", "update"), [
    ("SELECT * {}", "SELECT", False),
    ("PREFIX ex: <http://x/>\nBASE <http://y/>\n# a comment with ASK\nask {}", "ASK", False),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT", False),
    ("DESCRIBE <http://x/>", "DESCRIBE", False),
    ("PREFIX ex: <http://x/> INSERT DATA { ex:a ex:b ex:c }", "INSERT", True),
    ("delete where { ?s ?p ?o }", "DELETE", True),
    ("LOAD <http://x/data.ttl>", "LOAD", True),
    ("CLEAR ALL", "CLEAR", True),
    ("WITH <http://g/> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH", True),
    ("\\u0049NSERT DATA { <a:a> <a:b> <a:c> }", "INSERT", True),
    ("this is not sparql", None, False),
])
def test_form_and_update(query: str, form: str | None, update: bool) -> None:
    shape = analyse(query)
    assert (shape.form, shape.is_update) == (form, update)


def test_dataset_clause() -> None:
    assert analyse("SELECT * FROM <http://g/> { ?s ?p ?o }").has_dataset_clause
    assert analyse("SELECT * FROM NAMED <http://g/> { GRAPH ?g { ?s ?p ?o } }").has_dataset_clause
    assert not analyse('SELECT * { ?s ?p "FROM" . ?s <http://x/from> ?from }').has_dataset_clause


def test_service_endpoints_are_resolved() -> None:
    shape = analyse("BASE <http://b.example/> PREFIX w: <https://query.wikidata.org/> SELECT * { "
                    "SERVICE <https://qlever.example/api> {} SERVICE SILENT w:sparql {} SERVICE <rel> {} }")
    assert [call.endpoint for call in shape.services] == [
        "https://qlever.example/api", "https://query.wikidata.org/sparql", "http://b.example/rel"]
    unresolved = analyse("PREFIX w: <https://query.wikidata.org/> SELECT * { SERVICE ?e {} SERVICE x:y {} "
                         "SERVICE <relative> {} ?s ?p trueSERVICE <http://a/> {} }")
    assert [call.endpoint for call in unresolved.services] == [None, None, None, None]


def test_strings_comments_and_iris_hide_the_word() -> None:
    for query in ('SELECT * { ?s ?p "SERVICE <http://a/> {}" }', "SELECT * { ?s ?p '''\nSERVICE <http://a/> {}''' }",
                  "SELECT * { ?s ?p ?o } # SERVICE <http://a/> {}", "SELECT * { ?s <http://a/SERVICE> ?o }"):
        assert analyse(query).services == ()


def test_tokens() -> None:
    kinds = [(t.kind, t.text) for t in tokens('?o.SERVICE<http://a/>{ ex:a.b "x"@fr-CA _:b1. }')]
    assert kinds == [("var", "?o"), ("punct", "."), ("word", "SERVICE"), ("iri", "<http://a/>"), ("punct", "{"),
                     ("word", "ex:a.b"), ("string", '"x"'), ("langtag", "@fr-CA"), ("bnode", "_:b1"),
                     ("punct", "."), ("punct", "}")]
    assert unescape_codepoints("\\u0053ERVICE \\U0001F600") == "SERVICE \U0001F600"


@pytest.mark.parametrize(("endpoint", "allowed"), [
    ("https://query.wikidata.org/sparql", True),
    ("https://QUERY.wikidata.org./sparql", True),
    ("http://query.wikidata.org/sparql", True),
    ("https://query.wikidata.org.evil.example/sparql", False),
    ("https://user:pw@query.wikidata.org/sparql", False),
    ("ftp://query.wikidata.org/", False),
    ("http://127.0.0.1:8000/sparql", False),
    ("http://127.0.0.1:9999/sparql", True),
    ("http://[::1]:9999/", False),
])
def test_allow_list(endpoint: str, allowed: bool) -> None:
    assert host_allowed(endpoint, frozenset({"query.wikidata.org", "127.0.0.1:9999"})) is allowed


# -- bounded lookups: what the cheap lane may run outside the killable pool ----------------------


@pytest.mark.parametrize("query", [
    "SELECT DISTINCT ?p ?o WHERE { <http://x/a> ?p ?o }",
    "PREFIX ex: <http://x/> ASK { ex:a a ex:B . }",
    'SELECT * { <a:b> ?p "x"@fr } LIMIT 10 OFFSET 5',
    'SELECT ?s { <a:b> <a:p> "1"^^<a:int> }',
    "SELECT REDUCED ?o { <a:b> ?p 1.5e3 } OFFSET 2",
    "select ?o where { <a:b> ?p ?o } # a comment",
])
def test_bounded_lookups(query: str) -> None:
    assert analyse(query).bounded


@pytest.mark.parametrize("query", [
    "SELECT ?o { ?s ?p ?o }",  # no named subject: a scan of everything
    "SELECT ?o { <a:b> <a:p>/<a:q> ?o }",  # a path
    "SELECT ?o { <a:b> <a:p>* ?o }",
    "SELECT ?o { <a:b> ?p ?o ; ?q ?r }",  # two patterns: a product of scans
    "SELECT ?o { <a:b> ?p ?o, ?r }",
    "SELECT ?o { <a:b> ?p ?o . ?o ?q ?r }",
    "SELECT ?o { <a:b> ?p ?o } ORDER BY ?o",  # a sort
    "SELECT (COUNT(*) AS ?n) { <a:b> ?p ?o }",  # an aggregate
    "SELECT ?o FROM <a:g> { <a:b> ?p ?o }",  # a dataset of the query's own
    "SELECT ?o { <a:b> ?p ?o FILTER(?o) }",
    "SELECT ?o { <a:b> ?p ?o OPTIONAL { ?o ?q ?r } }",
    "SELECT ?o { { <a:b> ?p ?o } UNION { ?s ?p ?o } }",
    "SELECT ?o { GRAPH ?g { <a:b> ?p ?o } }",
    "SELECT ?o { <a:b> ?p [] }",  # a blank node
    "SELECT ?o { _:b ?p ?o }",
    "SELECT ?o { <a:b> ?p ?o } LIMIT 1 LIMIT 2",
    "SELECT ?o { <a:b> ?p ?o } VALUES ?o { 1 }",
    "SELECT ?o { SERVICE <http://x/> { <a:b> ?p ?o } }",
    "SELECT ?o { <a:\\u0062> ?p ?o }",  # escapes: read both ways, not proven
    "CONSTRUCT WHERE { <a:b> ?p ?o }",
    "DESCRIBE <a:b>",
    "INSERT DATA { <a:b> <a:p> <a:o> }",
    "SELECT ?o { <a:b> ?p ?o",  # unterminated
])
def test_not_bounded(query: str) -> None:
    assert not analyse(query).bounded


def test_limit_is_read() -> None:
    assert analyse("SELECT ?o { <a:b> ?p ?o } LIMIT 3").limited
    assert not analyse('SELECT ?o { <a:b> ?p "LIMIT 3" } # LIMIT 4').limited
