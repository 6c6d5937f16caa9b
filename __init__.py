"""Territoires d'industrie knowledge graph.

The repository root is this package: ``tid.graph`` (namespaces, build, store, provenance,
validation, export), ``tid.loaders`` (one module per source), ``tid.cli`` (the ``tid``
command); ``ontology/``, ``shapes/``, ``queries/`` and ``curated/`` are package data.
"""

from importlib.metadata import PackageNotFoundError, version as _version
from pathlib import Path

try:
    __version__ = _version("territoires-industrie-kg")
except PackageNotFoundError:  # running from a checkout without installing
    __version__ = "0.0.0"

ROOT = Path(__file__).resolve().parent
"""Where the package data lives (ontology/, shapes/, queries/, curated/, sources.toml)."""
