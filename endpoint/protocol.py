"""The SPARQL 1.1 Protocol for queries: reading a request, checking and answering a query.

Accepted: ``GET ?query=``, ``POST`` ``application/x-www-form-urlencoded`` (``query=`` in the
body) and ``POST`` ``application/sparql-query`` (the query is the body), with
``default-graph-uri`` / ``named-graph-uri``. Without them, and without ``FROM`` / ``FROM NAMED``,
the default graph is the union of the named graphs. ``GET /sparql`` without any parameter is the
service description (the view is :mod:`tid.endpoint.sparql`). Everything else is a 4xx problem: no query (400), two queries (400), a
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
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from flask import Response, current_app, request
from werkzeug.datastructures import MIMEAccept, MultiDict
from werkzeug.http import parse_accept_header

from tid.endpoint import conneg, result_cache
from tid.endpoint.analysis import MAX_NESTING, QueryShape, analyse, host_allowed
from tid.endpoint.evaluate import Job, Outcome, Status, run_job
from tid.endpoint.http import Called, cache_headers, etag, not_acceptable, not_modified, unknown_format
from tid.endpoint.live import Live, current_live
from tid.endpoint.lru import Lru
from tid.endpoint.pool import PoolBusy, QueryTimeout, WorkerDied, WorkerOutOfMemory
from tid.endpoint.problem import Problem, unavailable
from tid.endpoint.query_problems import failure, syntax_problem, too_expensive, too_large
from tid.endpoint.result_cache import result_cache_of
from tid.endpoint.shares import client_share
from tid.endpoint.urls import endpoint_url, request_url
from tid.graph.queries import is_absolute_iri

ALLOW = "GET, POST, OPTIONS, HEAD"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
_UTF8 = {"utf-8", "utf8", "us-ascii", "ascii"}
RESULT_FORMAT = Called("result format", "format de résultat")


@dataclass
class ProtocolRequest:
    query: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    format_values: list[str] = field(default_factory=list)
    has_parameters: bool = False
    truncate: bool = False  # the client accepts a CSV or TSV answer cut at a limit (``truncate=true``)


def _settings() -> dict[str, Any]:
    return current_app.config


def _check_charset(kind: str) -> None:
    charset = request.mimetype_params.get("charset")
    if charset and charset.strip().lower() not in _UTF8:
        raise Problem("unsupported-media-type",
                      f"A {kind} body must be UTF-8; this one says charset={charset}.")


def _utf8_body() -> str:
    try:
        return request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem("invalid-parameter", f"The request body is not valid UTF-8 (byte {exc.start}). / Le corps de "
                      f"la requête n'est pas en UTF-8 valide (octet {exc.start}).") from None


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
                raise Problem("invalid-parameter", "A form parameter is not valid UTF-8 once percent-decoded. / Un "
                              "paramètre du formulaire n'est pas en UTF-8 valide une fois décodé.") from None
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
        truncate=truncation_accepted(params.getlist(TRUNCATE)),
    )


TRUNCATE = "truncate"
_YES = frozenset({"true", "1", "yes", "on"})
_NO = frozenset({"false", "0", "no", "off", ""})
CUT_SILENTLY = frozenset({"csv", "tsv"})
"""Formats with no place to say that an answer is incomplete: cut only when the client says it
accepts that (``truncate=true``), else refused (:func:`tid.endpoint.query_problems.too_large`)."""


def truncation_accepted(values: Sequence[str]) -> bool:
    """Whether ``truncate=`` accepts an answer cut at a limit (``true``/``1``/``yes``; default no)."""
    if len(values) > 1:
        raise Problem("invalid-parameter", f"truncate is given {len(values)} times; give it once. / truncate est "
                      f"donné {len(values)} fois ; donnez-le une seule fois.")
    if not values:
        return False
    value = values[0].strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise Problem("invalid-parameter", f"truncate={values[0]!r} is neither true nor false. / truncate={values[0]!r} "
                  "n'est ni true ni false.")


def _check_graph_iris(iris: Sequence[str], name: str) -> None:
    for iri in iris:
        if not is_absolute_iri(iri):
            raise Problem("invalid-parameter", f"{name} must be an absolute IRI; {iri!r} is not. / {name} doit être "
                          f"une IRI absolue ; {iri!r} ne l'est pas.")


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


SHAPES_KEPT = 4096
_SHAPES: Lru[bytes, QueryShape] = Lru(SHAPES_KEPT)


def _analyse(query: str) -> QueryShape:
    """:func:`analyse`, once per distinct query text (a pure function of it), kept by the digest
    of the text: the cache holds 32 bytes a query, not the query (keyed by the text, 10,000
    refused 360 kB queries held 1.3 GB a process)."""
    return _SHAPES.get(hashlib.sha256(query.encode("utf-8", "surrogatepass")).digest(), lambda: analyse(query))


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


def _truncation_link() -> str:
    """The page a cut result links to."""
    return request_url("problems.describe", slug="result-truncated")


def _run(live: Live, job: Job, bounded: bool = False) -> Outcome:
    """The outcome of ``job``: in a killable query process of the pool, within the time budget;
    or, when the query is ``bounded`` (:attr:`QueryShape.bounded`: one scan of one named
    subject's triples, which cannot run away) over the release's own store and dataset, in this
    thread over the store the server process holds open, without the round trip to a process
    (the cheap lane: a lookup then costs what the engine and the writer cost, and a pool busy
    with slow queries never turns it away)."""
    if bounded and job.backend is None and job.default_graph is None and job.named_graphs is None:
        release = live.release
        if release.store_path == job.store_path:
            return run_job(job, {job.store_path: release.store})
    config = _settings()
    timeout = config["QUERY_TIMEOUT"]
    try:
        with client_share():
            return live.pool.run(job, timeout=timeout, queue_wait=config["QUEUE_WAIT"])
    except QueryTimeout as exc:
        current_app.logger.warning("query killed after %.2f s (budget %.1f s)", exc.elapsed, timeout)
        raise unavailable("query-timeout", f"The query did not finish within {timeout:g} s; it was stopped. "
                          "Add a LIMIT, avoid cross products, or retry later.", timeout=timeout) from None
    except PoolBusy:
        raise unavailable("server-busy", f"All {config['MAX_CONCURRENT_QUERIES']} query workers are busy; "
                          "retry shortly.") from None
    except WorkerOutOfMemory as exc:
        raise too_expensive(exc.limit_mb) from None
    except WorkerDied:
        raise unavailable("query-aborted", "The worker running the query stopped before answering; retry later.") from None


def run_checked(job: Job) -> Outcome:
    """``job`` run as a query is (the pool, its time budget); a failure raised as the query's problem."""
    outcome = _run(current_live(), job)
    if outcome.status is not Status.OK:
        raise failure(outcome)
    return outcome


def _raise_syntax_error_first(live: Live, query: str) -> None:
    """A malformed query is a 400 even when its format is not acceptable (checked on an empty store)."""
    outcome = _run(live, Job(store_path="", query=query, parse_only=True, base_iri=endpoint_url()))
    if outcome.status is Status.SYNTAX:
        raise syntax_problem(outcome.message)


def _dataset(shape: QueryShape, default_graphs: Sequence[str],
             named_graphs: Sequence[str]) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None, bool]:
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


def answer_tag(config: Any, release_id: str, scope: str, query: str, solutions_format: conneg.Format | None,
               graph_format: conneg.Format | None, default_graphs: Sequence[str], named_graphs: Sequence[str],
               substitutions: Sequence[tuple[str, Any]], base: str, truncate: bool) -> str:
    """The ETag of an answer: what its bytes depend on (``base``: the endpoint's URL, which
    relative IRIs resolve against). Also the key of the answer cache."""
    return etag([release_id, scope, query, solutions_format and solutions_format.key,
                 graph_format and graph_format.key, list(default_graphs), list(named_graphs),
                 [(k, str(v)) for k, v in substitutions], config["MAX_ROWS"], config["MAX_BYTES"], base, truncate])


def answer(query: str, *, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = (),
           format_values: Sequence[str] = (), substitutions: dict[str, Any] | None = None,
           etag_scope: str = "sparql", truncate: bool = False) -> Response:
    """Run ``query`` for the current request and answer it (or raise a Problem). ``truncate``: the
    client accepts a CSV or TSV answer cut at a limit; without it such an answer is a 422."""
    config = _settings()
    if len(query) > config["MAX_QUERY_LENGTH"]:
        raise Problem("query-too-long", f"The query has {len(query)} characters; this endpoint accepts at most "
                      f"{config['MAX_QUERY_LENGTH']}.", limit=config["MAX_QUERY_LENGTH"])
    if not query.strip():
        raise Problem("missing-query", "The query is empty.")
    shape = _analyse(query)
    if shape.depth > MAX_NESTING:
        raise Problem("query-too-deep", f"The query nests {{ }}, ( ) or [ ] {shape.depth} levels deep; this endpoint "
                      f"accepts at most {MAX_NESTING}. / La requête imbrique {shape.depth} niveaux ; ce point d'accès en "
                      f"accepte au plus {MAX_NESTING}.", limit=MAX_NESTING)
    if shape.is_update:
        # the protocol's query operation takes a query: an update there is a malformed query (400);
        # an update request proper (the update operation) is refused as such (403)
        raise Problem("malformed-query", f"{shape.form} is SPARQL Update, not a query: the query operation takes "
                      "SELECT, ASK, CONSTRUCT or DESCRIBE. This endpoint is read-only: it accepts no update at all.")
    check_services(shape)
    _check_graph_iris(default_graphs, "default-graph-uri")
    _check_graph_iris(named_graphs, "named-graph-uri")

    wants_solutions, wants_graph = _offers(shape.form)
    solutions_format, graph_format, unknown = _negotiate(request.headers.get("Accept", ""), tuple(format_values),
                                                         wants_solutions, wants_graph)
    if unknown is not None:
        raise unknown_format(unknown, (*conneg.SOLUTION_FORMATS, *conneg.GRAPH_FORMATS), RESULT_FORMAT)
    live = current_live()
    if wants_solutions and not wants_graph and solutions_format is None:
        _raise_syntax_error_first(live, query)
        raise not_acceptable(conneg.SOLUTION_FORMATS)
    if wants_graph and not wants_solutions and graph_format is None:
        _raise_syntax_error_first(live, query)
        raise not_acceptable(conneg.GRAPH_FORMATS)

    release = live.release
    dataset_default, dataset_named, merge = _dataset(shape, default_graphs, named_graphs)
    subs = tuple(sorted((substitutions or {}).items()))
    tag = answer_tag(config, release.id, etag_scope, query, solutions_format, graph_format, default_graphs,
                     named_graphs, subs, endpoint_url(), truncate)
    if request.if_none_match and request.if_none_match.star_tag:
        # "*" matches whatever the tag: a malformed query must still be a 400, never a 304 (an
        # exact tag is one this endpoint gave to a query it ran, so it was well formed)
        _raise_syntax_error_first(live, query)
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

    job = _job(release, query, shape, (dataset_default, dataset_named, merge), subs, solutions_format,
               graph_format, config["MAX_ROWS"], config["MAX_BYTES"])
    outcome = _run(live, job, shape.bounded)

    if outcome.status is not Status.OK or outcome.format is None:
        raise failure(outcome)
    if outcome.truncated and outcome.format.key in CUT_SILENTLY and not truncate:
        raise too_large(outcome)

    response = Response(outcome.body, status=200, content_type=outcome.format.content_type)
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


def _job(release: Any, query: str, shape: Any, dataset: tuple[Any, Any, bool], substitutions: Any,
         solutions_format: Any, graph_format: Any, max_rows: int, max_bytes: int,
         urls: tuple[str, str] | None = None) -> Job:
    """The job of one query over ``release``: ``dataset`` is what :func:`_dataset` gives (default
    graphs, named graphs, whether the default graph is their merge); ``urls`` the endpoint's URL
    and the page a cut result links to (by default those of the current request)."""
    default_graph, named_graphs, merge = dataset
    base, truncation_link = urls or (endpoint_url(), _truncation_link())
    return Job(
        store_path=release.store_path,
        query=query,
        default_dataset=not shape.has_dataset_clause,
        default_graph=default_graph,
        named_graphs=named_graphs,
        merge_default_graph=merge,
        substitutions=substitutions,
        solutions_format=solutions_format,
        graph_format=graph_format,
        max_rows=max_rows,
        max_bytes=max_bytes,
        allowed_services=bool(shape.services),
        truncation_link=truncation_link,
        backend=release.backend,
        base_iri=base,
        native=shape.bounded and shape.form == "SELECT" and not shape.limited and release.backend is None,
    )


def run_for_page(query: str, substitutions: dict[str, Any], max_rows: int) -> Outcome:
    """Run ``query`` as :func:`answer` does (the same checks, pool, time budget and failures), for a
    page that draws its solutions: SPARQL JSON, at most ``max_rows`` rows (and the endpoint's
    limits), the outcome rather than a response. ``truncated`` says when rows were left out."""
    config = _settings()
    shape = _analyse(query)
    if shape.is_update or shape.form not in ("SELECT", "ASK"):
        raise Problem("evaluation-error", "A page shows the solutions of a SELECT or ASK query; download this "
                      "one's answer instead. / Une page montre les solutions d'une requête SELECT ou ASK ; "
                      "téléchargez plutôt la réponse de celle-ci.")
    check_services(shape)
    live = current_live()
    release = live.release
    dataset_default, dataset_named, merge = _dataset(shape, (), ())
    job = _job(release, query, shape, (dataset_default, dataset_named, merge), tuple(sorted(substitutions.items())),
               conneg.SOLUTION_FORMATS[0], None, min(max_rows, config["MAX_ROWS"]), config["MAX_BYTES"])
    outcome = _run(live, job, shape.bounded)
    if outcome.status is not Status.OK or outcome.format is None:
        raise failure(outcome)
    return outcome
