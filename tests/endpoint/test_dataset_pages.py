"""The pages of the catalogue and of its datasets, for people: what a portal shows of a dataset
(title, description, publisher, licence, temporal and spatial coverage, last update, downloads
with format, size, checksum and link, the catalogue's datasets, the contact), in the page's
language, before the rest of the description; every figure read back from the release's manifest
and catalogue, none written here."""

from __future__ import annotations

import html
import re

import pytest
from flask.testing import FlaskClient

from tests.endpoint.test_resource_pages import page, section, text_of
from tid.graph.catalog import CONTACT_EMAIL, PROJECT_NAME
from tid.graph.catalog.names import CATALOGUE_FILES

CATALOGUE_PAGE = "/doc/catalogue/territoires-industrie"
WHOLE_PAGE = "/doc/dataset/territoires-industrie"
ETALAB = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"


def summary(body: str) -> str:
    match = re.search(r'<section aria-labelledby="summary" class="dataset-summary">(.*?)</section>', body, re.S)
    assert match, "no summary section"
    return match.group(1)


def facts(body: str) -> dict[str, str]:
    """The summary's terms and their values, as text."""
    return {text_of(dt).strip(): text_of(dd).strip()
            for dt, dd in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", summary(body), re.S)}


def test_whole_dataset_page_reads_like_a_portals(client: FlaskClient, manifest: dict) -> None:
    body = page(client, WHOLE_PAGE)
    shown = facts(body)
    assert shown["Éditeur"] == PROJECT_NAME
    assert shown["Licence"].startswith("Licence Ouverte / Open Licence version 2.0")
    assert f'<a href="{ETALAB}">Licence Ouverte / Open Licence version 2.0</a>' in summary(body)
    assert shown["Couverture temporelle"] == "du 2017-12-14 au 2027-12-31"
    assert shown["Couverture spatiale"] == "France"
    assert shown["Dernière mise à jour"] == manifest["built"][:10]
    assert shown["Version"] == manifest["release"]
    assert shown["Identifiant"] == "territoires-industrie"
    assert shown["Contact"] == f"{PROJECT_NAME} · {CONTACT_EMAIL} · https://w3id.org/territoires-industrie/"
    assert f'<a href="mailto:{CONTACT_EMAIL}">{CONTACT_EMAIL}</a>' in summary(body)
    # the description in French, first
    assert text_of(summary(body)).strip().startswith("En bref Les programmes de politique industrielle territoriale")
    # the downloads: one row per dump of the manifest, with its size and checksum, then the SPARQL access
    downloads = section(body, "downloads")
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", downloads, re.S)
    dumps = [d for d in manifest["dumps"] if d["file"] not in CATALOGUE_FILES]
    assert len(rows) == len(dumps) + 1
    for dump in dumps:
        row = next(r for r in rows if f'/dumps/{dump["file"]}"' in r)
        assert f'<code class="checksum">{dump["sha256"]}</code>' in row
        assert f'href="https://w3id.org/territoires-industrie/dumps/{dump["file"]}"' in row
        assert ">télécharger</a>" in row
        size = dump["bytes"]
        assert re.search(r'<td class="n">\d+(,\d)?\u00a0(o|ko|Mo)</td>', row), row
        assert (size < 1000) == ("\u00a0o<" in row)
    assert "N-Quads, gzip" in text_of(downloads)
    sparql = rows[-1]
    assert "SPARQL" in text_of(sparql) and ">accéder</a>" in sparql
    # the rest follows: the statements, no longer the page's first words
    assert body.index('id="summary"') < body.index('id="statements"')


def test_whole_dataset_page_in_english(client: FlaskClient, manifest: dict) -> None:
    body = page(client, WHOLE_PAGE + "?lang=en")
    shown = facts(body)
    assert shown["Publisher"] == PROJECT_NAME
    assert shown["Temporal coverage"] == "from 2017-12-14 to 2027-12-31"
    assert shown["Last update"] == manifest["built"][:10]
    assert text_of(summary(body)).strip().startswith("Key facts France's territorial industrial-policy programmes")
    assert re.search(r'<td class="n">\d+(\.\d)? (B|kB|MB)</td>', section(body, "downloads"))


def test_statements_put_the_pages_language_first_and_name_dcat_terms(client: FlaskClient) -> None:
    for lang, first, other, term in (("fr", "Territoires d'industrie — graphe de connaissances",
                                      "Territoires d'industrie — knowledge graph", "couverture temporelle"),
                                     ("en", "Territoires d'industrie — knowledge graph",
                                      "Territoires d'industrie — graphe de connaissances", "temporal coverage")):
        body = page(client, WHOLE_PAGE + ("?lang=en" if lang == "en" else ""))
        statements = html.unescape(section(body, "statements"))
        other_lang = "en" if lang == "fr" else "fr"
        assert statements.index(f'<span lang="{lang}">{first}</span>') < \
            statements.index(f'<span lang="{other_lang}">{other}</span>')
        assert f">{term}</a></th>" in statements
        assert ">dcat:" not in statements and ">dct:" not in statements and ">vcard:" not in statements
        # the contact's web site is the base IRI, written out, never an empty link
        assert '<a href="https://w3id.org/territoires-industrie/"></a>' not in body
        assert not re.search(r"<a [^>]*>\s*</a>", body)


def test_catalogue_page_lists_its_datasets_and_files(client: FlaskClient, manifest: dict) -> None:
    body = page(client, CATALOGUE_PAGE)
    datasets = section(body, "datasets")
    assert text_of(datasets).strip().startswith(f"Jeux de données ({len(manifest['sources']) + 1})")
    assert '<a href="/doc/dataset/territoires-industrie" lang="fr">Territoires d\'industrie — graphe de connaissances</a>' \
        in html.unescape(datasets)
    for source in manifest["sources"]:
        path = source["graph"].split("/graph/", 1)[1]
        assert f'<a href="/doc/dataset/{path}"' in datasets, path
    downloads = section(body, "downloads")
    for name in CATALOGUE_FILES:
        assert f'href="https://w3id.org/territoires-industrie/dumps/{name}"' in downloads
    assert facts(body)["Identifiant"] == "territoires-industrie/catalogue"


def test_a_source_dataset_page_names_its_producer_and_official_file(client: FlaskClient, manifest: dict) -> None:
    source = next(s for s in manifest["sources"] if s["id"] == "ti-phase2-communes")
    path = source["graph"].split("/graph/", 1)[1]
    body = page(client, f"/doc/dataset/{path}")
    shown = facts(body)
    assert shown["Éditeur"] == PROJECT_NAME
    assert shown["Producteur des données d'origine"]
    assert shown["Page d'origine"].startswith("https://")
    downloads = section(body, "downloads")
    assert "Fichier officiel" in text_of(downloads) or "Fichier d'origine" in text_of(downloads)


@pytest.mark.parametrize("url", ["/doc/commune/77288", "/doc/territoire/2023-2027/ti-1107"])
def test_other_pages_have_no_dataset_summary(client: FlaskClient, url: str) -> None:
    body = page(client, url)
    assert 'class="dataset-summary"' not in body
    assert 'id="facts"' in body


def test_the_dataset_page_tells_search_engines_what_a_dataset_search_reads(client: FlaskClient, manifest: dict) -> None:
    from tests.endpoint.test_resource_pages import json_ld

    data = json_ld(page(client, WHOLE_PAGE))
    assert data["@type"] == "Dataset" and data["@id"] == "https://w3id.org/territoires-industrie/id/dataset/territoires-industrie"
    assert data["license"] == ETALAB and data["version"] == manifest["release"]
    assert data["publisher"] == {"@type": "Organization", "name": PROJECT_NAME}
    assert data["temporalCoverage"] == "2017-12-14/2027-12-31" and data["spatialCoverage"] == "France"
    assert data["description"].startswith("Les programmes de politique industrielle")
    downloads = {d["contentUrl"]: d for d in data["distribution"]}
    for dump in manifest["dumps"]:
        if dump["file"] in CATALOGUE_FILES:
            continue
        entry = downloads["https://w3id.org/territoires-industrie/dumps/" + dump["file"]]
        assert entry["@type"] == "DataDownload" and entry["contentSize"] == str(dump["bytes"])
    assert data["citation"].startswith(f"{PROJECT_NAME} ({manifest['built'][:4]}). Territoires d'industrie")
    assert json_ld(page(client, CATALOGUE_PAGE))["@type"] == "DataCatalog"
