"""Named queries for people: ``/queries/{name}`` opened by a browser is a page (description, form
with the header's examples, a date picker, search boxes; the table of the solutions with links,
CSV/JSON downloads and a permalink), while machine clients get exactly what they got before.
A parameter naming a territory or a commune takes ``ti-1107`` (with its phase when ambiguous),
an INSEE code, a SIREN or a name, resolved through the crosswalk of ``/resolve``; what cannot be
resolved is a 400 (a page with the form for a browser), never a 500."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from tests.helpers import BASE, HTML_TYPE, MELUN, MELUN_IRI, assert_problem

BOTH_MODES = True  # over the embedded store and over a remote SPARQL server (conftest)

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"}
SOLUTIONS_JSON = "application/sparql-results+json; charset=utf-8"
TI_1103_NEW = BASE + "id/territoire/2023-2027/ti-1103"
TI_1103_OLD = BASE + "id/territoire/2018-2023/ti-1103"


def bindings(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["results"]["bindings"]


# -- the page and the machines -------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "media"), [
    (None, "application/sparql-results+json"),  # pandas, urllib: no Accept
    ("*/*", "application/sparql-results+json"),  # curl
    ("application/sparql-results+json,application/json,text/javascript,application/javascript",
     "application/sparql-results+json"),  # SPARQLWrapper, JSON
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/xml, text/html;q=0.5", "application/sparql-results+xml"),
    (BROWSER["Accept"], "text/html"),
    ("text/html", "text/html"),
])
def test_who_gets_the_page(client, accept, media) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/queries/territoires-par-phase", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media
    assert response.headers["Vary"] == "Accept" and response.headers["ETag"]
    assert response.headers["X-TID-Release"]


def test_format_parameter_beats_the_browser(client) -> None:
    csv_answer = client.get("/queries/territoires-par-phase", query_string={"format": "csv"}, headers=BROWSER)
    assert csv_answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    page = client.get("/queries/territoires-par-phase", query_string={"format": "html"})
    assert page.headers["Content-Type"] == HTML_TYPE
    assert_problem(client.get("/queries/territoires-par-phase", query_string={"format": "nonsense"}),
                   400, "invalid-parameter")
    typo = client.get("/queries/territoires-par-phase", query_string={"format": "nonsense"}, headers=BROWSER)
    assert typo.status_code == 400 and typo.headers["Content-Type"] == HTML_TYPE  # the problem as a page


def test_page_without_parameters_runs_and_shows_a_table(client) -> None:
    response = client.get("/queries/territoires-par-phase", headers=BROWSER)
    assert response.headers["Content-Type"] == HTML_TYPE
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    page = response.get_data(as_text=True)
    assert '<html lang="fr">' in page and "<script>" not in page and " on" + "click=" not in page
    assert 'class="solutions"' in page
    expected = bindings(client.get("/queries/territoires-par-phase"))
    assert page.count("<tr>") == len(expected) + 1  # the head and one row per solution
    assert 'href="/doc/phase/2023-2027"' in page  # IRIs of the dataset link to their local page
    assert 'href="/queries/territoires-par-phase?format=csv"' in page
    assert 'href="/queries/territoires-par-phase?format=json"' in page
    assert 'href="http://localhost/queries/territoires-par-phase"' in page  # the permalink
    assert "PREFIX tid:" in page  # the SPARQL text, escaped in <pre>
    again = client.get("/queries/territoires-par-phase", headers={**BROWSER, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    english = client.get("/queries/territoires-par-phase", query_string={"lang": "en"}, headers=BROWSER)
    assert '<html lang="en">' in english.get_data(as_text=True) and english.headers["ETag"] != response.headers["ETag"]


def test_page_with_a_required_parameter_shows_the_form_first(client) -> None:
    response = client.get("/queries/communes-d-un-territoire", headers=BROWSER)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="territoire" type="search"' in page and 'data-search="territoire"' in page
    assert 'name="date" type="date"' in page
    assert "e.g. https://w3id.org/territoires-industrie/id/territoire/2023-2027/ti-7510" in page  # the header's doc
    assert 'placeholder="https://w3id.org/territoires-industrie/id/territoire/2023-2027/ti-7510"' in page
    assert 'data-value="https://w3id.org/territoires-industrie/id/territoire/2023-2027/ti-7510"' in page
    assert 'class="solutions"' not in page  # nothing run yet
    example = re.search(r'href="(/queries/communes-d-un-territoire\?territoire=[^"]+)"', page)
    assert example  # "try with the examples"
    assert re.search(r'<script src="/assets/query-form\.js\?v=[0-9a-f]+"', page)


def test_page_runs_with_a_code_and_keeps_the_permalink_readable(client) -> None:
    response = client.get("/queries/communes-d-un-territoire", query_string={"territoire": "ti-1107",
                                                                            "date": "2024-06-01"}, headers=BROWSER)
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    assert MELUN_IRI in page  # "read as" the IRI
    assert 'value="ti-1107"' in page and 'value="2024-06-01"' in page
    assert "territoire=ti-1107" in page and "format=csv" in page
    rows = bindings(client.get("/queries/communes-d-un-territoire", query_string={"territoire": MELUN_IRI,
                                                                                  "date": "2024-06-01"}))
    assert rows and page.count("<tr>") == len(rows) + 1
    assert "/doc/commune/77288" in page


def test_bad_values_give_the_form_again_with_400(client) -> None:
    response = client.get("/queries/communes-d-un-territoire", query_string={"territoire": "ti-1103"}, headers=BROWSER)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == HTML_TYPE and "Content-Security-Policy" in response.headers
    assert "ETag" not in response.headers
    assert response.headers["Vary"] == "Accept" and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page and "ti-1103@2023-2027" in page and "ti-1103@2018-2023" in page
    # each meaning is a link to the page with that value
    assert 'href="/queries/communes-d-un-territoire?territoire=ti-1103@2018-2023"' in page
    for query_string in ({"territoire": "ti-9999"}, {"territoire": MELUN_IRI, "date": "yesterday"},
                         {"territoire": MELUN_IRI, "nothing": "x"}, {"date": "2024-01-01"}):
        bad = client.get("/queries/communes-d-un-territoire", query_string=query_string, headers=BROWSER)
        assert bad.status_code == 400, query_string
        assert bad.headers["Content-Type"] == HTML_TYPE
    unknown = client.get("/queries/no-such-query", headers=BROWSER)
    assert unknown.status_code == 404 and unknown.headers["Content-Type"] == HTML_TYPE


def test_catalogue_page_links_each_query(client) -> None:
    response = client.get("/queries", headers=BROWSER)
    assert response.headers["Content-Type"] == HTML_TYPE
    page = response.get_data(as_text=True)
    assert 'href="http://localhost/queries/communes-d-un-territoire"' in page
    assert "Communes d&#39;un territoire" in page and 'class="skip"' in page  # the site's frame


# -- the crosswalk, for every client -------------------------------------------------------------


@pytest.mark.parametrize("written", [
    MELUN_IRI, "ti-1107", "TI-1107", "ti-1107@2023-2027", "2023-2027/ti-1107", "ti-1107 (2023-2027)",
    "ti-1107 2023-2027", MELUN,
])
def test_a_territory_by_code_phase_or_name(client, written: str) -> None:
    rows = bindings(client.get("/queries/communes-d-un-territoire", query_string={"territoire": written,
                                                                                 "date": "2024-06-01"}))
    assert rows and {b["territoire"]["value"] for b in rows} == {MELUN_IRI}


def test_an_ambiguous_code_needs_its_phase(client) -> None:
    body = assert_problem(client.get("/queries/communes-d-un-territoire", query_string={"territoire": "ti-1103"}),
                          400, "bad-query-parameter")
    assert body["parameter"] == "territoire"
    assert {c["iri"] for c in body["choices"]} == {TI_1103_NEW, TI_1103_OLD}
    assert "ti-1103@2018-2023" in body["detail"] and "ti-1103@2023-2027" in body["detail"]
    rows = bindings(client.get("/queries/communes-d-un-territoire", query_string={"territoire": "ti-1103@2018-2023",
                                                                                 "date": "2020-06-01"}))
    assert {b["territoire"]["value"] for b in rows} <= {TI_1103_OLD}


@pytest.mark.parametrize("written", ["77288", "217702885", "Melun", BASE + "id/commune/77288", "217 702 885"])
def test_a_commune_by_insee_siren_name_or_iri(client, written: str) -> None:
    reference = bindings(client.get("/queries/territoire-d-une-commune",
                                    query_string={"insee": "77288", "date": "2024-06-01"}))
    rows = bindings(client.get("/queries/territoire-d-une-commune", query_string={"insee": written,
                                                                                 "date": "2024-06-01"}))
    assert rows == reference and rows
    assert {b["insee"]["value"] for b in rows} == {"77288"}


@pytest.mark.parametrize(("query_string", "where"), [
    ({"territoire": "ti-9999"}, "territoire"),  # names nothing
    ({"territoire": "ti-1107@2018-2023"}, "territoire"),  # not in that phase
    ({"territoire": "77288"}, "territoire"),  # a commune's code is no territory
    ({"territoire": "Nowhere at all"}, "territoire"),
])
def test_unresolvable_territories_are_400(client, query_string, where) -> None:
    response = client.get("/queries/communes-d-un-territoire", query_string=query_string)
    body = assert_problem(response, 400, "bad-query-parameter")
    assert body["parameter"] == where and "territoire" in body["detail"]


@pytest.mark.parametrize("written", ["247700058", "247700057", "Nulle part du tout", "ti-1107"])
def test_unresolvable_communes_are_400(client, written: str) -> None:
    """A SIREN failing its checksum, an EPCI's SIREN (no commune), an unknown name, a territory.
    (A well-formed INSEE code is bound as it is, as before: 99999 gives no row.)"""
    body = assert_problem(client.get("/queries/territoire-d-une-commune", query_string={"insee": written}),
                          400, "bad-query-parameter")
    assert body["parameter"] == "insee"


def test_machine_answers_are_unchanged(client) -> None:
    """The same bytes as before for the same request with an IRI: only codes and names are new."""
    by_iri = client.get("/queries/communes-d-un-territoire", query_string={"territoire": MELUN_IRI, "format": "csv",
                                                                          "date": "2024-06-01"})
    by_code = client.get("/queries/communes-d-un-territoire", query_string={"territoire": "ti-1107", "format": "csv",
                                                                           "date": "2024-06-01"})
    assert by_iri.status_code == by_code.status_code == 200
    assert by_iri.get_data() == by_code.get_data()
    assert by_iri.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(by_iri.get_data(as_text=True))))
    assert rows and rows[0]["territoire"] == MELUN_IRI
    json_answer = client.get("/queries/territoires-par-phase")
    assert json_answer.headers["Content-Type"] == SOLUTIONS_JSON
    assert_problem(client.get("/queries/communes-d-un-territoire", query_string={"territoire": "not an iri"}),
                   400, "bad-query-parameter")


def test_pandas_reads_a_named_query_with_parameters_over_http(app) -> None:
    """``pandas.read_csv`` on the URL (urllib: no Accept header) with ``format=csv``, as before; the
    same frame whether the territory is given by its IRI or its code."""
    pandas = pytest.importorskip("pandas")
    from urllib.parse import urlencode

    from tests.helpers import serving

    with serving(app) as root:
        by_iri = pandas.read_csv(f"{root}queries/communes-d-un-territoire?"
                                 + urlencode({"territoire": MELUN_IRI, "date": "2024-06-01", "format": "csv"}))
        by_code = pandas.read_csv(f"{root}queries/communes-d-un-territoire?"
                                  + urlencode({"territoire": "ti-1107", "date": "2024-06-01", "format": "csv"}))
        assert len(by_iri) > 0 and by_iri.equals(by_code)
        assert set(by_iri["territoire"]) == {MELUN_IRI}
        json_frame = pandas.read_json(f"{root}queries/territoires-par-phase")  # SPARQL JSON, no Accept
        assert "results" in json_frame.index or "results" in json_frame.columns


def test_a_parameter_given_twice_is_400_on_the_page_too(client) -> None:
    response = client.get("/queries/communes-d-un-territoire", headers=BROWSER,
                          query_string=[("territoire", MELUN_IRI), ("territoire", MELUN_IRI)])
    assert response.status_code == 400 and response.headers["Content-Type"] == HTML_TYPE
    assert "2 fois" in response.get_data(as_text=True)


def test_the_page_says_when_it_shows_only_the_first_rows(make_app) -> None:
    client = make_app(MAX_ROWS=1).test_client()
    response = client.get("/queries/territoires-par-phase", headers=BROWSER)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("<tr>") == 2 and 'class="truncated"' in page
    complete = client.get("/queries/territoires-par-phase", query_string={"lang": "en"}, headers=BROWSER)
    assert "only the first 1 are shown" in complete.get_data(as_text=True)


def test_the_page_of_a_date_that_defaults_to_today_changes_with_the_day(client, monkeypatch) -> None:
    import datetime

    import tid.graph.queries as queries

    first = client.get("/queries/territoires-par-region", headers=BROWSER)
    assert first.status_code == 200

    class Tomorrow(datetime.date):
        @classmethod
        def today(cls) -> datetime.date:
            return datetime.date.today() + datetime.timedelta(days=1)

    monkeypatch.setattr(queries, "date", Tomorrow)
    second = client.get("/queries/territoires-par-region", headers={**BROWSER, "If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]


def test_the_table_of_real_answers(app, client) -> None:
    """``query_form.table`` over answers of this endpoint: an ASK, labels with a language, a
    count with its datatype, an IRI of the dataset and one of a vocabulary, a blank node."""
    from tid.endpoint.query_form import table

    ask = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    with app.test_request_context("/queries"):
        assert table(ask.get_data(), BASE) == {"boolean": True, "columns": [], "rows": []}
    select = client.get("/sparql", query_string={"query": f"""
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?thing ?thingLabel ?type ?n ?b WHERE {{
          <{MELUN_IRI}> a ?type ; rdfs:label ?thingLabel . FILTER(lang(?thingLabel) = "fr")
          BIND(<{MELUN_IRI}> AS ?thing) BIND(3 AS ?n) BIND(BNODE() AS ?b) }} LIMIT 1"""})
    with app.test_request_context("/queries"):  # links are built for the request
        shown = table(select.get_data(), BASE)
    assert shown["columns"] == ["thing", "thingLabel", "type", "n", "b"]
    thing, label, kind, number, blank = shown["rows"][0]
    assert thing == {"text": MELUN, "href": "/doc/territoire/2023-2027/ti-1107", "title": MELUN_IRI}  # named by ?thingLabel
    assert label["text"] == MELUN and label["title"] == "@fr" and label["href"] is None
    assert kind["text"].startswith("tid:") and kind["href"].startswith("/def#")  # a term: its section of /def
    with app.test_request_context("/queries?lang=en"):
        english = table(select.get_data(), BASE, "en")["rows"][0]
    assert english[0]["href"] == "/doc/territoire/2023-2027/ti-1107?lang=en"
    assert english[2]["href"].startswith("/def?lang=en#")
    assert number["text"] == "3" and number["numeric"] and number["title"] == "xsd:integer"
    assert blank["text"].startswith("_:") and blank["href"] is None
