"""Errors are RFC 9457 problem details (type, title, status, detail), or text/plain when the
client prefers it, or the site's own page for a browser; client mistakes are 4xx, never 500; a
real 500 is masked, logged, and names an id that is also in the log; no error is ever a werkzeug
HTML page."""

from __future__ import annotations

import json
import logging

import pytest

from tid.endpoint import errors
from tid.endpoint.errors import TYPES

PROBLEM = "application/problem+json; charset=utf-8"


def problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == PROBLEM
    assert b"<html" not in response.get_data().lower()
    body = json.loads(response.get_data(as_text=True))
    assert set(body) >= {"type", "title", "status", "detail"}
    assert body["status"] == status
    assert body["type"].startswith("http://localhost/problems/") and body["type"].endswith("/" + slug)
    assert body["title"] == TYPES[slug].title
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return body


@pytest.mark.parametrize(("path", "kwargs", "status", "slug"), [
    ("/sparql", {"query_string": {"query": "SELEC * {}"}}, 400, "malformed-query"),
    ("/sparql", {"query_string": {"default-graph-uri": "http://example.org/g"}}, 400, "missing-query"),
    ("/sparql", {"query_string": [("query", "ASK {}"), ("query", "ASK {}")]}, 400, "multiple-queries"),
    ("/sparql", {"query_string": {"query": "ASK {}", "named-graph-uri": "relative/graph"}}, 400, "invalid-parameter"),
    ("/sparql", {"query_string": {"query": "ASK {}", "format": "docx"}}, 400, "invalid-parameter"),
    ("/sparql", {"query_string": {"update": "CLEAR ALL"}}, 403, "update-refused"),
    ("/sparql", {"query_string": {"query": "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}}, 403,
     "service-refused"),
    ("/nowhere", {}, 404, "not-found"),
    ("/queries/no-such-query", {}, 404, "unknown-query"),
    ("/sparql", {"query_string": {"query": "ASK {}"}, "headers": {"Accept": "image/png"}}, 406, "not-acceptable"),
    ("/problems/no-such-type", {}, 404, "not-found"),
])
def test_client_mistakes_are_4xx_problems(client, path: str, kwargs: dict, status: int, slug: str) -> None:
    problem(client.get(path, **kwargs), status, slug)


def test_post_errors_are_4xx_problems(client) -> None:
    problem(client.post("/sparql", data="ASK {}", content_type="application/json"), 415, "unsupported-media-type")
    problem(client.post("/sparql", data="CLEAR ALL", content_type="application/sparql-update"), 403, "update-refused")
    problem(client.patch("/sparql"), 405, "method-not-allowed")
    problem(client.post("/queries"), 405, "method-not-allowed")
    problem(client.delete("/.well-known/void"), 405, "method-not-allowed")


def test_malformed_query_carries_the_parser_message_and_position(client) -> None:
    body = problem(client.get("/sparql", query_string={"query": "SELECT ?x WHERE {\n ?x ?y ?z .\n FILTER(\n}"}),
                   400, "malformed-query")
    assert body["line"] == 4  # the closing brace, where FILTER( wanted an expression
    assert body["detail"].startswith(f"error at {body['line']}:{body['column']}: expected one of")
    assert body["titre"] == "Requête mal formée"


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def error_page(response, status: int, slug: str) -> str:
    """The error as the site's page: its status, headers, title and a link to the type."""
    assert response.status_code == status
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Accept" in response.headers["Vary"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    page = response.get_data(as_text=True)
    assert page.startswith("<!doctype html>") and "Werkzeug" not in page
    assert f'href="http://localhost/problems/{slug}"' in page
    return page


def test_errors_are_a_page_for_browsers(client) -> None:
    page = error_page(client.get("/no/such/address", headers={"Accept": BROWSER}), 404, "not-found")
    assert '<html lang="fr">' in page and "<h1>Introuvable" in page and "Nothing is served at /no/such/address." in page
    english = error_page(client.get("/no/such/address?lang=en", headers={"Accept": BROWSER}), 404, "not-found")
    assert '<html lang="en">' in english and "<h1>Not found" in english
    assert 'href="/no/such/address" hreflang="fr"' in english  # the other language, with no route to build it from
    malformed = error_page(client.get("/sparql", query_string={"query": "SELECT ?x WHERE {\n FILTER(\n}"},
                                      headers={"Accept": BROWSER}), 400, "malformed-query")
    assert "<h1>Requête mal formée" in malformed and "<dt>line</dt><dd><code>3</code></dd>" in malformed
    refused = client.delete("/sparql", headers={"Accept": BROWSER})
    assert refused.headers["Allow"] == "GET, POST, OPTIONS, HEAD"
    error_page(refused, 405, "method-not-allowed")


@pytest.mark.parametrize("accept", ["*/*", "application/sparql-results+json,*/*;q=0.9", "text/*", ""])
def test_programs_never_get_the_page(client, accept: str) -> None:
    response = client.get("/no/such/address", headers={"Accept": accept} if accept else {})
    assert response.status_code == 404
    assert response.headers["Content-Type"] in (PROBLEM, "text/plain; charset=utf-8")


def test_a_hostile_address_is_escaped_on_the_page(client) -> None:
    page = error_page(client.get("/x/%3Cscript%3Ealert(1)%3C/script%3E?lang=en&q=%22%3E%3Csvg%20onload=alert(1)%3E",
                                 headers={"Accept": BROWSER}), 404, "not-found")
    assert "<script>alert" not in page and "<svg" not in page
    assert "Nothing is served at /x/&lt;script&gt;alert(1)&lt;/script&gt;." in page


def test_a_page_that_cannot_be_drawn_falls_back_to_problem_details(client, monkeypatch, caplog) -> None:
    from tid.endpoint import html

    def broken(*_args, **_kwargs):
        raise RuntimeError("template failure")

    monkeypatch.setattr(html, "render_page", broken)
    with caplog.at_level(logging.ERROR, logger="tid.endpoint"):
        response = client.get("/no/such/address", headers={"Accept": BROWSER})
    problem(response, 404, "not-found")
    assert any("could not be drawn" in r.getMessage() for r in caplog.records)


def test_query_too_long_is_413(make_app) -> None:
    client = make_app(MAX_QUERY_LENGTH=200).test_client()
    long_query = "ASK { " + " ".join(f"?s{i} ?p ?o ." for i in range(40)) + " }"
    body = problem(client.get("/sparql", query_string={"query": long_query}), 413, "query-too-long")
    assert body["limit"] == 200
    problem(client.post("/sparql", data=long_query, content_type="application/sparql-query"), 413, "query-too-long")
    # A body past MAX_CONTENT_LENGTH is cut by werkzeug before it is read: still a problem, not HTML.
    huge = "query=" + "x" * (200 * 3 + 70 * 1024)
    problem(client.post("/sparql", data=huge, content_type="application/x-www-form-urlencoded"), 413, "query-too-long")


def test_errors_as_text_when_the_client_asks(client) -> None:
    response = client.get("/sparql", query_string={"query": "ASK {"}, headers={"Accept": "text/plain"})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.startswith("400 Malformed query")
    assert "error at 1:6" in text and "line: 1" in text
    # a client that accepts both gets JSON
    response = client.get("/sparql", query_string={"query": "ASK {"}, headers={"Accept": "application/json, text/plain;q=0.5"})
    assert response.headers["Content-Type"] == PROBLEM


def test_unexpected_exception_is_a_masked_500_with_a_logged_id(app, client, monkeypatch, caplog) -> None:
    from tid.endpoint import protocol

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(protocol, "read_request", broken)
    with caplog.at_level(logging.ERROR, logger="tid.endpoint"):
        # A query no other test sends: a stored answer of it would be replayed before Flask.
        response = client.get("/sparql", query_string={"query": "ASK {} # masked 500"})
    body = problem(response, 500, "internal-error")
    assert "secret" not in response.get_data(as_text=True)
    assert len(body["error_id"]) == 16
    logged = [r for r in caplog.records if body["error_id"] in r.getMessage()]
    assert logged and logged[0].exc_info and "secret internal detail" in str(logged[0].exc_info[1])


def test_worker_error_is_a_masked_500_with_a_logged_id(app, client, monkeypatch, caplog) -> None:
    from tid.endpoint.evaluate import Outcome, Status

    monkeypatch.setattr(app.extensions["tid"].pool, "run",
                        lambda *a, **k: Outcome(Status.ERROR, message="OSError: disk", extra={"traceback": "Traceback…"}))
    with caplog.at_level(logging.ERROR, logger="tid.endpoint"):
        # A query no other test sends: a stored answer of it would be served without the pool.
        response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o } # worker error"})
    body = problem(response, 500, "internal-error")
    assert "disk" not in body["detail"]
    assert any(body["error_id"] in r.getMessage() and "OSError: disk" in r.getMessage() for r in caplog.records)


def test_every_problem_type_is_documented(client) -> None:
    for slug, kind in TYPES.items():
        response = client.get(f"/problems/{slug}")
        assert response.status_code == 200
        body = json.loads(response.get_data(as_text=True))
        assert (body["status"], body["title"]) == (kind.status, kind.title)
        assert body["explanation"]
    html = client.get("/problems/malformed-query", headers={"Accept": "text/html"})
    assert html.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Requête mal formée" in html.get_data(as_text=True)


def test_allow_header_order() -> None:
    assert errors.allow_header({"HEAD", "OPTIONS", "POST", "GET"}) == "GET, POST, OPTIONS, HEAD"
    assert errors.allow_header({"HEAD", "OPTIONS", "GET"}) == "GET, OPTIONS, HEAD"


def test_query_the_engine_cannot_evaluate_is_400(client) -> None:
    for query in ("SELECT (<http://example.org/f>(1) AS ?x) {}",
                  "SELECT * { ?s ?p ?o } ORDER BY <http://example.org/f>(?o) LIMIT 1"):
        body = problem(client.get("/sparql", query_string={"query": query}), 400, "evaluation-error")
        assert "http://example.org/f" in body["detail"]
    # and when its format is not acceptable either, it is not a syntax error: 406
    response = client.get("/sparql", query_string={"query": "SELECT (<http://example.org/f>(1) AS ?x) {}"},
                          headers={"Accept": "image/png"})
    problem(response, 406, "not-acceptable")


def test_urls_follow_public_url(make_app) -> None:
    client = make_app(PUBLIC_URL="https://data.example.org/tid/").test_client()
    response = client.get("/sparql", query_string={"query": "ASK {"})
    assert json.loads(response.get_data(as_text=True))["type"] == "https://data.example.org/tid/problems/malformed-query"
    entries = json.loads(client.get("/queries").get_data(as_text=True))["queries"]
    assert entries[0]["url"].startswith("https://data.example.org/tid/queries/")


def test_a_host_werkzeug_cannot_read_is_a_400_not_a_500(client, caplog) -> None:
    """A Host label over 63 characters (werkzeug's BadHost) leaves Flask without a URL adapter: the
    answer still names its problem type (as a path), on every route, with no traceback logged."""
    for path in ("/", "/sparql?query=ASK%7B%7D", "/doc/region/75", "/nowhere"):
        for accept in ("application/json", "text/html"):
            response = client.get(path, headers={"Host": "a" * 64 + ".example.org", "Accept": accept})
            assert response.status_code == 400, (path, accept, response.get_data(as_text=True)[:300])
            if accept == "application/json":
                body = json.loads(response.get_data(as_text=True))
                assert body["type"] == "/problems/invalid-parameter" and body["status"] == 400
    assert not [r for r in caplog.records if r.exc_info], "a bad Host is the client's mistake: no traceback"


def test_if_none_match_star_does_not_hide_a_malformed_query(client) -> None:
    response = client.get("/sparql", query_string={"query": "SELEC * {}"}, headers={"If-None-Match": "*"})
    problem(response, 400, "malformed-query")
    # a well-formed query: "*" matches its current answer, so 304 (RFC 9110 §13.1.2)
    assert client.get("/sparql", query_string={"query": "ASK {}"}, headers={"If-None-Match": "*"}).status_code == 304


@pytest.mark.parametrize("path", ["/sparql", "/queries", "/query-page", "/problems/not-found", "/nowhere",
                                  "/sparql?query=SELEC", "/.well-known/void"])
def test_every_answer_says_nosniff(client, path: str) -> None:
    for accept in ("text/html", "*/*"):
        response = client.get(path, headers={"Accept": accept})
        assert response.headers["X-Content-Type-Options"] == "nosniff", (path, accept, response.status_code)


@pytest.mark.parametrize("path", [
    "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%22caf%E9%22%20%7D",  # Latin-1 "café": would run as "caf%E9"
    "/search?q=lac%FFq",
    "/search?q=caf%e9",  # a lower-case escape
    "/doc/region/75?at=2020%FF",
    "/queries/territoires-par-phase?date=2020-01-01&x=%C3",  # a truncated sequence
])
def test_a_query_string_that_is_not_utf8_is_400(client, path: str) -> None:
    body = problem(client.get(path), 400, "invalid-parameter")
    assert "not UTF-8" in body["detail"]
    # the same query in UTF-8 is answered
    assert client.get("/search?q=caf%C3%A9").status_code == 200


@pytest.mark.parametrize("query", [
    "SELECT * WHERE " + "{" * 2400 + " ?s ?p ?o " + "}" * 2400,  # 4.8 kB that crashed a query process
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }",
    "SELECT * WHERE { ?s " + "(" * 3000 + "<http://e/p>" + ")" * 3000 + " ?o }",  # a property path
])
def test_a_query_nested_too_deeply_is_400_before_the_engine(client, query: str) -> None:
    body = problem(client.post("/sparql", data=query, content_type="application/sparql-query"), 400, "query-too-deep")
    assert body["limit"] == 256
    # strings and IRIs do not count: braces inside them are text
    assert client.get("/sparql", query_string={"query": 'ASK { BIND("' + "{" * 3000 + '" AS ?x) }'}).status_code == 200


@pytest.mark.parametrize("path", ["/sparql", "/sparql?format=html", "/queries", "/query-page", "/problems/not-found",
                                  "/nowhere", "/"])
def test_every_html_answer_has_a_content_security_policy(client, path: str) -> None:
    """One mechanism for every page, the stand-alone ones included (their styles are files now)."""
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.mimetype == "text/html", (path, response.status_code)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["Referrer-Policy"] == "same-origin"
    page = response.get_data(as_text=True)
    if path in ("/query-page", "/sparql"):  # the query page (a browser at /sparql gets it too): the vendored
        # Yasgui writes a <style> at run time, so inline styles are allowed there, and there only
        assert "style-src 'self' 'unsafe-inline';" in policy
    else:
        assert "style-src 'self';" in policy and "<style" not in page
