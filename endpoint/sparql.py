"""The SPARQL 1.1 Protocol for queries at ``/sparql``.

Accepted: ``GET ?query=``, ``POST`` ``application/x-www-form-urlencoded`` (``query=`` in the
body) and ``POST`` ``application/sparql-query`` (the query is the body), with
``default-graph-uri`` / ``named-graph-uri``. Without them, and without ``FROM`` / ``FROM NAMED``,
the default graph is the union of the named graphs. ``GET /sparql`` without any parameter is the
service description. Everything else is a 4xx problem: no query (400), two queries (400), a
query in the URL and the body (400), a syntax error (400, with the parser's line and column), an
update in any form (403), ``SERVICE`` outside the allow-list (403), a query too long (413),
another POST media type or charset (415), another method (405).

:func:`answer` is the common path of every query, named ones included: analyse, check, negotiate,
compute the ETag (and answer 304 without running), serve a stored answer of this release if
there is one (:mod:`tid.endpoint.result_cache`), else run in the pool within the time budget,
and serve the bytes with their headers. What depends on the query text alone (its analysis) or
on the ``Accept`` header alone (the negotiated formats) is memoised, since the same few queries
and headers come again and again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, Flask, Response, current_app, request
from flask.blueprints import BlueprintSetupState
from werkzeug.datastructures import MIMEAccept, MultiDict
from werkzeug.http import parse_accept_header

from tid.endpoint import conneg, result_cache
from tid.endpoint.analysis import QueryShape, analyse, host_allowed
from tid.endpoint.errors import Problem, backend_problem, internal_error
from tid.endpoint.executor import Job, PoolBusy, QueryTimeout, WorkerDied
from tid.endpoint.remote import BackendTimeout, BackendUnavailable
from tid.endpoint.result_cache import FastPath, ResultCache
from tid.endpoint.urls import external_url

bp = Blueprint("sparql", __name__)
CACHE_EXTENSION = "tid.result_cache"


@bp.record_once
def _install_result_cache(state: BlueprintSetupState) -> None:
    """Give the app its result cache (``RESULT_CACHE_MB``) and put the fast path in front of it."""
    app: Flask = state.app
    cache = ResultCache(int(float(app.config.get("RESULT_CACHE_MB") or 0) * 1024 * 1024))
    app.extensions[CACHE_EXTENSION] = cache
    if cache.enabled:
        app.wsgi_app = FastPath(app.wsgi_app, cache, lambda: app.extensions["tid"].release.id)  # type: ignore[method-assign]


def result_cache_of(app: Flask) -> ResultCache:
    return app.extensions[CACHE_EXTENSION]

ALLOW = "GET, POST, OPTIONS, HEAD"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
_POSITION = re.compile(r"error at (\d+):(\d+)")
_UTF8 = {"utf-8", "utf8", "us-ascii", "ascii"}
FORMATS_BY_KEY = {f.key: f for f in (*conneg.SOLUTION_FORMATS, *conneg.GRAPH_FORMATS)}


@dataclass
class ProtocolRequest:
    query: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    format_values: list[str] = field(default_factory=list)
    has_parameters: bool = False


def _settings() -> dict[str, Any]:
    return current_app.config


def _live():
    return current_app.extensions["tid"]


def endpoint_url() -> str:
    """This endpoint's URL as the world sees it (``PUBLIC_URL`` when configured)."""
    return external_url("sparql.sparql")


def _check_charset(kind: str) -> None:
    charset = request.mimetype_params.get("charset")
    if charset and charset.strip().lower() not in _UTF8:
        raise Problem("unsupported-media-type",
                      f"A {kind} body must be UTF-8; this one says charset={charset}.")


def _utf8_body() -> str:
    try:
        return request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem("invalid-parameter", f"The request body is not valid UTF-8 (byte {exc.start}).") from None


def _one_query(values: list[str], where: str) -> str | None:
    if len(values) > 1:
        raise Problem("multiple-queries", f"The request has {len(values)} query parameters {where}; send one.")
    return values[0] if values else None


def _refuse_update(where: str) -> None:
    raise Problem("update-refused", f"This endpoint is read-only: SPARQL Update ({where}) is not accepted. "
                  "The data change only through versioned builds of the graph.")


def read_request() -> ProtocolRequest:
    """The query and the protocol parameters, from the URL, a form body or a direct body."""
    params: MultiDict[str, str] = MultiDict(request.args)
    if "update" in params:
        _refuse_update("an update parameter")
    query: str | None
    if request.method in ("GET", "HEAD"):
        query = _one_query(params.getlist("query"), "in the URL")
    else:
        media = request.mimetype
        if media == UPDATE:
            _refuse_update(f"a POST of {UPDATE}")
        if media == FORM:
            _check_charset("form")
            try:
                pairs = parse_qsl(_utf8_body(), keep_blank_values=True, encoding="utf-8", errors="strict")
            except UnicodeDecodeError:
                raise Problem("invalid-parameter", "A form parameter is not valid UTF-8 once percent-decoded.") from None
            form: MultiDict[str, str] = MultiDict(pairs)
            if "update" in form:
                _refuse_update("an update parameter")
            if "query" in form and "query" in params:
                raise Problem("multiple-queries", "The query is both in the URL and in the body; send it once.")
            query = _one_query(form.getlist("query") or params.getlist("query"), "in the body")
            for key, value in form.items(multi=True):
                if key != "query":
                    params.add(key, value)
        elif media == DIRECT:
            _check_charset(DIRECT)
            if "query" in params:
                raise Problem("multiple-queries", "The query is both in the URL and in the body; send it once.")
            query = _utf8_body()
        elif not media:
            raise Problem("unsupported-media-type",
                          f"A POST needs a Content-Type: {FORM} (query=… in the body) or {DIRECT} (the query as the body).")
        else:
            raise Problem("unsupported-media-type",
                          f"POST bodies of type {media} are not accepted; use {FORM} or {DIRECT}.")
    formats = params.getlist("format") or params.getlist("output")
    return ProtocolRequest(
        query=query,
        default_graphs=params.getlist("default-graph-uri"),
        named_graphs=params.getlist("named-graph-uri"),
        format_values=formats,
        has_parameters=query is not None or any(key not in ("format", "output") for key in params),
    )


def _check_graph_iris(iris: Sequence[str], name: str) -> None:
    for iri in iris:
        if not _ABSOLUTE_IRI.match(iri):
            raise Problem("invalid-parameter", f"{name} must be an absolute IRI; {iri!r} is not.")


def check_services(shape: QueryShape) -> None:
    if not shape.services:
        return
    config = _settings()
    written = ", ".join(sorted({s.written for s in shape.services}))
    if not config["FEDERATION"]:
        raise Problem("service-refused", f"Federated queries are disabled on this endpoint; the query uses {written}. "
                      "It was not run.", services=[s.written for s in shape.services])
    allowlist = config["SERVICE_ALLOWLIST"]
    for call in shape.services:
        if call.endpoint is None:
            raise Problem("service-refused", f"The SERVICE endpoint of {call.written!r} cannot be known before the query "
                          "runs (a variable, an unknown prefix or a keyword glued to another word); write it as a full IRI.")
        if not host_allowed(call.endpoint, allowlist):
            raise Problem("service-refused", f"SERVICE <{call.endpoint}> is not on this endpoint's allow-list "
                          f"({', '.join(sorted(allowlist)) or 'empty'}). The query was not run.")


@lru_cache(maxsize=4096)
def _analyse(query: str) -> QueryShape:
    """:func:`analyse`, once per distinct query text (a pure function of it)."""
    return analyse(query)


@lru_cache(maxsize=1024)
def _negotiate(accept: str, format_values: tuple[str, ...], wants_solutions: bool,
               wants_graph: bool) -> tuple[conneg.Format | None, conneg.Format | None, str | None]:
    """(solutions format, graph format, unknown ``format`` value), once per distinct ``Accept``
    header and ``format`` parameters (parsing and ranking them is a pure function of both)."""
    mime = parse_accept_header(accept, MIMEAccept)
    try:
        solutions = conneg.choose(mime, format_values, conneg.SOLUTION_FORMATS) if wants_solutions else None
        graph = conneg.choose(mime, format_values, conneg.GRAPH_FORMATS) if wants_graph else None
    except conneg.UnknownFormat as exc:
        return None, None, str(exc)
    return solutions, graph, None


def _offers(form: str | None) -> tuple[bool, bool]:
    """Whether solutions and/or graphs can come out of a query of this form."""
    if form in ("SELECT", "ASK"):
        return True, False
    if form in ("CONSTRUCT", "DESCRIBE"):
        return False, True
    return True, True


def not_acceptable(offers: Sequence[conneg.Format]) -> Problem:
    available = conneg.media_types(offers)
    return Problem("not-acceptable", "No format the request accepts is available for this result. "
                   f"Available: {', '.join(available)} (or format={'|'.join(f.key for f in offers)}).",
                   available=available)


def etag(parts: list[Any]) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode()).hexdigest()[:40]


def cache_headers(response: Response, tag: str | None) -> Response:
    if tag:
        response.set_etag(tag, weak=True)
    response.vary.add("Accept")
    response.headers["Cache-Control"] = f"public, max-age={_settings()['CACHE_MAX_AGE']}"
    return response


def not_modified(tag: str) -> Response | None:
    """304 (GET, HEAD) or 412 (other methods) when ``If-None-Match`` matches ``tag``."""
    if not request.if_none_match or not request.if_none_match.contains_weak(tag):
        return None
    if request.method not in ("GET", "HEAD"):
        raise Problem("precondition-failed", "If-None-Match matches the current result of this query.")
    response = cache_headers(Response(status=304), tag)
    del response.headers["Content-Type"]
    return response


def _syntax_problem(message: str) -> Problem:
    extensions: dict[str, Any] = {}
    position = _POSITION.search(message)
    if position:
        extensions = {"line": int(position.group(1)), "column": int(position.group(2))}
    return Problem("malformed-query", message, **extensions)


def _truncation_link() -> str:
    """The page a cut result links to, built once per app, scheme, host and root path (building a
    URL costs a good part of a request's time in Flask); the memo is bounded since ``Host`` is the
    client's."""
    links: dict[tuple[str, str, str], str] = current_app.extensions.setdefault("tid.truncation_links", {})
    key = (request.scheme, request.host, request.root_path)
    link = links.get(key)
    if link is None:
        if len(links) >= 64:
            links.clear()
        link = links[key] = external_url("problems.describe", slug="result-truncated")
    return link


def _busy(problem: str, detail: str, **extensions: Any) -> Problem:
    retry = str(_settings()["RETRY_AFTER"])
    return Problem(problem, detail, headers={"Retry-After": retry}, retry_after=int(retry), **extensions)


def _run(live, job: Job) -> Any:
    config = _settings()
    timeout = config["QUERY_TIMEOUT"]
    try:
        return live.pool.run(job, timeout=timeout, queue_wait=config["QUEUE_WAIT"])
    except QueryTimeout as exc:
        current_app.logger.warning("query killed after %.2f s (budget %.1f s)", exc.elapsed, timeout)
        raise _busy("query-timeout", f"The query did not finish within {timeout:g} s; it was stopped. "
                    "Add a LIMIT, avoid cross products, or retry later.", timeout=timeout) from None
    except PoolBusy:
        raise _busy("server-busy", f"All {config['MAX_CONCURRENT_QUERIES']} query workers are busy; retry shortly.") from None
    except WorkerDied:
        limit = config["WORKER_MEMORY_MB"]
        raise _busy("query-aborted", "The worker running the query stopped before answering"
                    + (f", for instance because the query needed more than the {limit} MiB a worker may use." if limit else ".")
                    ) from None


def _raise_syntax_error_first(live, query: str) -> None:
    """A malformed query is a 400 even when its format is not acceptable (checked on an empty store)."""
    outcome = _run(live, Job(store_path="", query=query, parse_only=True))
    if outcome.status == "syntax":
        raise _syntax_problem(outcome.message)


def _dataset(shape: QueryShape, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None, bool]:
    """(default graphs, named graphs, merge) of the request's dataset; None, None: the release's.

    The protocol's parameters override the query's FROM / FROM NAMED. A default graph made of
    several graphs is evaluated over their merge (``merge``: the worker copies them into one
    graph), because the engine would count a triple once per graph that states it (oxigraph issue
    #1919); one graph, or none, runs as it is. With a remote server, which has the same fault, the
    worker fetches the graphs and evaluates the query over their merge here."""
    if default_graphs or named_graphs:
        default, named = tuple(dict.fromkeys(default_graphs)), tuple(dict.fromkeys(named_graphs))
    elif len(shape.default_graphs) > 1:
        default, named = shape.default_graphs, shape.named_graphs
        _check_graph_iris(default, "FROM")
        _check_graph_iris(named, "FROM NAMED")
    else:
        return None, None, False
    return default, named, len(default) > 1


def answer(query: str, *, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = (),
           format_values: Sequence[str] = (), substitutions: dict[str, Any] | None = None,
           etag_scope: str = "sparql") -> Response:
    """Run ``query`` for the current request and answer it (or raise a Problem)."""
    config = _settings()
    if len(query) > config["MAX_QUERY_LENGTH"]:
        raise Problem("query-too-long", f"The query has {len(query)} characters; this endpoint accepts at most "
                      f"{config['MAX_QUERY_LENGTH']}.", limit=config["MAX_QUERY_LENGTH"])
    if not query.strip():
        raise Problem("missing-query", "The query is empty.")
    shape = _analyse(query)
    if shape.is_update:
        _refuse_update(f"{shape.form} sent as a query")
    check_services(shape)
    _check_graph_iris(default_graphs, "default-graph-uri")
    _check_graph_iris(named_graphs, "named-graph-uri")

    wants_solutions, wants_graph = _offers(shape.form)
    solutions_format, graph_format, unknown = _negotiate(request.headers.get("Accept", ""), tuple(format_values),
                                                         wants_solutions, wants_graph)
    if unknown is not None:
        raise Problem("invalid-parameter", f"format={unknown} names no format; known: "
                      f"{', '.join(f.key for f in (*conneg.SOLUTION_FORMATS, *conneg.GRAPH_FORMATS))} or a media type.")
    live = _live()
    if wants_solutions and not wants_graph and solutions_format is None:
        _raise_syntax_error_first(live, query)
        raise not_acceptable(conneg.SOLUTION_FORMATS)
    if wants_graph and not wants_solutions and graph_format is None:
        _raise_syntax_error_first(live, query)
        raise not_acceptable(conneg.GRAPH_FORMATS)

    release = live.release
    dataset_default, dataset_named, merge = _dataset(shape, default_graphs, named_graphs)
    subs = tuple(sorted((substitutions or {}).items()))
    tag = etag([release.id, etag_scope, query, solutions_format and solutions_format.key,
                 graph_format and graph_format.key, list(default_graphs), list(named_graphs),
                 [(k, str(v)) for k, v in subs], config["MAX_ROWS"], config["MAX_BYTES"]])
    cached = not_modified(tag)
    if cached is not None:
        return cached
    results = result_cache_of(current_app)
    storable = results.enabled and request.method in ("GET", "POST")  # a HEAD answer has no body to keep
    if results.enabled:
        entry = results.get(release.id, tag)
        if entry is not None:
            request.environ[result_cache.ENVIRON_KEY] = (release.id, tag, True)
            return Response(entry.body, status=200,
                            headers=[(n, v) for n, v in entry.headers if n.lower() != "content-length"])

    job = Job(
        store_path=release.store_path,
        query=query,
        default_dataset=not shape.has_dataset_clause,
        default_graph=dataset_default,
        named_graphs=dataset_named,
        merge_default_graph=merge,
        substitutions=subs,
        solutions_format=solutions_format.key if solutions_format else None,
        graph_format=graph_format.key if graph_format else None,
        max_rows=config["MAX_ROWS"],
        max_bytes=config["MAX_BYTES"],
        allowed_services=bool(shape.services),
        truncation_link=_truncation_link(),
        backend=release.backend,
    )
    outcome = _run(live, job)

    if outcome.status == "syntax":
        raise _syntax_problem(outcome.message)
    if outcome.status == "evaluation":
        raise Problem("evaluation-error", outcome.message)
    if outcome.status == "not-acceptable":
        raise not_acceptable(conneg.GRAPH_FORMATS if outcome.kind == "graph" else conneg.SOLUTION_FORMATS)
    if outcome.status == "service-failed":
        raise Problem("service-failed", f"A SERVICE call failed: {outcome.message}")
    if outcome.status == "resources":
        raise _busy("query-aborted", f"The query was stopped: {outcome.message}.")
    if outcome.status == "backend-timeout":
        raise backend_problem(BackendTimeout(outcome.elapsed))
    if outcome.status == "backend":
        raise backend_problem(BackendUnavailable(outcome.message))
    if outcome.status != "ok":
        raise internal_error(None, f"worker error: {outcome.message}\n{outcome.extra.get('traceback', '')}")

    fmt = FORMATS_BY_KEY[outcome.format_key]
    response = Response(outcome.body, status=200, content_type=fmt.content_type)
    response.headers["X-TID-Release"] = release.id
    response.headers["X-TID-Rows"] = str(outcome.rows)
    response.headers["Server-Timing"] = f"query;dur={outcome.elapsed * 1000:.1f}"
    if outcome.truncated:
        response.headers["X-TID-Truncated"] = outcome.truncated
    if results.enabled:
        # Stored by the FastPath middleware once the response is final (CORS included).
        keep = storable and not outcome.truncated and result_cache.admits(results, len(outcome.body))
        response.headers["Cache-Status"] = result_cache.MISS_STORED if keep else result_cache.MISS
        if keep:
            request.environ[result_cache.ENVIRON_KEY] = (release.id, tag, False)
    return cache_headers(response, tag)


def preflight() -> Response:
    response = Response(status=204)
    del response.headers["Content-Type"]
    response.headers["Allow"] = ALLOW
    return response


@bp.route("/sparql/", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)
@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)  # first rule: url_for gives /sparql
def sparql() -> Response:
    if request.method == "OPTIONS":
        return preflight()
    protocol = read_request()
    if protocol.query is None:
        if request.method in ("GET", "HEAD") and not protocol.has_parameters:
            from tid.endpoint.query_page import render_query_page, wants_query_page
            from tid.endpoint.service_description import respond

            return render_query_page() if wants_query_page(request) else respond()
        raise Problem("missing-query", "No query: give one with query= (GET or form POST) or as an "
                      f"{DIRECT} body. A GET without any parameter returns the service description.")
    return answer(protocol.query, default_graphs=protocol.default_graphs, named_graphs=protocol.named_graphs,
                  format_values=protocol.format_values)
