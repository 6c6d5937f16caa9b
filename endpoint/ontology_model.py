"""The ontology and the shapes as documentation: what their pages show, read from the project's
files (``ontology/tid.ttl``, ``shapes/*.ttl``) by the ``ontology-*.rq`` queries over an in-memory
store of the files (one named graph per file), rebuilt when a file changes.

:func:`source` gives a document's files, store and digest; :func:`ontology_model` and
:func:`shapes_model` the context of its page in a language. The routes are
:mod:`tid.endpoint.ontology_docs`.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock
from typing import Any

from flask import url_for
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    RdfFormat,
    Store,
    Triple,
    parse,
)

from tid import ROOT
from tid.graph.queries import load_query
from tid.graph.store import merged
from tid.namespaces import ONTOLOGY_IRI, PREFIXES

ONTOLOGY_FILE = ROOT / "ontology" / "tid.ttl"
SHAPES_DIR = ROOT / "shapes"
TID_NS = PREFIXES["tid"]
TIDSH_NS = PREFIXES["tidsh"]
SHAPES_IRI = TIDSH_NS.rstrip("#")

# The vocabularies the ontology and the shapes reuse, by prefix: their names as their
# publishers give them (proper names, the same in French and English).
VOCABULARIES: dict[str, str] = {
    "cpsv": "Core Public Service Vocabulary (CPSV-AP)",
    "m8g": "SEMIC Core Vocabularies (CPSV-AP, CPOV)",
    "org": "W3C Organization Ontology",
    "igeo": "Ontologie géographique de l'INSEE",
    "geo": "OGC GeoSPARQL",
    "time": "W3C OWL-Time",
    "prov": "W3C PROV-O",
    "dcat": "W3C Data Catalog Vocabulary (DCAT)",
    "dct": "DCMI Metadata Terms",
    "foaf": "FOAF",
    "skos": "W3C SKOS",
    "legal": "SEMIC Core Business Vocabulary (Legal Entity)",
    "locn": "SEMIC Core Location Vocabulary",
    "schema": "schema.org",
    "sh": "W3C SHACL",
    "spdx": "SPDX",
    "vann": "VANN",
    "owl": "W3C OWL 2",
    "rdf": "W3C RDF",
    "rdfs": "W3C RDF Schema",
    "xsd": "W3C XML Schema datatypes",
    "adms": "SEMIC ADMS",
    "vcard": "W3C vCard",
    "void": "VoID",
}

OWL = PREFIXES["owl"]
RDFS = PREFIXES["rdfs"]
SH = PREFIXES["sh"]
DCT = PREFIXES["dct"]
KINDS = {  # OWL type: (section id, French heading, English heading)
    OWL + "Class": ("classes", "Classes", "Classes"),
    OWL + "ObjectProperty": ("proprietes-objet", "Propriétés d'objet", "Object properties"),
    OWL + "DatatypeProperty": ("proprietes-donnees", "Propriétés de données", "Datatype properties"),
    OWL + "AnnotationProperty": ("proprietes-annotation", "Propriétés d'annotation", "Annotation properties"),
}
SEVERITIES = {
    SH + "Violation": ("Violation", "Violation"),
    SH + "Warning": ("Avertissement", "Warning"),
    SH + "Info": ("Information", "Info"),
}


# -- the files, their store, their digests -----------------------------------------------------

@dataclass
class Source:
    """The files of a document (the ontology, or the shapes) and what is computed from them."""

    name: str
    files: tuple[Path, ...]
    digest: str
    store: Store
    quads: list[Quad]
    computed: dict[str, Any] = field(default_factory=dict)

    def triples(self) -> list[Triple]:
        return [quad.triple for quad in self.quads]

    def query(self, name: str) -> list[dict[str, Any]]:
        """The rows of ``queries/{name}.rq`` over these files (default graph: their union)."""
        query = load_query(name)
        solutions = self.store.query(query.text)
        variables = [v.value for v in solutions.variables]
        return [{v: row[v] for v in variables} for row in solutions]


def _graph_of(path: Path) -> NamedNode:
    """The named graph of a file in the documentation store: the ontology's IRI, or the IRI of
    a shapes file's header (``{shapes}/core`` for ``shapes/core.ttl``)."""
    return NamedNode(ONTOLOGY_IRI) if path == ONTOLOGY_FILE else NamedNode(f"{SHAPES_IRI}/{path.stem}")


def _read(name: str, files: tuple[Path, ...]) -> Source:
    digest = hashlib.sha256()
    store = Store()
    quads: list[Quad] = []
    for path in files:
        data = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + data)
        graph = _graph_of(path)
        for quad in parse(data, format=RdfFormat.TURTLE, base_iri=ONTOLOGY_IRI):
            # Blank nodes are per file: two files' _:b1 stay two nodes.
            subject = BlankNode(f"{path.stem}-{quad.subject.value}") if isinstance(quad.subject, BlankNode) else quad.subject
            obj = BlankNode(f"{path.stem}-{quad.object.value}") if isinstance(quad.object, BlankNode) else quad.object
            quads.append(Quad(subject, quad.predicate, obj, graph))
    store.extend(merged(quads))  # each file in its graph, and the merge as the default graph
    return Source(name, files, digest.hexdigest()[:32], store, quads)


_sources: dict[str, tuple[tuple[Any, ...], Source]] = {}
_lock = Lock()


def source(name: str) -> Source:
    """The ontology (``def``) or the shapes (``shapes``), read again only when a file changed."""
    files = (ONTOLOGY_FILE,) if name == "def" else tuple(sorted(SHAPES_DIR.glob("*.ttl")))
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    with _lock:
        known = _sources.get(name)
        if known is None or known[0] != stamp:
            known = (stamp, _read(name, files))
            _sources[name] = known
        return known[1]


# -- references between terms ----------------------------------------------------------------

def curie(iri: str) -> str:
    """``org:Membership`` for an IRI of a known namespace; the IRI itself otherwise."""
    best = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(PREFIXES.get(best, "")):
            best = prefix
    if best and len(iri) > len(PREFIXES[best]):
        return f"{best}:{iri[len(PREFIXES[best]):]}"
    return iri


@dataclass(frozen=True)
class Ref:
    """A link to a term: on this page (``#Local``) for our own terms, to its IRI for the others."""

    iri: str
    curie: str
    href: str
    label: str
    vocabulary: str | None  # the name of a reused vocabulary


def make_ref(iri: str, lang: str, labels: dict[str, dict[str, str]], own_namespace: str,
             page: str = "") -> Ref:
    name = curie(iri)
    prefix = name.split(":", 1)[0] if name != iri else None
    if iri.startswith(own_namespace):
        local = iri[len(own_namespace):]
        term_labels = labels.get(iri, {})
        label = term_labels.get(lang) or term_labels.get("fr") or term_labels.get("en") or name
        return Ref(iri, name, f"{page}#{local}", label, None)
    if iri.startswith(TID_NS) and own_namespace != TID_NS:
        local = iri[len(TID_NS):]
        term_labels = labels.get(iri, {})
        label = term_labels.get(lang) or term_labels.get("fr") or term_labels.get("en") or name
        return Ref(iri, name, url_for("ontology.ontology") + f"#{local}", label, None)
    return Ref(iri, name, iri, name, VOCABULARIES.get(prefix or ""))


def _text(term: Any) -> str | None:
    return term.value if isinstance(term, (Literal, NamedNode)) else None


def _pair(fr: Any, en: Any) -> dict[str, str]:
    return {lang: value for lang, value in (("fr", _text(fr)), ("en", _text(en))) if value}


# -- the ontology page ------------------------------------------------------------------------

@dataclass
class Term:
    iri: str
    local: str
    kind: str
    labels: dict[str, str]
    definitions: dict[str, str]
    comments: dict[str, str]
    relations: dict[str, list[Ref]] = field(default_factory=dict)


RELATIONS = {
    # key: (predicate, inverse?, French heading, English heading)
    "super": (RDFS + "subClassOf", False, "Sous-classe de", "Subclass of"),
    "sub": (RDFS + "subClassOf", True, "Classes plus spécifiques", "Subclasses"),
    "superprop": (RDFS + "subPropertyOf", False, "Sous-propriété de", "Subproperty of"),
    "subprop": (RDFS + "subPropertyOf", True, "Propriétés plus spécifiques", "Subproperties"),
    "domain": (RDFS + "domain", False, "Domaine", "Domain"),
    "range": (RDFS + "range", False, "Codomaine", "Range"),
    "inverse": (OWL + "inverseOf", False, "Inverse de", "Inverse of"),
    "equivalent": (OWL + "equivalentClass", False, "Équivalente à", "Equivalent to"),
    "disjoint": (OWL + "disjointWith", False, "Disjointe de", "Disjoint with"),
    "properties": (RDFS + "domain", True, "Propriétés de cette classe (domaine)", "Properties of this class (domain)"),
    "used_by": (RDFS + "range", True, "Valeur des propriétés (codomaine)", "Value of the properties (range)"),
}


def header(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, list[Any]]]:
    """``{ontology IRI: {property IRI: [values]}}`` of the ``ontology-en-tete`` rows (a value
    with a ``foaf:name`` is given by its name)."""
    out: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        value = row["nom"] if row.get("nom") is not None else row["valeur"]
        out[row["ontologie"].value][row["propriete"].value].append(value)
    return out


def describe_header(values: dict[str, list[Any]]) -> dict[str, Any]:
    """Titles and descriptions by language, and the single values of a header, for the page."""
    def by_lang(prop: str) -> dict[str, str]:
        return {v.language: v.value for v in values.get(prop, []) if isinstance(v, Literal) and v.language}

    def first(prop: str) -> str | None:
        found = values.get(prop) or []
        return found[0].value if found else None

    return {
        "title": by_lang(DCT + "title"),
        "description": by_lang(DCT + "description"),
        "version": first(OWL + "versionInfo"),
        "version_iri": first(OWL + "versionIRI"),
        "licence": first(DCT + "license"),
        "created": first(DCT + "created"),
        "modified": first(DCT + "modified"),
        "creators": [v.value for v in values.get(DCT + "creator", []) if isinstance(v, Literal)],
        "conforms_to": first(DCT + "conformsTo"),
        "prefix": first(PREFIXES["vann"] + "preferredNamespacePrefix"),
        "namespace": first(PREFIXES["vann"] + "preferredNamespaceUri"),
        "see_also": sorted(v.value for v in values.get(RDFS + "seeAlso", []) if isinstance(v, NamedNode)),
    }


def ontology_model(lang: str) -> dict[str, Any]:
    """What the ontology page shows: the header, the terms by kind with their relations, and
    the reused vocabularies with the terms used from each."""
    src = source("def")
    headers = header(src.query("ontology-en-tete"))
    terms: dict[str, Term] = {}
    for row in src.query("ontology-termes"):
        iri = row["terme"].value
        if iri in terms:  # declared with two OWL types: keep the first (classes before properties)
            continue
        terms[iri] = Term(iri, iri[len(TID_NS):], row["genre"].value, _pair(row["labelFr"], row["labelEn"]),
                          _pair(row["definitionFr"], row["definitionEn"]),
                          _pair(row["commentaireFr"], row["commentaireEn"]))
    labels = {iri: term.labels for iri, term in terms.items()}
    reused: dict[str, set[str]] = defaultdict(set)
    for row in src.query("ontology-relations"):
        subject, predicate, other = row["terme"].value, row["relation"].value, row["autre"].value
        for key, (relation, inverse, _fr, _en) in RELATIONS.items():
            if relation != predicate:
                continue
            owner, target = (other, subject) if inverse else (subject, other)
            if owner in terms:
                terms[owner].relations.setdefault(key, []).append(make_ref(target, lang, labels, TID_NS))
        for iri in (subject, other):
            if not iri.startswith(TID_NS):
                name = curie(iri)
                if name != iri:
                    reused[name.split(":", 1)[0]].add(name)
    for term in terms.values():
        for refs in term.relations.values():
            refs.sort(key=lambda r: (r.vocabulary is not None, r.label.casefold()))
    by_kind = [
        {"kind": kind, "id": section, "heading": {"fr": fr, "en": en},
         "terms": sorted((t for t in terms.values() if t.kind == kind), key=lambda t: t.local.casefold())}
        for kind, (section, fr, en) in KINDS.items()
    ]
    return {
        "header": describe_header(headers.get(ONTOLOGY_IRI, {})),
        "kinds": [k for k in by_kind if k["terms"]],
        "relations": {key: {"fr": fr, "en": en} for key, (_p, _i, fr, en) in RELATIONS.items()},
        "vocabularies": [
            {"prefix": prefix, "namespace": PREFIXES[prefix], "name": VOCABULARIES.get(prefix, prefix),
             "terms": sorted(names)}
            for prefix, names in sorted(reused.items())
        ],
        "count": len(terms),
    }


# -- the shapes page --------------------------------------------------------------------------

@dataclass
class Shape:
    iri: str
    local: str
    kind: str
    files: list[str]
    labels: dict[str, str]
    names: dict[str, str]
    path: Ref | None
    inverse_path: Ref | None
    severity: str
    messages: dict[str, str]
    parents: list[Ref] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)  # described in this node shape's section
    shared: list[Ref] = field(default_factory=list)  # also used here, described under another node shape
    parameters: list[tuple[str, list[str]]] = field(default_factory=list)
    sparql: list[dict[str, Any]] = field(default_factory=list)

    @property
    def targets(self) -> list[tuple[str, list[str]]]:
        return [(name, values) for name, values in self.parameters if name.startswith("sh:target")]

    @property
    def constraints(self) -> list[tuple[str, list[str]]]:
        return [(name, values) for name, values in self.parameters if not name.startswith("sh:target")]


def shapes_model(lang: str) -> dict[str, Any]:
    """What the shapes page shows: the files' headers, then each node shape with its targets,
    its property shapes and its SPARQL constraints."""
    src = source("shapes")
    headers = header(src.query("ontology-en-tete"))
    page = url_for("ontology.shapes")
    # The ontology's terms, by their labels, where a shape's path names one.
    term_labels = {row["terme"].value: _pair(row["labelFr"], row["labelEn"]) for row in source("def").query("ontology-termes")}
    shapes: dict[str, Shape] = {}
    parents: dict[str, list[str]] = defaultdict(list)
    for row in src.query("ontology-formes"):
        iri = row["forme"].value
        if row.get("parent") is not None and isinstance(row["parent"], NamedNode):
            parents[iri].append(row["parent"].value)
        if iri in shapes:
            continue
        path = row["chemin"].value if row.get("chemin") is not None else None
        inverse = row["cheminInverse"].value if row.get("cheminInverse") is not None else None
        files = sorted(g.rsplit("/", 1)[-1] + ".ttl" for g in (row["fichiers"].value.split() if row.get("fichiers") else []))
        severity = row["severite"].value if row.get("severite") is not None else SH + "Violation"
        shapes[iri] = Shape(iri, iri[len(TIDSH_NS):], row["genre"].value, files, _pair(row["labelFr"], row["labelEn"]),
                            _pair(row["nomFr"], row["nomEn"]),
                            make_ref(path, lang, term_labels, TIDSH_NS, page) if path else None,
                            make_ref(inverse, lang, term_labels, TIDSH_NS, page) if inverse else None,
                            severity, _pair(row["messageFr"], row["messageEn"]))
    labels = {iri: shape.labels or shape.names for iri, shape in shapes.items()}
    parameters: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    sparql: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in src.query("ontology-contraintes-des-formes"):
        iri, name, value = row["forme"].value, curie(row["parametre"].value), row["valeur"]
        if row.get("contrainte") is not None:
            node = row["contrainte"].value
            constraint = sparql[iri].setdefault(node, {
                "messages": {}, "select": "", "severity": None,
                "id": node[len(TIDSH_NS):] if node.startswith(TIDSH_NS) else None, "iri": node})
            if name == "sh:message" and isinstance(value, Literal):
                constraint["messages"][value.language or "fr"] = value.value
            elif name == "sh:select":
                constraint["select"] = value.value
            elif name == "sh:severity":
                constraint["severity"] = value.value
            continue
        shown = curie(value.value) if isinstance(value, NamedNode) else value.value
        parameters[iri][name].append(shown)
    for iri, shape in shapes.items():
        shape.parents = [make_ref(p, lang, labels, TIDSH_NS, page) for p in sorted(set(parents[iri]))]
        shape.parameters = sorted((name, sorted(values)) for name, values in parameters[iri].items())
        shape.sparql = [
            {**c, "severity": SEVERITIES.get(c["severity"] or shape.severity, ("?", "?"))}
            for _key, c in sorted(sparql[iri].items(), key=lambda kv: kv[1]["select"])
        ]
    node_shapes = sorted((s for s in shapes.values() if s.kind == SH + "NodeShape"), key=lambda s: s.local.casefold())
    # A property shape is described once (one section, one anchor), under its first node shape.
    home = {child: sorted(set(ps))[0] for child, ps in parents.items() if ps}
    for node in node_shapes:
        children = sorted((shapes[c] for c, ps in parents.items() if node.iri in ps and c in shapes),
                          key=lambda s: s.local.casefold())
        node.properties = [c for c in children if home.get(c.iri) == node.iri]
        node.shared = [make_ref(c.iri, lang, labels, TIDSH_NS, page) for c in children if home.get(c.iri) != node.iri]
    orphans = sorted((s for s in shapes.values() if s.kind == SH + "PropertyShape" and not parents[s.iri]),
                     key=lambda s: s.local.casefold())
    files = [
        {"iri": iri, "file": iri.rsplit("/", 1)[-1] + ".ttl", **describe_header(values)}
        for iri, values in sorted(headers.items())
    ]
    return {
        "files": files,
        "node_shapes": node_shapes,
        "orphans": orphans,
        "severities": SEVERITIES,
        "count": len(shapes),
        "ontology_url": url_for("ontology.ontology"),
    }
