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
