"""The ontology and the shapes, dereferenced: HTML documentation and their RDF.

The namespace IRIs ``{tid}`` = ``https://w3id.org/territoires-industrie/def#`` and ``{tidsh}`` =
``.../shapes#`` resolve (through w3id) to ``/def`` and ``/shapes`` of this site:

* ``/def`` negotiates (``Accept``, or ``format=``) between the documentation page (HTML), and
  the ontology ``ontology/tid.ttl`` in Turtle (the file itself, comments included), JSON-LD,
  N-Triples and RDF/XML. A term ``{tid}Term`` lands on the section ``id="Term"`` of the page.
  Each representation is also addressable: ``/def.html``, ``/def.ttl``, ``/def.jsonld``,
  ``/def.nt``, ``/def.rdf``; the negotiated answer names it in ``Content-Location``.
* ``/shapes`` does the same for the SHACL shapes ``shapes/*.ttl`` (merged into one graph for
  the RDF formats; the page lists every named shape under ``id="{local name}"`` with its
  target, path, severity and messages in French and English).

Both are read from the project's files, not from the store: they are the code's contract, the
same whatever release is served. Their documentation is computed by the ``ontology-*.rq``
queries over an in-memory store of the files (one named graph per file), rebuilt when a file
changes. Answers are conditional (ETag of the files' bytes, 304) and ``Vary: Accept``; a
request that accepts none of the formats gets 406 with the list of those available.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock
from typing import Any

from flask import Blueprint, Response, abort, request, url_for
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
from tid.endpoint import conneg
from tid.endpoint.html import page_language, render_page
from tid.endpoint.http import DOCUMENT_FORMAT, Body, choose, negotiated
from tid.endpoint.results import serialize_graph
from tid.graph.queries import load_query
from tid.namespaces import ONTOLOGY_IRI, PREFIXES

bp = Blueprint("ontology", __name__)

ONTOLOGY_FILE = ROOT / "ontology" / "tid.ttl"
SHAPES_DIR = ROOT / "shapes"
TID_NS = PREFIXES["tid"]
TIDSH_NS = PREFIXES["tidsh"]
SHAPES_IRI = TIDSH_NS.rstrip("#")

# The RDF formats offered, after HTML (Turtle first: what ``*/*`` gets, as at /sparql).
RDF_OFFERS: tuple[conneg.Format, ...] = tuple(f for f in conneg.GRAPH_FORMATS if f.key in ("ttl", "jsonld", "nt", "rdf"))
OFFERS: tuple[conneg.Format, ...] = (*RDF_OFFERS, conneg.HTML)
BY_EXTENSION: dict[str, conneg.Format] = {f.key: f for f in OFFERS}

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
        solutions = self.store.query(query.text, use_default_graph_as_union=True)
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
    store.extend(quads)
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


# -- responses --------------------------------------------------------------------------------

def _rdf_body(src: Source, fmt: conneg.Format) -> bytes:
    if fmt.key == "ttl" and len(src.files) == 1:
        return src.files[0].read_bytes()  # the file itself: its comments are documentation too
    key = f"body:{fmt.key}"
    if key not in src.computed:
        prefixes = {p: PREFIXES[p] for p in PREFIXES if p not in ("formats", "sd", "void", "vcard", "adms", "dcatap")}
        src.computed[key] = serialize_graph(src.triples(), fmt, prefixes)
    return src.computed[key]


def respond(name: str, ext: str | None, page_title: Callable[[], tuple[str, str]],
            model: Callable[[str], dict[str, Any]]) -> Response:
    """The document ``name`` (``def`` or ``shapes``) in the chosen format, with its headers."""
    endpoint = "ontology.ontology_file" if name == "def" else "ontology.shapes_file"
    if ext is None:
        fmt = choose(OFFERS, called=DOCUMENT_FORMAT)
    elif ext in BY_EXTENSION:
        fmt = BY_EXTENSION[ext]
    else:
        abort(404)
    src = source(name)
    # The shapes page also shows the ontology's labels: it changes with either. Not the release:
    # the documents are the project's files, the same whatever release is served.
    version = src.digest if name == "def" else f"{src.digest}-{source('def').digest}"
    lang = page_language()

    def draw(fmt: conneg.Format) -> Body:
        if fmt is not conneg.HTML:
            return _rdf_body(src, fmt)
        # The model is computed once per files' version, language and mount point (its links).
        key = f"model:{version}:{lang}:{request.script_root}"
        if key not in src.computed:
            src.computed[key] = model(lang)
        return render_page("ontology.html", document=name, page_title=page_title(),
                           formats=[(f, url_for(endpoint, ext=f.key)) for f in RDF_OFFERS], **src.computed[key])

    response = negotiated(fmt, draw, tag=[name, version])
    response.headers["Content-Location"] = url_for(endpoint, ext=fmt.key, **(
        {"lang": lang} if fmt is conneg.HTML and lang != "fr" else {}))
    if ext is None:
        response.headers["Link"] = ", ".join(
            f'<{url_for(endpoint, ext=f.key)}>; rel="alternate"; type="{f.media_type}"' for f in OFFERS)
    return response


def _ontology_title() -> tuple[str, str]:
    return ("Ontologie des Territoires d'industrie", "Territoires d'industrie ontology")


def _shapes_title() -> tuple[str, str]:
    return ("Formes SHACL des Territoires d'industrie", "Territoires d'industrie SHACL shapes")


@bp.get("/def")
def ontology() -> Response:
    """The ontology, negotiated: its documentation page or its RDF."""
    return respond("def", None, _ontology_title, ontology_model)


@bp.get("/def.<ext>")
def ontology_file(ext: str) -> Response:
    """One representation of the ontology (``/def.ttl``, ``/def.html``…)."""
    return respond("def", ext, _ontology_title, ontology_model)


@bp.get("/shapes")
def shapes() -> Response:
    """The SHACL shapes, negotiated: their documentation page or their RDF."""
    return respond("shapes", None, _shapes_title, shapes_model)


@bp.get("/shapes.<ext>")
def shapes_file(ext: str) -> Response:
    """One representation of the shapes (``/shapes.ttl``, ``/shapes.html``…)."""
    return respond("shapes", ext, _shapes_title, shapes_model)
