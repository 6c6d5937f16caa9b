"""JSON-LD that a web developer reads: the graph compacted against a ``@context`` made of the
project's prefixes (:data:`tid.namespaces.PREFIXES`), so that a key reads ``rdfs:label`` and a
type ``igeo:Commune`` rather than full IRIs.

The compaction is rdflib's JSON-LD serializer (a maintained processor) given the context as a
dictionary: nothing is fetched, ever (no remote context is named, and rdflib is never handed a
URL). Every document has the same shape, an object with ``@context`` and ``@graph`` (the list of
nodes), whatever the number of subjects. A graph of more than :data:`COMPACT_LIMIT` triples
(rdflib takes seconds per ten thousand triples) is written by pyoxigraph's JSON-LD writer in
expanded form, then its IRIs are compacted against the same prefixes by :func:`compact_iris`,
JSON-LD 1.1's IRI compaction for a context of prefixes only: the same graph, the same shape, the
same ``rdfs:label`` keys; values keep their expanded form there (``{"@value": "3", "@type":
"xsd:integer"}``).
The nodes are sorted by ``@id``. Integers, booleans and doubles are JSON numbers and booleans
(rdflib's native forms, which read back as ``xsd:integer``, ``xsd:boolean``, ``xsd:double``);
every other value keeps its lexical form and datatype (``"@value": "12.50", "@type": "xsd:decimal"``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

from tid.namespaces import PREFIXES

XSD_STRING = PREFIXES["xsd"] + "string"
COMPACT_LIMIT = 10_000
"""The largest graph compacted (about a second here); a larger one keeps full IRIs."""


def _term(node: Any) -> rdflib.term.Node:
    if isinstance(node, NamedNode):
        return rdflib.URIRef(node.value)
    if isinstance(node, BlankNode):
        return rdflib.BNode(node.value)
    if isinstance(node, Literal):
        if node.language:
            return rdflib.Literal(node.value, lang=node.language)
        datatype = node.datatype.value if node.datatype else None
        if datatype == XSD_STRING:
            datatype = None
        return rdflib.Literal(node.value, datatype=rdflib.URIRef(datatype) if datatype else None)
    raise TypeError(f"JSON-LD cannot carry {node!r}")  # an RDF 1.2 triple term: refused before (NO_TRIPLE_TERMS)


def context_of(prefixes: Mapping[str, str]) -> dict[str, str]:
    """The ``@context``: one term per prefix, sorted."""
    return {prefix: prefixes[prefix] for prefix in sorted(prefixes)}


def write(triples: Sequence[Triple], prefixes: Mapping[str, str]) -> bytes:
    """``triples`` as a JSON-LD document with ``@context`` (``prefixes``) and ``@graph``."""
    context = context_of(prefixes)
    if len(triples) > COMPACT_LIMIT:
        nodes = compact_iris(json.loads(serialize(triples, format=RdfFormat.JSON_LD)), prefixes)
    else:
        graph = rdflib.Graph(bind_namespaces="none")
        for triple in triples:
            graph.add((_term(triple.subject), _term(triple.predicate), _term(triple.object)))
        document = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
        nodes = document.get("@graph")
        if nodes is None:  # one subject: rdflib writes the node itself
            nodes = [{key: value for key, value in document.items() if key != "@context"}] if len(document) > 1 else []
    nodes.sort(key=lambda node: str(node.get("@id", "")))
    return (json.dumps({"@context": context, "@graph": nodes}, ensure_ascii=False, indent=1) + "\n").encode()


def compact_iri(iri: str, prefixes: Mapping[str, str]) -> str:
    """``iri`` as ``prefix:suffix`` with the longest namespace of ``prefixes`` it starts with (JSON-LD
    1.1 IRI compaction to a compact IRI; the namespaces end with ``/`` or ``#``, so each is a
    prefix), else unchanged. Not when the suffix is empty or starts with ``//`` (it would read as
    an absolute IRI), nor for a blank node (``_:``)."""
    best = ""
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and len(namespace) > len(prefixes.get(best, "")) and len(iri) > len(namespace):
            best = prefix
    if not best or iri.startswith("_:"):
        return iri
    suffix = iri[len(prefixes[best]):]
    return iri if suffix.startswith("//") else f"{best}:{suffix}"


def compact_iris(nodes: Any, prefixes: Mapping[str, str]) -> Any:
    """Expanded JSON-LD (pyoxigraph's writer) with its IRIs compacted: the property keys, the
    ``@id`` of nodes and references and the ``@type`` of typed values; literals' values and
    languages are left as they are."""
    if isinstance(nodes, list):
        return [compact_iris(node, prefixes) for node in nodes]
    if not isinstance(nodes, dict):
        return nodes
    out: dict[str, Any] = {}
    for key, value in nodes.items():
        if key in ("@id", "@type") and isinstance(value, str):
            out[key] = compact_iri(value, prefixes)
        elif key == "@value" or key == "@language":
            out[key] = value
        else:
            out[key if key.startswith("@") else compact_iri(key, prefixes)] = compact_iris(value, prefixes)
    return out
