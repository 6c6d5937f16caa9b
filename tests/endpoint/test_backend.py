"""``tid serve --backend URL``: the endpoint in front of a remote SPARQL 1.1 server.

The conformance modules (protocol, conneg, results, service description, VoID, resources, named
queries) run in both modes through the conftest's ``BOTH_MODES``; this module checks what is
proper to remote mode: the same answers as the embedded store for every named query and page,
the substitution of bound variables, the dataset sent, the option and setting, and every failure
of the server (down, 5xx, too slow, a 4xx refusal, an unreadable answer) answered as a problem
(400 or 503), never a 500. The fake servers listen on 127.0.0.1 only.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from pyoxigraph import Literal, NamedNode, Store, Variable

from tests.helpers import BASE, MELUN_IRI, NAMED_QUERY_PARAMS, free_port
from tid.endpoint.remote import (
    BackendRefused,
    BackendTimeout,
    BackendUnavailable,
    RemoteStore,
    release_graphs,
)
from tid.graph.queries import list_queries, load_query, substitute, term_text
from tid.namespaces import XSD

JSON_RESULTS = "application/sparql-results+json"


@pytest.fixture(scope="module")
def apps(cut_data_dir, oxigraph_backend: str) -> Iterator[tuple[Flask, Flask]]:
    """(embedded, remote) apps over the same release."""
    from tid.endpoint import create_app

    made = (create_app({"DATA_DIR": str(cut_data_dir.root), "QUERY_TIMEOUT": 10, "MAX_CONCURRENT_QUERIES": 2}),
            create_app({"DATA_DIR": str(cut_data_dir.root), "QUERY_TIMEOUT": 10, "MAX_CONCURRENT_QUERIES": 2,
                        "BACKEND_URL": oxigraph_backend}))
    yield made
    for app in made:
        app.extensions["tid"].close()


def rows(response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data())["results"]["bindings"]


def normalised(row: dict[str, Any]) -> str:
    """A row as text, the parts of GROUP_CONCAT values (joined with " ; ") sorted."""
    return json.dumps({k: {**v, "value": " ; ".join(sorted(v["value"].split(" ; ")))} for k, v in row.items()},
                      sort_keys=True)


def problem(response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = json.loads(response.get_data())
    assert body["type"].endswith("/problems/" + slug), body
    return body


# -- the same answers ------------------------------------------------------------------------


def test_remote_mode_reads_the_server_not_the_store(apps) -> None:
    embedded, remote = apps
    assert embedded.extensions["tid"].release.backend is None
    backend = remote.extensions["tid"].release.backend
    assert isinstance(backend, RemoteStore)
    assert isinstance(remote.extensions["tid"].release.store, RemoteStore)


@pytest.mark.parametrize("name", [q.name for q in list_queries()])
def test_every_named_query_answers_the_same(apps, name: str) -> None:
    """Parameters included: those only tested by a FILTER or used in a sub-select (``?date``)."""
    embedded, remote = apps
    params = NAMED_QUERY_PARAMS.get(name, {})
    local = rows(embedded.test_client().get(f"/queries/{name}", query_string=params, headers={"Accept": JSON_RESULTS}))
    distant = rows(remote.test_client().get(f"/queries/{name}", query_string=params, headers={"Accept": JSON_RESULTS}))
    # The same rows, in any order (ties of ORDER BY and GROUP_CONCAT's order depend on how the
    # store holds the data, not on the query).
    assert sorted(map(normalised, distant)) == sorted(map(normalised, local))
    if params:
        assert local, f"{name}: the parameters chosen should give rows"


@pytest.mark.parametrize("path", ["/", "/changes", "/search?q=melun", "/sitemap.xml", "/.well-known/void",
                                  "/doc/territoire/2023-2027/ti-1107", "/geo/territoire/2023-2027/ti-1107"])
def test_pages_are_the_same(apps, path: str) -> None:
    embedded, remote = apps
    local = embedded.test_client().get(path)
    distant = remote.test_client().get(path)
    assert local.status_code == distant.status_code == 200
    assert distant.get_data() == local.get_data()


@pytest.mark.parametrize("path", ["/catalog", "/sparql"])
def test_graphs_are_the_same(apps, path: str) -> None:
    """The catalogue and the service description: the same graph (isomorphic: the labels of
    blank nodes differ from one answer to the next)."""
    from rdflib import Graph
    from rdflib.compare import isomorphic

    embedded, remote = apps
    graphs = []
    for app in (embedded, remote):
        response = app.test_client().get(path, headers={"Accept": "application/n-triples"})
        assert response.status_code == 200
        graphs.append(Graph().parse(data=response.get_data(as_text=True), format="nt"))
    assert len(graphs[0]) and isomorphic(graphs[0], graphs[1])


# -- substitutions ---------------------------------------------------------------------------


def test_terms_are_written_in_their_ntriples_form() -> None:
    assert term_text(NamedNode("http://e/x")) == "<http://e/x>"
    assert term_text(Literal('dit "oui"\nou non', language="fr")) == '"dit \\"oui\\"\\nou non"@fr'
    assert term_text(Literal("2024-01-01", datatype=XSD.date)) == f'"2024-01-01"^^<{XSD.date.value}>'
    from pyoxigraph import BlankNode

    with pytest.raises(ValueError):
        term_text(BlankNode())


def test_substitution_replaces_the_variable_in_every_scope() -> None:
    query = ("SELECT ?x ?y (COUNT(?z) AS ?n) WHERE { { SELECT ?x ?z WHERE { ?x ?p ?z FILTER(?z != ?y) } } "
             "BIND(?x AS ?w) } GROUP BY ?x ?y ORDER BY ?y # ?y in a comment\n")
    text = substitute(query, {Variable("y"): Literal("a b"), Variable("x"): NamedNode("http://e/x")})
    values = ' VALUES (?x ?y) { (<http://e/x> "a b") } '
    inner = ' VALUES (?x) { (<http://e/x>) } '  # the sub-select does not project ?y: its ?y is another variable
    assert text == (f'SELECT ?x ?y (COUNT(?z) AS ?n) WHERE {{{values} {{ SELECT ?x ?z WHERE {{{inner} <http://e/x> ?p ?z '
                    f'FILTER(?z != ?y) }} }} BIND(<http://e/x> AS ?w) }} GROUP BY ?x ?y ORDER BY ?y # ?y in a comment\n')
    Store().query(text)  # valid SPARQL
    # Strings and IRIs are never touched; a variable after AS stays; CONSTRUCT: after WHERE only.
    assert substitute('ASK { BIND("?q" AS ?q) ?s <http://e/?q> ?o }', {Variable("q"): Literal("v")}) == \
        'ASK { VALUES (?q) { ("v") }  BIND("?q" AS ?q) ?s <http://e/?q> ?o }'
    construct = substitute("CONSTRUCT { ?q ?p ?o } WHERE { ?q ?p ?o }", {Variable("q"): NamedNode("http://e/q")})
    assert construct == 'CONSTRUCT { <http://e/q> ?p ?o } WHERE { VALUES (?q) { (<http://e/q>) }  <http://e/q> ?p ?o }'
    assert substitute("DESCRIBE ?r", {Variable("r"): NamedNode("http://e/r")}) == "DESCRIBE <http://e/r>"


def test_substitution_binds_what_pyoxigraph_binds() -> None:
    """On a small store: pyoxigraph's substitution and the rewritten text give the same rows."""
    from pyoxigraph import Quad

    store = Store()
    e = "http://e/"
    store.extend([Quad(NamedNode(e + s), NamedNode(e + "p"), Literal(o)) for s, o in (("a", "1"), ("b", "2"), ("c", "2"))])
    bound = {Variable("v"): Literal("2")}
    for query in ("SELECT ?s ?v WHERE { ?s ?p ?o FILTER(?o = ?v) } ORDER BY ?s",
                  "SELECT ?v (COUNT(*) AS ?n) WHERE { { SELECT ?s WHERE { ?s ?p ?v } } } GROUP BY ?v",
                  "SELECT ?v (COUNT(*) AS ?n) WHERE { { SELECT ?s ?v WHERE { ?s ?p ?v } } } GROUP BY ?v",
                  "SELECT ?s ?v WHERE { ?s ?p ?o { ?s ?p ?x FILTER(?x = ?v) } } ORDER BY ?s",
                  "SELECT ?s ?v WHERE { ?s ?p ?o OPTIONAL { ?s ?p ?x FILTER(?x = ?v) } FILTER(BOUND(?x)) } ORDER BY ?s",
                  "SELECT * WHERE { { SELECT * WHERE { ?s ?p ?v } } }",
                  "ASK { ?s ?p ?v }"):
        expected = store.query(query, substitutions=bound)
        got = store.query(substitute(query, bound))
        if hasattr(expected, "variables"):
            assert [[str(t) for t in row] for row in got] == [[str(t) for t in row] for row in expected], query
        else:
            assert bool(got) == bool(expected)


def test_substitution_gives_the_embedded_answer(cut_data_dir, oxigraph_backend: str) -> None:
    """A parameter read only by FILTER, inside sub-selects (``territoire-d-une-commune``'s ``?date``),
    and a query without any pattern binding it (``home-sitemap``'s ``?prefix``): as pyoxigraph."""
    from tid.graph.store import open_read_only

    store = open_read_only(cut_data_dir)
    remote = RemoteStore(oxigraph_backend, release_graphs(cut_data_dir.current_manifest()), timeout=10)
    for name, values in (("territoire-d-une-commune", NAMED_QUERY_PARAMS["territoire-d-une-commune"]),
                         ("home-sitemap", {"prefix": BASE + "id/region/"})):
        query = load_query(name)
        bound = query.substitutions(values)
        local = [[str(v) for v in row] for row in store.query(query.text, substitutions=bound)]
        distant = [[str(v) for v in row] for row in remote.query(query.text, substitutions=bound)]
        assert sorted(distant) == sorted(local) and local


def test_quads_for_pattern(cut_data_dir, oxigraph_backend: str) -> None:
    from tid.graph.store import open_read_only

    store = open_read_only(cut_data_dir)
    remote = RemoteStore(oxigraph_backend, release_graphs(cut_data_dir.current_manifest()), timeout=10)
    subject = NamedNode(MELUN_IRI)
    assert sorted(map(str, remote.quads_for_pattern(subject, None, None))) == \
        sorted(map(str, store.quads_for_pattern(subject, None, None)))
    label = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    found = list(remote.quads_for_pattern(subject, label, None, None))
    assert found and all(q.predicate == label for q in found)


def test_the_default_graph_is_the_release_merge(cut_data_dir, oxigraph_backend: str) -> None:
    """The default graph is the merge of the manifest's graphs, pushed as ``{base}graph/merge`` and
    sent as ``default-graph-uri``: each triple once (the server would count a triple once per graph
    if the graphs themselves were sent, oxigraph #1919), and a graph the server holds beside them is
    not part of it."""
    manifest = cut_data_dir.current_manifest()
    graphs = release_graphs(manifest)
    assert set(manifest["counts"]["graphs"]) <= set(graphs)
    assert BASE + "graph/catalogue" in graphs and BASE + "graph/changelog" in graphs
    remote = RemoteStore(oxigraph_backend, graphs, timeout=10)
    assert remote.merge_graph == BASE + "graph/merge"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    everything = int(next(iter(remote.query(count)))["n"].value)
    assert everything == manifest["counts"]["triples"] < sum(manifest["counts"]["graphs"].values())
    one = RemoteStore(oxigraph_backend, graphs[:1], timeout=10, merge_graph=graphs[0])
    assert 0 < int(next(iter(one.query(count)))["n"].value) < everything


# -- the option and the setting ----------------------------------------------------------------


def test_serve_option_and_environment(monkeypatch: pytest.MonkeyPatch, cut_data_dir, oxigraph_backend: str) -> None:
    import argparse

    from tid.endpoint import create_app
    from tid.endpoint.serve import add_parser, app_config

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["serve", "--data-dir", str(cut_data_dir.root), "--backend", oxigraph_backend])
    assert app_config(args)["BACKEND_URL"] == oxigraph_backend
    assert "BACKEND_URL" not in app_config(parser.parse_args(["serve"]))
    monkeypatch.setenv("TID_BACKEND_URL", oxigraph_backend)
    app = create_app({"DATA_DIR": str(cut_data_dir.root)})
    try:
        assert app.extensions["tid"].release.backend.url == oxigraph_backend
    finally:
        app.extensions["tid"].close()


# -- failures: never a 500 ---------------------------------------------------------------------


class FakeServer:
    """A SPARQL server on 127.0.0.1 that answers every request with ``reply(handler)``."""

    def __init__(self, reply: Callable[[http.server.BaseHTTPRequestHandler], None]):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    reply(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def answer(status: int, body: bytes, content_type: str = "text/plain", delay: float = 0.0):
    def reply(handler: http.server.BaseHTTPRequestHandler) -> None:
        time.sleep(delay)
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return reply


@pytest.fixture
def fake_app(cut_data_dir) -> Iterator[Callable[..., Flask]]:
    from tid.endpoint import create_app

    made: list[tuple[Flask, FakeServer | None]] = []

    def factory(reply: Callable | None, timeout: float = 5) -> Flask:
        server = FakeServer(reply) if reply else None
        url = server.url if server else f"http://127.0.0.1:{free_port()}/sparql"  # nothing listens there
        app = create_app({"DATA_DIR": str(cut_data_dir.root), "QUERY_TIMEOUT": timeout, "MAX_CONCURRENT_QUERIES": 1,
                          "BACKEND_URL": url, "SEARCH_WARM_UP": False})
        made.append((app, server))
        return app

    yield factory
    for app, server in made:
        app.extensions["tid"].close()
        if server:
            server.close()


# Each kind of address: the SPARQL protocol (worker), a resource page, the home page, a map.
PATHS = ["/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D", "/doc/territoire/2023-2027/ti-1107", "/",
         "/geo/territoire/2023-2027/ti-1107"]


def test_the_catalogue_needs_no_backend(fake_app) -> None:
    """The catalogue is the file the build wrote beside the release (its literals as declared), so
    harvesters get it while the SPARQL server is down."""
    response = fake_app(None).test_client().get("/catalog", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and b"dcat:Catalog" in response.get_data()


@pytest.mark.parametrize("path", PATHS)
def test_server_down_is_503(fake_app, path: str) -> None:
    response = fake_app(None).test_client().get(path)
    body = problem(response, 503, "backend-unavailable")
    assert "cannot be reached" in body["detail"] and response.headers["Retry-After"]


@pytest.mark.parametrize("path", PATHS)
def test_server_error_is_503(fake_app, path: str) -> None:
    app = fake_app(answer(500, b"internal meltdown"))
    body = problem(app.test_client().get(path), 503, "backend-unavailable")
    assert "500" in body["detail"] and "internal meltdown" in body["detail"]


@pytest.mark.parametrize("path", PATHS)
def test_server_too_slow_is_503(fake_app, path: str) -> None:
    app = fake_app(answer(200, b'{"head":{},"boolean":true}', JSON_RESULTS, delay=3), timeout=1)
    started = time.monotonic()
    problem(app.test_client().get(path), 503, "query-timeout")
    assert time.monotonic() - started < 2.9


def trickle(body: bytes, every: float = 0.2):
    """An answer whose headers come at once and whose body comes a byte at a time."""
    def reply(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", JSON_RESULTS)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            for byte in body:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(every)
        except OSError:  # the caller gave up: that is the point
            pass

    return reply


@pytest.mark.parametrize("path", PATHS)
def test_a_server_trickling_bytes_is_cut_at_the_time_budget(fake_app, path: str) -> None:
    """Each byte comes before the socket's timeout, so only a wall-clock deadline checked after
    every receive stops the call (it was checked every 64 KiB: hours at a byte a second)."""
    app = fake_app(trickle(b'{"head":{},"boolean":true}' + b" " * 200), timeout=1)
    started = time.monotonic()
    problem(app.test_client().get(path), 503, "query-timeout")
    assert time.monotonic() - started < 4


@pytest.mark.parametrize("path", PATHS)
def test_unreadable_answer_is_503(fake_app, path: str) -> None:
    app = fake_app(answer(200, b"<html>a login page</html>", "text/html"))
    body = problem(app.test_client().get(path), 503, "backend-unavailable")
    assert "text/html" in body["detail"]


def test_malformed_results_are_503(fake_app) -> None:
    """A JSON answer that breaks off: caught while reading it, not in the caller's loop."""
    app = fake_app(answer(200, b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://e/"}}, {"s":',
                          JSON_RESULTS))
    for path in ("/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D", "/doc/territoire/2023-2027/ti-1107"):
        problem(app.test_client().get(path), 503, "backend-unavailable")


def test_blank_node_labels_of_other_servers_are_read() -> None:
    """Virtuoso labels blank nodes ``nodeID://b10001`` in its JSON results: read as blank nodes."""
    server = FakeServer(answer(200, json.dumps({"head": {"vars": ["b", "c"]}, "results": {"bindings": [
        {"b": {"type": "bnode", "value": "nodeID://b10001"}, "c": {"type": "bnode", "value": "nodeID://b10001"}},
        {"b": {"type": "bnode", "value": "nodeID://b10002"}, "c": {"type": "bnode", "value": "ok_label"}}]}}).encode(),
        JSON_RESULTS))
    try:
        solutions = list(RemoteStore(server.url).query("SELECT ?b ?c WHERE { ?b ?p ?c }"))
    finally:
        server.close()
    assert solutions[0]["b"] == solutions[0]["c"] and solutions[0]["b"] != solutions[1]["b"]
    assert solutions[1]["c"].value == "ok_label"


def test_server_refusal_is_400_with_its_message(fake_app) -> None:
    """A query that parses here but that the server refuses: 400 with the server's message."""
    app = fake_app(answer(400, b"Virtuoso 37000 Error SP030: SPARQL compiler: unsupported feature"))
    body = problem(app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}), 400, "evaluation-error")
    assert "SP030" in body["detail"] and "400" in body["detail"]


def test_malformed_query_is_checked_here_first(fake_app) -> None:
    """The same 400 (line and column) as in embedded mode, without asking the server."""
    app = fake_app(None)
    body = problem(app.test_client().get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"}), 400,
                   "malformed-query")
    assert "line" in body


def test_store_errors_are_typed(oxigraph_backend: str) -> None:
    with pytest.raises(BackendRefused) as refused:
        RemoteStore(oxigraph_backend).query("SELECT * WHERE { ?s ?p }")
    assert refused.value.status == 400
    with pytest.raises(BackendUnavailable):
        RemoteStore(f"http://127.0.0.1:{free_port()}/query").query("ASK {}")
    server = FakeServer(answer(200, b"", JSON_RESULTS, delay=2))
    try:
        with pytest.raises(BackendTimeout):
            RemoteStore(server.url, timeout=0.5).query("ASK {}")
    finally:
        server.close()


def test_relative_iris_resolve_against_this_endpoint_in_both_modes(apps) -> None:
    """The remote server gets the endpoint's URL as a BASE before the query, so a relative IRI
    means the same thing whichever store answers."""
    answers = []
    for app in apps:
        response = app.test_client().post("/sparql", data="SELECT ?x { BIND(<s> AS ?x) }",
                                          content_type="application/sparql-query",
                                          headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200, response.get_data(as_text=True)
        answers.append(response.get_json()["results"]["bindings"][0]["x"]["value"])
    assert answers == ["http://localhost/s", "http://localhost/s"]
