"""The SPARQL endpoint: a Flask app factory over the built store (read-only).

``create_app(config)`` reads its settings once (:class:`tid.endpoint.settings.Settings`: the
defaults, the ``TID_*`` environment variables, then ``config``); opens the live release of
``DATA_DIR`` read-only (or, with ``BACKEND_URL``, a remote SPARQL server holding its graphs);
keeps it with the query pool in the app (:func:`tid.endpoint.live.install`; no module-level
store or graph); registers one blueprint per concern and the error handlers. The pool's worker
processes start with the first query, in the process that serves it.

Routes:

* ``/sparql``: SPARQL 1.1 Protocol (queries); on a bare GET the query page for browsers, the
  service description for everyone else;
* ``/queries``, ``/queries/{name}``: the named queries, listed and run with bound parameters;
* ``/.well-known/void``: VoID; ``/dumps/{file}``: the release's bulk dumps; ``/catalog``: DCAT-AP
  (a browser is sent to the catalogue's page);
* ``/openapi.json``: the OpenAPI 3.1 description of this HTTP API;
* ``/id/{path}`` (303) and ``/doc/{path}``: the things of the graph, negotiated, as of a date;
  ``/cite/{path}``: how to cite one (``CITATION.cff``);
* ``/def``, ``/shapes``: the ontology and the shapes; ``/geo/{path}``: GeoJSON for the maps;
* ``/``, ``/search``, ``/resolve``, ``/changes``, ``/sitemap.xml``, ``/robots.txt``;
* ``/assets/{file}``: the pages' static files; ``/problems/{type}``: what each error type means.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The endpoint over the live release of ``DATA_DIR`` (see above)."""
    # Imported here, not above: the `tid` command imports tid.endpoint.serve for its options, and
    # the app's modules (Flask, every route, shapely for the maps) would add a third of a second
    # to every command, `tid build` included.
    from tid.endpoint.app import create_app as create

    return create(config)
