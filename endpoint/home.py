"""The home page ``/``: what the dataset is, its counts, entry points, search, SPARQL, catalogue, dumps."""

from __future__ import annotations

from flask import Blueprint, Response

from tid.endpoint.html import render_page

bp = Blueprint("home", __name__)


@bp.get("/")
def home() -> Response:
    return render_page("home.html")
