"""``/sparql``: the SPARQL 1.1 Protocol's address (the protocol itself is :mod:`tid.endpoint.protocol`).

A request with a query is answered by :func:`tid.endpoint.protocol.answer`; a bare ``GET`` is the
service description (:mod:`tid.endpoint.service_description`), or the query page for a browser
(:mod:`tid.endpoint.query_page`); ``OPTIONS`` is the CORS preflight. The blueprint also gives the
app its answer cache (:mod:`tid.endpoint.result_cache`), in front of Flask.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request
from flask.blueprints import BlueprintSetupState

from tid.endpoint import protocol, result_cache
from tid.endpoint.lane import LookupLane
from tid.endpoint.live import live_of
from tid.endpoint.problem import Problem
from tid.endpoint.query_page import render_query_page, wants_query_page
from tid.endpoint.service_description import respond as service_description

bp = Blueprint("sparql", __name__)


@bp.record_once
def _install_result_cache(state: BlueprintSetupState) -> None:
    """Put the lookup lane in front of the app, then give the app its result cache
    (``RESULT_CACHE_MB``) and put the cache's fast path in front of both."""
    app: Flask = state.app
    app.wsgi_app = LookupLane(app, app.wsgi_app)  # type: ignore[method-assign]
    result_cache.install(app, lambda: live_of(app).release.id)


def preflight() -> Response:
    response = Response(status=204)
    del response.headers["Content-Type"]
    response.headers["Allow"] = protocol.ALLOW
    return response


@bp.route("/sparql/", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)
@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)  # first rule: url_for gives /sparql
def sparql() -> Response:
    if request.method == "OPTIONS":
        return preflight()
    query = protocol.read_request()
    if query.query is None:
        if request.method in ("GET", "HEAD") and not query.has_parameters:
            return render_query_page() if wants_query_page(request) else service_description()
        raise Problem("missing-query", "No query: give one with query= (GET or form POST) or as an "
                      f"{protocol.DIRECT} body. A GET without any parameter returns the service description.")
    return protocol.answer(query.query, default_graphs=query.default_graphs, named_graphs=query.named_graphs,
                           format_values=query.format_values, truncate=query.truncate)
