"""The HTML page of a resource: what it says (real names, members, populations, sources,
licences, downloads, schema.org JSON-LD), in French and in English, at a date (``?at=``), paged,
accessible (headings, table headers, language tags), and inert whatever the labels hold.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from pyoxigraph import Literal, NamedNode, Quad, Store

from tests.helpers import BASE, MELUN, MELUN_IRI
from tid.graph.store import DataDir, merged

MELUN_PAGE = "/doc/territoire/2023-2027/ti-1107"
COMMUNE_PAGE = "/doc/commune/77288"  # Melun
EPCI = "CA Melun Val de Seine"
# An EPCI member of a territory in phase 1 only (2018-2023), in the cut data.
PHASE1_EPCI_PAGE = "/doc/epci/200057859"
PHASE1_EPCI = "CA Coeur d'Essonne Agglomération"
PHASE1_TERRITORY_PAGE = "/doc/territoire/2018-2023/ti-1103"
PHASE1_TERRITORY = "Évry-Corbeil - Villaroche"
PHASE1_DATE, PHASE2_DATE = "2023-06-01", "2024-01-01"  # the end-of-phase list (by groupement), phase 2
LARGE_PAGE = "/doc/territoire/2018-2023/ti-2706"  # 106 memberships
NNBSP = "\u202f"


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url, headers={"Accept": "text/html"})
    assert response.status_code == 200, (url, response.status_code)
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return response.get_data(as_text=True)


def text_of(body: str) -> str:
    """The page's text: tags dropped (inline, so sentences read as written), entities decoded,
    spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", body)))


def section(body: str, heading_id: str) -> str:
    match = re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', body, re.S)
    assert match, f"no section {heading_id}"
    return match.group(1)


def json_ld(body: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


# -- a territory ---------------------------------------------------------------------------------


def test_territory_page_names_and_types_it(client: FlaskClient) -> None:
    body = page(client, MELUN_PAGE)
    assert f'<h1><span lang="fr">{MELUN}</span></h1>' in body
    assert f"<title>{MELUN} — Territoires d'industrie</title>" in body
    assert '<p class="type"><a href="/def#TerritoireIndustrie" lang="fr">Territoire d&#39;industrie</a>' in body
    facts = text_of(section(body, "facts"))
    assert f"{MELUN} est un territoire d'industrie (Territoires d'industrie, phase 2023-2027), en région Île-de-France." in facts
    assert "Il réunit 1 EPCI et 20 communes membres" in facts


def test_territory_lists_member_epci_with_population_and_link(client: FlaskClient) -> None:
    body = page(client, MELUN_PAGE)
    members = section(body, "members")
    assert f'<th scope="row"><a href="/doc/epci/247700057" lang="fr">{EPCI}</a></th><td>EPCI</td><td class="n">134{NNBSP}869</td>' in members
    assert f'<th scope="row"><a href="/doc/commune/77288" lang="fr">Melun</a></th><td>commune</td><td class="n">41{NNBSP}609</td>' in members
    assert '<th scope="col">Membre</th>' in members
    assert members.count('<th scope="row">') == 21
    # The territory's EPCIs come before its communes.
    kinds = re.findall(r'</th><td>(EPCI|commune)</td>', members)
    assert kinds == sorted(kinds, key=lambda kind: kind != "EPCI") and kinds[0] == "EPCI" and "commune" in kinds


def test_territory_in_english(client: FlaskClient) -> None:
    body = page(client, MELUN_PAGE + "?lang=en")
    assert '<html lang="en">' in body
    assert '<a href="/def?lang=en#TerritoireIndustrie" lang="en">Industry territory</a>' in body
    facts = text_of(section(body, "facts"))
    assert f"{MELUN} is a Territoire d'industrie" in facts
    assert "It brings together 1 EPCI and 20 member communes" in facts
    # Names in French keep their language tag on an English page.
    assert f'<span lang="fr">{MELUN}</span>' in body
    assert "134,869" in section(body, "members")
    # Local links stay in English.
    assert 'href="/doc/region/11?lang=en"' in body


def test_territory_sources_with_files_and_licences(client: FlaskClient) -> None:
    body = page(client, MELUN_PAGE)
    sources = text_of(section(body, "sources"))
    assert "Territoires d'industrie 2023-2027 : communes (ANCT, 183 territoires, novembre 2023)" in sources
    assert "territoires-industrie/anct_ti_2023-2027_perimetres_communes_nov2023.geojson" in sources
    assert '<a href="https://www.etalab.gouv.fr/licence-ouverte-open-licence">' in section(body, "sources")
    # Each fact cites its sources by number.
    statements = section(body, "statements")
    assert re.search(r'<a href="#source-\d" title="graph/ti-phase2-groupements/5c5ffe30cc5d">\[\d\]</a>', statements)


def test_territory_sites_and_measures(client: FlaskClient) -> None:
    body = page(client, "/doc/territoire/2018-2023/ti-1103")
    sites = section(body, "sites")
    assert '<a href="/doc/site/senart" lang="fr">Sénart</a>' in sites
    assert '<a href="/doc/vague/pack-rebond-2020" lang="fr">Vague Pack Rebond 2020</a> (2020-07-20)' in sites
    measures = text_of(section(body, "measures"))
    assert "Volontariat territorial en entreprise (VTE)" in measures


def test_download_links_for_each_format(client: FlaskClient) -> None:
    body = page(client, MELUN_PAGE)
    for ext, media in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"), ("nt", "application/n-triples"),
                       ("rdf", "application/rdf+xml"), ("html", "text/html")):
        assert f'<a href="{MELUN_PAGE}.{ext}" type="{media}">' in body


def test_schema_org_json_ld(client: FlaskClient) -> None:
    data = json_ld(page(client, MELUN_PAGE))
    assert data["@context"] == "https://schema.org/"
    assert data["@type"] == "AdministrativeArea"
    assert data["@id"] == MELUN_IRI
    assert data["name"] == MELUN
    assert data["identifier"] == "ti-1107"
    assert {"@type": "AdministrativeArea", "@id": BASE + "id/region/11", "name": "Île-de-France"} in data["containedInPlace"]


def test_incoming_links_with_counts(client: FlaskClient) -> None:
    body = page(client, COMMUNE_PAGE + "?at=all")
    incoming = section(body, "incoming")
    # its EPCI in each of the three COG vintages, its territory in each phase, its Action cœur de ville convention
    assert '<th scope="row"><a href="http://www.w3.org/ns/org#member" lang="fr">membre</a></th><td class="n">6</td>' in incoming
    assert "6 de ces liens sont des adhésions ou appartenances, listées plus haut" in text_of(incoming)
    assert '<a href="/doc/departement/77" lang="fr">Seine-et-Marne</a>' in incoming  # its chef-lieu
    # The memberships are linked from their tables, not repeated among the incoming links.
    assert 'href="/doc/adhesion/2023-2027/ti-1107/77288"' not in incoming
    assert '<a href="/doc/adhesion/2023-2027/ti-1107/77288">du 2023-11-09 au 2027-12-31</a>' in section(body, "member-of")


def test_headers_of_a_page(client: FlaskClient) -> None:
    response = client.get(MELUN_PAGE + ".html")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Vary"] == "Accept"
    english = client.get(MELUN_PAGE + ".html?lang=en")
    assert english.headers["ETag"] != response.headers["ETag"]


# -- a commune, an EPCI, a site ----------------------------------------------------------------------


def test_a_convention_of_another_programme_is_not_dated_by_territoires_d_industrie(client: FlaskClient) -> None:
    """An Action cœur de ville convention's page at a date names its own phase, not Territoires
    d'industrie's lists and waves, which say nothing of it."""
    facts = section(page(client, COMMUNE_PAGE + "?at=all"), "facts")
    convention = re.search(r'Action cœur de ville</a> : <a href="(/doc/territoire/[^"]+)"', facts)
    assert convention, facts
    body = page(client, convention.group(1) + "?at=2024-09-01")
    notice = text_of(body.split('<p class="at"', 1)[1].split("</p>", 1)[0])
    assert "État au 2024-09-01 : Action cœur de ville" in notice
    assert "ne portent pas sur cette convention" in notice
    assert "Liste des territoires d'industrie" not in notice and "vague" not in notice.replace("les vagues de", "")


def test_commune_page(client: FlaskClient) -> None:
    body = page(client, COMMUNE_PAGE)  # today's state: the EPCI of the COG 2026, the territory of July 2024
    facts = text_of(section(body, "facts"))
    assert "Melun est une commune du département Seine-et-Marne, en région Île-de-France." in facts
    assert f"Son intercommunalité : {EPCI} (au 2026-01-01 (COG))." in facts
    assert f"Territoires d'industrie : {MELUN}." in facts
    # its Action cœur de ville convention under that programme's name, not among the territories of industry
    assert "Action cœur de ville : Melun." in facts
    notice = text_of(body.split('<p class="at"', 1)[1].split("</p>", 1)[0])
    assert f"État aujourd'hui, {date.today()} : Territoires d'industrie, phase 2023-2027 ;" in notice
    assert "d'après Liste des territoires d'industrie 2023-2027 par groupement au 2024-07-04" in notice
    assert "géographie Millésime 2026" in notice
    # every date: each vintage's EPCI, each phase's territory, with their periods
    history = text_of(section(page(client, COMMUNE_PAGE + "?at=all"), "facts"))
    assert (f"Son intercommunalité : {EPCI} (au 2020-01-01 (COG)), {EPCI} (au 2023-01-01 (COG)), "
            f"{EPCI} (au 2026-01-01 (COG)).") in history
    assert f"{PHASE1_TERRITORY} (du 2020-10-13 au 2023-11-08)" in history and f"{MELUN} (du 2023-11-09 au 2027-12-31)" in history
    assert "Action cœur de ville : Melun (du 2018-09-19 au 2026-12-31)." in history
    english = text_of(section(page(client, COMMUNE_PAGE + "?lang=en"), "facts"))
    assert f"Territoires d'industrie: {MELUN}." in english and "Action cœur de ville (town-centre revitalisation programme): Melun." in english
    member_of = section(body, "member-of")
    assert '<a href="/doc/territoire/2023-2027/ti-1107" lang="fr">Melun – Villaroche</a>' in member_of
    assert '<dt>code INSEE</dt><dd><span>77288</span>' in body


def test_epci_page(client: FlaskClient) -> None:
    body = page(client, "/doc/epci/247700057")
    facts = text_of(section(body, "facts"))
    assert f"{EPCI} est une intercommunalité (EPCI)" in facts
    assert f"Membre des territoires d'industrie : {MELUN} (Territoires d'industrie, phase 2023-2027)." in facts
    history = text_of(section(page(client, "/doc/epci/247700057?at=all"), "facts"))
    assert (f"Membre des territoires d'industrie : {PHASE1_TERRITORY} (Territoires d'industrie, phase 2018-2023), "
            f"{MELUN} (Territoires d'industrie, phase 2023-2027).") in history


def test_site_page(client: FlaskClient) -> None:
    body = page(client, "/doc/site/senart")
    facts = text_of(section(body, "facts"))
    assert "Sénart est un site industriel clés en main situé à" in facts
    for commune in ("Cesson", "Savigny-le-Temple", "Lieusaint"):
        assert commune in facts
    assert "Savigny-le-Temple (Seine-et-Marne)." in facts
    assert "Labellisé lors de : Vague Pack Rebond 2020 (2020-07-20)." in facts


# -- at a date --------------------------------------------------------------------------------------


def test_phase1_member_is_listed_at_a_phase1_date_and_absent_at_a_phase2_date(client: FlaskClient) -> None:
    at_phase1 = page(client, f"{PHASE1_TERRITORY_PAGE}?at={PHASE1_DATE}")
    assert PHASE1_EPCI in text_of(section(at_phase1, "members"))
    assert "Territoires d'industrie, phase 2018-2023" in text_of(at_phase1.split('<p class="at"', 1)[1].split("</p>", 1)[0])
    at_phase2 = page(client, f"{PHASE1_TERRITORY_PAGE}?at={PHASE2_DATE}")
    assert PHASE1_EPCI not in text_of(at_phase2)
    assert "/doc/epci/200057859" not in at_phase2
    notice = text_of(at_phase2.split('<p class="at"', 1)[1].split("</p>", 1)[0])
    assert f"État au {PHASE2_DATE} : Territoires d'industrie, phase 2023-2027 ;" in notice


def test_the_epci_is_in_the_territory_only_in_phase1(client: FlaskClient) -> None:
    at_phase1 = text_of(section(page(client, f"{PHASE1_EPCI_PAGE}?at={PHASE1_DATE}"), "facts"))
    assert f"Membre des territoires d'industrie : {PHASE1_TERRITORY}" in at_phase1
    at_phase2 = page(client, f"{PHASE1_EPCI_PAGE}?at={PHASE2_DATE}")
    assert f"Membre d'aucun territoire d'industrie au {PHASE2_DATE}." in text_of(section(at_phase2, "facts"))
    assert "/doc/territoire/2018-2023/ti-1103" not in at_phase2.split('id="statements"')[0]
    assert "/doc/adhesion/2018-2023/ti-1103/200057859" not in at_phase2
    # With every date, every membership, dated: the EPCI is named by the end-of-phase list only
    always = text_of(page(client, PHASE1_EPCI_PAGE + "?at=all"))
    assert PHASE1_TERRITORY in always and "du 2023-01-01 au 2023-11-08" in always
    # Without a date, today's state: no territory (and the page says it is today's)
    today = page(client, PHASE1_EPCI_PAGE)
    assert f"Membre d'aucun territoire d'industrie au {date.today()}." in text_of(section(today, "facts"))


def test_sites_at_a_date_follow_their_waves(client: FlaskClient) -> None:
    before = page(client, f"{PHASE1_TERRITORY_PAGE}?at=2020-03-01")
    assert 'id="sites"' not in before  # none of its sites was labelled yet
    notice = text_of(before.split('<p class="at"', 1)[1].split("</p>", 1)[0])
    assert "dernière vague de labellisation : Vague Choose France 2020." in notice
    after = page(client, f"{PHASE1_TERRITORY_PAGE}?at=2020-08-01")
    assert "/doc/site/senart" in section(after, "sites")


def test_date_in_english(client: FlaskClient) -> None:
    body = page(client, f"{PHASE1_TERRITORY_PAGE}?at={PHASE1_DATE}&lang=en")
    assert (f"State as of {PHASE1_DATE}: Territoires d'industrie, 2018-2023 phase; according to Territoires "
            "d'industrie 2018-2023 list by groupement as of 2023-01-01 (reference date 2023-01-01, 2 territories); "
            "geography 2023 vintage (COG as of 1 January 2023); latest labelling wave: 2021 wave.") in text_of(body)


# -- paging -----------------------------------------------------------------------------------------


def test_large_territory_has_pager_links_and_says_how_many(client: FlaskClient) -> None:
    first = page(client, LARGE_PAGE + "?at=all")
    assert f'<a href="{LARGE_PAGE}?at=all&amp;members_page=2" rel="next">suivante</a>' in first
    # the 101 communes of the October 2020 list, the 5 EPCIs and one commune of the end-of-phase
    # list, and the one commune of those EPCIs that the 2020 list does not name
    assert "Éléments 1–100 sur 107 (page 1/2)." in text_of(first)
    second = page(client, LARGE_PAGE + "?at=all&members_page=2")
    assert f'<a href="{LARGE_PAGE}?at=all" rel="prev">précédente</a>' in second
    assert "Éléments 101–107 sur 107 (page 2/2)." in text_of(second)
    rows = section(first, "members").count('<th scope="row">') + section(second, "members").count('<th scope="row">')
    assert rows == 107


# -- inert whatever the data say ------------------------------------------------------------------------

EVIL = 'Evil</script><script>alert(1)</script> "onerror=alert(2) x=\'<img src=x onerror=alert(3)>\' & </title><!--'


@pytest.fixture(scope="module")
def evil_client(cut_data_dir: DataDir, tmp_path_factory: pytest.TempPathFactory):
    """An app over a copy of the cut data with hostile labels on a commune and its membership."""
    from tid.endpoint import create_app

    root = Path(tmp_path_factory.mktemp("evil-data")) / "data"
    shutil.copytree(cut_data_dir.root, root, symlinks=True)
    data_dir = DataDir(root)
    release = data_dir.current_release()
    assert release is not None
    store = Store(str(release / "store"))
    graph = NamedNode(BASE + "graph/evil-test")
    commune = NamedNode(BASE + "id/commune/99999")
    adhesion = NamedNode(BASE + "id/adhesion/2023-2027/ti-1107/99999")
    rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    label = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    org = "http://www.w3.org/ns/org#"
    for s, p, o in (
        (commune, rdf_type, NamedNode("http://rdf.insee.fr/def/geo#Commune")),
        (commune, label, Literal(EVIL, language="fr")),
        (commune, NamedNode("http://rdf.insee.fr/def/geo#codeINSEE"), Literal(EVIL)),
        (commune, NamedNode(BASE + "def#departement"), NamedNode(BASE + "id/departement/77")),
        (adhesion, rdf_type, NamedNode(BASE + "def#Adhesion")),
        (adhesion, NamedNode(org + "member"), commune),
        (adhesion, NamedNode(org + "organization"), NamedNode(MELUN_IRI)),
    ):
        store.extend(merged([Quad(s, p, o, graph)]))  # a release's store: graphs and their merge
    store.flush()
    del store
    app = create_app({"DATA_DIR": str(root), "QUERY_TIMEOUT": 10, "MAX_CONCURRENT_QUERIES": 1})
    yield app.test_client()
    app.extensions["tid"].close()


def assert_inert(body: str) -> None:
    data = json_ld(body)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S).group(1)
    assert "<" not in block and ">" not in block and "&" not in block
    body = body.replace(block, "")
    assert "<script>alert" not in body
    assert "<img" not in body
    assert '"onerror' not in body
    assert "</title><!--" not in body
    # Exactly the page's own script element: the JSON-LD block, unbroken.
    assert body.count("<script") == 1 + body.count('<script src="/assets/')
    assert data["@type"]


def test_hostile_labels_are_escaped_on_their_page(evil_client: FlaskClient) -> None:
    response = evil_client.get("/doc/commune/99999", headers={"Accept": "text/html"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert_inert(body)
    assert str(escape(EVIL)) in body
    assert json_ld(body)["name"] == EVIL
    assert json_ld(body)["identifier"] == EVIL
    english = evil_client.get("/doc/commune/99999?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert_inert(english)


def test_hostile_labels_are_escaped_where_they_are_linked(evil_client: FlaskClient) -> None:
    body = evil_client.get(MELUN_PAGE + ".html").get_data(as_text=True)
    assert_inert(body)
    assert 'href="/doc/commune/99999"' in section(body, "members")


def test_hostile_labels_survive_in_rdf(evil_client: FlaskClient) -> None:
    import rdflib

    graph = rdflib.Graph().parse(data=evil_client.get("/doc/commune/99999.ttl").data, format="turtle")
    assert rdflib.Literal(EVIL, lang="fr") in set(graph.objects(rdflib.URIRef(BASE + "id/commune/99999"), rdflib.RDFS.label))


# -- every kind of thing ------------------------------------------------------------------------------


def one_of_each_kind(data_dir: DataDir) -> dict[str, str]:
    """The first typed thing of each kind (``id/{kind}/…``) in the cut data."""
    release = data_dir.current_release()
    assert release is not None
    store = Store.read_only(str(release / "store"))
    rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    found: dict[str, str] = {}
    for quad in store.quads_for_pattern(None, rdf_type, None, None):
        iri = quad.subject.value if isinstance(quad.subject, NamedNode) else ""
        if iri.startswith(BASE + "id/"):
            found.setdefault(iri[len(BASE) + 3:].split("/", 1)[0], iri[len(BASE) + 3:])
    return found


def test_a_page_for_every_kind_of_thing(client: FlaskClient, cut_data_dir: DataDir) -> None:
    kinds = one_of_each_kind(cut_data_dir)
    assert {"commune", "epci", "territoire", "site", "region", "departement", "adhesion", "vague", "phase",
            "distribution", "source", "mesure", "programme"} <= set(kinds)
    for kind, path in sorted(kinds.items()):
        for suffix in ("", ".ttl", ".jsonld", ".rdf", ".nt"):
            response = client.get(f"/doc/{path}{suffix}", headers={"Accept": "text/html"})
            assert response.status_code == 200, (kind, path, suffix, response.status_code)
        body = client.get(f"/doc/{path}", headers={"Accept": "text/html"}).get_data(as_text=True)
        assert '<h2 id="sources">' in body and json_ld(body)["@id"] == BASE + "id/" + path


def test_region_incoming_links_are_paged(client: FlaskClient) -> None:
    first = page(client, "/doc/region/11?at=all")
    incoming = section(first, "incoming")
    assert '<a href="https://w3id.org/territoires-industrie/def#region"' not in incoming
    # 88 communes, 8 départements, 3 territories of industry, 2 sites, and 9 Action cœur de ville and
    # Petites villes de demain conventions of the cut's lists
    assert '<a href="/def#region" lang="fr">région</a></th><td class="n">110</td>' in incoming
    # the announced figures scoped to it: La Tribune's of January 2020 and of 2024, nouvelles.news' of 2024,
    # one of the 2021 wave (Banque des Territoires)
    assert '<a href="/def#portee" lang="fr">portée</a></th><td class="n">4</td>' in incoming
    # and the région of attachment (ANCT's numbering) of ti-1103 in each phase and of ti-1107
    assert '<a href="/def#regionRattachement" lang="fr">région de rattachement</a></th><td class="n">3</td>' in incoming
    assert "Éléments 1–100 sur 117 (page 1/2)." in text_of(incoming)
    assert '<a href="/doc/region/11?at=all&amp;incoming_page=2" rel="next">suivante</a>' in incoming
    second = section(page(client, "/doc/region/11?at=all&incoming_page=2"), "incoming")
    assert "Éléments 101–117 sur 117 (page 2/2)." in text_of(second)
    assert second.count('<tr><th scope="row">') == 3 + 17  # the three counts, and the 17 links of page 2
    # today: the territories of the July 2024 list only, and the page says how many
    today = page(client, "/doc/region/11")
    assert ("Île-de-France est une région ; au " + str(date.today()) + ", 2 territoire(s) d'industrie y ont au moins "
            "une commune membre (un territoire sur plusieurs régions compte dans chacune).") in text_of(section(today, "facts"))
    assert "/doc/territoire/2018-2023/ti-1103" not in section(today, "incoming")
    assert "1 territoire(s)" in text_of(section(page(client, "/doc/region/11?at=2021-06-01"), "facts"))


def test_vague_shows_the_state_at_the_date_of_a_wave(client: FlaskClient) -> None:
    body = page(client, f"{PHASE1_TERRITORY_PAGE}?vague=2021")
    notice = text_of(body.split('<p class="at"', 1)[1].split("</p>", 1)[0])
    assert "État au 2021-09-23 : Territoires d'industrie, phase 2018-2023 ;" in notice
    assert "dernière vague de labellisation : Vague 2021." in notice
    assert "d'après Liste des territoires d'industrie 2018-2023 par commune au 2020-10-13" in notice
    members = text_of(section(body, "members"))  # the October 2020 list names communes, not EPCIs
    assert "Arpajon" in members and PHASE1_EPCI not in members
    # Page links keep the wave.
    turtle = client.get(f"{PHASE1_TERRITORY_PAGE}?vague=2021", headers={"Accept": "text/turtle"})
    assert turtle.headers["Content-Location"] == f"{PHASE1_TERRITORY_PAGE}.ttl?vague=2021"


@pytest.mark.parametrize("query", ["vague=2099", "vague=", "vague=..%2F2021", "vague=2021&at=2021-01-01"])
def test_unknown_wave_is_400(client: FlaskClient, query: str) -> None:
    response = client.get(f"{PHASE1_TERRITORY_PAGE}?{query}")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"


def test_members_and_incoming_links_have_their_own_pagers(client: FlaskClient) -> None:
    """Two tables paged on one page: moving one pager leaves the other where it is, and each
    pager's links keep the other's position."""
    moved = page(client, LARGE_PAGE + "?at=all&members_page=2")
    assert "Éléments 101–107 sur 107 (page 2/2)." in text_of(section(moved, "members"))
    incoming = section(moved, "incoming")
    assert "Éléments 1–100 sur" in text_of(incoming)
    assert f'<a href="{LARGE_PAGE}?at=all&amp;members_page=2&amp;incoming_page=2" rel="next">suivante</a>' in incoming
    both = page(client, LARGE_PAGE + "?at=all&members_page=2&incoming_page=2")
    assert "Éléments 101–107 sur 107 (page 2/2)." in text_of(section(both, "members"))
    assert re.search(r"Éléments 101–\d+ sur \d+ \(page 2/2\)\.", text_of(section(both, "incoming")))
    assert f'<a href="{LARGE_PAGE}?at=all&amp;incoming_page=2" rel="prev">précédente</a>' in section(both, "members")
    # each pager names what it pages, for screen readers
    assert 'aria-label="Pages des membres"' in moved and 'aria-label="Pages des liens entrants"' in moved
    # the RDF documents keep one page parameter (Hydra): the HTML pagers do not move them
    turtle = client.get(LARGE_PAGE + ".ttl?at=all&members_page=2")
    assert turtle.status_code == 200
    assert turtle.get_data() == client.get(LARGE_PAGE + ".ttl?at=all").get_data()


@pytest.mark.parametrize("query", ["members_page=0", "incoming_page=x", "members_page=-1", "incoming_page=1e3"])
def test_bad_pager_values_are_400(client: FlaskClient, query: str) -> None:
    response = client.get(f"{LARGE_PAGE}?at=all&{query}", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"
    name = query.split("=", 1)[0]
    assert json.loads(response.get_data())["detail"].startswith(f"{name}=")


@pytest.mark.parametrize("query", ["members_page=3", "incoming_page=9"])
def test_pager_past_its_last_page_is_404(client: FlaskClient, query: str) -> None:
    response = client.get(f"{LARGE_PAGE}?at=all&{query}", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert query in response.get_data(as_text=True)
    # the HTML pagers are the page's: an RDF document ignores them
    assert client.get(f"{LARGE_PAGE}.ttl?at=all&{query}").status_code == 200
