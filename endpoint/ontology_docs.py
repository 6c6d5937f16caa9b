"""The ontology and the shapes, dereferenced: HTML documentation and their Turtle."""

from __future__ import annotations

from flask import Blueprint, Response, abort

bp = Blueprint("ontology", __name__)


@bp.get("/def")
def ontology() -> Response:
    abort(404)
