"""Dereferencing: ``/id/...`` answers 303 to ``/doc/...``, which describes the resource."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("resources", __name__)
