"""VoID at /.well-known/void (triples, class and property partitions, dumps, SPARQL endpoint,
URI space), negotiated; and the dumps it points to, served at /dumps/{file}."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, Literal, Namespace, URIRef

from tests.helpers import CUT_MIRROR
from tid.graph.build import BuildOptions, build
from tid.graph.store import DataDir
from tid.namespaces import PREFIXES

BOTH_MODES = True  # the tests run over the embedded store and over a remote server (conftest)

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

VOID = Namespace(PREFIXES["void"])
DATASET = URIRef("https://w3id.org/territoires-industrie/id/dataset/territoires-industrie")
CATALOGUE = URIRef("https://w3id.org/territoires-industrie/graph/catalogue")
STATISTICS = URIRef("https://w3id.org/territoires-industrie/graph/statistiques")


def void_graph(client, accept: str = "text/turtle", fmt: str = "turtle") -> rdflib.Graph:
    response = client.get("/.well-known/void", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].endswith("; charset=utf-8")
    assert response.headers["Vary"] == "Accept" and response.headers["ETag"]
    return rdflib.Graph().parse(data=response.get_data(), format=fmt)


def check_void(graph: rdflib.Graph, manifest: dict, with_dumps: bool) -> None:
    assert (DATASET, RDF.type, VOID.Dataset) in graph
    # VoID describes the data graphs; the catalogue graph describes them (and the dumps) in DCAT,
    # the statistics graph counts the store as published (all three written after VoID).
    after = {str(CATALOGUE), str(STATISTICS)}
    data_graphs = {g: n for g, n in manifest["counts"]["graphs"].items() if g not in after}
    # void:triples counts the data's distinct triples (their merge), never a triple once per graph.
    assert int(graph.value(DATASET, VOID.triples)) == manifest["counts"]["data_triples"] <= sum(data_graphs.values())
    assert sum(data_graphs.values()) == manifest["counts"]["quads"] - sum(manifest["counts"]["graphs"][g] for g in after)
    assert graph.value(DATASET, VOID.sparqlEndpoint) == URIRef("http://localhost/sparql")
    assert graph.value(DATASET, VOID.uriSpace) == Literal("https://w3id.org/territoires-industrie/id/")
    classes = {graph.value(p, VOID["class"]) for p in graph.objects(DATASET, VOID.classPartition)}
    assert URIRef(PREFIXES["tid"] + "TerritoireIndustrie") in classes
    assert URIRef(PREFIXES["dcat"] + "Catalog") not in classes
    properties = {graph.value(p, VOID.property) for p in graph.objects(DATASET, VOID.propertyPartition)}
    assert URIRef(PREFIXES["rdfs"] + "label") in properties
    subsets = {s for s in graph.objects(DATASET, VOID.subset)}
    assert {str(s) for s in subsets} == set(data_graphs)
    assert {int(graph.value(s, VOID.triples)) for s in subsets} <= set(data_graphs.values())
    dumps = {str(d).rsplit("/", 1)[1] for d in graph.objects(DATASET, VOID.dataDump)}
    expected = {d["file"] for d in manifest.get("dumps") or [] if d["file"].startswith("tid.")}
    assert dumps == expected and (bool(expected) == with_dumps)
    assert "tid.nq.gz" in dumps or not with_dumps


@pytest.mark.parametrize(("accept", "fmt"), [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                             ("application/rdf+xml", "xml"), ("application/n-triples", "nt")])
def test_well_known_void(client, manifest, accept: str, fmt: str) -> None:
    check_void(void_graph(client, accept, fmt), manifest, with_dumps=True)


def test_void_of_a_release_built_without_dumps_is_computed(make_app, tmp_path: Path, cut_sources: Path) -> None:
    data_dir = DataDir(tmp_path / "data")
    result = build(BuildOptions(data_dir=data_dir, mirror=CUT_MIRROR, source_list=cut_sources, dumps=False))
    check_void(void_graph(make_app(data_dir).test_client()), result.manifest, with_dumps=False)


def test_void_unacceptable_format_is_406(client) -> None:
    response = client.get("/.well-known/void", headers={"Accept": "text/csv"})
    assert response.status_code == 406
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"


def test_dumps_are_served_with_their_checksum(client, manifest, cut_data_dir) -> None:
    for dump in manifest["dumps"]:
        response = client.get(f"/dumps/{dump['file']}")
        assert response.status_code == 200
        assert hashlib.sha256(response.get_data()).hexdigest() == dump["sha256"]
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/dumps/build.json").status_code == 404
    assert client.get("/dumps/..%2Fbuild.json").status_code == 404


def test_every_dump_carries_its_digest_and_has_a_checksum_file(client, manifest) -> None:
    """Repr-Digest (RFC 9530) on each dump, and ``{file}.sha256`` as ``sha256sum -c`` reads it: the
    catalogue's own files, which cannot state their checksums inside themselves, point to theirs."""
    names = {dump["file"] for dump in manifest["dumps"]}
    assert {"catalog.ttl", "catalog.jsonld", "catalog.rdf"} <= names
    for dump in manifest["dumps"]:
        response = client.get(f"/dumps/{dump['file']}")
        body = response.get_data()
        algorithm, _, value = response.headers["Repr-Digest"].partition("=")
        assert algorithm == "sha-256" and value.startswith(":") and value.endswith(":")
        assert base64.b64decode(value[1:-1]) == hashlib.sha256(body).digest()
        sidecar = client.get(f"/dumps/{dump['file']}.sha256")
        assert sidecar.status_code == 200
        assert sidecar.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert sidecar.get_data(as_text=True) == f"{hashlib.sha256(body).hexdigest()}  {dump['file']}\n"
        assert client.get(f"/dumps/{dump['file']}.sha256", headers={"If-None-Match": sidecar.headers["ETag"]}
                          ).status_code == 304
    assert client.get("/dumps/build.json.sha256").status_code == 404
    assert client.get("/dumps/catalog.ttl.sha256.sha256").status_code == 404
