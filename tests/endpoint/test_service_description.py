"""SPARQL 1.1 Service Description at the endpoint, after the three W3C service-description
tests (a GET without a query returns an SD; it names the endpoint with sd:endpoint; it is
negotiable as RDF/XML and Turtle), and what ours adds: formats, features, the default dataset
with every named graph and its size, and the limits."""

from __future__ import annotations

import dataclasses

import pytest
import rdflib
from rdflib import RDF, RDFS, Namespace, URIRef

from tid.endpoint import service_description
from tid.namespaces import PREFIXES

BOTH_MODES = True  # the tests run over the embedded store and over a remote server (conftest)

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # rdflib's JSON-LD parser

SD = Namespace(PREFIXES["sd"])
VOID = Namespace(PREFIXES["void"])
FORMATS = "http://www.w3.org/ns/formats/"


def sd_graph(client, accept: str = "text/turtle", fmt: str = "turtle", **kwargs) -> tuple[rdflib.Graph, object]:
    headers = {"Accept": accept, **kwargs.pop("headers", {})}
    response = client.get("/sparql", headers=headers, **kwargs)
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.get_data(), format=fmt)
    return graph, response


def test_get_with_no_query_returns_a_service_description(client) -> None:
    graph, response = sd_graph(client)
    services = list(graph.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    assert response.headers["Vary"] == "Accept"
    assert response.headers["ETag"].startswith('W/"')


def test_service_description_has_an_sd_endpoint_equal_to_the_endpoint_url(client) -> None:
    graph, _ = sd_graph(client)
    assert set(graph.objects(None, SD.endpoint)) == {URIRef("http://localhost/sparql")}
    graph, _ = sd_graph(client, base_url="https://data.example.org")
    assert set(graph.objects(None, SD.endpoint)) == {URIRef("https://data.example.org/sparql")}


def test_public_url_setting_names_the_endpoint(make_app) -> None:
    client = make_app(PUBLIC_URL="https://territoires.example/").test_client()
    graph, _ = sd_graph(client)
    assert set(graph.objects(None, SD.endpoint)) == {URIRef("https://territoires.example/sparql")}


@pytest.mark.parametrize(("accept", "fmt", "media_type"), [
    ("application/rdf+xml", "xml", "application/rdf+xml"),
    ("text/turtle", "turtle", "text/turtle"),
    ("application/ld+json", "json-ld", "application/ld+json"),
    ("application/n-triples", "nt", "application/n-triples"),
    ("*/*", "turtle", "text/turtle"),
])
def test_service_description_content_negotiation(client, accept: str, fmt: str, media_type: str) -> None:
    graph, response = sd_graph(client, accept, fmt)
    assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    assert (None, SD.endpoint, URIRef("http://localhost/sparql")) in graph


def test_service_description_format_parameter(client) -> None:
    response = client.get("/sparql", query_string={"format": "rdf"}, headers={"Accept": "text/turtle"})
    assert response.headers["Content-Type"] == "application/rdf+xml; charset=utf-8"


def test_service_description_as_html(client) -> None:
    # Browsers asking /sparql with no parameter get the query page; format=html the description.
    response = client.get("/sparql", query_string={"format": "html"}, headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.get_data(as_text=True)
    assert "<form" in page and 'name="query"' in page
    assert "&lt;http://www.w3.org/2000/01/rdf-schema#&gt;" in page  # escaped, not raw markup
    assert "graph/provenance" in page


def test_language_formats_and_features(client) -> None:
    graph, _ = sd_graph(client)
    service = URIRef("http://localhost/sparql")
    assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}
    assert set(graph.objects(service, SD.resultFormat)) == {URIRef(FORMATS + name) for name in (
        "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
        "Turtle", "N-Triples", "RDF_XML", "JSON-LD", "TriG", "N-Quads")}
    assert set(graph.objects(service, SD.feature)) == {SD.UnionDefaultGraph}


def test_default_dataset_lists_every_named_graph_with_its_size(client, manifest) -> None:
    graph, _ = sd_graph(client)
    dataset = graph.value(URIRef("http://localhost/sparql"), SD.defaultDataset)
    assert dataset == URIRef("https://w3id.org/territoires-industrie/id/dataset/territoires-industrie")
    sizes = {
        str(graph.value(named, SD.name)): int(graph.value(graph.value(named, SD.graph), VOID.triples))
        for named in graph.objects(dataset, SD.namedGraph)
    }
    assert sizes == manifest["counts"]["graphs"]
    default = graph.value(dataset, SD.defaultGraph)
    distinct = int(graph.value(default, VOID.triples))
    assert 0 < distinct == manifest["counts"]["triples"] < manifest["counts"]["quads"]
    comments = {str(c) for c in graph.objects(default, RDFS.comment)}
    assert any("merge of all the named graphs" in c for c in comments)
    assert any("fusion RDF de tous les graphes nommés" in c for c in comments)


def test_limits_are_stated_in_english_and_french(client) -> None:
    graph, _ = sd_graph(client)
    comments = {c.language: str(c) for c in graph.objects(URIRef("http://localhost/sparql"), RDFS.comment)}
    assert "at most 10 s" in comments["en"] and "100000 rows" in comments["en"]
    assert "SERVICE (federated query) is refused" in comments["en"]
    assert "au plus 10 s" in comments["fr"]
    # the cheap lane is outside the concurrency limit, and says so
    assert "3 queries run at once per server process" in comments["en"]
    assert "one triple pattern on a named subject" in comments["en"] and "un seul motif de triplet" in comments["fr"]


def test_limit_terms_appear_only_when_the_ontology_declares_them(client, monkeypatch) -> None:
    tid = PREFIXES["tid"]
    graph, _ = sd_graph(client)
    assert not [p for p in graph.predicates() if str(p).startswith(tid)]
    monkeypatch.setattr(service_description, "declared_tid_terms",
                        lambda: frozenset({tid + "dureeMaximaleRequete", tid + "nombreMaximalResultats"}))
    graph, _ = sd_graph(client)
    service = URIRef("http://localhost/sparql")
    assert graph.value(service, URIRef(tid + "dureeMaximaleRequete")).toPython() == 10
    assert graph.value(service, URIRef(tid + "nombreMaximalResultats")).toPython() == 100000
    assert graph.value(service, URIRef(tid + "tailleMaximaleReponse")) is None


def test_forwarded_headers_only_when_trusted(make_app) -> None:
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "data.example.org"}
    untrusted, _ = sd_graph(make_app().test_client(), headers=headers)
    trusted, _ = sd_graph(make_app(TRUST_PROXY_HEADERS=1).test_client(), headers=headers)
    assert set(untrusted.objects(None, SD.endpoint)) == {URIRef("http://localhost/sparql")}
    assert set(trusted.objects(None, SD.endpoint)) == {URIRef("https://data.example.org/sparql")}


def test_counts_come_from_the_manifest_and_equal_those_of_the_store(app) -> None:
    """The build's counts (build.json) are what the service description states; a manifest without
    them is counted from the store, to the same figures."""
    counts = service_description.counts
    release = app.extensions["tid"].release
    recorded = counts(release)
    assert recorded["default"] == release.manifest["counts"]["triples"]
    bare = dataclasses.replace(release, manifest={k: v for k, v in release.manifest.items() if k != "counts"},
                               computed={}, key_locks={})
    assert counts(bare) == recorded
