"""The DCAT-AP 3 catalogue (``graph/catalog.py``) of the cut-mirror release.

The catalogue is generated from the build manifest and the source list, published as
``catalog.ttl`` by :func:`tid.graph.catalog.publish_catalogue`, then parsed back with rdflib, as
data.gouv.fr's harvester (udata) parses it. On those triples:

* the official SEMIC DCAT-AP 3.0.1 shapes (mandatory, recommended and ranges, the files of
  ``profile_files('dcat-ap', mirror)``) give no Violation;
* one test per data.gouv.fr trap of ``reference/users-ecosystem.md`` §1 asserts the triples that
  avoid it.

Why not ``validate.validate_dcat(store, ...)`` on a pyoxigraph store: the store normalises
``"…"^^xsd:nonNegativeInteger`` to ``xsd:integer`` (Oxigraph issue #526), which the 3.0.1 shapes
reject for ``dcat:byteSize`` (see the test on byte sizes below); and ``validate_dcat`` runs RDFS
inference with DCAT 3, whose ``dcat:dataset ⊑ dct:hasPart`` and ``dcat:mediaType ⊑ dct:format``
turn every conforming catalogue into false Violations. The same shapes and ontologies are used
here, on the published file, with SHACL's own class semantics (no inference).
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
import rdflib
from pyoxigraph import Store
from rdflib import BNode, Literal, URIRef

from tests.helpers import CUT_MIRROR, rdflib_namespace, real_mirror
from tid.errors import ConfigError
from tid.graph import catalog, validate
from tid.graph.build import BuildOptions, build
from tid.graph.shapes import profile_files
from tid.graph.sources import read_source_list
from tid.graph.store import DataDir
from tid.namespaces import (
    ETALAB_2_SPDX,
    EU_AUTHORITY,
    IANA_MEDIA_TYPES,
    LICENCE_OUVERTE_2,
    MIT,
    SHA256,
    SPARQL_PROTOCOL,
    Minter,
)

BASE = "https://w3id.org/territoires-industrie/"
DCAT = rdflib_namespace("dcat")
DCT = rdflib_namespace("dct")
DCATAP = rdflib_namespace("dcatap")
FOAF = rdflib_namespace("foaf")
GEO = rdflib_namespace("geo")
LOCN = rdflib_namespace("locn")
M8G = rdflib_namespace("m8g")
SPDX = rdflib_namespace("spdx")
VCARD = rdflib_namespace("vcard")
SH = rdflib_namespace("sh")
OWL = rdflib_namespace("owl")
RDF = rdflib_namespace("rdf")
RDFS = rdflib_namespace("rdfs")
SKOS = rdflib_namespace("skos")
XSD = rdflib_namespace("xsd")
PROV_DERIVED = rdflib_namespace("prov").wasDerivedFrom
GEOJSON = URIRef(IANA_MEDIA_TYPES + "application/vnd.geo+json")
WHOLE = URIRef(BASE + "id/dataset/territoires-industrie")
CATALOG = URIRef(BASE + "id/catalogue/territoires-industrie")
SERVICE = URIRef(BASE + "id/service/sparql")
ENDPOINT = URIRef(BASE + "sparql")
PROJECT = URIRef(BASE + "id/organisation/projet-territoires-d-industrie-graphe-de-connaissances")


# -- fixtures ------------------------------------------------------------------------------


def _build(data_dir: DataDir, sources: Path, force: bool = False) -> dict:
    build(BuildOptions(data_dir=data_dir, mirror=CUT_MIRROR, source_list=sources, force=force))
    manifest = data_dir.current_manifest()
    assert manifest is not None
    return manifest


def _publish(manifest: dict, specs: list, directory: Path) -> SimpleNamespace:
    manifest = copy.deepcopy(manifest)
    store = Store()
    quads = catalog.publish_catalogue(store, manifest, specs, Minter(manifest["base"]), directory=directory)
    graph = rdflib.Graph().parse(directory / "catalog.ttl", format="turtle")
    return SimpleNamespace(store=store, quads=quads, graph=graph, manifest=manifest, specs=specs,
                           directory=directory)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory, cut_sources: Path):
    data_dir = DataDir(tmp_path_factory.mktemp("catalogue-data"))
    return data_dir, _build(data_dir, cut_sources), read_source_list(cut_sources)


@pytest.fixture(scope="module")
def published(release, tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    _data_dir, manifest, specs = release
    return _publish(manifest, specs, tmp_path_factory.mktemp("catalogue-dumps"))


def datasets(graph: rdflib.Graph) -> set:
    return set(graph.subjects(RDF.type, DCAT.Dataset))


def distributions(graph: rdflib.Graph) -> set:
    return set(graph.subjects(RDF.type, DCAT.Distribution))


def source_dataset(manifest: dict, source_id: str) -> URIRef:
    graph = next(s["graph"] for s in manifest["sources"] if s["id"] == source_id)
    return URIRef(f"{BASE}id/dataset/{source_id}/{graph.rsplit('/', 1)[1]}")


def texts(graph: rdflib.Graph, node, predicate) -> dict[str | None, set[str]]:
    found: dict[str | None, set[str]] = {}
    for value in graph.objects(node, predicate):
        assert isinstance(value, Literal), (node, predicate, value)
        found.setdefault(value.language, set()).add(str(value))
    return found


def one(graph: rdflib.Graph, node, predicate):
    values = list(graph.objects(node, predicate))
    assert len(values) == 1, (node, predicate, values)
    return values[0]


# -- DCAT-AP 3.0.1 -------------------------------------------------------------------------


def test_catalogue_conforms_to_dcat_ap_3_0_1(published) -> None:
    """SEMIC's two sets of DCAT-AP 3.0.1 shapes (html/shacl/: mandatory, recommended and range
    shapes with severities; shacl/: the shapes generated from the model, with ranges.ttl): no
    Violation, and the only Warning is the project's missing publisher type (its legal form is not
    known)."""
    _core, files = profile_files("dcat-ap", real_mirror())
    assert {(p.parent.name, p.name) for p in files} == {
        ("shacl", "shapes.ttl"), ("shacl", "shapes_recommended.ttl"), ("shacl", "range.ttl"),
        ("shacl", "dcat-ap-SHACL.ttl"), ("shacl", "ranges.ttl")}
    assert len({p.parent for p in files}) == 2
    results, _texts = validate.validate_dcat(published.graph, files, real_mirror())
    ours = {f"<{s}>" for s in published.graph.subjects() if isinstance(s, URIRef)}  # not the W3C agents
    mine = [r for r in results if r.focus in ours]
    assert [r for r in mine if r.severity == "Violation"] == []
    assert {(r.focus, r.path) for r in mine if r.severity == "Warning"} == {(f"<{PROJECT}>", f"<{DCT.type}>")}
    assert len(datasets(published.graph)) == 1 + len(published.manifest["sources"])


def test_the_shapes_semic_links_but_never_defines_are_dropped_not_fatal() -> None:
    """SEMIC's shacl/ files link property shapes they never define (SEMICeu/DCAT-AP issue 448;
    dcat-ap-SHACL.ttl links some that only ranges.ttl defines): pySHACL refuses such a shapes
    graph; the links without a definition are dropped, those defined in the set are kept."""
    import pyshacl

    from tid.graph.validate.dcat import without_definition

    folder = real_mirror() / "vocabularies/dcat-ap/3.0.1/shacl"
    endpoint_url = rdflib.URIRef("https://semiceu.github.io/DCAT-AP/releases/3.0.1"
                                 "#dcat:DataServiceShape/eb3ac4e4fdde2e2588a9502c5956060a18c5c99f")
    alone = rdflib.Graph().parse(folder / "dcat-ap-SHACL.ttl")
    assert (None, SH.property, endpoint_url) in alone and (endpoint_url, SH.path, None) not in alone
    dropped_alone = without_definition(alone)
    assert dropped_alone > 0 and (None, SH.property, endpoint_url) not in alone
    assert without_definition(alone) == 0
    pyshacl.validate(rdflib.Graph(), shacl_graph=alone, inference="none")  # loads once they are dropped
    with_ranges = rdflib.Graph().parse(folder / "dcat-ap-SHACL.ttl").parse(folder / "ranges.ttl")
    without_definition(with_ranges)  # ranges.ttl links some of its own that it never defines
    assert (None, SH.property, endpoint_url) in with_ranges  # but defines endpointURL's: kept
    pyshacl.validate(rdflib.Graph(), shacl_graph=with_ranges, inference="none")


def test_published_byte_sizes_keep_their_type_though_the_store_normalises_them(published) -> None:
    """pyoxigraph stores ``xsd:nonNegativeInteger`` as ``xsd:integer``: the catalogue is therefore
    published from its quads (``catalog.ttl``), never read back from the store."""
    graph = Minter(BASE).graph("catalogue")
    stored = list(published.store.quads_for_pattern(None, None, None, graph))
    assert len(stored) == len(published.quads)
    byte_size = "http://www.w3.org/ns/dcat#byteSize"
    assert {q.object.datatype.value for q in stored if q.predicate.value == byte_size} == {str(XSD.integer)}
    assert {lit.datatype for lit in published.graph.objects(None, DCAT.byteSize)} == {XSD.nonNegativeInteger}


# -- the catalogue -------------------------------------------------------------------------


def test_every_quad_is_in_the_catalogue_graph(published) -> None:
    assert {q.graph_name.value for q in published.quads} == {BASE + "graph/catalogue"}


def test_catalog_title_publisher_language_homepage_licence_datasets_service(published) -> None:
    g, manifest = published.graph, published.manifest
    assert set(g.subjects(RDF.type, DCAT.Catalog)) == {CATALOG}
    titles = texts(g, CATALOG, DCT.title)
    assert titles["fr"] == {"Catalogue du graphe de connaissances Territoires d'industrie"}
    assert titles["en"] == {"Catalogue of the Territoires d'industrie knowledge graph"}
    assert set(texts(g, CATALOG, DCT.description)) == {"fr", "en"}
    assert one(g, CATALOG, DCT.publisher) == PROJECT
    assert {(PROJECT, RDF.type, FOAF.Agent), (PROJECT, RDF.type, FOAF.Organization)} <= set(g)
    assert str(one(g, PROJECT, FOAF.name)) == "Projet Territoires d'industrie — graphe de connaissances"
    languages = set(g.objects(CATALOG, DCT.language))
    assert languages == {URIRef(EU_AUTHORITY + "language/FRA"), URIRef(EU_AUTHORITY + "language/ENG")}
    assert all((lang, RDF.type, DCT.LinguisticSystem) in g for lang in languages)
    assert one(g, CATALOG, FOAF.homepage) == URIRef(BASE)
    assert one(g, CATALOG, DCT.license) == URIRef(LICENCE_OUVERTE_2)
    assert one(g, CATALOG, DCAT.themeTaxonomy) == URIRef(EU_AUTHORITY + "data-theme")
    listed = set(g.objects(CATALOG, DCAT.dataset))
    assert listed == {WHOLE} | {source_dataset(manifest, s["id"]) for s in manifest["sources"]}
    assert one(g, CATALOG, DCAT.service) == SERVICE
    assert str(one(g, WHOLE, DCAT.version)) == manifest["release"]


def test_publishers_and_creators_are_named_agents(published) -> None:
    g, manifest = published.graph, published.manifest
    anct = URIRef(BASE + "id/organisation/anct")
    for source_id in ("ti-phase2-groupements", "ti-phase1-groupements"):
        dataset = source_dataset(manifest, source_id)
        assert one(g, dataset, DCT.publisher) == PROJECT  # the project publishes the graph
        assert one(g, dataset, DCT.creator) == anct  # ANCT made the data it comes from
    assert {(anct, RDF.type, FOAF.Agent), (anct, RDF.type, M8G.PublicOrganisation),
            (anct, FOAF.name, Literal("ANCT"))} <= set(g)
    assert one(g, anct, DCT.type) == URIRef("http://purl.org/adms/publishertype/NationalAuthority")
    curated = source_dataset(manifest, "curated-programme")
    assert list(g.objects(curated, DCT.creator)) == []


# -- data.gouv.fr traps (users-ecosystem.md §1) --------------------------------------------


def test_every_dataset_has_a_title_description_and_identifier(published) -> None:
    """No ``dct:title``: the dataset is skipped. ``dct:identifier``: the harvest key, unique."""
    g, manifest = published.graph, published.manifest
    identifiers = {}
    for dataset in datasets(g):
        assert set(texts(g, dataset, DCT.title)) == {"fr", "en"}, dataset
        descriptions = texts(g, dataset, DCT.description)
        assert set(descriptions) == {"fr", "en"}, dataset
        assert min(len(d) for values in descriptions.values() for d in values) > 200  # quality: long enough
        identifiers[dataset] = str(one(g, dataset, DCT.identifier))
    expected = {WHOLE: "territoires-industrie"}
    for source in manifest["sources"]:
        version = source["graph"].rsplit("/", 1)[1]
        expected[source_dataset(manifest, source["id"])] = f"territoires-industrie/{source['id']}/{version}"
    assert identifiers == expected
    assert str(one(g, SERVICE, DCT.identifier)) == "territoires-industrie/sparql"


def test_datasets_are_listed_and_never_only_served_nor_parts(published) -> None:
    """udata skips a title-less node reached only through servesDataset/hasPart, and turns every
    ``dct:hasPart`` of a dataset into an extra resource: datasets are listed, and have no parts."""
    g = published.graph
    assert datasets(g) == set(g.objects(CATALOG, DCAT.dataset))
    assert list(g.subject_objects(DCT.hasPart)) == []
    parts = set(g.subjects(DCT.isPartOf, WHOLE))
    assert parts == datasets(g) - {WHOLE}


def test_identifiers_and_iris_are_stable_across_two_builds(release, published, tmp_path: Path,
                                                           cut_sources: Path) -> None:
    data_dir, first, specs = release
    second = _build(data_dir, cut_sources, force=True)
    assert second["release"] != first["release"]
    again = _publish(second, specs, tmp_path)

    def keys(graph: rdflib.Graph) -> dict:
        return {node: str(one(graph, node, DCT.identifier))
                for node in datasets(graph) | set(graph.subjects(RDF.type, DCAT.DataService))}

    assert keys(again.graph) == keys(published.graph)
    assert distributions(again.graph) == distributions(published.graph)
    assert str(one(again.graph, WHOLE, DCAT.version)) == second["release"]


def test_licence_is_the_etalab_iri_on_datasets_and_distributions(published) -> None:
    """data.gouv.fr matches the licence IRI against its list (``lov2`` is the Etalab URL, not the
    SPDX one), on the dataset and on its distributions; a licence node's ``rdfs:label`` would be
    matched instead of the IRI, so it has none; ``dct:rights`` carries the portal's title."""
    g, manifest = published.graph, published.manifest
    etalab = URIRef(LICENCE_OUVERTE_2)
    dumps = [d for d in manifest["dumps"] if d["file"] not in catalog.CATALOGUE_FILES]
    whole_graph = [WHOLE, CATALOG, SERVICE, *g.objects(WHOLE, DCAT.distribution)]
    assert len(whole_graph) == 3 + len(dumps) + 1  # the dumps and the SPARQL endpoint
    for node in whole_graph:
        assert one(g, node, DCT.license) == etalab, node
    for node in datasets(g) | distributions(g):
        assert isinstance(one(g, node, DCT.license), URIRef), node
    assert (etalab, RDF.type, DCT.LicenseDocument) in g
    assert one(g, etalab, OWL.sameAs) == URIRef(ETALAB_2_SPDX)
    assert texts(g, etalab, DCT.title)["fr"] == {"Licence Ouverte / Open Licence version 2.0"}
    assert list(g.objects(etalab, RDFS.label)) == []
    for node in [WHOLE, *g.objects(WHOLE, DCAT.distribution)]:
        rights = one(g, node, DCT.rights)
        assert isinstance(rights, BNode)
        assert (rights, RDF.type, DCT.RightsStatement) in g
        assert str(one(g, rights, RDFS.label)) == "Licence Ouverte / Open Licence version 2.0"


def test_each_source_keeps_its_own_licence(published) -> None:
    """The Signaux Faibles list is MIT (its repository's licence); the whole graph says so."""
    g, manifest = published.graph, published.manifest
    signaux = source_dataset(manifest, "ti-phase1-communes-2020")
    assert one(g, signaux, DCT.license) == URIRef(MIT)
    for dist in g.objects(signaux, DCAT.distribution):
        assert one(g, dist, DCT.license) == URIRef(MIT)
        assert str(one(g, one(g, dist, DCT.rights), RDFS.label)) == "MIT License"
    assert (URIRef(MIT), RDF.type, DCT.LicenseDocument) in g
    anct = source_dataset(manifest, "ti-phase2-groupements")
    assert one(g, anct, DCT.license) == URIRef(LICENCE_OUVERTE_2)
    note = str(one(g, one(g, WHOLE, DCT.rights), RDFS.comment))
    assert "ti-phase1-communes-2020 (MIT License)" in note


def test_themes_are_eu_data_themes_and_keywords_too(published) -> None:
    """data.gouv.fr ignores themes given as resources: their words are keywords as well."""
    g = published.graph
    for node in datasets(g) | {SERVICE}:
        themes = set(g.objects(node, DCAT.theme))
        assert themes, node
        assert all(str(t).startswith(EU_AUTHORITY + "data-theme/") for t in themes), themes
        keywords = texts(g, node, DCAT.keyword)
        assert keywords["fr"] and keywords["en"], node
        for theme in themes:
            labels = texts(g, theme, SKOS.prefLabel)
            assert (theme, RDF.type, SKOS.Concept) in g
            assert {label.lower() for label in labels["fr"]} <= keywords["fr"], (node, theme)
            assert {label.lower() for label in labels["en"]} <= keywords["en"], (node, theme)
    assert set(g.objects(WHOLE, DCAT.theme)) == {URIRef(EU_AUTHORITY + f"data-theme/{c}") for c in ("ECON", "REGI", "GOVE")}
    assert "territoires d'industrie" in texts(g, WHOLE, DCAT.keyword)["fr"]


def test_temporal_coverage_is_a_blank_period_with_start_and_end_dates(published) -> None:
    """An IRI would be fetched over HTTP by the harvester: a blank ``dct:PeriodOfTime``."""
    g, manifest = published.graph, published.manifest

    def period(node) -> tuple[date, date]:
        span = one(g, node, DCT.temporal)
        assert isinstance(span, BNode), node
        assert (span, RDF.type, DCT.PeriodOfTime) in g
        start, end = one(g, span, DCAT.startDate), one(g, span, DCAT.endDate)
        assert start.datatype == end.datatype == XSD.date
        return start.toPython(), end.toPython()

    for node in datasets(g):
        period(node)
    # from the first phase's start (Action cœur de ville, 2017-12-14) to the last phase's end
    assert period(WHOLE) == (date(2017, 12, 14), date(2027, 12, 31))
    assert period(source_dataset(manifest, "ti-phase2-groupements")) == (date(2023, 11, 9), date(2027, 12, 31))
    assert period(source_dataset(manifest, "ti-phase1-groupements")) == (date(2018, 11, 22), date(2023, 11, 8))
    assert period(source_dataset(manifest, "cog2023-communes")) == (date(2023, 1, 1), date(2023, 1, 1))


def test_spatial_coverage_carries_a_geometry_data_gouv_fr_reads(published) -> None:
    """A named place alone is ignored by data.gouv.fr: the Location has a GeoJSON literal with the
    IANA datatype (a Polygon or MultiPolygon, the only types read) as its ``dcat:bbox``, and a WKT
    centroid; no ``locn:geometry``, on which SEMIC's two sets of DCAT-AP 3.0.1 shapes disagree."""
    g = published.graph
    france = URIRef(EU_AUTHORITY + "country/FRA")
    for node in datasets(g) | {CATALOG}:
        assert set(g.objects(node, DCT.spatial)) == {france}, node
    assert (france, RDF.type, DCT.Location) in g
    boxes = one(g, france, DCAT.bbox)
    assert boxes.datatype == GEOJSON
    shape = json.loads(str(boxes))
    assert shape["type"] == "MultiPolygon"
    paris, saint_denis = (2.35, 48.85), (55.45, -20.88)

    def covered(lon: float, lat: float) -> bool:
        for polygon in shape["coordinates"]:
            xs = [x for x, _y in polygon[0]]
            ys = [y for _x, y in polygon[0]]
            if min(xs) <= lon <= max(xs) and min(ys) <= lat <= max(ys):
                return True
        return False

    assert covered(*paris) and covered(*saint_denis) and not covered(-3.7, 40.4)  # not Madrid
    assert list(g.objects(france, LOCN.geometry)) == []
    assert one(g, france, DCAT.centroid).datatype == GEO.wktLiteral
    # what data.gouv.fr reads of a Location: its literals in GeoJSON (IANA datatype); exactly one
    assert [o for o in g.objects(france) if isinstance(o, Literal) and o.datatype == GEOJSON] == [boxes]


def test_contact_point_has_an_email(published) -> None:
    """A contact point without an e-mail is dropped."""
    g = published.graph
    for node in datasets(g) | {SERVICE, CATALOG}:
        contact = one(g, node, DCAT.contactPoint)
        assert {(contact, RDF.type, VCARD.Kind), (contact, RDF.type, VCARD.Organization)} <= set(g)
        assert str(one(g, contact, VCARD.fn))
        email = one(g, contact, VCARD.hasEmail)
        assert email == URIRef("mailto:" + catalog.CONTACT_EMAIL)


def test_byte_sizes_are_non_negative_integers_matching_the_files(published) -> None:
    g, manifest = published.graph, published.manifest
    sizes = list(g.subject_objects(DCAT.byteSize))
    assert sizes
    for _node, size in sizes:
        assert size.datatype == XSD.nonNegativeInteger
    for dump in manifest["dumps"]:
        if dump["file"] in catalog.CATALOGUE_FILES:
            continue
        node = URIRef(f"{BASE}id/distribution/territoires-industrie/{dump['file']}")
        assert int(one(g, node, DCAT.byteSize)) == dump["bytes"] > 0
    source = next(s for s in manifest["sources"] if s["id"] == "ti-phase2-groupements")
    dist = URIRef(f"{BASE}id/distribution/ti-phase2-groupements/5c5ffe30cc5d/fichier-source")
    assert int(one(g, dist, DCAT.byteSize)) == Path(source["file"]).stat().st_size


def test_the_catalogue_files_state_their_own_sizes_and_point_to_their_checksums(published) -> None:
    """Issue 12: the catalogue's own files carry dcat:byteSize like the other dumps, each the true
    size of the file, in all three (each file states the size of all three, itself included). Their
    checksums cannot be in them (writing one changes the file): each points to its sidecar."""
    for name in catalog.CATALOGUE_FILES:
        graph = (published.graph if name == "catalog.ttl" else
                 rdflib.Graph().parse(published.directory / name, format="json-ld" if name.endswith("jsonld") else "xml"))
        for other in catalog.CATALOGUE_FILES:
            node = URIRef(f"{BASE}id/distribution/catalogue/{other}")
            assert int(one(graph, node, DCAT.byteSize)) == (published.directory / other).stat().st_size > 0, (name, other)
            assert one(graph, node, RDFS.seeAlso) == URIRef(f"{BASE}dumps/{other}.sha256")
            assert list(graph.objects(node, SPDX.checksum)) == []
    recorded = {d["file"]: d for d in published.manifest["dumps"]}
    for name in catalog.CATALOGUE_FILES:
        path = published.directory / name
        assert recorded[name]["bytes"] == path.stat().st_size
        assert recorded[name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_media_types_and_formats_are_vocabulary_iris(published) -> None:
    g = published.graph
    for _node, media in g.subject_objects(DCAT.mediaType):
        assert isinstance(media, URIRef) and str(media).startswith(IANA_MEDIA_TYPES), media
    for _node, fmt in g.subject_objects(DCT["format"]):
        assert isinstance(fmt, URIRef) and str(fmt).startswith(EU_AUTHORITY + "file-type/"), fmt
        assert (fmt, RDF.type, DCT.MediaTypeOrExtent) in g
    nquads = URIRef(BASE + "id/distribution/territoires-industrie/tid.nq.gz")
    assert one(g, nquads, DCAT.mediaType) == URIRef(IANA_MEDIA_TYPES + "application/n-quads")
    assert one(g, nquads, DCAT.compressFormat) == URIRef(IANA_MEDIA_TYPES + "application/gzip")
    assert one(g, nquads, DCT["format"]) == URIRef(EU_AUTHORITY + "file-type/RDF_N_QUADS")
    geojson = URIRef(f"{BASE}id/distribution/ti-phase2-groupements/5c5ffe30cc5d/fichier-source")
    assert one(g, geojson, DCAT.mediaType) == URIRef(IANA_MEDIA_TYPES + "application/geo+json")
    assert one(g, geojson, DCT["format"]) == URIRef(EU_AUTHORITY + "file-type/GEOJSON")
    sql = URIRef(f"{BASE}id/distribution/ti-phase1-communes-2020/17b7213f4d3b/fichier-source")
    assert one(g, sql, DCAT.mediaType) == URIRef(IANA_MEDIA_TYPES + "application/sql")


def test_checksums_are_sha256_of_the_file_at_the_url(published) -> None:
    g, manifest = published.graph, published.manifest

    def checksum(node) -> str:
        value = one(g, node, SPDX.checksum)
        assert (value, RDF.type, SPDX.Checksum) in g
        assert one(g, value, SPDX.algorithm) == URIRef(SHA256)
        # typed, as DCAT-AP 3.0.1's shacl/ shapes ask (sh:class spdx:ChecksumAlgorithm)
        assert (URIRef(SHA256), RDF.type, SPDX.ChecksumAlgorithm) in g
        digest = one(g, value, SPDX.checksumValue)
        assert digest.datatype == XSD.hexBinary
        return str(digest)

    for dump in manifest["dumps"]:
        if dump["file"] not in catalog.CATALOGUE_FILES:
            assert checksum(URIRef(f"{BASE}id/distribution/territoires-industrie/{dump['file']}")) == dump["sha256"]
    source = next(s for s in manifest["sources"] if s["id"] == "ti-phase2-groupements")
    assert checksum(URIRef(f"{BASE}id/distribution/ti-phase2-groupements/5c5ffe30cc5d/fichier-source")) == source["sha256"]
    # The COG file is one member of an npm archive: the pinned checksum is the member's, not the URL's.
    archive = URIRef(f"{BASE}id/distribution/cog2023-communes/3.1.1/fichier-source")
    assert list(g.objects(archive, SPDX.checksum)) == []
    assert one(g, archive, DCAT.packageFormat) == URIRef(EU_AUTHORITY + "file-type/TAR")
    communes = next(s for s in manifest["sources"] if s["id"] == "cog2023-communes")
    assert communes["sha256"] in str(next(iter(texts(g, archive, DCT.description)["en"])))


def test_every_distribution_has_an_access_url(published) -> None:
    """A distribution without a URL is dropped; accessURL is mandatory in DCAT-AP."""
    g, manifest, specs = published.graph, published.manifest, {s.id: s for s in published.specs}
    for dist in distributions(g):
        assert isinstance(one(g, dist, DCAT.accessURL), URIRef), dist
        assert set(texts(g, dist, DCT.title)) == {"fr", "en"}
        assert (dist, DCATAP.availability, URIRef(EU_AUTHORITY + "planned-availability/STABLE")) in g
    for dump in manifest["dumps"]:
        if dump["file"] in catalog.CATALOGUE_FILES:
            continue
        node = URIRef(f"{BASE}id/distribution/territoires-industrie/{dump['file']}")
        url = URIRef(f"{BASE}dumps/{dump['file']}")
        assert one(g, node, DCAT.downloadURL) == url == one(g, node, DCAT.accessURL)
    for source in manifest["sources"]:
        dataset = source_dataset(manifest, source["id"])
        urls = {one(g, d, DCAT.accessURL) for d in g.objects(dataset, DCAT.distribution)}
        expected = {ENDPOINT} | ({URIRef(specs[source["id"]].url)} if specs[source["id"]].url else set())
        assert urls == expected, source["id"]
    assert one(g, URIRef(BASE + "id/distribution/territoires-industrie/sparql"), DCAT.accessURL) == ENDPOINT
    own = {one(g, d, DCAT.downloadURL) for d in g.objects(CATALOG, DCAT.distribution)}
    assert own == {URIRef(f"{BASE}dumps/{name}") for name in catalog.CATALOGUE_FILES}


def test_frequency_is_from_the_eu_vocabulary(published) -> None:
    """Quality score: a frequency set, and not "unknown"."""
    g = published.graph
    frequencies = EU_AUTHORITY + "frequency/"
    for node in datasets(g):
        frequency = one(g, node, DCT.accrualPeriodicity)
        assert str(frequency).startswith(frequencies) and str(frequency) != frequencies + "UNKNOWN"
        assert (frequency, RDF.type, DCT.Frequency) in g
    assert one(g, WHOLE, DCT.accrualPeriodicity) == URIRef(frequencies + "IRREG")


def test_dates_are_iso_8601_typed(published) -> None:
    g, manifest = published.graph, published.manifest
    for predicate in (DCT.issued, DCT.modified):
        for node in datasets(g) | {CATALOG}:
            value = one(g, node, predicate)
            assert value.datatype in (XSD.date, XSD.dateTime), (node, predicate)
    assert str(one(g, WHOLE, DCT.modified)) == manifest["built"]
    assert one(g, source_dataset(manifest, "cog2023-communes"), DCT.issued) == Literal("2026-11-22", datatype=XSD.date)


def test_landing_pages_where_known(published) -> None:
    g, manifest = published.graph, published.manifest
    assert one(g, WHOLE, DCAT.landingPage) == URIRef(BASE)
    ti = source_dataset(manifest, "ti-phase2-groupements")
    page = URIRef("https://www.data.gouv.fr/fr/datasets/programme-territoires-dindustrie/")
    assert one(g, ti, DCAT.landingPage) == page and (page, RDF.type, FOAF.Document) in g
    assert list(g.objects(source_dataset(manifest, "curated-programme"), DCAT.landingPage)) == []


def test_each_source_dataset_names_its_graph_and_file(published) -> None:
    g, manifest = published.graph, published.manifest
    for source in manifest["sources"]:
        dataset = source_dataset(manifest, source["id"])
        assert one(g, dataset, DCT.relation) == URIRef(source["graph"])
        assert str(one(g, dataset, PROV_DERIVED)).endswith(f"id/distribution/{source['id']}/{source['sha256'][:12]}")
        assert source["graph"] in next(iter(texts(g, dataset, DCT.description)["fr"]))


def test_sparql_service_is_a_standalone_api(published) -> None:
    """A DataService that is the object of ``dcat:accessService`` is not listed as an API."""
    g = published.graph
    assert set(g.subjects(RDF.type, DCAT.DataService)) == {SERVICE}
    assert set(texts(g, SERVICE, DCT.title)) == {"fr", "en"}
    assert one(g, SERVICE, DCAT.endpointURL) == ENDPOINT
    assert one(g, SERVICE, DCT.conformsTo) == URIRef(SPARQL_PROTOCOL)
    assert (URIRef(SPARQL_PROTOCOL), RDF.type, DCT.Standard) in g
    served = set(g.objects(SERVICE, DCAT.servesDataset))
    assert served == datasets(g)
    assert all(list(g.objects(d, DCT.identifier)) for d in served)  # matched by identifier
    assert list(g.subject_objects(DCAT.accessService)) == []
    assert one(g, SERVICE, DCT.license) == URIRef(LICENCE_OUVERTE_2)


def test_custom_endpoint_and_contact(release) -> None:
    _data_dir, manifest, specs = release
    quads = catalog.catalogue_quads(manifest, specs, Minter(BASE), "https://sparql.example.org/tid",
                                    contact_email="donnees@example.org", catalogue_files=())
    objects = {(q.predicate.value, q.object.value) for q in quads}
    assert (str(DCAT.endpointURL), "https://sparql.example.org/tid") in objects
    assert (str(VCARD.hasEmail), "mailto:donnees@example.org") in objects
    assert not any(q.predicate.value == str(DCAT.accessURL) and q.object.value == BASE + "sparql" for q in quads)
    assert not any(q.object.value.endswith("catalog.ttl") for q in quads)


def test_a_source_missing_from_the_source_list_is_an_error(release) -> None:
    _data_dir, manifest, specs = release
    with pytest.raises(ConfigError, match="cog2023-communes"):
        catalog.catalogue_quads(manifest, [s for s in specs if s.id != "cog2023-communes"], Minter(BASE), None)


# -- publication ---------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # rdflib's JSON-LD parser
def test_publish_catalogue_writes_the_files_and_records_them(published) -> None:
    manifest, directory = published.manifest, published.directory
    listed = {d["file"]: d for d in manifest["dumps"]}
    for name, fmt in catalog.CATALOGUE_FILES.items():
        path = directory / name
        entry = listed[name]
        assert entry["bytes"] == path.stat().st_size > 0
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["media_type"] == fmt.media_type
        parsed = rdflib.Graph().parse(path, format={"catalog.ttl": "turtle", "catalog.jsonld": "json-ld",
                                                   "catalog.rdf": "xml"}[name])
        assert len(parsed) == len(published.quads)
    assert manifest["counts"]["graphs"][BASE + "graph/catalogue"] == len(published.quads)


def test_schema_org_dataset_for_the_home_page(published) -> None:
    manifest = published.manifest
    data = catalog.schema_org_dataset(published.quads, Minter(BASE))
    json.dumps(data)
    assert data["@context"] == "https://schema.org/" and data["@type"] == "Dataset"
    assert data["@id"] == str(WHOLE) and data["url"] == BASE
    assert data["name"] == "Territoires d'industrie — graphe de connaissances"
    assert len(data["description"]) >= 50
    assert data["license"] == LICENCE_OUVERTE_2
    assert data["identifier"] == "territoires-industrie"
    assert data["temporalCoverage"] == "2017-12-14/2027-12-31"
    assert data["spatialCoverage"]["geo"]["box"] == "-21.4 -61.9 51.1 55.9"
    assert data["publisher"]["name"] == "Projet Territoires d'industrie — graphe de connaissances"
    assert data["publisher"]["contactPoint"]["email"] == catalog.CONTACT_EMAIL
    assert data["includedInDataCatalog"]["@id"] == str(CATALOG)
    dumps = {f"{BASE}dumps/{d['file']}": d for d in manifest["dumps"] if d["file"] not in catalog.CATALOGUE_FILES}
    assert {d["contentUrl"] for d in data["distribution"]} == set(dumps)
    for download in data["distribution"]:
        assert download["encodingFormat"] == dumps[download["contentUrl"]]["media_type"]
    assert len(data["hasPart"]) == len(manifest["sources"])
    assert all(part["name"] and part["description"] for part in data["hasPart"])
    assert "territoires d'industrie" in data["keywords"]
