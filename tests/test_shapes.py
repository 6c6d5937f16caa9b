"""The SHACL shapes of ``shapes/``: fixtures per shape, two engines that agree, and the shapes' own form.

Layout of the fixtures, one directory per shape, named after the shape's local name::

    tests/shapes/<shape>/valid.ttl            a passing example: conforms (no result at all, unless
                                              expected-valid.json lists the non-Violation results)
    tests/shapes/<shape>/invalid.ttl          a failing example
    tests/shapes/<shape>/expected.json        the exact results of invalid.ttl, as
                                              [{"focus", "path", "sourceShape", "severity"}]
    tests/shapes/<shape>/expected-valid.json  only for the announced-figure shapes: a figure is always
                                              reported (sh:Info when its count matches, sh:Warning
                                              otherwise), so a passing example still yields a result

Fixtures are small cuts of the real data (COG codes, names, SIRENs, ANCT territories, transcribed
sites, curated facts), with the closure each shape needs around its focus node, and, in
invalid.ttl, one realistic error. Terms in expected.json: full IRIs; ``"_:"`` for a blank node
(the checksum of a distribution); ``"^IRI"`` for an inverse path; ``null`` for no path.

Every fixture runs through pySHACL (the reference, ``inference="none"``, ``advanced=True``) and
through shacl-rust, and both must give the same results. The SPARQL constraints are also run the
way ``tid build`` runs them (``graph/validate.py``): once over a pyoxigraph store with ``$this``
unbound, the solutions kept for the shape's focus nodes; that must give pySHACL's results too.
pySHACL drops the language tag of messages of SPARQL constraints, so message languages are
checked on the shapes graph, not on results.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pyshacl
import pytest
import rdflib
import shacl_rust
from pyoxigraph import RdfFormat, Store
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

REPO = Path(__file__).resolve().parents[1]
SHAPES_DIR = REPO / "shapes"
FIXTURES_DIR = REPO / "tests" / "shapes"
ONTOLOGY = REPO / "ontology" / "tid.ttl"
SHAPE_FILES = ("core", "ranges", "codelists", "recommended", "rules")

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
TID = "https://w3id.org/territoires-industrie/def#"
TIDSH = "https://w3id.org/territoires-industrie/shapes#"
SHACL_SPEC = URIRef("https://www.w3.org/TR/shacl/")
SEVERITIES = {SH.Violation, SH.Warning, SH.Info}

Result = tuple[str, str | None, str, str]
"""(focus, path, source shape, severity), as written in expected.json."""


# -- shapes -------------------------------------------------------------------------------------


@cache
def shapes_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@cache
def pyshacl_shapes_graph() -> rdflib.Graph:
    """A copy for pySHACL, which adds a few RDFS/OWL axioms to the shapes graph it is given."""
    graph = rdflib.Graph()
    for triple in shapes_graph():
        graph.add(triple)
    return graph


@cache
def shapes_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(SHAPES_DIR.glob("*.ttl")))


def property_shapes(graph: rdflib.Graph) -> set[rdflib.term.Node]:
    return set(graph.subjects(RDF.type, SH.PropertyShape)) | set(graph.objects(None, SH.property))


def sparql_shapes(graph: rdflib.Graph) -> set[rdflib.term.Node]:
    return set(graph.subjects(SH.sparql, None))


def local_name(node: rdflib.term.Node) -> str:
    return str(node).removeprefix(TIDSH)


# -- engines ------------------------------------------------------------------------------------


def _term(graph: rdflib.Graph, node: rdflib.term.Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, BNode):
        inverse = graph.value(node, SH.inversePath)
        return f"^{inverse}" if inverse is not None else "_:"
    return str(node)


def pyshacl_results(data: rdflib.Graph) -> set[Result]:
    _conforms, report, _text = pyshacl.validate(data, shacl_graph=pyshacl_shapes_graph(), inference="none", advanced=True)
    found = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        found.add((
            _term(report, report.value(result, SH.focusNode)),
            _term(report, report.value(result, SH.resultPath)),
            str(report.value(result, SH.sourceShape)),
            str(report.value(result, SH.resultSeverity)).removeprefix(str(SH)),
        ))
    return found


def _rust_term(text: str | None) -> str | None:
    if text is None:
        return None
    if text.startswith("_:"):
        return "_:"
    if text.startswith("^<") and text.endswith(">"):
        return "^" + text[2:-1]
    return text[1:-1] if text.startswith("<") and text.endswith(">") else text


def shacl_rust_results(data_text: str) -> set[Result]:
    report = shacl_rust.validate(data_text, shapes_text(), data_format="turtle", shapes_format="turtle")
    return {
        (_rust_term(r["focusNode"]), _rust_term(r.get("resultPath")), _rust_term(r["sourceShape"]),
         _rust_term(r["severity"]).removeprefix(str(SH)))
        for r in report["results"]
    }


def _focus_nodes(data: rdflib.Graph, shape: rdflib.term.Node) -> set[str]:
    graph, nodes = shapes_graph(), set()
    for cls in graph.objects(shape, SH.targetClass):
        classes = {cls} | set(data.transitive_subjects(RDFS.subClassOf, cls))
        nodes |= {str(s) for c in classes for s in data.subjects(RDF.type, c)}
    for predicate in graph.objects(shape, SH.targetSubjectsOf):
        nodes |= {str(s) for s in data.subjects(predicate, None)}
    for predicate in graph.objects(shape, SH.targetObjectsOf):
        nodes |= {str(o) for o in data.objects(None, predicate)}
    nodes |= {str(n) for n in graph.objects(shape, SH.targetNode)}
    return nodes


def oxigraph_unbound_results(data: rdflib.Graph) -> set[Result]:
    """The SPARQL constraints as the build runs them: each query once, $this unbound."""
    graph = shapes_graph()
    store = Store()
    store.load(data.serialize(format="nt").encode("utf-8"), format=RdfFormat.N_TRIPLES)
    found = set()
    for shape, constraint in graph.subject_objects(SH.sparql):
        focus = _focus_nodes(data, shape)
        severity = str(graph.value(shape, SH.severity) or SH.Violation).removeprefix(str(SH))
        for solution in store.query(str(graph.value(constraint, SH.select))):
            this = solution["this"]
            if this is None or not hasattr(this, "value") or this.value not in focus:
                continue
            path = solution["path"]
            found.add((this.value, path.value if path is not None else None, str(shape), severity))
    return found


# -- fixtures -----------------------------------------------------------------------------------


def fixture_dirs() -> list[Path]:
    return sorted(p for p in FIXTURES_DIR.iterdir() if p.is_dir()) if FIXTURES_DIR.is_dir() else []


def load_expected(path: Path) -> set[Result]:
    if not path.is_file():
        return set()
    rows = json.loads(path.read_text(encoding="utf-8"))
    return {(r["focus"], r["path"], r["sourceShape"], r["severity"]) for r in rows}


def read_fixture(path: Path) -> tuple[str, rdflib.Graph]:
    text = path.read_text(encoding="utf-8")
    return text, rdflib.Graph().parse(data=text, format="turtle")


def show(results: Iterable[Result]) -> str:
    return "\n  ".join(" | ".join(str(x) for x in r) for r in sorted(results, key=lambda r: tuple(x or "" for x in r)))


FIXTURES = fixture_dirs()


@pytest.mark.parametrize("case", FIXTURES, ids=[p.name for p in FIXTURES])
def test_valid_example_conforms(case: Path) -> None:
    text, data = read_fixture(case / "valid.ttl")
    expected = load_expected(case / "expected-valid.json")
    assert all(severity != "Violation" for *_rest, severity in expected), "a passing example cannot expect a Violation"
    reference = pyshacl_results(data)
    assert reference == expected, f"pySHACL on valid.ttl:\n  {show(reference)}\nexpected:\n  {show(expected)}"
    rust = shacl_rust_results(text)
    assert rust == reference, f"shacl-rust differs from pySHACL:\n  rust:\n  {show(rust)}\n  pySHACL:\n  {show(reference)}"
    sparql = {r for r in reference if URIRef(r[2]) in sparql_shapes(shapes_graph())}
    assert oxigraph_unbound_results(data) == sparql


@pytest.mark.parametrize("case", FIXTURES, ids=[p.name for p in FIXTURES])
def test_invalid_example_gives_the_expected_results(case: Path) -> None:
    text, data = read_fixture(case / "invalid.ttl")
    expected = load_expected(case / "expected.json")
    assert any(shape == TIDSH + case.name for _f, _p, shape, _s in expected), (
        f"expected.json of {case.name} must include a result of tidsh:{case.name}"
    )
    reference = pyshacl_results(data)
    assert reference == expected, f"pySHACL on invalid.ttl:\n  {show(reference)}\nexpected:\n  {show(expected)}"
    rust = shacl_rust_results(text)
    assert rust == reference, f"shacl-rust differs from pySHACL:\n  rust:\n  {show(rust)}\n  pySHACL:\n  {show(reference)}"
    sparql = {r for r in reference if URIRef(r[2]) in sparql_shapes(shapes_graph())}
    oxigraph = oxigraph_unbound_results(data)
    assert oxigraph == sparql, f"unbound SPARQL run differs:\n  {show(oxigraph)}\n  pySHACL:\n  {show(sparql)}"


def test_every_property_shape_and_sparql_shape_has_fixtures() -> None:
    graph = shapes_graph()
    named = {local_name(s) for s in property_shapes(graph) | sparql_shapes(graph)}
    have = {p.name for p in FIXTURES if (p / "valid.ttl").is_file() and (p / "invalid.ttl").is_file()
            and (p / "expected.json").is_file()}
    assert not named - have, f"shapes without fixtures: {sorted(named - have)}"
    assert not have - named, f"fixtures of no shape: {sorted(have - named)}"


def test_every_expected_source_shape_exists() -> None:
    graph = shapes_graph()
    shapes = {str(s) for s in property_shapes(graph) | sparql_shapes(graph)}
    for case in FIXTURES:
        for name in ("expected.json", "expected-valid.json"):
            for _focus, _path, shape, severity in load_expected(case / name):
                assert shape in shapes, f"{case.name}/{name}: unknown shape {shape}"
                assert severity in {"Violation", "Warning", "Info"}


# -- the shapes' own form -----------------------------------------------------------------------


def _langs(graph: rdflib.Graph, node: rdflib.term.Node, predicate: URIRef) -> list[str | None]:
    return sorted((o.language if isinstance(o, Literal) else "<not a literal>") or "" for o in graph.objects(node, predicate))


def test_property_shapes_are_named_bilingual_and_have_a_severity() -> None:
    graph = shapes_graph()
    problems = []
    for shape in sorted(property_shapes(graph), key=str):
        name = local_name(shape)
        if not isinstance(shape, URIRef) or not str(shape).startswith(TIDSH):
            problems.append(f"{shape}: property shapes are named tidsh: IRIs, never blank nodes")
            continue
        if _langs(graph, shape, SH.message) != ["en", "fr"]:
            problems.append(f"{name}: needs exactly one sh:message @fr and one @en, has {_langs(graph, shape, SH.message)}")
        if _langs(graph, shape, SH.name) != ["en", "fr"]:
            problems.append(f"{name}: needs sh:name @fr and @en, has {_langs(graph, shape, SH.name)}")
        severities = list(graph.objects(shape, SH.severity))
        if len(severities) != 1 or severities[0] not in SEVERITIES:
            problems.append(f"{name}: needs exactly one explicit sh:severity, has {severities}")
        if graph.value(shape, SH.path) is None:
            problems.append(f"{name}: no sh:path")
    assert not problems, "\n".join(problems)


def test_sparql_shapes_are_named_bilingual_and_have_a_severity() -> None:
    graph = shapes_graph()
    problems = []
    for shape in sorted(sparql_shapes(graph), key=str):
        name = local_name(shape)
        if not isinstance(shape, URIRef) or not str(shape).startswith(TIDSH):
            problems.append(f"{shape}: SPARQL-based shapes are named tidsh: IRIs")
            continue
        severities = list(graph.objects(shape, SH.severity))
        if len(severities) != 1 or severities[0] not in SEVERITIES:
            problems.append(f"{name}: needs exactly one explicit sh:severity, has {severities}")
        if _langs(graph, shape, RDFS.label) != ["en", "fr"]:
            problems.append(f"{name}: needs rdfs:label @fr and @en")
        for constraint in graph.objects(shape, SH.sparql):
            if _langs(graph, constraint, SH.message) != ["en", "fr"]:
                problems.append(f"{name}: its constraint needs exactly one sh:message @fr and one @en")
            if graph.value(constraint, SH.select) is None:
                problems.append(f"{name}: only sh:select constraints are used")
    assert not problems, "\n".join(problems)


def test_messages_have_no_placeholders() -> None:
    graph = shapes_graph()
    found = [f"{s}: {m}" for s, m in graph.subject_objects(SH.message) if re.search(r"\{[?$]", str(m))]
    assert not found, "messages must not use {?var} / {$this} placeholders:\n" + "\n".join(found)


def test_every_ontology_class_is_the_target_of_a_shape() -> None:
    ontology = rdflib.Graph().parse(ONTOLOGY, format="turtle")
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(TID)}
    assert classes, "no tid: class found in ontology/tid.ttl"
    targeted = set(shapes_graph().objects(None, SH.targetClass))
    missing = sorted(str(c) for c in classes - targeted)
    assert not missing, f"classes of ontology/tid.ttl that no shape targets: {missing}"


@pytest.mark.parametrize("name", SHAPE_FILES)
def test_shape_file_has_a_header(name: str) -> None:
    path = SHAPES_DIR / f"{name}.ttl"
    graph = rdflib.Graph().parse(path, format="turtle")
    headers = list(graph.subjects(RDF.type, OWL.Ontology))
    assert len(headers) == 1, f"{path.name}: exactly one owl:Ontology header"
    header = headers[0]
    assert _langs(graph, header, DCTERMS.title) == ["en", "fr"], f"{path.name}: dct:title @fr and @en"
    assert [str(v) for v in graph.objects(header, OWL.versionInfo)] == ["0.1.0"]
    assert (header, DCTERMS.conformsTo, SHACL_SPEC) in graph


def test_recommended_shapes_are_all_warnings() -> None:
    graph = rdflib.Graph().parse(SHAPES_DIR / "recommended.ttl", format="turtle")
    severities = {graph.value(s, SH.severity) for s in property_shapes(graph) | sparql_shapes(graph)}
    assert severities == {SH.Warning}


def test_shape_files_concatenate_into_one_turtle_document() -> None:
    """The build validates with the files joined into one text: prefixes must agree across files."""
    graph = rdflib.Graph().parse(data=shapes_text(), format="turtle")
    assert len(graph) == len(shapes_graph())
