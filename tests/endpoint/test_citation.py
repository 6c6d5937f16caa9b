"""Citing: the repository's ``CITATION.cff`` (valid CFF 1.2.0 keys, its version and licence those
of ``pyproject.toml``), the "cite this" block of the pages (title, publisher, release, date, IRI)
and ``/cite/{path}``, the same citation as a CFF document, every figure read from the release's
manifest; every error path a 4xx."""

from __future__ import annotations

import json
import re
import tomllib

import pytest
import yaml
from flask.testing import FlaskClient

from tests.endpoint.test_resource_pages import page, section, text_of
from tests.helpers import BASE, REPO
from tid.graph.catalog import PROJECT_NAME

CFF_KEYS = {"cff-version", "message", "title", "authors"}


def test_the_repositorys_citation_file() -> None:
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert CFF_KEYS <= set(citation)
    assert citation["cff-version"] == "1.2.0"
    assert citation["type"] == "software"
    assert citation["version"] == project["version"]
    assert citation["license"] == project["license"]
    assert citation["authors"] == [{"name": PROJECT_NAME}]
    assert citation["url"] == BASE


def _cff(client: FlaskClient, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/yaml; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'inline; filename="CITATION.cff"'
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    document = yaml.safe_load(response.get_data(as_text=True))
    assert CFF_KEYS <= set(document) and document["cff-version"] == "1.2.0" and document["type"] == "dataset"
    return document


def test_the_dataset_cites_its_release(client: FlaskClient, manifest: dict) -> None:
    document = _cff(client, "/cite/dataset/territoires-industrie")
    assert document["title"] == "Territoires d'industrie — graphe de connaissances"
    assert document["authors"] == [{"name": PROJECT_NAME}]
    assert document["version"] == manifest["release"]
    assert document["date-released"] == manifest["built"][:10]
    assert document["license"] == "etalab-2.0"
    assert document["url"] == BASE + "id/dataset/territoires-industrie"
    assert document["identifiers"] == [{"type": "url", "value": BASE + "id/dataset/territoires-industrie",
                                        "description": "IRI"}]
    assert document["abstract"].startswith("Les programmes de politique industrielle")
    english = _cff(client, "/cite/dataset/territoires-industrie?lang=en")
    assert english["title"] == "Territoires d'industrie — knowledge graph"


def test_a_thing_is_cited_as_part_of_the_graph(client: FlaskClient, manifest: dict) -> None:
    document = _cff(client, "/cite/commune/77288")
    assert document["title"] == "Melun — Territoires d'industrie — graphe de connaissances"
    assert document["url"] == BASE + "id/commune/77288"
    assert document["version"] == manifest["release"]
    assert "abstract" not in document


def test_cite_block_on_a_resource_page(client: FlaskClient, manifest: dict) -> None:
    body = page(client, "/doc/commune/77288")
    block = section(body, "cite")
    assert text_of(block).strip().startswith("Citer")
    assert (f"{PROJECT_NAME} ({manifest['built'][:4]}). Melun, dans « Territoires d'industrie — graphe de "
            f"connaissances », version {manifest['release']}, {manifest['built'][:10]}. {BASE}id/commune/77288") \
        in text_of(block)
    assert '<a href="/cite/commune/77288" type="application/yaml" download="CITATION.cff">' in block
    english = section(page(client, "/doc/commune/77288?lang=en"), "cite")
    assert "Melun, in “Territoires d'industrie — knowledge graph”" in text_of(english)
    assert 'href="/cite/commune/77288?lang=en"' in english


def test_cite_block_on_the_dataset_page(client: FlaskClient, manifest: dict) -> None:
    block = section(page(client, "/doc/dataset/territoires-industrie"), "cite")
    text = text_of(block)
    assert "Territoires d'industrie — graphe de connaissances [jeu de données]" in text
    for value in (PROJECT_NAME, manifest["release"], manifest["built"][:10], BASE + "id/dataset/territoires-industrie"):
        assert value in text
    assert re.search(r"<dt>Version</dt><dd><code>" + re.escape(manifest["release"]) + "</code></dd>", block)


def test_cite_is_conditional_and_negotiated(client: FlaskClient) -> None:
    first = client.get("/cite/commune/77288")
    again = client.get("/cite/commune/77288", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    head = client.head("/cite/commune/77288")
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["Content-Length"] == first.headers["Content-Length"]
    as_json = client.get("/cite/commune/77288", headers={"Accept": "application/json"})
    assert as_json.headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(as_json.get_data()) == yaml.safe_load(first.get_data(as_text=True))


@pytest.mark.parametrize(("method", "url", "headers", "status"), [
    ("get", "/cite/commune/00000", {}, 404),
    ("get", "/cite/commune/..%2F..%2Fetc", {}, 404),
    ("get", "/cite/" + "a" * 301, {}, 404),
    ("get", "/cite/commune/77288", {"Accept": "text/csv"}, 406),
    ("post", "/cite/commune/77288", {}, 405),
])
def test_cite_errors_are_4xx_problems(client: FlaskClient, method: str, url: str, headers: dict, status: int) -> None:
    response = getattr(client, method)(url, headers=headers)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"
