"""Named queries as an API: ``/queries`` lists the catalogue, ``/queries/{name}?param=…`` runs one.
Only the catalogue's questions: an internal query's name (``derive-*``, ``home-*``…) is a 404.

The catalogue is :func:`tid.graph.queries.list_queries` (the competency questions, without the
queries behind the site's own answers). Parameters are bound as RDF terms through pyoxigraph substitutions
(:meth:`NamedQuery.substitutions`), never pasted into the text. A run goes through the same path
as ``/sparql`` (pool, time budget, limits, negotiation, ETag), so every format is available.

A parameter that names a thing takes a code or a name as well as an IRI
(:mod:`tid.endpoint.query_form`, through the crosswalk of ``/resolve``). A browser (``Accept``
ranking ``text/html`` above every result format, or ``format=html``) gets the question's page
instead (:func:`page`): the form, the table of the solutions (run through the same pool, at most
:data:`PAGE_ROWS` rows), the downloads (this address with ``format=``) and the permalink; a value
it cannot use gives the form again with the reason, 400. ``*/*`` and no ``Accept`` still get
SPARQL JSON: programs see no change.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, request, url_for

from tid.endpoint import conneg
from tid.endpoint.html import asset_url, page_language, render_page
from tid.endpoint.http import Called, negotiated
from tid.endpoint.live import current_release
from tid.endpoint.problem import Problem
from tid.endpoint.protocol import TRUNCATE, answer, run_for_page, truncation_accepted
from tid.endpoint.query_form import examples, form_fields, resolve_value, table
from tid.endpoint.urls import external_url
from tid.errors import QueryError
from tid.graph.queries import INTERNAL_PREFIXES, NAME, NamedQuery, list_queries, load_query

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
            return render_page("queries.html", queries=entries)
        return json.dumps({"queries": entries}, ensure_ascii=False, indent=1) + "\n"

    return negotiated((conneg.JSON, conneg.HTML), draw, called=Called("format of this list", "format de cette liste"),
                      tag=[current_release().id, "queries", entries])


def _load(name: str) -> NamedQuery:
    if not NAME.match(name):
        raise Problem("unknown-query", f"{name!r} is not a query name.")
    if name.startswith(INTERNAL_PREFIXES):
        # The queries behind the build and the site's own pages are not an API: they change with
        # the pages, without notice. Their text is in the repository; /sparql runs any query.
        raise Problem("unknown-query", f"{name!r} is one of the site's internal queries, not a question of the "
                      "catalogue; /queries lists the questions, /sparql runs any query.")
    try:
        return load_query(name)
    except QueryError as exc:
        raise Problem("unknown-query", str(exc)) from None


def _given(skip: tuple[str, ...]) -> dict[str, str]:
    """The query's parameters in the request (each given once, else 400), without ``skip``."""
    values: dict[str, str] = {}
    for key in request.args:
        if key in skip:
            continue
        given = request.args.getlist(key)
        if len(given) > 1:
            raise Problem("bad-query-parameter", f"parameter {key!r} is given {len(given)} times; give it once. / le "
                          f"paramètre {key!r} est donné {len(given)} fois ; donnez-le une seule fois.")
        values[key] = given[0]
    return values


def _bound(query: NamedQuery, values: dict[str, str], lang: str = "fr") -> dict[str, str]:
    """``values`` with the things named by a code or a name resolved (:mod:`tid.endpoint.query_form`)."""
    release = current_release()
    known = {p.name: p for p in query.parameters}
    return {key: resolve_value(known[key], raw, release, lang) if key in known else raw for key, raw in values.items()}


def _substitutions(query: NamedQuery, values: dict[str, str]) -> dict:
    try:
        substitutions = query.substitutions(values)
    except QueryError as exc:
        raise Problem("bad-query-parameter", str(exc), parameters=[p.name for p in query.parameters]) from None
    return {variable.value: term for variable, term in substitutions.items()}


def wants_page() -> bool:
    """A browser asking for the query's page: ``format=html``, or no ``format`` and ``Accept``
    ranking ``text/html`` above every result format (``*/*`` alone, or no ``Accept``, gets SPARQL JSON)."""
    formats = request.args.getlist("format") or request.args.getlist("output")
    if formats:
        try:
            return conneg.by_name(formats, (conneg.HTML,)) is conneg.HTML
        except conneg.UnknownFormat:
            return False  # answered 400 by the protocol's path
    return conneg.negotiate(request.accept_mimetypes, (*conneg.SOLUTION_FORMATS, conneg.HTML)) is conneg.HTML


@bp.get("/queries/<path:name>")
def run(name: str) -> Response:
    """The query's answer (machine clients: every result format), or its page (browsers)."""
    query = _load(name)
    if wants_page():
        return page(query)
    values = _given(RESERVED)
    substitutions = _substitutions(query, _bound(query, values))
    formats = request.args.getlist("format") or request.args.getlist("output")
    return answer(query.text, format_values=formats, substitutions=substitutions,
                  etag_scope="named:" + name, truncate=truncation_accepted(request.args.getlist(TRUNCATE)))


# -- the page -------------------------------------------------------------------------------------

PAGE_ROWS = 1000  # rows a page shows; the downloads have them all (within the endpoint's limits)
PAGE_SKIP = (*RESERVED, "lang")


def page(query: NamedQuery) -> Response:
    """The query's page: description, form, and (when every required parameter has a value) the
    table of its solutions, the downloads and the permalink; 400, with the form and the reason,
    for a value that cannot be used."""
    lang = page_language()
    given = {key: value for key, value in _given(PAGE_SKIP).items() if value.strip()}
    known = {p.name for p in query.parameters}
    errors: dict[str, str] = {}
    choices: dict[str, list[dict]] = {}  # what an ambiguous or unknown value could mean, as links
    problems: list[str] = []
    bound: dict[str, str] = {}
    release = current_release()
    for parameter in query.parameters:
        if parameter.name in given:
            try:
                bound[parameter.name] = resolve_value(parameter, given[parameter.name], release, lang)
            except Problem as exc:
                errors[parameter.name] = _in(lang, exc.detail)
                extra = {"lang": lang} if lang != "fr" else {}
                choices[parameter.name] = [
                    {**choice, "url": url_for("queries.run", name=query.name, **{**given, parameter.name: choice["write"]},
                                              **extra)} for choice in exc.extensions.get("choices", [])]
    unknown = sorted(set(given) - known)
    if unknown:
        problems.append(_in(lang, f"This query has no parameter {', '.join(unknown)}. / Cette requête n'a pas de "
                                  f"paramètre {', '.join(unknown)}."))
    missing = [p.name for p in query.parameters if p.default is None and p.name not in given]
    ready = not missing and not errors and not unknown
    substitutions: dict = {}
    if ready:
        try:
            substitutions = _substitutions(query, bound)
        except Problem as exc:
            ready = False
            problems.append(_in(lang, exc.detail))
    if given and missing:
        for name in missing:
            errors.setdefault(name, "Valeur requise." if lang == "fr" else "A value is required.")
    context = _context(query, given, bound, errors, problems, lang)
    for field in context["fields"]:
        field["choices"] = choices.get(field["name"], [])
    if errors or problems:
        response = render_page("named_query.html", status=400, **context)
        response.vary.add("Accept")  # the same address gives programs a problem+json
        response.headers["Cache-Control"] = "no-store"
        return response

    def draw(_fmt: conneg.Format) -> Response:
        if ready:
            outcome = run_for_page(query.text, substitutions, PAGE_ROWS)
            context.update(result=table(outcome.body, release.base, lang), truncated=outcome.truncated,
                           rows=outcome.rows, elapsed=outcome.elapsed)
        return render_page("named_query.html", **context)

    # the terms bound, defaults included (date=today: the page changes with the day, as the answer does)
    terms = sorted((name, str(term)) for name, term in substitutions.items())
    return negotiated(conneg.HTML, draw, tag=[release.id, "named-page", query.name, sorted(given.items()), terms])


def _in(lang: str, detail: str) -> str:
    """The half of a bilingual detail ("English / français") in the page's language."""
    en, _, fr = detail.partition(" / ")
    return (fr or en) if lang == "fr" else en


def _context(query: NamedQuery, given: dict[str, str], bound: dict[str, str], errors: dict[str, str],
             problems: list[str], lang: str) -> dict:
    links = {key: url_for("queries.run", name=query.name, **given, format=key) for key in ("csv", "tsv", "json", "xml")}
    extra = {"lang": lang} if lang != "fr" else {}
    sample = examples(query)
    return {
        "named": query, "fields": form_fields(query, given, bound, errors), "problems": problems,
        "action": url_for("queries.run", name=query.name), "given": bool(given),
        "downloads": links, "permalink": external_url("queries.run", name=query.name, **given, **extra),
        "example_url": url_for("queries.run", name=query.name, **sample, **extra) if sample else None,
        "catalogue": url_for("queries.index", **extra), "script": asset_url("query-form.js"),
        "search_url": url_for("search.search"), "result": None, "truncated": None, "page_rows": PAGE_ROWS,
    }
