"""The cheap lane: a bounded lookup (``QueryShape.bounded``: one triple pattern on a named
subject) runs in the server's thread over the release's store, not in a query process; its
answers, limits and errors are those the pool gives, and it answers while every query process is
busy with a runaway (which is still killed and answered 503)."""

from __future__ import annotations

import threading
import time

import pytest

from tests.helpers import BASE, CROSS_JOIN

MELUN = BASE + "id/commune/77288"
LOOKUP = f"SELECT ?p ?o WHERE {{ <{MELUN}> ?p ?o }}"
# The same question, not bounded (a FILTER the lexer does not prove): it goes to a query process.
POOLED = f"SELECT ?p ?o WHERE {{ <{MELUN}> ?p ?o FILTER(true) }}"


def queries_run(app) -> int:
    return app.extensions["tid"].pool.stats["queries"]


def get(client, query: str, **params):
    return client.get("/sparql", query_string={"query": query, **params})


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_a_lookup_is_answered_without_a_query_process_and_as_the_pool_answers(make_app, embedded_only, fmt) -> None:
    app = make_app(RESULT_CACHE_MB=0)
    client = app.test_client()
    pooled = get(client, POOLED, format=fmt)
    assert pooled.status_code == 200
    run = queries_run(app)
    lane = get(client, LOOKUP, format=fmt)
    assert queries_run(app) == run  # no query process
    assert lane.status_code == 200
    assert lane.get_data() == pooled.get_data()
    assert int(lane.headers["X-TID-Rows"]) == int(pooled.headers["X-TID-Rows"]) > 3
    assert lane.headers["Content-Type"] == pooled.headers["Content-Type"]


@pytest.mark.parametrize("limit", [{"MAX_ROWS": 3}, {"MAX_BYTES": 700}])
def test_a_lookup_cut_by_a_limit_is_cut_as_in_the_pool(make_app, embedded_only, limit) -> None:
    app = make_app(RESULT_CACHE_MB=0, **limit)
    client = app.test_client()
    for fmt in ("json", "xml"):
        pooled, lane = get(client, POOLED, format=fmt), get(client, LOOKUP, format=fmt)
        assert lane.status_code == pooled.status_code == 200
        assert lane.headers["X-TID-Truncated"] == pooled.headers["X-TID-Truncated"]
        assert lane.headers["X-TID-Rows"] == pooled.headers["X-TID-Rows"]
        assert lane.get_data() == pooled.get_data()
        assert len(lane.get_data()) <= limit.get("MAX_BYTES", 10**9)


def test_a_malformed_lookup_is_a_400_from_the_lane(make_app, embedded_only) -> None:
    app = make_app(RESULT_CACHE_MB=0)
    client = app.test_client()
    run = queries_run(app)
    response = get(client, "SELECT ?o { ex:a ?p ?o }")  # an undeclared prefix: the engine refuses it
    assert response.status_code == 400
    assert response.get_json()["type"].endswith("/malformed-query")
    assert queries_run(app) == run


def test_lookups_flow_while_every_query_process_runs_a_runaway(make_app, embedded_only) -> None:
    app = make_app(RESULT_CACHE_MB=0, MAX_CONCURRENT_QUERIES=1, QUERY_TIMEOUT=4, QUEUE_WAIT=0.2)
    client = app.test_client()
    assert get(client, POOLED).status_code == 200  # the pool is up
    slow: list = []
    thread = threading.Thread(target=lambda: slow.append(get(app.test_client(), CROSS_JOIN)))
    thread.start()
    time.sleep(0.5)
    assert get(client, POOLED).status_code == 503  # the only query process is taken: busy
    started = time.monotonic()
    for _ in range(20):
        assert get(client, LOOKUP).status_code == 200
    assert time.monotonic() - started < 3
    thread.join(timeout=15)
    assert slow[0].status_code == 503  # killed at the budget
    assert slow[0].get_json()["type"].endswith("/query-timeout")
    assert get(client, POOLED).status_code == 200  # a fresh query process answers


@pytest.mark.parametrize("tail", [" OFFSET 2", " # a comment ends the query", " LIMIT 3"])
def test_a_lookup_ending_with_an_offset_a_comment_or_a_limit_is_answered_as_the_pool_answers(
        make_app, embedded_only, tail) -> None:
    """The engine-written answer appends its own LIMIT on a line of its own: after an OFFSET, after
    a comment; a query with its own LIMIT is written row by row."""
    app = make_app(RESULT_CACHE_MB=0)
    client = app.test_client()
    pooled = get(client, POOLED + tail)
    run = queries_run(app)
    lane = get(client, LOOKUP + tail)
    assert queries_run(app) == run
    assert lane.status_code == pooled.status_code == 200
    assert lane.get_data() == pooled.get_data()
    assert lane.headers["X-TID-Rows"] == pooled.headers["X-TID-Rows"]
