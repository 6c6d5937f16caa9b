"""A CSV or TSV answer cut at a limit cannot be mistaken for a complete one: past the row or byte
limit it is refused (422 ``result-too-large``, naming the limit and how to page), unless the
client opts in with ``truncate=true``; SPARQL JSON and XML keep saying in their head that they
were cut. Checked header by header, on ``/sparql`` (GET and form POST) and ``/queries/{name}``,
and with the clients that never look at a header: pandas and SPARQLWrapper over a socket."""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.parse

import pytest

from tests.helpers import PROBLEM_TYPE, assert_problem, serving

ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
ROWS = 5


@pytest.fixture
def small(make_app):
    return make_app(MAX_ROWS=ROWS)


def test_csv_and_tsv_past_the_row_limit_are_refused(small) -> None:
    client = small.test_client()
    for key, media in (("csv", "text/csv"), ("tsv", "text/tab-separated-values")):
        for request in ({"query_string": {"query": ALL, "format": key}},
                        {"query_string": {"query": ALL}, "headers": {"Accept": media}}):
            response = client.get("/sparql", **request)
            body = assert_problem(response, 422, "result-too-large")
            assert response.headers["Content-Type"] == PROBLEM_TYPE
            assert "X-TID-Truncated" not in response.headers and "ETag" not in response.headers
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            assert body["limit"] == f"rows={ROWS}" and body["page_size"] == ROWS
            assert f"more than {ROWS} rows" in body["detail"] and f"LIMIT {ROWS} OFFSET 0" in body["detail"]
            assert "truncate=true" in body["detail"] and f"plus de {ROWS} lignes" in body["detail"]


def test_opting_in_gives_the_first_rows_with_the_header(small) -> None:
    client = small.test_client()
    for value in ("true", "1", "yes", "TRUE"):
        response = client.get("/sparql", query_string={"query": ALL, "format": "csv", "truncate": value})
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["X-TID-Truncated"] == f"rows={ROWS}"
        assert response.headers["X-TID-Rows"] == str(ROWS)
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        assert rows[0] == ["s", "p", "o"] and len(rows) == ROWS + 1
    refused = client.get("/sparql", query_string={"query": ALL, "format": "tsv", "truncate": "false"})
    assert_problem(refused, 422, "result-too-large")
    # the opt-in is part of what the answer depends on: its ETag is not the one of the refusal's request
    accepted = client.get("/sparql", query_string={"query": ALL, "format": "tsv", "truncate": "true"})
    assert accepted.status_code == 200 and accepted.headers["ETag"]
    again = client.get("/sparql", query_string={"query": ALL, "format": "tsv"},
                       headers={"If-None-Match": accepted.headers["ETag"]})
    assert_problem(again, 422, "result-too-large")


def test_opting_in_through_a_form_post(small) -> None:
    client = small.test_client()
    response = client.post("/sparql", data={"query": ALL, "truncate": "true"}, headers={"Accept": "text/csv"})
    assert response.status_code == 200 and response.headers["X-TID-Truncated"] == f"rows={ROWS}"
    assert_problem(client.post("/sparql", data={"query": ALL}, headers={"Accept": "text/csv"}), 422, "result-too-large")


def test_bad_truncate_values_are_400(small) -> None:
    client = small.test_client()
    body = assert_problem(client.get("/sparql", query_string={"query": ALL, "format": "csv", "truncate": "maybe"}),
                          400, "invalid-parameter")
    assert "truncate='maybe'" in body["detail"]
    twice = client.get("/sparql", query_string=[("query", ALL), ("truncate", "true"), ("truncate", "true")])
    assert "given 2 times" in assert_problem(twice, 400, "invalid-parameter")["detail"]
    named = client.get("/queries/territoires-par-phase", query_string={"format": "csv", "truncate": "sometimes"})
    assert_problem(named, 400, "invalid-parameter")


def test_json_and_xml_still_say_it_in_their_head(small) -> None:
    client = small.test_client()
    response = client.get("/sparql", query_string={"query": ALL})
    assert response.status_code == 200 and response.headers["X-TID-Truncated"] == f"rows={ROWS}"
    assert json.loads(response.get_data())["head"]["link"] == ["http://localhost/problems/result-truncated"]
    xml = client.get("/sparql", query_string={"query": ALL, "format": "xml"})
    assert xml.status_code == 200 and b"<link href=" in xml.get_data()


def test_a_complete_csv_is_untouched(small) -> None:
    client = small.test_client()
    exact = client.get("/sparql", query_string={"query": f"{ALL} LIMIT {ROWS}", "format": "csv"})
    assert exact.status_code == 200 and "X-TID-Truncated" not in exact.headers
    assert exact.get_data().count(b"\r\n") == ROWS + 1


def test_the_byte_limit_too(make_app) -> None:
    client = make_app(MAX_BYTES=4000).test_client()
    response = client.get("/sparql", query_string={"query": ALL, "format": "csv"})
    body = assert_problem(response, 422, "result-too-large")
    assert body["limit"] == "bytes=4000" and "more than 4000 bytes" in body["detail"]
    assert 0 < body["page_size"] == body["rows"]


def test_named_queries_follow_the_same_rule(make_app) -> None:
    client = make_app(MAX_ROWS=1).test_client()
    name = "/queries/territoires-par-phase"
    assert_problem(client.get(name, query_string={"format": "csv"}), 422, "result-too-large")
    assert_problem(client.get(name, headers={"Accept": "text/tab-separated-values"}), 422, "result-too-large")
    cut = client.get(name, query_string={"format": "csv", "truncate": "true"})
    assert cut.status_code == 200 and cut.headers["X-TID-Truncated"] == "rows=1"
    assert client.get(name).status_code == 200  # JSON, cut, says so in its head


def test_problem_type_is_documented(client) -> None:
    response = client.get("/problems/result-too-large")
    assert response.status_code == 200
    assert json.loads(response.get_data())["status"] == 422


def test_the_rule_is_in_the_service_description(small) -> None:
    text = small.test_client().get("/sparql", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    assert "truncate=true" in text and "422" in text and "jamais coupée" in text


# -- clients that never read a header ---------------------------------------------------------


def test_pandas_cannot_read_a_cut_csv_as_complete(small) -> None:
    pandas = pytest.importorskip("pandas")
    with serving(small) as root:
        url = f"{root}sparql?format=csv&query={urllib.parse.quote(ALL)}"
        with pytest.raises(urllib.error.HTTPError) as refused:
            pandas.read_csv(url)
        assert refused.value.code == 422
        frame = pandas.read_csv(url + "&truncate=true")
        assert list(frame.columns) == ["s", "p", "o"] and len(frame) == ROWS
        complete = pandas.read_csv(f"{root}sparql?format=csv&query={urllib.parse.quote(ALL + ' LIMIT 3')}")
        assert len(complete) == 3
        named = pandas.read_csv(f"{root}queries/territoires-par-phase?format=csv")
        expected = small.test_client().get("/queries/territoires-par-phase").get_json()["results"]["bindings"]
        assert 0 < len(named) == len(expected) <= ROWS and "phase" in named.columns


def test_sparqlwrapper_gets_an_error_not_a_short_csv(small) -> None:
    from SPARQLWrapper import CSV, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    with serving(small) as root:
        client = SPARQLWrapper(root + "sparql")
        client.setQuery(ALL)
        client.setReturnFormat(CSV)
        with pytest.raises((SPARQLWrapperException, urllib.error.HTTPError)) as refused:
            client.query().convert()
        assert "422" in str(refused.value) or "result-too-large" in str(refused.value)
        client.addParameter("truncate", "true")
        text = client.query().convert().decode()
        assert len(text.strip().splitlines()) == ROWS + 1
