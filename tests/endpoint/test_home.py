"""The home page (counts, entry points, links, schema.org JSON-LD), ``/sitemap.xml`` (one sitemap,
or an index of parts), ``/robots.txt``, header by header, on the cut data."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

import pytest
from pyoxigraph import NamedNode, Store

from tests.helpers import BASE, CUT_MIRROR, HTML_TYPE, assert_problem
from tid.endpoint.home import json_ld_script, number
from tid.graph.catalog import schema_org_dataset
from tid.graph.store import DataDir
from tid.namespaces import PREFIXES, Minter

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture
def web(client):
    return client


@pytest.fixture(scope="module")
def things(cut_data_dir: DataDir) -> list[str]:
    """Every thing of the cut (an IRI under {base}id/ with a type, or replaced by another IRI),
    read straight from the store. (The cut's site alias table, which is not cut, also names
    sites that the cut's site list does not hold: those are not things of the cut.)"""
    store = Store.read_only(str(cut_data_dir.current_release() / "store"))
    kept = (NamedNode(PREFIXES["rdf"] + "type"), NamedNode(PREFIXES["dct"] + "isReplacedBy"))
    subjects = {q.subject.value for predicate in kept for q in store.quads_for_pattern(None, predicate, None, None)
                if isinstance(q.subject, NamedNode) and q.subject.value.startswith(BASE + "id/")}
    return sorted(subjects)


# -- the home page ------------------------------------------------------------------------------


def test_home_headers_etag_and_304(web, manifest) -> None:
    response = web.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == HTML_TYPE
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Vary"] == "Accept"
    assert response.headers["X-TID-Release"] == manifest["release"]
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    tag = response.headers["ETag"]
    assert tag.startswith('W/"')
    again = web.get("/", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == tag
    english = web.get("/?lang=en")
    assert english.status_code == 200 and english.headers["ETag"] != tag
    assert web.get("/", headers={"If-None-Match": english.headers["ETag"]}).status_code == 200


def counts(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-count="([^"]+)">([^<]+)<', page))


def _cut_json(relative: str) -> Any:
    return json.loads((CUT_MIRROR / relative).read_text(encoding="utf-8"))


def _cut_communes(name: str) -> set[str]:
    """The INSEE codes a programme list of the cut names."""
    with (CUT_MIRROR / "programmes" / name).open(encoding="utf-8", newline="") as handle:
        return {row["insee_com"] for row in csv.DictReader(handle)}


def _cut_territories(relative: str, key: str) -> set[str]:
    return {feature["properties"][key] for feature in _cut_json(relative)["features"]}


def test_home_counts_today(web, manifest) -> None:
    page = web.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in page and "graphe de connaissances" in page
    # today: the phase-2 list of July 2024; the EPCIs of the COG 2026; the communes of the COG 2023
    # (metropolitan France and the DROM); the default graph's triples, each fact once
    july_2024 = _cut_territories("territoires-industrie/anct_ti_2023-2027_perimetres_epci.geojson", "id_territoire")
    epci_2026 = _cut_json("cog/etalab-decoupage-administratif-6.0.0_cog2026/epci.json")
    communes_2023 = [c for c in _cut_json("cog/etalab-decoupage-administratif-3.1.1_cog2023/communes.json")
                     if c["type"] == "commune-actuelle" and c.get("zone") in ("metro", "drom")]
    # and the other programmes by their lists in force: Action cœur de ville's of 2025-04-01, Petites
    # villes de demain's of 2024-08-07
    assert counts(page) == {
        "territoires-2023-2027": str(len(july_2024)), "epci": str(len(epci_2026)), "communes": str(len(communes_2023)),
        "communes-action-coeur-de-ville": str(len(_cut_communes("acv_anct-carto-acv-2025.csv"))),
        "communes-petites-villes-de-demain": str(len(_cut_communes("pvd_superposeur-anct.csv"))),
        "sites": "17", "sources": str(len(manifest["sources"])), "triples": number(manifest["counts"]["triples"], "fr"),
    }
    assert 'href="/doc/liste/acv-2025">liste du 2025-04-01' in page and 'href="/doc/liste/pvd-2024">liste du 2024-08-07' in page
    assert "\u202f" in counts(page)["triples"]  # 16 918: French digit groups
    status = re.search(r'<p class="at" role="status">(.*?)</p>', page, re.S).group(1)
    assert f'État aujourd&#39;hui, <time datetime="{date.today()}">' in status
    assert 'href="/doc/liste/ti-phase2-groupements"' in status  # which list the counts come from
    assert 'href="/doc/millesime/2026"' in page and 'href="/doc/millesime/2023"' in page  # which vintages
    assert f'data-release="{manifest["release"]}"' in page and manifest["built"][:10] in page
    english = web.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "knowledge graph" in english and "In figures" in english
    assert counts(english)["triples"] == f'{manifest["counts"]["triples"]:,}'


def test_home_counts_as_of_a_date(web) -> None:
    # phase 1, October 2020 list (by commune)
    october_2020 = {row.split(",")[1] for row in (CUT_MIRROR / "territoires-industrie/signauxfaibles_terrind_communes_2020.csv")
                    .read_text(encoding="utf-8").splitlines()[1:]}
    page = web.get("/?at=2021-06-01").get_data(as_text=True)
    assert counts(page)["territoires-2018-2023"] == str(len(october_2020))
    # the lists of the other programmes in force then: Action cœur de ville's of 2018, Petites villes de demain's of 2021
    assert counts(page)["communes-action-coeur-de-ville"] == str(len(_cut_communes("acv_anct-carto-acv-2018.csv")))
    assert counts(page)["communes-petites-villes-de-demain"] == str(len(_cut_communes("pvd_anct-carto-pvd-2021.csv")))
    assert "territoires-2023-2027" not in counts(page)
    assert counts(page)["epci"] == str(len(_cut_json("cog/etalab-decoupage-administratif-0.8.0_epci2020/epci.json")))
    status = re.search(r'<p class="at" role="status">(.*?)</p>', page, re.S).group(1)
    assert 'État au <time datetime="2021-06-01">' in status and 'href="/doc/liste/ti-phase1-communes-2020"' in status
    assert 'value="2021-06-01"' in page  # the form shows the date asked
    # before the first list of phase 1: no count of territories, and the page says why
    before = web.get("/?at=2019-06-01").get_data(as_text=True)
    assert not [key for key in counts(before) if key.startswith("territoires-")]
    assert "avant la première liste de la phase" in before and 'href="/doc/liste/ti-phase1-communes-2020"' in before
    assert "Aucune liste de territoires ne vaut à cette date." in before
    # a day of the same state has the same counts; the ETag differs with the day shown
    a, b = web.get("/?at=2025-01-01"), web.get("/?at=2025-02-01")
    assert counts(a.get_data(as_text=True)) == counts(b.get_data(as_text=True))
    assert a.headers["ETag"] != b.headers["ETag"]
    # a bad date is the client's error
    for bad in ("2021-13-01", "yesterday", "2021-6-1", ""):
        assert_problem(web.get(f"/?at={bad}", headers={"Accept": "application/json"}), 400, "invalid-parameter")


def test_home_entry_points_link_local_pages(web) -> None:
    page = web.get("/").get_data(as_text=True)
    for path in ("programme/pack-rebond", "programme/territoires-industrie", "mesure/mesures-crise-bpifrance",
                 "region/11", "vague/2021", "vague/choose-france-2020", "organisation/anct",
                 "phase/2023-2027"):
        assert f'href="/doc/{path}"' in page, path
    assert 'href="/doc/epci/' not in page  # EPCIs are public organisations but not listed as actors
    # measures under their programme
    pack = re.search(r'href="/doc/programme/pack-rebond">[^<]*</a>\n<ul>(.*?)</ul>', page).group(1)
    assert 'href="/doc/mesure/mesures-crise-bpifrance"' in pack
    # a région row: its territories today (Île-de-France: both territories of the July 2024 list)
    row = re.search(r'<a href="/doc/region/11">Île-de-France</a></th>(.*?)</tr>', page).group(1)
    assert re.findall(r'<td class="n">(\d+)</td>', row) == ["2"]
    before = web.get("/?at=2021-06-01").get_data(as_text=True)  # October 2020: ti-1103 (Île-de-France), ti-2706
    row = re.search(r'<a href="/doc/region/11">Île-de-France</a></th>(.*?)</tr>', before).group(1)
    assert re.findall(r'<td class="n">(\d+)</td>', row) == ["1"]
    assert 'href="/doc/region/27"' in before and 'href="/doc/region/27"' not in page  # ti-2706: phase 1 only
    assert "compte dans chacune" in page  # a territory over several régions counts in each: the page says so
    # each wave: the sites loaded of the number its national figures announce (curated/wave-totals.ttl)
    assert re.search(r'href="/doc/vague/2021">Vague 2021</a> \(<time datetime="2021-09-23">2021-09-23</time>\) — 8 sur 49 annoncés</li>',
                     page)


def test_home_waves_show_loaded_of_announced(web) -> None:
    """Beside each wave, "N sur M annoncés": N the sites of a certain labelling in the wave (the cut's),
    M the wave's national figure (a figure with a région, a département or the programme in its
    scope is not national)."""
    page = web.get("/").get_data(as_text=True)
    waves = dict(re.findall(r'href="/doc/vague/([a-z0-9-]+)">[^<]*</a> \(<time[^>]*>[^<]*</time>\) — ([^<]*)</li>', page))
    # the cut: Europôle de Sarreguemines and Induslacq (January 2020); Sénart, the Tertre de Montereau and
    # Garlin Pyrénées (July 2020); the 8 Nouvelle-Aquitaine sites of 2021 (curated seed-004 list); no 2024 site
    assert waves == {"choose-france-2020": "2 sur 12 annoncés", "pack-rebond-2020": "3 sur 66 annoncés",
                     "2021": "8 sur 49 annoncés", "france-2030-2024": "0 sur 55 annoncés"}
    english = web.get("/?lang=en").get_data(as_text=True)
    assert re.search(r'\(<time datetime="2021-09-23">2021-09-23</time>\) — 8 of 49 announced</li>', english)


def test_home_links_to_services_and_dumps(web, manifest) -> None:
    page = web.get("/").get_data(as_text=True)
    for href in ("/sparql", "/queries", "/catalog", "/.well-known/void", "/sitemap.xml", "/search",
                 "/doc/catalogue/territoires-industrie"):  # the catalogue's page, for people
        assert f'href="{href}"' in page or f'action="{href}"' in page, href
    assert web.get("/doc/catalogue/territoires-industrie", headers={"Accept": "text/html"}).status_code == 200
    assert manifest["dumps"]
    for dump in manifest["dumps"]:
        assert f'href="/dumps/{dump["file"]}"' in page
    assert 'id="home-q" name="q"' in page  # the search box of the page, beside the header's


def test_home_embeds_the_schema_org_dataset(web, cut_data_dir: DataDir, manifest) -> None:
    page = web.get("/").get_data(as_text=True)
    scripts = LD_JSON.findall(page)
    assert len(scripts) == 1
    assert "<" not in scripts[0]  # nothing can close the element early
    data = json.loads(scripts[0])
    store = Store.read_only(str(cut_data_dir.current_release() / "store"))
    minter = Minter(manifest["base"])
    expected = schema_org_dataset(store.quads_for_pattern(None, None, None, minter.graph("catalogue")), minter)
    assert data == json.loads(json.dumps(expected))
    assert data["@type"] == "Dataset" and data["@id"] == BASE + "id/dataset/territoires-industrie"


def test_json_ld_cannot_end_its_script_element() -> None:
    hostile: dict[str, Any] = {"name": "</script><script>alert(1)</script>", "d": "<!-- & -->", "s": "\u2028"}
    text = str(json_ld_script(hostile))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == hostile
    assert str(json_ld_script(None)) == ""


def test_home_never_fails_on_parameters(web) -> None:
    for url in ("/?lang=xx", "/?lang=", "/?foo=bar", "/?lang=en&lang=fr"):
        response = web.get(url)
        assert response.status_code == 200, url
    assert_problem(web.post("/"), 405, "method-not-allowed")


# -- sitemap and robots.txt ---------------------------------------------------------------------


def locs(xml: bytes, kind: str = "url") -> list[str]:
    root = ET.fromstring(xml)
    return [element.findtext(f"{SITEMAP}loc") for element in root.findall(f"{SITEMAP}{kind}")]


def test_sitemap_lists_the_home_page_and_every_thing(web, things: list[str], manifest) -> None:
    response = web.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert response.headers["X-TID-Release"] == manifest["release"]
    root = ET.fromstring(response.get_data())
    assert root.tag == f"{SITEMAP}urlset"
    urls = locs(response.get_data())
    assert urls[0] == "http://localhost/"
    assert urls[1:] == [f"http://localhost/doc/{iri[len(BASE) + 3:]}.html" for iri in things]
    assert "http://localhost/doc/commune/77288.html" in urls
    assert "http://localhost/doc/territoire/2023-2027/ti-1107.html" in urls
    for url in (urls[0], urls[1], urls[len(urls) // 2], urls[-1]):  # the pages are there
        assert web.get(url.removeprefix("http://localhost")).status_code == 200, url
    assert {e.findtext(f"{SITEMAP}lastmod") for e in root} == {manifest["built"][:10]}
    tag = response.headers["ETag"]
    assert web.get("/sitemap.xml", headers={"If-None-Match": tag}).status_code == 304
    assert_problem(web.get("/sitemap-1.xml"), 404, "not-found")  # one sitemap: no parts


def test_a_large_sitemap_becomes_an_index_of_parts(make_app, things: list[str]) -> None:
    app = make_app(SITEMAP_MAX_URLS=400)
    client = app.test_client()
    index = client.get("/sitemap.xml")
    assert index.status_code == 200 and index.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert client.get("/sitemap.xml", headers={"If-None-Match": index.headers["ETag"]}).status_code == 304
    assert ET.fromstring(index.get_data()).tag == f"{SITEMAP}sitemapindex"
    parts = locs(index.get_data(), "sitemap")
    total = len(things) + 1
    assert len(parts) == -(-total // 400) and len(parts) > 1
    assert parts[0] == "http://localhost/sitemap-1.xml"
    every: list[str] = []
    for number_, url in enumerate(parts, start=1):
        part = client.get(url.removeprefix("http://localhost"))
        assert part.status_code == 200 and part.headers["Content-Type"] == "application/xml; charset=utf-8"
        assert client.get(url, headers={"If-None-Match": part.headers["ETag"]}).status_code == 304
        urls = locs(part.get_data())
        assert 0 < len(urls) <= 400
        every += urls
        assert number_ == len(parts) or len(urls) == 400
    assert len(every) == total and len(set(every)) == total and every[0] == "http://localhost/"
    for missing in ("/sitemap-0.xml", f"/sitemap-{len(parts) + 1}.xml"):
        assert_problem(client.get(missing), 404, "not-found")
    assert client.get("/sitemap-x.xml").status_code == 404


def test_sitemap_and_robots_use_the_public_url(make_app) -> None:
    app = make_app(PUBLIC_URL="https://example.org/kg/")
    client = app.test_client()
    urls = locs(client.get("/sitemap.xml").get_data())
    assert urls[0] == "https://example.org/kg/"
    assert all(url.startswith("https://example.org/kg/doc/") for url in urls[1:])
    assert "Sitemap: https://example.org/kg/sitemap.xml" in client.get("/robots.txt").get_data(as_text=True)


def test_robots_txt(web) -> None:
    response = web.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    assert "Sitemap: http://localhost/sitemap.xml" in lines
    assert "Disallow: /sparql" in lines and "Disallow: /search" in lines and "Allow: /" in lines
