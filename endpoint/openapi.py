"""``/openapi.json``: an OpenAPI 3.1 description of the HTTP API, for a portal team to import.

It describes what a program calls: the SPARQL 1.1 Protocol (``/sparql``, GET and POST, the
three ways of sending a query), the named queries (``/queries``, ``/queries/{name}``, whose names
are listed from the release's catalogue of queries), ``/search``, ``/resolve``, the
dereferenceable things (``/id/{path}``, ``/doc/{path}``), their maps (``/geo/{path}``), the DCAT
catalogue (``/catalog``, ``/catalog.{ext}``) and the VoID description. Every error is a problem
details document (RFC 9457, ``application/problem+json``) whose ``type`` is a ``/problems/{slug}``
page. The ``servers`` entry is this endpoint's public URL (``PUBLIC_URL``, else the request's);
media types come from :mod:`tid.endpoint.conneg`, so the description lists what the endpoint
negotiates. The document is valid OpenAPI 3.1 (checked by ``openapi-spec-validator`` in the tests).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request

from tid.endpoint import conneg
from tid.endpoint.http import negotiated
from tid.endpoint.live import current_release
from tid.endpoint.urls import DOC_EXTENSIONS, external_url
from tid.graph.queries import list_queries
from tid.namespaces import LICENCE_OUVERTE_2

bp = Blueprint("openapi", __name__)


PROBLEM = {"$ref": "#/components/responses/Problem"}
TEXT_FR_EN = "Messages d'erreur bilingues (anglais / français). Error messages are bilingual (English / French)."


def _content(media_types: list[str], schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {media: ({"schema": schema} if schema else {}) for media in media_types}


def _param(name: str, where: str, description: str, schema: dict[str, Any], *, required: bool = False,
           example: Any = None) -> dict[str, Any]:
    param: dict[str, Any] = {"name": name, "in": where, "description": description, "schema": schema,
                             "required": required or where == "path"}
    if example is not None:
        param["example"] = example
    return param


def _format_param(offers: tuple[conneg.Format, ...]) -> dict[str, Any]:
    return _param("format", "query", "The answer's format, overriding Accept: a short name or a media type.",
                  {"type": "string", "enum": sorted({f.key for f in offers} | {f.media_type for f in offers})})


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): PROBLEM for status in statuses}


def description(server: str) -> dict[str, Any]:
    """The OpenAPI document of an endpoint served at ``server``."""
    solutions = [f.media_type for f in conneg.SOLUTION_FORMATS]
    graphs = [f.media_type for f in conneg.GRAPH_FORMATS]
    documents = [f.media_type for f in conneg.GRAPH_FORMATS if f.key in DOC_EXTENSIONS] + [conneg.HTML.media_type]
    query_names = [q.name for q in list_queries()]
    sparql_results = {"description": "SELECT/ASK results (SPARQL 1.1 Query Results formats) or, for CONSTRUCT and "
                      "DESCRIBE, an RDF graph. X-TID-Truncated says when a limit cut the result.",
                      "headers": {"X-TID-Truncated": {"$ref": "#/components/headers/Truncated"},
                                  "ETag": {"$ref": "#/components/headers/ETag"}},
                      "content": _content(solutions + graphs)}
    query_params = [
        _param("default-graph-uri", "query", "A graph of the query's default graph (repeatable).",
               {"type": "string", "format": "uri"}),
        _param("named-graph-uri", "query", "A named graph of the query's dataset (repeatable).",
               {"type": "string", "format": "uri"}),
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Territoires d'industrie — API du graphe de connaissances / knowledge graph API",
            "version": current_release().id,
            "summary": "SPARQL 1.1, named queries, search, identifier resolution, linked-data documents, maps and "
                       "the DCAT-AP catalogue of France's Territoires d'industrie programmes.",
            "description": "Read-only. Every answer carries CORS headers and an ETag (304 on If-None-Match). "
                           "Errors are problem details (RFC 9457). " + TEXT_FR_EN,
            "license": {"name": "Licence Ouverte 2.0 (data) / MIT (code)",
                        "url": LICENCE_OUVERTE_2},
        },
        "servers": [{"url": server}],
        "tags": [{"name": name, "description": text} for name, text in (
            ("sparql", "SPARQL 1.1 Protocol"), ("queries", "Named queries (competency questions)"),
            ("lookup", "Search and identifier resolution"), ("linked-data", "Dereferenceable things and their maps"),
            ("catalogue", "DCAT-AP 3 catalogue and VoID"))],
        "paths": {
            "/sparql": {
                "get": {
                    "tags": ["sparql"], "operationId": "sparqlQueryGet",
                    "summary": "SPARQL query via GET (or the service description without a query)",
                    "parameters": [_param("query", "query", "The SPARQL 1.1 query. Without it, the SPARQL Service "
                                          "Description is answered.", {"type": "string"},
                                          example="SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
                                   *query_params, _format_param((*conneg.SOLUTION_FORMATS, *conneg.GRAPH_FORMATS))],
                    "responses": {"200": sparql_results, **_errors(400, 403, 406, 413, 502, 503)},
                },
                "post": {
                    "tags": ["sparql"], "operationId": "sparqlQueryPost",
                    "summary": "SPARQL query via POST (URL-encoded form or direct application/sparql-query body)",
                    "parameters": query_params,
                    "requestBody": {"required": True, "content": {
                        "application/x-www-form-urlencoded": {"schema": {
                            "type": "object", "required": ["query"],
                            "properties": {"query": {"type": "string"},
                                           "default-graph-uri": {"type": "string", "format": "uri"},
                                           "named-graph-uri": {"type": "string", "format": "uri"}}}},
                        "application/sparql-query": {"schema": {"type": "string"}}}},
                    "responses": {"200": sparql_results, **_errors(400, 403, 406, 413, 415, 502, 503)},
                },
            },
            "/queries": {"get": {
                "tags": ["queries"], "operationId": "listQueries", "summary": "The named queries and their parameters",
                "responses": {"200": {"description": "The list of named queries.", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/QueryList"}},
                    "text/html": {}}}, **_errors(406)},
            }},
            "/queries/{name}": {"get": {
                "tags": ["queries"], "operationId": "runQuery",
                "summary": "Run a named query; its parameters (listed by /queries) go in the query string",
                "parameters": [_param("name", "path", "The query's name.", {"type": "string", "enum": query_names}),
                               _format_param((*conneg.SOLUTION_FORMATS, *conneg.GRAPH_FORMATS))],
                "responses": {"200": sparql_results, **_errors(400, 404, 406, 503)},
            }},
            "/search": {"get": {
                "tags": ["lookup"], "operationId": "search", "summary": "Things by name or code",
                "parameters": [
                    _param("q", "query", "Words or a code (required for JSON; at most 200 characters).",
                           {"type": "string", "maxLength": 200}, example="lacq"),
                    _param("type", "query", "Keep these types of thing (repeatable, or separated by , or |).",
                           {"type": "string"}, example="commune"),
                    _param("page", "query", "Page number.", {"type": "integer", "minimum": 1, "default": 1}),
                    _param("limit", "query", "Results per page.",
                           {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
                    _param("format", "query", "json or html (else Accept).", {"type": "string",
                                                                            "enum": ["json", "html"]}),
                ],
                "responses": {"200": {"description": "The results, ranked, with facets and paging links.",
                                      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/"
                                                                                          "SearchAnswer"}},
                                                  "text/html": {}}}, **_errors(400, 406)},
            }},
            "/resolve": {"get": {
                "tags": ["lookup"], "operationId": "resolve",
                "summary": "From an official identifier to the thing it names (exactly one identifier)",
                "parameters": [
                    _param("insee", "query", "A commune's INSEE code.", {"type": "string"}, example="77288"),
                    _param("siren", "query", "A SIREN (EPCI, commune, company).", {"type": "string",
                                                                                  "pattern": "^[0-9]{9}$"}),
                    _param("id_ti", "query", "A territory's ANCT code.", {"type": "string"}, example="ti-1107"),
                    _param("phase", "query", "With id_ti: the programme phase.",
                           {"type": "string", "enum": ["2018-2023", "2023-2027"]}),
                    _param("code_departement", "query", "A département code.", {"type": "string"}, example="77"),
                    _param("code_region", "query", "A région code.", {"type": "string"}, example="11"),
                ],
                "responses": {
                    "303": {"description": "The thing's /id/ URL.", "headers": {
                        "Location": {"$ref": "#/components/headers/Location"},
                        "Link": {"description": "rel=\"canonical\": the thing's IRI.", "schema": {"type": "string"}}}},
                    "300": {"description": "A territory code of several phases: the choices (Link rel=alternate); "
                                           "Location is the latest phase's.",
                            "headers": {"Location": {"$ref": "#/components/headers/Location"}},
                            "content": {"application/json": {}, "text/html": {}}},
                    **_errors(400, 404)},
            }},
            "/id/{path}": {"get": {
                "tags": ["linked-data"], "operationId": "thing",
                "summary": "A thing's IRI: 303 See Other to the document that describes it",
                "parameters": [_param("path", "path", "The thing's path after {base}id/.", {"type": "string"},
                                      example="territoire/2023-2027/ti-1107")],
                "responses": {"303": {"description": "The document /doc/{path}.",
                                      "headers": {"Location": {"$ref": "#/components/headers/Location"}}},
                              **_errors(404)},
            }},
            "/doc/{path}": {"get": {
                "tags": ["linked-data"], "operationId": "document",
                "summary": "The description of a thing, negotiated (Turtle, JSON-LD, N-Triples, RDF/XML, HTML); "
                           "/doc/{path}.{ttl,jsonld,nt,rdf,html} names the format",
                "parameters": [
                    _param("path", "path", "The thing's path, optionally with a format extension.",
                           {"type": "string"}, example="commune/77288"),
                    _param("at", "query", "The state at a date (YYYY-MM-DD), or all.", {"type": "string"}),
                    _param("vague", "query", "The state right after a labelling wave (its slug).", {"type": "string"}),
                    _param("page", "query", "Page of the memberships and incoming links (RDF documents).",
                           {"type": "integer", "minimum": 1}),
                    _param("members_page", "query", "HTML page: page of the members table.",
                           {"type": "integer", "minimum": 1}),
                    _param("incoming_page", "query", "HTML page: page of the incoming links.",
                           {"type": "integer", "minimum": 1}),
                    _param("lang", "query", "HTML page: language.", {"type": "string", "enum": ["fr", "en"]}),
                    _format_param(tuple(f for f in (*conneg.GRAPH_FORMATS, conneg.HTML) if f.key in DOC_EXTENSIONS)),
                ],
                "responses": {"200": {"description": "The description. Link headers give the other formats and, "
                                                     "for a paged resource, first/prev/next/last.",
                                      "headers": {"ETag": {"$ref": "#/components/headers/ETag"},
                                                  "Content-Location": {"schema": {"type": "string"}}},
                                      "content": _content(documents)},
                              **_errors(400, 404, 406)},
            }},
            "/cite/{path}": {"get": {
                "tags": ["linked-data"], "operationId": "citation",
                "summary": "How to cite a thing or a dataset: a CITATION.cff document (CFF 1.2.0)",
                "parameters": [_param("path", "path", "The thing's path.", {"type": "string"},
                                      example="dataset/territoires-industrie"),
                               _param("lang", "query", "Language of the titles.",
                                      {"type": "string", "enum": ["fr", "en"]})],
                "responses": {"200": {"description": "The citation (CFF, in YAML's JSON form).",
                                      "content": {"application/yaml": {"schema": {"type": "object"}},
                                                  "application/json": {"schema": {"type": "object"}}}},
                              **_errors(404, 406)},
            }},
            "/geo/{path}": {"get": {
                "tags": ["linked-data"], "operationId": "geojson", "summary": "The map of a thing as GeoJSON",
                "parameters": [_param("path", "path", "The thing's path.", {"type": "string"},
                                      example="territoire/2023-2027/ti-1107"),
                               _param("at", "query", "The day (YYYY-MM-DD; default today).", {"type": "string",
                                                                                            "format": "date"})],
                "responses": {"200": {"description": "An RFC 7946 FeatureCollection.",
                                      "content": {"application/geo+json": {"schema": {"type": "object"}}}},
                              **_errors(400, 404, 406)},
            }},
            "/catalog": {"get": {
                "tags": ["catalogue"], "operationId": "catalogue",
                "summary": "The DCAT-AP 3 catalogue (Hydra paging); a browser is sent to its page",
                "parameters": [_param("page", "query", "Page number.", {"type": "integer", "minimum": 1}),
                               _param("page_size", "query", "Datasets per page.",
                                      {"type": "integer", "minimum": 1, "maximum": 1000}),
                               _format_param(conneg.GRAPH_FORMATS)],
                "responses": {"200": {"description": "The catalogue (or one page of it).",
                                      "content": _content(graphs)},
                              "303": {"description": "Accept prefers text/html: the catalogue's page.",
                                      "headers": {"Location": {"$ref": "#/components/headers/Location"}}},
                              **_errors(400, 404, 406)},
            }},
            "/catalog.{ext}": {"get": {
                "tags": ["catalogue"], "operationId": "catalogueFile",
                "summary": "The catalogue in the format its extension names",
                "parameters": [_param("ext", "path", "The format.", {"type": "string",
                                                                     "enum": [f.key for f in conneg.GRAPH_FORMATS]}),
                               _param("page", "query", "Page number.", {"type": "integer", "minimum": 1}),
                               _param("page_size", "query", "Datasets per page.",
                                      {"type": "integer", "minimum": 1, "maximum": 1000})],
                "responses": {"200": {"description": "The catalogue.", "content": _content(graphs)},
                              **_errors(400, 404)},
            }},
            "/.well-known/void": {"get": {
                "tags": ["catalogue"], "operationId": "void", "summary": "The VoID description of the dataset",
                "responses": {"200": {"description": "VoID.", "content": _content(graphs)}, **_errors(406)},
            }},
        },
        "components": {
            "headers": {
                "ETag": {"description": "Weak validator of the answer (release, request).", "schema": {"type": "string"}},
                "Location": {"description": "Where to go.", "schema": {"type": "string"}},
                "Truncated": {"description": "Present when a limit cut the result: rows=N or bytes=N.",
                              "schema": {"type": "string"}},
            },
            "responses": {"Problem": {"description": "A problem details document (RFC 9457). " + TEXT_FR_EN,
                                      "content": {"application/problem+json": {
                                          "schema": {"$ref": "#/components/schemas/Problem"}}}}},
            "schemas": {
                "Problem": {"type": "object", "required": ["type", "title", "status"], "properties": {
                    "type": {"type": "string", "format": "uri-reference"}, "title": {"type": "string"},
                    "status": {"type": "integer"}, "detail": {"type": "string"},
                    "instance": {"type": "string"}}},
                "QueryList": {"type": "object", "required": ["queries"], "properties": {"queries": {
                    "type": "array", "items": {"type": "object", "properties": {
                        "name": {"type": "string"}, "title": {"type": "string"}, "url": {"type": "string"},
                        "parameters": {"type": "array", "items": {"type": "object"}}}}}}},
                "SearchAnswer": {"type": "object", "required": ["query", "total", "results"], "properties": {
                    "query": {"type": "string"}, "total": {"type": "integer"}, "page": {"type": "integer"},
                    "limit": {"type": "integer"}, "types": {"type": "array", "items": {"type": "string"}},
                    "facets": {"type": "array", "items": {"type": "object"}},
                    "results": {"type": "array", "items": {"type": "object", "properties": {
                        "iri": {"type": "string", "format": "uri"}, "label": {"type": ["string", "null"]},
                        "type": {"type": "string"}, "code": {"type": ["string", "null"]},
                        "url": {"type": "string"}}}},
                    "next": {"type": ["string", "null"]}, "previous": {"type": ["string", "null"]}}},
            },
        },
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    server = external_url("home.home").rstrip("/") or request.host_url.rstrip("/")

    def draw(_fmt: conneg.Format) -> str:
        return json.dumps(description(server), ensure_ascii=False, indent=1) + "\n"

    return negotiated((conneg.JSON,), draw, tag=[current_release().id, "openapi", server])
