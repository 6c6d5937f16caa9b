"""Errors drawn: RFC 9457 problem details (``application/problem+json``), or text or an HTML page
(for browsers, which ask for ``text/html`` above everything else) when asked.

Every error the endpoint answers is a :class:`~tid.endpoint.problem.Problem` with a type from
:data:`~tid.endpoint.problem.TYPES`; its ``type`` member is an absolute URL under ``/problems/``
on this server, where the type is explained. Werkzeug's HTTP errors (404, 405, 413…) are turned
into problems too, and any unexpected exception becomes a masked 500 whose ``error_id`` is also
in the server log with the traceback. A client mistake never reaches that path: each one has its
own 4xx type. Drawing a problem as a page uses the site's frame (:mod:`tid.endpoint.html`): this
module sits above the HTML layer, which never imports it.
"""

from __future__ import annotations

import json
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
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from tid.endpoint import conneg, html
from tid.endpoint.problem import TYPES, Problem, backend_problem, internal_error, log
from tid.endpoint.remote import BackendError
from tid.endpoint.urls import external_url


def _type_url(slug: str) -> str:
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
        # no page for a request Flask could not route at all (werkzeug's BadHost): the page's
        # links need a URL adapter, which such a request does not have
        drawable = problem.page and request_ctx.url_adapter is not None
        offers = (conneg.PROBLEM_JSON, conneg.JSON, conneg.TEXT) + ((conneg.HTML,) if drawable else ())
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
    french = html.page_language() == "fr"
    if resource:
        title = "Ressource introuvable" if french else "Resource not found"
    else:
        title = problem.type.titre if french else problem.type.title
    try:
        # Looked up on the module at each call: a test replaces it to check the fallback.
        response = html.render_page(
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
