"""What several test modules share that is not a fixture: rdflib views of the project's prefixes.

The package's namespace module is rdflib-free (a server process never imports rdflib for it);
the tests compare graphs with rdflib, so they get rdflib namespaces from the same table here.
"""

from __future__ import annotations

import rdflib

from tid.namespaces import PREFIXES


def rdflib_namespace(prefix: str) -> rdflib.Namespace:
    return rdflib.Namespace(PREFIXES[prefix])


def bind_prefixes(graph: rdflib.Graph) -> rdflib.Graph:
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph
