"""The whole graph built from the real mirror: what a newcomer gets from ``make run``."""

from __future__ import annotations

import gzip
import hashlib

import pytest
from pyoxigraph import NamedNode

pytestmark = pytest.mark.slow

BASE = "https://w3id.org/territoires-industrie/"
TID = BASE + "def#"


def ask_count(store, query: str) -> int:
    return int(next(iter(store.query(query)))[0].value)


def test_build_published_every_source_in_its_own_graph(real_build, real_store) -> None:
    _data_dir, manifest = real_build
    per_graph = manifest["counts"]["graphs"]
    for source in manifest["sources"]:
        assert source["rows_rejected"] == 0
        assert per_graph[source["graph"]] == source["triples"] > 0, source["id"]
    # the store holds the named graphs' quads and, as its default graph, their merge
    assert manifest["counts"]["quads"] + manifest["counts"]["triples"] == len(real_store)


def test_the_built_graph_conforms(real_build) -> None:
    _data_dir, manifest = real_build
    validation = manifest["validation"]
    assert validation is not None, "no SHACL shapes were applied"
    assert validation["by_severity"].get("Violation", 0) == 0


def test_territory_counts_per_phase_and_list(real_store) -> None:
    count = """
        PREFIX tid: <https://w3id.org/territoires-industrie/def#>
        SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { GRAPH ?g { ?t a tid:TerritoireIndustrie } FILTER(STRSTARTS(STR(?g), ?prefix)) }"""
    def in_graph(source: str) -> int:
        return ask_count(real_store, count.replace("?prefix", f'"{BASE}graph/{source}/"'))
    assert in_graph("ti-phase1-groupements") == 149
    assert in_graph("ti-phase1-communes-2020") == 148
    assert in_graph("ti-phase2-groupements") == 183
    assert in_graph("ti-phase2-communes") == 183


def test_dumps_match_their_checksums_and_the_store(real_build) -> None:
    data_dir, manifest = real_build
    dumps = data_dir.current_release() / "dumps"
    listed = {d["file"]: d for d in manifest["dumps"]}
    assert {"tid.nq.gz", "tid.ttl.gz", "tid.jsonld.gz", "void.ttl"} <= set(listed)
    for name, entry in listed.items():
        assert hashlib.sha256((dumps / name).read_bytes()).hexdigest() == entry["sha256"], name
    # Every quad is in the N-Quads dump but the catalogue's, which describes the dumps themselves.
    catalogue = manifest["counts"]["graphs"].get("https://w3id.org/territoires-industrie/graph/catalogue", 0)
    with gzip.open(dumps / "tid.nq.gz", "rt", encoding="utf-8") as handle:
        assert sum(1 for _ in handle) == manifest["counts"]["quads"] - catalogue
    void = (dumps / "void.ttl").read_text(encoding="utf-8")
    assert f"void:triples {manifest['counts']['data_triples']}" in void


def test_sites_cited_by_several_sources_are_one_site(real_store) -> None:
    site = NamedNode(BASE + "id/site/europole-de-sarreguemines")
    sources = {q.object for q in real_store.quads_for_pattern(site, NamedNode("http://purl.org/dc/terms/source"), None, None)}
    assert len(sources) >= 2


def test_first_labelling_in_nouvelle_aquitaine_keeps_its_uncertainty(real_store) -> None:
    labelling = NamedNode(BASE + "id/labellisation/zac-de-la-nau/2020")
    possible = {q.object.value for q in real_store.quads_for_pattern(labelling, NamedNode(TID + "vaguePossible"), None, None)}
    assert possible == {BASE + "id/vague/choose-france-2020", BASE + "id/vague/pack-rebond-2020"}
    assert not list(real_store.quads_for_pattern(labelling, NamedNode(TID + "vague"), None, None))


def test_partial_sources_are_marked(real_store) -> None:
    partial = NamedNode(TID + "partiel")
    dataset = NamedNode(BASE + "id/source/fonds-acceleration-laureats")
    values = {q.object.value for q in real_store.quads_for_pattern(dataset, partial, None, None)}
    assert values == {"true"}


def test_repaired_and_degenerate_perimeters(real_store) -> None:
    geometry = NamedNode("http://www.opengis.net/ont/geosparql#hasGeometry")
    nevers = NamedNode(BASE + "id/territoire/2018-2023/ti-2706")  # a GeometryCollection in the source
    carros = NamedNode(BASE + "id/territoire/2018-2023/ti-9303")  # a Point in the source
    assert list(real_store.quads_for_pattern(nevers, geometry, None, None))
    assert not list(real_store.quads_for_pattern(carros, geometry, None, None))


DATA_QC = (
    "undeclared-tid-term", "unknown-rdfs-owl-predicate", "objectproperty-with-literal",
    "datatypeproperty-with-iri", "multiple-labels-same-lang", "multiple-definitions-same-lang",
)


def test_ontology_qc_checks_hold_on_the_built_data(real_store) -> None:
    """The QC checks that apply to data (typos, undeclared terms, one label per language) run on
    the whole built graph, ontology included, and find nothing."""
    from tests.helpers import REPO

    problems = {}
    for check in DATA_QC:
        query = (REPO / "queries" / "qc" / f"{check}-violation.rq").read_text(encoding="utf-8")
        rows = list(real_store.query(query))
        if rows:
            problems[check] = [tuple(str(term) for term in row) for row in rows[:5]]
    assert not problems, problems
