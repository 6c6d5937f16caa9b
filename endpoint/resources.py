"""Dereferencing: ``/id/...`` answers 303 to ``/doc/...``, which describes the resource.

* ``/id/{path}`` (GET, HEAD): 303 See Other to ``/doc/{path}`` (the query string kept), with
  ``Vary: Accept``; 404 when the graph has no such thing (never a 303 to a 404).
* ``/doc/{path}``: the description, negotiated (``Accept``, or ``format=``) between Turtle,
  JSON-LD, N-Triples, RDF/XML and HTML; ``Content-Location`` names the variant served,
  ``/doc/{path}.ttl|.jsonld|.nt|.rdf|.html``, each of which is also addressable as it is (no
  negotiation there). Weak ETag (release, resource, variant, page, date, language) and 304 on
  ``If-None-Match``; HEAD has the headers of GET and no body. No acceptable variant: 406 that
  lists them (body, ``Link`` and ``Alternates`` headers).
* ``?page=N``: large resources are paged (incoming links and memberships);
  ``Link: <…>; rel="next"`` (and ``prev``, ``first``, ``last``), Hydra triples in RDF. The HTML
  page has one pager per table, each with its own parameter: ``members_page`` (the members) and
  ``incoming_page`` (the incoming links); ``page`` still sets both (older links). A bad value is a
  400, a page past its table's last page a 404 (the RDF documents ignore them). ``?at=YYYY-MM-DD``:
  the memberships, sites and dated links that hold at that date, and which phase, territory
  list, geographic vintage and wave that is; ``?vague={slug}`` is the same at the date of that
  labelling wave. The HTML page without ``at`` shows today's
  state (a thing of the past: its last day's) and says so; ``?at=all`` and the RDF documents
  without ``at`` hold every date. A bad ``page``, ``at`` or ``vague`` is a 400.
* Unknown things: 404, an HTML page for browsers, ``application/problem+json`` otherwise.
  Paths that cannot be a thing's (characters outside the IRI pattern, ``..``, NUL, too long)
  are the same 404: nothing is ever read from disk for them.

Only ``{base}id/...`` IRIs are served here; the ontology's terms (``{base}def#…``) are not.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, current_app, request
from pyoxigraph import serialize

from tid.endpoint import conneg, jsonld
from tid.endpoint.describe import (
    BadParameter,
    Description,
    ProgrammeLists,
    Snapshot,
    Snapshots,
    Terms,
    describe,
    exists,
    graph_of,
    parse_at,
    parse_page,
    prefixes,
    read_programme_lists,
    read_terms,
)
from tid.endpoint.errors import problem_page
from tid.endpoint.evaluate import Job
from tid.endpoint.html import render_page
from tid.endpoint.http import DOCUMENT_FORMAT, Body, choose, negotiated
from tid.endpoint.live import current_release
from tid.endpoint.problem import Problem
from tid.endpoint.protocol import run_checked
from tid.endpoint.resource_page import page_context
from tid.endpoint.urls import DOC_EXTENSIONS, SAFE_PATH, doc_url, kept_args
from tid.namespaces import Minter

bp = Blueprint("resources", __name__)

MAX_PATH = 300
FORMATS: dict[str, conneg.Format] = {f.key: f for f in (*conneg.GRAPH_FORMATS, conneg.HTML) if f.key in DOC_EXTENSIONS}
# Server order: RDF first (``*/*`` and no Accept get Turtle); browsers ask for text/html.
OFFERS: tuple[conneg.Format, ...] = tuple(FORMATS[key] for key in ("ttl", "jsonld", "nt", "rdf", "html"))
PAGER_PARAMETERS = ("members_page", "incoming_page")
"""The HTML page's own pagers, one per table (``page`` pages both, and the RDF documents)."""


def release_terms() -> Terms:
    """The names of the terms and the periods (phases, waves, lists, vintages) of the live
    release, read once: what the pages' "as of" answers from."""
    release = current_release()
    return release.cached("resource-terms", lambda: read_terms(release.store))


def release_programme_lists() -> ProgrammeLists:
    """The other programmes' lists (Action cœur de ville, Petites villes de demain) and the
    memberships each states, read once per release: a territory's or an EPCI's page at a date
    says which of its communes each programme has then, the home page counts them."""
    release = current_release()
    sauf = Minter(release.base).programme("territoires-industrie").value
    return release.cached("resource-programme-lists", lambda: read_programme_lists(release.store, sauf))


def _snapshot_in_pool(iri: str) -> Snapshot:
    """What the store says about ``iri`` for its page, computed in a killable query process within
    the time budget, failing as a query does: the largest pages (a phase's 76,000 incoming links)
    take seconds, and a computation in the request's thread could not be stopped."""
    release = current_release()
    job = Job(store_path=release.store_path, query="", snapshot=(iri, release.base), backend=release.backend)
    return run_checked(job).extra["snapshot"]


def _snapshots() -> Snapshots:
    """The release's memory of the resources asked for last (``RESOURCE_CACHE_SIZE`` of them,
    64 by default; 0 turns it off): the data of a release never change, so a page asked again
    (another page number, date, format or language) skips the queries."""
    release = current_release()
    size = int(current_app.config.get("RESOURCE_CACHE_SIZE", 64))
    return release.cached("resource-snapshots", lambda: Snapshots(size))


def _page_size() -> int:
    return int(current_app.config.get("RESOURCE_PAGE_SIZE", 100))


def _split(path: str) -> tuple[str, str | None]:
    """``commune/77288.ttl`` -> (``commune/77288``, ``ttl``); an unknown suffix stays in the path."""
    stem, dot, ext = path.rpartition(".")
    if dot and ext in FORMATS:
        return stem, ext
    return path, None


def _valid(path: str) -> bool:
    return len(path) <= MAX_PATH and SAFE_PATH.fullmatch(path) is not None


def not_found(path: str, html: bool | None = None) -> Response:
    """404: an HTML page for browsers (or a ``.html`` address), problem details otherwise."""
    if html is None:
        wanted = conneg.negotiate(request.accept_mimetypes, (conneg.PROBLEM_JSON, conneg.JSON, conneg.HTML))
        html = wanted is conneg.HTML
    problem = Problem("not-found", f"No resource of this dataset is described at {request.path}.", page=html)
    page = problem_page(problem, resource=True) if html else None
    if page is None:
        raise problem
    return page


def _wave_date(slug: str, base: str) -> date:
    """``?vague=2021`` -> the date of the labelling wave ``{base}id/vague/2021`` (the state of the
    graph right after that wave); an unknown wave is a 400 that lists the waves."""
    waves = release_terms().waves
    for wave in waves:
        if wave.iri == base + "id/vague/" + slug and wave.debut is not None:
            return wave.debut
    known = ", ".join(w.iri.rsplit("/", 1)[-1] for w in waves)
    raise BadParameter(f"vague={slug!r} names no labelling wave; the waves: {known}. / vague={slug!r} ne désigne "
                       f"aucune vague de labellisation ; les vagues : {known}.")


def _bad(detail: str) -> Problem:
    return Problem("invalid-parameter", detail)


@bp.get("/id/<path:path>")
def thing(path: str) -> Response:
    """303 See Other to the document about the thing, or 404."""
    release = current_release()
    if not _valid(path) or not exists(release.store, release.base + "id/" + path):
        return not_found(path)
    response = Response(status=303)
    response.headers["Location"] = doc_url(path, **request.args.to_dict(flat=False))
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['CACHE_MAX_AGE']}"
    response.vary.add("Accept")
    del response.headers["Content-Type"]
    return response


def _link_header(path: str, description: Description | None, fmt: conneg.Format, suffixed: bool) -> str:
    links = [f'<{doc_url(path, f.key, **kept_args())}>; rel="alternate"; type="{f.media_type}"'
             for f in OFFERS if f is not fmt]
    if description is not None and description.page.paged:
        pager = description.page
        current = kept_args(drop=("format", "page"))

        def page_link(n: int) -> str:
            return doc_url(path, fmt.key if suffixed else None, **current, **({"page": n} if n > 1 else {}))

        links.append(f'<{page_link(1)}>; rel="first"')
        if pager.number > 1:
            links.append(f'<{page_link(pager.number - 1)}>; rel="prev"')
        if pager.number < pager.last:
            links.append(f'<{page_link(pager.number + 1)}>; rel="next"')
        links.append(f'<{page_link(pager.last)}>; rel="last"')
    return ", ".join(links)


def _with_variants(problem: Problem, path: str) -> Problem:
    """The 406 of a document, with the URL of each of its variants (body, ``Link``, ``Alternates``)."""
    variants = [doc_url(path, f.key, **kept_args()) for f in OFFERS]
    problem.extensions["variants"] = variants
    problem.headers["Link"] = ", ".join(f'<{url}>; rel="alternate"; type="{f.media_type}"'
                                        for url, f in zip(variants, OFFERS, strict=True))
    problem.headers["Alternates"] = ", ".join(f'{{"{url}" 1.0 {{type {f.media_type}}}}}'
                                              for url, f in zip(variants, OFFERS, strict=True))
    return problem


@bp.get("/doc/<path:path>")
def document(path: str) -> Response:
    """The description of ``{base}id/{path}`` in the negotiated (or suffixed) format."""
    release = current_release()
    stem, ext = _split(path)
    if not _valid(stem):
        return not_found(stem, html=ext == "html" if ext else None)
    iri = release.base + "id/" + stem
    try:
        at = parse_at(request.args.get("at"))
        page = parse_page(request.args.get("page"))
        pagers = {name: parse_page(request.args[name], name) for name in PAGER_PARAMETERS if name in request.args}
        if "vague" in request.args:
            if at is not None:
                raise BadParameter("Give at= or vague=, not both. / Donnez at= ou vague=, pas les deux.")
            at = _wave_date(request.args["vague"], release.base)
    except BadParameter as exc:
        raise _bad(str(exc)) from None
    if not exists(release.store, iri):
        return not_found(stem, html=ext == "html" if ext else None)

    if ext is not None:
        fmt = FORMATS[ext]
    else:
        try:
            fmt = choose(OFFERS, called=DOCUMENT_FORMAT)
        except Problem as problem:
            if problem.type.slug == "not-acceptable":
                raise _with_variants(problem, stem) from None
            raise
    described: list[Description] = []
    # The HTML page without a date shows today's state, and says which list it comes from; the
    # RDF documents hold every dated statement (their dates are in them), as does ``?at=all``.
    today = date.today() if fmt is conneg.HTML and at is None and "at" not in request.args else None

    def draw(fmt: conneg.Format) -> Body:
        description = describe(release.store, release_terms(), iri, stem, base=release.base, page=page, at=at, today=today,
                               page_size=_page_size(), cached=release.cached, snapshots=_snapshots(), fetch=_snapshot_in_pool,
                               programme_lists=release_programme_lists(),
                               **(pagers if fmt is conneg.HTML else {}))
        if description is None:
            asked = ", ".join(f"{name}={n}" for name, n in {"page": page, **pagers}.items() if name in request.args)
            raise Problem("not-found", f"{request.path} has no such page ({asked or 'page=1'}).")
        described.append(description)
        if fmt is conneg.HTML:
            downloads = [(f, doc_url(description.path, f.key, **kept_args())) for f in OFFERS]
            return render_page("resource.html", **page_context(description, release.base, downloads))
        return _rdf(description, fmt, release.base)

    response = negotiated(fmt, draw, tag=["resource", release.id, stem, page, sorted(pagers.items()),
                                          at.isoformat() if at else None,
                                          today.isoformat() if today else None, request.args.get("at"),
                                          request.args.get("vague")])
    return _finish(response, stem, fmt, described[0] if described else None, ext is not None)


def _finish(response: Response, path: str, fmt: conneg.Format, description: Description | None,
            suffixed: bool) -> Response:
    response.vary.add("Accept")
    response.headers["Content-Location"] = doc_url(path, fmt.key, **kept_args())
    response.headers["Link"] = _link_header(path, description, fmt, suffixed)
    return response


def _rdf(description: Description, fmt: conneg.Format, base: str) -> bytes:
    doc_iri = base + "doc/" + description.path
    extra = f"&at={description.at.isoformat()}" if description.at else ""

    def page_iri(n: int) -> str:
        return f"{doc_iri}?page={n}{extra}"

    triples = graph_of(description, doc_iri, page_iri(description.page.number), page_iri)
    if fmt.key in ("ttl", "rdf"):
        return serialize(triples, format=fmt.rdf_format, prefixes=prefixes(base))
    if fmt.key == "jsonld":
        return jsonld.write(triples, prefixes(base))
    return serialize(triples, format=fmt.rdf_format)
