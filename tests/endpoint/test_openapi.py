"""``/openapi.json``: a valid OpenAPI 3.1 document (checked with openapi-spec-validator, which
reads it offline) that describes the HTTP API a portal imports: every path it names is served by
the app, with the methods it says; its server is the endpoint's public URL; its named queries are
the release's; and the answer has the headers of every answer (ETag and 304, CORS, nosniff)."""

from __future__ import annotations

import json

from flask import Flask
from openapi_spec_validator import validate
from werkzeug.routing import Map

from tid.graph.queries import list_queries

PATHS = {"/sparql", "/queries", "/queries/{name}", "/search", "/resolve", "/id/{path}", "/doc/{path}", "/cite/{path}", "/geo/{path}",
         "/catalog", "/catalog.{ext}", "/.well-known/void"}


def _document(client) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.get_data())


def test_the_document_is_valid_openapi_3_1(client) -> None:
    document = _document(client)
    validate(document)  # raises on any fault; no remote reference is followed (there is none)
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == PATHS
    assert "$ref\": \"http" not in json.dumps(document)


def test_every_path_and_method_is_served(app: Flask, client) -> None:
    """Each path of the document, its parameters in braces turned into werkzeug's, matches a rule
    of the app that accepts the methods the document gives it."""
    document = _document(client)
    adapter: Map = app.url_map.bind("localhost")
    examples = {"name": list_queries()[0].name, "path": "commune/77288", "ext": "ttl"}
    for path, operations in document["paths"].items():
        concrete = path.format(**examples)
        for method in operations:
            endpoint, _ = adapter.match(concrete, method=method.upper())
            assert endpoint, (path, method)


def test_servers_and_named_queries_follow_the_app(make_app) -> None:
    app = make_app(PUBLIC_URL="https://example.org/tid/")
    document = _document(app.test_client())
    assert document["servers"] == [{"url": "https://example.org/tid"}]
    names = document["paths"]["/queries/{name}"]["get"]["parameters"][0]["schema"]["enum"]
    assert names == [q.name for q in list_queries()]
    default = _document(make_app().test_client())
    assert default["servers"] == [{"url": "http://localhost"}]


def test_headers_etag_and_304(client) -> None:
    first = client.get("/openapi.json")
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert first.headers["Vary"] == "Accept"
    assert first.headers["X-TID-Release"] == json.loads(first.get_data())["info"]["version"]
    again = client.get("/openapi.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""
    head = client.head("/openapi.json")
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["Content-Length"] == first.headers["Content-Length"]


def test_other_methods_and_formats_are_4xx(client) -> None:
    for method in (client.post, client.put, client.delete):
        response = method("/openapi.json")
        assert response.status_code == 405
        assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"
    response = client.get("/openapi.json", headers={"Accept": "text/csv"})
    assert response.status_code == 406
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"
