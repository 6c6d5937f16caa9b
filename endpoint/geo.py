"""GeoJSON of the things that have a geometry, for the maps of the pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("geo", __name__)


def geojson_url(iri: str) -> str | None:
    """The local URL of the GeoJSON of ``iri``'s geometry; None when it has none."""
    return None
