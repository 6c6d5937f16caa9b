"""The ontology at ``/def`` and the shapes at ``/shapes``: documentation pages and RDF, negotiated,
each representation addressable, header by header.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import rdflib
import rdflib.compare
from pyoxigraph import RdfFormat, parse

from tests.helpers import TID
from tid import ROOT
from tid.endpoint.ontology_model import curie, source

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TIDSH = "https://w3id.org/territoires-industrie/shapes#"
OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class Anchors(HTMLParser):
    """Every id of a page, and every href."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(values["id"] or "")
        if values.get("href"):
            self.hrefs.append(values["href"] or "")
        if tag == "script":
            self.scripts += 1


def anchors(html: str) -> Anchors:
    parser = Anchors()
    parser.feed(html)
    return parser


def ontology_terms() -> set[str]:
    graph = rdflib.Graph().parse(ROOT / "ontology" / "tid.ttl")
    kinds = {rdflib.OWL.Class, rdflib.OWL.ObjectProperty, rdflib.OWL.DatatypeProperty, rdflib.OWL.AnnotationProperty}
    return {str(s) for s, o in graph.subject_objects(rdflib.RDF.type) if o in kinds and str(s).startswith(TID)}


def named_shapes() -> set[str]:
    """Every typed tidsh: IRI of the shapes files: node and property shapes, SPARQL constraints."""
    graph = rdflib.Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        graph.parse(path)
    return {str(s) for s in graph.subjects(rdflib.RDF.type) if str(s).startswith(TIDSH)}


# -- negotiation ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "media_type", "location"), [
    (BROWSER, "text/html", "/def.html"),
    ("text/html", "text/html", "/def.html"),
    ("text/turtle", "text/turtle", "/def.ttl"),
    ("application/ld+json", "application/ld+json", "/def.jsonld"),
    ("application/n-triples", "application/n-triples", "/def.nt"),
    ("application/rdf+xml", "application/rdf+xml", "/def.rdf"),
    ("*/*", "text/turtle", "/def.ttl"),
    ("text/turtle;q=0.5, text/html", "text/html", "/def.html"),
    ("application/ld+json;q=0.9, text/turtle;q=0.1", "application/ld+json", "/def.jsonld"),
])
def test_def_negotiates(client, accept: str, media_type: str, location: str) -> None:
    response = client.get("/def", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.headers["Content-Type"].endswith("charset=utf-8")
    assert response.headers["Content-Location"] == location
    assert "Accept" in response.headers["Vary"]
    assert response.headers["ETag"].startswith('W/"')
    assert 'rel="alternate"' in response.headers["Link"] and "</def.ttl>" in response.headers["Link"]
    # The representation named by Content-Location is the same (a page's own links aside).
    direct = client.get(location)
    assert direct.status_code == 200 and direct.mimetype == media_type
    if media_type == "text/html":
        main = re.compile(r"<main.*</main>", re.S)
        assert main.search(direct.get_data(as_text=True)).group(0) == main.search(response.get_data(as_text=True)).group(0)
    else:
        assert direct.get_data() == response.get_data()


def test_def_without_accept_is_turtle(client) -> None:
    response = client.get("/def", headers={"Accept": ""})
    assert response.status_code == 200 and response.mimetype == "text/turtle"


def test_def_format_parameter_overrides_accept(client) -> None:
    response = client.get("/def?format=jsonld", headers={"Accept": "text/html"})
    assert response.mimetype == "application/ld+json"
    assert client.get("/def?format=bogus").status_code == 400


@pytest.mark.parametrize("path", ["/def", "/shapes"])
def test_nothing_acceptable_is_406_with_the_list(client, path: str) -> None:
    response = client.get(path, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.mimetype == "application/problem+json"
    available = response.get_json()["available"]
    assert {"text/html", "text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"} <= set(available)


@pytest.mark.parametrize("path", ["/def", "/def.ttl", "/def.html", "/shapes", "/shapes.nt", "/shapes.html"])
def test_conditional_requests(client, path: str) -> None:
    headers = {"Accept": "text/html"}
    first = client.get(path, headers=headers)
    tag = first.headers["ETag"]
    again = client.get(path, headers={**headers, "If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == tag
    assert "Accept" in again.headers["Vary"]


def test_etags_differ_by_format_and_language(client) -> None:
    tags = {client.get(p).headers["ETag"] for p in ("/def.ttl", "/def.nt", "/def.html", "/def.html?lang=en")}
    assert len(tags) == 4


@pytest.mark.parametrize("path", [
    "/def.exe", "/def.ttl.exe", "/def.", "/def/../etc/passwd", "/def/..%2f..%2fsetup.py", "/def%00.ttl",
    "/def.ttl%0d%0aX-Evil:1", "/def/tid.ttl", "/shapes.py", "/shapes/core.ttl", "/shapes/../ontology/tid.ttl",
    "/def.trig", "/def.nq",
])
def test_hostile_or_unknown_paths_are_4xx(client, path: str) -> None:
    response = client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert "X-Evil" not in response.headers
    assert "@prefix" not in response.get_data(as_text=True)


def test_head_and_other_methods(client) -> None:
    head = client.head("/def", headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and head.headers["Content-Location"] == "/def.ttl"
    assert client.post("/def").status_code == 405
    assert client.get("/def").headers["Access-Control-Allow-Origin"] == "*"


# -- the RDF ---------------------------------------------------------------------------------------

def test_turtle_is_the_file_itself(client) -> None:
    assert client.get("/def.ttl").get_data() == (ROOT / "ontology" / "tid.ttl").read_bytes()


@pytest.mark.parametrize(("ext", "fmt"), [("ttl", "turtle"), ("nt", "nt"), ("rdf", "xml"), ("jsonld", "json-ld")])
def test_every_format_has_the_same_triples(client, ext: str, fmt: str) -> None:
    reference = rdflib.Graph().parse(ROOT / "ontology" / "tid.ttl")
    served = rdflib.Graph().parse(data=client.get(f"/def.{ext}").get_data(), format=fmt)
    assert len(served) == len(reference)
    assert rdflib.compare.isomorphic(served, reference)


def test_shapes_rdf_merges_every_shapes_file(client) -> None:
    served = set()
    for quad in parse(client.get("/shapes.nt").get_data(), format=RdfFormat.N_TRIPLES):
        if quad.predicate.value == RDF_TYPE and quad.subject.value.startswith(TIDSH):
            served.add(quad.subject.value)
    assert served == named_shapes()
    turtle = client.get("/shapes", headers={"Accept": "text/turtle"})
    assert turtle.headers["Content-Location"] == "/shapes.ttl"
    assert "@prefix tidsh:" in turtle.get_data(as_text=True)


# -- the ontology page -------------------------------------------------------------------------

def test_ontology_page_has_a_section_per_term(client) -> None:
    response = client.get("/def", headers={"Accept": BROWSER})
    html = response.get_data(as_text=True)
    page = anchors(html)
    ids = page.ids
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    for iri in ontology_terms():
        local = iri[len(TID):]
        assert local in ids, f"no section for {iri}"
    assert "content-security-policy" in {k.lower() for k in response.headers.keys()}
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert page.scripts == 0  # a documentation page needs no script


def test_ontology_page_header_and_a_term(client) -> None:
    html = client.get("/def.html").get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "Ontologie des Territoires d&#39;industrie" in html
    assert 'lang="en">Territoires d&#39;industrie ontology' in html
    assert "0.1.0" in html
    assert 'href="https://www.etalab.gouv.fr/licence-ouverte-open-licence" rel="license"' in html
    section = re.search(r'<article class="term" id="TerritoireIndustrie".*?</article>', html, re.S)
    assert section is not None
    text = section.group(0)
    assert "Territoire d&#39;industrie" in text and 'lang="en">Industry territory' in text
    assert "Groupement d&#39;intercommunalités" in text  # the French definition
    assert 'lang="en">Group of inter-municipal bodies' in text  # and the English one
    assert 'href="http://www.w3.org/ns/org#OrganizationalCollaboration"' in text  # super-class, reused
    assert "W3C Organization Ontology" in text  # shown with the vocabulary's name
    assert 'href="#territoire"' in text  # the property whose range it is, linked on the page


def test_ontology_page_links_properties_to_their_domain_and_range(client) -> None:
    html = client.get("/def.html").get_data(as_text=True)
    section = re.search(r'<article class="term" id="territoire".*?</article>', html, re.S)
    assert section is not None
    assert 'href="#TerritoireIndustrie"' in section.group(0)
    page = anchors(html)
    internal = {h[1:] for h in page.hrefs if h.startswith("#")}
    assert internal <= set(page.ids), internal - set(page.ids)


def test_ontology_page_lists_reused_vocabularies(client) -> None:
    html = client.get("/def.html").get_data(as_text=True)
    vocabularies = re.search(r'<section aria-labelledby="vocabulaires">.*?</section>', html, re.S)
    assert vocabularies is not None
    for name in ("W3C Organization Ontology", "OGC GeoSPARQL", "W3C PROV-O", "org:Membership", "geo:Feature"):
        assert name in vocabularies.group(0), name


def test_ontology_page_in_english(client) -> None:
    response = client.get("/def.html?lang=en")
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert response.headers["Content-Location"] == "/def.html?lang=en"
    assert "<h1>Territoires d&#39;industrie ontology</h1>" in html
    section = re.search(r'<article class="term" id="TerritoireIndustrie".*?</article>', html, re.S)
    assert section is not None
    text = section.group(0)
    assert text.index("Group of inter-municipal bodies") < text.index("Groupement d&#39;intercommunalités")
    assert 'lang="fr">Groupement' in text


# -- the shapes page ---------------------------------------------------------------------------

def test_shapes_page_has_a_section_per_named_shape(client) -> None:
    response = client.get("/shapes", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.headers["Content-Location"] == "/shapes.html"
    html = response.get_data(as_text=True)
    ids = anchors(html).ids
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    missing = {iri for iri in named_shapes() if iri[len(TIDSH):] not in ids}
    assert not missing


def test_shapes_page_gives_target_path_severity_and_both_messages(client) -> None:
    html = client.get("/shapes.html").get_data(as_text=True)
    node = re.search(r'<section class="shape" id="TerritoireIndustrie".*?</section>', html, re.S)
    assert node is not None
    assert "<code>tid:TerritoireIndustrie</code>" in node.group(0)  # its target class
    prop = re.search(r'<article class="shape property" id="TerritoireIndustrie-idTi".*?</article>', html, re.S)
    assert prop is not None
    text = prop.group(0)
    assert 'href="/def#idTi"' in text  # the path, linked to the ontology's term
    assert "Violation" in text
    assert "Un territoire d&#39;industrie doit avoir exactement un identifiant ANCT" in text
    assert 'lang="en">An industry territory must have exactly one ANCT identifier' in text
    assert "<code>sh:pattern</code>" in text and "^ti-[0-9]{4}$" in text
    assert "shapes/core.ttl" in text
    warning = re.search(r'severity">(Avertissement)<', html)
    assert warning is not None  # the Warning severity named in French
    assert "Contrainte SPARQL" in html and "<details>" in html  # SPARQL constraints with their query


def test_shapes_page_in_english(client) -> None:
    html = client.get("/shapes?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "Warning" in html and "SPARQL constraint" in html


def test_documentation_escapes_literals(client) -> None:
    html = client.get("/shapes.html").get_data(as_text=True)
    # SPARQL constraints contain '<' and '>' (IRIs, comparisons): escaped, never markup.
    for pre in re.findall(r"<pre><code>(.*?)</code></pre>", html, re.S):
        assert "<" not in pre


# -- helpers -------------------------------------------------------------------------------------

def test_curie() -> None:
    assert curie("http://www.w3.org/ns/org#Membership") == "org:Membership"
    assert curie(TID + "Adhesion") == "tid:Adhesion"
    assert curie("https://example.org/x") == "https://example.org/x"


def test_sources_are_reread_only_when_a_file_changes() -> None:
    assert source("def") is source("def")
    assert source("shapes").digest == source("shapes").digest
    assert source("def").digest != source("shapes").digest
