"""Absolute URLs of the endpoint's own pages, as the world sees them.

With ``PUBLIC_URL`` set (``https://example.org/`` behind a proxy), every URL the endpoint states
(the service description's ``sd:endpoint``, VoID's ``void:sparqlEndpoint``, problem types, the
catalogue's links) starts with it; otherwise with the URL the request came to (which
``TRUST_PROXY_HEADERS`` lets ``X-Forwarded-*`` set).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values: Any) -> str:
    public = current_app.config.get("PUBLIC_URL")
    if public:
        return public.rstrip("/") + url_for(endpoint, **values)
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    return url_for(endpoint, **values)


def endpoint_url() -> str:
    """This SPARQL endpoint's URL as the world sees it (``PUBLIC_URL`` when configured)."""
    return external_url("sparql.sparql")


def catalogue_url() -> str | None:
    """The URL of ``/catalog`` when this app serves it (for VoID and the service description)."""
    if "catalog" not in current_app.blueprints:
        return None
    return external_url("catalog.catalog")


# -- the graph's IRIs and the site's paths ---------------------------------------------------
# A thing ``{base}id/{path}`` is served at ``/id/{path}`` (303) and described at ``/doc/{path}``
# (and ``/doc/{path}.{ext}``); the site maps them whatever host it runs on. Links in pages go to
# the local path, so that a copy served on localhost stays on localhost.

DOC_EXTENSIONS = ("ttl", "jsonld", "nt", "rdf", "html")


def thing_path(iri: str, base: str) -> str | None:
    """``{base}id/territoire/2023-2027/ti-1107`` -> ``territoire/2023-2027/ti-1107``; None for an
    IRI that is not a thing of this dataset."""
    prefix = base + "id/"
    if not iri.startswith(prefix) or len(iri) == len(prefix):
        return None
    return iri[len(prefix):]


def thing_iri(path: str, base: str) -> str:
    return base + "id/" + path


def page_url(iri: str, base: str, ext: str | None = None) -> str | None:
    """The local URL of the document about ``iri`` (``/doc/{path}``, or its ``.ext`` variant);
    None when ``iri`` is not a thing of this dataset (link it as it is)."""
    path = thing_path(iri, base)
    if path is None:
        return None
    return url_for("resources.document", path=path + (f".{ext}" if ext else ""))
