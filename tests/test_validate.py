"""The validation engine gives pySHACL's results, fully and incrementally; ``tid validate`` works.

pySHACL is the reference: the same data (the union of a built store) and the same shapes go
through ``pyshacl.validate(..., inference="none")`` and through ``tid.graph.validate``, and the
two result sets must be equal, result by result (focus node, path, value, source shape,
constraint component, severity).
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pyshacl
import pytest
import rdflib
from pyoxigraph import NamedNode, Quad, RdfFormat, Store, serialize

from tests.helpers import CUT_MIRROR, TEST_DATA, write_source_list
from tid.cli import main
from tid.errors import ConfigError
from tid.graph import validate
from tid.graph.build import BuildOptions, build
from tid.graph.report import ShapeResult
from tid.graph.shapes import SH, footprint, load_shapes, shapes_files
from tid.graph.store import DataDir, merged, open_read_only

ENGINE_SHAPES = TEST_DATA / "engine" / "shapes.ttl"


def reference(store: Store, shapes_path: list[Path]) -> set[tuple]:
    """pySHACL over the union of the store, as comparable keys."""
    data = rdflib.Graph()
    data.parse(data=serialize((q.triple for q in store), format=RdfFormat.N_TRIPLES).decode("utf-8"), format="nt")
    shapes = rdflib.Graph()
    for path in shapes_path:
        shapes.parse(path, format="turtle")
    _conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    return keys(validate.pyshacl_results(report))


def keys(results: list[ShapeResult]) -> set[tuple]:
    return {(*r.key, r.severity) for r in results}


@pytest.fixture(scope="module")
def cut_build(tmp_path_factory: pytest.TempPathFactory, cut_sources: Path):
    data_dir = DataDir(tmp_path_factory.mktemp("validate"))
    build(BuildOptions(data_dir=data_dir, mirror=CUT_MIRROR, source_list=cut_sources, dumps=False))
    return data_dir


@pytest.mark.parametrize("shapes_set", ["engine", "project"])
def test_full_validation_equals_pyshacl(cut_build: DataDir, shapes_set: str) -> None:
    files = [ENGINE_SHAPES] if shapes_set == "engine" else shapes_files()
    store = open_read_only(cut_build)
    outcome = validate.validate_store(store, load_shapes(files), ignore=frozenset({_validation_graph()}))
    expected = reference(_without_validation_graph(store), files)
    assert keys(outcome.results) == expected
    if shapes_set == "engine":
        components = {r.component for r in outcome.results}
        # The fixture shapes really exercise both engines.
        assert "SPARQLConstraintComponent" in components and "MinCountConstraintComponent" in components


def _validation_graph() -> str:
    return "https://w3id.org/territoires-industrie/graph/validation"


def _without_validation_graph(store: Store) -> Store:
    """The release's named graphs but the validation report, and their merge as the default graph."""
    copy = Store()
    copy.extend(merged(q for q in store if isinstance(q.graph_name, NamedNode) and q.graph_name.value != _validation_graph()))
    return copy


def test_incremental_validation_equals_full_after_a_source_changed(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(CUT_MIRROR, mirror)
    data_dir = DataDir(tmp_path / "data")
    shapes = load_shapes([ENGINE_SHAPES])
    sources = write_source_list(tmp_path / "sources.toml", mirror)
    build(BuildOptions(data_dir=data_dir, mirror=mirror, source_list=sources, dumps=False, validate=False))
    before = open_read_only(data_dir)
    first = validate.validate_store(before, shapes)
    state = first.state()

    # Change one source: a commune loses its SIREN and its postcodes in the COG file.
    communes = mirror / "cog/etalab-decoupage-administratif-3.1.1_cog2023/communes.json"
    communes.chmod(0o644)
    records = json.loads(communes.read_text(encoding="utf-8"))
    lieusaint = next(r for r in records if r["code"] == "77251")
    lieusaint.pop("codesPostaux")
    communes.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    sources = write_source_list(tmp_path / "sources.toml", mirror)
    build(BuildOptions(data_dir=data_dir, mirror=mirror, source_list=sources, dumps=False, validate=False))
    after = open_read_only(data_dir)

    incremental = validate.validate_store(after, shapes, state, before)
    full = validate.validate_store(after, shapes)
    assert incremental.mode.startswith("incremental")
    assert keys(incremental.results) == keys(full.results)
    assert ("<https://w3id.org/territoires-industrie/id/commune/77251>",) in {k[:1] for k in keys(full.results)
                                                                             if k[1] and "codePostal" in k[1]}


TID = "https://w3id.org/territoires-industrie/def#"
ORG = "http://www.w3.org/ns/org#"
IGEO = "http://rdf.insee.fr/def/geo#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def test_footprint_of_a_project_constraint_names_what_it_reads() -> None:
    shapes = load_shapes(shapes_files())
    by_shape = {c.shape: c.footprint for c in shapes.sparql}
    epci = by_shape["<https://w3id.org/territoires-industrie/shapes#Commune-unEpciParDate>"]
    assert epci.predicates == {ORG + "member", ORG + "organization", TID + "dateReference", TID + "natureJuridique",
                               "http://www.w3.org/2004/02/skos/core#notation", RDF_TYPE}
    assert epci.classes == {IGEO + "Commune"}  # the shape's target class
    assert epci.reads({ORG + "member"}, set())
    assert not epci.reads({"http://www.w3.org/2000/01/rdf-schema#label", TID + "codePostal"}, set())
    assert epci.reads({RDF_TYPE}, {IGEO + "Commune"})
    assert not epci.reads({RDF_TYPE}, {TID + "Labellisation"})


@pytest.mark.parametrize(("select", "targets", "predicates", "classes"), [
    ("SELECT $this WHERE { $this ex:a/ex:b ?o . FILTER EXISTS { ?o ^ex:c ?x } }", [("subjectsOf", "http://e/d")],
     {"http://e/a", "http://e/b", "http://e/c", "http://e/d"}, set()),
    ("SELECT $this WHERE { { SELECT $this WHERE { $this a ex:K } } OPTIONAL { $this ex:a* ?o } }", [],
     {"http://e/a", RDF_TYPE}, {"http://e/K"}),
    ("SELECT $this WHERE { $this ?p ?o }", [], None, set()),
    ("SELECT $this WHERE { $this !ex:a ?o }", [], None, set()),
    ("SELECT $this WHERE { $this a ?class }", [], {RDF_TYPE}, None),
    ("SELECT $this WHERE { $this ex:a/a ?class }", [("class", "http://e/K")], {"http://e/a", RDF_TYPE}, None),
    # `;` and `,` inside EXISTS (a block the parser leaves untranslated: runs of terms, not triples)
    ("SELECT $this WHERE { $this ex:a ?x FILTER EXISTS { ?x ex:b ?y, ?w ; ex:c ?z . ?z a ex:K } }", [],
     {"http://e/a", "http://e/b", "http://e/c", RDF_TYPE}, {"http://e/K"}),
])
def test_footprint_reads_every_pattern_and_path(select: str, targets: list, predicates: set | None,
                                                classes: set | None) -> None:
    found = footprint("PREFIX ex: <http://e/>\n" + select, targets, "test")
    assert found.predicates == (frozenset(predicates) if predicates is not None else None)
    assert found.classes == (frozenset(classes) if classes is not None else None)


def test_footprint_of_an_unparseable_query_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="shape <x>: cannot parse its sh:select"):
        footprint("SELECT $this WHERE { $this", [], "shape <x>")


def test_incremental_reruns_only_the_sparql_constraints_a_change_reaches(cut_build: DataDir) -> None:
    """A commune given a second EPCI at a date it already has one: the per-date EPCI rules run
    again and find it, the rules that cannot see the change keep their results, and the whole
    result set is the full validation's."""
    shapes = load_shapes(shapes_files())
    before = _without_validation_graph(open_read_only(cut_build))
    state = validate.validate_store(before, shapes).state()

    membership = next(iter(before.query(
        f"SELECT ?commune ?date ?epci WHERE {{ ?m <{ORG}member> ?commune ; <{TID}dateReference> ?date ; "
        f"<{ORG}organization> ?epci . ?commune a <{IGEO}Commune> }} LIMIT 1")))
    other = next(s["epci"] for s in before.query(
        f"SELECT ?epci WHERE {{ ?epci a <{IGEO}Intercommunalite> FILTER NOT EXISTS {{ "
        f"?epci <{TID}natureJuridique>/<http://www.w3.org/2004/02/skos/core#notation> \"EPT\" }} }}") if s["epci"] != membership["epci"])
    after = Store()
    after.extend(before)
    graph, extra = NamedNode("urn:test:second-epci"), NamedNode("urn:test:membership")
    after.extend(merged(Quad(extra, NamedNode(p), o, graph) for p, o in (
        (RDF_TYPE, NamedNode(TID + "AppartenanceEPCI")), (ORG + "member", membership["commune"]),
        (ORG + "organization", other), (TID + "dateReference", membership["date"]))))

    incremental = validate.validate_store(after, shapes, state, before)
    full = validate.validate_store(after, shapes)
    assert keys(incremental.results) == keys(full.results)
    assert "1 graph(s) changed, 4 triple(s) differ" in incremental.mode
    rerun = int(incremental.mode.split(", ")[-1].split(" of ")[0])
    assert 0 < rerun < len(shapes.sparql)
    found = {(r.focus, r.source_shape) for r in incremental.results if r.component == "SPARQLConstraintComponent"}
    assert (f"<{membership['commune'].value}>", "<https://w3id.org/territoires-industrie/shapes#Commune-unEpciParDate>") in found


def test_a_value_node_losing_its_class_is_seen_by_the_nodes_pointing_to_it(cut_build: DataDir) -> None:
    """A commune loses its rdf:type: its own graph changed, but the memberships that name it as
    member (in other graphs) fail their sh:or of classes, incrementally as in full."""
    shapes = load_shapes(shapes_files())
    assert not shapes.reads_value_properties and ORG + "member" in shapes.inverse_predicates
    before = _without_validation_graph(open_read_only(cut_build))
    state = validate.validate_store(before, shapes).state()
    commune = next(iter(before.query(
        f"SELECT ?commune WHERE {{ ?m a <{TID}Adhesion> ; <{ORG}member> ?commune . ?commune a <{IGEO}Commune> }} LIMIT 1")))["commune"]
    after = Store()
    after.extend(before)
    for quad in list(after.quads_for_pattern(commune, NamedNode(RDF_TYPE), NamedNode(IGEO + "Commune"), None)):
        after.remove(quad)

    incremental = validate.validate_store(after, shapes, state, before)
    full = validate.validate_store(after, shapes)
    assert keys(incremental.results) == keys(full.results)
    assert any(r.component == "OrConstraintComponent" and r.value == f"<{commune.value}>" for r in incremental.results)


BLANK_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://e/> .
ex:S a sh:NodeShape ; sh:targetClass ex:K ; sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:maxCount 1 ] .
"""


def test_results_on_blank_nodes_survive_an_incremental_validation(tmp_path: Path) -> None:
    """Results name blank nodes anonymously (``_:``): a change that touches one blank node must
    not lose the results of another (here, one lacks ex:p, the new one has two)."""
    path = tmp_path / "blank.ttl"
    path.write_text(BLANK_SHAPES, encoding="utf-8")
    shapes = load_shapes([path])
    one = "@prefix ex: <http://e/> . [] a ex:K . <http://e/x> a ex:K ; ex:p 1 ."
    before = Store()
    before.load(one.encode(), format=RdfFormat.TURTLE, to_graph=NamedNode("urn:test:a"))
    before.extend(merged(list(before)))  # as a release's store: the merge as its default graph
    state = validate.validate_store(before, shapes).state()
    after = Store()
    after.extend(before)  # graph a unchanged, its blank node the same
    after.load(b"@prefix ex: <http://e/> . [] a ex:K ; ex:p 1, 2 .", format=RdfFormat.TURTLE,
               to_graph=NamedNode("urn:test:b"))
    after.extend(merged(list(after)))

    incremental = validate.validate_store(after, shapes, state, before)
    assert "1 graph(s) changed, 3 triple(s) differ" in incremental.mode
    full = validate.validate_store(after, shapes)
    assert incremental.mode.startswith("incremental")
    assert {(r.focus, r.component) for r in full.results} == {("_:", "MinCountConstraintComponent"),
                                                             ("_:", "MaxCountConstraintComponent")}
    assert keys(incremental.results) == keys(full.results)


def test_shapes_that_read_a_value_node_s_own_properties_are_noticed(tmp_path: Path) -> None:
    shapes = tmp_path / "deep.ttl"
    shapes.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://e/> .
ex:S a sh:NodeShape ; sh:targetClass ex:K ; sh:property [ sh:path ex:p ; sh:or ( ex:V ) ] .
ex:V a sh:NodeShape ; sh:property [ sh:path ex:q ; sh:minCount 1 ] .
""", encoding="utf-8")
    assert load_shapes([shapes]).reads_value_properties


# -- tid validate ----------------------------------------------------------------------------------

BAD_MEMBERSHIP = """\
@prefix tid: <https://w3id.org/territoires-industrie/def#> .
@prefix igeo: <http://rdf.insee.fr/def/geo#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/territoires-industrie/id/commune/7725X> a igeo:Commune ;
    rdfs:label "Lieusaint (mal codée)"@fr ;
    igeo:codeINSEE "7725X" .
"""


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "contribution.ttl"
    path.write_text(BAD_MEMBERSHIP, encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["text", "turtle", "json", "junit", "github"])
def test_validate_file_in_every_format(bad_file: Path, fmt: str, capsys, cut_build: DataDir) -> None:
    code = main(["validate", str(bad_file), "--format", fmt, "--lang", "en", "--data-dir", str(cut_build.root)])
    out = capsys.readouterr().out
    assert code == 1
    if fmt == "text":
        assert "Lieusaint (mal codée)" in out and "7725X" in out and "does not conform" in out
    elif fmt == "turtle":
        report = rdflib.Graph().parse(data=out, format="turtle")
        assert (None, SH.conforms, rdflib.Literal(False)) in report
        focus = {str(o) for o in report.objects(None, SH.focusNode)}
        assert "https://w3id.org/territoires-industrie/id/commune/7725X" in focus
        languages = {m.language for m in report.objects(None, SH.resultMessage)}
        assert {"fr", "en"} <= languages
    elif fmt == "json":
        data = json.loads(out)
        assert data["conforms"] is False
        assert any(r["focus"].endswith("/commune/7725X") and r["severity"] == "Violation" for r in data["results"])
        assert all("message" in r and r["message"] for r in data["results"])
    elif fmt == "junit":
        root = ET.fromstring(out)
        failures = root.findall(".//failure")
        assert failures and int(root.get("failures")) == len(failures)
        assert len(root.findall(".//testcase")) >= len(load_shapes(shapes_files()).texts.all_shapes)
    else:
        lines = [line for line in out.splitlines() if line.startswith("::error")]
        assert lines and all(f"file={bad_file}".replace(":", "%3A") in line for line in lines)
        # the violation is the INSEE code's: the line of that statement, not the commune's first line
        assert [line.split("line=")[1].split(",")[0] for line in lines] == ["6"]


def test_validate_messages_follow_the_language(bad_file: Path, capsys) -> None:
    main(["validate", str(bad_file), "--format", "json", "--lang", "fr", "--closed"])
    french = json.loads(capsys.readouterr().out)["results"]
    main(["validate", str(bad_file), "--format", "json", "--lang", "en", "--closed"])
    english = json.loads(capsys.readouterr().out)["results"]
    assert [r["message"] for r in french] != [r["message"] for r in english]


def test_validate_unparseable_file_is_exit_2_with_line_and_column(tmp_path: Path, capsys) -> None:
    path = tmp_path / "broken.ttl"
    path.write_text("@prefix ex: <https://example.org/> .\nex:a ex:b \"unterminated .\n", encoding="utf-8")
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "broken.ttl" in err and "row 2" in err


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "no triples to validate"),
    (b"\xef\xbb\xbf", "no triples to validate"),  # a byte-order mark and nothing else
    (b"# a comment only\n", "no triples to validate"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),  # binary
    ("<https://example.org/a> <https://example.org/b> \"café\" .\n".encode("latin-1"), "not UTF-8"),
])
def test_validate_unreadable_input_is_exit_2_not_1(tmp_path: Path, capsys, content: bytes, expected: str) -> None:
    """Exit 1 says "the data does not conform"; a file that cannot be read is a runtime error (2)."""
    path = tmp_path / "input.nt"
    path.write_bytes(content)
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "input.nt" in err and expected in err


def test_validate_names_what_is_not_a_file(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "folder.ttl"
    folder.mkdir()
    assert main(["validate", str(folder)]) == 2
    assert "folder.ttl: a directory" in capsys.readouterr().err
    assert main(["validate", "/dev/zero"]) == 2
    assert "/dev/zero: not a regular file" in capsys.readouterr().err
    assert main(["validate", str(tmp_path / "nowhere.ttl")]) == 2
    assert "nowhere.ttl: no such file" in capsys.readouterr().err


def test_validate_fail_on_levels(tmp_path: Path, capsys, cut_build: DataDir) -> None:
    """Warnings make the exit code 1 only with --fail-on warning."""
    path = tmp_path / "ok.ttl"
    path.write_text(
        "@prefix igeo: <http://rdf.insee.fr/def/geo#> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://w3id.org/territoires-industrie/id/commune/77251> a igeo:Commune ; igeo:codeINSEE \"77251\" ;"
        " rdfs:label \"Lieusaint\"@fr .\n",
        encoding="utf-8",
    )
    graph = ["--data-dir", str(cut_build.root)]
    main(["validate", str(path), "--format", "json", *graph])
    data = json.loads(capsys.readouterr().out)
    severities = {r["severity"] for r in data["results"]}
    assert "Violation" not in severities
    if severities & {"Warning"}:
        assert main(["validate", str(path), "--fail-on", "warning", "-f", "json", *graph]) == 1
    assert main(["validate", str(path), "--fail-on", "violation", "-f", "json", *graph]) == 0
    capsys.readouterr()


def test_validate_csv_through_its_loader(tmp_path: Path, capsys, cut_build: DataDir) -> None:
    path = tmp_path / "sites.csv"
    source = CUT_MIRROR / "sites-cles-en-main" / "sites_cles_en_main.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("Choose France 2020", "Choose France 2019", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(["validate", str(path), "--mirror", str(CUT_MIRROR), "--format", "github", "--lang", "en",
                 "--data-dir", str(cut_build.root)])
    out = capsys.readouterr().out
    assert code == 1
    assert "unknown wave 'Choose France 2019'" in out and "line=2" in out


def test_validate_built_store_conforms(cut_build: DataDir, capsys) -> None:
    code = main(["validate", "--data-dir", str(cut_build.root), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0, [r for r in data["results"] if r["severity"] == "Violation"][:5]


def test_build_stores_a_queryable_validation_report(cut_build: DataDir) -> None:
    store = open_read_only(cut_build)
    rows = list(store.query(
        """PREFIX sh: <http://www.w3.org/ns/shacl#>
           PREFIX prov: <http://www.w3.org/ns/prov#>
           SELECT ?result ?focus ?source WHERE {
             GRAPH <https://w3id.org/territoires-industrie/graph/validation> {
               ?report a sh:ValidationReport ; sh:result ?result .
               ?result sh:focusNode ?focus . OPTIONAL { ?result prov:wasDerivedFrom ?source } } }"""))
    assert rows, "the build stored no validation results"
    assert all(r["result"].value.startswith("https://w3id.org/territoires-industrie/id/resultat-validation/") for r in rows)
    assert any(r["source"] is not None and "/graph/" in r["source"].value for r in rows)
