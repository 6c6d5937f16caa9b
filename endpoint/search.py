"""Finding things: ``/search`` (labels and identifiers) and ``/resolve`` (identifier crosswalk).

``/search?q=…`` looks the query up in the release's search index (:mod:`tid.endpoint.search_index`:
accent- and case-insensitive, labels in every language and identifiers, ranked). Parameters:

* ``q`` (required for JSON; at most 200 characters);
* ``type``: keep one type (``territoire``, ``commune``, ``epci``, ``site``…; repeat it, or separate
  types with ``,`` or ``|``, for several); the facets count every type whatever the filter;
* ``page`` (from 1) and ``limit`` (1–100, default 20);
* ``format=json|html``, else ``Accept`` (``text/html`` first, ``application/json``).

The JSON answer has a stable shape::

    {"query": "lacq", "total": 3, "page": 1, "limit": 20, "types": [],
     "facets": [{"type": "commune", "label": "Communes", "count": 3}],
     "results": [{"iri": "https://…/id/commune/64300", "label": "Lacq", "type": "commune",
                  "phase": null, "score": 100, "url": "http://…/doc/commune/64300",
                  "matched": {"field": "label", "value": "Lacq"}}],
     "next": null, "previous": null}

``phase`` is a territory's programme phase (``2018-2023``, ``2023-2027``: ANCT reused names and
codes between phases), ``null`` for other things; ``url`` is the absolute URL of the thing's page
on this server; ``matched.field`` is ``label``, ``alt-label``, ``code-insee``, ``code-postal``,
``siren`` or ``id-ti``. Paging links are also in ``Link`` headers (``rel="next"``, ``rel="prev"``).

``/resolve?{identifier}={value}`` answers 303 See Other to the local ``/id/…`` URL of the thing
an official identifier names, with ``Link: <IRI>; rel="canonical"``. Exactly one of:

* ``insee``: a commune's INSEE code (``77288``, ``2A004``);
* ``siren``: a SIREN (nine digits, Luhn checksum) of an EPCI, a commune or a company;
* ``id_ti``: a territory's ANCT code (``ti-1107``), with optional ``phase`` (``2018-2023``,
  ``2023-2027``);
* ``code_departement`` (``77``, ``2A``, ``974``), ``code_region`` (``11``).

ANCT reused territory codes between phases with another meaning (``ti-1107`` is "Nord Est 77 -
Meaux" in 2018-2023 and "Melun – Villaroche" in 2023-2027). Without ``phase``, a code that names
territories of several phases answers **300 Multiple Choices**: the body lists them, ``Link``
headers give each one (``rel="alternate"``), and ``Location`` is the territory of the latest
phase, the one a code means today. With ``phase``, the answer is a 303 to that phase's territory.
A code of a single phase answers 303 directly.

Errors are problem details: 400 ``invalid-parameter`` for a malformed value (a SIREN failing
its checksum), no identifier, two identifiers, or an unknown parameter; 404 ``not-found`` for a
well-formed identifier that names nothing in the data.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from pyoxigraph import Literal, NamedNode, Store

from tid.endpoint import conneg
from tid.endpoint.html import page_language, render_page
from tid.endpoint.http import PAGE_FORMAT, Body, choose, negotiated
from tid.endpoint.live import Release, current_release
from tid.endpoint.problem import Problem
from tid.endpoint.search_index import (
    MAX_QUERY_LENGTH,
    TYPES,
    TYPES_BY_KEY,
    Hit,
    search_index,
    tokens,
    warm_up,
)
from tid.endpoint.urls import external_url, page_url, thing_path
from tid.graph.queries import load_query
from tid.namespaces import IGEO, RDF, RDFS, TID

bp = Blueprint("search", __name__)

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
OFFERS = (conneg.HTML, conneg.JSON)


@bp.before_app_request
def _warm_up_the_index() -> None:
    """Any request of a process starts building the search index of the release it serves, in
    the background (once per release), unless ``SEARCH_WARM_UP`` is false."""
    if current_app.config.get("SEARCH_WARM_UP", True):
        warm_up(current_release())


def _one(name: str) -> str | None:
    """The single value of parameter ``name`` (None when absent); 400 when it is repeated."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise Problem("invalid-parameter", f"Give {name} once (it was given {len(values)} times).")
    return values[0] if values else None


def _positive(name: str, default: int, maximum: int | None = None) -> int:
    raw = _one(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,6}", raw) or int(raw) < 1:
        raise Problem("invalid-parameter", f"{name}={raw!r} is not a positive whole number.")
    value = int(raw)
    if maximum is not None and value > maximum:
        raise Problem("invalid-parameter", f"{name}={value} is larger than {maximum}.")
    return value


def _types() -> list[str]:
    wanted: list[str] = []
    for raw in request.args.getlist("type"):
        for key in (part.strip().lower() for part in re.split(r"[,|]", raw)):
            if not key:
                continue
            if key not in TYPES_BY_KEY:
                raise Problem("invalid-parameter", f"type={key!r} is not a type of thing; the types are "
                              f"{', '.join(t.key for t in TYPES)}.")
            if key not in wanted:
                wanted.append(key)
    return wanted


def _search_url(query: str, types: list[str], page: int, limit: int, *, external: bool, lang: str | None = None,
                fmt: str | None = None) -> str:
    args: dict[str, Any] = {"q": query}
    if types:
        args["type"] = ",".join(types)
    if page != 1:
        args["page"] = page
    if limit != DEFAULT_LIMIT:
        args["limit"] = limit
    if fmt:
        args["format"] = fmt
    if lang and lang != "fr":
        args["lang"] = lang
    return external_url("search.search", **args) if external else url_for("search.search", **args)


def _result(hit: Hit, base: str, lang: str, *, external: bool) -> dict[str, Any]:
    path = thing_path(hit.entry.iri, base)
    if path is None:
        url = hit.entry.iri
    elif external:
        url = external_url("resources.document", path=path)
    else:
        url = page_url(hit.entry.iri, base) or hit.entry.iri
    return {"iri": hit.entry.iri, "label": hit.entry.label(lang), "type": hit.entry.type,
            "phase": hit.entry.phase.rsplit("/", 1)[-1] if hit.entry.phase else None, "score": hit.score,
            "url": url, "matched": {"field": hit.field, "value": hit.value}}


@bp.get("/search")
def search() -> Response:
    """The search page (HTML) or answer (JSON); see the module docstring for parameters."""
    fmt = choose(OFFERS, called=PAGE_FORMAT)
    query = (_one("q") or "").strip()
    types = _types()
    page = _positive("page", 1)
    limit = _positive("limit", DEFAULT_LIMIT, MAX_LIMIT)
    if len(query) > MAX_QUERY_LENGTH:
        raise Problem("invalid-parameter", f"q is {len(query)} characters long; the search takes at most "
                      f"{MAX_QUERY_LENGTH}.")
    json_wanted = fmt is conneg.JSON
    if json_wanted and not query:
        raise Problem("invalid-parameter", "q is required: the words or the code to look for (?q=lacq, ?q=64300).")
    if json_wanted and not tokens(query):
        raise Problem("invalid-parameter", f"q={query!r} has no letter or digit to look for.")
    release = current_release()
    lang = page_language()
    links: list[str] = []
    response = negotiated(fmt, lambda fmt: _draw(fmt, release, query, types, page, limit, lang, links),
                          tag=[release.id, "search", query, types, page, limit, lang])
    if links and response.status_code == 200:
        response.headers["Link"] = ", ".join(links)
    return response


def _draw(fmt: conneg.Format, release: Release, query: str, types: list[str], page: int, limit: int, lang: str,
          links: list[str]) -> Body:
    """The search answer (JSON) or page (HTML); the paging links go to ``links``."""
    json_wanted = fmt is conneg.JSON
    context: dict[str, Any] = {"query": query, "types": types, "page": page, "limit": limit}
    body: dict[str, Any] | None = None
    if query and tokens(query):
        index = search_index(release)
        found = index.search(query, frozenset(types) if types else None)
        total = len(found.hits)
        start = (page - 1) * limit
        shown = found.hits[start:start + limit]
        has_next = start + limit < total
        has_previous = page > 1 and total > 0
        next_url = _search_url(query, types, page + 1, limit, external=json_wanted, lang=lang,
                               fmt="json" if json_wanted and request.args.get("format") else None) if has_next else None
        previous_page = min(page - 1, max(1, -(-total // limit)))
        previous_url = _search_url(query, types, previous_page, limit, external=json_wanted, lang=lang,
                                   fmt="json" if json_wanted and request.args.get("format") else None) \
            if has_previous else None
        for url, rel in ((next_url, "next"), (previous_url, "prev")):
            if url:
                links.append(f"<{url}>; rel=\"{rel}\"")
        facets = [{"type": key, "label": _type_name(key, lang, plural=True), "count": count}
                  for key, count in found.facets]
        results = [_result(hit, release.base, lang, external=json_wanted) for hit in shown]
        body = {"query": query, "total": total, "page": page, "limit": limit, "types": types, "facets": facets,
                "results": results, "next": next_url, "previous": previous_url}
        context.update(searched=True, total=total, facets=[
            {**f, "url": _search_url(query, [f["type"]], 1, limit, external=False, lang=lang),
             "selected": f["type"] in types} for f in facets],
            all_url=_search_url(query, [], 1, limit, external=False, lang=lang),
            results=[{**r, "type_name": _type_name(r["type"], lang),
                      "field_name": FIELD_NAMES.get(r["matched"]["field"], ("", ""))[0 if lang == "fr" else 1]}
                     for r in results],
            next_url=next_url, previous_url=previous_url, first=start + 1, last=start + len(shown))
    else:
        context.update(searched=False, unsearchable=bool(query))

    if json_wanted:
        assert body is not None
        return json.dumps(body, ensure_ascii=False, indent=1) + "\n"
    return render_page("search.html", **context)


FIELD_NAMES = {"code-insee": ("code INSEE", "INSEE code"), "code-postal": ("code postal", "postal code"),
               "siren": ("SIREN", "SIREN"), "id-ti": ("id_ti", "id_ti")}


def _type_name(key: str, lang: str, *, plural: bool = False) -> str:
    kind = TYPES_BY_KEY[key]
    if plural:
        return kind.fr_plural if lang == "fr" else kind.en_plural
    return kind.fr if lang == "fr" else kind.en


# -- /resolve ---------------------------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum SIREN numbers carry (``200040392`` passes, ``200040393`` does not)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# parameter -> (pattern, what it is, property, classes a match may have: any when empty)
IDENTIFIERS: dict[str, tuple[re.Pattern[str], str, NamedNode, tuple[NamedNode, ...]]] = {
    "insee": (re.compile(r"^(?:[0-9]{5}|2[AB][0-9]{3})$"), "an INSEE commune code (five characters: 77288, 2A004)",
              IGEO.codeINSEE, (IGEO.Commune,)),
    "siren": (re.compile(r"^[0-9]{9}$"), "a SIREN number (nine digits)", TID.siren, ()),
    "id_ti": (re.compile(r"^ti-[0-9]{4}$"), "a Territoire d'industrie code (ti- and four digits: ti-1107)",
              TID.idTi, (TID.TerritoireIndustrie,)),
    "code_departement": (re.compile(r"^(?:0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-46])$"),
                         "a département code (01–95 without 20, 2A, 2B, 971–974, 976)", IGEO.codeINSEE, (IGEO.Departement,)),
    "code_region": (re.compile(r"^[0-9]{2}$"), "a région code (two digits: 11, 84)", IGEO.codeINSEE, (IGEO.Region,)),
}
PHASE = re.compile(r"^[0-9]{4}-[0-9]{4}$")
RESOLVE_EXTRAS = {"phase", "lang", "format"}


def _clean(name: str, raw: str) -> str:
    value = raw.strip()
    if name in ("insee", "code_departement"):
        value = value.upper()
    if name == "id_ti":
        value = value.lower()
    if name == "siren":
        value = value.replace(" ", "")
    return value


@dataclass(frozen=True)
class Candidate:
    """What /resolve needs to know of a thing an identifier names."""

    iri: str
    classes: frozenset[str]
    labels: dict[str, str]
    phase: str | None
    phase_start: str

    def label(self, lang: str) -> str:
        for wanted in (lang, "fr", "", "en"):
            if wanted in self.labels:
                return self.labels[wanted]
        return next(iter(self.labels.values()), self.iri.rsplit("/", 1)[-1])


def _candidate(store: Store, iri: str) -> Candidate:
    """Classes, labels and phase (with its start) of ``iri``, read from the store's indexes."""
    node = NamedNode(iri)
    classes = frozenset(q.object.value for q in store.quads_for_pattern(node, RDF.type, None, None))
    labels: dict[str, str] = {}
    for quad in store.quads_for_pattern(node, RDFS.label, None, None):
        if isinstance(quad.object, Literal):
            labels.setdefault(quad.object.language or "", quad.object.value)
    phase = next((q.object for q in store.quads_for_pattern(node, TID.phase, None, None)
                  if isinstance(q.object, NamedNode)), None)
    start = ""
    if phase is not None:
        start = max((q.object.value for q in store.quads_for_pattern(phase, TID.dateDebut, None, None)), default="")
    return Candidate(iri, classes, labels, phase.value if phase is not None else None, start)


def id_url(iri: str, base: str) -> str:
    """The local ``/id/…`` URL of a thing of the dataset (the address that answers 303 to its page)."""
    path = thing_path(iri, base)
    if path is None:
        return iri
    return url_for("resources.thing", path=path)


@bp.get("/resolve")
def resolve() -> Response:
    """303 from an official identifier to our IRI's local address; see the module docstring."""
    unknown = sorted(set(request.args) - set(IDENTIFIERS) - RESOLVE_EXTRAS)
    if unknown:
        raise Problem("invalid-parameter", f"/resolve has no parameter {', '.join(unknown)}; use one of "
                      f"{', '.join(IDENTIFIERS)} (and phase with id_ti).")
    given = [name for name in IDENTIFIERS if name in request.args]
    if not given:
        raise Problem("invalid-parameter", f"Give one identifier: {', '.join(f'{n}=…' for n in IDENTIFIERS)}.")
    if len(given) > 1:
        raise Problem("invalid-parameter", f"Give one identifier at a time (got {', '.join(given)}).")
    name = given[0]
    raw = _one(name) or ""
    pattern, what, prop, classes = IDENTIFIERS[name]
    value = _clean(name, raw)
    if not pattern.match(value):
        raise Problem("invalid-parameter", f"{name}={raw!r} is not {what}.")
    if name == "siren" and not luhn_valid(value):
        raise Problem("invalid-parameter", f"siren={raw!r} fails the SIREN checksum (Luhn): a digit is wrong.")
    phase = _one("phase")
    if phase is not None:
        if name != "id_ti":
            raise Problem("invalid-parameter", "phase only goes with id_ti.")
        if not PHASE.match(phase.strip()):
            raise Problem("invalid-parameter", f"phase={phase!r} is not a phase such as 2018-2023 or 2023-2027.")
        phase = phase.strip()

    release = current_release()
    named = load_query("search-resolve")
    found = {
        solution["thing"].value
        for solution in release.store.query(named.text, use_default_graph_as_union=True,
                                            substitutions=named.substitutions({"property": prop.value, "code": value}))
    }
    wanted = {c.value for c in classes}
    things: dict[str, Candidate] = {}
    for iri in sorted(found):
        if thing_path(iri, release.base) is None:
            continue
        candidate = _candidate(release.store, iri)
        if wanted and not wanted & candidate.classes:
            continue
        if phase is not None and not (candidate.phase or "").rstrip("/").endswith("/" + phase):
            continue
        things[iri] = candidate
    if not things:
        described = f"{name}={value}" + (f" in phase {phase}" if phase else "")
        raise Problem("not-found", f"Nothing in the data has {described}.", identifier=name, value=value)
    lang = page_language()
    if len(things) == 1:
        iri = next(iter(things))
        response = Response(status=303)
        response.headers["Location"] = id_url(iri, release.base)
        response.headers["Link"] = f"<{iri}>; rel=\"canonical\""
        response.headers["X-TID-Release"] = release.id
        response.headers["Cache-Control"] = f"public, max-age={current_app.config['CACHE_MAX_AGE']}"
        return response
    return _multiple_choices(name, value, things, release, lang)


def _multiple_choices(name: str, value: str, things: dict[str, Candidate], release: Any, lang: str) -> Response:
    """300: the identifier names several things (an id_ti in several phases, a shared SIREN)."""
    choices = [{"iri": iri, "label": c.label(lang), "phase": c.phase.rsplit("/", 1)[-1] if c.phase else None,
                "start": c.phase_start, "url": id_url(iri, release.base)} for iri, c in things.items()]
    choices.sort(key=lambda c: (c["start"], c["iri"]), reverse=True)
    preferred = choices[0]
    detail = (f"{name}={value} names {len(choices)} things"
              + (": ANCT reused this code between phases. Location is the territory of the latest phase; "
                 "add phase=… to choose." if name == "id_ti" else "."))
    fmt = conneg.negotiate(request.accept_mimetypes, (conneg.JSON, conneg.HTML))
    payload = {"identifier": name, "value": value, "detail": detail,
               "choices": [{k: c[k] for k in ("iri", "label", "phase", "url")} for c in choices]}
    if fmt is conneg.HTML:
        response = render_page("search.html", status=300, query="", types=[], searched=False, choices=payload)
    else:
        response = Response(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", status=300,
                            content_type="application/json; charset=utf-8")
    response.headers["Location"] = preferred["url"]
    response.headers["Link"] = ", ".join(f"<{c['url']}>; rel=\"alternate\"" for c in choices)
    response.headers["X-TID-Release"] = release.id
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept")
    return response

