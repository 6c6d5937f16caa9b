"""Finding things: ``/search`` (labels and identifiers) and ``/resolve`` (identifier crosswalk)."""

from __future__ import annotations

from flask import Blueprint, Response, abort

bp = Blueprint("search", __name__)


@bp.get("/search")
def search() -> Response:
    abort(404)
