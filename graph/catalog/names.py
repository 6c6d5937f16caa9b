"""The catalogue's names: its named graph, its nodes' IRIs, its files, the project as publisher,
and France as its spatial coverage."""

from __future__ import annotations

import json
import re

from pyoxigraph import NamedNode, RdfFormat

from tid.errors import ConfigError
from tid.namespaces import Minter

CATALOGUE_GRAPH = "catalogue"
"""The named graph ``{base}graph/catalogue``."""
DATASET_SLUG = "territoires-industrie"
"""The whole graph: ``{base}id/dataset/territoires-industrie`` (also the VoID dataset)."""
CATALOGUE_FILES: dict[str, RdfFormat] = {
    "catalog.ttl": RdfFormat.TURTLE,
    "catalog.jsonld": RdfFormat.JSON_LD,
    "catalog.rdf": RdfFormat.RDF_XML,
}
"""The catalogue as files beside the dumps; harvesters guess the format from the extension."""

PROJECT_NAME = "Projet Territoires d'industrie — graphe de connaissances"
"""The publisher of the graph, spelt as in ``sources.toml`` (so that its IRI is the provenance's)."""

CONTACT_EMAIL = "territoires-industrie-kg@example.org"
"""PLACEHOLDER project contact address (``example.org`` is reserved: it reaches nobody).

data.gouv.fr drops a contact point that has no e-mail, so one is always published; whoever
publishes the graph gives their address with ``tid build --contact-email`` (or
``TID_CONTACT_EMAIL``) before the catalogue is harvested."""

EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\".]+(\.[^@\s<>\".]+)+$")


def check_contact_email(email: str) -> str:
    """``email`` when it is an address, else a ConfigError naming the option that set it."""
    if not EMAIL.match(email):
        raise ConfigError(f"--contact-email / TID_CONTACT_EMAIL: {email!r} is not an e-mail address "
                          "such as donnees@example.org")
    return email


def catalogue_graph(minter: Minter) -> NamedNode:
    return minter.graph(CATALOGUE_GRAPH)


def catalogue_node(minter: Minter) -> NamedNode:
    """The ``dcat:Catalog``."""
    return minter.id("catalogue", DATASET_SLUG)


def whole_dataset(minter: Minter) -> NamedNode:
    return minter.id("dataset", DATASET_SLUG)


def source_dataset(minter: Minter, source_id: str, version: str) -> NamedNode:
    return minter.id("dataset", source_id, version)


# France, métropole and the five DROM: bounding boxes (lon min, lat min, lon max, lat max), rounded
# outwards to 0.1°. The graph covers them all (COG communes, territories in every région).
FRANCE_BOXES = (
    (-5.2, 41.3, 9.6, 51.1),      # France métropolitaine and Corsica
    (-61.9, 15.8, -61.0, 16.6),   # Guadeloupe
    (-61.3, 14.3, -60.8, 14.9),   # Martinique
    (-54.7, 2.1, -51.6, 5.8),     # Guyane
    (55.2, -21.4, 55.9, -20.8),   # La Réunion
    (45.0, -13.1, 45.3, -12.6),   # Mayotte
)
FRANCE_CENTROID = (2.2, 46.2)
"""Centre of the bounding box of France métropolitaine (lon, lat)."""


def box_ring(box: tuple[float, float, float, float]) -> list[list[float]]:
    west, south, east, north = box
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


def france_geojson() -> str:
    """The spatial coverage as a GeoJSON MultiPolygon (one box per part of France)."""
    return json.dumps({"type": "MultiPolygon", "coordinates": [[box_ring(b)] for b in FRANCE_BOXES]},
                      separators=(",", ":"))


def france_bbox() -> tuple[float, float, float, float]:
    return (min(b[0] for b in FRANCE_BOXES), min(b[1] for b in FRANCE_BOXES),
            max(b[2] for b in FRANCE_BOXES), max(b[3] for b in FRANCE_BOXES))
