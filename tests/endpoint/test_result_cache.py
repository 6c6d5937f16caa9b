"""The per-release result cache: a hit is the miss's answer (same body, same headers but
``Cache-Status`` and ``Server-Timing``) served without a query process; one entry per format,
dataset and parameters; LRU within a byte budget; forgotten with the release; errors, time-outs
and truncated answers never stored; off with ``RESULT_CACHE_MB=0``; named queries too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import CROSS_JOIN, CUT_MIRROR, MELUN_IRI
from tid.endpoint.result_cache import (
    HIT,
    HIT_TIMING,
    MISS,
    MISS_STORED,
    ResultCache,
    request_key,
    result_cache_of,
)
from tid.graph.build import BuildOptions, build
from tid.graph.store import DataDir

QUERY = "SELECT ?t (COUNT(*) AS ?n) WHERE { ?s a ?t } GROUP BY ?t ORDER BY ?t LIMIT 4"
SAME_HEADERS = ("Content-Type", "Content-Length", "ETag", "Vary", "Cache-Control", "X-TID-Release", "X-TID-Rows",
                "Access-Control-Allow-Origin", "Access-Control-Expose-Headers")


@pytest.fixture
def cached_app(make_app):
    return make_app(RESULT_CACHE_MB=16)


def queries_run(app) -> int:
    return app.extensions["tid"].pool.stats["queries"]


def get(client, query: str = QUERY, **kwargs):
    return client.get("/sparql", query_string={"query": query}, **kwargs)


# -- hits and misses -----------------------------------------------------------------------------


def test_a_hit_is_the_miss_answer_served_without_a_query_process(cached_app) -> None:
    client = cached_app.test_client()
    miss = get(client)
    assert miss.status_code == 200
    assert miss.headers["Cache-Status"] == MISS_STORED == "tid; fwd=miss; stored"
    assert miss.headers["Server-Timing"].startswith("query;dur=")
    run = queries_run(cached_app)

    hit = get(client)
    assert queries_run(cached_app) == run  # no round-trip to a worker
    assert hit.status_code == 200
    assert hit.get_data() == miss.get_data()
    for name in SAME_HEADERS:
        assert hit.headers.get(name) is not None, name
        assert hit.headers.get(name) == miss.headers.get(name), name
    assert hit.headers["Cache-Status"] == HIT == "tid; hit"
    assert hit.headers["Server-Timing"] == HIT_TIMING == 'query;dur=0.0;desc="cache hit"'
    # nothing else added or lost
    assert sorted(k for k, _ in hit.headers) == sorted(k for k, _ in miss.headers)
    assert len(result_cache_of(cached_app)) == 1


def test_the_fast_path_replays_a_get_without_entering_flask(cached_app, monkeypatch) -> None:
    from tid.endpoint import protocol

    client = cached_app.test_client()
    first = get(client, headers={"Accept": "text/csv"})
    assert first.headers["Cache-Status"] == MISS_STORED

    def unreachable(*_args, **_kwargs):
        raise AssertionError("the request entered Flask")

    monkeypatch.setattr(protocol, "read_request", unreachable)
    again = get(client, headers={"Accept": "text/csv"})
    assert (again.status_code, again.headers["Cache-Status"]) == (200, HIT)
    assert again.get_data() == first.get_data()
    monkeypatch.undo()
    # Another spelling of the same question (POST) goes through Flask and finds the answer by its ETag.
    posted = client.post("/sparql", data={"query": QUERY}, headers={"Accept": "text/csv"})
    assert (posted.status_code, posted.headers["Cache-Status"]) == (200, HIT)
    assert posted.get_data() == first.get_data()
    assert posted.headers["ETag"] == first.headers["ETag"]
    assert len(result_cache_of(cached_app)) == 1


def test_if_none_match_still_gives_304_when_the_answer_is_stored(cached_app) -> None:
    client = cached_app.test_client()
    tag = get(client).headers["ETag"]
    assert get(client).headers["Cache-Status"] == HIT
    response = get(client, headers={"If-None-Match": tag})
    assert response.status_code == 304
    assert response.get_data() == b""
    assert response.headers["ETag"] == tag


def test_head_is_answered_but_not_stored(cached_app) -> None:
    client = cached_app.test_client()
    head = client.head("/sparql", query_string={"query": QUERY})
    assert head.status_code == 200 and head.get_data() == b""
    assert "Cache-Status" not in head.headers or head.headers["Cache-Status"] == MISS
    assert len(result_cache_of(cached_app)) == 0
    stored = get(client)
    assert stored.headers["Cache-Status"] == MISS_STORED
    # a HEAD after the GET is answered from the stored answer: the GET's headers, no body
    head = client.head("/sparql", query_string={"query": QUERY})
    assert (head.status_code, head.get_data(), head.headers["Cache-Status"]) == (200, b"", HIT)
    assert head.headers["Content-Length"] == stored.headers["Content-Length"]
    assert head.headers["ETag"] == stored.headers["ETag"]


def test_each_format_dataset_and_parameter_has_its_own_entry(cached_app) -> None:
    client = cached_app.test_client()
    as_json = get(client, headers={"Accept": "application/sparql-results+json"})
    as_xml = get(client, headers={"Accept": "application/sparql-results+xml"})
    assert as_json.headers["Cache-Status"] == as_xml.headers["Cache-Status"] == MISS_STORED
    assert as_json.headers["ETag"] != as_xml.headers["ETag"]
    assert len(result_cache_of(cached_app)) == 2
    xml_hit = get(client, headers={"Accept": "application/sparql-results+xml"})
    assert xml_hit.headers["Cache-Status"] == HIT
    assert xml_hit.headers["Content-Type"] == "application/sparql-results+xml; charset=utf-8"
    assert xml_hit.get_data() == as_xml.get_data()
    # Another Accept that negotiates the same format: the same entry (a hit), another raw request.
    alias = get(client, headers={"Accept": "application/json"})
    assert alias.headers["Cache-Status"] == HIT and alias.get_data() == as_json.get_data()
    # format= and a dataset are parts of the key.
    as_tsv = client.get("/sparql", query_string={"query": QUERY, "format": "tsv"}, headers={"Accept": "text/csv"})
    assert (as_tsv.headers["Cache-Status"], as_tsv.mimetype) == (MISS_STORED, "text/tab-separated-values")
    graph = "https://w3id.org/territoires-industrie/graph/cog2023-regions/3.1.1"
    scoped = client.get("/sparql", query_string={"query": QUERY, "default-graph-uri": graph})
    assert scoped.headers["Cache-Status"] == MISS_STORED
    assert scoped.get_data() != as_json.get_data()
    assert len(result_cache_of(cached_app)) == 4


def test_named_queries_are_cached_per_parameters(cached_app) -> None:
    client = cached_app.test_client()
    first = client.get("/queries/territoires-par-phase")
    assert (first.status_code, first.headers["Cache-Status"]) == (200, MISS_STORED)
    run = queries_run(cached_app)
    again = client.get("/queries/territoires-par-phase")
    assert (again.headers["Cache-Status"], again.get_data()) == (HIT, first.get_data())
    assert again.headers["ETag"] == first.headers["ETag"]
    assert queries_run(cached_app) == run
    bound = client.get("/queries/communes-d-un-territoire", query_string={"territoire": MELUN_IRI})
    assert (bound.status_code, bound.headers["Cache-Status"]) == (200, MISS_STORED)
    other = client.get("/queries/communes-d-un-territoire",
                       query_string={"territoire": MELUN_IRI.replace("ti-1107", "ti-1108")})
    assert other.headers["Cache-Status"] == MISS_STORED and other.headers["ETag"] != bound.headers["ETag"]
    assert client.get("/queries/communes-d-un-territoire", query_string={"territoire": MELUN_IRI}) \
        .headers["Cache-Status"] == HIT


# -- what is not stored --------------------------------------------------------------------------


def test_errors_are_not_stored(cached_app) -> None:
    client = cached_app.test_client()
    for _ in range(2):
        malformed = get(client, "SELECT ?s WHERE { ?s ?p ")
        assert malformed.status_code == 400 and "Cache-Status" not in malformed.headers
        refused = get(client, "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
        assert refused.status_code == 403 and "Cache-Status" not in refused.headers
        unacceptable = get(client, headers={"Accept": "image/png"})
        assert unacceptable.status_code == 406 and "Cache-Status" not in unacceptable.headers
    assert len(result_cache_of(cached_app)) == 0


def test_timeouts_are_not_stored(make_app) -> None:
    app = make_app(RESULT_CACHE_MB=16, QUERY_TIMEOUT=0.5)
    client = app.test_client()
    for _ in range(2):
        response = get(client, CROSS_JOIN)
        assert response.status_code == 503 and "Cache-Status" not in response.headers
    assert len(result_cache_of(app)) == 0


def test_truncated_answers_are_not_stored(make_app) -> None:
    app = make_app(RESULT_CACHE_MB=16, MAX_ROWS=2)
    client = app.test_client()
    for _ in range(2):
        response = get(client)
        assert response.status_code == 200
        assert response.headers["X-TID-Truncated"] == "rows=2"
        assert response.headers["Cache-Status"] == MISS == "tid; fwd=miss"
    assert len(result_cache_of(app)) == 0


def test_disabled_with_zero(make_app) -> None:
    app = make_app(RESULT_CACHE_MB=0)
    client = app.test_client()
    first = get(client)
    run = queries_run(app)
    second = get(client)
    assert queries_run(app) == run + 1
    assert first.get_data() == second.get_data()
    assert "Cache-Status" not in first.headers and "Cache-Status" not in second.headers
    assert not result_cache_of(app).enabled and len(result_cache_of(app)) == 0


def test_the_setting_may_come_from_the_environment(monkeypatch, cut_data_dir: DataDir) -> None:
    from tid.endpoint import create_app

    monkeypatch.setenv("TID_RESULT_CACHE_MB", "0.5")
    app = create_app({"DATA_DIR": str(cut_data_dir.root)})
    try:
        assert result_cache_of(app).max_bytes == 512 * 1024
    finally:
        app.extensions["tid"].close()


# -- bounds and releases -------------------------------------------------------------------------


def test_the_byte_budget_evicts_the_least_recently_used() -> None:
    cache = ResultCache(40_000)
    body = b"x" * 8_000
    for key in ("a", "b", "c", "d"):
        assert cache.store("r1", key, body, [("Content-Type", "text/csv"), ("Cache-Status", MISS_STORED)])
    assert len(cache) == 4 and cache.size <= 40_000
    assert cache.get("r1", "a") is not None  # a is now the most recently used; b the least
    assert cache.store("r1", "e", body, [("Content-Type", "text/csv")])
    assert "b" not in cache and all(key in cache for key in ("a", "c", "d", "e"))
    assert cache.size <= 40_000 and cache.stats["evicted"] == 1
    assert cache.get("r1", "a").headers == [("Content-Type", "text/csv"), ("Cache-Status", HIT)]
    # An answer larger than a quarter of the budget is not stored (it would empty the cache).
    assert not cache.store("r1", "big", b"x" * 10_001, [])
    assert "big" not in cache and len(cache) == 4


def test_eviction_also_forgets_the_raw_requests() -> None:
    cache = ResultCache(20_000)
    environ = {"SCRIPT_NAME": "", "PATH_INFO": "/sparql", "QUERY_STRING": "query=x", "HTTP_ACCEPT": "text/csv"}
    cache.store("r1", "a", b"x" * 4_000, [], request_key(environ))
    assert cache.replay("r1", request_key(environ)) is not None
    for key in ("b", "c", "d", "e"):
        cache.store("r1", key, b"x" * 4_000, [])
    assert "a" not in cache
    assert cache.replay("r1", request_key(environ)) is None


def test_the_byte_budget_holds_through_the_app(make_app) -> None:
    app = make_app(RESULT_CACHE_MB=0.04)  # 40 KiB: a few small answers (each under a quarter of it)
    cache = result_cache_of(app)
    client = app.test_client()
    for n in range(1, 40):
        response = get(client, f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {n}")
        assert response.headers["Cache-Status"] == MISS_STORED
        assert cache.size <= cache.max_bytes
    assert cache.stats["evicted"] > 0
    assert get(client, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1").headers["Cache-Status"] == MISS_STORED  # evicted
    assert get(client, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 39").headers["Cache-Status"] == HIT  # recent


def test_another_release_forgets_everything() -> None:
    cache = ResultCache(100_000)
    cache.store("r1", "a", b"answer", [])
    assert cache.get("r1", "a") is not None
    assert cache.get("r2", "a") is None and len(cache) == 0 and cache.size == 0
    # an answer asked under the previous release arriving late is not stored for the new one
    assert not cache.store("r1", "b", b"late", [])
    assert len(cache) == 0


def test_a_new_release_clears_the_cache(make_app, tmp_path: Path, cut_sources: Path) -> None:
    data_dir = DataDir(tmp_path / "data")
    first = build(BuildOptions(data_dir=data_dir, mirror=CUT_MIRROR, source_list=cut_sources, dumps=False))
    app = make_app(data_dir, RELEASE_CHECK_INTERVAL=0, RESULT_CACHE_MB=16)
    client = app.test_client()
    before = get(client)
    assert get(client).headers["Cache-Status"] == HIT
    second = build(BuildOptions(data_dir=data_dir, mirror=CUT_MIRROR, source_list=cut_sources, dumps=False, force=True))
    assert second.release != first.release
    after = get(client)
    assert after.headers["Cache-Status"] == MISS_STORED  # not the previous release's answer
    assert after.headers["X-TID-Release"] == second.release != before.headers["X-TID-Release"]
    assert after.headers["ETag"] != before.headers["ETag"]
    assert result_cache_of(app).stats["cleared"] == 1 and len(result_cache_of(app)) == 1
    assert get(client).headers["Cache-Status"] == HIT


def test_a_stored_answer_is_valid_json(cached_app) -> None:
    client = cached_app.test_client()
    get(client)
    body = json.loads(get(client).get_data(as_text=True))
    assert body["head"]["vars"] == ["t", "n"] and len(body["results"]["bindings"]) == 4


def test_an_answer_with_a_cookie_is_never_replayed(make_app) -> None:
    app = make_app(RESULT_CACHE_MB=16)

    @app.after_request
    def cookie(response):
        response.set_cookie("seen", "1")
        return response

    client = app.test_client()
    assert get(client).status_code == 200
    assert len(result_cache_of(app)) == 0
    assert get(client).headers["Cache-Status"] != HIT
