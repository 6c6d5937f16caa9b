"""Quality control of the ontology (`ontology/tid.ttl`) and of the QC checks themselves.

- The ontology parses with rdflib and with Oxigraph.
- Every `queries/qc/*-violation.rq` check (ROBOT's convention: columns `?entity ?property
  ?value`, a header with `title`, `fr`, `en`, `severity`) returns no row on the ontology when its
  severity is ERROR or WARN, with rdflib and with Oxigraph.
- Every check really fires: on the ontology plus a small fixture holding one defect, it returns
  exactly the expected `(entity, property)` rows.
- The ontology's version matches `pyproject.toml`, its terms follow `docs/model.md` (the
  contract) and the style of a term block (one label and one definition per language,
  definitions that are one sentence and do not repeat the term).
- Every `tid:` term that the shapes, the queries and the curated files use is declared.

The package may not be installed: files are located from this file, nothing imports `tid`.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

try:
    import pyoxigraph
except ImportError:  # pragma: no cover - pyoxigraph is a dependency of the project
    pyoxigraph = None

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "tid.ttl"
QC_DIR = ROOT / "queries" / "qc"
MODEL = ROOT / "docs" / "model.md"
PYPROJECT = ROOT / "pyproject.toml"

TID = "https://w3id.org/territoires-industrie/def#"
ONTOLOGY_IRI = URIRef("https://w3id.org/territoires-industrie/def")
DECLARATION_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
COLUMNS = ["entity", "property", "value"]
SEVERITIES = {"ERROR", "WARN", "INFO"}

CHECKS = sorted(QC_DIR.glob("*-violation.rq"))
ENGINES = [
    "rdflib",
    pytest.param(
        "oxigraph", marks=pytest.mark.skipif(pyoxigraph is None, reason="pyoxigraph not installed")
    ),
]


def check_id(path: Path) -> str:
    return path.name.removesuffix("-violation.rq")


def read_header(path: Path) -> dict[str, str]:
    """The `# key: value` lines at the top of a query file."""
    header: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = re.match(r"#\s*(\w+):\s*(.*?)\s*$", line)
        if match:
            header[match.group(1)] = match.group(2)
    return header


def _term(value) -> str | None:
    """A result cell as a plain string (IRI, lexical form, blank node id), None if unbound."""
    if value is None:
        return None
    if pyoxigraph is not None and isinstance(
        value, (pyoxigraph.NamedNode, pyoxigraph.Literal, pyoxigraph.BlankNode)
    ):
        return value.value
    return str(value)


def run_check(engine: str, query: str, *turtle: str) -> list[tuple[str | None, ...]]:
    """Run a QC query over the union of the Turtle documents; rows as `(entity, property, value)`."""
    if engine == "rdflib":
        graph = Graph()
        for text in turtle:
            graph.parse(data=text, format="turtle")
        result = graph.query(query)
        assert [str(v) for v in result.vars] == COLUMNS
        return [tuple(_term(cell) for cell in row) for row in result]
    store = pyoxigraph.Store()
    for text in turtle:
        store.load(text.encode("utf-8"), format=pyoxigraph.RdfFormat.TURTLE)
    solutions = store.query(query)
    assert [v.value for v in solutions.variables] == COLUMNS
    return [tuple(_term(solution[name]) for name in COLUMNS) for solution in solutions]


def format_rows(rows) -> str:
    return "\n".join("  " + " | ".join(str(cell) for cell in row) for row in rows)


@pytest.fixture(scope="module")
def ontology_text() -> str:
    return ONTOLOGY.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def ontology(ontology_text) -> Graph:
    return Graph().parse(data=ontology_text, format="turtle")


@pytest.fixture(scope="module")
def declared(ontology) -> set[str]:
    return {
        str(s)
        for t in DECLARATION_TYPES
        for s in ontology.subjects(RDF.type, t)
        if str(s).startswith(TID)
    }


# -- The ontology parses ------------------------------------------------------------------------


def test_ontology_parses_with_rdflib(ontology):
    assert list(ontology.subjects(RDF.type, OWL.Ontology)) == [ONTOLOGY_IRI]
    assert len(ontology) > 0


@pytest.mark.skipif(pyoxigraph is None, reason="pyoxigraph not installed")
def test_ontology_parses_with_oxigraph(ontology, ontology_text):
    store = pyoxigraph.Store()
    store.load(ontology_text.encode("utf-8"), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(store) == len(ontology)


# -- The checks are well-formed -----------------------------------------------------------------


def test_there_are_checks():
    assert CHECKS, f"no *-violation.rq in {QC_DIR}"


@pytest.mark.parametrize("check", CHECKS, ids=check_id)
def test_check_header(check):
    header = read_header(check)
    missing = {"title", "fr", "en", "severity"} - header.keys()
    assert not missing, f"{check.name}: header lacks {sorted(missing)}"
    assert header["severity"] in SEVERITIES, f"{check.name}: severity {header['severity']!r}"
    text = check.read_text(encoding="utf-8")
    placeholder = re.search(r"%s|\{\}|\{[A-Za-z_]\w*\}|\{\{", text)
    assert placeholder is None, f"{check.name}: string-formatting placeholder {placeholder.group()!r}"


# -- The ontology passes every check ------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("check", CHECKS, ids=check_id)
def test_ontology_passes_check(check, engine, ontology_text):
    severity = read_header(check).get("severity")
    rows = run_check(engine, check.read_text(encoding="utf-8"), ontology_text)
    if severity in {"ERROR", "WARN"}:
        assert not rows, f"{check.name} ({severity}) on {ONTOLOGY.name}:\n{format_rows(rows)}"


# -- Every check fires on a defect --------------------------------------------------------------

PREFIXES = """\
@prefix cpsv: <http://purl.org/vocab/cpsv#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix tid: <https://w3id.org/territoires-industrie/def#> .
@prefix vann: <http://purl.org/vocab/vann/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

CURIES = {
    "cpsv": "http://purl.org/vocab/cpsv#",
    "dct": "http://purl.org/dc/terms/",
    "ex": "https://example.org/",
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "skos": str(SKOS),
    "tid": TID,
}


def expand(curie: str) -> str:
    prefix, local = curie.split(":", 1)
    return CURIES[prefix] + local


# check id -> (Turtle holding one defect, expected (entity, property) rows). Each fixture is run
# over the union of the ontology and itself; `ex:` resources nearby show what must NOT fire.
FIXTURES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "missing-label-fr": (
        """
        tid:TermeDeTest a owl:Class ;
            rdfs:label "Test term"@en ;
            skos:definition "Classe qui ne sert qu'aux tests."@fr , "Class used only by the tests."@en ;
            rdfs:isDefinedBy <https://w3id.org/territoires-industrie/def> .
        ex:AutreClasse a owl:Class .
        tid:Variante a owl:Class ;
            rdfs:label "Variante canadienne"@fr-CA , "Variant"@en .
        """,
        [("tid:TermeDeTest", "rdfs:label")],
    ),
    "missing-label-en": (
        """
        tid:TermeDeTest a owl:Class ;
            rdfs:label "Terme de test"@fr ;
            skos:definition "Classe qui ne sert qu'aux tests."@fr , "Class used only by the tests."@en ;
            rdfs:isDefinedBy <https://w3id.org/territoires-industrie/def> .
        ex:AutreClasse a owl:Class ; rdfs:label "Autre classe"@fr .
        """,
        [("tid:TermeDeTest", "rdfs:label")],
    ),
    "multiple-labels-same-lang": (
        """
        tid:Programme rdfs:label "Programme public"@fr .
        ex:orthez rdfs:label "Orthez"@fr , "Orthez"@en .
        """,
        [("tid:Programme", "rdfs:label"), ("tid:Programme", "rdfs:label")],
    ),
    "missing-definition-fr": (
        """
        tid:termeDeTest a owl:ObjectProperty ;
            rdfs:label "terme de test"@fr , "test term"@en ;
            skos:definition "Property used only by the tests."@en ;
            rdfs:isDefinedBy <https://w3id.org/territoires-industrie/def> .
        """,
        [("tid:termeDeTest", "skos:definition")],
    ),
    "missing-definition-en": (
        """
        tid:termeDeTest a owl:DatatypeProperty ;
            rdfs:label "terme de test"@fr , "test term"@en ;
            skos:definition "Propriété qui ne sert qu'aux tests."@fr ;
            rdfs:isDefinedBy <https://w3id.org/territoires-industrie/def> .
        """,
        [("tid:termeDeTest", "skos:definition")],
    ),
    "multiple-definitions-same-lang": (
        """
        tid:Mesure skos:definition "Autre façon de dire la même chose."@fr .
        ex:concept skos:definition "Un concept."@fr , "A concept."@en .
        """,
        [("tid:Mesure", "skos:definition"), ("tid:Mesure", "skos:definition")],
    ),
    "isdefinedby-not-ontology-iri": (
        """
        tid:TermeDeTest a owl:Class ;
            rdfs:label "Terme de test"@fr , "Test term"@en ;
            skos:definition "Classe qui ne sert qu'aux tests."@fr , "Class used only by the tests."@en ;
            rdfs:isDefinedBy <https://w3id.org/territoires-industrie/def#> .
        ex:Externe rdfs:isDefinedBy ex:ailleurs .
        """,
        [("tid:TermeDeTest", "rdfs:isDefinedBy")],
    ),
    "ontology-header-incomplete": (
        """
        ex:onto a owl:Ontology ;
            dct:title "Ontologie de test"@fr ;
            dct:description "Ontologie qui ne sert qu'aux tests."@fr , "Ontology used only by the tests."@en ;
            dct:license <https://www.etalab.gouv.fr/licence-ouverte-open-licence/> ;
            dct:creator [ a <http://xmlns.com/foaf/0.1/Organization> ] ;
            dct:created "2026-11-22"^^xsd:date ;
            dct:modified "2026-11-22"^^xsd:date ;
            owl:versionIRI <https://example.org/onto/1.0.0> ;
            owl:versionInfo "1.0.0" ;
            vann:preferredNamespacePrefix "ex" ;
            vann:preferredNamespaceUri "https://example.org/" .
        """,
        [("ex:onto", "dct:title")],
    ),
    "unknown-rdfs-owl-predicate": (
        """
        tid:Programme rdfs:subClasOf cpsv:PublicService .
        ex:Chose rdfs:subClassOf ex:Truc ; owl:equivalentClass ex:Machin .
        """,
        [("tid:Programme", "rdfs:subClasOf")],
    ),
    "objectproperty-with-literal": (
        """
        ex:site tid:commune "Orthez"@fr ;
            tid:epci ex:cc-lacq-orthez ;
            tid:surfaceHa 12.5 .
        """,
        [("ex:site", "tid:commune")],
    ),
    "datatypeproperty-with-iri": (
        """
        ex:orthez tid:codePostal ex:cp-64300 ;
            tid:siren "216404301" ;
            tid:region ex:region-75 .
        """,
        [("ex:orthez", "tid:codePostal")],
    ),
    "undeclared-tid-term": (
        """
        ex:anct tid:subOrganzationOf ex:etat ;
            tid:siren "130026032" .
        """,
        [("ex:anct", "tid:subOrganzationOf")],
    ),
}

# Other forms of the same defects, checked the same way.
MORE_FIXTURES: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    (
        "isdefinedby-not-ontology-iri",
        "term-without-isdefinedby",
        """
        tid:TermeDeTest a owl:Class ;
            rdfs:label "Terme de test"@fr , "Test term"@en ;
            skos:definition "Classe qui ne sert qu'aux tests."@fr , "Class used only by the tests."@en .
        """,
        [("tid:TermeDeTest", "rdfs:isDefinedBy")],
    ),
    (
        "objectproperty-with-literal",
        "xsd-range",
        """
        tid:termeDeTest a owl:ObjectProperty ; rdfs:range xsd:date .
        ex:autre a owl:ObjectProperty ; rdfs:range ex:Classe .
        """,
        [("tid:termeDeTest", "rdfs:range")],
    ),
    (
        "datatypeproperty-with-iri",
        "class-range",
        """
        tid:termeDeTest a owl:DatatypeProperty ; rdfs:range tid:Programme .
        """,
        [("tid:termeDeTest", "rdfs:range")],
    ),
    (
        "undeclared-tid-term",
        "undeclared-class-and-object",
        """
        ex:site a tid:SiteCleEnMainn ; tid:territoire ex:ti .
        ex:chiffre tid:objetCompte tid:Territoire .
        """,
        [("ex:site", "rdf:type"), ("ex:chiffre", "tid:objetCompte")],
    ),
    (
        "multiple-labels-same-lang",
        "two-labels-without-language",
        """
        ex:chose rdfs:label "Chose" , "Machin" .
        """,
        [("ex:chose", "rdfs:label"), ("ex:chose", "rdfs:label")],
    ),
]


def test_every_fixture_has_a_check():
    ids = {check_id(c) for c in CHECKS}
    unknown = (set(FIXTURES) | {case[0] for case in MORE_FIXTURES}) - ids
    assert not unknown, f"fixtures for checks that do not exist: {sorted(unknown)}"


def _assert_fires(check_path: Path, engine: str, fixture: str, expected, ontology_text: str):
    rows = run_check(engine, check_path.read_text(encoding="utf-8"), ontology_text, PREFIXES + fixture)
    got = sorted((row[0], row[1]) for row in rows)
    want = sorted((expand(e), expand(p)) for e, p in expected)
    assert got == want, f"{check_path.name}: expected {want}, got:\n{format_rows(rows)}"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("check", CHECKS, ids=check_id)
def test_check_fires(check, engine, ontology_text):
    if check_id(check) not in FIXTURES:
        pytest.fail(f"{check.name} has no failing fixture in FIXTURES ({__file__})")
    fixture, expected = FIXTURES[check_id(check)]
    _assert_fires(check, engine, fixture, expected, ontology_text)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("name", "fixture", "expected"),
    [pytest.param(c, f, e, id=f"{c}-{case}") for c, case, f, e in MORE_FIXTURES],
)
def test_check_fires_on_other_forms(name, fixture, expected, engine, ontology_text):
    _assert_fires(QC_DIR / f"{name}-violation.rq", engine, fixture, expected, ontology_text)


# -- Version --------------------------------------------------------------------------------------


def test_version_matches_pyproject(ontology):
    version = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]
    assert [str(v) for v in ontology.objects(ONTOLOGY_IRI, OWL.versionInfo)] == [version]
    version_iris = [str(v) for v in ontology.objects(ONTOLOGY_IRI, OWL.versionIRI)]
    assert len(version_iris) == 1
    assert version_iris[0].rsplit("/", 1) == [str(ONTOLOGY_IRI), version]


# -- Style of the term blocks --------------------------------------------------------------------


def test_term_blocks(ontology, declared):
    problems = []
    for term in sorted(declared):
        iri = URIRef(term)
        local = term[len(TID):]
        kinds = [t for t in DECLARATION_TYPES if (iri, RDF.type, t) in ontology]
        if len(kinds) != 1:
            problems.append(f"{local}: declared as {len(kinds)} kinds of term")
            continue
        camel = r"[A-Z][A-Za-z0-9]*" if kinds[0] == OWL.Class else r"[a-z][A-Za-z0-9]*"
        if not re.fullmatch(camel, local):
            problems.append(f"{local}: not ASCII camelCase for a {kinds[0].fragment}")
        if list(ontology.objects(iri, RDFS.isDefinedBy)) != [ONTOLOGY_IRI]:
            problems.append(f"{local}: rdfs:isDefinedBy is not exactly the ontology IRI")
        for lang in ("fr", "en"):
            labels = [o for o in ontology.objects(iri, RDFS.label) if o.language == lang]
            definitions = [o for o in ontology.objects(iri, SKOS.definition) if o.language == lang]
            if len(labels) != 1 or len(definitions) != 1:
                problems.append(f"{local}@{lang}: {len(labels)} labels, {len(definitions)} definitions")
                continue
            label, definition = str(labels[0]), str(definitions[0])
            if label.endswith("."):
                problems.append(f"{local}@{lang}: the label ends with a period")
            if not (definition[0].isupper() and definition.endswith(".")):
                problems.append(f"{local}@{lang}: definition must start with a capital, end with '.'")
            if re.search(r"[.!?;]\s+\S", definition):
                problems.append(f"{local}@{lang}: definition is more than one sentence")
            if re.search(rf"(?<!\w){re.escape(label.lower())}(?!\w)", definition.lower()):
                problems.append(f"{local}@{lang}: definition repeats the label {label!r}")
    assert not problems, "\n".join(problems)


def test_no_labels_or_definitions_on_external_terms(ontology):
    external = {
        str(s)
        for p in (RDFS.label, SKOS.definition)
        for s in ontology.subjects(p, None)
        if isinstance(s, URIRef) and not str(s).startswith(TID)
    }
    assert not external, f"labels or definitions on terms that are not ours: {sorted(external)}"


# -- The ontology follows docs/model.md (the contract) -------------------------------------------


def _model_prefixes(text: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+):` \| `([^`]+)`", text, re.M)}


def _expand_model(curie: str, prefixes: dict[str, str]) -> URIRef:
    standard = {"xsd": "http://www.w3.org/2001/XMLSchema#", "rdf": str(RDF), "owl": str(OWL)}
    prefix, local = curie.split(":", 1)
    return URIRef({**standard, **prefixes}[prefix] + local)


def _section(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


# Where the ontology knowingly departs from a row of docs/model.md (reported to the contract).
MODEL_DEVIATIONS = {
    # model.md gives `owl:Class` as range; declaring it would take the ontology out of OWL 2 DL
    # (a class used as an individual); the rdfs:comment says what the values are.
    "objetCompte": "no rdfs:range",
}


def test_ontology_declares_exactly_the_model_terms(declared):
    text = MODEL.read_text(encoding="utf-8")
    in_model = {TID + local for local in re.findall(r"(?<![\w/])tid:([A-Za-z]\w*)", text)}
    assert not in_model - declared, f"in docs/model.md, not declared: {sorted(in_model - declared)}"
    assert not declared - in_model, f"declared, not in docs/model.md: {sorted(declared - in_model)}"


def test_superclasses_follow_the_model(ontology):
    text = MODEL.read_text(encoding="utf-8")
    prefixes = _model_prefixes(text)
    rows = re.findall(r"^\| `tid:([A-Z]\w*)`(?: ⊑ ([^|]*?))? \|", text, re.M)
    assert rows, "no tid: class row found in docs/model.md"
    problems = []
    for local, parents in rows:
        expected = {_expand_model(c, prefixes) for c in re.findall(r"`(\w+:\w+)`", parents or "")}
        actual = set(ontology.objects(URIRef(TID + local), RDFS.subClassOf))
        if expected != actual:
            problems.append(f"tid:{local}: model {sorted(expected)}, ontology {sorted(actual)}")
    assert not problems, "\n".join(problems)


def _property_rows(section: str):
    """(tid local names, third cell) for each table row whose first cell lists tid: terms."""
    for match in re.finditer(r"^\| ((?:`tid:\w+`(?:, )?)+) \| [^|]* \| ([^|]*) \|", section, re.M):
        yield re.findall(r"`tid:(\w+)`", match.group(1)), match.group(2).strip()


def test_property_kinds_and_ranges_follow_the_model(ontology):
    text = MODEL.read_text(encoding="utf-8")
    prefixes = _model_prefixes(text)
    literal = _section(text, "Literal-valued", "Object-valued")
    objects = _section(text, "Object-valued", "\n## ")
    problems = []

    def compare(local: str, range_curie: str | None, kind) -> None:
        iri = URIRef(TID + local)
        if range_curie and range_curie.startswith("xsd:"):
            kind = OWL.DatatypeProperty  # a literal range makes it a datatype property
        if (iri, RDF.type, kind) not in ontology:
            problems.append(f"tid:{local}: not a {kind.fragment}")
        if range_curie is None or local in MODEL_DEVIATIONS:
            return
        expected = {_expand_model(range_curie, prefixes)}
        actual = set(ontology.objects(iri, RDFS.range))
        if expected != actual:
            problems.append(f"tid:{local}: range in model {expected}, in ontology {actual}")

    for locals_, cell in _property_rows(literal):
        ranges = re.findall(r"`(\w+:\w+)`", cell)
        if len(ranges) == 1:
            ranges = ranges * len(locals_)
        assert len(ranges) == len(locals_), f"cannot read the ranges of {locals_} in docs/model.md"
        for local, range_curie in zip(locals_, ranges):
            compare(local, range_curie, OWL.DatatypeProperty)
    for locals_, cell in _property_rows(objects):
        first = re.match(r"`(\w+:\w+)`", cell)
        for local in locals_:
            compare(local, first.group(1) if first else None, OWL.ObjectProperty)
    assert not problems, "\n".join(problems)


# -- Every tid: term used by the project is declared ---------------------------------------------

TID_PREFIX_DECLARATION = re.compile(
    r"(?:@prefix|PREFIX)\s+tid:\s*<https://w3id\.org/territoires-industrie/def#>", re.I
)
PREFIXED_TERM = re.compile(r"(?<![\w:/#.-])tid:([A-Za-z_][A-Za-z0-9_-]*)")
FULL_IRI_TERM = re.compile(r"https://w3id\.org/territoires-industrie/def#([A-Za-z_][A-Za-z0-9_-]*)")


PYTHON_TERM = re.compile(r"\bTID(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*[\"']([A-Za-z_][A-Za-z0-9_-]*)[\"']\s*\])")
PYTHON_FOLDERS = ("endpoint", "graph", "loaders", "bench", "scripts", "tests")


def project_files() -> list[Path]:
    # (not this file, whose counterexamples name undeclared terms on purpose)
    python = [path for folder in PYTHON_FOLDERS for path in (ROOT / folder).rglob("*.py")
              if path != Path(__file__).resolve()]
    return sorted(
        [*ROOT.glob("shapes/*.ttl"), *ROOT.glob("queries/**/*.rq"), *ROOT.glob("curated/*.ttl"),
         *ROOT.glob("*.py"), *python]
    )


def tid_terms_in(text: str) -> set[str]:
    """tid: local names in a Turtle or SPARQL text: prefixed names after the tid: declaration,
    and full IRIs anywhere; in Python, also the terms minted through the namespace module
    (``TID.Programme``, ``TID["dateDebut"]``), so that a typo there fails here."""
    terms = set(FULL_IRI_TERM.findall(text))
    declaration = TID_PREFIX_DECLARATION.search(text)
    if declaration:
        terms |= set(PREFIXED_TERM.findall(text[declaration.end():]))
    terms |= {attribute or key for attribute, key in PYTHON_TERM.findall(text)} - {"iri"}  # TID.iri: its namespace
    return terms


def test_term_scanner():
    text = (
        "# param: ?t IRI of a tid:NotScanned (before the declaration)\n"
        "PREFIX tid: <https://w3id.org/territoires-industrie/def#>\n"
        "PREFIX tidsh: <https://w3id.org/territoires-industrie/shapes#>\n"
        "SELECT * { ?s a tid:SiteCleEnMain ; tid:commune ?c . ?c tidsh:x ?y . "
        "?p <https://w3id.org/territoires-industrie/def#idTi> ?id }"
    )
    assert tid_terms_in(text) == {"SiteCleEnMain", "commune", "idTi"}
    assert tid_terms_in("@prefix tid: <https://example.org/other#> . tid:X a tid:Y .") == set()
    assert tid_terms_in('yield Triple(node, TID.dateDebut, day); TID["idTi"]; TID.iri; NOTID.x') == {"dateDebut", "idTi"}


def test_tid_terms_used_in_project_are_declared(declared):
    undeclared = []
    for path in project_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for local in sorted(tid_terms_in(text)):
            if TID + local not in declared:
                undeclared.append(f"{path.relative_to(ROOT)}: tid:{local}")
    assert not undeclared, "tid: terms not declared in ontology/tid.ttl:\n" + "\n".join(undeclared)
