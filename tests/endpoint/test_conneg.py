"""Content negotiation: every format of each family, Accept with q-values and wildcards, the
``format`` override, 406 with the list of available types, ``charset=utf-8``, and French text
(en dash, guillemets, œ, accents) intact in every format."""

from __future__ import annotations

import csv
import io
import json
from xml.etree import ElementTree

import pytest
import rdflib
from pyoxigraph import QueryResultsFormat, RdfFormat, parse, parse_query_results
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from tests.helpers import BASE, MELUN, MELUN_IRI, RDFS_LABEL
from tid.endpoint import conneg

BOTH_MODES = True  # the tests run over the embedded store and over a remote server (conftest)

SELECT = "SELECT ?s WHERE { ?s a ?t } LIMIT 2"
CONSTRUCT = f"CONSTRUCT {{ <{MELUN_IRI}> ?p ?o }} WHERE {{ <{MELUN_IRI}> ?p ?o }}"
# Three real labels: an en dash, guillemets and accents, and œ.
LABELS = {
    MELUN_IRI: MELUN,
    BASE + "id/document/seed-003": "Présentation du programme Territoires d'industrie et du « Pack rebond » (seeds/003)",
    BASE + "id/mesure/reouverture-formations-competences-industrielles":
        "Réouverture de formations sur les compétences industrielles (AMI Territoires d'industrie et Action Cœur de Ville)",
}
VALUES = " ".join(f"<{iri}>" for iri in LABELS)
SELECT_LABELS = (f'SELECT DISTINCT ?s ?label WHERE {{ VALUES ?s {{ {VALUES} }} ?s <{RDFS_LABEL}> ?label '
                 'FILTER(LANG(?label) = "fr") }')
CONSTRUCT_LABELS = (f'CONSTRUCT {{ ?s <{RDFS_LABEL}> ?label }} WHERE {{ VALUES ?s {{ {VALUES} }} '
                    f'?s <{RDFS_LABEL}> ?label FILTER(LANG(?label) = "fr") }}')


def accept(header: str) -> MIMEAccept:
    return parse_accept_header(header, MIMEAccept)


# -- the negotiation rules, as a unit ---------------------------------------------------------


@pytest.mark.parametrize(("header", "expected"), [
    ("", "json"),
    ("*/*", "json"),
    ("text/*", "csv"),
    ("text/csv;q=0.5, text/tab-separated-values", "tsv"),
    ("application/sparql-results+xml;q=0.9, application/sparql-results+json;q=0.8", "xml"),
    ("application/sparql-results+json;q=0, */*", "xml"),  # the explicit q=0 beats the wildcard
    ("application/json", "json"),
    ("text/xml", "xml"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "xml"),
    ("image/png", None),
])
def test_negotiation_of_solution_formats(header: str, expected: str | None) -> None:
    chosen = conneg.negotiate(accept(header), conneg.SOLUTION_FORMATS)
    assert (chosen.key if chosen else None) == expected


@pytest.mark.parametrize(("header", "expected"), [
    ("*/*", "ttl"),
    ("text/turtle;q=0, */*", "nt"),
    ("application/ld+json; profile=\"http://www.w3.org/ns/json-ld#compacted\"", "jsonld"),
    ("application/json", "jsonld"),
    ("application/rdf+xml", "rdf"),
    ("application/n-quads, application/trig;q=0.9", "nq"),
    ("application/*;q=0.5, text/turtle;q=0.4", "nt"),
    ("text/csv", None),
])
def test_negotiation_of_graph_formats(header: str, expected: str | None) -> None:
    chosen = conneg.negotiate(accept(header), conneg.GRAPH_FORMATS)
    assert (chosen.key if chosen else None) == expected


def test_format_names_and_media_types() -> None:
    assert conneg.by_name(["ttl"], conneg.GRAPH_FORMATS).key == "ttl"
    assert conneg.by_name(["json"], conneg.GRAPH_FORMATS).key == "jsonld"
    assert conneg.by_name(["xml"], conneg.GRAPH_FORMATS).key == "rdf"
    assert conneg.by_name(["application/n-triples"], conneg.GRAPH_FORMATS).key == "nt"
    assert conneg.by_name(["csv"], conneg.GRAPH_FORMATS) is None  # known, but not for graphs
    with pytest.raises(conneg.UnknownFormat):
        conneg.by_name(["yaml"], conneg.GRAPH_FORMATS)


# -- over HTTP ------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "media_type"), [
    (None, "application/sparql-results+json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.2, text/tab-separated-values;q=0.3, application/*;q=0.1", "text/tab-separated-values"),
])
def test_select_formats_by_accept(client, header: str | None, media_type: str) -> None:
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": header} if header else {})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize(("header", "media_type"), [
    (None, "text/turtle"),
    ("text/turtle", "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/ld+json", "application/ld+json"),
    ("application/trig", "application/trig"),
    ("application/n-quads", "application/n-quads"),
])
def test_construct_formats_by_accept(client, header: str | None, media_type: str) -> None:
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": header} if header else {})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    fmt = RdfFormat.from_media_type(media_type)
    triples = list(parse(response.get_data(), format=fmt))
    assert len(triples) > 3


@pytest.mark.parametrize(("value", "media_type"), [
    ("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"), ("tsv", "text/tab-separated-values"), ("text/csv", "text/csv"),
])
def test_format_parameter_overrides_accept_for_select(client, value: str, media_type: str) -> None:
    response = client.get("/sparql", query_string={"query": SELECT, "format": value},
                          headers={"Accept": "application/sparql-results+xml"})
    assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"


@pytest.mark.parametrize(("value", "media_type"), [
    ("ttl", "text/turtle"), ("nt", "application/n-triples"), ("rdf", "application/rdf+xml"),
    ("jsonld", "application/ld+json"), ("trig", "application/trig"), ("nq", "application/n-quads"),
    ("application/ld+json", "application/ld+json"),
])
def test_format_parameter_overrides_accept_for_construct(client, value: str, media_type: str) -> None:
    response = client.post("/sparql", data={"query": CONSTRUCT, "format": value}, headers={"Accept": "text/turtle"})
    assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"


def test_nothing_acceptable_is_406_listing_the_available_types(client) -> None:
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"
    body = json.loads(response.get_data(as_text=True))
    assert body["available"] == ["application/sparql-results+json", "application/sparql-results+xml",
                                 "text/csv", "text/tab-separated-values"]
    assert "text/csv" in body["detail"]
    response = client.get("/sparql", query_string={"query": CONSTRUCT, "format": "csv"})
    assert response.status_code == 406
    assert "text/turtle" in json.loads(response.get_data(as_text=True))["available"]


def test_unknown_format_name_is_400(client) -> None:
    response = client.get("/sparql", query_string={"query": SELECT, "format": "yaml"})
    assert response.status_code == 400
    assert "yaml" in json.loads(response.get_data(as_text=True))["detail"]


def test_sparqlwrapper_style_repeated_format_parameters(client) -> None:
    """SPARQLWrapper sends format=, output= and results=, twice for TSV (name and media type)."""
    response = client.get("/sparql", query_string=[("query", SELECT), ("format", "tsv"),
                                                   ("format", "text/tab-separated-values"), ("output", "tsv"),
                                                   ("results", "tsv")])
    assert response.headers["Content-Type"] == "text/tab-separated-values; charset=utf-8"


# -- French text in every format ------------------------------------------------------------


def _labels_from_solutions(body: bytes, key: str) -> set[str]:
    fmt = {"json": QueryResultsFormat.JSON, "xml": QueryResultsFormat.XML, "csv": QueryResultsFormat.CSV,
           "tsv": QueryResultsFormat.TSV}[key]
    if key == "csv":  # CSV loses the term kinds; read it as the table it is
        return {row["label"] for row in csv.DictReader(io.StringIO(body.decode("utf-8")))}
    return {solution["label"].value for solution in parse_query_results(body, format=fmt)}


@pytest.mark.parametrize("key", ["json", "xml", "csv", "tsv"])
def test_french_text_survives_every_solution_format(client, key: str) -> None:
    response = client.get("/sparql", query_string={"query": SELECT_LABELS, "format": key})
    assert response.status_code == 200
    assert response.headers["Content-Type"].endswith("; charset=utf-8")
    body = response.get_data()
    assert _labels_from_solutions(body, key) == set(LABELS.values())
    if key != "tsv":  # TSV writes literals in Turtle syntax, still unescaped UTF-8
        assert MELUN.encode("utf-8") in body
    assert "« Pack rebond »".encode() in body and "Cœur".encode() in body


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's own TriG/N-Quads parsers
@pytest.mark.parametrize("key", ["ttl", "nt", "rdf", "jsonld", "trig", "nq"])
def test_french_text_survives_every_graph_format(client, key: str) -> None:
    response = client.get("/sparql", query_string={"query": CONSTRUCT_LABELS, "format": key})
    assert response.status_code == 200
    media_type = response.headers["Content-Type"].split(";")[0]
    body = response.get_data()
    labels = {quad.subject.value: quad.object.value for quad in parse(body, format=RdfFormat.from_media_type(media_type))}
    assert labels == LABELS
    # and rdflib reads the same
    graph = rdflib.Dataset() if key in ("trig", "nq") else rdflib.Graph()
    graph.parse(data=body, format={"ttl": "turtle", "nt": "nt", "rdf": "xml", "jsonld": "json-ld",
                                   "trig": "trig", "nq": "nquads"}[key])
    assert {str(o) for o in graph.objects(None, rdflib.URIRef(RDFS_LABEL))} == set(LABELS.values())


def test_xml_results_declare_utf8_and_keep_the_text(client) -> None:
    response = client.get("/sparql", query_string={"query": SELECT_LABELS, "format": "xml"})
    root = ElementTree.fromstring(response.get_data())
    literals = {element.text for element in root.iter() if element.tag.endswith("literal")}
    assert MELUN in literals
