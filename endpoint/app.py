"""The app factory: :func:`create_app` (what it does and the routes it serves are told in
:mod:`tid.endpoint`, which calls it)."""


from __future__ import annotations

import atexit
import re
import urllib.parse
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from tid.endpoint import (
    catalog_route,
    changes,
    citation,
    errors,
    geo,
    home,
    html,
    named_queries,
    ontology_docs,
    openapi,
    query_page,
    resolve,
    resources,
    search,
    sparql,
    void,
)
from tid.endpoint.http import EXPOSED_HEADERS
from tid.endpoint.live import Live, install
from tid.endpoint.pool import QueryPool
from tid.endpoint.problem import Problem
from tid.endpoint.settings import NAMES, Settings
from tid.graph.store import DataDir


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask("tid.endpoint")  # its name (logger, root path) is the package's
    app.config.update(Settings.read(config).as_config())
    app.config.update({key: value for key, value in (config or {}).items() if key not in NAMES})  # Flask's (TESTING…)
    app.config["JSON_AS_ASCII"] = False

    data_dir = DataDir(Path(app.config["DATA_DIR"]).resolve())
    release = data_dir.current_release()
    backend = app.config["BACKEND_URL"]
    pool = QueryPool(
        app.config["MAX_CONCURRENT_QUERIES"],
        start_method=app.config["WORKER_START_METHOD"],
        memory_mb=app.config["WORKER_MEMORY_MB"],
        preload=str(release / "store") if release and not backend else None,
    )
    live = Live(data_dir, pool, app.config["RELEASE_CHECK_INTERVAL"], backend=backend,
                timeout=app.config["QUERY_TIMEOUT"])
    install(app, live)
    weakref.finalize(app, live.close)
    atexit.register(live.close)

    for blueprint in (sparql.bp, named_queries.bp, void.bp, query_page.bp, html.bp, home.bp, search.bp, resolve.bp,
                      ontology_docs.bp, resources.bp, geo.bp, catalog_route.bp, changes.bp, openapi.bp,
                      citation.bp):
        app.register_blueprint(blueprint)
    errors.init_app(app)
    app.before_request(_utf8_query_string)
    app.after_request(_cors)
    app.after_request(_safety_headers)
    proxies = app.config["TRUST_PROXY_HEADERS"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies)
    return app


# A percent-escape of a byte outside ASCII (0x80-0xFF): only then can the decoded bytes be other than UTF-8.
_NOT_ASCII_ESCAPE = re.compile(r"%[89a-fA-F][0-9a-fA-F]")


def _utf8_query_string() -> None:
    """A query string that is not UTF-8 once percent-decoded is refused (400) before any view reads
    it: werkzeug would otherwise keep the undecodable bytes as text ("%FF") and a query or a
    search would run on what the client did not send. (A POST body that is not UTF-8 is refused
    where the body is read.)"""
    raw = request.environ.get("QUERY_STRING", "")
    if raw.isascii() and not _NOT_ASCII_ESCAPE.search(raw):
        return  # every byte it decodes to is ASCII, hence UTF-8 (a SPARQL query's usual %3C, %7B, %20…)
    try:
        urllib.parse.unquote_to_bytes(raw.replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem("invalid-parameter", f"The query string is not UTF-8 once percent-decoded (byte {exc.start}): "
                      "encode every parameter as UTF-8 before percent-encoding it.") from None


def _safety_headers(response: Response) -> Response:
    """``X-Content-Type-Options: nosniff`` on every answer, whichever view or error handler made it:
    a body that reflects the request (a 404's path) is then never read as another type; and every
    HTML answer a Content-Security-Policy (this site's scripts and styles only) and a referrer
    policy, unless its view set its own (the query page's)."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", html.content_security_policy())
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _cors(response: Response) -> Response:
    """CORS on every answer (errors included, so that browsers can read them)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS":
        allow = response.headers.get("Allow") or "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Methods"] = allow
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, If-None-Match"
        response.headers["Access-Control-Max-Age"] = str(current_app.config["CORS_MAX_AGE"])
    return response
