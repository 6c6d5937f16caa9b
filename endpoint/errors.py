"""Errors as RFC 9457 problem details (``application/problem+json``), or text or an HTML page
(for browsers, which ask for ``text/html`` above everything else) when asked.

Every error the endpoint answers is a :class:`Problem` with a type from :data:`TYPES`; its
``type`` member is an absolute URL under ``/problems/`` on this server, where the type is
explained. Werkzeug's HTTP errors (404, 405, 413…) are turned into problems too, and any
unexpected exception becomes a masked 500 whose ``error_id`` is also in the server log with the
traceback. A client mistake never reaches that path: each one has its own 4xx type.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    render_template,
    request,
)
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from tid.endpoint import conneg
from tid.endpoint.remote import BackendError, BackendRefused, BackendTimeout

log = logging.getLogger("tid.endpoint")


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title: str
    titre: str  # the same in French
    explanation: str


TYPES: dict[str, ProblemType] = {
    t.slug: t
    for t in (
        ProblemType("malformed-query", 400, "Malformed query", "Requête mal formée",
                    "The query is not valid SPARQL 1.1; `detail` gives the parser's message, `line` and `column` where it stopped."),
        ProblemType("missing-query", 400, "Missing query", "Requête absente",
                    "The request carries no `query` parameter and is not a request for the service description (a GET without parameters)."),
        ProblemType("multiple-queries", 400, "More than one query", "Plusieurs requêtes",
                    "A request carries exactly one query: one `query` parameter, in the URL or in the body but not in both."),
        ProblemType("invalid-parameter", 400, "Invalid parameter", "Paramètre invalide",
                    "A protocol parameter has a value that cannot be used (a graph IRI that is not absolute, an unknown `format`, a body that is not UTF-8)."),
        ProblemType("bad-query-parameter", 400, "Bad parameter for a named query", "Paramètre incorrect pour une requête nommée",
                    "A named query was given a parameter it does not have, or a value of the wrong type, or lacks a required one. `/queries` lists the parameters."),
        ProblemType("evaluation-error", 400, "The query cannot be evaluated", "La requête ne peut pas être évaluée",
                    "The query is valid SPARQL but uses something this endpoint cannot evaluate, such as an extension function it does not have; `detail` gives the engine's message."),
        ProblemType("update-refused", 403, "SPARQL Update is not accepted", "SPARQL Update n'est pas accepté",
                    "This endpoint is read-only: the data change only through versioned builds. INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE and COPY are refused, whatever the parameter or media type that carries them."),
        ProblemType("service-refused", 403, "SERVICE is not allowed", "SERVICE n'est pas autorisé",
                    "Federated queries are off, or the SERVICE endpoint is not on the allow-list, or its address cannot be known before the query runs (a variable). The query was not run and no connection was made."),
        ProblemType("result-truncated", 200, "Result truncated", "Résultat tronqué",
                    "Not an error: the response holds only the first rows (or triples) of the result, because a limit of the endpoint cut it. The X-TID-Truncated header names the limit (rows=N or bytes=N); the service description lists the limits. Add LIMIT/OFFSET to page through the result."),
        ProblemType("not-found", 404, "Not found", "Introuvable", "Nothing is served at this address."),
        ProblemType("unknown-query", 404, "Unknown named query", "Requête nommée inconnue",
                    "There is no named query with this name; `/queries` lists them."),
        ProblemType("method-not-allowed", 405, "Method not allowed", "Méthode non permise",
                    "The SPARQL protocol uses GET and POST (and OPTIONS for CORS preflight); the `Allow` header lists the methods of this address."),
        ProblemType("not-acceptable", 406, "Not acceptable", "Format non disponible",
                    "None of the formats the request accepts (`Accept` or `format`) is available for this result; `available` lists those that are."),
        ProblemType("precondition-failed", 412, "Precondition failed", "Précondition non remplie",
                    "`If-None-Match` matched the current representation on a method other than GET or HEAD."),
        ProblemType("query-too-long", 413, "Query too long", "Requête trop longue",
                    "The query is longer than the endpoint accepts; the limit is in the service description."),
        ProblemType("unsupported-media-type", 415, "Unsupported media type", "Type de contenu non pris en charge",
                    "A POST body must be `application/x-www-form-urlencoded` or `application/sparql-query`, in UTF-8."),
        ProblemType("internal-error", 500, "Internal server error", "Erreur interne",
                    "Something failed on the server side; the `error_id` identifies the event in the server log."),
        ProblemType("service-failed", 502, "Remote SERVICE failed", "Le SERVICE distant a échoué",
                    "An allowed SERVICE endpoint could not be reached or answered an error."),
        ProblemType("query-timeout", 503, "Query timed out", "Délai de la requête dépassé",
                    "The query did not finish within its time budget and was stopped (its worker process was killed). Add a LIMIT, avoid cross products, or retry later."),
        ProblemType("server-busy", 503, "Server busy", "Serveur occupé",
                    "All query workers are busy; retry after the number of seconds in `Retry-After`."),
        ProblemType("backend-unavailable", 503, "SPARQL server unavailable", "Serveur SPARQL indisponible",
                    "This endpoint serves its data from another SPARQL server, which could not be reached or failed to answer; retry after the number of seconds in `Retry-After`."),
        ProblemType("query-aborted", 503, "Query aborted", "Requête interrompue",
                    "The worker running the query stopped before answering (for instance it ran out of memory). Simplify the query or retry later."),
    )
}


class Problem(Exception):
    """An error answered as problem details; raise it anywhere in a request."""

    def __init__(self, slug: str, detail: str, *, status: int | None = None,
                 headers: dict[str, str] | None = None, page: bool = True, **extensions: Any):
        """``page``: whether a browser may get it as an HTML page (not when the address itself
        names another format, such as ``.ttl``)."""
        self.type = TYPES[slug]
        self.page = page
        self.status = status or self.type.status
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions
        super().__init__(f"{self.type.slug}: {detail}")


def _type_url(slug: str) -> str:
    from tid.endpoint.urls import external_url

    return external_url("problems.describe", slug=slug)


def problem_response(problem: Problem) -> Response:
    body: dict[str, Any] = {
        "type": _type_url(problem.type.slug),
        "title": problem.type.title,
        "status": problem.status,
        "detail": problem.detail,
        "titre": problem.type.titre,
    }
    body.update(problem.extensions)
    chosen = None
    if request:  # at equal quality the first offer wins: */* gets problem details, never the page
        offers = (conneg.PROBLEM_JSON, conneg.JSON, conneg.TEXT) + ((conneg.HTML,) if problem.page else ())
        chosen = conneg.negotiate(request.accept_mimetypes, offers)
    page = problem_page(problem) if chosen is conneg.HTML else None
    if page is not None:
        response = page
    elif chosen is conneg.TEXT:
        lines = [f"{problem.status} {problem.type.title}", "", problem.detail]
        lines += [f"{key}: {value}" for key, value in problem.extensions.items()]
        response = Response("\n".join(lines) + "\n", status=problem.status, content_type="text/plain; charset=utf-8")
    else:
        response = Response(json.dumps(body, ensure_ascii=False, indent=1) + "\n", status=problem.status,
                            content_type="application/problem+json; charset=utf-8")
    for key, value in problem.headers.items():
        response.headers[key] = value
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Accept")
    return response


def problem_page(problem: Problem, *, resource: bool = False) -> Response | None:
    """The problem as an HTML page (``error.html``) with its status and headers; ``resource``: a
    404 of the resource pages, which says what their addresses look like. None when the page
    cannot be drawn (the caller answers problem details instead: an error page never fails)."""
    from tid.endpoint.html import page_language, render_page

    french = page_language() == "fr"
    if resource:
        title = "Ressource introuvable" if french else "Resource not found"
    else:
        title = problem.type.titre if french else problem.type.title
    try:
        response = render_page(
            "error.html", status=problem.status, status_code=problem.status, resource=resource, title=title,
            detail=problem.detail, requested=request.path, type_url=_type_url(problem.type.slug),
            extensions=[(key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
                        for key, value in problem.extensions.items()],
        )
    except Exception:  # noqa: BLE001 - logged; the problem is still answered, as JSON
        log.exception("the error page of %s could not be drawn", problem.type.slug)
        return None
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Accept")
    return response


METHOD_ORDER = ("GET", "POST", "OPTIONS", "HEAD")


def allow_header(methods: object) -> str:
    """``GET, POST, OPTIONS, HEAD`` order, then any other method."""
    given = {str(m).upper() for m in methods}  # type: ignore[union-attr]
    return ", ".join([m for m in METHOD_ORDER if m in given] + sorted(given - set(METHOD_ORDER)))


def _from_http_exception(error: HTTPException) -> Problem:
    code = error.code or 500
    if isinstance(error, MethodNotAllowed):
        methods = allow_header(error.valid_methods or ())
        return Problem("method-not-allowed", f"{request.method} is not allowed here; use {methods}.",
                       headers={"Allow": methods})
    if code == 404:
        return Problem("not-found", f"Nothing is served at {request.path}.")
    if code == 413:
        return Problem("query-too-long", "The request body is larger than the endpoint accepts "
                       f"({current_app.config['MAX_CONTENT_LENGTH']} bytes).")
    if code == 415:
        return Problem("unsupported-media-type", error.description or "Unsupported media type.")
    if code == 406:
        return Problem("not-acceptable", error.description or "Not acceptable.")
    if 400 <= code < 500:
        return Problem("invalid-parameter", error.description or error.name, status=code)
    raise error


def backend_problem(error: BackendError) -> Problem:
    """The problem answering a failure of the remote SPARQL server (``tid serve --backend``): 503
    with Retry-After (``query-timeout`` past the budget, ``backend-unavailable`` otherwise), or 400
    with the server's message when it refused the query. Never a 500: the endpoint is up."""
    if isinstance(error, BackendRefused):
        return Problem("evaluation-error", f"The SPARQL server refused the query ({error.status}): {error}")
    retry = str(current_app.config["RETRY_AFTER"])
    if isinstance(error, BackendTimeout):
        timeout = current_app.config["QUERY_TIMEOUT"]
        return Problem("query-timeout", f"The SPARQL server did not answer within {timeout:g} s. Retry later.",
                       headers={"Retry-After": retry}, retry_after=int(retry), timeout=timeout)
    log.warning("SPARQL server failure on %s: %s", request.path if request else "-", error)
    return Problem("backend-unavailable", f"The SPARQL server behind this endpoint failed: {error}",
                   headers={"Retry-After": retry}, retry_after=int(retry))


def handle_backend_error(error: BackendError) -> Response:
    return problem_response(backend_problem(error))


def handle_problem(problem: Problem) -> Response:
    return problem_response(problem)


def handle_http_exception(error: HTTPException) -> Response:
    if error.code and error.code < 400:  # redirects and the like raised as exceptions
        return error.get_response()
    try:
        problem = _from_http_exception(error)
    except HTTPException:
        return handle_unexpected(error)
    return problem_response(problem)


def internal_error(error: BaseException | None, context: str = "") -> Problem:
    """Log ``error`` with a fresh id and return the masked 500 problem naming that id."""
    error_id = uuid.uuid4().hex[:16]
    log.error("error %s on %s %s%s", error_id, request.method if request else "-", request.path if request else "-",
              f": {context}" if context else "", exc_info=error if isinstance(error, BaseException) else None)
    return Problem("internal-error", "The server failed to answer this request. Quote the error_id when reporting it.",
                   error_id=error_id)


def handle_unexpected(error: BaseException) -> Response:
    original = getattr(error, "original_exception", None) or error
    return problem_response(internal_error(original))


bp = Blueprint("problems", __name__)


@bp.get("/problems/<slug>")
def describe(slug: str) -> Response:
    kind = TYPES.get(slug)
    if kind is None:
        abort(404)
    wanted = conneg.negotiate(request.accept_mimetypes, (conneg.JSON, conneg.HTML, conneg.TEXT))
    if wanted is conneg.HTML:
        return Response(render_template("problem.html", kind=kind), content_type="text/html; charset=utf-8")
    if wanted is conneg.TEXT:
        return Response(f"{kind.status} {kind.title} / {kind.titre}\n\n{kind.explanation}\n",
                        content_type="text/plain; charset=utf-8")
    return Response(json.dumps({"type": request.base_url, "status": kind.status, "title": kind.title,
                                "titre": kind.titre, "explanation": kind.explanation}, ensure_ascii=False),
                    content_type="application/json; charset=utf-8")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_error_handler(Problem, handle_problem)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(BackendError, handle_backend_error)
    app.register_error_handler(Exception, handle_unexpected)
