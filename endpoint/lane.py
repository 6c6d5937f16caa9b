"""The lookup lane: a WSGI layer in front of Flask that answers the cheapest SPARQL requests itself.

A ``GET /sparql?query=…`` whose query is a bounded lookup (:attr:`QueryShape.bounded`: one
triple pattern on a named subject) is answered here, over the store the server process holds
open, with the same bytes and the same headers, in the same order, as the Flask view gives
(:func:`tid.endpoint.protocol.answer` and the app's ``after_request`` hooks: Content-Type,
Content-Length, X-TID-*, Server-Timing, Cache-Status, ETag, Vary, Cache-Control, nosniff,
CORS). Routing, the request and response objects, the context locals and the hooks cost about
as much as the engine does for such a lookup; the lane skips them.

Anything else goes to Flask, which answers it as always: another method, path or parameter
(``format``, ``default-graph-uri``…), ``If-None-Match``, a query string that is not plain
ASCII, a query that is not bounded (or too long, empty, an update…), an ``Accept`` nothing
bounded can answer, remote mode, an answer already in the answer cache (Flask serves it by its
ETag), and every answer that is not a plain success (an error, a cut CSV or TSV): the lane gives
up before writing anything and Flask runs the request again, so every error has one source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_plus

from flask import Flask

from tid.endpoint import protocol, result_cache
from tid.endpoint.analysis import MAX_NESTING
from tid.endpoint.evaluate import Status, run_job
from tid.endpoint.http import EXPOSED_HEADERS
from tid.endpoint.live import live_of
from tid.endpoint.result_cache import result_cache_of
from tid.endpoint.urls import endpoint_url

PATHS = frozenset({"/sparql", "/sparql/"})
# A query string the lane reads as werkzeug would: ASCII, and every % a valid escape of an ASCII byte.
_PLAIN = re.compile(r"(?:[^%&=]|%[0-7][0-9a-fA-F])*")
URLS_KEPT = 256

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class LookupLane:
    """WSGI middleware: bounded lookups answered without entering Flask; the rest passed on."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp):
        self.app = app
        self.wsgi_app = wsgi_app
        self._urls: dict[tuple, tuple[str, str] | None] = {}
        self.stats = {"answered": 0, "passed": 0}
        self.exposed = EXPOSED_HEADERS

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        answered = None
        if (environ.get("REQUEST_METHOD") == "GET" and environ.get("PATH_INFO") in PATHS
                and "HTTP_IF_NONE_MATCH" not in environ):
            try:
                answered = self._answer(environ)
            except Exception:  # noqa: BLE001 - Flask runs it again and answers the failure (a logged 500)
                environ.pop(result_cache.ENVIRON_KEY, None)
                answered = None
        if answered is None:
            self.stats["passed"] += 1
            return self.wsgi_app(environ, start_response)
        headers, body = answered
        self.stats["answered"] += 1
        start_response("200 OK", headers)
        return [body]

    def _query(self, environ: dict[str, Any]) -> str | None:
        """The query of a query string that holds ``query=…`` and nothing else, or None."""
        raw = environ.get("QUERY_STRING", "")
        if not raw.startswith("query=") or "&" in raw or not raw.isascii():
            return None
        value = raw[6:]
        if not _PLAIN.fullmatch(value):
            return None
        return unquote_plus(value)

    def _request_urls(self, environ: dict[str, Any]) -> tuple[str, str] | None:
        """(the endpoint's URL, the page a cut result links to) for this request's scheme, host
        and root, as Flask builds them; None when Flask could not (a host it cannot read)."""
        key = (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SERVER_NAME"),
               environ.get("SERVER_PORT"), environ.get("SCRIPT_NAME"))
        try:
            return self._urls[key]
        except KeyError:
            pass
        from flask.globals import request_ctx

        with self.app.request_context(dict(environ)):
            urls = (endpoint_url(), protocol._truncation_link()) if request_ctx.url_adapter is not None else None
        if len(self._urls) >= URLS_KEPT:
            self._urls.clear()
        self._urls[key] = urls
        return urls

    def _answer(self, environ: dict[str, Any]) -> tuple[list[tuple[str, str]], bytes] | None:
        query = self._query(environ)
        if query is None:
            return None
        config = self.app.config
        if len(query) > config["MAX_QUERY_LENGTH"] or not query.strip():
            return None
        shape = protocol._analyse(query)
        if not shape.bounded or shape.depth > MAX_NESTING or shape.is_update or shape.services:
            return None
        solutions_format, _, unknown = protocol._negotiate(environ.get("HTTP_ACCEPT", ""), (), True, False)
        if solutions_format is None or unknown is not None:
            return None
        release = live_of(self.app).release
        if release.backend is not None:
            return None
        urls = self._request_urls(environ)
        if urls is None:
            return None
        if config.get("SEARCH_WARM_UP", True):  # what the search blueprint does before every request
            from tid.endpoint.search_index import warm_up

            warm_up(release)
        tag = protocol.answer_tag(config, release.id, "sparql", query, solutions_format, None, (), (), (), urls[0],
                                  False)
        results = result_cache_of(self.app)
        if results.enabled and results.get(release.id, tag) is not None:
            return None  # Flask serves the stored answer (and remembers this spelling of the request)
        job = protocol._job(release, query, shape, (None, None, False), (), solutions_format, None,
                            config["MAX_ROWS"], config["MAX_BYTES"], urls)
        outcome = run_job(job, {job.store_path: release.store})
        if outcome.status is not Status.OK or outcome.format is None or (
                outcome.truncated and outcome.format.key in protocol.CUT_SILENTLY):
            return None
        body = outcome.body
        headers = [("Content-Type", outcome.format.content_type), ("Content-Length", str(len(body))),
                   ("X-TID-Release", release.id), ("X-TID-Rows", str(outcome.rows)),
                   ("Server-Timing", f"query;dur={outcome.elapsed * 1000:.1f}")]
        if outcome.truncated:
            headers.append(("X-TID-Truncated", outcome.truncated))
        if results.enabled:
            keep = not outcome.truncated and result_cache.admits(results, len(body))
            headers.append(("Cache-Status", result_cache.MISS_STORED if keep else result_cache.MISS))
            if keep:
                environ[result_cache.ENVIRON_KEY] = (release.id, tag, False)
        headers += [("ETag", f'W/"{tag}"'), ("Vary", "Accept"),
                    ("Cache-Control", f"public, max-age={config['CACHE_MAX_AGE']}"),
                    ("X-Content-Type-Options", "nosniff"), ("Access-Control-Allow-Origin", "*"),
                    ("Access-Control-Expose-Headers", self.exposed)]
        return headers, body

