"""Named queries as an API: ``/queries`` lists the catalogue, ``/queries/{name}?param=…`` runs one.

The catalogue is :func:`tid.graph.queries.list_queries` (the competency questions, without the
queries behind the site's own answers). Parameters are bound as RDF terms through pyoxigraph substitutions
(:meth:`NamedQuery.substitutions`), never pasted into the text. A run goes through the same path
as ``/sparql`` (pool, time budget, limits, negotiation, ETag), so every format is available.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request

from tid.endpoint import conneg
from tid.endpoint.html import asset_url
from tid.endpoint.http import Called, negotiated
from tid.endpoint.live import current_release
from tid.endpoint.problem import Problem
from tid.endpoint.protocol import TRUNCATE, answer, truncation_accepted
from tid.endpoint.urls import external_url
from tid.errors import QueryError
from tid.graph.queries import NAME, NamedQuery, list_queries, load_query

bp = Blueprint("queries", __name__)

RESERVED = ("format", "output", TRUNCATE)


def catalogue() -> list[NamedQuery]:
    return list_queries()


def _entry(query: NamedQuery) -> dict:
    return {
        "name": query.name,
        "title": query.title,
        "fr": query.fr,
        "en": query.en,
        "parameters": [
            {"name": p.name, "type": p.type, "default": p.default, "required": p.default is None, "doc": p.doc}
            for p in query.parameters
        ],
        "url": external_url("queries.run", name=query.name),
    }


@bp.get("/queries")
def index() -> Response:
    entries = [_entry(q) for q in catalogue()]

    def draw(fmt: conneg.Format) -> str:
        if fmt is conneg.HTML:
            return render_template("queries.html", queries=entries, asset_url=asset_url)
        return json.dumps({"queries": entries}, ensure_ascii=False, indent=1) + "\n"

    return negotiated((conneg.JSON, conneg.HTML), draw, called=Called("format of this list", "format de cette liste"),
                      tag=[current_release().id, "queries", entries])


@bp.get("/queries/<path:name>")
def run(name: str) -> Response:
    if not NAME.match(name):
        raise Problem("unknown-query", f"{name!r} is not a query name.")
    try:
        query = load_query(name)
    except QueryError as exc:
        raise Problem("unknown-query", str(exc)) from None
    values: dict[str, str] = {}
    for key in request.args:
        if key in RESERVED:
            continue
        given = request.args.getlist(key)
        if len(given) > 1:
            raise Problem("bad-query-parameter", f"parameter {key!r} is given {len(given)} times; give it once. / le "
                          f"paramètre {key!r} est donné {len(given)} fois ; donnez-le une seule fois.")
        values[key] = given[0]
    try:
        substitutions = query.substitutions(values)
    except QueryError as exc:
        raise Problem("bad-query-parameter", str(exc), parameters=[p.name for p in query.parameters]) from None
    formats = request.args.getlist("format") or request.args.getlist("output")
    return answer(query.text, format_values=formats,
                  substitutions={variable.value: term for variable, term in substitutions.items()},
                  etag_scope="named:" + name, truncate=truncation_accepted(request.args.getlist(TRUNCATE)))
