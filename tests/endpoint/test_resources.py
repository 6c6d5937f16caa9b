"""Dereferencing, header by header: ``/id/…`` 303 to ``/doc/…``; ``/doc/…`` negotiated between
Turtle, JSON-LD, N-Triples, RDF/XML and HTML, with Content-Location, Vary, ETag/304, HEAD; the
suffixed variants; 404 (HTML for browsers, problem details otherwise), 406 with the variants,
400 on a bad ``page`` or ``at`` (a page for browsers); hostile paths answered 4xx; paging with Link headers and Hydra.
"""

from __future__ import annotations

import json

import pytest
import rdflib
from flask.testing import FlaskClient
from markupsafe import escape as html_escape

from tests.helpers import BASE, MELUN, MELUN_IRI

BOTH_MODES = True  # the tests run over the embedded store and over a remote server (conftest)

MELUN_PATH = "territoire/2023-2027/ti-1107"
COMMUNE_PATH = "commune/77288"  # Melun
COMMUNE_IRI = BASE + "id/" + COMMUNE_PATH
LARGE_PATH = "territoire/2018-2023/ti-2706"  # Nevers Val de Loire: 106 memberships in the cut data
RDFS_LABEL = rdflib.RDFS.label
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
VARIANTS = {
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "nt": ("application/n-triples", "nt"),
    "rdf": ("application/rdf+xml", "xml"),
}


def parse(body: bytes, rdflib_format: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=body, format=rdflib_format)
    return graph


# -- /id/ -> 303 ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_id_answers_303_to_the_document(client: FlaskClient, method: str) -> None:
    response = client.open(f"/id/{MELUN_PATH}", method=method, headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/doc/{MELUN_PATH}"
    assert response.headers["Vary"] == "Accept"
    assert response.data == b""


def test_id_keeps_the_query_string(client: FlaskClient) -> None:
    response = client.get(f"/id/{MELUN_PATH}?lang=en&at=2024-01-01")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/doc/{MELUN_PATH}?lang=en&at=2024-01-01"


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_unknown_id_is_404_not_a_redirect(client: FlaskClient, method: str) -> None:
    response = client.open("/id/commune/00000", method=method)
    assert response.status_code == 404
    assert "Location" not in response.headers
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"


# -- /doc/: negotiation ---------------------------------------------------------------------------


@pytest.mark.parametrize("ext", list(VARIANTS))
def test_doc_negotiates_each_rdf_format(client: FlaskClient, ext: str) -> None:
    media_type, rdflib_format = VARIANTS[ext]
    response = client.get(f"/doc/{COMMUNE_PATH}", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    assert response.headers["Content-Location"] == f"/doc/{COMMUNE_PATH}.{ext}"
    assert response.headers["Vary"] == "Accept"
    assert response.headers["ETag"].startswith('W/"')
    graph = parse(response.data, rdflib_format)
    assert (rdflib.URIRef(COMMUNE_IRI), RDFS_LABEL, rdflib.Literal("Melun", lang="fr")) in graph


def test_doc_negotiates_html_for_browsers(client: FlaskClient) -> None:
    response = client.get(f"/doc/{MELUN_PATH}", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Location"] == f"/doc/{MELUN_PATH}.html"
    assert response.headers["Vary"] == "Accept"
    assert response.headers["ETag"].startswith('W/"')
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert MELUN in response.get_data(as_text=True)


def test_any_type_and_no_accept_get_turtle(client: FlaskClient) -> None:
    for headers in ({"Accept": "*/*"}, {}):
        response = client.get(f"/doc/{COMMUNE_PATH}", headers=headers)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
        assert response.headers["Content-Location"] == f"/doc/{COMMUNE_PATH}.ttl"


def test_q_values_decide(client: FlaskClient) -> None:
    response = client.get(f"/doc/{COMMUNE_PATH}", headers={"Accept": "text/turtle;q=0.5, application/ld+json"})
    assert response.headers["Content-Type"] == "application/ld+json; charset=utf-8"
    assert response.headers["Content-Location"] == f"/doc/{COMMUNE_PATH}.jsonld"


def test_content_location_keeps_page_and_date(client: FlaskClient) -> None:
    response = client.get(f"/doc/{LARGE_PATH}?page=2", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["Content-Location"] == f"/doc/{LARGE_PATH}.ttl?page=2"


@pytest.mark.parametrize("ext", [*VARIANTS, "html"])
def test_suffixed_variants_are_not_negotiated(client: FlaskClient, ext: str) -> None:
    # Whatever the Accept header says, the suffix decides.
    response = client.get(f"/doc/{COMMUNE_PATH}.{ext}", headers={"Accept": "image/png"})
    assert response.status_code == 200
    expected = VARIANTS[ext][0] if ext in VARIANTS else "text/html"
    assert response.headers["Content-Type"] == f"{expected}; charset=utf-8"
    assert response.headers["Content-Location"] == f"/doc/{COMMUNE_PATH}.{ext}"
    assert response.headers["Vary"] == "Accept"
    assert response.headers["ETag"].startswith('W/"')


def test_the_variants_have_different_etags(client: FlaskClient) -> None:
    tags = {client.get(f"/doc/{COMMUNE_PATH}.{ext}").headers["ETag"] for ext in (*VARIANTS, "html")}
    assert len(tags) == 5


def test_link_header_lists_the_other_variants(client: FlaskClient) -> None:
    response = client.get(f"/doc/{COMMUNE_PATH}", headers={"Accept": "text/turtle"})
    link = response.headers["Link"]
    for ext in ("jsonld", "nt", "rdf", "html"):
        assert f"</doc/{COMMUNE_PATH}.{ext}>; rel=\"alternate\"" in link
    assert f"</doc/{COMMUNE_PATH}.ttl>" not in link


@pytest.mark.parametrize("path", [f"/doc/{COMMUNE_PATH}", f"/doc/{COMMUNE_PATH}.ttl", f"/doc/{MELUN_PATH}.html"])
def test_if_none_match_gives_304(client: FlaskClient, path: str) -> None:
    first = client.get(path, headers={"Accept": "text/turtle"})
    assert first.status_code == 200
    again = client.get(path, headers={"Accept": "text/turtle", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Vary"] == "Accept"
    assert again.headers["Content-Location"] == first.headers["Content-Location"]


def test_other_etag_gives_200(client: FlaskClient) -> None:
    response = client.get(f"/doc/{COMMUNE_PATH}.ttl", headers={"If-None-Match": 'W/"something-else"'})
    assert response.status_code == 200


@pytest.mark.parametrize("path", [f"/doc/{COMMUNE_PATH}", f"/doc/{COMMUNE_PATH}.jsonld", f"/doc/{MELUN_PATH}.html"])
def test_head_has_the_headers_of_get_and_no_body(client: FlaskClient, path: str) -> None:
    get = client.get(path, headers={"Accept": "application/ld+json"})
    head = client.head(path, headers={"Accept": "application/ld+json"})
    assert head.status_code == 200
    assert head.data == b""
    for header in ("Content-Type", "Content-Location", "Vary", "ETag", "Link", "Cache-Control", "Content-Length"):
        assert head.headers[header] == get.headers[header], header


def test_format_parameter_overrides_accept(client: FlaskClient) -> None:
    response = client.get(f"/doc/{COMMUNE_PATH}?format=nt", headers={"Accept": "text/html"})
    assert response.headers["Content-Type"] == "application/n-triples; charset=utf-8"
    assert response.headers["Content-Location"] == f"/doc/{COMMUNE_PATH}.nt"


def test_unknown_format_parameter_is_400(client: FlaskClient) -> None:
    response = client.get(f"/doc/{COMMUNE_PATH}?format=docx")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"


# -- 406 ------------------------------------------------------------------------------------------


def test_no_acceptable_type_is_406_listing_the_variants(client: FlaskClient) -> None:
    response = client.get(f"/doc/{COMMUNE_PATH}", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"
    assert response.headers["Vary"] == "Accept"
    body = response.get_json(force=True)
    assert body["status"] == 406
    assert body["available"] == ["text/turtle", "application/ld+json", "application/n-triples",
                                 "application/rdf+xml", "text/html"]
    assert body["variants"] == [f"/doc/{COMMUNE_PATH}.{ext}" for ext in ("ttl", "jsonld", "nt", "rdf", "html")]
    for ext, media in (("ttl", "text/turtle"), ("html", "text/html")):
        assert f'</doc/{COMMUNE_PATH}.{ext}>; rel="alternate"; type="{media}"' in response.headers["Link"]
        assert f'{{"/doc/{COMMUNE_PATH}.{ext}" 1.0 {{type {media}}}}}' in response.headers["Alternates"]


# -- 404 ------------------------------------------------------------------------------------------


def test_unknown_doc_is_problem_json_for_programs(client: FlaskClient) -> None:
    response = client.get("/doc/commune/00000", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"
    assert response.get_json(force=True)["status"] == 404


def test_unknown_doc_is_an_html_page_for_browsers(client: FlaskClient) -> None:
    response = client.get("/doc/commune/00000", headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Vary"] == "Accept"
    assert "Content-Security-Policy" in response.headers
    text = response.get_data(as_text=True)
    assert "Ressource introuvable" in text and "/doc/commune/00000" in text
    english = client.get("/doc/commune/00000?lang=en", headers={"Accept": BROWSER})
    assert "Resource not found" in english.get_data(as_text=True)


def test_unknown_suffixed_html_is_an_html_404(client: FlaskClient) -> None:
    response = client.get("/doc/commune/00000.html", headers={"Accept": "*/*"})
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


def test_unknown_suffixed_turtle_is_problem_json(client: FlaskClient) -> None:
    response = client.get("/doc/commune/00000.ttl", headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"


def test_a_bare_type_is_not_a_thing(client: FlaskClient) -> None:
    assert client.get("/doc/commune").status_code == 404
    assert client.get("/id/commune").status_code == 404


def test_page_past_the_last_is_404(client: FlaskClient) -> None:
    response = client.get(f"/doc/{COMMUNE_PATH}.ttl?page=2")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"


# -- hostile input --------------------------------------------------------------------------------

HOSTILE = [
    "/doc/" + "a" * 5000,
    "/doc/commune/" + "7" * 400,
    "/doc/commune/%FF%FE%00",
    "/doc/commune/77288%00",
    "/doc/commune/77288%00.ttl",
    "/doc/../../../../etc/passwd",
    "/doc/commune/..%2F..%2F..%2Fetc%2Fpasswd",
    "/doc/commune/%2e%2e/%2e%2e/pyproject.toml",
    "/doc/commune/..",
    "/doc/.ttl",
    "/doc/commune/77288\"onerror=alert(1)",
    "/doc/commune/%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
    "/doc/commune/<script>",
    "/doc/commune/77288'",
    "/doc/commune/77288.exe",
    "/doc/commune/77288.ttl.html",
    "/doc/commune/77288.TTL",
    "/doc/commune//77288",
    "/doc/commune/77288/",
    "/doc/commune/%C0%AE%C0%AE/",
    "/doc/commune/%u002e",
    "/doc/commune/77288%0d%0aSet-Cookie:x=1",
    "/id/commune/%00",
    "/id/../../etc/passwd",
    "/id/" + "%41" * 3000,
    "/id/commune/<svg onload=alert(1)>",
]


@pytest.mark.parametrize("path", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("accept", ["text/turtle", BROWSER])
def test_hostile_paths_are_4xx_and_inert(client: FlaskClient, path: str, accept: str) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert 400 <= response.status_code < 500, (path, response.status_code)
    body = response.get_data(as_text=True)
    if response.mimetype == "text/html":  # echoed text is escaped: no markup of the request's
        assert "<script>" not in body and "<svg" not in body and '"onerror' not in body
    else:  # a problem document, which no browser renders as a page
        assert response.mimetype == "application/problem+json"
        json.loads(body)
    assert "[tool.setuptools" not in body and "root:x:" not in body
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=abc", "page=1.5", "page=99999999999", "page=%EF%BC%92",
                                   "at=2021-13-01", "at=yesterday", "at=2021-6-1", "at=%3Cscript%3E", "at=2021-06-01T00:00"])
def test_bad_page_or_date_is_400(client: FlaskClient, query: str) -> None:
    """Problem details for programs; for a browser, the same problem as a page."""
    name = query.split("=")[0]
    response = client.get(f"/doc/{MELUN_PATH}?{query}", headers={"Accept": "text/turtle"})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"
    body = response.get_json(force=True)
    assert body["status"] == 400 and name in body["detail"]
    page = client.get(f"/doc/{MELUN_PATH}?{query}", headers={"Accept": BROWSER})
    assert page.status_code == 400
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Vary"] == "Accept"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert "<h1>Paramètre invalide" in html and str(html_escape(body["detail"])) in html
    assert 'href="http://localhost/problems/invalid-parameter"' in html
    assert "<script" not in html.split("</header>", 1)[1].split("<footer", 1)[0]


# -- paging ---------------------------------------------------------------------------------------


def test_large_resource_is_paged_with_link_headers(client: FlaskClient) -> None:
    first = client.get(f"/doc/{LARGE_PATH}", headers={"Accept": "text/turtle"})
    assert first.status_code == 200
    link = first.headers["Link"]
    assert f'</doc/{LARGE_PATH}?page=2>; rel="next"' in link
    assert f'</doc/{LARGE_PATH}>; rel="first"' in link
    assert f'</doc/{LARGE_PATH}?page=2>; rel="last"' in link
    assert 'rel="prev"' not in link
    second = client.get(f"/doc/{LARGE_PATH}?page=2", headers={"Accept": "text/turtle"})
    assert second.status_code == 200
    assert f'</doc/{LARGE_PATH}>; rel="prev"' in second.headers["Link"]
    assert 'rel="next"' not in second.headers["Link"]
    assert first.headers["ETag"] != second.headers["ETag"]


def test_suffixed_pages_link_to_the_same_variant(client: FlaskClient) -> None:
    response = client.get(f"/doc/{LARGE_PATH}.nt")
    assert f'</doc/{LARGE_PATH}.nt?page=2>; rel="next"' in response.headers["Link"]


def test_pages_hold_every_membership_once_and_hydra_links(client: FlaskClient) -> None:
    territory = rdflib.URIRef(BASE + "id/" + LARGE_PATH)
    doc = rdflib.URIRef(BASE + "doc/" + LARGE_PATH)
    seen: list[rdflib.term.Node] = []
    for number in (1, 2):
        graph = parse(client.get(f"/doc/{LARGE_PATH}.ttl?page={number}").data, "turtle")
        seen += list(graph.subjects(ORG.organization, territory))
        view = rdflib.URIRef(f"{doc}?page={number}")
        assert (doc, HYDRA.view, view) in graph
        assert (view, rdflib.RDF.type, HYDRA.PartialCollectionView) in graph
        assert (view, HYDRA.first, rdflib.URIRef(f"{doc}?page=1")) in graph
        assert (view, HYDRA.last, rdflib.URIRef(f"{doc}?page=2")) in graph
        if number == 1:
            assert (view, HYDRA.next, rdflib.URIRef(f"{doc}?page=2")) in graph
        else:
            assert (view, HYDRA.previous, rdflib.URIRef(f"{doc}?page=1")) in graph
        # The counts are for the whole resource, on every page.
        linkset = next(graph.subjects(VOID.linkPredicate, ORG.organization))
        assert int(graph.value(linkset, VOID.triples)) == 107
    assert len(seen) == len(set(seen)) == 107  # the 2020 list's communes, the end-of-phase list's groupements


def test_small_page_size_is_respected(make_app) -> None:
    client = make_app(RESOURCE_PAGE_SIZE=10).test_client()
    response = client.get(f"/doc/{MELUN_PATH}.ttl?page=3")
    assert response.status_code == 200
    assert f'</doc/{MELUN_PATH}.ttl?page=2>; rel="prev"' in response.headers["Link"]
    assert f'</doc/{MELUN_PATH}.ttl?page=3>; rel="last"' in response.headers["Link"]
    graph = parse(response.data, "turtle")
    assert len(set(graph.subjects(ORG.organization, rdflib.URIRef(MELUN_IRI)))) == 1  # 21 = 10 + 10 + 1
    assert client.get(f"/doc/{MELUN_PATH}.ttl?page=4").status_code == 404


# -- what the RDF holds ------------------------------------------------------------------------------


def test_rdf_holds_own_triples_labels_incoming_counts_and_sources(client: FlaskClient) -> None:
    graph = parse(client.get(f"/doc/{COMMUNE_PATH}.ttl").data, "turtle")
    commune = rdflib.URIRef(COMMUNE_IRI)
    tid = rdflib.Namespace(BASE + "def#")
    departement = rdflib.URIRef(BASE + "id/departement/77")
    assert (commune, tid.departement, departement) in graph
    assert (departement, RDFS_LABEL, rdflib.Literal("Seine-et-Marne", lang="fr")) in graph
    assert (commune, tid.populationMunicipale, rdflib.Literal(41609)) in graph
    # Incoming: Melun is a member of its EPCI (three COG vintages), of two territories and of its
    # Action cœur de ville convention.
    memberships = set(graph.subjects(ORG.member, commune))
    assert rdflib.URIRef(BASE + "id/adhesion/2023-2027/ti-1107/77288") in memberships
    assert rdflib.URIRef(BASE + "id/appartenance-epci/2023/247700057/77288") in memberships
    linkset = next(graph.subjects(VOID.linkPredicate, ORG.member))
    assert int(graph.value(linkset, VOID.triples)) == 6
    assert any("/adhesion/" in m and "acv" in m.lower() for m in map(str, memberships)), memberships
    assert (rdflib.URIRef(BASE + "id/epci/247700057"), RDFS_LABEL, rdflib.Literal("CA Melun Val de Seine", lang="fr")) in graph
    # Sources: the COG graph, its dataset, file and licence.
    doc = rdflib.URIRef(BASE + "doc/" + COMMUNE_PATH)
    cog = rdflib.URIRef(BASE + "graph/cog2023-communes/3.1.1")
    assert (doc, rdflib.URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), cog) in graph
    assert (cog, rdflib.DCTERMS.license, rdflib.URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence")) in graph
    assert (cog, rdflib.DCTERMS.source, rdflib.URIRef(BASE + "id/source/cog2023-communes")) in graph
    files = {str(o) for o in graph.objects(None, tid.cheminMiroir)}
    assert "cog/etalab-decoupage-administratif-3.1.1_cog2023/communes.json" in files
    # Not paged: no Hydra.
    assert not list(graph.triples((None, HYDRA.view, None)))


def test_the_four_rdf_formats_hold_the_same_graph(client: FlaskClient) -> None:
    graphs = []
    for ext, (_media, rdflib_format) in VARIANTS.items():
        graphs.append(parse(client.get(f"/doc/{COMMUNE_PATH}.{ext}").data, rdflib_format))
    sizes = {len(g) for g in graphs}
    assert len(sizes) == 1, sizes


def test_json_ld_is_json(client: FlaskClient) -> None:
    data = json.loads(client.get(f"/doc/{COMMUNE_PATH}.jsonld").data)
    assert set(data) == {"@context", "@graph"}
    assert any(node.get("@id") == COMMUNE_IRI for node in data["@graph"])


def test_kept_snapshots_answer_the_same_bytes(client: FlaskClient, make_app) -> None:
    """A release keeps what the store says about the resources asked for last; without that
    memory (RESOURCE_CACHE_SIZE=0) every answer is the same, byte for byte."""
    uncached = make_app(RESOURCE_CACHE_SIZE=0).test_client()
    for url in (f"/doc/{COMMUNE_PATH}.ttl", f"/doc/{LARGE_PATH}.nt?page=2", f"/doc/{MELUN_PATH}.html?at=2024-01-01"):
        client.get(url)  # the snapshot is kept from here on
        kept, computed = client.get(url), uncached.get(url)
        assert kept.status_code == computed.status_code == 200
        assert kept.data == computed.data, url
        assert kept.headers["ETag"] == computed.headers["ETag"]
