"""Finding things: the search index (normalisation, ranking, identifiers), ``/search`` as HTML and
JSON header by header, and the identifier crosswalk ``/resolve`` (303, 300, 404, 400), on the cut
data (Melun area, Saône-et-Loire, Nièvre) and on a small hand-made store for what the cut lacks
(Lacq, INSEE code 64300, and the communes of postal code 64300)."""

from __future__ import annotations

import json

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from tests.helpers import BASE, HTML_TYPE, MELUN_IRI, assert_problem
from tid.endpoint.search_index import SearchIndex, compact, normalise, tokens
from tid.graph.store import merged
from tid.loaders.base import luhn_ok as luhn_valid
from tid.namespaces import IGEO, RDF, RDFS, SKOS, TID

JSON_TYPE = "application/json; charset=utf-8"


@pytest.fixture
def web(client):
    return client


def search_json(web, **params):
    response = web.get("/search", query_string={"format": "json", **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == JSON_TYPE
    return json.loads(response.get_data(as_text=True))


def tails(body: dict) -> list[str]:
    return [r["iri"][len(BASE + "id/"):] for r in body["results"]]


# -- normalisation ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Saône-et-Loire", "saone et loire"),
    ("SAÔNE", "saone"),
    ("L’Île-Saint-Denis", "l ile saint denis"),
    ("L'Île-Saint-Denis", "l ile saint denis"),
    ("Vandœuvre-lès-Nancy", "vandoeuvre les nancy"),
    ("ŒUVRE", "oeuvre"),
    ("Melun – Villaroche", "melun villaroche"),
    ("  Induslacq & Chem'pôle 64  ", "induslacq chem pole 64"),
    ("TI-5216", "ti 5216"),
    ("Straße", "strasse"),
    ("!!!", ""),
])
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected
    assert compact(text) == expected.replace(" ", "")
    assert tokens(text) == expected.split()


def test_luhn() -> None:
    assert luhn_valid("200040392") and luhn_valid("247700057") and luhn_valid("217702885")
    assert not luhn_valid("200040393") and not luhn_valid("247700058")


# -- ranking on a small store (what the cut lacks: Lacq and the postal code 64300) --------------

G = NamedNode(BASE + "graph/test")


def _thing(store: Store, path: str, cls: NamedNode, label: str, **values: str | int) -> None:
    iri = NamedNode(BASE + "id/" + path)
    store.add(Quad(iri, RDF.type, cls, G))
    store.add(Quad(iri, RDFS.label, Literal(label, language="fr"), G))
    properties = {"insee": IGEO.codeINSEE, "postal": TID.codePostal, "siren": TID.siren, "id_ti": TID.idTi,
                  "alt": SKOS.altLabel}
    for key, value in values.items():
        if key == "population":
            store.add(Quad(iri, TID.populationMunicipale, Literal(str(value), datatype=NamedNode(
                "http://www.w3.org/2001/XMLSchema#integer")), G))
        elif key == "alt":
            store.add(Quad(iri, SKOS.altLabel, Literal(str(value), language="fr"), G))
        else:
            store.add(Quad(iri, properties[key], Literal(str(value)), G))


@pytest.fixture(scope="module")
def lacq_index() -> SearchIndex:
    store = Store()
    _thing(store, "commune/64300", IGEO.Commune, "Lacq", insee="64300", postal="64170", population=700)
    _thing(store, "commune/64430", IGEO.Commune, "Orthez", insee="64430", postal="64300", population=10500)
    _thing(store, "commune/64367", IGEO.Commune, "Maslacq", insee="64367", postal="64300", population=900)
    _thing(store, "commune/40137", IGEO.Commune, "Lacquy", insee="40137", postal="40120", population=300)
    _thing(store, "commune/54547", IGEO.Commune, "Vandœuvre-lès-Nancy", insee="54547", postal="54500")
    _thing(store, "territoire/2023-2027/ti-7510", TID.TerritoireIndustrie, "Lacq – Pau – Tarbes", id_ti="ti-7510")
    _thing(store, "territoire/2018-2023/ti-7505", TID.TerritoireIndustrie, "Lacq-Pau - Tarbes", id_ti="ti-7505")
    _thing(store, "epci/200039204", IGEO.Intercommunalite, "CC de Lacq-Orthez", siren="200039204")
    store.add(Quad(NamedNode(BASE + "id/epci/200039204"), RDF.type, NamedNode("http://data.europa.eu/m8g/PublicOrganisation"), G))
    _thing(store, "site/bassin-de-lacq", TID.SiteCleEnMain, "Friches du bassin de Lacq")
    _thing(store, "site/chemparc", TID.SiteCleEnMain, "Plateforme chimique", alt="Induslacq")
    # a thing of a class the search leaves out, and a blank-node-free label of no thing
    store.add(Quad(NamedNode(BASE + "id/chargement/x"), RDFS.label, Literal("Chargement de Lacq"), G))
    store.extend(merged(list(store)))  # a release's store: the graph and, as the default graph, the merge
    return SearchIndex.from_store(store)


def ranked(index: SearchIndex, query: str, types: frozenset[str] | None = None) -> list[tuple[str, int, str]]:
    return [(h.entry.iri[len(BASE + "id/"):], h.score, h.field) for h in index.search(query, types).hits]


def test_an_insee_code_before_the_communes_of_the_same_postal_code(lacq_index: SearchIndex) -> None:
    # 64300 is the INSEE code of Lacq and the postal code of Orthez, Maslacq and others
    assert ranked(lacq_index, "64300") == [
        ("commune/64300", 100, "code-insee"),
        ("commune/64430", 95, "code-postal"),  # the larger population first
        ("commune/64367", 95, "code-postal"),
    ]


def test_exact_then_prefix_then_word_then_substring(lacq_index: SearchIndex) -> None:
    assert ranked(lacq_index, "lacq") == [
        ("commune/64300", 100, "label"),
        ("territoire/2018-2023/ti-7505", 90, "label"),  # starts with the query as a word; territories first
        ("territoire/2023-2027/ti-7510", 90, "label"),
        ("commune/40137", 80, "label"),  # starts with the query
        ("site/bassin-de-lacq", 70, "label"),  # the query is a word; a site before an EPCI
        ("epci/200039204", 70, "label"),
        ("commune/64367", 50, "label"),  # substring
        ("site/chemparc", 49, "alt-label"),  # substring of an alternative label: one point less
    ]
    assert ranked(lacq_index, "LACQ") == ranked(lacq_index, "lâcq") == ranked(lacq_index, "lacq")


def test_words_in_any_order_and_ligatures(lacq_index: SearchIndex) -> None:
    assert ranked(lacq_index, "tarbes pau") == [("territoire/2018-2023/ti-7505", 40, "label"),
                                                ("territoire/2023-2027/ti-7510", 40, "label")]
    assert ranked(lacq_index, "vandoeuvre") == ranked(lacq_index, "VANDŒUVRE") == [("commune/54547", 90, "label")]
    assert ranked(lacq_index, "vandoeuvre les nancy") == [("commune/54547", 100, "label")]


def test_identifiers_whatever_their_spelling(lacq_index: SearchIndex) -> None:
    for query in ("ti-7510", "TI 7510", "ti7510"):
        assert ranked(lacq_index, query) == [("territoire/2023-2027/ti-7510", 100, "id-ti")]
    assert ranked(lacq_index, "200039204") == [("epci/200039204", 100, "siren")]
    # a prefix of an identifier, from three characters, after every label match
    assert ranked(lacq_index, "ti-75") == [("territoire/2018-2023/ti-7505", 30, "id-ti"),
                                           ("territoire/2023-2027/ti-7510", 30, "id-ti")]
    assert ranked(lacq_index, "64") == []  # two characters: no prefix search on codes


def test_types_facets_and_what_is_left_out(lacq_index: SearchIndex) -> None:
    found = lacq_index.search("lacq", frozenset({"commune"}))
    assert [h.entry.type for h in found.hits] == ["commune"] * 3
    assert found.facets == [("territoire", 2), ("site", 2), ("epci", 1), ("commune", 3)]
    assert BASE + "id/chargement/x" not in lacq_index.by_iri  # not a class the search offers
    assert lacq_index.by_iri[BASE + "id/epci/200039204"].type == "epci"  # the most specific type
    assert lacq_index.search("   ").hits == [] and lacq_index.search("!!").facets == []


# -- /search as JSON ----------------------------------------------------------------------------


def test_search_json_shape_and_exact_results(web) -> None:
    body = search_json(web, q="melun")
    assert set(body) == {"query", "total", "page", "limit", "types", "facets", "results", "next", "previous"}
    assert body["query"] == "melun" and body["total"] == 3 and body["page"] == 1 and body["limit"] == 20
    assert body["types"] == [] and body["next"] is None and body["previous"] is None
    assert body["results"] == [
        {"iri": BASE + "id/commune/77288", "label": "Melun", "type": "commune", "phase": None, "code": "77288",
         "millesimes": ["2020", "2023", "2026"], "departement": "77", "score": 100,
         "url": "http://localhost/doc/commune/77288", "matched": {"field": "label", "value": "Melun"}},
        {"iri": MELUN_IRI, "label": "Melun – Villaroche", "type": "territoire", "phase": "2023-2027", "code": "ti-1107",
         "millesimes": [],
         "departement": None, "score": 90, "url": "http://localhost/doc/territoire/2023-2027/ti-1107",
         "matched": {"field": "label", "value": "Melun – Villaroche"}},
        {"iri": BASE + "id/epci/247700057", "label": "CA Melun Val de Seine", "type": "epci", "phase": None,
         "code": "247700057", "millesimes": ["2020", "2023", "2026"], "departement": None, "score": 70,
         "url": "http://localhost/doc/epci/247700057",
         "matched": {"field": "label", "value": "CA Melun Val de Seine"}},
    ]
    # the HTML says which COG vintages list a commune or an EPCI (homonyms across vintages differ there)
    page = web.get("/search?q=melun", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "EPCI 247700057 · COG 2020, 2023, 2026" in page
    assert "Commune 77288 · département 77 · COG 2020, 2023, 2026" in page
    assert body["facets"] == [{"type": "territoire", "label": "Territoires d'industrie", "count": 1},
                              {"type": "epci", "label": "EPCI", "count": 1},
                              {"type": "commune", "label": "Communes", "count": 1}]


def test_search_json_headers_etag_and_304(web, manifest) -> None:
    response = web.get("/search?q=melun", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON_TYPE
    assert response.headers["Vary"] == "Accept"
    assert response.headers["X-TID-Release"] == manifest["release"]
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    tag = response.headers["ETag"]
    assert tag.startswith('W/"')
    again = web.get("/search?q=melun", headers={"Accept": "application/json", "If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == tag
    assert web.get("/search?q=melun&format=json").headers["ETag"] != web.get("/search?q=melu&format=json").headers["ETag"]
    html = web.get("/search?q=melun", headers={"Accept": "text/html"})
    assert html.headers["ETag"] != tag  # another representation, another tag
    text = web.get("/search?q=villaroche&format=json").get_data(as_text=True)
    assert "Évry" in text and "\\u00c9" not in text  # UTF-8, not \\u-escaped


def test_accents_case_and_dashes_do_not_matter(web) -> None:
    expected = ["departement/71", "departement/70", "commune/71076"]
    for query in ("Saône", "saone", "SAÔNE", "sâone"):
        assert tails(search_json(web, q=query)) == expected, query
    assert tails(search_json(web, q="melun villaroche")) == ["territoire/2023-2027/ti-1107"]
    assert tails(search_json(web, q="Melun – Villaroche")) == ["territoire/2023-2027/ti-1107"]
    assert tails(search_json(web, q="l ile saint denis")) == ["commune/93039"]
    assert tails(search_json(web, q="lacq")) == ["site/induslacq-chem-pole-64-chemical-parks"]  # substring


def test_identifiers(web) -> None:
    postal = search_json(web, q="77000")
    assert tails(postal)[0] == "commune/77288"  # Melun, the largest of the four communes of 77000
    assert sorted(tails(postal)) == ["commune/77255", "commune/77288", "commune/77389", "commune/77487"]
    assert {r["matched"]["field"] for r in postal["results"]} == {"code-postal"}
    assert {r["score"] for r in postal["results"]} == {95}
    assert tails(search_json(web, q="77288")) == ["commune/77288"]
    assert tails(search_json(web, q="217702885")) == ["commune/77288"]  # a commune's SIREN
    assert tails(search_json(web, q="247700057")) == ["epci/247700057"]
    assert tails(search_json(web, q="ti-1107")) == ["territoire/2023-2027/ti-1107"]
    assert tails(search_json(web, q="TI 1103")) == ["territoire/2018-2023/ti-1103", "territoire/2023-2027/ti-1103"]
    assert tails(search_json(web, q="2a")) == ["departement/2A"]
    assert tails(search_json(web, q="11"))[:2] == ["region/11", "departement/11"]  # région before département


def test_type_filter_and_facets(web) -> None:
    only = search_json(web, q="melun", type="commune")
    assert tails(only) == ["commune/77288"] and only["total"] == 1 and only["types"] == ["commune"]
    assert [f["type"] for f in only["facets"]] == ["territoire", "epci", "commune"]  # facets count every type
    two = search_json(web, q="melun", type="commune,epci")
    assert tails(two) == ["commune/77288", "epci/247700057"] and two["types"] == ["commune", "epci"]
    assert search_json(web, q="melun", type=["territoire", "epci"])["total"] == 2
    assert search_json(web, q="melun", type="territoire|epci")["types"] == ["territoire", "epci"]
    assert search_json(web, q="melun", type="site")["total"] == 0


def test_paging(web) -> None:
    first = web.get("/search", query_string={"q": "saone", "limit": 1, "format": "json"})
    body = json.loads(first.get_data(as_text=True))
    assert tails(body) == ["departement/71"] and body["total"] == 3
    assert body["next"] == "http://localhost/search?q=saone&page=2&limit=1&format=json"
    assert first.headers["Link"] == f'<{body["next"]}>; rel="next"'
    second = web.get("/search", query_string={"q": "saone", "limit": 1, "page": 2, "format": "json"})
    body2 = json.loads(second.get_data(as_text=True))
    assert tails(body2) == ["departement/70"]
    assert second.headers["Link"] == (f'<{body2["next"]}>; rel="next", '
                                      '<http://localhost/search?q=saone&limit=1&format=json>; rel="prev"')
    last = search_json(web, q="saone", limit=1, page=3)
    assert tails(last) == ["commune/71076"] and last["next"] is None
    beyond = search_json(web, q="saone", limit=1, page=9)
    assert beyond["results"] == [] and beyond["total"] == 3
    assert beyond["previous"] == "http://localhost/search?q=saone&page=3&limit=1&format=json"


# -- /search as HTML ----------------------------------------------------------------------------


def test_search_page_html(web) -> None:
    response = web.get("/search?q=Sa%C3%B4ne", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == HTML_TYPE
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Vary"] == "Accept"
    tag = response.headers["ETag"]
    page = response.get_data(as_text=True)
    assert '<html lang="fr">' in page
    positions = [page.index(f'href="/doc/{tail}"') for tail in ("departement/71", "departement/70", "commune/71076")]
    assert positions == sorted(positions)
    assert 'href="/search?q=Sa%C3%B4ne&amp;type=departement"' in page  # a facet link
    assert "Départements (2)" in page
    postal = web.get("/search?q=77000").get_data(as_text=True)
    assert "· code postal 77000" in postal and web.get("/search?q=77000&lang=en").get_data(as_text=True).count(
        "· postal code 77000") == 4
    again = web.get("/search?q=Sa%C3%B4ne", headers={"Accept": "text/html", "If-None-Match": tag})
    assert again.status_code == 304
    english = web.get("/search?q=saone&lang=en")
    assert '<html lang="en">' in english.get_data(as_text=True) and "Départements (2)" in english.get_data(as_text=True)
    assert english.headers["ETag"] != web.get("/search?q=saone").headers["ETag"]


def test_search_page_shows_a_territory_s_phase(web) -> None:
    """ANCT reused codes between phases: ti-1103 names a territory of each, told apart by phase."""
    page = web.get("/search?q=TI%201103").get_data(as_text=True)
    first = page.index('href="/doc/territoire/2018-2023/ti-1103"')
    second = page.index('href="/doc/territoire/2023-2027/ti-1103"')
    assert "Territoire d&#39;industrie ti-1103 2018-2023</span>" in page[first:second]
    assert "Territoire d&#39;industrie ti-1103 2023-2027</span>" in page[second:]


def test_search_page_without_query_shows_the_form(web) -> None:
    for url in ("/search", "/search?q=", "/search?q=%20%20"):
        response = web.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == HTML_TYPE
        page = response.get_data(as_text=True)
        assert 'id="search-q"' in page and "/resolve?insee=77288" in page
    nothing = web.get("/search?q=%21%21%21")
    assert nothing.status_code == 200 and "ni lettre ni chiffre" in nothing.get_data(as_text=True)
    none = web.get("/search?q=zzzzzz")
    assert none.status_code == 200 and "Aucun résultat" in none.get_data(as_text=True)


def test_search_page_escapes_the_query(web) -> None:
    page = web.get("/search", query_string={"q": '<script>alert("x")</script>'}).get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


# -- /search errors: every one a 4xx problem ----------------------------------------------------


@pytest.mark.parametrize(("params", "headers", "status", "slug"), [
    ({"format": "json"}, {}, 400, "invalid-parameter"),  # no q
    ({"q": ""}, {"Accept": "application/json"}, 400, "invalid-parameter"),
    ({"q": "!!!", "format": "json"}, {}, 400, "invalid-parameter"),
    ({"q": "x" * 201}, {}, 400, "invalid-parameter"),  # too long, HTML
    ({"q": "x" * 201, "format": "json"}, {}, 400, "invalid-parameter"),
    ({"q": ["a", "b"]}, {}, 400, "invalid-parameter"),
    ({"q": "melun", "type": "planete"}, {}, 400, "invalid-parameter"),
    ({"q": "melun", "page": "0"}, {}, 400, "invalid-parameter"),
    ({"q": "melun", "page": "-1"}, {}, 400, "invalid-parameter"),
    ({"q": "melun", "page": "deux"}, {}, 400, "invalid-parameter"),
    ({"q": "melun", "limit": "0"}, {}, 400, "invalid-parameter"),
    ({"q": "melun", "limit": "101"}, {}, 400, "invalid-parameter"),
    ({"q": "melun", "limit": "9999999999"}, {}, 400, "invalid-parameter"),
    ({"q": "melun", "format": "bogus"}, {}, 400, "invalid-parameter"),
    ({"q": "melun", "format": "ttl"}, {}, 406, "not-acceptable"),
    ({"q": "melun"}, {"Accept": "text/turtle"}, 406, "not-acceptable"),
])
def test_search_errors(web, params: dict, headers: dict, status: int, slug: str) -> None:
    assert_problem(web.get("/search", query_string=params, headers=headers), status, slug)


def test_search_accepts_200_characters(web) -> None:
    assert web.get("/search", query_string={"q": "x" * 200, "format": "json"}).status_code == 200


def test_search_refuses_other_methods(web) -> None:
    response = web.post("/search", data={"q": "melun"})
    assert_problem(response, 405, "method-not-allowed")


# -- /resolve ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "location"), [
    ({"insee": "77288"}, "/id/commune/77288"),
    ({"insee": " 77288 "}, "/id/commune/77288"),
    ({"siren": "247700057"}, "/id/epci/247700057"),
    ({"siren": "217702885"}, "/id/commune/77288"),
    ({"id_ti": "ti-1107"}, "/id/territoire/2023-2027/ti-1107"),
    ({"id_ti": "TI-1103", "phase": "2018-2023"}, "/id/territoire/2018-2023/ti-1103"),
    ({"id_ti": "ti-1103", "phase": "2023-2027"}, "/id/territoire/2023-2027/ti-1103"),
    ({"code_departement": "77"}, "/id/departement/77"),
    ({"code_departement": "2a"}, "/id/departement/2A"),
    ({"code_region": "11"}, "/id/region/11"),
])
def test_resolve_303(web, manifest, params: dict, location: str) -> None:
    response = web.get("/resolve", query_string=params)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"] == location
    assert response.headers["Link"] == f'<{BASE}{location[1:]}>; rel="canonical"'
    assert response.headers["X-TID-Release"] == manifest["release"]


def test_resolve_then_dereference(web) -> None:
    resolved = web.get("/resolve?insee=77288")
    thing = web.get(resolved.headers["Location"], headers={"Accept": "text/html"})
    assert thing.status_code == 303 and thing.headers["Location"].startswith("/doc/commune/77288")
    page = web.get(thing.headers["Location"], headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Melun" in page.get_data(as_text=True)


def test_resolve_an_id_ti_of_two_phases_answers_300(web) -> None:
    response = web.get("/resolve?id_ti=ti-1103", headers={"Accept": "application/json"})
    assert response.status_code == 300
    assert response.headers["Content-Type"] == JSON_TYPE
    assert response.headers["Location"] == "/id/territoire/2023-2027/ti-1103"  # the latest phase
    assert response.headers["Link"] == ('</id/territoire/2023-2027/ti-1103>; rel="alternate", '
                                        '</id/territoire/2018-2023/ti-1103>; rel="alternate"')
    assert response.headers["Vary"] == "Accept"
    body = json.loads(response.get_data(as_text=True))
    assert body["identifier"] == "id_ti" and body["value"] == "ti-1103" and "phase=" in body["detail"]
    assert body["choices"] == [
        {"iri": BASE + "id/territoire/2023-2027/ti-1103", "label": "Grand Paris Sud-Seine-Essonne-Sénart",
         "phase": "2023-2027", "url": "/id/territoire/2023-2027/ti-1103"},
        {"iri": BASE + "id/territoire/2018-2023/ti-1103", "label": "Évry-Corbeil - Villaroche",
         "phase": "2018-2023", "url": "/id/territoire/2018-2023/ti-1103"},
    ]
    html = web.get("/resolve?id_ti=ti-1103", headers={"Accept": "text/html"})
    assert html.status_code == 300 and html.headers["Content-Type"] == HTML_TYPE
    assert "Content-Security-Policy" in html.headers
    page = html.get_data(as_text=True)
    assert 'href="/id/territoire/2018-2023/ti-1103"' in page and "Évry-Corbeil - Villaroche" in page


@pytest.mark.parametrize("params", [
    {"insee": "99999"},
    {"siren": "200040392"},  # valid checksum, not in the cut
    {"id_ti": "ti-9999"},
    {"id_ti": "ti-1107", "phase": "2018-2023"},  # the code has no territory in that phase in the cut
    {"code_region": "99"},
])
def test_resolve_unknown_is_404(web, params: dict) -> None:
    body = assert_problem(web.get("/resolve", query_string=params), 404, "not-found")
    assert body["value"] in body["detail"]


@pytest.mark.parametrize("params", [
    {},
    {"insee": "7728"},
    {"insee": "772888"},
    {"insee": "abcde"},
    {"insee": ["77288", "77288"]},
    {"siren": "247700058"},  # fails the Luhn checksum
    {"siren": "24770005"},
    {"siren": "2477000577"},
    {"id_ti": "1107"},
    {"id_ti": "ti-11070"},
    {"id_ti": "ti-1103", "phase": "2023"},
    {"insee": "77288", "phase": "2023-2027"},  # phase only with id_ti
    {"code_departement": "00"},
    {"code_departement": "20"},  # Corsica is 2A and 2B
    {"code_departement": "975"},  # Saint-Pierre-et-Miquelon: an overseas collectivity, not a département
    {"code_region": "1"},
    {"insee": "77288", "siren": "247700057"},  # two identifiers
    {"commune": "77288"},  # unknown parameter
    {"insee": "77288", "foo": "bar"},
])
def test_resolve_malformed_is_400(web, params: dict) -> None:
    assert_problem(web.get("/resolve", query_string=params), 400, "invalid-parameter")


# -- the index is built on the first search, or in the background by the first request -----------


def test_the_first_request_builds_the_index_in_the_background(make_app) -> None:
    from tid.endpoint.search_index import CACHE_KEY, WARM_UP_KEY, search_index

    app = make_app(SEARCH_WARM_UP=True)
    release = app.extensions["tid"].release
    assert CACHE_KEY not in release.computed
    assert app.test_client().get("/robots.txt").status_code == 200  # any request
    assert release.computed[WARM_UP_KEY].wait(30)
    index = release.computed[CACHE_KEY]
    assert index.by_iri[BASE + "id/commune/77288"].label() == "Melun"
    assert search_index(release) is index  # built once
    assert app.test_client().get("/search?q=melun&format=json").status_code == 200
    assert release.computed[CACHE_KEY] is index

    quiet = make_app()  # the default: no index until a request needs one
    assert quiet.test_client().get("/robots.txt").status_code == 200
    assert quiet.test_client().get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    assert WARM_UP_KEY not in quiet.extensions["tid"].release.computed
    assert quiet.test_client().get("/search?q=melun&format=json").status_code == 200  # built on demand
    assert CACHE_KEY in quiet.extensions["tid"].release.computed
