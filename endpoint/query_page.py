"""The query page for browsers: YASGUI at the endpoint's URL, served by the endpoint itself.

A browser that opens ``/sparql`` (``Accept`` prefers ``text/html``, no parameter at all) gets
:func:`render_query_page`: a YASGUI editor whose requests go to this endpoint (``POST``), with a
tab for each of a handful of named queries (:data:`FEATURED_QUERIES`) and every query of
``/queries`` in a menu that opens its tab, the project's prefixes declared, results as a table (with
CSV download) or the raw SPARQL JSON, and YASGUI's permalink (share button) and local
persistence. Every file the page needs comes from this blueprint: no CDN, no other host.

Routes:

* ``/query-page``: the page itself (also reachable when ``/sparql`` is asked for something else);
* its assets, the vendored YASGUI (see ``static/yasgui/README.md``) and ``query-page.js``, come
  from ``/assets/`` (:mod:`tid.endpoint.html`: versioned URLs, cached for a year);
* ``/query-page/examples.json``: the text of each named query (``/queries`` lists them, with
  titles and parameters, but ``/queries/{name}`` runs a query rather than showing it) and the
  prefixes (``tid.namespaces.PREFIXES``) the editor declares and the table abbreviates with.

``wants_query_page(request)`` says whether a request to ``/sparql`` is a browser asking for the
page rather than a client asking for the service description.
"""

from __future__ import annotations

import json

from flask import Blueprint, Request, Response, render_template, url_for

from tid.endpoint import conneg, service_description
from tid.endpoint.html import asset_url, content_security_policy
from tid.endpoint.http import negotiated
from tid.endpoint.live import current_release
from tid.endpoint.named_queries import catalogue
from tid.namespaces import PREFIXES

bp = Blueprint("query_page", __name__)

# Prefixes the editor's blank tab starts with; every prefix of PREFIXES is known to the editor.
DEFAULT_QUERY_PREFIXES = ("tid", "rdfs", "dct", "igeo", "org")
FEATURED_QUERIES = ("territoires-par-phase", "communes-d-un-territoire", "territoire-d-une-commune",
                    "sites-par-vague", "epci-grand-est-ti-site-2021")
"""The handful of named queries the page opens as tabs (what an analyst asks first); the others
are in its menu. A name no longer in the catalogue is left out."""


def wants_query_page(req: Request) -> bool:
    """A browser asking ``/sparql`` for HTML: GET or HEAD, no parameter, no body, and ``Accept``
    ranks ``text/html`` above every format of the service description (``*/*`` alone does not)."""
    if req.method not in ("GET", "HEAD") or req.args or req.content_length:
        return False
    return conneg.negotiate(req.accept_mimetypes, service_description.OFFERS) is conneg.HTML


def render_query_page() -> Response:
    """The YASGUI page (HTML), with the endpoint's own URLs; ETag and ``Vary: Accept`` as ``/sparql``."""
    release = current_release()
    context = {
        "endpoint": url_for("sparql.sparql"),
        "catalogue": url_for("queries.index"),
        "examples": url_for("query_page.examples"),
        "script": asset_url("query-page.js"),
        "yasgui_js": asset_url("yasgui/yasgui.min.js"),
        "yasgui_css": asset_url("yasgui/yasgui.min.css"),
        "licence": asset_url("yasgui/LICENSE"),
        "service_description": url_for("sparql.sparql", format="html"),
        "void": url_for("void.well_known_void"),
        "release": release.id,
        "count": len(catalogue()),
    }
    response = negotiated(conneg.HTML, lambda _fmt: render_template("query_page.html", **context),
                          tag=[release.id, "query-page", sorted(context.items())])
    # this site's scripts only, as every page; styles may also be inline here, because the vendored
    # Yasgui writes a <style> element of its own at run time
    response.headers["Content-Security-Policy"] = content_security_policy(inline_styles=True)
    return response


@bp.get("/query-page")
def page() -> Response:
    return render_query_page()


def _examples() -> dict:
    return {
        "queries": {query.name: query.text for query in catalogue()},
        "prefixes": dict(PREFIXES),
        "defaultPrefixes": [name for name in DEFAULT_QUERY_PREFIXES if name in PREFIXES],
        "featured": [name for name in FEATURED_QUERIES if name in {query.name for query in catalogue()}],
    }


@bp.get("/query-page/examples.json")
def examples() -> Response:
    body = json.dumps(_examples(), ensure_ascii=False, indent=1) + "\n"
    return negotiated(conneg.JSON, lambda _fmt: body, tag=["query-page-examples", body])
