"""Territoires d'industrie knowledge graph.

The repository root is this package: ``tid.cli`` (the ``tid`` command), ``tid.endpoint`` (the
SPARQL endpoint and the site), ``tid.graph`` (build, store, provenance, validation, catalogue,
export, push), ``tid.loaders`` (one module per source), and at the ground ``tid.namespaces``,
``tid.errors`` and ``tid.environment``; ``ontology/``, ``shapes/``, ``queries/`` and ``curated/``
are package data. ``docs/architecture.md`` says what each layer may import.
"""

from importlib.metadata import PackageNotFoundError, version as _version
from pathlib import Path

try:
    __version__ = _version("territoires-industrie-kg")
except PackageNotFoundError:  # running from a checkout without installing
    __version__ = "0.0.0"

ROOT = Path(__file__).resolve().parent
"""Where the package data lives (ontology/, shapes/, queries/, curated/, sources.toml)."""
