"""What every answer of the endpoint shares: formats chosen, ETags, 304, cache headers.

:func:`negotiated` is the one way a page, the catalogue, VoID, the changelog, the ontology or the
list of named queries answers: choose the format among the route's offers (``format=`` or
``Accept``; or the one its address names), 400 for a ``format=`` that names no format, 406 that
lists the available ones, the weak ETag (the HTML variant's includes the page's language) and 304
on ``If-None-Match``, the body drawn only when it is needed, ``X-TID-Release`` and the cache
headers. The SPARQL protocol (:mod:`tid.endpoint.protocol`) uses the same pieces around its pool.

Every message is bilingual, English then French, as the problem types' titles are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, request

from tid.endpoint import conneg
from tid.endpoint.html import page_language
from tid.endpoint.live import current_release
from tid.endpoint.problem import Problem

Body = bytes | str | Response
"""What a route draws: the bytes (or text) of the chosen format, or a whole response (a page)."""


EXPOSED_HEADERS = "ETag, Retry-After, X-TID-Truncated, X-TID-Release, X-TID-Rows, Server-Timing, Cache-Status, Link"
"""The response headers a script on another origin may read (CORS), on every answer."""

@dataclass(frozen=True)
class Called:
    """What the formats of an answer are called in messages, in English and in French."""

    en: str
    fr: str


ANY_FORMAT = Called("format", "format")
RDF_FORMAT = Called("RDF format", "format RDF")
PAGE_FORMAT = Called("format of this page", "format de cette page")
DOCUMENT_FORMAT = Called("format of this document", "format de ce document")


def etag(parts: Sequence[Any]) -> str:
    """A stable tag of what an answer depends on (the release, the format, the parameters…)."""
    return hashlib.sha256(json.dumps(list(parts), ensure_ascii=False, default=str).encode()).hexdigest()[:40]


def cache_headers(response: Response, tag: str | None) -> Response:
    if tag:
        response.set_etag(tag, weak=True)
    response.vary.add("Accept")
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['CACHE_MAX_AGE']}"
    return response


def not_modified(tag: str) -> Response | None:
    """304 (GET, HEAD) or 412 (other methods) when ``If-None-Match`` matches ``tag``."""
    if not request.if_none_match or not request.if_none_match.contains_weak(tag):
        return None
    if request.method not in ("GET", "HEAD"):
        raise Problem("precondition-failed", "If-None-Match matches the current result of this query.")
    response = cache_headers(Response(status=304), tag)
    del response.headers["Content-Type"]
    return response


def not_acceptable(offers: Sequence[conneg.Format]) -> Problem:
    """406, listing the media types (``available``) and the ``format=`` names of ``offers``."""
    available = conneg.media_types(offers)
    names = "|".join(f.key for f in offers)
    return Problem("not-acceptable", "No format the request accepts is available for this result. "
                   f"Available: {', '.join(available)} (or format={names}). / Aucun des formats que la requête "
                   f"accepte n'est disponible pour ce résultat. Disponibles : {', '.join(available)} "
                   f"(ou format={names}).", available=available)


def unknown_format(value: str, offers: Sequence[conneg.Format], called: Called = ANY_FORMAT) -> Problem:
    """400: ``format=value`` names no format at all (a typo, not a mismatch)."""
    return Problem("invalid-parameter", f"format={value} names no {called.en}. / format={value} ne désigne aucun "
                   f"{called.fr}.", available=conneg.media_types(offers))


def single_value(name: str) -> str | None:
    """The one value of the request's parameter ``name`` (None when absent); 400 when it is repeated."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise Problem("invalid-parameter", f"{name} is given {len(values)} times; give it once. / "
                      f"{name} est donné {len(values)} fois ; donnez-le une seule fois.")
    return values[0] if values else None


def format_values() -> list[str]:
    """The ``format`` parameters of the request (what overrides ``Accept``)."""
    return request.args.getlist("format")


def choose(offers: Sequence[conneg.Format], *, called: Called = ANY_FORMAT,
           values: Sequence[str] | None = None) -> conneg.Format:
    """The format of ``offers`` the request asks for (``values``, by default ``format=``, else
    ``Accept``); 400 when a value names no format, 406 when none of ``offers`` is acceptable."""
    values = format_values() if values is None else values
    try:
        chosen = conneg.choose(request.accept_mimetypes, values, offers)
    except conneg.UnknownFormat as exc:
        raise unknown_format(str(exc), offers, called) from None
    if chosen is not None:
        return chosen
    if values:
        available = conneg.media_types(offers)
        given = ", ".join(values)
        raise Problem("not-acceptable", f"format={given} names none of the formats available here: "
                      f"{', '.join(available)}. / format={given} ne désigne aucun des formats disponibles ici : "
                      f"{', '.join(available)}.", available=available)
    raise not_acceptable(offers)


def negotiated(offers: Sequence[conneg.Format] | conneg.Format, draw: Callable[[conneg.Format], Body], *,
               tag: Sequence[Any], called: Called = ANY_FORMAT, values: Sequence[str] | None = None) -> Response:
    """Answer the request in the format it chooses among ``offers`` (a single format: that one,
    without negotiation, for an address that names its format or a page that has only one).

    ``tag``: what the answer depends on besides its format (and, for HTML, the page's language),
    the release's id included when it depends on the release; a matching ``If-None-Match`` gets
    304 before anything is drawn. ``draw(format)`` returns the body, or a whole response (an HTML
    page from :func:`tid.endpoint.html.render_page`). The caller adds what is its own
    (``Content-Location``, ``Link``…) to the response, 304 included.
    """
    fmt = offers if isinstance(offers, conneg.Format) else choose(offers, called=called, values=values)
    parts = [*tag, fmt.key, page_language()] if fmt is conneg.HTML else [*tag, fmt.key]
    full_tag = etag(parts)
    cached = not_modified(full_tag)
    if cached is not None:
        return cached
    body = draw(fmt)
    response = body if isinstance(body, Response) else Response(body, content_type=fmt.content_type)
    response.headers["X-TID-Release"] = current_release().id
    return cache_headers(response, full_tag)
