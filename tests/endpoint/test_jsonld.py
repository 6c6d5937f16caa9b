"""JSON-LD answers carry a ``@context`` made of the project's prefixes and are compacted: a web
developer reads ``rdfs:label`` and ``igeo:Commune``, not full IRIs. Checked on a resource's
document, a CONSTRUCT answer and the catalogue: the same graph as the N-Triples answer (read back
by rdflib's JSON-LD parser, which is given no URL and so fetches nothing), one shape
(``@context`` and ``@graph``), and the same graph and shape past the compaction bound."""

from __future__ import annotations

import json

import pytest
import rdflib
from pyoxigraph import Literal, NamedNode, Triple
from rdflib.compare import isomorphic

from tests.helpers import BASE
from tid.endpoint import jsonld
from tid.endpoint.describe import prefixes as document_prefixes
from tid.namespaces import PREFIXES

COMMUNE = "/doc/commune/77288"
CONSTRUCT = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX igeo: <http://rdf.insee.fr/def/geo#> "
             "CONSTRUCT { ?c a igeo:Commune ; rdfs:label ?n ; igeo:codeINSEE ?code } "
             "WHERE { ?c a igeo:Commune ; rdfs:label ?n ; igeo:codeINSEE ?code } ORDER BY ?code LIMIT 40")


def read(body: bytes) -> rdflib.Graph:
    """The graph of a JSON-LD document whose context is inline (nothing to fetch)."""
    return rdflib.Graph().parse(data=body, format="json-ld")


def nt(body: bytes) -> rdflib.Graph:
    return rdflib.Graph().parse(data=body, format="nt")


def keys(nodes: list[dict]) -> set[str]:
    return {key for node in nodes for key in node}


def test_a_resource_document_is_compacted_with_the_projects_prefixes(client) -> None:
    response = client.get(COMMUNE + ".jsonld")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/ld+json; charset=utf-8"
    document = json.loads(response.get_data())
    assert set(document) == {"@context", "@graph"}
    assert document["@context"] == {p: document_prefixes(BASE)[p] for p in sorted(document_prefixes(BASE))}
    commune = next(node for node in document["@graph"] if node["@id"] == BASE + "id/commune/77288")
    assert "igeo:Commune" in (commune["@type"] if isinstance(commune["@type"], list) else [commune["@type"]])
    assert "rdfs:label" in commune and "igeo:codeINSEE" in commune
    assert not any(key.startswith("http") for key in keys(document["@graph"]))
    assert isomorphic(read(response.get_data()), nt(client.get(COMMUNE + ".nt").get_data()))


def test_negotiated_json_ld_is_the_same_document(client) -> None:
    by_accept = client.get(COMMUNE, headers={"Accept": "application/ld+json"})
    assert by_accept.status_code == 200
    assert by_accept.get_data() == client.get(COMMUNE + ".jsonld").get_data()


def test_a_construct_answer_is_compacted(client) -> None:
    answer = client.post("/sparql", data={"query": CONSTRUCT}, headers={"Accept": "application/ld+json"})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/ld+json; charset=utf-8"
    document = json.loads(answer.get_data())
    assert set(document) == {"@context", "@graph"}
    assert document["@context"]["rdfs"] == PREFIXES["rdfs"] and document["@context"]["igeo"] == PREFIXES["igeo"]
    assert len(document["@graph"]) == 40
    assert {"@id", "@type", "rdfs:label", "igeo:codeINSEE"} == keys(document["@graph"])
    assert all(node["@type"] == "igeo:Commune" for node in document["@graph"])
    triples = client.post("/sparql", data={"query": CONSTRUCT}, headers={"Accept": "application/n-triples"})
    assert isomorphic(read(answer.get_data()), nt(triples.get_data()))


def test_the_catalogue_in_json_ld_reads_with_curies(client) -> None:
    body = client.get("/catalog.jsonld").get_data()
    document = json.loads(body)
    assert set(document) == {"@context", "@graph"}
    assert {"dcat:dataset", "dct:title", "dcat:distribution"} <= keys(document["@graph"])
    assert isomorphic(read(body), nt(client.get("/catalog.nt").get_data()))


@pytest.mark.parametrize("limit", [0, 1, 10_000])
def test_past_the_bound_the_same_graph_and_shape(monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    """A graph larger than the compaction bound (pyoxigraph's writer, then its IRIs compacted)
    has the same shape, the same graph and the same CURIE keys; a single subject is in ``@graph`` too."""
    monkeypatch.setattr(jsonld, "COMPACT_LIMIT", limit)
    subject = NamedNode(BASE + "id/commune/77288")
    triples = [Triple(subject, NamedNode(PREFIXES["rdfs"] + "label"), Literal("Melun", language="fr")),
               Triple(subject, NamedNode(PREFIXES["tid"] + "surfaceHa"), Literal("1.50", datatype=NamedNode(PREFIXES["xsd"] + "decimal"))),
               Triple(subject, NamedNode(PREFIXES["igeo"] + "codeINSEE"), Literal("77288"))]
    body = jsonld.write(triples, PREFIXES)
    document = json.loads(body)
    assert set(document) == {"@context", "@graph"} and len(document["@graph"]) == 1
    expected = rdflib.Graph()
    for s, p, o in ((BASE + "id/commune/77288", PREFIXES["rdfs"] + "label", rdflib.Literal("Melun", lang="fr")),
                    (BASE + "id/commune/77288", PREFIXES["tid"] + "surfaceHa",
                     rdflib.Literal("1.50", datatype=rdflib.XSD.decimal)),
                    (BASE + "id/commune/77288", PREFIXES["igeo"] + "codeINSEE", rdflib.Literal("77288"))):
        expected.add((rdflib.URIRef(s), rdflib.URIRef(p), o))
    assert isomorphic(read(body), expected)
    node = document["@graph"][0]
    assert {"rdfs:label", "tid:surfaceHa", "igeo:codeINSEE"} <= set(node)
    assert node["@id"] == BASE + "id/commune/77288"  # no prefix names the things' namespace
    surface = node["tid:surfaceHa"]
    assert (surface[0] if isinstance(surface, list) else surface)["@type"] == "xsd:decimal"


def test_compact_iris_follows_json_ld_rules() -> None:
    """The longest namespace wins; no compact IRI with an empty suffix or one starting with //;
    blank nodes, values and languages untouched."""
    prefixes = {"ex": "http://ex/", "exa": "http://ex/a/"}
    assert jsonld.compact_iri("http://ex/a/b", prefixes) == "exa:b"
    assert jsonld.compact_iri("http://ex/b", prefixes) == "ex:b"
    assert jsonld.compact_iri("http://ex/", prefixes) == "http://ex/"
    assert jsonld.compact_iri("http://ex///x", prefixes) == "http://ex///x"
    assert jsonld.compact_iri("_:b0", prefixes) == "_:b0"
    nodes = [{"@id": "_:b0", "http://ex/p": [{"@value": "http://ex/v", "@language": "fr"},
                                             {"@id": "http://ex/a/o"}, {"@value": "1", "@type": "http://ex/t"}]}]
    assert jsonld.compact_iris(nodes, prefixes) == [
        {"@id": "_:b0", "ex:p": [{"@value": "http://ex/v", "@language": "fr"}, {"@id": "exa:o"},
                                 {"@value": "1", "@type": "ex:t"}]}]
    assert json.loads(jsonld.write([], PREFIXES))["@graph"] == []
