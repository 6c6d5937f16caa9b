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
    # Every quad is in the N-Quads dump but the catalogue's, which describes the dumps themselves,
    # and the statistics', which count the store with the catalogue (both written after the dumps).
    after = sum(manifest["counts"]["graphs"][BASE + "graph/" + name] for name in ("catalogue", "statistiques"))
    with gzip.open(dumps / "tid.nq.gz", "rt", encoding="utf-8") as handle:
        assert sum(1 for _ in handle) == manifest["counts"]["quads"] - after
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
    set_aside = NamedNode(BASE + "def#perimetreEcarte")
    carros = NamedNode(BASE + "id/territoire/2018-2023/ti-9303")  # a Point in the source: no area
    assert not list(real_store.quads_for_pattern(carros, geometry, None, None))
    # GeometryCollections whose points are members by commune: the polygon kept leaves them out, so
    # the outline is set aside and says which communes it misses
    for territory, missed in (("2018-2023/ti-2706", ["58046 (2.2 km)"]),  # Cercy-la-Tour
                              ("2018-2023/ti-8416", ["42110 (7.9 km)", "42095 (3.8 km)"])):  # L'Horme… Firminy
        node = NamedNode(BASE + "id/territoire/" + territory)
        assert not list(real_store.quads_for_pattern(node, geometry, None, None)), territory
        notes = {q.object.language: q.object.value for q in real_store.quads_for_pattern(node, set_aside, None, None)}
        assert set(notes) == {"fr", "en"} and all(m in notes["fr"] and m in notes["en"] for m in missed), notes
    # exactly five outlines set aside over both phases, every other territory with an area keeps its perimeter
    query = """PREFIX tid: <https://w3id.org/territoires-industrie/def#>
               PREFIX geo: <http://www.opengis.net/ont/geosparql#>
               SELECT (COUNT(DISTINCT ?aside) AS ?a) (COUNT(DISTINCT ?kept) AS ?k) WHERE {
                 { ?aside tid:perimetreEcarte ?why } UNION { ?kept tid:idTi ?id ; geo:hasGeometry ?g } }"""
    row = next(iter(real_store.query(query)))
    assert (int(row["a"].value), int(row["k"].value)) == (5, 324)


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


def test_rows_that_corroborate_a_site_are_that_one_site_with_all_its_sources(real_store) -> None:
    """The December 2026 rows (SOURCES.md §4d) all name sites the other transcriptions have: each
    becomes a further source of that site, not a second site. Expected sources are computed from
    the files and the reconciliation table, not from the graph."""
    import csv
    import re

    from tests.helpers import REPO, real_mirror
    from tid.namespaces import Minter

    minter = Minter()
    table = list(csv.DictReader((REPO / "curated/site_aliases.csv").open(encoding="utf-8")))
    slug_of = {(r["site_name"], "" if r["site_name"].strip() else r["commune"].strip()): r["site_slug"] for r in table}
    documents: dict[str, set[str]] = {}
    december: set[str] = set()
    for path in (real_mirror() / "sites-cles-en-main/sites_cles_en_main.csv", REPO / "curated/sites_nouvelle_aquitaine_seed004.csv",
                 real_mirror() / "sites-cles-en-main/sites_additional_2026-12.csv"):
        for row in csv.DictReader(path.open(encoding="utf-8")):
            slug = slug_of[(row["site_name"], "" if row["site_name"].strip() else row["commune"].strip())]
            seed = re.match(r"seeds/([0-9]{3})_", row.get("source_title", ""))
            document = minter.id("document", f"seed-{seed[1]}") if seed else minter.document_for_url(row["source_url"])
            documents.setdefault(slug, set()).add(document.value)
            if path.name.startswith("sites_additional"):
                december.add(slug)
    assert december == {"terminal-portuaire-du-verdon", "induslacq-chem-pole-64-chemical-parks",
                        "parc-d-activites-economiques-garlin-pyrenees", "site-de-pyrenia", "ancien-site-renault-ckd",
                        "mosl-parc", "europole-de-sarreguemines", "artois-flandres"}
    source = NamedNode("http://purl.org/dc/terms/source")
    for slug in december:
        site = NamedNode(BASE + "id/site/" + slug)
        found = {q.object.value for q in real_store.quads_for_pattern(site, source, None, None)}
        assert found == documents[slug] and len(found) >= 2, slug
    sites = ask_count(real_store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{TID}SiteCleEnMain> }}")
    assert sites == len(documents) == 69  # as many sites as before the December rows
    # the unnamed row at Hambach went to the Europôle, not to the unnamed Cahors site
    cahors = NamedNode(BASE + "id/site/site-cahors-2021-sans-nom")
    assert len({q.object for q in real_store.quads_for_pattern(cahors, source, None, None)}) == 1
    # each source's commune is kept as stated: Moulineaux (La Gazette Normandie), Grand-Couronne (L'Usine Nouvelle)
    renault = NamedNode(BASE + "id/site/ancien-site-renault-ckd")
    communes = {q.object.value for q in real_store.quads_for_pattern(renault, NamedNode(TID + "commune"), None, None)}
    assert communes == {BASE + "id/commune/76457", BASE + "id/commune/76319"}
    # Pyrénia: one site labelled in two waves, July 2020 (presselib) and 2024 (Les Indiscrétions)
    waves = {q.object.value for q in real_store.quads_for_pattern(None, NamedNode(TID + "vague"), None, None)
             if q.subject.value.startswith(BASE + "id/labellisation/site-de-pyrenia/")}
    assert waves == {BASE + "id/vague/pack-rebond-2020", BASE + "id/vague/france-2030-2024"}
