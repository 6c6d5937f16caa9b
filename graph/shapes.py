"""The SHACL shapes of ``shapes/`` (or of a profile), read once and split for the two engines.

* **local shapes** (constraints on a node's own triples, with predicate or inverse paths), as
  Turtle for shacl-rust;
* **SPARQL constraints** (cross-entity rules), each with its query (prefixes and ``$PATH``
  resolved), its targets and its *footprint*: the predicates, and the classes for
  ``rdf:type``, that its patterns can match, read from the query's algebra. Incremental
  validation (:mod:`tid.graph.validate`) re-runs a constraint only when a changed triple falls in
  its footprint.

It also tells what incremental validation needs to know of the local shapes: whether every path
is a predicate or an inverse one, which predicates are read inversely, and whether a shape reads
more of a value node than its term and classes. Terms are compared as shacl-rust writes them
(N-Triples, blank nodes anonymised): :func:`nt`, :func:`normalise`, :func:`path_term`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rdflib
from pyoxigraph import BlankNode
from rdflib.collection import Collection
from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from tid import ROOT
from tid.errors import ConfigError
from tid.graph.report import ShapeTexts
from tid.namespaces import PREFIXES

SHAPES_DIR = ROOT / "shapes"
SH = rdflib.Namespace(PREFIXES["sh"])
PROFILES = ("core", "dcat-ap", "all")
RDF_TYPE = rdflib.RDF.type
RDF_TYPE_IRI = str(RDF_TYPE)


def nt(term: Any) -> str:
    """N-Triples form of an rdflib or pyoxigraph term (blank nodes as ``_:``)."""
    if isinstance(term, (rdflib.BNode, BlankNode)):
        return "_:"
    if isinstance(term, rdflib.term.Node):
        if isinstance(term, rdflib.Literal) and term.datatype is None and term.language is None:
            return rdflib.Literal(str(term)).n3()
        if isinstance(term, rdflib.Literal) and term.datatype == rdflib.XSD.string:
            return rdflib.Literal(str(term)).n3()
        return term.n3()
    text = str(term)
    return text.replace('^^<http://www.w3.org/2001/XMLSchema#string>', "")


def path_term(graph: rdflib.Graph, node: Any) -> str | None:
    """A result path as shacl-rust writes it: ``<iri>``, or ``^<iri>`` for an inverse path."""
    if node is None:
        return None
    inverse = graph.value(node, SH.inversePath) if isinstance(node, rdflib.BNode) else None
    return f"^{nt(inverse)}" if isinstance(inverse, rdflib.URIRef) else nt(node)


def normalise(term: str | None) -> str | None:
    """Terms as shacl-rust writes them, with blank nodes anonymised, so engines compare."""
    if term is None:
        return None
    if term.startswith("_:"):
        return "_:"
    return term.replace('^^<http://www.w3.org/2001/XMLSchema#string>', "")


# -- shapes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Footprint:
    """The triples a SPARQL constraint can read: those with one of ``predicates`` and, for
    ``rdf:type``, those whose class is one of ``classes`` or a subclass of one. ``None``: any
    (a variable predicate, a negated path, a variable class)."""

    predicates: frozenset[str] | None
    classes: frozenset[str] | None

    def reads(self, predicates: set[str], classes: set[str]) -> bool:
        """Whether a change to triples with these predicates (and ``rdf:type`` triples with
        these classes, subclasses already resolved to their ancestors) can change the answer."""
        if self.predicates is None:
            return True
        other = predicates - {RDF_TYPE_IRI}
        if other & self.predicates:
            return True
        if RDF_TYPE_IRI not in predicates:
            return False
        return self.classes is None or bool(classes & self.classes)


@dataclass(frozen=True)
class SparqlConstraint:
    shape: str
    constraint: str
    query: str
    severity: str
    path: str | None
    messages: tuple[str, ...]
    footprint: Footprint


@dataclass
class Shapes:
    """A shapes graph, split for the two engines."""

    files: tuple[str, ...]
    local_turtle: str
    sparql: list[SparqlConstraint]
    texts: ShapeTexts
    targets: dict[str, list[tuple[str, str]]]
    """Per shape with SPARQL constraints: its targets as (kind, term) pairs."""
    simple_paths: bool
    """Every path is a predicate or the inverse of one: what incremental validation needs."""
    digest: str
    graph: rdflib.Graph = field(repr=False)
    inverse_predicates: frozenset[str] = frozenset()
    """Predicates the local shapes read from object to subject (inverse paths, targetObjectsOf)."""
    reads_value_properties: bool = True
    """Whether a local shape checks more of a value node than its term and its classes (a
    property shape with sh:node, sh:qualifiedValueShape or a logical constraint whose shapes
    have paths of their own); if not, a value node's changes reach its neighbours only through
    its rdf:type."""


def shapes_files(directory: Path = SHAPES_DIR) -> list[Path]:
    return sorted(directory.glob("*.ttl"))


def load_shapes(files: Iterable[Path]) -> Shapes:
    files = list(files)
    if not files:
        raise ConfigError("no SHACL shapes: the shapes directory is empty")
    graph = rdflib.Graph()
    digest = hashlib.sha256()
    for path in files:
        data = path.read_bytes()
        digest.update(path.name.encode() + data)
        try:
            graph.parse(data=data, format="turtle", publicID=path.as_uri())
        except Exception as exc:  # rdflib raises several parser exception types
            raise ConfigError(f"{path}: cannot parse the shapes: {exc}") from None

    texts = ShapeTexts()
    for shape in set(graph.subjects(RDF_TYPE, SH.NodeShape)) | set(graph.subjects(RDF_TYPE, SH.PropertyShape)):
        key = nt(shape)
        texts.all_shapes.append(key)
        for predicate, store in ((SH.message, texts.messages), (SH.name, texts.names)):
            for literal in graph.objects(shape, predicate):
                if isinstance(literal, rdflib.Literal):
                    store.setdefault(key, {})[literal.language or ""] = str(literal)

    sparql: list[SparqlConstraint] = []
    targets: dict[str, list[tuple[str, str]]] = {}
    local = rdflib.Graph()
    for triple in graph:
        local.add(triple)
    for shape, constraint in list(graph.subject_objects(SH.sparql)):
        select = graph.value(constraint, SH.select)
        if select is None:
            raise ConfigError(f"shape {shape}: only sh:select SPARQL constraints are supported")
        prologue = "".join(
            f"PREFIX {graph.value(d, SH.prefix)}: <{graph.value(d, SH.namespace)}>\n"
            for prefixes in graph.objects(constraint, SH.prefixes)
            for d in graph.objects(prefixes, SH.declare)
        )
        severity = graph.value(shape, SH.severity) or SH.Violation
        path = graph.value(shape, SH.path)
        if path is not None and "$PATH" in str(select):
            if not isinstance(path, rdflib.URIRef):
                raise ConfigError(f"shape {shape}: $PATH is only supported with a predicate path")
            select = rdflib.Literal(str(select).replace("$PATH", path.n3()))
        messages = tuple(str(m) for m in graph.objects(constraint, SH.message)) or tuple(
            str(m) for m in graph.objects(shape, SH.message)
        )
        for lang_message in graph.objects(constraint, SH.message):
            if isinstance(lang_message, rdflib.Literal):
                texts.messages.setdefault(nt(shape), {})[lang_message.language or ""] = str(lang_message)
        targets[nt(shape)] = _targets(graph, shape)
        query = prologue + str(select)
        sparql.append(
            SparqlConstraint(nt(shape), nt(constraint), query, str(severity).removeprefix(str(SH)),
                             nt(path) if path is not None else None, messages,
                             footprint(query, targets[nt(shape)], f"shape {shape}"))
        )
        local.remove((shape, SH.sparql, constraint))
        for triple in list(local.triples((constraint, None, None))):
            local.remove(triple)

    simple = all(
        isinstance(p, rdflib.URIRef)
        or (isinstance(p, rdflib.BNode) and isinstance(graph.value(p, SH.inversePath), rdflib.URIRef)
            and len(list(graph.predicate_objects(p))) == 1)
        for p in graph.objects(None, SH.path)
    )
    inverse = {str(graph.value(p, SH.inversePath)) for p in graph.objects(None, SH.path)
               if isinstance(p, rdflib.BNode) and isinstance(graph.value(p, SH.inversePath), rdflib.URIRef)}
    inverse |= {str(p) for p in graph.objects(None, SH.targetObjectsOf)}
    return Shapes(tuple(p.name for p in files), local.serialize(format="turtle"), sparql, texts, targets, simple,
                  digest.hexdigest(), graph, frozenset(inverse), _reads_value_properties(graph))


VALUE_SHAPE_LINKS = (SH.node, SH.qualifiedValueShape, SH["not"])
VALUE_SHAPE_LISTS = (SH["or"], SH["and"], SH.xone)


def _reads_value_properties(graph: rdflib.Graph) -> bool:
    """Whether a property shape applies to its value nodes a shape that has paths of its own."""

    def referenced(shape: rdflib.term.Node) -> Iterator[rdflib.term.Node]:
        for link in VALUE_SHAPE_LINKS:
            yield from graph.objects(shape, link)
        for link in VALUE_SHAPE_LISTS:
            for head in graph.objects(shape, link):
                yield from Collection(graph, head)

    for property_shape in set(graph.subjects(SH.path, None)):
        seen: set[rdflib.term.Node] = set()
        pending = list(referenced(property_shape))
        while pending:
            shape = pending.pop()
            if shape in seen:
                continue
            seen.add(shape)
            if (shape, SH.path, None) in graph or (shape, SH.property, None) in graph or (shape, SH.sparql, None) in graph:
                return True
            pending.extend(referenced(shape))
    return False


def footprint(query: str, targets: list[tuple[str, str]], where: str) -> Footprint:
    """The predicates and classes a SELECT query's patterns (and the shape's targets) can match,
    read from the query's algebra: BGPs anywhere, in sub-queries and EXISTS too, and the IRIs of
    property paths."""
    try:
        algebra = prepareQuery(query).algebra
    except Exception as exc:  # pyparsing and rdflib raise several exception types
        raise ConfigError(f"{where}: cannot parse its sh:select query: {exc}") from None
    predicates: set[str] = set()
    classes: set[str] = set()
    anything = any_class = False

    def path_iris(path: Any) -> Iterator[str | None]:
        if isinstance(path, rdflib.URIRef):
            yield str(path)
        elif isinstance(path, (SequencePath, AlternativePath)):
            for part in path.args:
                yield from path_iris(part)
        elif isinstance(path, InvPath):
            yield from path_iris(path.arg)
        elif isinstance(path, MulPath):
            yield from path_iris(path.path)
        else:  # a variable, or a negated property set: any predicate
            yield None

    def walk(node: Any) -> None:
        nonlocal anything, any_class
        if isinstance(node, CompValue):
            for key, value in node.items():
                if key == "triples" and node.name in ("BGP", "TriplesBlock"):  # EXISTS stays untranslated
                    # a BGP holds triples; an untranslated block holds flat runs (`;` and `,`
                    # continue a run: s p o s p2 o2), three terms a triple
                    runs = [run[at:at + 3] for run in value for at in range(0, len(run), 3)]
                    for _subject, predicate, obj in runs:
                        for iri in path_iris(predicate):
                            if iri is None:
                                anything = True
                            elif iri == RDF_TYPE_IRI and predicate == RDF_TYPE:
                                if isinstance(obj, rdflib.URIRef):
                                    classes.add(str(obj))
                                else:
                                    any_class = True
                            else:
                                predicates.add(iri)
                                if iri == RDF_TYPE_IRI:  # rdf:type inside a path: any class
                                    any_class = True
                elif key != "_vars":
                    walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    walk(algebra)
    for kind, term in targets:
        if kind == "class":
            classes.add(term)
        elif kind in ("subjectsOf", "objectsOf"):
            predicates.add(term)
    if classes or any_class:
        predicates.add(RDF_TYPE_IRI)
    return Footprint(None if anything else frozenset(predicates), None if any_class else frozenset(classes))


def _targets(graph: rdflib.Graph, shape: rdflib.term.Node) -> list[tuple[str, str]]:
    found = [("class", str(c)) for c in graph.objects(shape, SH.targetClass)]
    found += [("node", nt(n)) for n in graph.objects(shape, SH.targetNode)]
    found += [("subjectsOf", str(p)) for p in graph.objects(shape, SH.targetSubjectsOf)]
    found += [("objectsOf", str(p)) for p in graph.objects(shape, SH.targetObjectsOf)]
    if (shape, RDF_TYPE, rdflib.RDFS.Class) in graph:
        found.append(("class", str(shape)))
    return found


def profile_files(profile: str, mirror: Path | None = None) -> tuple[list[Path], list[Path]]:
    """(core shapes for the fast engine, DCAT-AP shapes for pySHACL) of a profile."""
    if profile not in PROFILES:
        raise ConfigError(f"--profile {profile!r} is not one of {', '.join(PROFILES)}")
    core = shapes_files() if profile in ("core", "all") else []
    dcat: list[Path] = []
    if profile in ("dcat-ap", "all"):
        if mirror is None:
            raise ConfigError("the dcat-ap profile needs the mirror (--mirror or TID_MIRROR) for the SEMIC shapes")
        # SEMIC publishes two alternative sets of shapes for DCAT-AP 3.0.1; both are checked, each
        # set on its own (graph/validate/dcat.py): html/shacl/ (core, recommended, ranges, with
        # severities) and shacl/ (generated from the UML model, every result a violation)
        release = mirror / "vocabularies" / "dcat-ap" / "3.0.1"
        dcat = [release / "html" / "shacl" / name for name in ("shapes.ttl", "shapes_recommended.ttl", "range.ttl")]
        dcat += [release / "shacl" / name for name in ("dcat-ap-SHACL.ttl", "ranges.ttl")]
        missing = [str(p) for p in dcat if not p.is_file()]
        if missing:
            raise ConfigError(f"DCAT-AP 3.0.1 shapes not found: {', '.join(missing)}")
    return core, dcat
