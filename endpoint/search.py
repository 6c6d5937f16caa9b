"""Finding things by name or code: ``/search`` (labels and identifiers).

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
                  "phase": null, "code": "64300", "millesimes": ["2020", "2023", "2026"], "departement": "64",
                  "score": 100,
                  "url": "http://…/doc/commune/64300",
                  "matched": {"field": "label", "value": "Lacq"}}],
     "next": null, "previous": null}

``phase`` is a territory's programme phase (``2018-2023``, ``2023-2027``: ANCT reused names and
codes between phases), ``null`` for other things; ``millesimes`` the COG vintages that list a
commune or an EPCI (its validity, which tells homonyms apart: the "Métropole Européenne de Lille"
of 2020, 245900410, is not the one of 2023 and 2026, 200093201), empty for other things;
``departement`` a commune's département code (four communes are named "Saint-Denis"), ``null``
for other things; ``code`` the code that names a commune (INSEE), an EPCI (SIREN) or a territory
(id_ti), ``null`` for other things; ``url``
is the absolute URL of the thing's page
on this server; ``matched.field`` is ``label``, ``alt-label``, ``code-insee``, ``code-postal``,
``siren`` or ``id-ti``. Paging links are also in ``Link`` headers (``rel="next"``, ``rel="prev"``).

``/resolve`` (the identifier crosswalk) is :mod:`tid.endpoint.resolve`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for

from tid.endpoint import conneg
from tid.endpoint.html import page_language, render_page
from tid.endpoint.http import PAGE_FORMAT, Body, choose, negotiated, single_value
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


# the kinds of things whose IRI ends with the code that names them (INSEE, SIREN, id_ti)
CODED_TYPES = frozenset({"commune", "epci", "territoire"})

def _positive(name: str, default: int, maximum: int | None = None) -> int:
    raw = single_value(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,6}", raw) or int(raw) < 1:
        raise Problem("invalid-parameter", f"{name}={raw!r} is not a positive whole number. / {name}={raw!r} "
                      "n'est pas un entier positif.")
    value = int(raw)
    if maximum is not None and value > maximum:
        raise Problem("invalid-parameter", f"{name}={value} is larger than {maximum}. / {name}={value} dépasse "
                      f"{maximum}.")
    return value


def _types() -> list[str]:
    wanted: list[str] = []
    for raw in request.args.getlist("type"):
        for key in (part.strip().lower() for part in re.split(r"[,|]", raw)):
            if not key:
                continue
            if key not in TYPES_BY_KEY:
                known = ", ".join(t.key for t in TYPES)
                raise Problem("invalid-parameter", f"type={key!r} is not a type of thing; the types are {known}. / "
                              f"type={key!r} n'est pas un type de chose ; les types sont {known}.")
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
            "phase": hit.entry.phase.rsplit("/", 1)[-1] if hit.entry.phase else None,
            "code": hit.entry.iri.rsplit("/", 1)[-1] if hit.entry.type in CODED_TYPES else None,
            "millesimes": list(hit.entry.vintages), "departement": hit.entry.departement, "score": hit.score,
            "url": url, "matched": {"field": hit.field, "value": hit.value}}


@bp.get("/search")
def search() -> Response:
    """The search page (HTML) or answer (JSON); see the module docstring for parameters."""
    fmt = choose(OFFERS, called=PAGE_FORMAT)
    query = (single_value("q") or "").strip()
    types = _types()
    page = _positive("page", 1)
    limit = _positive("limit", DEFAULT_LIMIT, MAX_LIMIT)
    if len(query) > MAX_QUERY_LENGTH:
        raise Problem("invalid-parameter", f"q is {len(query)} characters long; the search takes at most "
                      f"{MAX_QUERY_LENGTH}. / q fait {len(query)} caractères ; la recherche en prend au plus "
                      f"{MAX_QUERY_LENGTH}.")
    json_wanted = fmt is conneg.JSON
    if json_wanted and not query:
        raise Problem("invalid-parameter", "q is required: the words or the code to look for (?q=lacq, ?q=64300). / "
                      "q est requis : les mots ou le code à chercher (?q=lacq, ?q=64300).")
    if json_wanted and not tokens(query):
        raise Problem("invalid-parameter", f"q={query!r} has no letter or digit to look for. / q={query!r} n'a ni "
                      "lettre ni chiffre à chercher.")
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
