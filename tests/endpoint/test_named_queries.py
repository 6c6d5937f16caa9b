"""Named queries as an API: the catalogue (JSON and HTML), a run with parameters bound as RDF
terms (never pasted into the text), in any negotiated format; unknown query 404, bad parameter 400."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.helpers import MELUN, MELUN_IRI
from tid.graph.queries import list_queries

BOTH_MODES = True  # the tests run over the embedded store and over a remote server (conftest)

def test_catalogue_as_json(client) -> None:
    response = client.get("/queries")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Vary"] == "Accept" and response.headers["ETag"]
    entries = {e["name"]: e for e in json.loads(response.get_data(as_text=True))["queries"]}
    expected = {q.name for q in list_queries()}
    assert set(entries) == expected
    assert "territoires-par-phase" in entries and "geo-geometries" in entries
    assert not {"endpoint-named-graphs", "resource-statements", "home-counts", "search-index"} & set(entries)
    entry = entries["communes-d-un-territoire"]
    assert set(entry) >= {"name", "title", "fr", "en", "parameters", "url"}
    assert entry["parameters"] == [{"name": "territoire", "type": "iri", "default": None, "required": True,
                                    "doc": entry["parameters"][0]["doc"]},
                                   {"name": "date", "type": "date", "default": "today", "required": False,
                                    "doc": entry["parameters"][1]["doc"]}]
    assert entry["url"] == "http://localhost/queries/communes-d-un-territoire"
    text = response.get_data(as_text=True)
    assert "é" in text and "\\u00e9" not in text  # UTF-8, not \u-escaped


def test_catalogue_as_html_escapes_the_text(client) -> None:
    response = client.get("/queries", headers={"Accept": "text/html"})
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.get_data(as_text=True)
    assert 'href="http://localhost/queries/territoires-par-phase"' in page
    assert "Territories per phase" in page
    assert "d&#39;industrie" in page  # Jinja escaping of the apostrophes of the descriptions


def test_run_a_query_without_parameters_in_several_formats(client) -> None:
    response = client.get("/queries/territoires-par-phase")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"
    bindings = json.loads(response.get_data(as_text=True))["results"]["bindings"]
    assert {b["phase"]["value"].rsplit("/", 1)[1] for b in bindings} == {"2018-2023", "2023-2027"}
    table = client.get("/queries/territoires-par-phase", headers={"Accept": "text/csv"})
    assert table.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(table.get_data(as_text=True))))
    assert len(rows) == len(bindings)
    assert client.get("/queries/territoires-par-phase", query_string={"format": "xml"}).headers[
        "Content-Type"] == "application/sparql-results+xml; charset=utf-8"


def test_run_with_a_bound_parameter(client) -> None:
    response = client.get("/queries/communes-d-un-territoire", query_string={"territoire": MELUN_IRI})
    assert response.status_code == 200
    bindings = json.loads(response.get_data(as_text=True))["results"]["bindings"]
    assert bindings and all(b["territoire"]["value"] == MELUN_IRI for b in bindings)
    other = client.get("/queries/communes-d-un-territoire",
                       query_string={"territoire": MELUN_IRI.replace("ti-1107", "ti-0000")})
    assert json.loads(other.get_data(as_text=True))["results"]["bindings"] == []
    assert other.headers["ETag"] != response.headers["ETag"]


def test_named_query_labels_keep_french_text(client) -> None:
    response = client.get("/queries/communes-d-un-territoire", query_string={"territoire": MELUN_IRI, "format": "tsv"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/tab-separated-values; charset=utf-8"
    text = client.get("/sparql", query_string={"query": f"SELECT ?l WHERE {{ <{MELUN_IRI}> ?p ?l FILTER(?l = '{MELUN}'@fr) }}"})
    assert MELUN in text.get_data(as_text=True)


def problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"
    body = json.loads(response.get_data(as_text=True))
    assert body["type"].endswith("/" + slug)
    return body


def test_unknown_query_is_404(client) -> None:
    problem(client.get("/queries/no-such-query"), 404, "unknown-query")
    problem(client.get("/queries/Not_A_Name"), 404, "unknown-query")
    problem(client.get("/queries/../cli"), 404, "unknown-query")  # never a path outside queries/


def test_internal_queries_are_not_served_as_questions(client) -> None:
    """The build's and the pages' own queries exist in queries/ but are not an API (issue 12, finding 16)."""
    from tid.graph.queries import INTERNAL_PREFIXES, QUERY_DIR

    internal = sorted(path.stem for path in QUERY_DIR.glob("*.rq") if path.stem.startswith(INTERNAL_PREFIXES))
    assert {name.split("-")[0] for name in internal} >= {"derive", "home", "resource", "search"}
    for name in internal:
        body = problem(client.get(f"/queries/{name}"), 404, "unknown-query")
        assert "internal queries" in body["detail"]
    assert client.get("/queries/communes-d-un-territoire", query_string={"territoire": MELUN_IRI}).status_code == 200


@pytest.mark.parametrize("params", [
    {},  # missing the required parameter
    {"territoire": "not an iri"},
    {"territoire": f"{MELUN_IRI}> }} UNION {{ ?s ?p ?o"},  # an injection attempt is not an IRI
    {"territoire": MELUN_IRI, "commune": "64430"},  # a parameter the query does not have
    {"territoire": [MELUN_IRI, MELUN_IRI]},
])
def test_bad_parameter_is_400(client, params: dict) -> None:
    query_string = [(k, v) for k, values in params.items() for v in (values if isinstance(values, list) else [values])]
    body = problem(client.get("/queries/communes-d-un-territoire", query_string=query_string), 400, "bad-query-parameter")
    assert "territoire" in body["detail"] or "given 2 times" in body["detail"]


def test_injection_through_a_string_is_bound_not_pasted(client) -> None:
    """The value reaches the query as one RDF term: quotes and braces in it change nothing."""
    evil = '" } ?s ?p ?o { "'
    response = client.get("/queries/communes-d-un-territoire", query_string={"territoire": "urn:x:" + evil.replace(" ", "")})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert json.loads(response.get_data(as_text=True))["results"]["bindings"] == []
