"""Absolute URLs of the endpoint's own pages, as the world sees them.

With ``PUBLIC_URL`` set (``https://example.org/`` behind a proxy), every URL the endpoint states
(the service description's ``sd:endpoint``, VoID's ``void:sparqlEndpoint``, problem types, the
catalogue's links) starts with it; otherwise with the URL the request came to (which
``TRUST_PROXY_HEADERS`` lets ``X-Forwarded-*`` set).
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, has_request_context, request, url_for
from flask.globals import request_ctx


def external_url(endpoint: str, **values: Any) -> str:
    public = current_app.config.get("PUBLIC_URL")
    if public:
        return public.rstrip("/") + _path(endpoint, **values)
    if has_request_context() and request_ctx.url_adapter is not None:
        return url_for(endpoint, _external=True, **values)
    return _path(endpoint, **values)


def _path(endpoint: str, **values: Any) -> str:
    """The path of ``endpoint``, even for a request whose ``Host`` could not be read (werkzeug's
    ``BadHost``: a label over 63 characters): Flask has no URL adapter for it, and its answer (a
    400) still names its problem type, as a path."""
    if has_request_context() and request_ctx.url_adapter is None:
        return current_app.url_map.bind("localhost", script_name=request.script_root or None).build(endpoint, values)
    return url_for(endpoint, **values)


def endpoint_url() -> str:
    """This SPARQL endpoint's URL as the world sees it (``PUBLIC_URL`` when configured)."""
    return request_url("sparql.sparql")


REQUEST_URLS = "tid.request_urls"
REQUEST_URLS_KEPT = 256


def request_url(endpoint: str, **values: str) -> str:
    """:func:`external_url`, built once per app, endpoint, values, scheme, ``Host`` and root path
    (building a URL costs a good part of a query's time in Flask); the memo is bounded since
    ``Host`` is the client's."""
    if not has_request_context() or request_ctx.url_adapter is None:
        return external_url(endpoint, **values)
    urls: dict[tuple, str] = current_app.extensions.setdefault(REQUEST_URLS, {})
    environ = request.environ
    key = (endpoint, tuple(sorted(values.items())), environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"),
           environ.get("SERVER_NAME"), environ.get("SERVER_PORT"), request.root_path)
    url = urls.get(key)
    if url is None:
        if len(urls) >= REQUEST_URLS_KEPT:
            urls.clear()
        url = urls[key] = external_url(endpoint, **values)
    return url


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


# A thing's path: segments of letters, digits and ``- . _ ~`` (codes, slugs, versions), none
# starting with a dot (so no ``..``); anything else names nothing of this dataset.
SAFE_PATH = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*")
DOC_PARAMETERS = ("page", "at", "vague", "lang")
"""The parameters of a document's address that its other variants and pages keep."""


def doc_url(path: str, ext: str | None = None, **args: Any) -> str:
    """The local URL of the document ``/doc/{path}`` (``.ext``: one variant), with ``args``."""
    return url_for("resources.document", path=path + (f".{ext}" if ext else ""), **args)


def kept_args(*, drop: tuple[str, ...] = ("format",)) -> dict[str, list[str]]:
    """The request's parameters a link to another variant or page of a document keeps."""
    return {key: values for key, values in request.args.to_dict(flat=False).items()
            if key in DOC_PARAMETERS and key not in drop}


def page_url(iri: str, base: str, ext: str | None = None) -> str | None:
    """The local URL of the document about ``iri`` (``/doc/{path}``, or its ``.ext`` variant);
    None when ``iri`` is not a thing of this dataset (link it as it is)."""
    path = thing_path(iri, base)
    if path is None:
        return None
    return url_for("resources.document", path=path + (f".{ext}" if ext else ""))
