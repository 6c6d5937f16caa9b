"""HTTP around the answers: ETag from release + query + format + dataset, 304 on If-None-Match,
Vary, Cache-Control, CORS on every answer and a working preflight, and a newly published
release picked up with new ETags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import CUT_MIRROR
from tid.graph.build import BuildOptions, build
from tid.graph.store import DataDir

QUERY = "SELECT ?t (COUNT(*) AS ?n) WHERE { ?s a ?t } GROUP BY ?t ORDER BY ?t LIMIT 3"
GRAPH = "https://w3id.org/territoires-industrie/graph/cog2023-regions/3.1.1"


def get(client, **params):
    return client.get("/sparql", query_string={"query": QUERY, **params})


def test_etag_depends_on_query_format_and_dataset(client, manifest) -> None:
    first, again = get(client), get(client)
    assert first.status_code == again.status_code == 200
    tag = first.headers["ETag"]
    assert tag.startswith('W/"') and tag == again.headers["ETag"]
    assert first.headers["X-TID-Release"] == manifest["release"]
    assert get(client, format="csv").headers["ETag"] != tag
    assert get(client, **{"default-graph-uri": GRAPH}).headers["ETag"] != tag
    other = client.get("/sparql", query_string={"query": QUERY + " "})
    assert other.headers["ETag"] != tag


def test_if_none_match_gives_304_without_body(client) -> None:
    tag = get(client).headers["ETag"]
    for header in (tag, tag[2:], f'"other", {tag}', "*"):
        response = client.get("/sparql", query_string={"query": QUERY}, headers={"If-None-Match": header})
        assert response.status_code == 304, header
        assert response.get_data() == b"" and "Content-Type" not in response.headers
        assert response.headers["ETag"] == tag
        assert "Accept" in response.headers["Vary"]
        assert response.headers["Cache-Control"].startswith("public, max-age=")
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/sparql", query_string={"query": QUERY}, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_if_none_match_on_post_is_412(client) -> None:
    tag = get(client).headers["ETag"]
    same = client.post("/sparql", data={"query": QUERY})
    assert same.headers["ETag"] == tag  # the same answer whatever the method
    response = client.post("/sparql", data={"query": QUERY}, headers={"If-None-Match": tag})
    assert response.status_code == 412
    assert json.loads(response.get_data(as_text=True))["type"].endswith("/precondition-failed")


def test_cache_and_vary_headers(client) -> None:
    response = get(client)
    assert response.headers["Vary"] == "Accept"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert int(response.headers["X-TID-Rows"]) == 3
    assert response.headers["Server-Timing"].startswith("query;dur=")
    error = client.get("/sparql", query_string={"query": "ASK {"})
    assert error.headers["Cache-Control"] == "no-store"
    assert "Accept" in error.headers["Vary"]


@pytest.mark.parametrize("path", ["/sparql?query=ASK%20%7B%7D", "/sparql?query=ASK%20%7B", "/sparql",
                                  "/queries", "/.well-known/void", "/nowhere"])
def test_cors_on_every_answer(client, path: str) -> None:
    response = client.get(path)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    assert "X-TID-Truncated" in response.headers["Access-Control-Expose-Headers"]


def test_cors_preflight(client) -> None:
    response = client.options("/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, accept"})
    assert response.status_code == 204
    assert response.get_data() == b"" and "Content-Type" not in response.headers
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST", "OPTIONS"} <= methods
    headers = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"content-type", "accept"} <= headers
    assert response.headers["Access-Control-Max-Age"] == "86400"
    assert response.headers["Allow"] == "GET, POST, OPTIONS, HEAD"
    other = client.options("/queries")
    assert other.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in other.headers["Access-Control-Allow-Methods"]


def test_a_new_release_is_picked_up_with_new_etags(make_app, tmp_path: Path, cut_sources: Path) -> None:
    data_dir = DataDir(tmp_path / "data")
    first = build(BuildOptions(data_dir=data_dir, mirror=CUT_MIRROR, source_list=cut_sources, dumps=False))
    client = make_app(data_dir, RELEASE_CHECK_INTERVAL=0).test_client()
    before = get(client)
    assert before.headers["X-TID-Release"] == first.release
    second = build(BuildOptions(data_dir=data_dir, mirror=CUT_MIRROR, source_list=cut_sources, dumps=False, force=True))
    assert second.release != first.release
    after = get(client)
    assert after.status_code == 200
    assert after.headers["X-TID-Release"] == second.release
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.get_data() == before.get_data()  # same data, new release
    stale = client.get("/sparql", query_string={"query": QUERY}, headers={"If-None-Match": before.headers["ETag"]})
    assert stale.status_code == 200
