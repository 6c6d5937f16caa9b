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
  ``Link: <…>; rel="next"`` (and ``prev``, ``first``, ``last``), Hydra triples in RDF, pager
  links in HTML. ``?at=YYYY-MM-DD``: the memberships, sites and dated links that hold at that
  date, and which phase and wave that is; ``?vague={slug}`` is the same at the date of that
  labelling wave. A bad ``page``, ``at`` or ``vague`` is a 400.
* Unknown things: 404, an HTML page for browsers, ``application/problem+json`` otherwise.
  Paths that cannot be a thing's (characters outside the IRI pattern, ``..``, NUL, too long)
  are the same 404: nothing is ever read from disk for them.

Only ``{base}id/...`` IRIs are served here; the ontology's terms (``{base}def#…``) are not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from markupsafe import Markup
from pyoxigraph import Literal, NamedNode, serialize

from tid.endpoint import conneg
from tid.endpoint.describe import (
    BadParameter,
    Description,
    Snapshots,
    Statement,
    Terms,
    describe,
    exists,
    graph_of,
    parse_at,
    parse_page,
    pick,
    prefixes,
    read_terms,
)
from tid.endpoint.errors import problem_page
from tid.endpoint.geo import geojson_url
from tid.endpoint.html import page_language, render_page
from tid.endpoint.http import DOCUMENT_FORMAT, Body, choose, negotiated
from tid.endpoint.live import current_release
from tid.endpoint.problem import Problem
from tid.endpoint.urls import DOC_EXTENSIONS, page_url, thing_path
from tid.namespaces import PREFIXES

bp = Blueprint("resources", __name__)

MAX_PATH = 300
# A thing's path: segments of letters, digits and ``- . _ ~`` (codes, slugs, versions), none
# starting with a dot (so no ``..``); anything else names nothing of this dataset.
SAFE_PATH = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*")
FORMATS: dict[str, conneg.Format] = {f.key: f for f in (*conneg.GRAPH_FORMATS, conneg.HTML) if f.key in DOC_EXTENSIONS}
# Server order: RDF first (``*/*`` and no Accept get Turtle); browsers ask for text/html.
OFFERS: tuple[conneg.Format, ...] = tuple(FORMATS[key] for key in ("ttl", "jsonld", "nt", "rdf", "html"))
PARAMETERS = ("page", "at", "vague", "lang")
ONTOLOGY = PREFIXES["tid"]


def _terms() -> Terms:
    release = current_release()
    return release.cached("resource-terms", lambda: read_terms(release.store))


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


def _kept_args(*, drop: tuple[str, ...] = ("format",)) -> dict[str, list[str]]:
    """The request's parameters a link to another variant or page keeps."""
    return {key: values for key, values in request.args.to_dict(flat=False).items()
            if key in PARAMETERS and key not in drop}


def _doc_url(path: str, ext: str | None = None, **args: Any) -> str:
    return url_for("resources.document", path=path + (f".{ext}" if ext else ""), **args)


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
    waves = _terms().waves
    for wave in waves:
        if wave.iri == base + "id/vague/" + slug and wave.debut is not None:
            return wave.debut
    known = ", ".join(w.iri.rsplit("/", 1)[-1] for w in waves)
    raise BadParameter(f"vague={slug!r} names no labelling wave; the waves: {known}")


def _bad(detail: str) -> Problem:
    return Problem("invalid-parameter", detail)


@bp.get("/id/<path:path>")
def thing(path: str) -> Response:
    """303 See Other to the document about the thing, or 404."""
    release = current_release()
    if not _valid(path) or not exists(release.store, release.base + "id/" + path):
        return not_found(path)
    response = Response(status=303)
    response.headers["Location"] = _doc_url(path, **request.args.to_dict(flat=False))
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['CACHE_MAX_AGE']}"
    response.vary.add("Accept")
    del response.headers["Content-Type"]
    return response


def _link_header(path: str, description: Description | None, fmt: conneg.Format, suffixed: bool) -> str:
    links = [f'<{_doc_url(path, f.key, **_kept_args())}>; rel="alternate"; type="{f.media_type}"'
             for f in OFFERS if f is not fmt]
    if description is not None and description.page.paged:
        pager = description.page
        current = _kept_args(drop=("format", "page"))

        def page_link(n: int) -> str:
            return _doc_url(path, fmt.key if suffixed else None, **current, **({"page": n} if n > 1 else {}))

        links.append(f'<{page_link(1)}>; rel="first"')
        if pager.number > 1:
            links.append(f'<{page_link(pager.number - 1)}>; rel="prev"')
        if pager.number < pager.last:
            links.append(f'<{page_link(pager.number + 1)}>; rel="next"')
        links.append(f'<{page_link(pager.last)}>; rel="last"')
    return ", ".join(links)


def _with_variants(problem: Problem, path: str) -> Problem:
    """The 406 of a document, with the URL of each of its variants (body, ``Link``, ``Alternates``)."""
    variants = [_doc_url(path, f.key, **_kept_args()) for f in OFFERS]
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
        if "vague" in request.args:
            if at is not None:
                raise BadParameter("give at= or vague=, not both")
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

    def draw(fmt: conneg.Format) -> Body:
        description = describe(release.store, _terms(), iri, stem, base=release.base, page=page, at=at,
                               page_size=_page_size(), cached=release.cached, snapshots=_snapshots())
        if description is None:
            raise Problem("not-found", f"{request.path} has no page {page}.")
        described.append(description)
        if fmt is conneg.HTML:
            return render_page("resource.html", **_html_context(description, release.base))
        return _rdf(description, fmt, release.base)

    response = negotiated(fmt, draw, tag=["resource", release.id, stem, page, at.isoformat() if at else None,
                                          request.args.get("vague")])
    return _finish(response, stem, fmt, described[0] if described else None, ext is not None)


def _finish(response: Response, path: str, fmt: conneg.Format, description: Description | None,
            suffixed: bool) -> Response:
    response.vary.add("Accept")
    response.headers["Content-Location"] = _doc_url(path, fmt.key, **_kept_args())
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
    return serialize(triples, format=fmt.rdf_format)


# -- the HTML page -------------------------------------------------------------------------------

PAGE_TYPES: dict[str, tuple[str | None, str]] = {
    # class: (the page's kind, for its styles and sections, or None; its schema.org type)
    PREFIXES["tid"] + "TerritoireIndustrie": ("territoire", "AdministrativeArea"),
    PREFIXES["igeo"] + "Commune": ("commune", "AdministrativeArea"),
    PREFIXES["igeo"] + "Departement": ("departement", "AdministrativeArea"),
    PREFIXES["igeo"] + "Region": ("region", "AdministrativeArea"),
    PREFIXES["igeo"] + "Intercommunalite": ("epci", "GovernmentOrganization"),
    PREFIXES["m8g"] + "PublicOrganisation": (None, "GovernmentOrganization"),
    PREFIXES["tid"] + "SiteCleEnMain": ("site", "Place"),
    PREFIXES["tid"] + "Programme": (None, "GovernmentService"),
    PREFIXES["tid"] + "Mesure": (None, "GovernmentService"),
    PREFIXES["foaf"] + "Person": (None, "Person"),
    PREFIXES["tid"] + "Evenement": (None, "Event"),
}
PLAIN_DATATYPES = {PREFIXES["xsd"] + "string", PREFIXES["xsd"] + "integer", PREFIXES["xsd"] + "date",
                   PREFIXES["xsd"] + "decimal", PREFIXES["xsd"] + "boolean", PREFIXES["rdf"] + "langString"}
KEY_FACTS = tuple(PREFIXES["tid"] + local for local in (
    "idTi", "phase", "region", "departement", "commune", "epci", "territoire", "natureJuridique",
    "populationMunicipale", "populationTotale", "siren", "codePostal", "surfaceHa")) + (PREFIXES["igeo"] + "codeINSEE",)


def json_for_script(data: Any) -> Markup:
    """JSON safe inside ``<script type="application/ld+json">``: ``<``, ``>`` and ``&`` escaped
    as ``\\u003c`` etc., so that no label can close the element or open a comment."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


def _html_context(d: Description, base: str) -> dict[str, Any]:
    lang = page_language()
    terms = d.terms
    lang_args = {"lang": lang} if lang != "fr" else {}

    # URLs built once per page: url_for costs tens of microseconds, and a page has hundreds of links.
    ontology_url = url_for("ontology.ontology", **lang_args) + "#"
    doc_prefix = url_for("resources.document", path="x")[:-1]  # "/doc/" under any mount point
    lang_suffix = f"?lang={lang}" if lang_args else ""

    def local_href(iri: str) -> str | None:
        """The local page of ``iri`` (what urls.page_url gives, for a thing path of safe characters)."""
        if iri.startswith(ONTOLOGY) and len(iri) > len(ONTOLOGY):  # a term: its section of /def
            return ontology_url + iri[len(ONTOLOGY):]
        path = thing_path(iri, base)
        if path is None:
            return None
        if not SAFE_PATH.fullmatch(path):
            href = page_url(iri, base)
            return href + lang_suffix if href else None
        return doc_prefix + path + lang_suffix

    def link(iri: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
        """What a template needs to link ``iri``: href (local page when it is ours), text, lang."""
        picked = pick(labels or {}, lang)
        text, text_lang = picked if picked else (None, None)
        if text is None:
            name = terms.name(iri, lang)
            if name:
                text, text_lang = name, lang
        if text is None:
            text, text_lang = _short(iri, base), None
        return {"href": local_href(iri) or iri, "text": text, "lang": text_lang or None, "iri": iri}

    def term(iri: str) -> str:
        return terms.name(iri, lang) or _short(iri, base)

    def val(statement: Statement) -> dict[str, Any]:
        """A statement's value for the template: a literal (text, language, datatype), a link, or
        the triples of a blank node."""
        return _value(statement.value, statement.labels, statement.nested)

    def _value(node: Any, labels: dict[str, str], nested: list[Any]) -> dict[str, Any]:
        if isinstance(node, Literal):
            datatype = node.datatype.value if node.datatype else None
            shown = None if datatype in PLAIN_DATATYPES or node.language else _short(datatype or "", base)
            return {"kind": "literal", "text": node.value, "lang": node.language, "datatype": shown}
        if isinstance(node, NamedNode):
            return {"kind": "iri", **link(node.value, labels)}
        return {"kind": "blank", "nested": [(term(p.value), _value(o, {}, [])) for p, o in nested]}

    def num(value: int | None) -> str:
        """An integer with the page language's digit grouping (narrow no-break space in French)."""
        if value is None:
            return "—"
        return f"{value:,}".replace(",", "\u202f" if lang == "fr" else ",")

    source_index = {s.graph: i + 1 for i, s in enumerate(d.sources)}
    own = d.label(lang)
    types = d.types
    kind = next((PAGE_TYPES[t][0] for t in types if PAGE_TYPES.get(t, (None,))[0]), "autre")
    facts = [(predicate, [s for s in d.values(predicate)]) for predicate in KEY_FACTS if d.values(predicate)]

    def first_link(predicate: str) -> dict[str, Any] | None:
        """The first linked thing of ``predicate`` (the région of a territory…), or None."""
        for statement in d.values(predicate):
            if isinstance(statement.value, NamedNode):
                return link(statement.value.value, statement.labels)
        return None

    members = [m for m in d.memberships if m.direction == "members"]
    member_of = [m for m in d.memberships if m.direction == "member-of"]
    sites: dict[str, dict[str, Any]] = {}
    for row in d.sites:
        entry = sites.setdefault(row.site.value, {"link": link(row.site.value, {"fr": row.label} if row.label else None),
                                                  "waves": []})
        if row.vague:
            entry["waves"].append({"link": link(row.vague, {"fr": row.vague_label} if row.vague_label else None),
                                   "date": row.date, "possible": row.possible})
    current_args = _kept_args(drop=("format", "page"))

    def page_href(n: int) -> str:
        return _doc_url(d.path, None, **current_args, **({"page": n} if n > 1 else {}))

    return {
        "d": d, "kind": kind, "link": link, "term": term, "own_label": own, "facts": facts,
        "type_links": [link(t) for t in types], "first_link": first_link, "members": members, "member_of": member_of,
        "sites": list(sites.values()), "source_index": source_index, "base": base,
        # Incoming links from memberships are the rows of the membership tables: not twice.
        "incoming_rows": [i for i in d.incoming if i.subject.value not in d.membership_iris],
        "downloads": [(f, _doc_url(d.path, f.key, **_kept_args())) for f in OFFERS],
        "page_href": page_href, "jsonld": json_for_script(_schema_org(d, base, own, link)),
        "geojson_url": geojson_url(d.iri), "short": lambda iri: _short(iri, base),
        "val": val, "num": num, "tid": PREFIXES["tid"],
    }


def _short(iri: str, base: str) -> str:
    """A readable short form of an IRI with no name: the thing's path, or a prefixed name."""
    path = thing_path(iri, base)
    if path is not None:
        return path
    if iri.startswith(base):
        return iri[len(base):]
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _schema_org(d: Description, base: str, own: tuple[str, str] | None, link: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """The schema.org description search engines read."""
    kind = next((PAGE_TYPES[t][1] for t in d.types if t in PAGE_TYPES), "Thing")
    data: dict[str, Any] = {"@context": "https://schema.org/", "@type": kind, "@id": d.iri,
                            "url": base + "doc/" + d.path}
    if own:
        data["name"] = own[0]
    identifiers = [s.value.value for p in (PREFIXES["igeo"] + "codeINSEE", PREFIXES["tid"] + "siren", PREFIXES["tid"] + "idTi")
                   for s in d.values(p) if hasattr(s.value, "value")]
    if identifiers:
        data["identifier"] = identifiers[0] if len(identifiers) == 1 else identifiers
    places = []
    for predicate in (PREFIXES["tid"] + "commune", PREFIXES["tid"] + "departement", PREFIXES["tid"] + "region"):
        for statement in d.values(predicate):
            if not isinstance(statement.value, NamedNode):
                continue
            target = link(statement.value.value, statement.labels)
            places.append({"@type": "AdministrativeArea", "@id": statement.value.value, "name": target["text"]})
    if places:
        data["containedInPlace"] = places
    return data
